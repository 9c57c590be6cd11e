//! A stream's first event, decided without JavaScript: keep-alives, a body that is not an
//! event stream, and an error payload sent as the first event (an overloaded or rate-limited
//! server answering `200`), which the call's plan may retry or hand to the next model.

use crate::accumulate::chat::{api_error, ChunkError};
use crate::endpoint::Endpoint;
use crate::error::{Error, Kind};
use crate::json::{self, Value};
use crate::retry;
use crate::sse::SseEvent;

/// Tells whether an event carries nothing: an empty `data:` (and, for messages, a `ping`).
pub fn is_keepalive(proto: Endpoint, ev: &SseEvent) -> bool {
    is_blank(proto, ev) || (proto == Endpoint::Messages && ev.event.as_deref() == Some("ping"))
}

/// Tells whether an event is an empty `data:` heartbeat (a named messages event with no data,
/// such as `event: ping`, still counts as an event).
pub fn is_blank(proto: Endpoint, ev: &SseEvent) -> bool {
    solid_start(&ev.data).is_none()
        && ev.data.trim().is_empty()
        && (proto == Endpoint::Chat || ev.event.is_none())
}

/// Tells whether an event's data is the chat stream's end marker, `[DONE]` (with any
/// whitespace around it).
pub fn is_done(data: &str) -> bool {
    matches!(solid_start(data), None | Some(b'[')) && data.trim() == "[DONE]"
}

/// The first byte of `s` when it is an ASCII character that is not whitespace, so trimming
/// cannot move the start: every event's data is checked for a blank or an end marker, and this
/// answers both for a JSON payload without walking it.
fn solid_start(s: &str) -> Option<u8> {
    s.as_bytes().first().copied().filter(|b| *b > b' ' && *b < 0x80)
}

/// Returns the body after a byte-order mark and whitespace, once there is something.
pub fn starts(head: &[u8]) -> Option<&[u8]> {
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let at = body.iter().position(|b| !b.is_ascii_whitespace())?;
    body.get(at..)
}

/// Tells whether a body starts like an event stream (a field name or a comment).
pub fn looks_like_sse(head: &[u8]) -> bool {
    [&b"data:"[..], b"event:", b":", b"id:", b"retry:"]
        .iter()
        .any(|p| head.starts_with(p))
}

/// Returns the error for a stream request answered with something else (its start in `err.body`).
pub fn not_an_event_stream(status: u16, ctype: &str, head: &[u8]) -> Error {
    let mut m = String::from("the server answered a stream request with ");
    m.push_str(if ctype.is_empty() {
        "no content type"
    } else {
        crate::text::truncate(ctype, 80)
    });
    m.push_str(" instead of an event stream; check baseUrl");
    let mut e = Error::new(Kind::Stream, m);
    e.status = Some(status);
    let text = String::from_utf8_lossy(head);
    if !text.trim().is_empty() {
        e.body = Some(crate::text::truncate(text.trim(), crate::error::BODY_KEEP).to_owned());
    }
    e
}

/// Reads an event (or a bare body) as an error payload and returns it as an error marked with
/// the status it stands for, when that status is retried or falls back (404); else `None`.
pub fn first_error(data: &str, error_event: bool) -> Option<Error> {
    // Most first events are a role or message_start chunk: no need to parse them here.
    if !error_event && !crate::text::contains(data, "error") {
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
