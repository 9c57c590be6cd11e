// Runs the local test server (tests/server) in its own process for the network figures, so its
// work does not share the measuring process's thread. Prints "LISTENING <url>"; exits when its
// stdin closes (the parent went away) or on SIGTERM.
import { startServer } from "../../tests/server/server.mjs";

const srv = await startServer({ port: 0, host: "127.0.0.1" });
process.stdout.write(`LISTENING ${srv.url}\n`);
const stop = () => srv.close().then(() => process.exit(0));
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
