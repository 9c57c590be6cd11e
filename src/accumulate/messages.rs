//! Accumulation of Anthropic Messages stream events into one `message` object.
//!
//! Each SSE event goes to [`MessagesAccumulator::push`] (its `event` name and data);
//! [`MessagesAccumulator::finish`] writes the message a non-streaming request would have returned:
//! content blocks in index order with text, thinking, signatures, citations and tool inputs
//! filled in, stop reason, and usage merged from `message_start` and `message_delta`.
//!
//! What it accumulates never fails the stream: a tool input that is not valid JSON (cut off
//! by `max_tokens`, or split over several blocks by a proxy) gets a best-effort `input` from
//! [`partial`](crate::partial) plus its raw text as `partial_json`; delta types this client
//! does not know are merged into their block (strings appended, other values replaced), and
//! unknown block types are kept as sent. Only a spliced stream (a second `message_start` with
//! another id before `message_stop`) is an error.

use crate::accumulate::chat::{api_error, ChunkError};
use crate::json::{self, push_key, push_sep, Value};
use crate::partial;
use crate::template::Template;
use std::borrow::Cow;

/// What kind of event a pushed payload was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// `message_start`.
    MessageStart,
    /// `content_block_start`.
    ContentBlockStart,
    /// `content_block_delta`.
    ContentBlockDelta,
    /// `content_block_stop`.
    ContentBlockStop,
    /// `message_delta`.
    MessageDelta,
    /// `message_stop`.
    MessageStop,
    /// `ping` (a keep-alive).
    Ping,
    /// Any other type; ignored.
    Unknown,
}

/// What one event contributed, for callers that stream text as it comes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSummary {
    /// The kind of event.
    pub kind: EventKind,
    /// The text of a `text_delta`.
    pub text: Option<String>,
}

/// Collects stream events; see the module docs.
#[derive(Debug, Default)]
pub struct MessagesAccumulator {
    /// The `message` of `message_start`, updated by `message_delta`.
    message: Option<Value<'static>>,
    /// Content blocks, sorted by index.
    blocks: Vec<Block>,
    stopped: bool,
    /// The last text delta the fast path took, and its block's index.
    template: (Template, u64),
    /// The last event pushed was the template's event with another text.
    templated: bool,
    /// How many texts were handed out by [`spill`](MessagesAccumulator::spill).
    spills: usize,
}

#[derive(Debug)]
struct Block {
    index: u64,
    value: Value<'static>,
    /// `partial_json` pieces not yet parsed into `input`.
    json: String,
    /// The id under which the start of the `text` was handed out ([`MessagesAccumulator::spill`]).
    spilled: Option<usize>,
}

const TOO_MANY_BLOCKS: ChunkError = ChunkError::Shape(
    "more than 4096 content blocks in one message (the limit; no real answer has that many)",
);
const SPLICED: ChunkError =
    ChunkError::Shape("a second message_start with another id came before message_stop (two answers spliced into one stream)");

const KINDS: [(&str, EventKind); 7] = [
    ("message_start", EventKind::MessageStart),
    ("content_block_start", EventKind::ContentBlockStart),
    ("content_block_delta", EventKind::ContentBlockDelta),
    ("content_block_stop", EventKind::ContentBlockStop),
    ("message_delta", EventKind::MessageDelta),
    ("message_stop", EventKind::MessageStop),
    ("ping", EventKind::Ping),
];

fn empty() -> Value<'static> {
    Value::Object(Vec::new())
}

/// Returns the object member `key` of `v`, removed and owned.
fn take_object(v: &mut Value, key: &str) -> Option<Value<'static>> {
    v.remove(key)
        .filter(|m| m.as_object().is_some())
        .map(Value::into_owned)
}

/// Sets the members of object `src` on `target`, skipping `null`s if `skip_null`.
fn merge(target: &mut Value<'static>, src: Option<Value>, skip_null: bool) {
    if let Some(Value::Object(members)) = src {
        for (k, v) in members
            .into_iter()
            .filter(|(_, v)| !(skip_null && v.is_null()))
        {
            target.set(&k, v.into_owned());
        }
    }
}

/// Appends the string `v` to member `key` of `block` (creating it or replacing a non-string).
fn append(block: &mut Value<'static>, key: &str, v: Option<&Value>) {
    if let Some(v) = v.and_then(Value::as_str) {
        append_str(block, key, v);
    }
}

/// Appends `v` to the string member `key` of `block` (set when it is missing or not a string).
fn append_str(block: &mut Value<'static>, key: &str, v: &str) {
    match block.get_mut(key) {
        Some(Value::String(s)) => s.to_mut().push_str(v),
        _ => block.set(key, Value::String(Cow::Owned(v.into()))),
    }
}

