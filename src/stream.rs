//! Response body → SSE events → accumulated result and JS chunks, pulled on demand.
//!
//! A [`StreamCore`] owns the body reader, the SSE parser, the accumulator and the call (its
//! abort controller and timers). JavaScript's `ChatStream`/`MessageStream` (`ReadableStream`
//! subclasses in `glue.js`) run a three-line loop: [`StreamCore::drain`] turns the bytes read so
//! far into one batch of chunks, and only when it has nothing does the loop await the body
//! reader ([`StreamCore::reader`]) and hand the bytes back ([`StreamCore::feed`]). So after the first event
//! (read when the stream opened; see [`open`](crate::open)) nothing is read from the network
//! before JavaScript asks, and each network read costs one promise, not
//! one per event. One consumer at a time: iteration, `text()`, `toSSE()`, or `final()` alone;
//! `final()` also works beside any of them.

use crate::body::take_read;
use crate::call::{quiet, Call};
use crate::endpoint::Endpoint;
use crate::error::{Error, Kind};
use crate::pump::{Acc, Batch, Mode, Pump};
use crate::glue::{ChatStream, MessageStream};
use crate::jserror::JsError;
use crate::jsval::get;
use crate::open::Opened;
use js_sys::{Function, JsString, Promise, Reflect, Uint8Array};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::ReadableStreamDefaultReader;


enum State {
    Open,
    /// Between a failure and its JavaScript error: see [`fail`].
    Failing,
    Ended,
    Failed(JsValue),
}

/// What a live stream needs; dropped as soon as the stream ends or fails, so an ended stream
/// holds almost no wasm memory while it waits for JavaScript's GC.
struct Io {
    reader: ReadableStreamDefaultReader,
    call: Call,
    /// The events, their accumulator and the batches (pure: `pump.rs`).
    pump: Pump,
    /// The accumulated text handed out to JavaScript strings (by spill id; see
    /// [`crate::pump::SPILL_BYTES`]).
    spill: Vec<JsString>,
}

struct Inner {
    io: Option<Box<Io>>,
    mode: Mode,
    state: State,
    /// The whole result, computed once at the end (or on request).
    final_value: Option<Result<JsValue, JsValue>>,
    waiters: Vec<(Function, Function)>,
    final_scheduled: bool,
    /// `final()` was called alone and JavaScript has not yet been told ([`StreamCore::alone`]).
    alone: bool,
    /// What the call records when the stream ends (response metadata, usage, log line);
    /// boxed and taken at the end, so an ended stream keeps only the pointer until GC.
    track: Option<Box<crate::meta::Track>>,
}

/// The Rust side of one streamed response. JavaScript never constructs it.
#[wasm_bindgen]
pub struct StreamCore {
    inner: Rc<RefCell<Inner>>,
}

impl Io {
    /// Processes every complete buffered event into `batch` (when `Some`), and notices the end;
    /// long texts move to JavaScript strings on the way.
    fn process(&mut self, mode: Mode, batch: Option<&mut Batch>) -> Result<bool, Error> {
        let spill = &mut self.spill;
        self.pump.process(mode, batch, &mut |id: usize, text: String| {
            let piece = JsString::from(text.as_str());
            while spill.len() < id {
                spill.push(JsString::from(""));
            }
            match spill.get_mut(id) {
                Some(js) => *js = js.concat(&piece),
                None => spill.push(piece),
            }
        })
    }

    /// Takes one body read: `done`, or bytes (a `Uint8Array`; strings are tolerated).
    fn on_bytes(&mut self, done: bool, v: &JsValue) -> Result<(), Error> {
        let p = &mut self.pump;
        if done {
            p.eof = true;
            return Ok(());
        }
        take_read(&mut p.parser, &mut p.head, p.delivered == 0, v)
    }

    /// Takes one body read's bytes, passed into wasm memory by wasm-bindgen.
    fn on_slice(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let p = &mut self.pump;
        crate::body::take_bytes(&mut p.parser, &mut p.head, p.delivered == 0, bytes);
        Ok(())
    }

