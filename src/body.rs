//! Response bodies: reading a JSON answer, getting a body's reader, and taking in one read of
//! a streamed body.

use crate::error::{Error, Kind};
use crate::fetch::{self, header};
use crate::jsval::get;
use crate::sse::SseParser;
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ReadableStreamDefaultReader, Response};

/// How much of a streamed body's start is kept to explain a stream that sent no event.
pub const HEAD: usize = 4096;

/// Tells whether the response says it is an event stream.
pub fn is_event_stream(resp: &Response) -> bool {
    header(resp, "content-type").is_some_and(|c| c.to_ascii_lowercase().contains("text/event-stream"))
}

/// Parses a JSON answer: an error body (even with status 200) becomes the error it reports.
pub fn parse_body(resp: &Response, text: &str, secret: Option<&str>) -> Result<JsValue, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let status = resp.status();
    let bad = |what: &str| {
        let mut e = Error::new(Kind::Api, what);
        e.status = Some(status);
        e.request_id = fetch::request_id(resp);
        if !text.trim().is_empty() {
            e.body = Some(crate::error::truncate(text.trim(), 512).to_owned());
        }
        e.redact(secret)
    };
    if text.trim().is_empty() {
        return Err(bad("the server answered with an empty body; retry the request"));
    }
    let v = js_sys::JSON::parse(text)
        .map_err(|_| bad("the server answered with a body that is not JSON (see err.body); check baseUrl"))?;
    let err = get(&v, "error");
    if !err.is_undefined() && !err.is_null() && get(&v, "choices").is_undefined() && get(&v, "content").is_undefined() {
        return Err(Error::from_response(status, text, fetch::request_id(resp)).redact(secret));
    }
    if !v.is_object() {
        return Err(bad("the server answered with JSON that is not an object (see err.body)"));
    }
    Ok(v)
}

/// Returns the reader of a response's body.
pub fn body_reader(resp: &Response) -> Result<ReadableStreamDefaultReader, Error> {
    let body = resp
        .body()
        .ok_or_else(|| Error::new(Kind::Stream, "the server sent no response body; retry the request"))?;
    Ok(body.get_reader().unchecked_into())
}

/// Hands one body read's bytes (a `Uint8Array`; strings are tolerated) to `parser`, keeping
/// the first [`HEAD`] bytes in `head` while `keep_head`.
pub fn take_read(parser: &mut SseParser, head: &mut Vec<u8>, keep_head: bool, v: &JsValue) -> Result<(), Error> {
    if let Some(bytes) = v.dyn_ref::<Uint8Array>() {
        let len = bytes.length() as usize;
        parser.push_with(len, |dst| bytes.copy_to(dst));
        if keep_head && head.len() < HEAD {
            let take = (HEAD - head.len()).min(len);
            let at = head.len();
            head.resize(at + take, 0);
            if let Some(dst) = head.get_mut(at..) {
                bytes.subarray(0, take as u32).copy_to(dst);
            }
        }
        Ok(())
    } else if let Some(s) = v.as_string() {
        parser.push(s.as_bytes());
        if keep_head && head.len() < HEAD {
            head.extend(s.bytes().take(HEAD - head.len()));
        }
        Ok(())
    } else {
        Err(Error::new(Kind::Stream, "the response body yielded something other than bytes"))
    }
}
