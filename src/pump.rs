//! A stream's events, without JavaScript: the SSE parser's events through the accumulator, and
//! one batch per drain in the shape its consumer reads (chunks as one JSON array text, the text
//! deltas, the SSE bytes, partial values), the end told apart from a cut-off. Pure: the face
//! (`stream.rs`) owns the body reader and the call, feeds the bytes in and turns a batch into
//! JavaScript values.

use crate::accumulate::chat::{ChatAccumulator, ChunkError};
use crate::accumulate::messages::{EventKind, MessagesAccumulator};
use crate::endpoint::Endpoint;
use crate::error::{Error, Kind};
use crate::json;
use crate::sse::{SseEvent, SseParser};
use std::collections::VecDeque;

/// Who reads the stream. JavaScript claims it by name (`StreamCore::claim`) and gets back
/// the mode's code to pass to `StreamCore::drain` and `StreamCore::feed`; no mode number
/// is written in JavaScript.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// Nobody yet.
    Idle,
    /// The stream's own reader (`getReader()`, `pipeTo()`, `new Response(stream)`): chunks.
    Reader,
    /// `text()`: the text deltas joined.
    Text,
    /// `toSSE()`: the events as SSE bytes.
    Sse,
    /// `final()` alone: no chunks at all.
    Final,
    /// The stream's own async iterator (not its reader): chunks.
    Iter,
    /// `partial()`: the answer's text parsed as (partial) JSON after each batch that changed it.
    Partial,
}

impl Mode {
    /// Every mode, in code order.
    pub const ALL: [Mode; 7] = [
        Mode::Idle,
        Mode::Reader,
        Mode::Text,
        Mode::Sse,
        Mode::Final,
        Mode::Iter,
        Mode::Partial,
    ];

    /// The consumer JavaScript names: "reader", "text", "sse", "iter" or "partial".
    pub fn named(name: &str) -> Option<Mode> {
        Some(match name {
            "reader" => Mode::Reader,
            "text" => Mode::Text,
            "sse" => Mode::Sse,
            "iter" => Mode::Iter,
            "partial" => Mode::Partial,
            _ => return None,
        })
    }

    /// The code JavaScript hands back to `drain()` and `feed()`.
    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(code: u8) -> Option<Mode> {
        Mode::ALL.get(usize::from(code)).copied()
    }
}

/// The accumulator of the stream's wire format.
pub enum Acc {
    /// OpenAI chat chunks.
    Chat(ChatAccumulator),
    /// Anthropic message events.
    Messages(MessagesAccumulator),
}


/// The chunks one drain produces, in the shape of the consumer's mode.
#[derive(Default)]
pub struct Batch {
    /// Objects: the events' JSON joined as one JSON array text; text: the deltas joined.
    pub text: String,
    /// SSE: the re-encoded events.
    pub bytes: Vec<u8>,
    /// How many chunks it holds.
    pub count: usize,
    /// How many of the chunks are a template's text alone (see [`Pump::chunk_item`]): a batch
    /// of one such chunk crosses as that string, without a `JSON.parse` of `["…"]`.
    pub texts: usize,
}

impl Batch {
    /// The text of a batch whose one chunk is a template's text alone: `["…"]` holds it
    /// verbatim, as the template path takes only a text with nothing to escape.
    pub fn lone_text(&self) -> Option<&str> {
        if self.count != 1 || self.texts != 1 {
            return None;
        }
        self.text.get(2..self.text.len().saturating_sub(1))
    }
}

/// How much of one choice's (or block's) text the accumulator keeps in wasm memory before it
/// moves to a JavaScript string. wasm memory never shrinks, so a long answer would otherwise
/// leave the instance that much bigger for good; on the JavaScript heap it goes with the stream.
pub const SPILL_BYTES: usize = 16 * 1024;