    /// The accumulated result as a JavaScript object.
    fn result(&self) -> Result<JsValue, JsValue> {
        let (text, spilled, list) = match &self.pump.acc {
            Acc::Chat(a) => (a.finish(), a.spilled(), "choices"),
            Acc::Messages(a) => (a.finish(), a.spilled(), "content"),
        };
        let v = js_sys::JSON::parse(&text)?;
        // Put the spilled starts back in front of what stayed here.
        let items = get(&v, list);
        for (id, pos) in spilled {
            let (Some(head), Ok(item)) = (self.spill.get(id), Reflect::get_u32(&items, pos as u32))
            else {
                continue;
            };
            let (holder, key) = match self.pump.acc {
                Acc::Chat(_) => (get(&item, "message"), "content"),
                Acc::Messages(_) => (item, "text"),
            };
            let rest = get(&holder, key);
            let whole = if rest.is_string() {
                head.concat(&rest)
            } else {
                head.clone()
            };
            crate::jsval::set(&holder, key, &whole);
        }
        Ok(v)
    }
}

/// Turns a batch into its JavaScript value: an array of parsed chunks, a string, or bytes.
/// A batch of chunks that is one template's text alone (nearly every read at one event per
/// read) is that string: glue.js makes the chunk from it as from an array's item, and
/// `JSON.parse` of `["…"]` (the call out, a decode, the parse: about 1 µs) is skipped.
/// `read` is the body read just fed: when the SSE bytes out are exactly its bytes (the server
/// framed its events as `toSSE()` does, one read holding whole events), the value is `true`,
/// and JavaScript passes the read's own `Uint8Array` on instead of a copy out of wasm memory.
fn batch_value(mode: Mode, mut b: Batch, read: Option<&[u8]>) -> Result<Option<JsValue>, Error> {
    if b.count == 0 {
        return Ok(None);
    }
    Ok(Some(match mode {
        Mode::Sse if read.is_some_and(|r| crate::text::same(r, &b.bytes)) => JsValue::TRUE,
        Mode::Sse => Uint8Array::from(b.bytes.as_slice()).into(),
        Mode::Text => JsValue::from_str(&b.text),
        _ => match b.lone_text() {
            Some(text) => JsValue::from_str(text),
            None => {
                b.text.push(']');
                js_sys::JSON::parse(&b.text).map_err(|e| {
                    Error::new(
                        Kind::Stream,
                        "the server sent a chunk that is not valid JSON",
                    )
                    .with_cause(e)
                })?
            }
        },
    }))
}

/// Why a stream fails.
enum Why {
    /// One of the stream's own errors.
    Error(Error),
    /// A body read rejected with this reason (the call tells a timeout or an abort from a
    /// broken connection).
    Read(JsValue),
}

