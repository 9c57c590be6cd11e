//! The JavaScript side Rust cannot define itself (src/js/glue.js): the `AiBadgrError` class,
//! the stream classes, and the platform's timers and abort plumbing. Only classes are
//! imported (free functions would each add an `import *` of the module to the glue).

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use web_sys::{AbortController, AbortSignal};

#[wasm_bindgen(module = "/src/js/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = AiBadgrError)]
    /// The `AiBadgrError` class.
    pub type JsAiBadgrError;
    /// Creates an `AiBadgrError`.
    #[wasm_bindgen(constructor, js_class = "AiBadgrError")]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        message: &str,
        kind: &str,
        status: Option<u16>,
        code: Option<String>,
        type_: Option<String>,
        param: Option<String>,
        request_id: Option<String>,
        body: Option<String>,
        cause: &JsValue,
        name: Option<&str>,
    ) -> JsAiBadgrError;

    /// A call's timer: aborts a controller at its deadline, or after a stretch without
    /// `touch()` once `idle()` started.
    pub type Timer;
    /// Starts a timer of `ms` that aborts `ctrl` with the reason `"aibadgr:timeout"`, checking
    /// every sixteenth of `first` ms (the idle timeout, so that starting it needs no new timer).
    #[wasm_bindgen(constructor)]
    pub fn new(ms: f64, ctrl: &AbortController, first: f64) -> Timer;
    /// Also aborts with the reason `"aibadgr:idle"` once `ms` pass without [`Timer::touch`].
    #[wasm_bindgen(method)]
    pub fn idle(this: &Timer, ms: f64);
    /// Restarts the idle clock.
    #[wasm_bindgen(method)]
    pub fn touch(this: &Timer);
    /// Ends the timer.
    #[wasm_bindgen(method)]
    pub fn stop(this: &Timer);
    /// Aborts `ctrl` when `signal` aborts; returns the function that detaches it.
    #[wasm_bindgen(static_method_of = Timer)]
    pub fn link(signal: &AbortSignal, ctrl: &AbortController) -> Function;
    /// Resolves after `ms`, or rejects as soon as `signal` aborts.
    #[wasm_bindgen(static_method_of = Timer)]
    pub fn sleep(ms: f64, signal: &AbortSignal) -> Promise;
    /// Reads the rest of a body after its end marker so the connection can be reused, or
    /// cancels it after `ms` or too much data.
    #[wasm_bindgen(static_method_of = Timer)]
    pub fn drain(reader: &web_sys::ReadableStreamDefaultReader, ms: f64);
    /// Marks a fire-and-forget promise as handled.
    #[wasm_bindgen(static_method_of = Timer)]
    pub fn quiet(p: &Promise);

    /// A stream's batch with more to give after it before the next body read.
    pub type More;
    /// Marks `batch` so (see `stream::Step::More`).
    #[wasm_bindgen(constructor)]
    pub fn new(batch: &JsValue) -> More;

    /// The `ReadableStream` subclass JavaScript sees for chat streams.
    pub type ChatStream;
    /// Wraps a core (a `StreamCore`) in a `ChatStream`; JavaScript touches `timer` (the
    /// call's `Timer`, or `undefined`) at each body read it hands over.
    #[wasm_bindgen(constructor)]
    pub fn new(core: JsValue, timer: JsValue) -> ChatStream;
    /// The tool loop's end of the stream `runToolsStream()` resolves to.
    pub type Channel;
    /// Creates the stream; `ctrl` aborts the loop when the stream is cancelled; `final` is
    /// what the stream's `final()` returns.
    #[wasm_bindgen(constructor)]
    pub fn new(ctrl: &AbortController, final_: &Promise) -> Channel;
    /// The stream to hand to JavaScript.
    #[wasm_bindgen(method, getter)]
    pub fn stream(this: &Channel) -> JsValue;
    /// Queues one event.
    #[wasm_bindgen(method)]
    pub fn push(this: &Channel, event: &JsValue);
    /// `undefined`, or a promise that resolves when the reader wants more.
    #[wasm_bindgen(method)]
    pub fn ready(this: &Channel) -> JsValue;
    /// Ends the stream.
    #[wasm_bindgen(method)]
    pub fn close(this: &Channel);
    /// Fails the stream with `e`.
    #[wasm_bindgen(method)]
    pub fn error(this: &Channel, e: &JsValue);

    /// Objects JavaScript builds in one call (Rust would cross the boundary per property).
    pub type Shape;
    /// `fetch()`'s init: `{ method: "POST", headers, body, signal }`, or a GET without `body`
    /// when `body` is undefined.
    #[wasm_bindgen(static_method_of = Shape)]
    pub fn init(headers: &js_sys::Object, body: &JsValue, signal: &AbortSignal) -> js_sys::Object;
    /// Reads `reader` to its end and resolves to its bytes as one `Uint8Array`; stops
    /// (cancelling the rest) once they are more than `limit` bytes, or resolves to `null` at a
    /// chunk that is not a `Uint8Array`.
    #[wasm_bindgen(static_method_of = Shape)]
    pub fn read(reader: &web_sys::ReadableStreamDefaultReader, limit: f64) -> Promise;
    /// Header names and values joined by `\0` as a plain object.
    #[wasm_bindgen(static_method_of = Shape)]
    pub fn headers(pairs: &str) -> js_sys::Object;
    /// Defines `target.response` (non-enumerable, writable) as a getter that returns
    /// `build([headers, status, attempts, model, elapsedMs])`, built once.
    #[wasm_bindgen(static_method_of = Shape)]
    pub fn response(
        target: &JsValue,
        headers: &JsValue,
        status: u16,
        attempts: u32,
        model: Option<&str>,
        elapsed_ms: f64,
        build: &JsValue,
    );

    /// The `ReadableStream` subclass JavaScript sees for messages streams.
    pub type MessageStream;
    /// Wraps a core (a `StreamCore`) in a `MessageStream` (`timer` as for `ChatStream`).
    #[wasm_bindgen(constructor)]
    pub fn new(core: JsValue, timer: JsValue) -> MessageStream;
}
