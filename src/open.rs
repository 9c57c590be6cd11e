//! Opening a streamed response, up to its first event: a server that ignored `stream: true`
//! is replayed as the stream it stands for, a mislabelled content type is sniffed, and an error
//! sent as the first event (an overloaded or rate-limited server answering `200`) is told
//! apart, so the call can retry or fall back before anything reached the caller.

use crate::accumulate::{api_error, ChunkError};
use crate::body::{body_reader, parse_body, take_read};
use crate::error::{Error, Kind};
use crate::fetch::{self, header, quiet, Call};
use crate::json::{self, Value};
use crate::jsval::get;
use crate::replay;
use crate::retry;
use crate::sse::{SseEvent, SseParser};
use crate::stream::Proto;
use std::collections::VecDeque;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, Response};

/// Keep-alives read while looking for the first event, at most (then the stream starts).
const MAX_KEEPALIVES: usize = 64;

/// A streamed response read up to its first event.
pub struct Opened {
    /// The body's reader, positioned after what was read.
    pub reader: ReadableStreamDefaultReader,
    /// The parser, holding whatever followed the events taken out.
    pub parser: SseParser,
    /// The events read so far (keep-alives, then the first real one), not yet processed.
    pub queued: VecDeque<SseEvent>,
    /// The start of the body.
    pub head: Vec<u8>,
    /// The error the first event carries, when it is one to retry or fall back on.
    pub retry: Option<Error>,
}

impl Opened {
    /// Closes the body (the call retries or moves on).
    pub fn cancel(self) {
        quiet(&self.reader.cancel());
    }
}

/// Opens `resp` as a stream of `proto` events and reads up to its first event.
pub async fn open(proto: Proto, resp: &Response, call: &mut Call) -> Result<Opened, Error> {
    let ctype = header(resp, "content-type")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let (reader, mut sniff) = if ctype.contains("application/json") {
        (replayed(proto, resp, call).await?, false)
    } else {
        (body_reader(resp)?, !ctype.contains("text/event-stream"))
    };
    call.start_idle();
    let parser = SseParser::with_limit(call.limits().max_event_bytes);
    let mut o = Opened {
        reader,
        parser,
        queued: VecDeque::new(),
        head: Vec::new(),
        retry: None,
    };
    loop {
        while let Some(ev) = o.parser.next_event() {
            let keepalive = is_keepalive(proto, &ev);
            if !keepalive {
                o.retry = first_error(&ev.data, ev.event.as_deref() == Some("error"));
            }
            o.queued.push_back(ev);
            if !keepalive || o.queued.len() >= MAX_KEEPALIVES {
                return Ok(o);
            }
        }
        if o.parser.exceeded() {
            let e = crate::limits::event_too_big(call.limits().max_event_bytes);
            o.cancel();
            return Err(e);
        }
        let r = JsFuture::from(o.reader.read())
            .await
            .map_err(|e| call.fail(e, true))?;
        call.touch();
        let done = get(&r, "done").as_bool() == Some(true);
        if !done {
            take_read(&mut o.parser, &mut o.head, true, &get(&r, "value"))?;
        }
        // Decided by the first byte that is not whitespace (a body starting with a whole HEAD
        // of whitespace is not taken for an event stream).
        if sniff && (done || starts(&o.head).is_some() || o.head.len() >= crate::body::HEAD) {
            if !starts(&o.head).is_some_and(looks_like_sse) {
                let e = not_an_event_stream(resp, &ctype, &o.head).redact(call.secret());
                o.cancel();
                return Err(e);
            }
            sniff = false;
        }
        if done {
            // No event at all: a bare JSON error body sent as the stream is told apart too.
            let head = String::from_utf8_lossy(&o.head);
            o.retry = first_error(head.trim(), false);
            return Ok(o);
        }
    }
}

/// Reads a JSON answer to a stream request and returns a reader of the stream it stands for.
async fn replayed(
    proto: Proto,
    resp: &Response,
    call: &Call,
) -> Result<ReadableStreamDefaultReader, Error> {
    let text = fetch::text(call, resp).await?;
    parse_body(resp, &text, call.secret())?;
    let sse = match proto {
        Proto::Chat => replay::chat(&text),
        Proto::Messages => replay::message(&text),
    };
    let Some(sse) = sse else {
        let mut e = Error::new(Kind::Stream, "the server answered a stream request with JSON that is not a completion (see err.body)");
        e.status = Some(resp.status());
        e.body = Some(crate::error::truncate(&text, crate::error::BODY_KEEP).to_owned());
        return Err(e.redact(call.secret()));
    };
    let replayed = Response::new_with_opt_str(Some(&sse)).map_err(|e| {
        Error::new(Kind::Stream, "could not replay the answer as a stream").with_cause(e)
    })?;
    body_reader(&replayed)
}

/// Tells whether an event carries nothing: an empty `data:` (and, for messages, a `ping`).
pub fn is_keepalive(proto: Proto, ev: &SseEvent) -> bool {
    is_blank(proto, ev) || (proto == Proto::Messages && ev.event.as_deref() == Some("ping"))
}

/// Tells whether an event is an empty `data:` heartbeat (a named messages event with no data,
/// such as `event: ping`, still counts as an event).
pub fn is_blank(proto: Proto, ev: &SseEvent) -> bool {
    ev.data.trim().is_empty() && (proto == Proto::Chat || ev.event.is_none())
}

/// The body after a byte-order mark and whitespace, once there is something.
fn starts(head: &[u8]) -> Option<&[u8]> {
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let at = body.iter().position(|b| !b.is_ascii_whitespace())?;
    body.get(at..)
}

fn looks_like_sse(head: &[u8]) -> bool {
    [&b"data:"[..], b"event:", b":", b"id:", b"retry:"]
        .iter()
        .any(|p| head.starts_with(p))
}

fn not_an_event_stream(resp: &Response, ctype: &str, head: &[u8]) -> Error {
    let mut m = String::from("the server answered a stream request with ");
    m.push_str(if ctype.is_empty() {
        "no content type"
    } else {
        crate::error::truncate(ctype, 80)
    });
    m.push_str(" instead of an event stream; check baseUrl");
    let mut e = Error::new(Kind::Stream, m);
    e.status = Some(resp.status());
    let text = String::from_utf8_lossy(head);
    if !text.trim().is_empty() {
        e.body = Some(crate::error::truncate(text.trim(), crate::error::BODY_KEEP).to_owned());
    }
    e
}

/// Reads an event (or a bare body) as an error payload and returns it as an error marked with
/// the status it stands for, when that status is retried or falls back (404); else `None`.
pub fn first_error(data: &str, error_event: bool) -> Option<Error> {
    // Most first events are a role or message_start chunk: no need to parse them here.
    if !error_event && !data.contains("error") {
        return None;
    }
    let v = json::parse(data).ok()?;
    let member = v.get("error").filter(|e| !e.is_null());
    if member.is_none() && !error_event && v.get("type").and_then(Value::as_str) != Some("error") {
        return None;
    }
    let ChunkError::Api {
        message,
        kind,
        code,
        param,
    } = api_error(member.unwrap_or(&v))
    else {
        return None;
    };
    let status = retry::status_for_error(kind.as_deref(), code.as_deref())?;
    let mut e = Error::from_stream_payload(message, kind, code, param);
    e.status = Some(status);
    e.retryable = retry::should_retry(status, None);
    (e.retryable || status == 404).then_some(e)
}
