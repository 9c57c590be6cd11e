// A Worker that runs examples/typescript/usage.ts's run() in workerd and answers with its report.
// Bundled next to a copy of usage.ts (esbuild compiles the TypeScript).
import { AiBadgr } from "aibadgr";
import { run } from "./usage.ts";

export default {
  async fetch(request, env) {
    try {
      return Response.json(await run(AiBadgr.fromEnv(env)));
    } catch (e) {
      return Response.json({ error: String(e?.stack ?? e) }, { status: 500 });
    }
  },
};
