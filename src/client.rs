//! The `AiBadgr` class: the only surface JavaScript sees (besides the stream and error
//! classes). Each method checks and snapshots the request synchronously, then returns a
//! promise that does the network work.

use crate::body::{is_event_stream, parse_body};
use crate::embed;
use crate::job::{Job, Op};
use crate::error::{Error, Kind};
use crate::fetch::{self, Call, Prepared};
use crate::jserror::JsError;
use crate::jsval::{get, set};
use crate::log::{self, Level};
use crate::meta::{Meta, Track};
use crate::open;
use crate::options::{self, CallSetup, Setup};
use crate::plan::{Plan, Step};
use crate::stream::StreamCore;
use crate::usage::Totals;
use crate::validate;
use js_sys::Promise;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::{AbortSignal, Response};

/// A client for AI Badgr. `new AiBadgr({ apiKey, baseUrl, model, ... })`.
#[wasm_bindgen]
pub struct AiBadgr {
    pub(crate) cfg: Rc<Setup>,
    totals: Rc<RefCell<Totals>>,
}

#[wasm_bindgen]
impl AiBadgr {
    /// Creates a client. Throws an `AiBadgrError` of kind "config" for unusable options.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<AiBadgr, JsValue> {
        Self::build(&options, &JsValue::UNDEFINED, false)
    }

    /// Creates a client from an environment object (a Worker's `env`), falling back to
    /// `process.env`: `AIBADGR_API_KEY` (required) and `AIBADGR_BASE_URL`.
    #[wasm_bindgen(js_name = fromEnv)]
    pub fn from_env(env: JsValue, options: JsValue) -> Result<AiBadgr, JsValue> {
        Self::build(&options, &env, true)
    }

    /// Creates a chat completion: `POST {baseUrl}/chat/completions`.
    pub fn chat(&self, request: JsValue, options: JsValue) -> Promise {
        self.start(Op::CHAT, &request, &options)
    }

    /// Streams a chat completion; resolves to a `ChatStream` once the headers arrived.
    #[wasm_bindgen(js_name = chatStream)]
    pub fn chat_stream(&self, request: JsValue, options: JsValue) -> Promise {
        self.start(Op::CHAT_STREAM, &request, &options)
    }

    /// Creates embeddings: `POST {baseUrl}/embeddings`. Vectors arrive as `Float32Array`s
    /// unless the request sets `encoding_format`.
    pub fn embed(&self, request: JsValue, options: JsValue) -> Promise {
        self.start(Op::EMBED, &request, &options)
    }

    /// Creates a message with the Anthropic-compatible API: `POST {baseUrl}/messages`.
    pub fn messages(&self, request: JsValue, options: JsValue) -> Promise {
        self.start(Op::MESSAGES, &request, &options)
    }

    /// Streams a message; resolves to a `MessageStream` once the headers arrived.
    #[wasm_bindgen(js_name = messagesStream)]
    pub fn messages_stream(&self, request: JsValue, options: JsValue) -> Promise {
        self.start(Op::MESSAGES_STREAM, &request, &options)
    }

    /// Lists the models the server offers: `GET {baseUrl}/models`, with the same retries,
    /// timeouts and errors as every call. Resolves to `{ object, data: [{ id, ... }] }`.
    pub fn models(&self, options: JsValue) -> Promise {
        let CallSetup { opts, signal } = match options::call(&options) {
            Ok(o) => o,
            Err(e) => {
                return Promise::reject(&e.redact(self.cfg.config.api_key.as_deref()).into_js())
            }
        };
        self.spawn(Job::models(opts), signal)
    }

    /// Token usage since the client was made (or `resetUsage()`): `{ total, models }`, each
    /// `{ requests, promptTokens, completionTokens, totalTokens, cachedTokens }`; streams count
    /// once they end.
    #[wasm_bindgen(getter)]
    pub fn usage(&self) -> JsValue {
        let Ok(text) = self.totals.try_borrow().map(|t| t.to_json()) else {
            return JsValue::UNDEFINED;
        };
        js_sys::JSON::parse(&text).unwrap_or(JsValue::UNDEFINED)
    }

    /// Sets every usage total back to zero.
    #[wasm_bindgen(js_name = resetUsage)]
    pub fn reset_usage(&self) {
        if let Ok(mut t) = self.totals.try_borrow_mut() {
            t.reset();
        }
    }

    /// The base URL requests go to.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.cfg.config.base_url.clone()
    }
}

