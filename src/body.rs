//! Reading a whole response body within a byte limit: nothing past `maxBodyBytes` is held,
//! and an error body is read only as far as its excerpt needs.

use crate::error::{Error, Kind};
use crate::fetch::{header, quiet, Call};
use crate::jsval::get;
use crate::limits::{body_too_big, ERROR_BODY_BYTES};
use js_sys::{Array, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, Response};

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

/// Reads chunks until the end; past `limit` bytes it fails (or, if `cut`, keeps the first
/// `limit` bytes), cancelling the rest of the body either way. The chunks stay in JavaScript
/// until the end and are then copied into one buffer of the exact size: wasm memory never
/// shrinks, so a big body costs its size once, not the doubling steps of a growing buffer.
async fn read(call: &Call, resp: &Response, limit: usize, cut: bool) -> Result<Vec<u8>, Error> {
    let Some(body) = resp.body() else {
        return Ok(Vec::new());
    };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let chunks = Array::new();
    let mut total = 0usize;
    loop {
        let r = JsFuture::from(reader.read())
            .await
            .map_err(|e| call.fail(e, true))?;
        if get(&r, "done").as_bool() == Some(true) {
            break;
        }
        let v = get(&r, "value");
        let Some(chunk) = v.dyn_ref::<Uint8Array>() else {
            quiet(&reader.cancel());
            return Err(Error::new(
                Kind::Api,
                "the response body yielded something other than bytes",
            ));
        };
        let n = chunk.length() as usize;
        let room = limit.saturating_sub(total);
        if n > room {
            quiet(&reader.cancel());
            if !cut {
                return Err(body_too_big(limit, resp.status()));
            }
            chunks.push(&chunk.subarray(0, room as u32));
            total += room;
            break;
        }
        chunks.push(chunk);
        total += n;
    }
    let mut out = vec![0; total];
    let mut at = 0;
    for c in chunks.iter() {
        let c: Uint8Array = c.unchecked_into();
        let n = c.length() as usize;
        if let Some(dst) = out.get_mut(at..at + n) {
            c.copy_to(dst);
        }
        at += n;
    }
    Ok(out)
}
