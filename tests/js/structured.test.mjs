// Issue 14: structured output through the built package: parse() with the JSON Schema subset and
// a Standard Schema, repair of servers that ignore json_schema, refusals, and stream.partial().
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { server, client, rejects, collect, uid, SECRET } from "./helpers.mjs";

let srv;
before(async () => { srv = await server(); });
after(() => srv.close());

const SCHEMA = {
  type: "object",
  properties: { city: { type: "string" }, population: { type: "integer", minimum: 1 }, tags: { type: "array", items: { type: "string" } } },
  required: ["city", "population"],
  additionalProperties: false,
};
const FORMAT = { type: "json_schema", json_schema: { name: "city", schema: SCHEMA, strict: true } };
const REQ = { model: "normal", messages: [{ role: "user", content: "Tell me about Paris." }], response_format: FORMAT };
const PARIS = { city: "example", population: 1 }; // what the test server answers for SCHEMA

/** A hand-written Standard Schema (what zod, valibot and arktype expose as `~standard`). */
function standard(check, { async = false } = {}) {
  const calls = [];
  return {
    calls,
    "~standard": {
      version: 1,
      vendor: "test",
      validate(value) {
        calls.push(value);
        const r = check(value);
        return async ? Promise.resolve(r) : r;
      },
    },
  };
}

test("parse(): the JSON answer is parsed and checked; message.parsed holds it", async () => {
  const id = uid("p");
  const r = await client(srv).parse({ ...REQ, _test: { id } });
  assert.deepEqual(r.choices[0].message.parsed, PARIS);
  assert.equal(r.choices[0].message.content, JSON.stringify(PARIS));
  assert.equal((await srv.id(id)).attempts, 1);
  const last = await srv.last(id);
  assert.deepEqual(last.body.response_format, FORMAT, "response_format is sent unchanged");
});

test("parse(): a code fence around the JSON is tolerated", async () => {
  const r = await client(srv).parse({ ...REQ, _test: { structured: "fenced" } });
  assert.deepEqual(r.choices[0].message.parsed, PARIS);
});