/// Writes object `obj` with member `key`'s value replaced by the JSON text `raw` (appended if
/// missing).
fn write_replacing(out: &mut String, obj: &Value, key: &str, raw: &str) {
    out.push('{');
    let mut done = false;
    for (k, v) in obj.as_object().unwrap_or_default() {
        if k != key {
            push_key(out, k);
            v.write(out);
        } else if !done {
            push_key(out, key);
            out.push_str(raw);
            done = true;
        }
    }
    if !done {
        push_key(out, key);
        out.push_str(raw);
    }
    out.push('}');
}

impl Block {
    fn apply(&mut self, delta: &mut Value) {
        let v = &mut self.value;
        match delta.get("type").and_then(Value::as_str) {
            Some("text_delta") => append(v, "text", delta.get("text")),
            Some("thinking_delta") => append(v, "thinking", delta.get("thinking")),
            Some("signature_delta") => append(v, "signature", delta.get("signature")),
            Some("input_json_delta") => {
                if let Some(p) = delta.get("partial_json").and_then(Value::as_str) {
                    self.json.push_str(p);
                }
            }
            Some("citations_delta") => {
                let Some(c) = delta.remove("citation").map(Value::into_owned) else {
                    return;
                };
                match v.get_mut("citations") {
                    Some(Value::Array(list)) => list.push(c),
                    _ => v.set("citations", Value::Array(vec![c])),
                }
            }
            _ => {
                // A delta type this client does not know: merge its members into the block.
                let Value::Object(members) = std::mem::replace(delta, Value::Null) else {
                    return;
                };
                for (k, m) in members.into_iter().filter(|(k, _)| k != "type") {
                    match (v.get_mut(&k), m) {
                        (Some(Value::String(acc)), Value::String(piece)) => {
                            acc.to_mut().push_str(&piece)
                        }
                        (_, m) => v.set(&k, m.into_owned()),
                    }
                }
            }
        }
    }

    fn is_tool_use(&self) -> bool {
        matches!(
            self.value.get("type").and_then(Value::as_str),
            Some("tool_use" | "server_tool_use")
        )
    }

    fn member(&self, key: &str) -> &str {
        self.value
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// Tells whether `next` carries on this block's tool input: a LiteLLM proxy can send one
    /// `tool_use` block per upstream delta, each holding a fragment of the arguments. It does
    /// when the input so far (`json`) is not complete and `next` names no other call.
    fn continued_by(&self, json: &str, next: &Block) -> bool {
        let same = |key| next.member(key).is_empty() || next.member(key) == self.member(key);
        self.is_tool_use()
            && next.is_tool_use()
            && !json.is_empty()
            && !partial::is_complete(json)
            && same("id")
            && same("name")
    }
}

/// Writes a block with its streamed input (if any): parsed when it is complete, else a
/// best-effort parse as `input` and the raw text as `partial_json`.
fn write_block(out: &mut String, value: &Value, json: &str) {
    if json.is_empty() {
        value.write(out);
        return;
    }
    match json::parse(json) {
        Ok(input) => write_replacing(out, value, "input", &input.to_json()),
        Err(_) => {
            let mut v = value.clone().into_owned();
            let input = partial::parse(json)
                .filter(|i| i.as_object().is_some())
                .map(Value::into_owned);
            v.set("input", input.unwrap_or_else(empty));
            v.set("partial_json", Value::String(Cow::Owned(json.to_owned())));
            v.write(out);
        }
    }
}

impl MessagesAccumulator {
    /// Creates an empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one SSE event: its `event` name and its data payload.
    ///
    /// The event type is the data's `type` member, else the `event` name. An `error` event
    /// returns [`ChunkError::Api`]; unknown event types are ignored.
    pub fn push(&mut self, event: Option<&str>, data: &str) -> Result<EventSummary, ChunkError> {
        self.templated = false;
        if let Some(text) = self.template.0.text(data) {
            self.templated = true;
            let index = self.template.1;
            if let Ok(at) = self.blocks.binary_search_by_key(&index, |b| b.index) {
                if let Some(b) = self.blocks.get_mut(at) {
                    append_str(&mut b.value, "text", text);
                }
            }
            return Ok(EventSummary {
                kind: EventKind::ContentBlockDelta,
                text: Some(text.to_owned()),
            });
        }
        match self.push_fast(data) {
            Some(summary) => Ok(summary),
            None => {
                self.template.0.forget();
                self.push_tree(event, data)
            }
        }
    }

    /// The template the next events are compared with, and whether the last event pushed was
    /// its event with another text (see [`Template::between`]).
    pub fn template(&self) -> (&Template, bool) {
        (&self.template.0, self.templated)
    }