/// What a step decided while the stream's state was borrowed; [`perform`] does it once the
/// borrow is over, since every arm but `Give` runs JavaScript (which may call the stream again).
enum Step {
    /// Returns this.
    Give(JsValue),
    /// Returns this batch marked (`More`, in glue.js) as not all there is before the next
    /// body read: JavaScript drains again first. A batch not so marked means the next step is
    /// a read, so the read loops make one call into wasm per read, not two.
    More(JsValue),
    /// Returns this (marked as `More`: the next drain gives the end), then ends the stream.
    End(JsValue),
    /// Fails the stream.
    Fail(Why),
    /// Throws this (the stream's error).
    Throw(JsValue),
    /// Throws a new error of this kind and text (a misuse, or a call the stream cannot take now).
    Refuse(Kind, &'static str),
}

/// A call made while another one holds the stream's state (only reachable if a JavaScript call
/// made with the state borrowed re-entered; none is made so).
const UNKNOWN_MODE: &str = "this stream was asked for an unknown consumer; this is a bug in aibadgr, please report it";
const BUSY: Step = Step::Refuse(
    Kind::InvalidRequest,
    "this stream is already being read; wait for the pending read() or final() before calling it again",
);
/// A call made by the code a failure runs (an abort listener, `Error.prepareStackTrace`, a
/// cause's getter) before the stream's error exists.
const FAILING: &str = "this stream is failing; await final() to get its error";
const NO_RESULT: &str = "this stream has no result: it ended with an error";

fn misuse(what: &str) -> JsValue {
    Error::new(Kind::InvalidRequest, what).into_js()
}

/// Does what a step decided; call it with the stream's state not borrowed.
fn perform(inner: &RefCell<Inner>, step: Step) -> Result<JsValue, JsValue> {
    match step {
        Step::Give(v) => Ok(v),
        Step::More(v) => Ok(crate::glue::More::new(&v).into()),
        Step::End(v) => {
            end(inner);
            Ok(if v.is_undefined() { v } else { crate::glue::More::new(&v).into() })
        }
        Step::Fail(why) => Err(fail(inner, why)),
        Step::Throw(e) => Err(e),
        Step::Refuse(kind, what) => Err(Error::new(kind, what).into_js()),
    }
}

/// Fails the stream and returns its JavaScript error; it closes the connection, frees the live
/// state and rejects the waiters. Call it with the state not borrowed: making the error (a
/// cause's getters, `Error.prepareStackTrace`), aborting (abort listeners) and cancelling the
/// body (a user-made body's `cancel()`) all run JavaScript that may call this stream again.
/// While the error is made the stream is `Failing` (a `final()` then waits for it), and
/// before any listener runs it is `Failed`.
fn fail(inner: &RefCell<Inner>, why: Why) -> JsValue {
    let taken = match inner.try_borrow_mut() {
        Ok(mut s) => match &s.state {
            State::Failed(js) => return js.clone(),
            State::Failing => None,
            _ => {
                s.state = State::Failing;
                Some((s.io.take(), s.track.take()))
            }
        },
        Err(_) => None,
    };
    let Some((io, track)) = taken else {
        return Error::new(Kind::Stream, FAILING).into_js();
    };
    let e = match why {
        Why::Error(e) => e,
        Why::Read(reason) => match &io {
            Some(io) => io.call.fail(reason, true),
            None => Error::new(Kind::Stream, "the stream was already closed").with_cause(reason),
        },
    };
    let js = e
        .redact(io.as_ref().and_then(|io| io.call.secret()))
        .into_js();
    let waiters = match inner.try_borrow_mut() {
        Ok(mut s) => {
            s.state = State::Failed(js.clone());
            std::mem::take(&mut s.waiters)
        }
        Err(_) => Vec::new(),
    };
    if let Some(t) = track {
        t.stream_failed(&js);
    }
    if let Some(mut io) = io {
        io.call.abort(&js);
        quiet(&io.reader.cancel_with_reason(&js));
        io.call.finish();
    }
    for (_, reject) in waiters {
        let _ = reject.call1(&JsValue::UNDEFINED, &js);
    }
    js
}

/// Ends the stream: keeps the result as a JavaScript object and frees the live state now (wasm
/// memory never shrinks, so it should not wait for GC); then, with the state no longer
/// borrowed (each of these runs JavaScript), records the end, reads the rest of the body and
/// settles the waiters.
fn end(inner: &RefCell<Inner>) {
    let Ok(mut s) = inner.try_borrow_mut() else {
        return;
    };
    if !matches!(s.state, State::Open) {
        return;
    }
    s.state = State::Ended;
    let io = s.io.take();
    if let Some(io) = &io {
        s.final_value = Some(io.result());
    }
    let result = s.final_value.clone();
    let track = s.track.take();
    let waiters = std::mem::take(&mut s.waiters);
    drop(s);
    let result = result.unwrap_or_else(|| Err(misuse(NO_RESULT)));
    if let Some(mut io) = io {
        io.call.finish();
        if let Some(t) = track {
            t.stream_ended(Some(&result), io.pump.delivered);
        }
        if !io.pump.eof {
            // [DONE] or message_stop arrived: read the rest of the body (normally just its
            // end) so the connection is kept for the next request, instead of cancelling it.
            crate::glue::Timer::drain(&io.reader, 5000.0);
        }
    }
    for (resolve, reject) in waiters {
        let _ = match &result {
            Ok(v) => resolve.call1(&JsValue::UNDEFINED, v),
            Err(e) => reject.call1(&JsValue::UNDEFINED, e),
        };
    }
}

impl Inner {
    /// The step that gives an ended stream's result (or its error).
    fn result_step(&self) -> Step {
        match &self.final_value {
            Some(Ok(v)) => Step::Give(v.clone()),
            Some(Err(e)) => Step::Throw(e.clone()),
            None => Step::Refuse(Kind::InvalidRequest, NO_RESULT),
        }
    }

