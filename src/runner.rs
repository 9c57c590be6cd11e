//! The tool loop and structured output as `AiBadgr` methods: `runTools`, `runToolsStream`,
//! `runMessageTools` and `parse`. The decisions are made by [`crate::tool_loop`] and
//! [`crate::structured`]; this file performs them: it calls the model through the same path
//! as `chat()` (so retries, timeouts, fallback and the reasoning round-trip apply to every
//! step), runs the user's `run` functions and Standard Schema checks, and builds the results.

use crate::call::{aborted, quiet};
use crate::client::{self, AiBadgr};
use crate::job::Op;
use crate::endpoint::Endpoint;
use crate::error::{Error, Kind};
use crate::glue::{Channel, Timer};
use crate::jserror::JsError;
use crate::json;
use crate::jsval::{get, is_plain_object, keys, set, type_name};
use crate::options;
use crate::schema::{self, Issue, Seg};
use crate::structured::{self, Answer};
use crate::tool_loop::{Loop, Next, Outcome, Planned, DEFAULT_MAX_STEPS};
use js_sys::{Array, Function, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::AbortController;

/// The options of `parse()` beside the call options.
const PARSE_OPTIONS: &[&str] = &["schema", "repair"];
/// The options of the tool loop beside the call options.
const LOOP_OPTIONS: &[&str] = &["maxSteps", "parallelToolCalls"];
/// Repairs `parse()` makes when `repair` is not given.
const DEFAULT_REPAIRS: u32 = 1;
/// The most repairs `parse()` accepts.
const MAX_REPAIRS: u32 = 10;
/// The most steps a tool loop accepts.
const MAX_STEPS: u32 = 1000;

#[wasm_bindgen]
impl AiBadgr {
    /// Runs a chat tool loop: calls the model, runs the tools it asks for (arguments checked
    /// against each tool's `parameters` first), sends the results back, and repeats until the
    /// model answers or `maxSteps` model calls were made. Resolves to
    /// `{ messages, final, steps, stopReason, usage }`.
    #[wasm_bindgen(js_name = runTools)]
    pub fn run_tools(&self, request: JsValue, options: JsValue) -> Promise {
        match Run::prepare(Endpoint::Chat, &request, &options) {
            Ok(run) => {
                let me = self.handle();
                promise(Box::pin(async move { run.drive(&me, None).await }))
            }
            Err(e) => self.reject(e),
        }
    }

    /// The same loop as `runTools` for the Anthropic-compatible messages API (`tool_use` and
    /// `tool_result` blocks).
    #[wasm_bindgen(js_name = runMessageTools)]
    pub fn run_message_tools(&self, request: JsValue, options: JsValue) -> Promise {
        match Run::prepare(Endpoint::Messages, &request, &options) {
            Ok(run) => {
                let me = self.handle();
                promise(Box::pin(async move { run.drive(&me, None).await }))
            }
            Err(e) => self.reject(e),
        }
    }

    /// Runs the chat tool loop with every step streamed. Resolves (once the first step's
    /// stream opened) to a `ReadableStream` of `{ type: "chunk", step, chunk }`,
    /// `{ type: "tool_result", step, id, name, result, error }` and
    /// `{ type: "step", step, completion }`; its `final()` resolves like `runTools`.
    #[wasm_bindgen(js_name = runToolsStream)]
    pub fn run_tools_stream(&self, request: JsValue, options: JsValue) -> Promise {
        let run = match Run::prepare(Endpoint::Chat, &request, &options) {
            Ok(r) => r,
            Err(e) => return self.reject(e),
        };
        let (final_p, done) = deferred();
        let (opened_p, opened) = deferred();
        quiet(&final_p);
        let channel = Channel::new(&run.ctrl, &final_p);
        let me = self.handle();
        let job: Job = Box::pin(async move {
            let sink = Sink {
                channel,
                opened: Some(opened),
            };
            let mut sink = Some(sink);
            let r = run.drive(&me, sink.as_mut()).await;
            let Some(mut sink) = sink else {
                return Ok(JsValue::UNDEFINED);
            };
            match &r {
                Ok(_) => sink.channel.close(),
                Err(e) => sink.channel.error(e),
            }
            if let Some((_, reject)) = sink.opened.take() {
                let _ = reject.call1(
                    &JsValue::UNDEFINED,
                    r.as_ref().err().unwrap_or(&JsValue::UNDEFINED),
                );
            }
            let _ = match r {
                Ok(v) => done.0.call1(&JsValue::UNDEFINED, &v),
                Err(e) => done.1.call1(&JsValue::UNDEFINED, &e),
            };
            Ok(JsValue::UNDEFINED)
        });
        quiet(&promise(job));
        opened_p
    }

    /// Creates a chat completion whose answer must be JSON matching the request's
    /// `response_format` JSON Schema (and `options.schema`, a Standard Schema, when given);
    /// retries up to `repair` times with the problems appended to the conversation.
    /// Resolves to the completion with `choices[0].message.parsed`; rejects with kind
    /// "output" (carrying `issues` and `text`) when the answer never fits or is a refusal.
    pub fn parse(&self, request: JsValue, options: JsValue) -> Promise {
        match Parse::prepare(&request, &options) {
            Ok(p) => {
                let me = self.handle();
                promise(Box::pin(async move { p.drive(&me).await }))
            }
            Err(e) => self.reject(e),
        }
    }
}

impl AiBadgr {
    fn reject(&self, e: Error) -> Promise {
        Promise::reject(&e.redact(self.cfg.config.api_key.as_deref()).into_js())
    }
}

type Settle = (Function, Function);

/// A boxed call future: every method shares one `future_to_promise` (and one `spawn_local`)
/// instance instead of each inlining its own copy of the loop (a few kB of `.wasm` each).
type Job = core::pin::Pin<Box<dyn core::future::Future<Output = Result<JsValue, JsValue>>>>;

fn promise(job: Job) -> Promise {
    future_to_promise(job)
}

/// A promise and its resolve/reject functions.
fn deferred() -> (Promise, Settle) {
    let mut slot = None;
    let p = Promise::new(&mut |resolve, reject| slot = Some((resolve, reject)));
    let noop = || Function::new_no_args("");
    (p, slot.unwrap_or_else(|| (noop(), noop())))
}

/// Where a streamed loop sends its events.
struct Sink {
    channel: Channel,
    /// Settled when the first step's stream opened (or the loop failed before).
    opened: Option<Settle>,
}

impl Sink {
    async fn push(&self, event: &JsValue) -> Result<(), JsValue> {
        self.channel.push(event);
        let wait = self.channel.ready();
        if let Some(p) = wait.dyn_ref::<Promise>() {
            JsFuture::from(p.clone()).await?;
        }
        Ok(())
    }
}

/// Splits the caller's options into ours (`names`) and the call options, and returns the
/// call options with `signal` replaced by `ctrl`'s, checked now so a bad one fails before
/// anything is sent. The caller's signal aborts `ctrl`.
fn split_options(
    options: &JsValue,
    names: &[&str],
    ctrl: &AbortController,
) -> Result<(Object, Object, Option<Function>), Error> {
    let ours = Object::new();
    let call = Object::new();
    if !(options.is_undefined() || options.is_null()) {
        if !is_plain_object(options) {
            let mut what =
                String::from("must be an object, for example { maxSteps: 5, signal }, not ");
            what.push_str(type_name(options));
            return Err(Error::invalid("options", &what));
        }
        for k in keys(options) {
            let v = get(options, &k);
            set(
                if names.contains(&k.as_str()) {
                    &ours
                } else {
                    &call
                },
                &k,
                &v,
            );
        }
    }
    let checked = options::call(&call)?;
    let detach = checked.signal.as_ref().map(|s| Timer::link(s, ctrl));
    if let Some(s) = &checked.signal {
        if s.aborted() {
            ctrl.abort_with_reason(&s.reason());
        }
    }
    set(&call, "signal", &ctrl.signal());
    Ok((ours, call, detach))
}

fn new_controller() -> Result<AbortController, Error> {
    AbortController::new()
        .map_err(|e| Error::new(Kind::Config, "this runtime has no AbortController").with_cause(e))
}

fn whole_number(o: &Object, name: &str, min: u32, max: u32, dflt: u32) -> Result<u32, Error> {
    let v = get(o, name);
    if v.is_undefined() {
        return Ok(dflt);
    }
    match v.as_f64() {
        Some(n) if n.fract() == 0.0 && n >= f64::from(min) && n <= f64::from(max) => Ok(n as u32),
        _ => {
            let mut what = String::from("must be a whole number from ");
            json::push_u64(&mut what, u64::from(min));
            what.push_str(" to ");
            json::push_u64(&mut what, u64::from(max));
            Err(Error::invalid(name, &what))
        }
    }
}

fn stringify(v: &JsValue, what: &str) -> Result<String, Error> {
    let cannot = || {
        let mut m = String::from("cannot be sent as JSON (it holds a BigInt or a cycle, or is ");
        m.push_str(type_name(v));
        m.push_str("); pass plain data");
        Error::invalid(what, &m)
    };
    JSON::stringify(v)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(cannot)
}

fn parse_json(text: &str) -> JsValue {
    JSON::parse(text).unwrap_or(JsValue::NULL)
}

/// One tool loop: the state machine, the `run` functions, the options.
struct Run {
    wire: Endpoint,
    lp: Loop,
    /// The request's `tools` as given (with their `run` functions).
    tools: Vec<JsValue>,
    parallel: bool,
    call_opts: Object,
    ctrl: AbortController,
    detach: Option<Function>,
}

impl Run {
    /// Checks the request and options synchronously: nothing is sent when they are unusable.
    fn prepare(wire: Endpoint, request: &JsValue, options: &JsValue) -> Result<Run, Error> {
        let ctrl = new_controller()?;
        let (ours, call_opts, detach) = split_options(options, LOOP_OPTIONS, &ctrl)?;
        let max_steps = whole_number(&ours, "maxSteps", 1, MAX_STEPS, DEFAULT_MAX_STEPS)?;
        let parallel = match get(&ours, "parallelToolCalls") {
            v if v.is_undefined() => true,
            v => v
                .as_bool()
                .ok_or_else(|| Error::invalid("parallelToolCalls", "must be true or false"))?,
        };
        if !is_plain_object(request) {
            let mut what = String::from("must be an object like { model, messages, tools }, not ");
            what.push_str(type_name(request));
            return Err(Error::invalid("request", &what));
        }
        let list = get(request, "tools");
        let tools: Vec<JsValue> = if Array::is_array(&list) {
            Array::from(&list).iter().collect()
        } else {
            Vec::new()
        };
        for (i, t) in tools.iter().enumerate() {
            if !get(t, "run").is_function() {
                let mut field = crate::validate::indexed("tools", i);
                field.push_str(".run");
                return Err(Error::invalid(
                    &field,
                    "must be a function (args, { signal, toolCall }) => result: the tool loop calls it when the model asks for the tool",
                ));
            }
        }
        let lp = Loop::new(wire, &stringify(request, "request")?, max_steps)?;
        Ok(Run {
            wire,
            lp,
            tools,
            parallel,
            call_opts,
            ctrl,
            detach,
        })
    }

    /// Runs the loop to its end.
    async fn drive(
        mut self,
        client: &AiBadgr,
        sink: Option<&mut Sink>,
    ) -> Result<JsValue, JsValue> {
        let r = self.steps(client, sink).await;
        if let Some(d) = self.detach.take() {
            let _ = d.call0(&JsValue::UNDEFINED);
        }
        r
    }

    async fn steps(
        &mut self,
        client: &AiBadgr,
        mut sink: Option<&mut Sink>,
    ) -> Result<JsValue, JsValue> {
        let steps = Array::new();
        let op = match (self.wire, sink.is_some()) {
            (Endpoint::Messages, _) => Op::MESSAGES,
            (_, false) => Op::CHAT,
            (_, true) => Op::CHAT_STREAM,
        };
        loop {
            self.check_abort()?;
            let step = self.lp.steps();
            let request = parse_json(&self.lp.body());
            let answer =
                JsFuture::from(client::call(client, op, &request, &self.call_opts)).await?;
            let completion = match sink.as_deref_mut() {
                Some(s) => stream_step(s, step, &answer).await?,
                None => answer,
            };
            let next = self.lp.completed(&stringify(&completion, "completion")?)?;
            let record = Object::new();
            set(&record, "completion", &completion);
            let calls = Array::new();
            set(&record, "toolCalls", &calls);
            steps.push(&record);
            if let Some(s) = sink.as_deref() {
                s.push(&event("step", step, &[("completion", completion.clone())]))
                    .await?;
            }
            let stop = match next {
                Next::Stop(reason) => Some(reason),
                Next::Run(planned) => {
                    let outcomes = self
                        .run_calls(step, &planned, &calls, sink.as_deref())
                        .await?;
                    self.lp.results(&outcomes);
                    self.lp.out_of_steps().then(|| "max_steps".to_owned())
                }
            };
            if let Some(reason) = stop {
                let out = Object::new();
                set(&out, "messages", &parse_json(&self.lp.messages()));
                set(&out, "final", &completion);
                set(&out, "steps", &steps);
                set(&out, "stopReason", &JsValue::from_str(&reason));
                let usage = parse_json(&self.lp.usage());
                let usage = if usage.is_null() {
                    JsValue::UNDEFINED
                } else {
                    usage
                };
                set(&out, "usage", &usage);
                return Ok(out.into());
            }
        }
    }

    fn check_abort(&self) -> Result<(), JsValue> {
        let s = self.ctrl.signal();
        if s.aborted() {
            return Err(aborted(s.reason()).into());
        }
        Ok(())
    }

    /// Runs the calls (all started at once unless `parallelToolCalls: false`), records them
    /// in `record` and returns the outcomes in call order.
    async fn run_calls(
        &self,
        step: u32,
        planned: &[Planned],
        record: &Array,
        sink: Option<&Sink>,
    ) -> Result<Vec<Outcome>, JsValue> {
        let mut started: Vec<Option<Result<Promise, JsValue>>> = Vec::new();
        let mut args_of = Vec::new();
        for p in planned {
            let args = parse_json(&p.args);
            args_of.push(args.clone());
            started.push(if self.parallel && p.problem.is_none() {
                Some(self.start(p, &args))
            } else {
                None
            });
        }
        let mut outcomes = Vec::new();
        for (i, p) in planned.iter().enumerate() {
            let args = args_of.get(i).cloned().unwrap_or(JsValue::NULL);
            let (result, error) = match &p.problem {
                Some(problem) => (JsValue::UNDEFINED, Some(problem.clone())),
                None => {
                    let run = match started.get_mut(i).and_then(Option::take) {
                        Some(r) => r,
                        None => {
                            self.check_abort()?;
                            self.start(p, &args)
                        }
                    };
                    let settled = match run {
                        Ok(promise) => JsFuture::from(promise).await,
                        Err(e) => Err(e),
                    };
                    match settled {
                        Ok(v) => (v, None),
                        Err(e) => (JsValue::UNDEFINED, Some(thrown(&p.name, &e))),
                    }
                }
            };
            let (content, error) = match error {
                Some(e) => (e.clone(), Some(e)),
                None => match result_text(&result) {
                    Ok(t) => (t, None),
                    Err(e) => (e.clone(), Some(e)),
                },
            };
            let error_js = error
                .as_deref()
                .map(JsValue::from_str)
                .unwrap_or(JsValue::UNDEFINED);
            let entry = Object::new();
            set(&entry, "id", &JsValue::from_str(&p.id));
            set(&entry, "name", &JsValue::from_str(&p.name));
            set(&entry, "args", &args);
            set(&entry, "result", &result);
            set(&entry, "error", &error_js);
            record.push(&entry);
            if let Some(s) = sink {
                let fields = [
                    ("id", JsValue::from_str(&p.id)),
                    ("name", JsValue::from_str(&p.name)),
                    ("result", result.clone()),
                    ("error", error_js.clone()),
                ];
                s.push(&event("tool_result", step, &fields)).await?;
            }
            outcomes.push(Outcome {
                id: p.id.clone(),
                content,
                is_error: error.is_some(),
            });
        }
        self.check_abort()?;
        Ok(outcomes)
    }

    /// Calls one tool's `run(args, { signal, toolCall })`; a synchronous throw is an `Err`.
    fn start(&self, p: &Planned, args: &JsValue) -> Result<Promise, JsValue> {
        let tool = p
            .tool
            .and_then(|i| self.tools.get(i))
            .cloned()
            .unwrap_or(JsValue::UNDEFINED);
        let run: Function = get(&tool, "run")
            .dyn_into()
            .map_err(|_| JsValue::from_str("the tool has no run function"))?;
        let call = Object::new();
        set(&call, "id", &JsValue::from_str(&p.id));
        set(&call, "name", &JsValue::from_str(&p.name));
        set(&call, "args", args);
        let ctx = Object::new();
        set(&ctx, "signal", &self.ctrl.signal());
        set(&ctx, "toolCall", &call);
        let v = run.call2(&tool, args, &ctx)?;
        Ok(Promise::resolve(&v))
    }
}

/// `{ type, step, ...fields }`.
fn event(kind: &str, step: u32, fields: &[(&str, JsValue)]) -> JsValue {
    let e = Object::new();
    set(&e, "type", &JsValue::from_str(kind));
    set(&e, "step", &JsValue::from(step));
    for (k, v) in fields {
        set(&e, k, v);
    }
    e.into()
}

/// Reads one streamed step: forwards every chunk as an event and returns `final()`.
async fn stream_step(sink: &mut Sink, step: u32, stream: &JsValue) -> Result<JsValue, JsValue> {
    if let Some((resolve, _)) = sink.opened.take() {
        let _ = resolve.call1(&JsValue::UNDEFINED, &sink.channel.stream());
    }
    let iter_fn: Function = Reflect::get(stream, &js_sys::Symbol::async_iterator())?.dyn_into()?;
    let iter = iter_fn.call0(stream)?;
    let next: Function = get(&iter, "next").dyn_into()?;
    loop {
        let r = JsFuture::from(Promise::resolve(&next.call0(&iter)?)).await?;
        if get(&r, "done").as_bool() == Some(true) {
            break;
        }
        sink.push(&event("chunk", step, &[("chunk", get(&r, "value"))]))
            .await?;
    }
    let final_fn: Function = get(stream, "final").dyn_into()?;
    JsFuture::from(Promise::resolve(&final_fn.call0(stream)?)).await
}

/// The text a thrown value gives the model: `Error: <message>`.
fn thrown(name: &str, e: &JsValue) -> String {
    let msg = get(e, "message")
        .as_string()
        .or_else(|| e.as_string())
        .unwrap_or_else(|| {
            JSON::stringify(e)
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_else(|| type_name(e).to_owned())
        });
    let mut s = String::from("Error: ");
    s.push_str(name);
    s.push_str(" failed: ");
    s.push_str(crate::text::truncate(&msg, 2000));
    s
}

/// A tool's result as the tool message's text: a string as is, anything else as JSON
/// (`undefined` as `null`).
fn result_text(v: &JsValue) -> Result<String, String> {
    if let Some(s) = v.as_string() {
        return Ok(s);
    }
    if v.is_undefined() {
        return Ok("null".into());
    }
    match JSON::stringify(v).ok().and_then(|s| s.as_string()) {
        Some(s) => Ok(s),
        None => Err("Error: the tool's result cannot be sent as JSON (a BigInt, a cycle or a function); return plain data".into()),
    }
}

/// One `parse()` call.
struct Parse {
    request: String,
    schema: Option<json::Value<'static>>,
    standard: Option<Function>,
    standard_this: JsValue,
    repairs: u32,
    /// Whether the request was rewritten for a server that rejects `json_schema`.
    fell_back: bool,
    call_opts: Object,
    ctrl: AbortController,
    detach: Option<Function>,
}

impl Parse {
    fn prepare(request: &JsValue, options: &JsValue) -> Result<Parse, Error> {
        let ctrl = new_controller()?;
        let (ours, call_opts, detach) = split_options(options, PARSE_OPTIONS, &ctrl)?;
        let repairs = whole_number(&ours, "repair", 0, MAX_REPAIRS, DEFAULT_REPAIRS)?;
        let given = get(&ours, "schema");
        let (standard, standard_this) = if given.is_undefined() || given.is_null() {
            (None, JsValue::UNDEFINED)
        } else {
            let std = get(&given, "~standard");
            match get(&std, "validate").dyn_into::<Function>() {
                Ok(f) => (Some(f), std),
                Err(_) => {
                    return Err(Error::invalid(
                        "schema",
                        "must be a Standard Schema (zod, valibot, arktype: an object with [\"~standard\"].validate); put a JSON Schema in response_format.json_schema.schema instead",
                    ))
                }
            }
        };
        let text = stringify(request, "request")?;
        let parsed = json::parse(&text).map_err(|_| {
            Error::invalid("request", "could not be read back as JSON; pass plain data")
        })?;
        let schema = structured::schema_of(&parsed);
        Ok(Parse {
            request: text,
            schema,
            standard,
            standard_this,
            repairs,
            fell_back: false,
            call_opts,
            ctrl,
            detach,
        })
    }

    async fn drive(mut self, client: &AiBadgr) -> Result<JsValue, JsValue> {
        let r = self.attempts(client).await;
        if let Some(d) = self.detach.take() {
            let _ = d.call0(&JsValue::UNDEFINED);
        }
        r
    }

    async fn attempts(&mut self, client: &AiBadgr) -> Result<JsValue, JsValue> {
        let secret = client.cfg.config.api_key.as_deref();
        let mut attempt = 0;
        loop {
            let request = parse_json(&self.request);
            let call = client::call(client, Op::CHAT, &request, &self.call_opts);
            let completion = match JsFuture::from(call).await {
                Ok(c) => c,
                // A server that rejects json_schema: json_object with the schema in a system
                // message instead (once; the answer is still checked against the schema).
                Err(e) if !self.fell_back && is_json_schema_rejection(&e) => {
                    match structured::json_object_fallback(&self.request) {
                        Some(next) => {
                            self.request = next;
                            self.fell_back = true;
                            continue;
                        }
                        None => return Err(e),
                    }
                }
                Err(e) => return Err(e),
            };
            let text = match structured::answer(&stringify(&completion, "completion")?) {
                Answer::Refusal(r) => return Err(refusal(&r, secret)),
                Answer::Text(t) => t,
            };
            let issues = match structured::check(&text, self.schema.as_ref()) {
                Ok(value) => match self.standard_check(parse_json(&value)).await? {
                    Ok(v) => {
                        let choice = Reflect::get_u32(&get(&completion, "choices"), 0)
                            .unwrap_or(JsValue::UNDEFINED);
                        set(&get(&choice, "message"), "parsed", &v);
                        return Ok(completion);
                    }
                    Err(issues) => issues,
                },
                Err(issues) => issues,
            };
            if attempt >= self.repairs {
                return Err(output_error(&issues, &text, attempt + 1, secret));
            }
            attempt += 1;
            if self.ctrl.signal().aborted() {
                return Err(aborted(self.ctrl.signal().reason()).into());
            }
            match structured::with_repair(&self.request, &text, &issues) {
                Some(next) => self.request = next,
                None => return Err(output_error(&issues, &text, attempt, secret)),
            }
        }
    }

    /// Runs the Standard Schema check (sync or async): the output value, or its issues.
    async fn standard_check(&self, value: JsValue) -> Result<Result<JsValue, Vec<Issue>>, JsValue> {
        let Some(validate) = &self.standard else {
            return Ok(Ok(value));
        };
        let r = validate.call1(&self.standard_this, &value)?;
        let r = JsFuture::from(Promise::resolve(&r)).await?;
        let list = get(&r, "issues");
        if !Array::is_array(&list) {
            return Ok(Ok(get(&r, "value")));
        }
        let mut issues = Vec::new();
        for item in Array::from(&list).iter().take(schema::MAX_ISSUES) {
            let message = get(&item, "message")
                .as_string()
                .unwrap_or_else(|| "is invalid".into());
            let mut path = Vec::new();
            let p = get(&item, "path");
            if Array::is_array(&p) {
                for seg in Array::from(&p).iter() {
                    let key = if seg.is_object() {
                        get(&seg, "key")
                    } else {
                        seg
                    };
                    path.push(match key.as_f64() {
                        Some(n) if n >= 0.0 && n.fract() == 0.0 => Seg::Index(n as usize),
                        _ => Seg::Key(key.as_string().unwrap_or_default()),
                    });
                }
            }
            issues.push(Issue::new(path, message));
        }
        if issues.is_empty() {
            issues.push(Issue::new(Vec::new(), "is invalid"));
        }
        Ok(Err(issues))
    }
}

/// Whether a rejection is the server refusing `response_format: json_schema`.
fn is_json_schema_rejection(e: &JsValue) -> bool {
    get(e, "kind").as_string().as_deref() == Some("api")
        && structured::rejects_json_schema(
            get(e, "status").as_f64().map(|s| s as u16),
            get(e, "param").as_string().as_deref(),
            &get(e, "message").as_string().unwrap_or_default(),
        )
}

/// Replaces the API key in a model's text (a model may echo what a prompt leaked).
fn redacted(text: &str, secret: Option<&str>) -> String {
    crate::redact::key_out(text, secret).unwrap_or_else(|| text.to_owned())
}

/// The `output` error for an answer that never fit: the issues and the raw text attached.
fn output_error(issues: &[Issue], text: &str, tries: u32, secret: Option<&str>) -> JsValue {
    let mut m = String::from("the model's answer does not match the schema after ");
    json::push_u64(&mut m, u64::from(tries));
    m.push_str(if tries == 1 { " attempt" } else { " attempts" });
    m.push_str(
        " (see err.issues and err.text; raise `repair` or use a model that follows json_schema):\n",
    );
    m.push_str(&schema::describe(issues));
    let e = Error::new(Kind::Output, m).redact(secret).into_js();
    set(
        &e,
        "issues",
        &parse_json(&redacted(&schema::issues_json(issues), secret)),
    );
    set(&e, "text", &JsValue::from_str(&redacted(text, secret)));
    e
}

/// The `output` error for a refusal.
fn refusal(text: &str, secret: Option<&str>) -> JsValue {
    let mut m = String::from("the model refused to answer: ");
    m.push_str(crate::text::truncate(text, 500));
    let e = Error::new(Kind::Output, m).redact(secret).into_js();
    let text = JsValue::from_str(&redacted(text, secret));
    set(&e, "issues", &Array::new());
    set(&e, "text", &text);
    set(&e, "refusal", &text);
    e
}