    /// Handles the events most of a stream is made of (`content_block_delta` with a text,
    /// input-JSON or thinking piece) without building a tree. Returns `None`, having changed
    /// nothing, for anything else: [`push`](Self::push) then takes the general path.
    fn push_fast(&mut self, data: &str) -> Option<EventSummary> {
        let mut s = json::Scanner::new(data);
        let (mut kind, mut index, mut delta, mut piece) = (None, None, None, None);
        // Where a text piece without escapes lies (for the template).
        let mut span = None;
        s.object(|s, key| match key {
            "type" if kind.is_none() => {
                kind = Some(s.string()?);
                Some(())
            }
            "index" if index.is_none() => {
                index = Some(s.u64()?);
                Some(())
            }
            "delta" if delta.is_none() && piece.is_none() => s.object(|s, key| match key {
                "type" if delta.is_none() => {
                    delta = Some(s.string()?);
                    Some(())
                }
                "text" | "partial_json" | "thinking" if piece.is_none() => {
                    let v = s.string()?;
                    if let (true, Cow::Borrowed(b)) = (key == "text", &v) {
                        let end = s.pos().saturating_sub(1);
                        span = Some((end.saturating_sub(b.len()), end));
                    }
                    piece = Some((
                        if key == "text" {
                            0
                        } else if key == "thinking" {
                            2
                        } else {
                            1
                        },
                        v,
                    ));
                    Some(())
                }
                _ => None,
            }),
            _ => None,
        })?;
        if !s.at_end() || kind.as_deref() != Some("content_block_delta") {
            return None;
        }
        let (which, piece) = piece?;
        let field = match (delta.as_deref(), which) {
            (Some("text_delta"), 0) => "text",
            (Some("input_json_delta"), 1) => "partial_json",
            (Some("thinking_delta"), 2) => "thinking",
            _ => return None,
        };
        let index = index.unwrap_or(0);
        match span {
            Some((start, end)) if field == "text" => {
                self.template.0.learn(data, start, end);
                self.template.1 = index;
            }
            _ => self.template.0.forget(),
        }
        if let Ok(at) = self.blocks.binary_search_by_key(&index, |b| b.index) {
            if let Some(b) = self.blocks.get_mut(at) {
                if field == "partial_json" {
                    b.json.push_str(&piece);
                } else {
                    append_str(&mut b.value, field, &piece);
                }
            }
        }
        let text = (field == "text").then(|| piece.into_owned());
        Some(EventSummary {
            kind: EventKind::ContentBlockDelta,
            text,
        })
    }

    /// The general path of [`push`](Self::push): parses the whole payload.
    fn push_tree(&mut self, event: Option<&str>, data: &str) -> Result<EventSummary, ChunkError> {
        // Some proxies send bare named events (`event: ping` with an empty data line).
        let blank = data.bytes().all(|b| b.is_ascii_whitespace());
        let mut v = if blank && event.is_some() {
            empty()
        } else {
            json::parse(data)?
        };
        if v.as_object().is_none() {
            return Err(ChunkError::Shape("stream event is not a json object"));
        }
        let name = v
            .get("type")
            .and_then(Value::as_str)
            .or(event)
            .unwrap_or_default();
        if name == "error" {
            return Err(api_error(
                v.get("error").filter(|e| !e.is_null()).unwrap_or(&v),
            ));
        }
        let kind = KINDS
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(EventKind::Unknown, |(_, k)| *k);
        let index = v.get("index").and_then(Value::as_u64).unwrap_or(0);
        let found = self.blocks.binary_search_by_key(&index, |b| b.index);
        let full = self.blocks.len() >= crate::limits::MAX_CONTENT_BLOCKS;
        let block = found.ok().and_then(|at| self.blocks.get_mut(at));
        let mut text = None;
        match kind {
            EventKind::MessageStart => {
                let m = take_object(&mut v, "message").unwrap_or_else(bare_message);
                let id = |m: &Value| {
                    m.get("id")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned()
                };
                match &self.message {
                    Some(old) if !id(old).is_empty() && !id(&m).is_empty() && id(old) != id(&m) => {
                        return Err(SPLICED)
                    }
                    Some(_) => {} // the same message announced twice
                    None => self.message = Some(m),
                }
            }
            EventKind::ContentBlockStart => {
                let value = take_object(&mut v, "content_block").unwrap_or_else(empty);
                let new = Block {
                    index,
                    value,
                    json: String::new(),
                    spilled: None,
                };
                match block {
                    Some(b) => *b = new,
                    None if full => return Err(TOO_MANY_BLOCKS),
                    None => self.blocks.insert(found.unwrap_or_else(|at| at), new),
                }
            }
            EventKind::ContentBlockDelta => {
                let mut delta = v.remove("delta").unwrap_or(Value::Null);
                if delta.get("type").and_then(Value::as_str) == Some("text_delta") {
                    text = delta.get("text").and_then(Value::as_str).map(str::to_owned);
                }
                if let Some(b) = block {
                    b.apply(&mut delta);
                }
            }
            EventKind::ContentBlockStop => {}
            EventKind::MessageDelta => {
                let m = self.message.get_or_insert_with(bare_message);
                merge(m, v.remove("delta"), false);
                if let Some(usage) = v.remove("usage").filter(|u| u.as_object().is_some()) {
                    if m.get("usage").and_then(Value::as_object).is_none() {
                        m.set("usage", empty());
                    }
                    if let Some(u) = m.get_mut("usage") {
                        merge(u, Some(usage), true);
                    }
                }
            }
            EventKind::MessageStop => self.stopped = true,
            EventKind::Ping | EventKind::Unknown => {}
        }
        Ok(EventSummary { kind, text })
    }

