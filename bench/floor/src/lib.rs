//! The floor of "a Rust crate that calls `fetch` itself": the network part of a streamed call
//! driven from Rust (web-sys for fetch, the body and its reader; wasm-bindgen-futures'
//! `JsFuture` for each promise), with no checks, no parsing and no retries. `open` does what
//! aibadgr's call does before `chatStream()` resolves (an `AbortController` and a deadline
//! timer, `fetch` with `{ method: "POST", headers, body, signal }`, the status, the body's
//! reader, its first read) and hands JavaScript the reader, that read and the timer; the events
//! are then parsed in JavaScript by the raw baseline's own code (bench/floor/floor.mjs). `take`
//! is the floor of handing a body read to Rust: wasm-bindgen's copy of the bytes into wasm
//! memory, as aibadgr's `feedBytes` gets them.

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, ReadableStreamDefaultReader, Response};

#[wasm_bindgen]
extern "C" {
    // The global function, not `window()`'s (runs in Node as in pages), as aibadgr binds it.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &JsValue, init: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(timer: &JsValue);
}

// What aibadgr builds in JavaScript in one call each (glue.js `Shape.init`, `Timer`): fetch's
// init object, and the deadline timer raw+stream arms (600 s, aborting the controller).
#[wasm_bindgen(inline_js = "
export function init(headers, body, signal) { return { method: 'POST', headers, body, signal }; }
export function arm(ctrl) {
  const t = setTimeout(() => ctrl.abort(new Error('timeout')), 600000);
  t.unref?.();
  return t;
}")]
extern "C" {
    fn init(headers: &JsValue, body: &JsValue, signal: &AbortSignal) -> JsValue;
    fn arm(ctrl: &AbortController) -> JsValue;
}

/// POSTs `body` (a string) with `headers` (an object) to `url` through `fetch` (the global one
/// when `undefined`), and resolves to `[reader, firstRead, timer]` once the body's first read
/// came; rejects with the status when it is not 2xx (the timer cleared).
#[wasm_bindgen]
pub async fn open(
    fetch: JsValue,
    url: JsValue,
    body: JsValue,
    headers: JsValue,
) -> Result<JsValue, JsValue> {
    let ctrl = AbortController::new()?;
    let timer = arm(&ctrl);
    let init = init(&headers, &body, &ctrl.signal());
    let started = if fetch.is_undefined() {
        global_fetch(&url, &init)
    } else {
        fetch
            .unchecked_ref::<Function>()
            .call2(&JsValue::UNDEFINED, &url, &init)?
            .unchecked_into()
    };
    let res: Response = JsFuture::from(started).await?.unchecked_into();
    let status = res.status();
    if !(200..300).contains(&status) {
        clear_timeout(&timer);
        return Err(JsValue::from(status));
    }
    let Some(stream) = res.body() else {
        clear_timeout(&timer);
        return Err(JsValue::from(status));
    };
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let first = JsFuture::from(reader.read()).await?;
    Ok(Array::of3(&reader, &first, &timer).into())
}

/// Takes one body read's bytes (wasm-bindgen copies them into wasm memory, as for aibadgr's
/// `feedBytes`) and gives their count back, so the copy is checked.
#[wasm_bindgen]
pub fn take(bytes: &[u8]) -> u32 {
    bytes.len() as u32
}
