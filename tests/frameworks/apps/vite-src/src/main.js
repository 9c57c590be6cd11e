import { run } from "./page-app.js";

const baseUrl = decodeURIComponent(location.hash.slice(1));
run(baseUrl, "hi from vite").then((r) => {
  document.querySelector("#app").textContent = r.ok ? r.text : r.error;
  window.__result = r;
});
