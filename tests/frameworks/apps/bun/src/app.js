import { run } from "./page-app.js";

run(decodeURIComponent(location.hash.slice(1)), "hi from bun build").then((r) => {
  window.__result = r;
});
