//! One call's lifetime: the abort controller that the caller's signal, the whole-call timeout
//! and the idle timeout all feed, and the errors a JavaScript rejection stands for.

use crate::error::{Error, Kind};
use crate::glue::Timer;
use crate::jserror::JsError;
use crate::jsval::get;
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use web_sys::{AbortController, AbortSignal};

// The abort reasons glue.js's Timer uses (written there, so that no string crosses per call).
const TIMEOUT: &str = "aibadgr:timeout";
const IDLE: &str = "aibadgr:idle";

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
        let deadline = Some(Timer::new(timeout_ms, &ctrl, idle_ms));
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
                t.idle(self.idle_ms);
            }
        }
    }

    /// The timer whose `touch()` restarts the idle clock, once it runs (JavaScript's read
    /// loops touch it themselves: no call out of wasm per read).
    pub fn idle_timer(&self) -> Option<&Timer> {
        self.deadline.as_ref().filter(|_| self.idle)
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
        m.push_str(crate::text::truncate(&msg, 200));
        if let Some(d) = detail {
            m.push_str(": ");
            m.push_str(crate::text::truncate(&d, 200));
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