    /// Hands out the `text` accumulated so far of each block holding at least `min` bytes of
    /// it, so a long answer need not stay in this (wasm) memory: `put(id, text)`, where `id`
    /// numbers the blocks from 0 in the order they first spilled; the text is then gone from
    /// here, and [`finish`](Self::finish) writes only what came after it. The caller puts the
    /// pieces back in front with [`spilled`](Self::spilled). A block started again
    /// (`content_block_start` for the same index) forgets its id: its text starts anew.
    pub fn spill(&mut self, min: usize, mut put: impl FnMut(usize, String)) {
        for b in &mut self.blocks {
            let Some(Value::String(text)) = b.value.get_mut("text") else {
                continue;
            };
            if min == 0 || text.len() < min {
                continue;
            }
            let id = *b.spilled.get_or_insert_with(|| {
                self.spills += 1;
                self.spills - 1
            });
            put(id, std::mem::take(text).into_owned());
        }
    }

    /// Returns `(id, position)` for each block that spilled: its `text` in the `content`
    /// array [`finish`](Self::finish) writes starts with the text handed out under `id`.
    pub fn spilled(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut blocks = self.blocks.iter().peekable();
        let mut pos = 0;
        while let Some(b) = blocks.next() {
            // The same walk as finish(): continued tool inputs fold into one block.
            let mut json = Cow::Borrowed(b.json.as_str());
            while let Some(next) = blocks.next_if(|n| b.continued_by(&json, n)) {
                json.to_mut().push_str(&next.json);
            }
            if let Some(id) = b.spilled {
                out.push((id, pos));
            }
            pos += 1;
        }
        out
    }

    /// Tells whether `message_stop` was seen.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// Returns the accumulated message as JSON text (see the module docs for what an
    /// incomplete tool input gives).
    pub fn finish(&self) -> String {
        let mut content = String::from("[");
        let mut blocks = self.blocks.iter().peekable();
        while let Some(b) = blocks.next() {
            let mut json = Cow::Borrowed(b.json.as_str());
            while let Some(next) = blocks.next_if(|n| b.continued_by(&json, n)) {
                json.to_mut().push_str(&next.json);
            }
            push_sep(&mut content);
            write_block(&mut content, &b.value, &json);
        }
        content.push(']');
        let bare;
        let m = match &self.message {
            Some(m) => m,
            None => {
                bare = bare_message();
                &bare
            }
        };
        let mut out = String::new();
        write_replacing(&mut out, m, "content", &content);
        out
    }
}

/// The message used when a stream has no `message_start`.
fn bare_message() -> Value<'static> {
    let s = |v| Value::String(Cow::Borrowed(v));
    Value::Object(vec![
        (Cow::Borrowed("type"), s("message")),
        (Cow::Borrowed("role"), s("assistant")),
    ])
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::sse::SseParser;
    use proptest::prelude::*;
    use serde_json::{json, Value as J};

    fn feed(events: &[(&str, J)]) -> MessagesAccumulator {
        let mut a = MessagesAccumulator::new();
        for (name, data) in events {
            a.push(Some(name), &data.to_string()).unwrap();
        }
        a
    }

    fn out(a: &MessagesAccumulator) -> J {
        serde_json::from_str(&a.finish()).unwrap()
    }

    fn start() -> (&'static str, J) {
        (
            "message_start",
            json!({"type":"message_start","message":{
            "id":"msg_1","type":"message","role":"assistant","model":"claude","content":[],
            "stop_reason":null,"stop_sequence":null,
            "usage":{"input_tokens":10,"cache_read_input_tokens":3,"output_tokens":1}}}),
        )
    }

    fn delta(index: u64, d: J) -> (&'static str, J) {
        (
            "content_block_delta",
            json!({"type":"content_block_delta","index":index,"delta":d}),
        )
    }

    fn block(index: u64, b: J) -> (&'static str, J) {
        (
            "content_block_start",
            json!({"type":"content_block_start","index":index,"content_block":b}),
        )
    }

