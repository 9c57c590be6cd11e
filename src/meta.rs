//! `result.response`: what the HTTP exchange behind a result looked like (status, headers,
//! request id, attempts, model, time, rate limits), attached as a non-enumerable property so
//! `JSON.stringify(result)` is unchanged. Also what a stream records when it ends.

use crate::jsval::{get, set};
use crate::log::{self, Level};
use crate::logger::Logger;
use crate::ratelimit::{self, RateLimit};
use crate::usage::{self, Totals, Usage};
use js_sys::{Object, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Response;

/// The response metadata of one call.
#[derive(Clone, Debug)]
pub struct Meta {
    /// The HTTP status.
    pub status: u16,
    /// The response headers: a plain object (lowercase names; values holding the API key are
    /// redacted) for an error, else the `Headers` object, copied only when `headers` is read.
    pub headers: JsValue,
    /// Whether `headers` is still the `Headers` object.
    lazy: bool,
    /// Whether the request id and rate limits are still to be read from `headers` (a
    /// successful call's metadata is read when `response` is first read; see [`Meta::attach`]).
    deferred: bool,
    /// `x-request-id`, else `request-id`.
    pub request_id: Option<String>,
    /// HTTP requests made for the call: retries and fallback models included.
    pub attempts: u32,
    /// The model the answering request was sent with (after fallback; tier names as sent).
    pub model: Option<String>,
    /// `Date.now()` when the call started.
    pub started: f64,
    /// `Date.now()` when the result was complete (for a stream object: its headers).
    pub ended: f64,
    /// The rate-limit headers, parsed.
    pub rate_limit: Option<RateLimit>,
}

impl Meta {
    /// Reads status, headers, request id and rate limits from a response. With `eager` (an
    /// error's response) the headers are copied now and checked for the key; otherwise they are
    /// copied when read (copying a `Headers` costs more than the rest of a call's bookkeeping).
    #[inline(never)]
    pub fn from_response(resp: &Response, secret: Option<&str>, eager: bool) -> Meta {
        let mut m = Meta::deferred(resp);
        m.read_deferred(eager);
        let headers = &m.headers;
        if let Some(s) = secret.filter(|s| s.len() >= 4 && !m.lazy) {
            let text = js_sys::JSON::stringify(headers)
                .ok()
                .and_then(|t| t.as_string())
                .unwrap_or_default();
            if crate::text::contains(&text, s) {
                for k in crate::jsval::keys(headers) {
                    if get(headers, &k).as_string().is_some_and(|v| crate::text::contains(&v, s)) {
                        set(headers, &k, &JsValue::from_str(crate::redact::mark(s)));
                    }
                }
            }
        }
        m
    }

    /// Reads only the status now: the request id and rate limits are read from the headers
    /// when `response` is first read (most callers never read it, and reading headers is most
    /// of what the metadata costs). For a successful response, whose headers need no redaction.
    #[inline(never)]
    pub fn deferred(resp: &Response) -> Meta {
        let now = js_sys::Date::now();
        Meta {
            status: resp.status(),
            headers: resp.headers().into(),
            lazy: true,
            deferred: true,
            request_id: None,
            attempts: 1,
            model: None,
            started: now,
            ended: now,
            rate_limit: None,
        }
    }

    /// Reads what [`Meta::deferred`] left in the headers: request id and rate limits; copies
    /// the headers into a plain object when `copy` (or when they cannot be copied later).
    #[inline(never)]
    fn read_deferred(&mut self, copy: bool) {
        if !std::mem::take(&mut self.deferred) {
            return;
        }
        let h: &web_sys::Headers = self.headers.unchecked_ref();
        let find = |n: &str| h.get(n).ok().flatten();
        self.rate_limit = ratelimit::parse(find, |d| {
            Some(js_sys::Date::parse(d) - js_sys::Date::now()).filter(|v| !v.is_nan())
        });
        self.request_id = find("x-request-id").or_else(|| find("request-id"));
        if copy || !Reflect::has(&self.headers, &js_sys::Symbol::iterator()).unwrap_or(false) {
            self.lazy = false;
            self.headers = Object::from_entries(&self.headers)
                .map(JsValue::from)
                .unwrap_or_else(|_| Object::new().into());
        }
    }

    /// Milliseconds from the call's start to its end.
    pub fn elapsed_ms(&self) -> f64 {
        (self.ended - self.started).max(0.0)
    }

    /// Builds `{ status, headers, requestId, attempts, model, elapsedMs, rateLimit }`.
    #[inline(never)]
    pub fn to_js(&self) -> JsValue {
        let o: JsValue = Object::new().into();
        set(&o, "status", &JsValue::from(self.status));
        if self.lazy {
            // A getter: `Object.fromEntries.bind(Object, headers)`.
            let object = get(&js_sys::global(), "Object");
            let from = get(&object, "fromEntries");
            if let Ok(f) = from.dyn_into::<js_sys::Function>() {
                let desc = Object::new();
                set(&desc, "get", &f.bind1(&object, &self.headers));
                set(&desc, "enumerable", &JsValue::TRUE);
                set(&desc, "configurable", &JsValue::TRUE);
                let _ = Reflect::define_property(
                    o.unchecked_ref::<Object>(),
                    &JsValue::from_str("headers"),
                    &desc,
                );
            }
        } else {
            set(&o, "headers", &self.headers);
        }
        let opt = |v: &Option<String>| v.as_deref().map_or(JsValue::UNDEFINED, JsValue::from_str);
        set(&o, "requestId", &opt(&self.request_id));
        set(&o, "attempts", &JsValue::from(self.attempts));
        set(&o, "model", &opt(&self.model));
        set(&o, "elapsedMs", &JsValue::from(self.elapsed_ms()));
        let rl = match &self.rate_limit {
            Some(r) => js_sys::JSON::parse(&r.to_json()).unwrap_or(JsValue::UNDEFINED),
            None => JsValue::UNDEFINED,
        };
        set(&o, "rateLimit", &rl);
        o
    }

    /// Defines `target.response` (non-enumerable, so JSON and spreads leave it out). Deferred
    /// metadata becomes a getter that builds the object when first read.
    #[inline(never)]
    pub fn attach(&self, target: &JsValue) {
        if !target.is_object() {
            return;
        }
        if self.deferred {
            BUILD.with(|build| {
                crate::glue::Shape::response(
                    target,
                    &self.headers,
                    self.status,
                    self.attempts,
                    self.model.as_deref(),
                    self.elapsed_ms(),
                    build,
                )
            });
            return;
        }
        let desc = Object::new();
        set(&desc, "value", &self.to_js());
        set(&desc, "configurable", &JsValue::TRUE);
        set(&desc, "writable", &JsValue::TRUE);
        let _ = Reflect::define_property(
            target.unchecked_ref::<js_sys::Object>(),
            &JsValue::from_str("response"),
            &desc,
        );
    }
}

thread_local! {
    /// Builds a deferred `response` object from `[headers, status, attempts, model, elapsedMs]`
    /// (one function for the whole module, so a call creates no closure of its own).
    static BUILD: JsValue = Closure::<dyn Fn(JsValue) -> JsValue>::new(|parts: JsValue| {
        let at = |i| Reflect::get_u32(&parts, i).unwrap_or(JsValue::UNDEFINED);
        let num = |i| at(i).as_f64().unwrap_or(0.0);
        let mut m = Meta {
            status: num(1) as u16,
            headers: at(0),
            lazy: true,
            deferred: true,
            request_id: None,
            attempts: num(2) as u32,
            model: at(3).as_string(),
            started: 0.0,
            ended: num(4),
            rate_limit: None,
        };
        m.read_deferred(false);
        m.to_js()
    })
    .into_js_value();
}

/// Returns a response header, if present.
pub fn header(resp: &Response, name: &str) -> Option<String> {
    resp.headers().get(name).ok().flatten()
}

/// Returns the request id: `x-request-id` (OpenAI style), else `request-id` (Anthropic style).
pub fn request_id(resp: &Response) -> Option<String> {
    header(resp, "x-request-id").or_else(|| header(resp, "request-id"))
}

/// Reads the usage of a result object (`result.usage`) in the normalized shape. The object's
/// JSON is read in Rust (one crossing instead of one per field); a count that is not a plain
/// whole number there (a fraction, an exponent) is read from the object itself, as before.
#[inline(never)]
pub fn usage_of(result: &JsValue) -> Option<Usage> {
    let u = get(result, "usage");
    if !u.is_object() {
        return None;
    }
    let text = js_sys::JSON::stringify(&u).ok().and_then(|t| t.as_string());
    if let Some(Ok(found)) = text.as_deref().map(usage::from_json_text) {
        return found;
    }
    usage_in(&u)
}

/// The usage of a result whose `usage` member's JSON text Rust holds (it read the body): read
/// from that text (no crossing), else from the object as [`usage_of`] does.
fn usage_from(result: &JsValue, text: Option<&str>) -> Option<Usage> {
    match text.map(usage::from_json_text) {
        Some(Ok(found)) => found,
        _ => usage_of(result),
    }
}

/// Reads the normalized usage field by field from a `usage` object.
fn usage_in(u: &JsValue) -> Option<Usage> {
    usage::normalize(&|path| {
        // At most one level of nesting ("prompt_tokens_details.cached_tokens").
        let v = match path.bytes().position(|b| b == b'.') {
            Some(i) => get(&get(u, path.get(..i)?), path.get(i + 1..)?),
            None => get(u, path),
        };
        v.as_f64()
    })
}

/// What a successful call records: metadata on the result, the usage totals, a log line.
pub struct Track {
    /// The metadata to attach.
    pub meta: Meta,
    /// The client's totals.
    pub totals: Rc<RefCell<Totals>>,
    /// The client's logger.
    pub log: Logger,
    /// Whether the call counts toward `client.usage` (`models()` does not).
    pub counts: bool,
}

impl Track {
    /// Records a whole result: attaches `response`, adds its usage (read from `usage`, the JSON
    /// text of its `usage` member, when Rust read the body), logs its body at debug.
    #[inline(never)]
    pub fn result(mut self, v: &JsValue, usage: Option<&str>) {
        self.meta.ended = js_sys::Date::now();
        self.meta.attach(v);
        if self.counts {
            let model = self.meta.model.clone().unwrap_or_default();
            // Read first: `v.usage` may be a getter (on `Object.prototype`) that reads the totals.
            let usage = usage_from(v, usage);
            if let Ok(mut t) = self.totals.try_borrow_mut() {
                t.add(&model, usage);
            }
        }
        self.log.log(Level::Debug, &|| {
            let text = js_sys::JSON::stringify(v)
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_default();
            log::body("response body", &text)
        });
    }

    /// Records a stream's end (the log line waits for a microtask, so the logger runs after
    /// the read that ended the stream). `events` counts the events the stream delivered.
    #[inline(never)]
    pub fn stream_ended(mut self, result: Option<&Result<JsValue, JsValue>>, events: usize) {
        self.meta.ended = js_sys::Date::now();
        let v = match result {
            Some(Ok(v)) => v,
            Some(Err(e)) => return self.stream_failed(e),
            None => return,
        };
        self.meta.attach(v);
        let usage = usage_of(v);
        if self.counts {
            let model = self.meta.model.clone().unwrap_or_default();
            if let Ok(mut t) = self.totals.try_borrow_mut() {
                t.add(&model, usage);
            }
        }
        let ms = self.meta.elapsed_ms() as u64;
        self.log
            .later(Level::Info, &|| log::stream_end(events as u64, ms, usage));
    }

    /// Logs a stream that broke (on a microtask, like [`Track::stream_ended`]).
    #[inline(never)]
    pub fn stream_failed(mut self, err: &JsValue) {
        self.meta.ended = js_sys::Date::now();
        self.meta.attach(err);
        self.log.later(Level::Error, &|| {
            let kind = get(err, "kind")
                .as_string()
                .unwrap_or_else(|| "stream".into());
            let status = get(err, "status").as_f64().map(|s| s as u16);
            log::failed(
                &kind,
                status,
                &get(err, "message").as_string().unwrap_or_default(),
            )
        });
    }
}