/// The events of one live stream and what has come of them.
pub struct Pump {
    /// The SSE parser, holding whatever followed the events taken out.
    pub parser: SseParser,
    /// Events read while the stream was opened, processed before the parser's.
    pub queued: VecDeque<SseEvent>,
    /// The accumulator.
    pub acc: Acc,
    /// Chunks without any choice (the usage chunk this client asked for) are kept from
    /// chunk consumers: `chunk.choices[0]` must not throw in the loop everyone writes.
    pub hide_empty: bool,
    /// The body ended.
    pub eof: bool,
    /// The stream's end marker (or a finished answer at the body's end) was seen.
    pub done: bool,
    /// Events delivered so far.
    pub delivered: usize,
    /// An error found after chunks that were already batched; raised on the next drain.
    pub pending: Option<Error>,
    /// The start of the body until the first event: a server that answers a stream request
    /// with a bare JSON error body sends no event, and this is where its message is.
    pub head: Vec<u8>,
    /// `partial()`: the answer's text so far, and the last value given out (as JSON).
    partial: Option<Box<(String, String)>>,
    /// Whether text was batched yet: the batch with the first text ends right after it, so
    /// the first token is not held back while the rest of a read (a short answer's whole
    /// body) is processed.
    texted: bool,
    /// The template JavaScript has for chunk batches (see [`chunk_item`](Self::chunk_item)):
    /// which one, and whether it could be sent.
    sent: Option<(u32, bool)>,
    /// `maxEventBytes`.
    max_event_bytes: usize,
}

impl Pump {
    /// Starts on a stream of `endpoint`'s events opened up to its first event.
    pub fn new(
        endpoint: Endpoint,
        parser: SseParser,
        queued: VecDeque<SseEvent>,
        head: Vec<u8>,
        hide_empty: bool,
        max_event_bytes: usize,
    ) -> Pump {
        let acc = match endpoint {
            Endpoint::Messages => Acc::Messages(MessagesAccumulator::new()),
            Endpoint::Chat | Endpoint::Embeddings | Endpoint::Models => {
                Acc::Chat(ChatAccumulator::new())
            }
        };
        Pump {
            parser,
            queued,
            acc,
            hide_empty,
            eof: false,
            done: false,
            delivered: 0,
            pending: None,
            head,
            partial: None,
            texted: false,
            sent: None,
            max_event_bytes,
        }
    }

    /// Processes every complete buffered event into `batch` (when `Some`), and notices the end.
    /// Returns true when it stopped at the batch's first text, so whole events may be left to
    /// give before the next read.
    pub fn process(
        &mut self,
        mode: Mode,
        mut batch: Option<&mut Batch>,
        spill: &mut dyn FnMut(usize, String),
    ) -> Result<bool, Error> {
        while !self.done {
            let ev = match self.queued.pop_front().or_else(|| self.parser.next_event()) {
                Some(e) => e,
                None if self.parser.exceeded() => {
                    return Err(crate::limits::event_too_big(
                        self.max_event_bytes,
                    ))
                }
                None if self.eof => match self.parser.finish() {
                    Some(e) => e,
                    None => break,
                },
                None => break,
            };
            let first = !self.texted;
            let r = self.handle(mode, &ev, batch.as_deref_mut());
            self.parser.recycle(ev);
            r?;
            if first && self.texted {
                return Ok(true); // the rest on the next drain
            }
        }
        if let (Mode::Partial, Some(b)) = (mode, batch.as_deref_mut()) {
            self.partial_value(b);
        }
        match &mut self.acc {
            Acc::Chat(a) => a.spill(SPILL_BYTES, &mut *spill),
            Acc::Messages(a) => a.spill(SPILL_BYTES, &mut *spill),
        }
        if self.eof && !self.done {
            self.check_complete()?;
            self.done = true;
            if let (Mode::Sse, Acc::Chat(_), Some(b)) = (mode, &self.acc, batch) {
                b.bytes.extend_from_slice(b"data: [DONE]\n\n");
                b.count += 1;
            }
        }
        Ok(false)
    }

