//! The `AiBadgr` class: the only surface JavaScript sees (besides the stream and error
//! classes). Each method checks and snapshots the request synchronously, then returns a
//! promise that does the network work.

use crate::body::{is_event_stream, parse_body};
use crate::config::{api_model, CallOptions, Config};
use crate::embed;
use crate::error::{Error, Kind};
use crate::fetch::{self, Call, Prepared};
use crate::json;
use crate::jsval::{get, set};
use crate::log::{self, Level};
use crate::meta::{Meta, Track};
use crate::open::{self, Opened};
use crate::stream::{Proto, StreamCore};
use crate::usage::Totals;
use crate::validate::{self, Api};
use js_sys::Promise;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;
use web_sys::Response;

/// The API version header the messages endpoint expects.
const ANTHROPIC_VERSION: &str = "2023-06-01";

/// A client for AI Badgr. `new AiBadgr({ apiKey, baseUrl, model, ... })`.
#[wasm_bindgen]
pub struct AiBadgr {
    pub(crate) cfg: Rc<Config>,
    totals: Rc<RefCell<Totals>>,
}

/// Which call a request makes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Chat,
    ChatStream,
    Embed,
    Messages,
    MessagesStream,
    Models,
}

impl Op {
    fn api(self) -> Api {
        match self {
            Op::Chat | Op::ChatStream => Api::Chat,
            Op::Messages | Op::MessagesStream => Api::Messages,
            Op::Embed | Op::Models => Api::Embeddings,
        }
    }
    fn streaming(self) -> bool {
        matches!(self, Op::ChatStream | Op::MessagesStream)
    }
    fn proto(self) -> Proto {
        match self {
            Op::Messages | Op::MessagesStream => Proto::Messages,
            _ => Proto::Chat,
        }
    }
    fn path(self) -> &'static str {
        match self {
            Op::Chat | Op::ChatStream => "/chat/completions",
            Op::Embed => "/embeddings",
            Op::Models => "/models",
            Op::Messages | Op::MessagesStream => "/messages", // see Config::messages_url
        }
    }
}

/// A checked request, snapshotted (as JSON) when the method was called.
struct Job {
    op: Op,
    /// The request as the caller gave it, as JSON text.
    request: String,
    /// The body for the first model.
    body: String,
    models: Vec<String>,
    opts: CallOptions,
    decode_embeddings: bool,
    /// The caller did not ask for `stream_options`: the usage chunk this client asks for is
    /// kept from chunk consumers (it still reaches `final()`, `toSSE()` and `stream.usage`).
    hide_usage_chunk: bool,
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
        self.start(Op::Chat, &request, &options)
    }

    /// Streams a chat completion; resolves to a `ChatStream` once the headers arrived.
    #[wasm_bindgen(js_name = chatStream)]
    pub fn chat_stream(&self, request: JsValue, options: JsValue) -> Promise {
        self.start(Op::ChatStream, &request, &options)
    }

    /// Creates embeddings: `POST {baseUrl}/embeddings`. Vectors arrive as `Float32Array`s
    /// unless the request sets `encoding_format`.
    pub fn embed(&self, request: JsValue, options: JsValue) -> Promise {
        self.start(Op::Embed, &request, &options)
    }

    /// Creates a message with the Anthropic-compatible API: `POST {baseUrl}/messages`.
    pub fn messages(&self, request: JsValue, options: JsValue) -> Promise {
        self.start(Op::Messages, &request, &options)
    }

    /// Streams a message; resolves to a `MessageStream` once the headers arrived.
    #[wasm_bindgen(js_name = messagesStream)]
    pub fn messages_stream(&self, request: JsValue, options: JsValue) -> Promise {
        self.start(Op::MessagesStream, &request, &options)
    }

    /// Lists the models the server offers: `GET {baseUrl}/models`, with the same retries,
    /// timeouts and errors as every call. Resolves to `{ object, data: [{ id, ... }] }`.
    pub fn models(&self, options: JsValue) -> Promise {
        let opts = match CallOptions::from_js(&options) {
            Ok(o) => o,
            Err(e) => return Promise::reject(&e.redact(self.cfg.api_key.as_deref()).into_js()),
        };
        let job = Job {
            op: Op::Models,
            request: String::new(),
            body: String::new(),
            models: vec![String::new()],
            opts,
            decode_embeddings: false,
            hide_usage_chunk: false,
        };
        self.spawn(job)
    }

    /// Token usage since the client was made (or `resetUsage()`): `{ total, models }`, each
    /// `{ requests, promptTokens, completionTokens, totalTokens, cachedTokens }`; streams count
    /// once they end.
    #[wasm_bindgen(getter)]
    pub fn usage(&self) -> JsValue {
        let text = self.totals.borrow().to_json();
        js_sys::JSON::parse(&text).unwrap_or(JsValue::UNDEFINED)
    }

    /// Sets every usage total back to zero.
    #[wasm_bindgen(js_name = resetUsage)]
    pub fn reset_usage(&self) {
        self.totals.borrow_mut().reset();
    }

    /// The base URL requests go to.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.cfg.base_url.clone()
    }
}