    fn stop(index: u64) -> (&'static str, J) {
        (
            "content_block_stop",
            json!({"type":"content_block_stop","index":index}),
        )
    }

    #[test]
    fn recorded_stream() {
        let mut p = SseParser::new();
        let mut a = MessagesAccumulator::new();
        let mut kinds = Vec::new();
        let mut text = String::new();
        for c in include_bytes!("../../tests/fixtures/anthropic_messages.sse").chunks(5) {
            p.push(c);
            while let Some(e) = p.next_event() {
                let s = a.push(e.event.as_deref(), &e.data).unwrap();
                kinds.push(s.kind);
                text.extend(s.text);
            }
        }
        assert!(a.stopped());
        assert_eq!(text, "Okay, let me check the weather in Paris.");
        use EventKind::*;
        assert_eq!(kinds.iter().filter(|k| **k == Ping).count(), 2);
        assert_eq!(kinds.first(), Some(&MessageStart));
        assert_eq!(kinds.last(), Some(&MessageStop));
        assert!(kinds.contains(&MessageDelta) && kinds.contains(&ContentBlockStop));
        let want = json!({
            "id":"msg_01Ab","type":"message","role":"assistant","model":"claude-sonnet-4-5",
            "content":[
                {"type":"text","text":"Okay, let me check the weather in Paris."},
                {"type":"tool_use","id":"toolu_01T1x","name":"get_weather",
                 "input":{"location":"Paris","unit":"celsius","days":[1,2.5]}}
            ],
            "stop_reason":"tool_use","stop_sequence":null,
            "usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,
                     "output_tokens":89,"service_tier":"standard"}
        });
        assert_eq!(out(&a), want);
        // Raw number text survives, member order follows message_start.
        let text = a.finish();
        assert!(text.contains("[1,2.5e0]"));
        assert!(text.starts_with(r#"{"id":"msg_01Ab","type":"message","role":"assistant","model""#));
    }

    #[test]
    fn thinking_and_signature() {
        let a = feed(&[
            start(),
            block(0, json!({"type":"thinking","thinking":"","signature":""})),
            delta(0, json!({"type":"thinking_delta","thinking":"Let me "})),
            delta(0, json!({"type":"thinking_delta","thinking":"think."})),
            delta(0, json!({"type":"signature_delta","signature":"EqQB"})),
            delta(0, json!({"type":"signature_delta","signature":"Zz=="})),
            stop(0),
            block(1, json!({"type":"redacted_thinking","data":"abc"})),
            stop(1),
            block(2, json!({"type":"thinking","thinking":""})),
            delta(2, json!({"type":"signature_delta","signature":"sig"})),
        ]);
        assert_eq!(
            out(&a)["content"],
            json!([
                {"type":"thinking","thinking":"Let me think.","signature":"EqQBZz=="},
                {"type":"redacted_thinking","data":"abc"},
                {"type":"thinking","thinking":"","signature":"sig"}
            ])
        );
    }

    #[test]
    fn citations() {
        let c1 = json!({"type":"char_location","cited_text":"x","document_index":0,"start_char_index":0,"end_char_index":1});
        let c2 = json!({"type":"web_search_result_location","url":"https://e.com","title":"E","encrypted_index":"x","cited_text":"y"});
        let a = feed(&[
            start(),
            block(0, json!({"type":"text","text":""})),
            delta(0, json!({"type":"citations_delta","citation":c1})),
            delta(0, json!({"type":"text_delta","text":"cited"})),
            delta(0, json!({"type":"citations_delta","citation":c2})),
            block(1, json!({"type":"text","text":"","citations":null})),
            delta(1, json!({"type":"citations_delta","citation":c1})),
        ]);
        let o = out(&a);
        assert_eq!(
            o["content"][0],
            json!({"type":"text","text":"cited","citations":[c1, c2]})
        );
        assert_eq!(o["content"][1]["citations"], json!([c1]));
    }

    #[test]
    fn server_tools_and_unknown_blocks_kept() {
        let result = json!({"type":"web_search_tool_result","tool_use_id":"srvtoolu_1",
            "content":[{"type":"web_search_result","title":"T","url":"https://x","encrypted_content":"e"}]});
        let a = feed(&[
            start(),
            block(
                0,
                json!({"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}),
            ),
            delta(
                0,
                json!({"type":"input_json_delta","partial_json":"{\"query\": "}),
            ),
            delta(
                0,
                json!({"type":"input_json_delta","partial_json":"\"rust\"}"}),
            ),
            stop(0),
            block(1, result.clone()),
            stop(1),
            block(2, json!({"type":"future_block","x":[1,{"y":null}]})),
            delta(2, json!({"type":"future_delta","z":1})),
            stop(2),
            block(
                3,
                json!({"type":"tool_use","id":"t","name":"noargs","input":{}}),
            ),
            delta(3, json!({"type":"input_json_delta","partial_json":""})),
            stop(3),
        ]);
        let o = out(&a);
        assert_eq!(o["content"][0]["input"], json!({"query":"rust"}));
        assert_eq!(o["content"][1], result);
        // An unknown delta type is merged into its block (issue 10, item 8).
        assert_eq!(
            o["content"][2],
            json!({"type":"future_block","x":[1,{"y":null}],"z":1})
        );
        assert_eq!(o["content"][3]["input"], json!({}));
    }

    #[test]
    fn blocks_out_of_order_and_missing_block() {
        let a = feed(&[
            start(),
            block(1, json!({"type":"text","text":"b"})),
            block(0, json!({"type":"text","text":"a"})),
            delta(7, json!({"type":"text_delta","text":"lost"})),
            stop(9),
        ]);
        assert_eq!(
            out(&a)["content"],
            json!([{"type":"text","text":"a"},{"type":"text","text":"b"}])
        );
    }

    #[test]
    fn invalid_tool_json_never_fails_the_stream() {
        let mut a = feed(&[
            start(),
            block(0, json!({"type":"tool_use","id":"t","name":"f","input":{}})),
            delta(
                0,
                json!({"type":"input_json_delta","partial_json":"{\"a\": "}),
            ),
        ]);
        // The pending buffer is read at finish: best effort plus the raw text.
        let o = out(&a);
        assert_eq!(o["content"][0]["input"], json!({}));
        assert_eq!(o["content"][0]["partial_json"], "{\"a\": ");
        let e = json!({"type":"content_block_stop","index":0}).to_string();
        assert!(a.push(None, &e).is_ok());
        let ok = feed(&[
            start(),
            block(0, json!({"type":"tool_use","id":"t","name":"f","input":{}})),
            delta(
                0,
                json!({"type":"input_json_delta","partial_json":"{\"a\": [1]}"}),
            ),
        ]);
        assert_eq!(out(&ok)["content"][0]["input"], json!({"a":[1]}));
        assert!(out(&ok)["content"][0].get("partial_json").is_none());
        assert!(!ok.stopped());
    }

    #[test]
    fn error_event() {
        let mut a = MessagesAccumulator::new();
        let e = a.push(
            Some("error"),
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        );
        assert_eq!(
            e,
            Err(ChunkError::Api {
                message: "Overloaded".into(),
                kind: Some("overloaded_error".into()),
                code: None,
                param: None
            })
        );
        // The type may come from the event name alone.
        let e = a.push(
            Some("error"),
            r#"{"error":{"type":"api_error","message":"boom"}}"#,
        );
        assert!(
            matches!(e, Err(ChunkError::Api { ref kind, .. }) if kind.as_deref() == Some("api_error"))
        );
        assert!(matches!(a.push(None, "{oops"), Err(ChunkError::Json(_))));
        assert_eq!(
            a.push(None, "[]"),
            Err(ChunkError::Shape("stream event is not a json object"))
        );
    }

    #[test]
    fn unknown_events_and_event_name_fallback() {
        let mut a = MessagesAccumulator::new();
        let s = a
            .push(Some("brand_new"), r#"{"type":"brand_new","x":1}"#)
            .unwrap();
        assert_eq!(
            s,
            EventSummary {
                kind: EventKind::Unknown,
                text: None
            }
        );
        assert_eq!(a.push(None, "{}").unwrap().kind, EventKind::Unknown);
        assert_eq!(a.push(Some("ping"), "{}").unwrap().kind, EventKind::Ping);
        assert_eq!(a.push(Some("ping"), "").unwrap().kind, EventKind::Ping);
        assert!(matches!(a.push(None, ""), Err(ChunkError::Json(_))));
        // `type` wins over the event name.
        assert_eq!(
            a.push(Some("ping"), r#"{"type":"message_stop"}"#)
                .unwrap()
                .kind,
            EventKind::MessageStop
        );
        assert!(a.stopped());
    }

    #[test]
    fn usage_merge() {
        let a = feed(&[
            start(),
            (
                "message_delta",
                json!({"type":"message_delta",
                "delta":{"stop_reason":"end_turn","stop_sequence":null},
                "usage":{"output_tokens":42,"input_tokens":null,"server_tool_use":{"web_search_requests":1}}}),
            ),
            (
                "message_delta",
                json!({"type":"message_delta","delta":{"stop_reason":"stop_sequence","stop_sequence":"###"},"usage":{"output_tokens":50}}),
            ),
        ]);
        let o = out(&a);
        assert_eq!(
            o["usage"],
            json!({"input_tokens":10,"cache_read_input_tokens":3,"output_tokens":50,"server_tool_use":{"web_search_requests":1}})
        );
        assert_eq!(
            (&o["stop_reason"], &o["stop_sequence"]),
            (&json!("stop_sequence"), &json!("###"))
        );
        assert!(!a.stopped());
    }

    #[test]
    fn no_message_start() {
        let a = feed(&[
            block(0, json!({"type":"text","text":""})),
            delta(0, json!({"type":"text_delta","text":"hi"})),
            (
                "message_delta",
                json!({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}),
            ),
        ]);
        assert_eq!(
            out(&a),
            json!({"type":"message","role":"assistant","stop_reason":"end_turn","usage":{"output_tokens":2},"content":[{"type":"text","text":"hi"}]})
        );
        assert_eq!(
            MessagesAccumulator::new().finish(),
            r#"{"type":"message","role":"assistant","content":[]}"#
        );
    }

    #[test]
    fn text_summary_and_unicode() {
        let mut a = MessagesAccumulator::new();
        let (n, d) = block(0, json!({"type":"text","text":""}));
        a.push(Some(n), &d.to_string()).unwrap();
        let (n, d) = delta(0, json!({"type":"text_delta","text":"héllo 😀\n\"q\""}));
        let s = a.push(Some(n), &d.to_string()).unwrap();
        assert_eq!(
            s,
            EventSummary {
                kind: EventKind::ContentBlockDelta,
                text: Some("héllo 😀\n\"q\"".into())
            }
        );
        let (n, d) = delta(0, json!({"type":"input_json_delta","partial_json":"x"}));
        assert_eq!(a.push(Some(n), &d.to_string()).unwrap().text, None);
    }

    fn arb_event() -> impl Strategy<Value = (Option<String>, String)> {
        let kind = prop_oneof![
            Just("message_start"),
            Just("content_block_start"),
            Just("content_block_delta"),
            Just("content_block_stop"),
            Just("message_delta"),
            Just("message_stop"),
            Just("ping"),
            Just("error"),
            Just("other"),
        ];
        let dtype = prop_oneof![
            Just("text_delta"),
            Just("input_json_delta"),
            Just("thinking_delta"),
            Just("signature_delta"),
            Just("citations_delta"),
            Just("x"),
        ];
        let scalar = prop_oneof![
            Just(J::Null),
            any::<bool>().prop_map(J::Bool),
            (0u64..4).prop_map(J::from),
            "[{}\\[\\]\",:a1 ]{0,6}".prop_map(J::String),
        ];
        let member = prop_oneof![
            scalar.clone(),
            prop::collection::vec(scalar.clone(), 0..3).prop_map(J::Array),
            (dtype, scalar.clone(), scalar.clone()).prop_map(|(t, a, b)| json!({
                "type": t, "text": a, "partial_json": b, "thinking": a, "signature": b, "citation": a,
                "stop_reason": b, "output_tokens": a, "input": a, "citations": b
            })),
        ];
        (
            kind,
            prop::option::of("[a-z_]{0,8}"),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("type"),
                        Just("index"),
                        Just("delta"),
                        Just("content_block"),
                        Just("message"),
                        Just("usage"),
                        Just("error")
                    ],
                    member,
                ),
                0..6,
            ),
        )
            .prop_map(|(kind, name, members)| {
                let mut m: serde_json::Map<String, J> = members
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect();
                m.entry("type").or_insert(J::from(kind));
                (name, J::Object(m).to_string())
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn structured_events_never_panic(events in prop::collection::vec(arb_event(), 0..16)) {
            let mut a = MessagesAccumulator::new();
            for (name, data) in &events {
                let _ = a.push(name.as_deref(), data);
            }
            prop_assert!(serde_json::from_str::<J>(&a.finish()).is_ok());
        }

        #[test]
        fn arbitrary_text_never_panics(events in prop::collection::vec((prop::option::of(".{0,8}"), any::<String>()), 0..8)) {
            let mut a = MessagesAccumulator::new();
            for (name, data) in &events {
                let _ = a.push(name.as_deref(), data);
            }
            prop_assert!(serde_json::from_str::<J>(&a.finish()).is_ok());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, failure_persistence: None, ..ProptestConfig::default() })]
        /// Random sequences of events that differ only a little: the template, fast and tree
        /// paths all agree.
        #[test]
        fn template_agrees_with_the_tree_path(picks in prop::collection::vec((0usize..9, 0usize..5), 1..40)) {
            let texts = ["a", " tok", "", "é😀", "q\\\"x"];
            let shapes = [
                r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"T"}}"#,
                r#"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"T"}}"#,
                r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"T"}}"#,
                r#"{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"T"}}"#,
                r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":"T"}}"#,
                r#"{"type":"content_block_start","index":1,"content_block":{"type":"thinking","thinking":"T"}}"#,
                r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"T","x":1}}"#,
                r#"{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[],"usage":{"input_tokens":1}}}"#,
                r#"{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}"#,
            ];
            let (mut fast, mut tree) = (MessagesAccumulator::new(), MessagesAccumulator::new());
            for (shape, text) in picks {
                let d = shapes[shape].replace('T', texts[text]);
                prop_assert_eq!(fast.push(None, &d), tree.push_tree(None, &d), "event {}", d);
                prop_assert_eq!(fast.finish(), tree.finish(), "after {}", d);
            }
        }
    }

    /// Spilling after every event, then putting the pieces back in front, gives the same
    /// message as keeping everything (text blocks around a tool input split over blocks, a
    /// block started again).
    #[test]
    fn spilled_text_goes_back_in_front() {
        let events = [
            r#"{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[]}}"#,
            r#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":"start "}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"zero "}}"#,
            r#"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t","name":"f","input":{}}}"#,
            r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}}"#,
            r#"{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"t","name":"f","input":{}}}"#,
            r#"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"1}"}}"#,
            r#"{"type":"content_block_start","index":3,"content_block":{"type":"text","text":""}}"#,
            r#"{"type":"content_block_delta","index":3,"delta":{"type":"text_delta","text":"three é😀"}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"more"}}"#,
            r#"{"type":"content_block_start","index":3,"content_block":{"type":"text","text":"again "}}"#,
            r#"{"type":"content_block_delta","index":3,"delta":{"type":"text_delta","text":"and again"}}"#,
            r#"{"type":"message_stop"}"#,
        ];
        for min in [1, 6, 12, 1000] {
            let (mut kept, mut spilt) = (MessagesAccumulator::new(), MessagesAccumulator::new());
            let mut pieces: Vec<String> = Vec::new();
            for e in events {
                kept.push(None, e).unwrap();
                spilt.push(None, e).unwrap();
                spilt.spill(min, |id, text| {
                    if id == pieces.len() {
                        pieces.push(String::new());
                    }
                    pieces[id].push_str(&text);
                });
            }
            let mut out: J = serde_json::from_str(&spilt.finish()).unwrap();
            for (id, pos) in spilt.spilled() {
                let text = &mut out["content"][pos]["text"];
                *text = J::String(format!("{}{}", pieces[id], text.as_str().unwrap()));
            }
            let want: J = serde_json::from_str(&kept.finish()).unwrap();
            assert_eq!(out, want, "min {min}");
            assert_eq!(want["content"].as_array().unwrap().len(), 3, "{want}");
        }
    }

    /// The fast path must give exactly what the general path gives, event by event.
    #[test]
    fn fast_path_matches_the_tree_path() {
        let mut inputs: Vec<(Option<String>, String)> = Vec::new();
        let mut name = None;
        for line in include_str!("../../tests/fixtures/anthropic_messages.sse").lines() {
            if let Some(n) = line.strip_prefix("event: ") {
                name = Some(n.to_owned());
            } else if let Some(d) = line.strip_prefix("data: ") {
                inputs.push((name.take(), d.to_owned()));
            }
        }
        let odd = [
            r#"{"type":"content_block_start","index":3,"content_block":{"type":"thinking","thinking":""}}"#,
            r#"{"type":"content_block_delta","index":3,"delta":{"type":"thinking_delta","thinking":"hm\nm"}}"#,
            r#"{"type":"content_block_delta","index":3,"delta":{"type":"text_delta","thinking":"x"}}"#,
            r#"{"type":"content_block_delta","index":3,"delta":{"thinking":"x","type":"thinking_delta"}}"#,
            r#"{"type":"content_block_delta","index":9,"delta":{"type":"text_delta","text":"no block"}}"#,
            r#"{"type":"content_block_delta","delta":{"type":"text_delta","text":"no index"}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a"},"index":3}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x","text":"y"}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":5}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{"a":1}}}"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}} tail"#,
            r#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"},}"#,
            r#"{"index":0,"delta":{"type":"text_delta","text":"untyped"}}"#,
            r#"{"type":"ping"}"#,
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        ];
        inputs.extend(odd.iter().map(|d| (None, d.to_string())));
        let (mut fast, mut tree) = (MessagesAccumulator::new(), MessagesAccumulator::new());
        for (name, d) in &inputs {
            assert_eq!(
                fast.push(name.as_deref(), d),
                tree.push_tree(name.as_deref(), d),
                "event {d}"
            );
            assert_eq!(fast.finish(), tree.finish(), "after {d}");
        }
        let named = fast.push(
            Some("content_block_delta"),
            r#"{"index":0,"delta":{"type":"text_delta","text":"n"}}"#,
        );
        assert_eq!(
            named,
            tree.push_tree(
                Some("content_block_delta"),
                r#"{"index":0,"delta":{"type":"text_delta","text":"n"}}"#
            )
        );
        assert_eq!(fast.finish(), tree.finish());
    }
}
