//! The network layer: the global `fetch` (or the caller's), one abort controller per call
//! that the caller's signal and both timeouts feed, and the retry loop.

use crate::config::Config;
use crate::error::{Error, Kind};
use crate::glue::Timer;
use crate::jsval::get;
use crate::retry;
use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Response};

const TIMEOUT: &str = "aibadgr:timeout";
const IDLE: &str = "aibadgr:idle";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(url: &str, init: &Object) -> Result<JsValue, JsValue>;
    /// JavaScript's `Number(text)`: NaN for anything that is not a number.
    #[wasm_bindgen(js_name = Number)]
    fn to_number(text: &str) -> f64;
}

/// One logical call (all its attempts and its body): owns the abort controller that the
/// caller's signal, the whole-call timeout and the idle timeout all trigger.
pub struct Call {
    ctrl: AbortController,
    unlink: Option<Function>,
    /// The deadline and, once the headers arrived, the idle timeout: one timer.
    deadline: Option<Timer>,
    idle: bool,
    timeout_ms: f64,
    idle_ms: f64,
    secret: Option<String>,
    limits: crate::limits::Limits,
}

impl Call {
    /// Starts a call. Fails at once (nothing sent) if `signal` is already aborted.
    pub fn start(
        signal: Option<&AbortSignal>,
        timeout_ms: f64,
        idle_ms: f64,
        secret: Option<String>,
    ) -> Result<Call, Error> {
        if let Some(s) = signal {
            if s.aborted() {
                return Err(aborted(s.reason()));
            }
        }
        let ctrl = AbortController::new()
            .map_err(|e| Error::new(Kind::Config, "this runtime has no AbortController; use a current browser, Node 18+, Deno or Workers").with_cause(e))?;
        let unlink = signal.map(|s| Timer::link(s, &ctrl));
        let deadline = Some(Timer::new(timeout_ms, &ctrl, TIMEOUT));
        let limits = crate::limits::Limits::default();
        Ok(Call {
            ctrl,
            unlink,
            deadline,
            idle: false,
            timeout_ms,
            idle_ms,
            secret,
            limits,
        })
    }

    /// Sets the buffer limits (`maxEventBytes`, `maxBodyBytes`) this call's bodies obey.
    pub fn set_limits(&mut self, limits: crate::limits::Limits) {
        self.limits = limits;
    }

    /// Returns the buffer limits this call's bodies obey.
    pub fn limits(&self) -> crate::limits::Limits {
        self.limits
    }

    /// Returns the signal every fetch and body read of this call uses.
    pub fn signal(&self) -> AbortSignal {
        self.ctrl.signal()
    }

    /// Starts the idle timer (once the stream's headers arrived).
    pub fn start_idle(&mut self) {
        if !self.idle {
            self.idle = true;
            if let Some(t) = &self.deadline {
                t.idle(self.idle_ms, IDLE);
            }
        }
    }

    /// Records that data arrived, restarting the idle clock.
    pub fn touch(&self) {
        if let (true, Some(t)) = (self.idle, &self.deadline) {
            t.touch();
        }
    }

    /// Aborts the network request (stream cancelled by the reader, or an error).
    pub fn abort(&self, reason: &JsValue) {
        if !self.ctrl.signal().aborted() {
            self.ctrl.abort_with_reason(reason);
        }
    }

    /// Ends the call's timers and detaches it from the caller's signal. Idempotent.
    pub fn finish(&mut self) {
        if let Some(t) = self.deadline.take() {
            t.stop();
        }
        if let Some(f) = self.unlink.take() {
            let _ = f.call0(&JsValue::UNDEFINED);
        }
    }

    /// Returns the API key, for redaction.
    pub fn secret(&self) -> Option<&str> {
        self.secret.as_deref()
    }