test("parse(): a server that ignores json_schema and answers prose is repaired with the errors appended", async () => {
  const id = uid("prose");
  const r = await client(srv).parse({ ...REQ, _test: { id, structured: "prose" } }, { repair: 1 });
  assert.deepEqual(r.choices[0].message.parsed, PARIS);
  assert.equal((await srv.id(id)).attempts, 2);
  const last = await srv.last(id);
  const msgs = last.body.messages;
  assert.equal(msgs.length, 3);
  assert.deepEqual(msgs[1], { role: "assistant", content: "Sure! Paris is a lovely city of about two million people." });
  assert.equal(msgs[2].role, "user");
  assert.match(msgs[2].content, /^Your reply does not match the required JSON schema:\n- \(root\): is not valid JSON \(/);
});

test("parse(): JSON missing a required field is repaired; with repair: 0 it rejects with kind output, issues and text", async () => {
  const id = uid("missing");
  const r = await client(srv).parse({ ...REQ, _test: { id, structured: "missing" } });
  assert.deepEqual(r.choices[0].message.parsed, PARIS, "repair defaults to 1");
  const last = await srv.last(id);
  assert.match(last.body.messages[2].content, /\n- city: is required\n/);

  const err = await rejects(client(srv).parse({ ...REQ, _test: { structured: "missing" } }, { repair: 0 }), {
    kind: "output",
    issues: [{ path: ["city"], message: "is required" }],
    text: '{"population":1}',
  });
  assert.match(err.message, /does not match the schema after 1 attempt .*\n- city: is required$/s);
  assert.ok(!err.message.includes(SECRET));
});

test("parse(): a model that never complies rejects after repair + 1 attempts", async () => {
  const id = uid("never");
  const err = await rejects(client(srv).parse({ ...REQ, _test: { id, structured: "never" } }, { repair: 2 }), { kind: "output" });
  assert.equal((await srv.id(id)).attempts, 3);
  assert.equal(err.text, "Sure! Paris is a lovely city of about two million people.");
  assert.deepEqual(err.issues.map((i) => i.path), [[]]);
  assert.match(err.issues[0].message, /^is not valid JSON/);
});

test("parse(): a server that rejects json_schema gets json_object with the schema in a system message", async () => {
  const id = uid("fallback");
  const r = await client(srv).parse({ ...REQ, _test: { id, rejectJsonSchema: true } });
  assert.deepEqual(r.choices[0].message.parsed, PARIS);
  assert.equal((await srv.id(id)).attempts, 2);
  const last = await srv.last(id);
  assert.deepEqual(last.body.response_format, { type: "json_object" });
  assert.equal(last.body.messages[0].role, "system");
  assert.ok(last.body.messages[0].content.endsWith(JSON.stringify(SCHEMA)));
  assert.deepEqual(last.body.messages.slice(1), REQ.messages);
  // Other 400s are not mistaken for it.
  await rejects(client(srv).parse({ ...REQ, _test: { plan: [{ status: 400, message: "bad temperature", param: "temperature" }] } }), { kind: "api", status: 400 });
});

test("parse(): a refusal rejects with kind output and the refusal text (no repair)", async () => {
  const id = uid("refuse");
  const err = await rejects(client(srv).parse({ ...REQ, _test: { id, structured: "refuse" } }, { repair: 3 }), {
    kind: "output", refusal: "I can't help with that.", text: "I can't help with that.", issues: [],
  });
  assert.match(err.message, /refused/);
  assert.equal((await srv.id(id)).attempts, 1);
});

test("parse(): a Standard Schema runs after the JSON Schema; its output is parsed; its issues drive the repair", async () => {
  const s = standard((v) => ({ value: { ...v, city: v.city.toUpperCase() } }));
  const r = await client(srv).parse(REQ, { schema: s });
  assert.deepEqual(r.choices[0].message.parsed, { ...PARIS, city: "EXAMPLE" }, "the schema's output value");
  assert.deepEqual(s.calls, [PARIS]);

  // Issues (with PropertyKey and { key } path segments), async validate: repaired, then rejected.
  const id = uid("std");
  const bad = standard(() => ({ issues: [{ message: "must be a real city", path: [{ key: "city" }] }, { message: "too few", path: ["tags", 0] }] }), { async: true });
  const err = await rejects(client(srv).parse({ ...REQ, _test: { id } }, { schema: bad, repair: 1 }), {
    kind: "output",
    issues: [{ path: ["city"], message: "must be a real city" }, { path: ["tags", 0], message: "too few" }],
  });
  assert.equal(bad.calls.length, 2);
  assert.equal((await srv.id(id)).attempts, 2);
  assert.match((await srv.last(id)).body.messages[2].content, /- city: must be a real city\n- tags\[0\]: too few/);
  assert.match(err.message, /after 2 attempts/);

  // The JSON Schema is checked first: the Standard Schema never sees a value that fails it.
  const never = standard(() => ({ value: 1 }));
  await rejects(client(srv).parse({ ...REQ, _test: { structured: "missing" } }, { schema: never, repair: 0 }), { kind: "output" });
  assert.equal(never.calls.length, 0);
});

test("parse(): without response_format the answer must still be JSON; a Standard Schema alone checks it", async () => {
  const s = standard((v) => (typeof v === "object" ? { value: v } : { issues: [{ message: "not an object" }] }));
  const err = await rejects(client(srv).parse({ model: "normal", messages: REQ.messages }, { schema: s, repair: 0 }), { kind: "output" });
  assert.match(err.issues[0].message, /^is not valid JSON/);
  const r = await client(srv).parse({ model: "normal", messages: REQ.messages, _test: { reply: '{"a":1}' } }, { schema: s });
  assert.deepEqual(r.choices[0].message.parsed, { a: 1 });
});

test("parse(): the API key never appears in an output error, even when the model echoes it", async () => {
  const err = await rejects(client(srv).parse({ ...REQ, _test: { reply: `my key is ${SECRET}` } }, { repair: 0 }), { kind: "output" });
  assert.equal(err.text, "my key is [redacted]");
  for (const v of [err.message, err.stack, JSON.stringify(err.issues)]) assert.ok(!v.includes(SECRET));
});

test("parse(): bad options are rejected before anything is sent", async () => {
  const id = uid("pbad");
  const c = client(srv);
  const req = { ...REQ, _test: { id } };
  await rejects(c.parse(req, { schema: { type: "object" } }), { kind: "invalid_request", param: "schema", message: /Standard Schema/ });
  await rejects(c.parse(req, { repair: -1 }), { kind: "invalid_request", param: "repair" });
  await rejects(c.parse(req, { repair: 1.5 }), { kind: "invalid_request", param: "repair" });
  await rejects(c.parse(req, { maxSteps: 1 }), { kind: "invalid_request", param: "maxSteps" });
  await rejects(c.parse({ ...req, messages: [] }), { kind: "invalid_request", param: "messages" });
  for (const bad of [null, 1, "x"]) {
    const p = c.parse(bad, bad);
    assert.ok(p instanceof Promise, "never throws synchronously");
    await rejects(p, { kind: "invalid_request" });
  }
  assert.equal((await srv.id(id)).attempts, 0);
});

test("stream.partial(): progressively more complete parsed objects, each extended by the next, ending with the whole", async () => {
  // Paced, so the events arrive in separate reads (one value per read that changed it).
  const s = await client(srv).chatStream({ ...REQ, _test: { paceMs: 3 } });
  const parts = await collect(s.partial());
  assert.ok(parts.length > 3, `several partial values (${parts.length})`);
  assert.deepEqual(parts.at(-1), PARIS);
  const extends_ = (big, small) => {
    if (typeof small === "string") return typeof big === "string" && big.startsWith(small);
    if (Array.isArray(small)) return Array.isArray(big) && small.every((x, i) => i === small.length - 1 ? extends_(big[i], x) : JSON.stringify(big[i]) === JSON.stringify(x));
    if (small && typeof small === "object") return big && typeof big === "object" && Object.entries(small).every(([k, v]) => extends_(big[k], v));
    return big === small;
  };
  for (let i = 1; i < parts.length; i++) {
    assert.ok(extends_(parts[i], parts[i - 1]), `${JSON.stringify(parts[i])} extends ${JSON.stringify(parts[i - 1])}`);
    assert.notDeepEqual(parts[i], parts[i - 1], "only changes are given out");
  }
  const done = await s.final();
  assert.equal(done.choices[0].message.content, JSON.stringify(PARIS), "final() works beside partial()");
});

test("stream.partial(): one consumer at a time, like text() and toSSE()", async () => {
  const s = await client(srv).chatStream(REQ);
  const p = s.partial();
  assert.throws(() => s.text(), (e) => e.kind === "invalid_request" && /already being read/.test(e.message));
  await collect(p);
});