impl AiBadgr {
    fn build(options: &JsValue, env: &JsValue, need_key: bool) -> Result<AiBadgr, JsValue> {
        let cfg = options::client(options, env).map_err(Error::into_js)?;
        if need_key && cfg.config.api_key.is_none() {
            return Err(Error::config(
                "AIBADGR_API_KEY",
                "is not set in env or process.env; set it (for a Worker: wrangler secret put AIBADGR_API_KEY) or pass { apiKey }",
            )
            .into_js());
        }
        if cfg.config.api_key.is_some() && !cfg.config.allow_browser && in_browser_page() {
            return Err(Error::config(
                "apiKey",
                "in a browser page shows your key to every visitor; call AI Badgr through a server or Worker that holds the key (leave apiKey out and point baseUrl at it), or pass allowBrowser: true to accept the risk",
            )
            .into_js());
        }
        Ok(AiBadgr {
            cfg: Rc::new(cfg),
            totals: Rc::new(RefCell::new(Totals::default())),
        })
    }

    fn start(&self, op: Op, request: &JsValue, options: &JsValue) -> Promise {
        let (job, signal) = match prepare(&self.cfg, op, request, options) {
            Ok(j) => j,
            Err(e) => {
                return Promise::reject(&e.redact(self.cfg.config.api_key.as_deref()).into_js())
            }
        };
        self.spawn(job, signal)
    }

    fn spawn(&self, job: Job, signal: Option<AbortSignal>) -> Promise {
        let (cfg, totals) = (self.cfg.clone(), self.totals.clone());
        // Boxed: the same `future_to_promise` instance as the tool loop's and parse()'s.
        let call: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>> =
            Box::pin(async move { run(&cfg, job, signal, totals).await });
        future_to_promise(call)
    }
}

/// Starts one call exactly as the public methods do (validation, retries, timeouts, fallback,
/// usage totals); the tool loop and `parse()` call the model through it for every step.
pub(crate) fn call(client: &AiBadgr, op: Op, request: &JsValue, options: &JsValue) -> Promise {
    client.start(op, request, options)
}

impl AiBadgr {
    /// Another handle on the same client (configuration and usage totals), for a call that
    /// outlives the method that started it.
    pub(crate) fn handle(&self) -> AiBadgr {
        AiBadgr {
            cfg: self.cfg.clone(),
            totals: self.totals.clone(),
        }
    }
}

fn in_browser_page() -> bool {
    let g = js_sys::global();
    !get(&g, "window").is_undefined() && !get(&g, "document").is_undefined()
}

/// Checks the request and snapshots it as JSON (nothing is sent on failure).
fn prepare(
    cfg: &Setup,
    op: Op,
    request: &JsValue,
    options: &JsValue,
) -> Result<(Job, Option<AbortSignal>), Error> {
    let CallSetup { opts, signal } = options::call(options)?;
    let read = |k: &str| options::opt(&get(request, k), 0);
    let text = match stringify(request) {
        Ok(t) => t,
        Err(e) => {
            if request.is_object() {
                validate::numbers(op.endpoint, &read)?;
            }
            return Err(e);
        }
    };
    let job = Job::new(&cfg.config, op, text, opts, &read, own_keys(request))?;
    Ok((job, signal))
}

/// The number of the request's own enumerable keys (what `JSON.stringify` looks at).
fn own_keys(v: &JsValue) -> Option<usize> {
    v.dyn_ref::<js_sys::Object>()
        .map(|o| js_sys::Object::keys(o).length() as usize)
}

fn stringify(v: &JsValue) -> Result<String, Error> {
    let cannot = |e: JsValue| {
        Error::invalid(
            "request",
            "cannot be sent as JSON (it holds a BigInt or a cycle); pass plain data",
        )
        .with_cause(e)
    };
    let s = js_sys::JSON::stringify(v).map_err(cannot)?;
    s.as_string().ok_or_else(|| {
        let mut what = String::from("must be an object like { model, messages }, not ");
        what.push_str(crate::jsval::type_name(v));
        Error::invalid("request", &what)
    })
}

