//! Response bodies: reading a JSON answer, getting a body's reader, and taking in one read of
//! a streamed body. A whole body is read within `maxBodyBytes`: nothing past it is held, and an
//! error body is read only as far as its excerpt needs.

use crate::call::{quiet, Call};
use crate::error::{Error, Kind};
use crate::jserror::JsError;
use crate::jsval::get;
use crate::limits::{body_too_big, ERROR_BODY_BYTES};
use crate::meta::header;
use crate::sse::SseParser;
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, Response};

/// How much of a streamed body's start is kept to explain a stream that sent no event.
pub const HEAD: usize = 4096;

/// Tells whether the response says it is an event stream.
pub fn is_event_stream(resp: &Response) -> bool {
    header(resp, "content-type")
        .is_some_and(|c| crate::text::contains(&c.to_ascii_lowercase(), "text/event-stream"))
}

/// Parses a JSON answer: an error body (even with status 200) becomes the error it reports.
pub fn parse_body(resp: &Response, text: &str, secret: Option<&str>) -> Result<JsValue, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let status = resp.status();
    let bad = |what: &str| {
        let mut e = Error::new(Kind::Api, what);
        e.status = Some(status);
        e.request_id = crate::meta::request_id(resp);
        if !text.trim().is_empty() {
            e.body = Some(crate::text::truncate(text.trim(), crate::error::BODY_KEEP).to_owned());
        }
        e.redact(secret)
    };
    if text.trim().is_empty() {
        return Err(bad(
            "the server answered with an empty body; retry the request",
        ));
    }
    let v = js_sys::JSON::parse(text).map_err(|_| {
        bad("the server answered with a body that is not JSON (see err.body); check baseUrl")
    })?;
    let err = get(&v, "error");
    if !err.is_undefined()
        && !err.is_null()
        && get(&v, "choices").is_undefined()
        && get(&v, "content").is_undefined()
    {
        return Err(
            Error::from_response(status, text, crate::meta::request_id(resp)).redact(secret),
        );
    }
    if !v.is_object() {
        return Err(bad(
            "the server answered with JSON that is not an object (see err.body)",
        ));
    }
    Ok(v)
}

/// Returns the reader of a response's body.
pub fn body_reader(resp: &Response) -> Result<ReadableStreamDefaultReader, Error> {
    let body = resp.body().ok_or_else(|| {
        Error::new(
            Kind::Stream,
            "the server sent no response body; retry the request",
        )
    })?;
    Ok(body.get_reader().unchecked_into())
}

/// Hands one body read's bytes, already in wasm memory, to `parser`, keeping the first
/// [`HEAD`] bytes in `head` while `keep_head`.
pub fn take_bytes(parser: &mut SseParser, head: &mut Vec<u8>, keep_head: bool, bytes: &[u8]) {
    parser.push(bytes);
    if keep_head && head.len() < HEAD {
        let take = (HEAD - head.len()).min(bytes.len());
        head.extend_from_slice(bytes.get(..take).unwrap_or_default());
    }
}

/// Hands one body read's bytes (a `Uint8Array`; strings are tolerated) to `parser`, keeping
/// the first [`HEAD`] bytes in `head` while `keep_head`.
pub fn take_read(
    parser: &mut SseParser,
    head: &mut Vec<u8>,
    keep_head: bool,
    v: &JsValue,
) -> Result<(), Error> {
    if let Some(bytes) = v.dyn_ref::<Uint8Array>() {
        let len = bytes.length() as usize;
        let take = if keep_head {
            HEAD.saturating_sub(head.len()).min(len)
        } else {
            0
        };
        let mut copied = false;
        parser.push_with(len, |dst| {
            bytes.copy_to(dst);
            // The head from the bytes just copied in: one copy out of JavaScript, not two.
            head.extend_from_slice(dst.get(..take).unwrap_or_default());
            copied = true;
        });
        if !copied && take > 0 {
            let at = head.len();
            head.resize(at + take, 0);
            if let Some(dst) = head.get_mut(at..) {
                bytes.subarray(0, take as u32).copy_to(dst);
            }
        }
        Ok(())
    } else if let Some(s) = v.as_string() {
        take_bytes(parser, head, keep_head, s.as_bytes());
        Ok(())
    } else {
        Err(Error::new(
            Kind::Stream,
            "the response body yielded something other than bytes",
        ))
    }
}

/// Reads the body as text, failing past `maxBodyBytes`. A body whose length the headers state
/// (and that is not compressed) is checked up front and read by the platform in one go.
pub async fn text(call: &Call, resp: &Response) -> Result<String, Error> {
    let limit = call.limits().max_body_bytes;
    if let Some(n) = stated_length(resp) {
        if n > limit {
            cancel(resp);
            return Err(body_too_big(limit, resp.status()));
        }
        let p = resp.text().map_err(|e| call.fail(e, true))?;
        let v = JsFuture::from(p).await.map_err(|e| call.fail(e, true))?;
        return Ok(v.as_string().unwrap_or_default());
    }
    read(call, resp, limit, false).await.map(into_text)
}

/// Reads the body as bytes, failing past `maxBodyBytes`.
pub async fn bytes(call: &Call, resp: &Response) -> Result<Vec<u8>, Error> {
    read(call, resp, call.limits().max_body_bytes, false).await
}

/// Reads the start of an error body (at most [`ERROR_BODY_BYTES`]) and cancels the rest.
pub async fn head(call: &Call, resp: &Response) -> Result<String, Error> {
    read(call, resp, ERROR_BODY_BYTES, true)
        .await
        .map(into_text)
}

/// The `content-length` of a body the platform will not decompress, if the headers state one.
fn stated_length(resp: &Response) -> Option<usize> {
    let enc = header(resp, "content-encoding").unwrap_or_default();
    if !(enc.is_empty() || enc.trim().eq_ignore_ascii_case("identity")) {
        return None;
    }
    header(resp, "content-length")?
        .trim()
        .parse::<u64>()
        .ok()
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
}

fn cancel(resp: &Response) {
    if let Some(b) = resp.body() {
        quiet(&b.cancel());
    }
}

fn into_text(bytes: Vec<u8>) -> String {
    let s = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    match s.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => s,
    }
}

/// Reads the body to its end; past `limit` bytes it fails (or, if `cut`, keeps the first
/// `limit` bytes), cancelling the rest of the body either way. JavaScript runs the read loop
/// (`Shape.read`: one promise for Rust to await, not one per chunk) and joins the chunks (a
/// body of one chunk is that chunk), which are copied into one buffer of the exact size: wasm
/// memory never shrinks, so a big body costs its size once, not the doubling steps of a
/// growing buffer.
async fn read(call: &Call, resp: &Response, limit: usize, cut: bool) -> Result<Vec<u8>, Error> {
    let Some(body) = resp.body() else {
        return Ok(Vec::new());
    };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let read = crate::glue::Shape::read(&reader, limit as f64);
    let got = JsFuture::from(read)
        .await
        .map_err(|e| call.fail(e, true))?;
    let Some(bytes) = got.dyn_ref::<Uint8Array>() else {
        return Err(Error::new(
            Kind::Api,
            "the response body yielded something other than bytes",
        ));
    };
    let total = bytes.length() as usize;
    if total > limit && !cut {
        return Err(body_too_big(limit, resp.status()));
    }
    let mut out = vec![0; total.min(limit)];
    if out.len() == total {
        bytes.copy_to(&mut out);
    } else {
        bytes.subarray(0, out.len() as u32).copy_to(&mut out);
    }
    Ok(out)
}