    /// Claims the stream for consumer `mode` (see [`StreamCore::claim`]).
    fn claim(&mut self, mode: Mode, locked: bool) -> Result<(), &'static str> {
        if self.mode != Mode::Idle || locked {
            return Err(self.refusal());
        }
        self.mode = mode;
        Ok(())
    }

    /// Why a consumer cannot claim the stream once it is claimed (or locked).
    fn refusal(&self) -> &'static str {
        if self.mode == Mode::Final {
            "final() is already reading this stream; to read it as well, start reading in the same tick as calling final()"
        } else {
            "this stream is already being read; use only one of iteration, text() and toSSE() (final() works beside any)"
        }
    }

    /// Turns the bytes read so far into one batch for consumer `mode` (see
    /// [`StreamCore::drain`]); makes no JavaScript call that could run the caller's code.
    fn drain(&mut self, mode: Mode, read: Option<&[u8]>) -> Step {
        if self.mode != mode {
            if let Err(what) = self.claim(mode, false) {
                return Step::Refuse(Kind::InvalidRequest, what);
            }
        }
        match &self.state {
            State::Failed(e) => return Step::Throw(e.clone()),
            State::Ended => return Step::Give(JsValue::UNDEFINED),
            State::Failing => return Step::Refuse(Kind::Stream, FAILING),
            State::Open => {}
        }
        let Some(io) = self.io.as_mut() else {
            return Step::Give(JsValue::UNDEFINED);
        };
        if let Some(e) = io.pump.pending.take() {
            return Step::Fail(Why::Error(e));
        }
        let mut batch = Batch::default();
        let r = io.process(mode, Some(&mut batch));
        let done = io.pump.done;
        let out = match batch_value(mode, batch, read) {
            Ok(v) => v,
            Err(e) => return Step::Fail(Why::Error(e)),
        };
        match (r, out) {
            (Err(e), Some(v)) => {
                // Deliver what arrived before the error; raise it on the next drain.
                io.pump.pending = Some(e);
                Step::More(v)
            }
            (Err(e), None) => Step::Fail(Why::Error(e)),
            (Ok(_), Some(v)) if done => Step::End(v),
            (Ok(true), Some(v)) => Step::More(v),
            (Ok(false), Some(v)) => Step::Give(v),
            (Ok(_), None) if done => Step::End(JsValue::UNDEFINED),
            (Ok(_), None) => Step::Give(JsValue::NULL),
        }
    }

    /// For [`read_to_end`]: processes what was read and returns the reader to read more from,
    /// or the step that ends the loop.
    fn next_read(&mut self) -> Result<ReadableStreamDefaultReader, Step> {
        match &self.state {
            State::Failed(e) => return Err(Step::Throw(e.clone())),
            State::Ended => return Err(Step::Give(JsValue::UNDEFINED)),
            State::Failing => return Err(Step::Refuse(Kind::Stream, FAILING)),
            State::Open => {}
        }
        let mode = self.mode;
        let Some(io) = self.io.as_mut() else {
            return Err(Step::Give(JsValue::UNDEFINED));
        };
        match io.process(mode, None) {
            Err(e) => Err(Step::Fail(Why::Error(e))),
            Ok(_) if io.pump.done => Err(Step::End(JsValue::UNDEFINED)),
            Ok(_) => Ok(io.reader.clone()),
        }
    }
}

#[wasm_bindgen]
extern "C" {
    /// What a body reader's `read()` resolves to (read by plain property access: no key
    /// strings cross the boundary per read).
    type ReadResult;
    #[wasm_bindgen(method, getter)]
    fn done(this: &ReadResult) -> JsValue;
    #[wasm_bindgen(method, getter)]
    fn value(this: &ReadResult) -> JsValue;
}