    fn handle(
        &mut self,
        mode: Mode,
        ev: &SseEvent,
        mut batch: Option<&mut Batch>,
    ) -> Result<(), Error> {
        let chat = matches!(self.acc, Acc::Chat(_));
        if crate::first::is_blank(
            if chat {
                Endpoint::Chat
            } else {
                Endpoint::Messages
            },
            ev,
        ) {
            return Ok(()); // an empty `data:` keep-alive
        }
        if ev.joined && json::parse(&ev.data).is_err() {
            // Events sent without the blank line between them arrive as one event whose data
            // lines are each a JSON payload: take them apart again.
            #[allow(clippy::disallowed_methods)] // split on a char: no two-way searcher
            let lines = || ev.data.split('\n').map(str::trim).filter(|l| !l.is_empty());
            if lines().all(|l| (chat && l == "[DONE]") || json::parse(l).is_ok()) {
                for line in lines() {
                    let one = SseEvent {
                        event: ev.event.clone(),
                        data: line.to_owned(),
                        id: None,
                        joined: false,
                    };
                    self.handle_one(mode, &one, batch.as_deref_mut())?;
                    if self.done {
                        break;
                    }
                }
                return Ok(());
            }
        }
        self.handle_one(mode, ev, batch)
    }

    fn handle_one(
        &mut self,
        mode: Mode,
        ev: &SseEvent,
        batch: Option<&mut Batch>,
    ) -> Result<(), Error> {
        let (text, forward, name): (Option<String>, bool, Option<&str>) = match &mut self.acc {
            Acc::Chat(acc) => {
                if crate::first::is_done(&ev.data) {
                    self.done = true;
                    if let (Mode::Sse, Some(b)) = (mode, batch) {
                        b.bytes.extend_from_slice(b"data: [DONE]\n\n");
                        b.count += 1;
                    }
                    return Ok(());
                }
                let r = acc.push(&ev.data);
                if ev.event.as_deref() == Some("error") && r.is_ok() {
                    return Err(match Error::from_error_body(200, &ev.data, "").map(Error::into_data) {
                        Some(e) => Error::from_stream_payload(e.message, e.type_, e.code, e.param),
                        None => Error::from_stream_payload(ev.data.clone(), None, None, None),
                    });
                }
                let s = r.map_err(chunk_error)?;
                (s.content, !(self.hide_empty && s.empty), None)
            }
            Acc::Messages(acc) => {
                let s = acc
                    .push(ev.event.as_deref(), &ev.data)
                    .map_err(chunk_error)?;
                if s.kind == EventKind::MessageStop {
                    self.done = true;
                }
                (
                    s.text,
                    s.kind != EventKind::Ping,
                    Some(kind_name(s.kind, ev.event.as_deref())),
                )
            }
        };
        self.delivered += 1;
        if self.delivered == 1 {
            self.head = Vec::new();
        }
        let Some(b) = batch else { return Ok(()) };
        match mode {
            Mode::Reader | Mode::Iter if forward => {
                b.text.reserve(ev.data.len() + 2); // room for the `]` too
                b.text.push(if b.count == 0 { '[' } else { ',' });
                b.texts += usize::from(self.chunk_item(&ev.data, &mut b.text));
                b.count += 1;
                self.texted |= text.is_some();
            }
            Mode::Text => {
                if let Some(t) = text {
                    // A read of one event (the usual one) gives its text as it is: no copy.
                    if b.text.is_empty() {
                        b.text = t;
                    } else {
                        b.text.push_str(&t);
                    }
                    b.count += 1;
                    self.texted = true;
                }
            }
            Mode::Partial => {
                if let Some(t) = text {
                    self.partial
                        .get_or_insert_with(Default::default)
                        .0
                        .push_str(&t);
                }
            }
            Mode::Sse => {
                if let Some(n) = name {
                    b.bytes.extend_from_slice(b"event: ");
                    b.bytes.extend_from_slice(n.as_bytes());
                    b.bytes.push(b'\n');
                }
                if ev.joined {
                    #[allow(clippy::disallowed_methods)] // split on a char: no two-way searcher
                    for line in ev.data.split('\n') {
                        b.bytes.extend_from_slice(b"data: ");
                        b.bytes.extend_from_slice(line.as_bytes());
                        b.bytes.push(b'\n');
                    }
                } else {
                    b.bytes.reserve(ev.data.len() + 8);
                    b.bytes.extend_from_slice(b"data: ");
                    b.bytes.extend_from_slice(ev.data.as_bytes());
                    b.bytes.push(b'\n');
                }
                b.bytes.push(b'\n');
                b.count += 1;
            }
            _ => {}
        }
        Ok(())
    }