async fn run(
    cfg: &Setup,
    job: Job,
    signal: Option<AbortSignal>,
    totals: Rc<RefCell<Totals>>,
) -> Result<JsValue, JsValue> {
    let started = js_sys::Date::now();
    let config = &cfg.config;
    let (timeout, idle) = job.timeouts(config);
    let max_retries = job.max_retries(config);
    let mut call = Call::start(signal.as_ref(), timeout, idle, config.api_key.clone())?;
    call.set_limits(job.limits(config));
    let headers = job.headers(config);
    let url = job.url(config);
    let mut plan = Plan::new(job.models.len(), max_retries, timeout, started);
    let name = |model: usize| {
        (job.op != Op::MODELS)
            .then(|| job.models.get(model).map(String::as_str))
            .flatten()
    };
    // The request for `models[model]` (its own body after a fallback), logged as it starts.
    let request = |model: usize| {
        let body = job.body(model);
        log_request(cfg, &url, name(model), job.op.stream, body.as_deref());
        let body = body.map_or(JsValue::UNDEFINED, |b| JsValue::from_str(&b));
        Prepared::new(url.clone(), &headers, body)
    };
    let mut req = request(0);
    let (resp, opened) = loop {
        plan.sent();
        let err = match fetch::once(cfg, &call, &req).await {
            Ok(resp) if !job.op.stream && !is_event_stream(&resp) => break (resp, None),
            Ok(resp) => match open::open(job.op.endpoint, &resp, &mut call).await {
                Ok(mut opened) => match opened.retry.take() {
                    Some(e) if plan.acts_on_first_event(&e) => {
                        opened.cancel();
                        e
                    }
                    _ => break (resp, Some(opened)),
                },
                Err(e) => e,
            },
            Err(e) => e,
        };
        let failed_on = name(plan.model());
        match plan.failed(err, js_sys::Date::now(), js_sys::Math::random()) {
            Step::Send { model, from } => {
                if let (Some(prev), Some(next)) = (failed_on, name(model)) {
                    cfg.log
                        .log(Level::Warn, &|| log::fallback(prev, next, &from.message));
                }
                req = request(model);
            }
            Step::Wait { ms, retry, error } => {
                cfg.log.log(Level::Warn, &|| {
                    log::retry(retry, max_retries, ms as u64, &error.message)
                });
                if let Err(e) = fetch::sleep(&call, ms).await {
                    let e = with_meta(e, started, plan.attempts(), failed_on);
                    return Err(failed(cfg, e.into_js()));
                }
            }
            Step::Fail(e) => {
                let e = with_meta(e, started, plan.attempts(), failed_on);
                return Err(failed(cfg, e.into_js()));
            }
        }
    };
    let attempts = plan.attempts();
    let model = job.models.get(plan.model()).map(String::as_str).unwrap_or_default();
    let track = answered(
        cfg,
        &resp,
        started,
        attempts,
        (job.op != Op::MODELS).then_some(model),
        totals,
    );
    let proto = job.op.endpoint;
    let out = match (job.op, opened) {
        (Op::CHAT_STREAM | Op::MESSAGES_STREAM, Some(o)) => {
            let meta = track.meta.clone();
            let s = StreamCore::new(proto, o, call, job.hide_usage_chunk)
                .tracked(track)
                .into_js(proto);
            meta.attach(&s);
            return Ok(s);
        }
        // A server that streamed an answer nobody asked to stream: collected.
        (_, Some(o)) => StreamCore::new(proto, o, call, false)
            .collect()
            .await
            .map(|v| (v, None)),
        (Op::EMBED, None) if job.decode_embeddings => {
            embeddings(resp, call).await.map_err(Error::into_js)
        }
        (op, None) => {
            let v = json_body(&resp, call).await.map_err(Error::into_js);
            if op == Op::MODELS {
                v.and_then(|(v, u)| Ok((check_models(v)?, u)))
            } else {
                v
            }
        }
    };
    match out {
        Ok((v, usage)) => {
            track.result(&v, usage.as_deref());
            Ok(v)
        }
        Err(e) => Err(failed_after(cfg, e, &track.meta)),
    }
}

/// The JSON text of an answer's `usage` member, read in Rust (for the usage totals).
fn usage_text(body: &str) -> Option<String> {
    crate::usage::member(body).map(str::to_owned)
}

/// Reads a JSON answer (an error body reports its error); with its `usage` member's text.
async fn json_body(resp: &Response, mut call: Call) -> Result<(JsValue, Option<String>), Error> {
    let text = fetch::text(&call, resp).await?;
    call.finish();
    let v = parse_body(resp, &text, call.secret())?;
    Ok((v, usage_text(&text)))
}

/// Logs a request's start (and its body at debug).
#[inline(never)]
fn log_request(cfg: &Setup, url: &str, model: Option<&str>, stream: bool, text: Option<&str>) {
    cfg.log.log(Level::Info, &|| {
        log::request(
            if text.is_none() { "GET" } else { "POST" },
            url,
            model,
            stream,
        )
    });
    if let Some(text) = text {
        cfg.log
            .log(Level::Debug, &|| log::body("request body", text));
    }
}

