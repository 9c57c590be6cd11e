import { run } from "./page-app.js";

run(decodeURIComponent(location.hash.slice(1)), "hi from webpack").then((r) => {
  window.__result = r;
});