/// Reads the whole stream without making chunks (for `final()` alone, and for a
/// non-streaming call whose server streamed anyway). The state is borrowed only between
/// JavaScript calls: a body read runs the body's `pull()`.
async fn read_to_end(inner: &RefCell<Inner>) -> Result<(), JsValue> {
    loop {
        let next = match inner.try_borrow_mut() {
            Ok(mut s) => s.next_read(),
            Err(_) => Err(BUSY),
        };
        let reader = match next {
            Ok(r) => r,
            Err(step) => return perform(inner, step).map(drop),
        };
        let r = JsFuture::from(reader.read()).await;
        let why = match r {
            Ok(v) => {
                let v: ReadResult = v.unchecked_into();
                let (done, value) = (v.done().as_bool() == Some(true), v.value());
                match inner.try_borrow_mut() {
                    Ok(mut s) => match s.io.as_mut() {
                        Some(io) => {
                            io.call.touch(); // this loop drives the read
                            io.on_bytes(done, &value).err().map(Why::Error)
                        }
                        None => None,
                    },
                    Err(_) => None,
                }
            }
            // Unless the stream ended or failed meanwhile (the loop's next turn says so).
            Err(e) if inner.try_borrow().is_ok_and(|s| s.io.is_some()) => Some(Why::Read(e)),
            Err(_) => None,
        };
        if let Some(why) = why {
            return Err(fail(inner, why));
        }
    }
}

impl StreamCore {
    /// Wraps a stream opened up to its first event ([`open`](crate::open::open)).
    /// `hide_empty`: keep chunks without choices from chunk consumers (see [`Io`]).
    pub fn new(proto: Endpoint, opened: Opened, mut call: Call, hide_empty: bool) -> StreamCore {
        call.start_idle();
        let Opened {
            reader,
            parser,
            queued,
            head,
            ..
        } = opened;
        let max_event_bytes = call.limits().max_event_bytes;
        let io = Io {
            reader,
            call,
            pump: Pump::new(proto, parser, queued, head, hide_empty, max_event_bytes),
            spill: Vec::new(),
        };
        StreamCore {
            inner: Rc::new(RefCell::new(Inner {
                io: Some(Box::new(io)),
                mode: Mode::Idle,
                state: State::Open,
                final_value: None,
                waiters: Vec::new(),
                final_scheduled: false,
                alone: false,
                track: None,
            })),
        }
    }

    /// Sets what the stream records when it ends or fails (see [`crate::meta::Track`]).
    pub fn tracked(self, track: crate::meta::Track) -> StreamCore {
        if let Ok(mut s) = self.inner.try_borrow_mut() {
            s.track = Some(Box::new(track));
        }
        self
    }

    /// Wraps the core in the JavaScript stream class for its protocol.
    pub fn into_js(self, proto: Endpoint) -> JsValue {
        let timer = match self.inner.try_borrow() {
            Ok(s) => s
                .io
                .as_ref()
                .and_then(|io| io.call.idle_timer())
                .map_or(JsValue::UNDEFINED, |t| AsRef::<JsValue>::as_ref(t).clone()),
            Err(_) => JsValue::UNDEFINED,
        };
        match proto {
            Endpoint::Chat | Endpoint::Embeddings | Endpoint::Models => {
                ChatStream::new(JsValue::from(self), timer).into()
            }
            Endpoint::Messages => MessageStream::new(JsValue::from(self), timer).into(),
        }
    }

    /// Drains the whole stream and returns the accumulated result (for a non-streaming call
    /// whose server streamed anyway).
    pub async fn collect(self) -> Result<JsValue, JsValue> {
        if let Ok(mut s) = self.inner.try_borrow_mut() {
            s.mode = Mode::Final;
        }
        read_to_end(&self.inner).await?;
        let step = match self.inner.try_borrow() {
            Ok(s) => s.result_step(),
            Err(_) => BUSY,
        };
        perform(&self.inner, step)
    }
}