    /// Adds a chunk to a batch of chunks: its JSON, or, for a chunk (or event) that is the template's
    /// event with another text (see [`crate::template`]), just that text as a JSON string,
    /// from which JavaScript builds the chunk by copying the template's object (`JSON.parse`
    /// of the whole chunk is most of a chunk's cost there). JavaScript gets each template
    /// once, as `[skeleton, text]` with its first text; a template a copy could get wrong
    /// (see [`crate::template::Template::skeleton`]) is never sent, and its chunks go whole.
    /// Returns whether the item is the text alone.
    fn chunk_item(&mut self, data: &str, out: &mut String) -> bool {
        let (t, templated) = match &self.acc {
            Acc::Chat(acc) => acc.template(),
            Acc::Messages(acc) => acc.template(),
        };
        if !templated {
            out.push_str(data);
            return false;
        }
        let text = t.between(data);
        let now = t.learned();
        match self.sent {
            Some((n, true)) if n == now => {
                out.push('"');
                out.push_str(text);
                out.push('"');
                return true;
            }
            Some((n, false)) if n == now => {}
            _ => {
                let at = out.len();
                out.push('[');
                let ok = t.skeleton(out);
                self.sent = Some((now, ok));
                if ok {
                    out.push_str(",\"");
                    out.push_str(text);
                    out.push_str("\"]");
                    return false;
                }
                out.truncate(at);
            }
        }
        out.push_str(data);
        false
    }

    /// Adds the answer's partial value to the batch when it changed since the last one.
    fn partial_value(&mut self, b: &mut Batch) {
        let Some(p) = self.partial.as_deref_mut() else {
            return;
        };
        let Some(v) = crate::structured::partial(&p.0) else {
            return;
        };
        if v != p.1 {
            b.text.push(if b.count == 0 { '[' } else { ',' });
            b.text.push_str(&v);
            b.count += 1;
            p.1 = v;
        }
    }

    /// At end of body without an end marker: fine if the answer visibly finished, else an error.
    fn check_complete(&self) -> Result<(), Error> {
        let finished = match &self.acc {
            Acc::Chat(a) => a.saw_finish(),
            Acc::Messages(a) => a.stopped(),
        };
        if finished {
            return Ok(());
        }
        if self.delivered == 0 {
            let head = String::from_utf8_lossy(&self.head);
            let prefix = "the server answered the stream request with an error: ";
            if let Some(e) = Error::from_error_body(200, head.trim(), prefix) {
                return Err(e);
            }
        }
        Err(Error::new(
            Kind::Stream,
            if self.delivered == 0 {
                "the server ended the stream without sending any event; retry the request"
            } else {
                match self.acc {
                    Acc::Chat(_) => "the stream was cut off before it finished (no [DONE] and no finish_reason); retry the request",
                    Acc::Messages(_) => "the stream was cut off before message_stop; retry the request",
                }
            },
        ))
    }
}