    /// Turns a JavaScript rejection (from fetch, a body read, or a wait) into an error,
    /// using the abort reason to tell a timeout or the caller's abort from a network failure.
    pub fn fail(&self, js: JsValue, reading_body: bool) -> Error {
        let sig = self.ctrl.signal();
        let e = if sig.aborted() {
            let reason = sig.reason();
            match reason.as_string().as_deref() {
                Some(TIMEOUT) => {
                    let mut m = String::from("the request took longer than timeoutMs (");
                    crate::json::push_u64(&mut m, self.timeout_ms as u64);
                    m.push_str(" ms); raise timeoutMs or ask for less output");
                    Error::new(Kind::Timeout, m)
                }
                Some(IDLE) => {
                    let mut m = String::from("the stream sent nothing for idleTimeoutMs (");
                    crate::json::push_u64(&mut m, self.idle_ms as u64);
                    m.push_str(" ms); the server or the network stalled, so it was closed");
                    Error::new(Kind::Timeout, m)
                }
                _ => aborted(reason),
            }
        } else {
            network(&js, reading_body)
        };
        e.redact(self.secret())
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Marks a fire-and-forget promise as handled (Node ends the process on unhandled rejections).
pub fn quiet(p: &Promise) {
    Timer::quiet(p);
}

/// Resolves after `ms`, or rejects as soon as `signal` aborts.
pub fn sleep(ms: f64, signal: &AbortSignal) -> Promise {
    Timer::sleep(ms, signal)
}

/// Creates the error for a caller's abort: `name` "AbortError", kind "aborted".
pub fn aborted(reason: JsValue) -> Error {
    Error::new(Kind::Aborted, "the request was aborted by its signal").with_cause(reason)
}

fn network(js: &JsValue, reading_body: bool) -> Error {
    let mut m = String::from(if reading_body {
        "the connection broke while the response was being read"
    } else {
        "could not reach the server"
    });
    let msg = get(js, "message").as_string();
    let cause = get(js, "cause");
    let detail = get(&cause, "code")
        .as_string()
        .or_else(|| get(&cause, "message").as_string());
    if let Some(msg) = msg.filter(|s| !s.is_empty()) {
        m.push_str(" (");
        m.push_str(crate::error::truncate(&msg, 200));
        if let Some(d) = detail {
            m.push_str(": ");
            m.push_str(crate::error::truncate(&d, 200));
        }
        m.push(')');
    }
    if !reading_body {
        m.push_str("; check baseUrl and the network (in a browser, also CORS)");
    }
    let mut e = Error::new(Kind::Network, m).with_cause(js.clone());
    e.retryable = !reading_body;
    e
}

/// A prepared request: URL, header object and JSON body, reused across attempts.
pub struct Prepared {
    /// The full URL.
    pub url: String,
    /// The headers as a plain JavaScript object.
    pub headers: Object,
    /// The JSON body text.
    pub body: JsValue,
}

impl Prepared {
    /// Builds the header object once for all attempts.
    pub fn new(url: String, headers: &[(String, String)], body: JsValue) -> Prepared {
        // Names and values hold no NUL (config checks them): one string, one call.
        let mut pairs = String::new();
        for (k, v) in headers {
            for part in [k, v] {
                pairs.push_str(part);
                pairs.push('\0');
            }
        }
        let h = crate::glue::Shape::headers(&pairs);
        Prepared {
            url,
            headers: h,
            body,
        }
    }
}

async fn fetch_once(cfg: &Config, call: &Call, req: &Prepared) -> Result<Response, Error> {
    // A request without a body (`models()`) is a GET.
    let init = crate::glue::Shape::init(&req.headers, &req.body, &call.signal());
    let started = match &cfg.fetch {
        Some(f) => f.call2(&JsValue::UNDEFINED, &JsValue::from_str(&req.url), &init),
        None => global_fetch(&req.url, &init),
    };
    let p = match started {
        Ok(v) => Promise::resolve(&v),
        Err(e) => Promise::reject(&e),
    };
    let v = JsFuture::from(p).await.map_err(|e| call.fail(e, false))?;
    if !v.is_object() || !get(&v, "status").as_f64().is_some() {
        return Err(Error::new(
            Kind::Config,
            "the fetch option returned something that is not a Response",
        ));
    }
    Ok(v.unchecked_into())
}

/// Returns a response header, if present.
pub fn header(resp: &Response, name: &str) -> Option<String> {
    resp.headers().get(name).ok().flatten()
}

/// Returns the request id: `x-request-id` (OpenAI style), else `request-id` (Anthropic style).
pub fn request_id(resp: &Response) -> Option<String> {
    header(resp, "x-request-id").or_else(|| header(resp, "request-id"))
}

/// Reads a response body as text (abortable through the call's signal), failing past
/// `maxBodyBytes` without holding more than that.
pub async fn text(call: &Call, resp: &Response) -> Result<String, Error> {
    crate::body::text(call, resp).await
}

async fn error_from(call: &Call, resp: &Response) -> Error {
    let status = resp.status();
    let body = match crate::body::head(call, resp).await {
        Ok(t) => t,
        Err(e) if matches!(e.kind, Kind::Aborted | Kind::Timeout) => return e,
        Err(_) => String::new(),
    };
    let mut e = Error::from_response(status, &body, request_id(resp)).redact(call.secret());
    e.response = Some(Box::new(crate::meta::Meta::from_response(
        resp,
        call.secret(),
        true,
    )));
    e.retryable = retry::should_retry(status, header(resp, "x-should-retry").as_deref());
    let number = |s: Option<String>| {
        s.filter(|s| !s.trim().is_empty())
            .map(|s| to_number(s.trim()))
            .filter(|n| !n.is_nan())
    };
    let ra = header(resp, "retry-after");
    let secs = number(ra.clone());
    let date = if secs.is_none() {
        ra.map(|s| js_sys::Date::parse(&s) - js_sys::Date::now())
            .filter(|v| !v.is_nan())
    } else {
        None
    };
    e.retry_after_ms =
        retry::server_wait_ms(number(header(resp, "retry-after-ms")), secs, date).map(|v| v as u32);
    e
}

/// Sends `req` with retries: network failures before a response, and retryable statuses,
/// are retried while `retries` (the retries made so far) is below `max_retries`, waiting the
/// server's `retry-after` or backoff. Returns the first 2xx response. `attempts` counts every
/// request made (for `response`).
pub async fn send(
    cfg: &Config,
    call: &Call,
    req: &Prepared,
    max_retries: u32,
    retries: &mut u32,
    attempts: &mut u32,
) -> Result<Response, Error> {
    loop {
        *attempts += 1;
        let err = match fetch_once(cfg, call, req).await {
            Ok(resp) if (200..300).contains(&resp.status()) => return Ok(resp),
            Ok(resp) => error_from(call, &resp).await,
            Err(e) => e,
        };
        if !err.retryable || *retries >= max_retries {
            return Err(err);
        }
        pause(cfg, call, &err, *retries, max_retries).await?;
        *retries += 1;
    }
}

/// Waits before the retry after `retries_done` retries (logged): the server's `retry-after`,
/// else backoff. Fails as soon as the call is aborted or times out.
pub async fn pause(
    cfg: &Config,
    call: &Call,
    err: &Error,
    retries_done: u32,
    max_retries: u32,
) -> Result<(), Error> {
    let wait = match err.retry_after_ms {
        Some(ms) => f64::from(ms),
        None => retry::backoff_ms(retries_done, js_sys::Math::random()),
    };
    cfg.log.log(crate::log::Level::Warn, &|| {
        crate::log::retry(retries_done + 1, max_retries, wait as u64, &err.message)
    });
    JsFuture::from(Timer::sleep(wait, &call.signal()))
        .await
        .map(drop)
        .map_err(|e| call.fail(e, false))
}