impl StreamCore {
    /// What [`drain`](Self::drain), [`feed`](Self::feed) and [`feed_bytes`](Self::feed_bytes)
    /// share: `take` hands the read (its bytes are `read`, when wasm memory holds them) to the
    /// stream's I/O, then the stream drains for `mode`.
    fn feed_with(
        &self,
        mode: u8,
        read: Option<&[u8]>,
        take: impl FnOnce(&mut Io) -> Result<(), Error>,
    ) -> Result<JsValue, JsValue> {
        let step = match (self.inner.try_borrow_mut(), Mode::from_code(mode)) {
            (_, None) => Step::Refuse(Kind::InvalidRequest, UNKNOWN_MODE),
            (Ok(mut s), Some(mode)) => match s.io.as_deref_mut().map(take) {
                Some(Err(e)) => Step::Fail(Why::Error(e)),
                _ => s.drain(mode, read),
            },
            (Err(_), _) => BUSY,
        };
        perform(&self.inner, step)
    }
}

// Every method below borrows the stream's state only while it makes no JavaScript call that
// could run the caller's code (which may call the stream again); what it decided is done
// once the borrow is over (see [`Step`]).
#[wasm_bindgen]
impl StreamCore {
    /// Claims the stream for a consumer by name: "reader" (the stream's reader), "text"
    /// (`text()`), "sse" (`toSSE()`), "iter" (the stream's async iterator) or "partial"
    /// (`partial()`). `locked` is whether the stream already has a reader. Returns the code to
    /// pass to [`drain`](Self::drain) and [`feed`](Self::feed).
    pub fn claim(&self, name: &str, locked: bool) -> Result<u8, JsValue> {
        let Some(mode) = Mode::named(name) else {
            return perform(&self.inner, Step::Refuse(Kind::InvalidRequest, UNKNOWN_MODE)).map(|_| 0);
        };
        let step = match self.inner.try_borrow_mut() {
            Ok(mut s) => match s.claim(mode, locked) {
                Ok(()) => return Ok(mode.code()),
                Err(what) => Step::Refuse(Kind::InvalidRequest, what),
            },
            Err(_) => BUSY,
        };
        perform(&self.inner, step).map(|_| 0)
    }

    /// Returns the chunks the bytes read so far hold for the consumer whose code `mode` is, as
    /// one batch: an array of parsed chunks ("reader", "iter"; "partial": parsed values), a
    /// string ("text") or a `Uint8Array` ("sse"). Returns `null` when
    /// more bytes are needed ([`read`](Self::read) then [`feed`](Self::feed)), and `undefined`
    /// once the stream has ended. Throws the stream's error.
    pub fn drain(&self, mode: u8) -> Result<JsValue, JsValue> {
        self.feed_with(mode, None, |_| Ok(()))
    }

    /// Returns the response body's reader (JavaScript awaits its `read()` directly), or
    /// `undefined` once the stream is over.
    pub fn reader(&self) -> JsValue {
        match self.inner.try_borrow().as_deref() {
            Ok(Inner { io: Some(io), .. }) => io.reader.clone().into(),
            _ => JsValue::UNDEFINED,
        }
    }

    /// Hands a body read's result to the parser, then drains like [`drain`](Self::drain). The
    /// caller (JavaScript's read loop) restarted the idle clock for this read.
    pub fn feed(&self, done: bool, value: JsValue, mode: u8) -> Result<JsValue, JsValue> {
        self.feed_with(mode, None, |io| io.on_bytes(done, &value))
    }

    /// [`feed`](Self::feed) for a read that gave a `Uint8Array`: wasm-bindgen copies it into
    /// wasm memory in one `set`, where `feed` asks JavaScript for its length and then to copy
    /// it (two calls out of wasm per read). For "sse", `true` stands for these very bytes
    /// (see [`batch_value`]): JavaScript enqueues the read it has, not a copy.
    #[wasm_bindgen(js_name = feedBytes)]
    pub fn feed_bytes(&self, bytes: &[u8], mode: u8) -> Result<JsValue, JsValue> {
        self.feed_with(mode, Some(bytes), |io| io.on_slice(bytes))
    }

    /// Turns a failed body read into the stream's error (timeout, abort or network), ends the
    /// stream and returns the error to throw.
    pub fn fail(&self, reason: JsValue) -> JsValue {
        fail(&self.inner, Why::Read(reason))
    }

    /// Cancels the stream (reader `cancel()`, `break` out of `for await`): aborts the fetch.
    pub fn cancel(&self, reason: JsValue) {
        if self
            .inner
            .try_borrow()
            .is_ok_and(|s| matches!(s.state, State::Open))
        {
            let e = Error::new(Kind::Aborted, "the stream was cancelled before it finished")
                .with_cause(reason);
            fail(&self.inner, Why::Error(e));
        }
    }