/// The event name a messages event is re-encoded with.
pub fn kind_name(k: EventKind, fallback: Option<&str>) -> &str {
    match k {
        EventKind::MessageStart => "message_start",
        EventKind::ContentBlockStart => "content_block_start",
        EventKind::ContentBlockDelta => "content_block_delta",
        EventKind::ContentBlockStop => "content_block_stop",
        EventKind::MessageDelta => "message_delta",
        EventKind::MessageStop => "message_stop",
        EventKind::Ping => "ping",
        EventKind::Unknown => fallback.unwrap_or("message"),
    }
}

/// The stream error a chunk the accumulator refused stands for.
pub fn chunk_error(e: ChunkError) -> Error {
    match e {
        ChunkError::Json(p) => {
            let mut m = String::from("the server sent a chunk that is not valid JSON (");
            m.push_str(p.what);
            m.push_str(" at byte ");
            crate::json::push_u64(&mut m, p.pos as u64);
            m.push(')');
            Error::new(Kind::Stream, m)
        }
        ChunkError::Api {
            message,
            kind,
            code,
            param,
        } => Error::from_stream_payload(message, kind, code, param),
        ChunkError::Shape(what) => {
            let mut m = String::from("the server sent an unexpected chunk: ");
            m.push_str(what);
            Error::new(Kind::Stream, m)
        }
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    const CHAT: &str = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n\
data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n\
data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n\
data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,\"total_tokens\":3}}\n\n\
data: [DONE]\n\n";

    /// Feeds `body` in reads of `size` bytes and drains after each, as the face does.
    fn run(endpoint: Endpoint, body: &str, size: usize, mode: Mode, hide: bool) -> (Vec<Batch>, Result<(), Error>, Pump) {
        let mut p = Pump::new(endpoint, SseParser::with_limit(1 << 20), VecDeque::new(), Vec::new(), hide, 1 << 20);
        let mut out = Vec::new();
        let mut spilled = 0;
        let mut spill = |_: usize, t: String| spilled += t.len();
        let mut reads = body.as_bytes().chunks(size.max(1)).peekable();
        loop {
            match reads.next() {
                Some(r) => p.parser.push(r),
                None => p.eof = true,
            }
            loop {
                let mut b = Batch::default();
                let r = p.process(mode, Some(&mut b), &mut spill).map(drop);
                let more = b.count > 0;
                if more {
                    out.push(b);
                }
                if r.is_err() || p.done {
                    return (out, r, p);
                }
                if !more {
                    break;
                }
            }
            if p.eof {
                return (out, Ok(()), p);
            }
        }
    }

    fn text(batches: &[Batch]) -> String {
        batches.iter().map(|b| b.text.as_str()).collect()
    }

    #[test]
    fn text_mode_joins_the_deltas_in_any_read_size() {
        for size in [1, 7, 64, 4096] {
            let (b, r, p) = run(Endpoint::Chat, CHAT, size, Mode::Text, true);
            assert!(r.is_ok() && p.done, "{size}");
            assert_eq!(text(&b), "Hello", "{size}");
        }
    }

    /// What glue.js does with a batch of chunks: a string is the template's object with that
    /// text for its `"\u0000"`; an array brings a new template and its first text.
    fn expand(batches: &[Batch]) -> Vec<serde_json::Value> {
        fn put(v: &serde_json::Value, s: &str) -> serde_json::Value {
            match v {
                serde_json::Value::String(x) if x == "\0" => serde_json::Value::String(s.into()),
                serde_json::Value::Array(a) => a.iter().map(|x| put(x, s)).collect(),
                serde_json::Value::Object(o) => o.iter().map(|(k, x)| (k.clone(), put(x, s))).collect(),
                other => other.clone(),
            }
        }
        let mut tpl = serde_json::Value::Null;
        let mut out = Vec::new();
        for b in batches {
            // A batch of one template text alone crosses as that string (stream.rs batch_value).
            if let Some(s) = b.lone_text() {
                assert_eq!(b.text, format!("[\"{s}\""), "lone_text is the one item's text");
                out.push(put(&tpl, s));
                continue;
            }
            assert!(b.count != 1 || b.texts == 0, "a lone text is taken above: {}", b.text);
            let items: Vec<serde_json::Value> = serde_json::from_str(&format!("{}]", b.text)).unwrap();
            for item in items {
                out.push(match item {
                    serde_json::Value::String(s) => put(&tpl, &s),
                    serde_json::Value::Array(pair) => {
                        tpl = pair[0].clone();
                        put(&tpl, pair[1].as_str().unwrap())
                    }
                    chunk => chunk,
                });
            }
        }
        out
    }

    #[test]
    fn chunk_batches_send_a_templated_chunk_as_its_text_and_each_template_once() {
        let ev = |id: &str, text: &str| format!("data: {{\"id\":\"{id}\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{text}\"}},\"finish_reason\":null}}]}}\n\n");
        let mut body = String::from("data: {\"id\":\"a\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n");
        for t in ["Hel", "lo", " wo", "rld", "é😀"] {
            body.push_str(&ev("a", t));
        }
        // A new template (another id), then one a copy could get wrong (an escape in the id).
        for t in ["x", "y", "z"] {
            body.push_str(&ev("b", t));
        }
        for t in ["p", "q", "r"] {
            body.push_str(&ev("c\\u0041", t));
        }
        body.push_str("data: {\"id\":\"a\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
        let want: Vec<serde_json::Value> = body
            .split("\n\n")
            .filter_map(|e| e.strip_prefix("data: "))
            .filter(|d| *d != "[DONE]")
            .map(|d| serde_json::from_str(d).unwrap())
            .collect();
        for size in [1, 13, 100, 4096] {
            let (b, r, _) = run(Endpoint::Chat, &body, size, Mode::Iter, true);
            assert!(r.is_ok());
            assert_eq!(expand(&b), want, "{size}");
            if size < 100 {
                let lone: Vec<&str> = b.iter().filter_map(Batch::lone_text).collect();
                assert!(lone.contains(&"rld") && lone.contains(&"é😀"), "{size}: {lone:?}");
            }
            let all: String = b.iter().map(|b| b.text.as_str()).collect();
            // "Hel" teaches the template; "lo" brings it; " wo", "rld", "é😀" are their texts.
            assert_eq!(all.matches(r#"{"id":"a","choices":[{"index":0,"delta":{"content":"\u0000"},"finish_reason":null}]}"#).count(), 1, "{size}");
            for t in [" wo", "rld", "é😀", "z"] {
                assert!(all.contains(&format!("[\"{t}\"")) || all.contains(&format!(",\"{t}\"")), "{size}: {t} in {all}");
                assert!(!all.contains(&format!(":\"{t}\"")), "{size}: {t} sent whole in {all}");
            }
            assert_eq!(all.matches("u0000").count(), 2, "two templates sent: {all}");
            assert!(all.contains(r#""content":"q""#) && all.contains(r#""content":"r""#), "the escaped one goes whole");
        }
    }

    #[test]
    fn message_event_batches_send_a_templated_text_delta_as_its_text() {
        let mut body = String::from("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"x\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\nevent: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
        for t in ["Hel", "lo", " wo", "rld"] {
            body.push_str(&format!("event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"text_delta\",\"text\":\"{t}\"}}}}\n\n"));
        }
        body.push_str("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\nevent: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":4}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        let want: Vec<serde_json::Value> = body
            .split("\n\n")
            .filter_map(|e| e.split_once("data: ").map(|(_, d)| d))
            .map(|d| serde_json::from_str(d).unwrap())
            .collect();
        for size in [1, 50, 4096] {
            let (b, r, _) = run(Endpoint::Messages, &body, size, Mode::Iter, false);
            assert!(r.is_ok());
            assert_eq!(expand(&b), want, "{size}");
            let all: String = b.iter().map(|b| b.text.as_str()).collect();
            assert_eq!(all.matches("u0000").count(), 1, "{all}");
            assert!(!all.contains(r#""text":"rld""#), "{all}");
        }
    }

    #[test]
    fn chunk_mode_batches_json_arrays_and_hides_the_usage_chunk_when_asked() {
        let (b, _, _) = run(Endpoint::Chat, CHAT, 4096, Mode::Iter, true);
        let all: Vec<_> = b
            .iter()
            .flat_map(|b| {
                let mut t = b.text.clone();
                t.push(']');
                let v = json::parse(&t).unwrap().into_owned();
                match v {
                    json::Value::Array(items) => items,
                    _ => panic!("not an array"),
                }
            })
            .collect();
        assert_eq!(all.len(), 3, "role, two content chunks; the usage chunk is hidden");
        let (b, _, _) = run(Endpoint::Chat, CHAT, 4096, Mode::Iter, false);
        assert_eq!(b.iter().map(|b| b.count).sum::<usize>(), 4);
    }

    #[test]
    fn the_first_text_ends_its_batch() {
        let (b, _, _) = run(Endpoint::Chat, CHAT, 4096, Mode::Text, true);
        assert_eq!(b.first().map(|b| b.text.as_str()), Some("Hel"), "the first token is not held back");
    }

    #[test]
    fn sse_mode_re_encodes_every_event_and_the_end_marker() {
        let (b, r, _) = run(Endpoint::Chat, CHAT, 13, Mode::Sse, true);
        assert!(r.is_ok());
        let bytes: Vec<u8> = b.iter().flat_map(|b| b.bytes.clone()).collect();
        let s = String::from_utf8(bytes).unwrap();
        assert_eq!(s.matches("data: ").count(), 5);
        assert!(s.ends_with("data: [DONE]\n\n"));
    }

    #[test]
    fn a_cut_off_stream_fails_and_an_error_event_fails() {
        let cut = CHAT.split("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}").next().unwrap();
        let (b, r, _) = run(Endpoint::Chat, cut, 4096, Mode::Text, true);
        assert_eq!(text(&b), "Hel", "what arrived is delivered");
        let e = r.unwrap_err();
        assert_eq!(e.kind, Kind::Stream);
        assert!(e.message.contains("cut off"), "{}", e.message);
        let err = "event: error\ndata: {\"error\":{\"message\":\"overloaded\",\"type\":\"overloaded_error\"}}\n\n";
        let (_, r, _) = run(Endpoint::Chat, err, 4096, Mode::Text, true);
        assert_eq!(r.unwrap_err().message, "overloaded");
        let (_, r, _) = run(Endpoint::Chat, "", 4096, Mode::Text, true);
        assert!(r.unwrap_err().message.contains("without sending any event"));
    }

    #[test]
    fn events_run_together_without_blank_lines_are_taken_apart() {
        let joined = CHAT.replace("}\n\ndata: {", "}\ndata: {");
        let (b, r, _) = run(Endpoint::Chat, &joined, 4096, Mode::Text, true);
        assert!(r.is_ok());
        assert_eq!(text(&b), "Hello");
    }

    #[test]
    fn messages_events_end_at_message_stop() {
        let body = include_str!("../tests/fixtures/anthropic_messages.sse");
        for size in [5, 4096] {
            let (b, r, p) = run(Endpoint::Messages, body, size, Mode::Text, false);
            assert!(r.is_ok() && p.done, "{size}");
            assert!(!text(&b).is_empty());
            let (s, _, _) = run(Endpoint::Messages, body, size, Mode::Sse, false);
            let sse: Vec<u8> = s.iter().flat_map(|b| b.bytes.clone()).collect();
            assert!(String::from_utf8(sse).unwrap().contains("event: message_stop\n"));
        }
    }
}