/// Reads the metadata of the answering response, logs it, and returns what the call records.
#[inline(never)]
fn answered(
    cfg: &Setup,
    resp: &Response,
    started: f64,
    attempts: u32,
    model: Option<&str>,
    totals: Rc<RefCell<Totals>>,
) -> Track {
    let mut meta = Meta::deferred(resp);
    meta.started = started;
    meta.attempts = attempts;
    meta.model = model.map(str::to_owned);
    cfg.log.log(Level::Info, &|| {
        log::response(
            meta.status,
            meta.elapsed_ms() as u64,
            crate::meta::request_id(resp).as_deref(),
            attempts,
        )
    });
    Track {
        meta,
        totals,
        log: cfg.log.clone(),
        counts: model.is_some(),
    }
}

/// Completes the metadata an error brought from the fetch layer (which saw one response).
#[inline(never)]
fn with_meta(mut e: Error, started: f64, attempts: u32, model: Option<&str>) -> Error {
    if let Some(m) = e.meta_mut() {
        m.started = started;
        m.attempts = attempts;
        m.model = model.map(str::to_owned);
    }
    e
}

/// Logs a failed call (an abort at `warn`, anything else at `error`) and returns its error.
#[inline(never)]
fn failed(cfg: &Setup, e: JsValue) -> JsValue {
    let kind = get(&e, "kind").as_string().unwrap_or_default();
    let level = if kind == "aborted" {
        Level::Warn
    } else {
        Level::Error
    };
    cfg.log.log(level, &|| {
        let status = get(&e, "status").as_f64().map(|s| s as u16);
        log::failed(
            &kind,
            status,
            &get(&e, "message").as_string().unwrap_or_default(),
        )
    });
    e
}

/// Like [`failed`], for an error after the response arrived: it carries that response.
#[inline(never)]
fn failed_after(cfg: &Setup, e: JsValue, meta: &Meta) -> JsValue {
    if e.is_object() && get(&e, "response").is_undefined() {
        let mut m = meta.clone();
        m.ended = js_sys::Date::now();
        m.attach(&e);
    }
    failed(cfg, e)
}

/// Checks a `/models` answer: an object whose `data` lists objects with a string `id`.
#[inline(never)]
fn check_models(v: JsValue) -> Result<JsValue, JsValue> {
    let data = get(&v, "data");
    let ok = js_sys::Array::is_array(&data)
        && js_sys::Array::from(&data)
            .iter()
            .all(|m| m.is_object() && get(&m, "id").is_string());
    if ok {
        return Ok(v);
    }
    let mut e = Error::new(Kind::Api, "the server's /models answer is not a model list like { data: [{ id }] } (see err.body); check baseUrl");
    e.status = Some(200);
    let text = js_sys::JSON::stringify(&v)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    e.body = Some(crate::text::truncate(&text, 512).to_owned());
    Err(e.into_js())
}

/// Reads an embeddings response we asked for as base64 and turns each vector into a
/// `Float32Array` (servers that ignore `encoding_format` and send numbers are handled too).
/// The body is read as bytes once; Rust decodes the vectors and cuts their strings out of the
/// JSON, which JavaScript then parses; each vector is copied out of wasm memory once.
async fn embeddings(resp: Response, mut call: Call) -> Result<(JsValue, Option<String>), Error> {
    let bytes = crate::body::bytes(&call, &resp).await?;
    call.finish();
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => String::from_utf8_lossy(&bytes),
    };
    match embed::split(&text) {
        Some((rest, vectors)) => {
            let v = parse_body(&resp, &rest, call.secret())?;
            let data = get(&v, "data");
            for (i, vec) in vectors.iter().enumerate() {
                let item = js_sys::Reflect::get_u32(&data, i as u32).unwrap_or(JsValue::UNDEFINED);
                if item.is_object() {
                    set(
                        &item,
                        "embedding",
                        &js_sys::Float32Array::from(vec.as_slice()),
                    );
                }
            }
            Ok((v, usage_text(&rest)))
        }
        None => {
            let v = parse_body(&resp, &text, call.secret())?;
            let data = get(&v, "data");
            if js_sys::Array::is_array(&data) {
                for item in js_sys::Array::from(&data).iter() {
                    let e = get(&item, "embedding");
                    if js_sys::Array::is_array(&e) {
                        set(&item, "embedding", &js_sys::Float32Array::new(&e));
                    }
                }
            }
            Ok((v, usage_text(&text)))
        }
    }
}