    /// Returns why a new consumer could not claim the stream now (the text of the error
    /// [`claim`](Self::claim) would throw), or `undefined` when one could. An ended stream's
    /// JavaScript side keeps this text and makes the error only if someone asks
    /// ([`misuse`](Self::misuse)): an error (its stack formatted) costs more than the rest of a
    /// short stream's end.
    pub fn refusal(&self) -> JsValue {
        match self.inner.try_borrow() {
            Ok(s) if s.mode == Mode::Idle => JsValue::UNDEFINED,
            Ok(s) => JsValue::from_str(s.refusal()),
            Err(_) => JsValue::UNDEFINED,
        }
    }

    /// The `invalid_request` error for a misuse whose text [`refusal`](Self::refusal) gave.
    pub fn misuse(text: &str) -> JsValue {
        misuse(text)
    }

    /// Returns the answer's token usage once the stream ended (`undefined` before, or when
    /// the server sent none). It reaches JavaScript even when the usage chunk is kept from
    /// chunk consumers.
    pub fn usage(&self) -> JsValue {
        let v = match self.inner.try_borrow().as_deref() {
            Ok(Inner {
                state: State::Ended,
                final_value: Some(Ok(v)),
                ..
            }) => v.clone(),
            _ => return JsValue::UNDEFINED,
        };
        let u = get(&v, "usage");
        if u.is_null() {
            JsValue::UNDEFINED
        } else {
            u
        }
    }

    /// Returns a promise of the whole result. Alone it reads the stream itself; beside another
    /// consumer it resolves when that one reaches the end.
    #[wasm_bindgen(js_name = final)]
    pub fn final_(&self, locked: bool) -> Promise {
        let now = match self.inner.try_borrow() {
            Ok(s) => match &s.state {
                State::Failed(e) => Some(Step::Throw(e.clone())),
                State::Ended => Some(s.result_step()),
                // A failing stream rejects this once its error exists.
                State::Open | State::Failing => None,
            },
            Err(_) => Some(BUSY),
        };
        if let Some(step) = now {
            return match perform(&self.inner, step) {
                Ok(v) => Promise::resolve(&v),
                Err(e) => Promise::reject(&e),
            };
        }
        let mut slot = None;
        let p = Promise::new(&mut |resolve, reject| slot = Some((resolve, reject)));
        let Some(waiter) = slot else {
            return p;
        };
        let Ok(mut s) = self.inner.try_borrow_mut() else {
            return p;
        };
        s.waiters.push(waiter);
        if s.mode == Mode::Idle && !locked && !s.final_scheduled {
            // Decide on the next macrotask: iteration, text() or toSSE() started in the same
            // tick takes the stream and this resolves at its end; otherwise final() reads the
            // stream itself (without making any JavaScript chunk objects). A microtask is too
            // early: Node's async iterator issues its first read a microtask later.
            // JavaScript runs that macrotask ([`alone`](Self::alone), then
            // [`start_alone`](Self::start_alone)) and its read loop: one promise per read, the
            // body's, where a Rust future costs two closures and a promise more.
            s.final_scheduled = true;
            s.alone = true;
        }
        p
    }

    /// Tells (once) whether the `final()` just called must read the stream itself if nothing
    /// else starts reading it by the next macrotask.
    pub fn alone(&self) -> bool {
        self.inner
            .try_borrow_mut()
            .is_ok_and(|mut s| std::mem::take(&mut s.alone))
    }

    /// On that macrotask: claims the stream for `final()` alone unless another consumer took
    /// it or it is over, and returns the code JavaScript then drains it with (no chunks) to
    /// the end, which settles `final()`.
    #[wasm_bindgen(js_name = startAlone)]
    pub fn start_alone(&self) -> Option<u8> {
        let mut s = self.inner.try_borrow_mut().ok()?;
        let idle = s.mode == Mode::Idle && matches!(s.state, State::Open);
        if idle {
            s.mode = Mode::Final;
        }
        idle.then_some(Mode::Final.code())
    }
}
