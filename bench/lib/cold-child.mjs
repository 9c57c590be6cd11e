// One cold start (figure 4): a fresh process imports (and instantiates) one SDK, builds a client
// and makes one streamed call to the test server. Prints one JSON line with times in ms since the
// process started (performance.timeOrigin): `ready` (after import + client), `first` (first token).
// Usage: node bench/lib/cold-child.mjs <variant> <server url> <pkg dir>
const [name, base, pkgDir] = process.argv.slice(2);
const { variants } = await import("./variants.mjs");
const v = variants({ pkgDir }).find((x) => x.name === name);
if (!v) throw new Error(`cold-child: no variant ${name}`);
const t0 = performance.now();
const client = v.make(await v.load(), { base });
const ready = performance.now();
let first = NaN;
const text = await v.stream(client, () => { first = performance.now(); });
process.stdout.write(`${JSON.stringify({ start: t0, ready, load: ready - t0, first, text })}\n`);
