"use client";
// A client component: pre-rendered on the server at build time (so aibadgr is imported there
// too), then run in the browser, where it streams a chat straight to the API in the URL hash.
import { useEffect, useState } from "react";
import { run } from "../page-app.js";

export default function Chat() {
  const [text, setText] = useState("");
  useEffect(() => {
    run(decodeURIComponent(location.hash.slice(1)), "hi from a client component").then((r) => {
      setText(r.ok ? r.text : r.error);
      window.__result = r;
    });
  }, []);
  return <pre id="out">{text}</pre>;
}