impl AiBadgr {
    fn build(options: &JsValue, env: &JsValue, need_key: bool) -> Result<AiBadgr, JsValue> {
        let cfg = Config::from_js(options, env).map_err(Error::into_js)?;
        if need_key && cfg.api_key.is_none() {
            return Err(Error::config(
                "AIBADGR_API_KEY",
                "is not set in env or process.env; set it (for a Worker: wrangler secret put AIBADGR_API_KEY) or pass { apiKey }",
            )
            .into_js());
        }
        if cfg.api_key.is_some() && !cfg.allow_browser && in_browser_page() {
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
        let job = match prepare(&self.cfg, op, request, options) {
            Ok(j) => j,
            Err(e) => return Promise::reject(&e.redact(self.cfg.api_key.as_deref()).into_js()),
        };
        self.spawn(job)
    }

    fn spawn(&self, job: Job) -> Promise {
        let (cfg, totals) = (self.cfg.clone(), self.totals.clone());
        future_to_promise(async move { run(&cfg, job, totals).await })
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
fn prepare(cfg: &Config, op: Op, request: &JsValue, options: &JsValue) -> Result<Job, Error> {
    let opts = CallOptions::from_js(options)?;
    let text = match stringify(request) {
        Ok(t) => t,
        Err(e) => {
            validate::numbers(op.api(), request, &|_| true)?;
            return Err(e);
        }
    };
    let parsed = json::parse(&text).map_err(|_| {
        Error::invalid("request", "could not be read back as JSON; pass plain data")
    })?;
    // The JSON shows which numeric parameters are set, unless it left a member out (a value
    // JSON cannot hold, such as a function); only those are read from the request itself.
    let members = parsed.as_object().map(<[_]>::len);
    let complete = members.is_some() && members == own_keys(request);
    validate::numbers(op.api(), request, &|name| {
        !complete || parsed.get(name).is_some()
    })?;
    validate::request(op.api(), &parsed, op.streaming())?;
    let default_model = if op == Op::Embed {
        &cfg.embedding_model
    } else {
        &cfg.model
    };
    let first = parsed
        .get("model")
        .and_then(json::Value::as_str)
        .unwrap_or(default_model);
    let mut models = vec![api_model(first).to_owned()];
    if op != Op::Embed {
        for m in opts
            .fallback_models
            .as_ref()
            .unwrap_or(&cfg.fallback_models)
        {
            let m = api_model(m);
            if !models.iter().any(|x| x == m) {
                models.push(m.to_owned());
            }
        }
    }
    let decode_embeddings = op == Op::Embed && parsed.get("encoding_format").is_none();
    let hide_usage_chunk = op == Op::ChatStream && parsed.get("stream_options").is_none();
    let body = body_for(op, parsed, &models[0]);
    Ok(Job {
        op,
        request: text,
        body,
        models,
        opts,
        decode_embeddings,
        hide_usage_chunk,
    })
}

/// Writes the body to send for `model`: the caller's request with the API's model name and,
/// for streams, `stream: true` (and, for chat, usage in the stream unless `stream_options`
/// is given); embeddings ask for base64 unless the caller chose a format.
fn body_for(op: Op, mut v: json::Value<'_>, model: &str) -> String {
    v.set("model", json::Value::String(model.to_owned().into()));
    if op.streaming() {
        v.set("stream", json::Value::Bool(true));
        if op == Op::ChatStream && v.get("stream_options").is_none() {
            let usage =
                json::Value::Object(vec![("include_usage".into(), json::Value::Bool(true))]);
            v.set("stream_options", usage);
        }
    }
    if op == Op::Embed && v.get("encoding_format").is_none() {
        v.set("encoding_format", json::Value::String("base64".into()));
    }
    v.to_json()
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

/// Whether a failed model should hand over to the next one in `fallbackModels` (an error
/// event that came before the first token counts like the status it stands for).
fn can_fall_back(e: &Error) -> bool {
    match e.kind {
        Kind::Network => true,
        Kind::Api | Kind::Stream => {
            e.retryable || e.status == Some(404) || e.code.as_deref() == Some("model_not_found")
        }
        _ => false,
    }
}

async fn run(cfg: &Config, job: Job, totals: Rc<RefCell<Totals>>) -> Result<JsValue, JsValue> {
    let started = js_sys::Date::now();
    let mut attempts = 0;
    let secret = cfg.api_key.clone();
    let timeout = job.opts.timeout_ms.unwrap_or(cfg.timeout_ms);
    let idle = job.opts.idle_timeout_ms.unwrap_or(cfg.idle_timeout_ms);
    let max_retries = job.opts.max_retries.unwrap_or(cfg.max_retries);
    let mut call = Call::start(job.opts.signal.as_ref(), timeout, idle, secret)?;
    call.set_limits(crate::limits::Limits {
        max_event_bytes: job.opts.max_event_bytes.unwrap_or(cfg.max_event_bytes),
        max_body_bytes: job.opts.max_body_bytes.unwrap_or(cfg.max_body_bytes),
    });
    let extra: &[(&str, &str)] = if job.op.proto() == Proto::Messages {
        &[("anthropic-version", ANTHROPIC_VERSION)]
    } else {
        &[]
    };
    let mut headers = cfg.request_headers(extra, &job.opts.headers);
    if job.op == Op::Models {
        if let Some(i) = headers.iter().position(|(k, _)| k == "content-type") {
            headers.remove(i);
        }
    }
    let url = if job.op.proto() == Proto::Messages {
        cfg.messages_url()
    } else {
        cfg.url(job.op.path())
    };
    let mut answer = None;
    let mut last = None;
    for (i, model) in job.models.iter().enumerate() {
        let body = if job.op == Op::Models {
            JsValue::UNDEFINED
        } else if i == 0 {
            JsValue::from_str(&job.body)
        } else {
            match json::parse(&job.request) {
                Ok(v) => JsValue::from_str(&body_for(job.op, v, model)),
                Err(_) => break,
            }
        };
        let model_name = (job.op != Op::Models).then_some(model.as_str());
        log_request(cfg, &url, model_name, job.op.streaming(), &body);
        let req = Prepared::new(url.clone(), &headers, body);
        let more_models = i + 1 < job.models.len();
        match attempt(
            cfg,
            &mut call,
            &req,
            job.op,
            max_retries,
            more_models,
            &mut attempts,
        )
        .await
        {
            Ok(r) => {
                answer = Some((r, model));
                break;
            }
            Err(e) if can_fall_back(&e) => {
                if let Some(next) = job.models.get(i + 1) {
                    cfg.log
                        .log(Level::Warn, &|| log::fallback(model, next, &e.message));
                }
                last = Some(with_meta(e, started, attempts, model_name));
            }
            Err(e) => {
                return Err(failed(
                    cfg,
                    with_meta(e, started, attempts, model_name).into_js(),
                ))
            }
        }
    }
    let ((resp, opened), model) = match answer {
        Some(r) => r,
        None => {
            return Err(failed(
                cfg,
                last.unwrap_or_else(|| Error::new(Kind::Config, "no model to call"))
                    .into_js(),
            ))
        }
    };
    let track = answered(
        cfg,
        &resp,
        started,
        attempts,
        (job.op != Op::Models).then_some(model.as_str()),
        totals,
    );
    let proto = job.op.proto();
    let out = match (job.op, opened) {
        (Op::ChatStream | Op::MessagesStream, Some(o)) => {
            let meta = track.meta.clone();
            let s = StreamCore::new(proto, o, call, job.hide_usage_chunk)
                .tracked(track)
                .into_js(proto);
            meta.attach(&s);
            return Ok(s);
        }
        // A server that streamed an answer nobody asked to stream: collected.
        (_, Some(o)) => StreamCore::new(proto, o, call, false).collect().await,
        (Op::Embed, None) if job.decode_embeddings => {
            embeddings(resp, call).await.map_err(Error::into_js)
        }
        (op, None) => {
            let v = json_body(&resp, call).await.map_err(Error::into_js);
            if op == Op::Models {
                v.and_then(check_models)
            } else {
                v
            }
        }
    };
    match out {
        Ok(v) => {
            track.result(&v);
            Ok(v)
        }
        Err(e) => Err(failed_after(cfg, e, &track.meta)),
    }
}

/// Calls one model with retries. A streamed answer is opened up to its first event: an error
/// sent as that event (nothing reached the caller yet) is retried, or handed to the next model,
/// exactly as the status it stands for; on the last try it stays in the stream, which then
/// fails with it as before. `attempts` counts every request made.
async fn attempt(
    cfg: &Config,
    call: &mut Call,
    req: &Prepared,
    op: Op,
    max_retries: u32,
    more_models: bool,
    attempts: &mut u32,
) -> Result<(Response, Option<Opened>), Error> {
    let mut retries = 0;
    loop {
        let resp = fetch::send(cfg, call, req, max_retries, &mut retries, attempts).await?;
        if !op.streaming() && !is_event_stream(&resp) {
            return Ok((resp, None));
        }
        let mut opened = open::open(op.proto(), &resp, call).await?;
        match opened.retry.take() {
            Some(e) if e.retryable && retries < max_retries => {
                opened.cancel();
                fetch::pause(cfg, call, &e, retries, max_retries).await?;
                retries += 1;
            }
            Some(e) if more_models && can_fall_back(&e) => {
                opened.cancel();
                return Err(e);
            }
            _ => return Ok((resp, Some(opened))),
        }
    }
}

/// Reads a JSON answer (an error body reports its error).
async fn json_body(resp: &Response, mut call: Call) -> Result<JsValue, Error> {
    let text = fetch::text(&call, resp).await?;
    call.finish();
    parse_body(resp, &text, call.secret())
}

/// Logs a request's start (and its body at debug).
#[inline(never)]
fn log_request(cfg: &Config, url: &str, model: Option<&str>, stream: bool, body: &JsValue) {
    let text = body.as_string();
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
            .log(Level::Debug, &|| log::body("request body", &text));
    }
}

/// Reads the metadata of the answering response, logs it, and returns what the call records.
#[inline(never)]
fn answered(
    cfg: &Config,
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
            crate::fetch::request_id(resp).as_deref(),
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
    if let Some(m) = e.response.as_mut() {
        m.started = started;
        m.attempts = attempts;
        m.model = model.map(str::to_owned);
    }
    e
}

/// Logs a failed call (an abort at `warn`, anything else at `error`) and returns its error.
#[inline(never)]
fn failed(cfg: &Config, e: JsValue) -> JsValue {
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
fn failed_after(cfg: &Config, e: JsValue, meta: &Meta) -> JsValue {
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
    e.body = Some(crate::error::truncate(&text, 512).to_owned());
    Err(e.into_js())
}

/// Reads an embeddings response we asked for as base64 and turns each vector into a
/// `Float32Array` (servers that ignore `encoding_format` and send numbers are handled too).
/// The body is read as bytes once; Rust decodes the vectors and cuts their strings out of the
/// JSON, which JavaScript then parses; each vector is copied out of wasm memory once.
async fn embeddings(resp: Response, mut call: Call) -> Result<JsValue, Error> {
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
            Ok(v)
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
            Ok(v)
        }
    }
}
