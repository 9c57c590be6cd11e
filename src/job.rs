//! A checked request, snapshotted as JSON when the method was called: which call it is, the
//! models to try in order, the body each is sent, the headers, URL, limits and timeouts. Pure.

use crate::config::{api_model, CallOptions, Config, Opt};
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::json;
use crate::limits::Limits;
use crate::validate;
use std::borrow::Cow;

/// The API version header the messages endpoint expects.
const ANTHROPIC_VERSION: &str = "2023-06-01";

/// Which call a request makes: an endpoint, streamed or not.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Op {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// Whether the answer is streamed.
    pub stream: bool,
}

impl Op {
    /// `chat()`.
    pub const CHAT: Op = Op::new(Endpoint::Chat, false);
    /// `chatStream()`.
    pub const CHAT_STREAM: Op = Op::new(Endpoint::Chat, true);
    /// `embed()`.
    pub const EMBED: Op = Op::new(Endpoint::Embeddings, false);
    /// `messages()`.
    pub const MESSAGES: Op = Op::new(Endpoint::Messages, false);
    /// `messagesStream()`.
    pub const MESSAGES_STREAM: Op = Op::new(Endpoint::Messages, true);
    /// `models()`.
    pub const MODELS: Op = Op::new(Endpoint::Models, false);
    const fn new(endpoint: Endpoint, stream: bool) -> Op {
        Op { endpoint, stream }
    }
}

/// A checked request.
#[derive(Debug)]
pub struct Job {
    /// The call.
    pub op: Op,
    /// The request as the caller gave it, as JSON text.
    request: String,
    /// The body for the first model.
    body: String,
    /// The models to try, in order (the API's names: `aibadgr/` dropped).
    pub models: Vec<String>,
    /// The call's options.
    pub opts: CallOptions,
    /// An embeddings answer is asked for as base64 and decoded into `Float32Array`s.
    pub decode_embeddings: bool,
    /// The caller did not ask for `stream_options`: the usage chunk this client asks for is
    /// kept from chunk consumers (it still reaches `final()`, `toSSE()` and `stream.usage`).
    pub hide_usage_chunk: bool,
}

impl Job {
    /// Checks `request` (the caller's request as JSON text) for `op` and plans it: the
    /// model (else the client's default), then the fallback models (the call's, else the
    /// client's), each once. Nothing is sent when this fails. `read` reads a member of the
    /// request as the caller gave it, for the numeric parameters (JSON turns NaN and Infinity
    /// into null); it is asked only for those the JSON shows, unless the JSON left members out
    /// (`own_keys`, the request's own enumerable keys, differs: a function, say).
    pub fn new(
        cfg: &Config,
        op: Op,
        request: String,
        opts: CallOptions,
        read: &dyn Fn(&str) -> Opt,
        own_keys: Option<usize>,
    ) -> Result<Job, Error> {
        let parsed = json::parse(&request).map_err(|_| {
            Error::invalid("request", "could not be read back as JSON; pass plain data")
        })?;
        let members = parsed.as_object().map(<[_]>::len);
        let complete = members.is_some() && members == own_keys;
        validate::numbers(op.endpoint, &|name| match parsed.get(name) {
            None if complete => Opt::Missing,
            _ => read(name),
        })?;
        validate::request(op.endpoint, &parsed, op.stream)?;
        let default_model = if op == Op::EMBED {
            &cfg.embedding_model
        } else {
            &cfg.model
        };
        let first = api_model(
            parsed
                .get("model")
                .and_then(json::Value::as_str)
                .unwrap_or(default_model),
        )
        .to_owned();
        let mut models = vec![first.clone()];
        if op != Op::EMBED {
            let fallbacks = opts.fallback_models.as_ref().unwrap_or(&cfg.fallback_models);
            for m in fallbacks {
                let m = api_model(m);
                if !models.iter().any(|x| x == m) {
                    models.push(m.to_owned());
                }
            }
        }
        let decode_embeddings = op == Op::EMBED && parsed.get("encoding_format").is_none();
        let hide_usage_chunk = op == Op::CHAT_STREAM && parsed.get("stream_options").is_none();
        let body = body_for(op, parsed, &request, &first);
        Ok(Job {
            op,
            request,
            body,
            models,
            opts,
            decode_embeddings,
            hide_usage_chunk,
        })
    }

    /// The `GET /models` call.
    pub fn models(opts: CallOptions) -> Job {
        Job {
            op: Op::MODELS,
            request: String::new(),
            body: String::new(),
            models: vec![String::new()],
            opts,
            decode_embeddings: false,
            hide_usage_chunk: false,
        }
    }

    /// The body to send to `models[model]` (`None` for a `GET`).
    pub fn body(&self, model: usize) -> Option<Cow<'_, str>> {
        if self.op == Op::MODELS {
            return None;
        }
        match (model, self.models.get(model)) {
            (0, _) | (_, None) => Some(Cow::Borrowed(&self.body)),
            (_, Some(name)) => Some(match json::parse(&self.request) {
                Ok(v) => Cow::Owned(body_for(self.op, v, &self.request, name)),
                Err(_) => Cow::Borrowed(&self.body),
            }),
        }
    }

    /// The request headers: the client's and the call's, `anthropic-version` for messages, no
    /// content type on a `GET`.
    pub fn headers(&self, cfg: &Config) -> Vec<(String, String)> {
        let extra: &[(&str, &str)] = if self.op.endpoint == Endpoint::Messages {
            &[("anthropic-version", ANTHROPIC_VERSION)]
        } else {
            &[]
        };
        let mut headers = cfg.request_headers(extra, &self.opts.headers);
        if self.op == Op::MODELS {
            headers.retain(|(k, _)| k != "content-type");
        }
        headers
    }

    /// The URL to send to.
    pub fn url(&self, cfg: &Config) -> String {
        if self.op.endpoint == Endpoint::Messages {
            cfg.messages_url()
        } else {
            cfg.url(self.op.endpoint.path())
        }
    }

    /// `(timeoutMs, idleTimeoutMs)`: the call's, else the client's.
    pub fn timeouts(&self, cfg: &Config) -> (f64, f64) {
        (
            self.opts.timeout_ms.unwrap_or(cfg.timeout_ms),
            self.opts.idle_timeout_ms.unwrap_or(cfg.idle_timeout_ms),
        )
    }

    /// `maxRetries`: the call's, else the client's.
    pub fn max_retries(&self, cfg: &Config) -> u32 {
        self.opts.max_retries.unwrap_or(cfg.max_retries)
    }

    /// The buffer limits: the call's, else the client's.
    pub fn limits(&self, cfg: &Config) -> Limits {
        Limits {
            max_event_bytes: self.opts.max_event_bytes.unwrap_or(cfg.max_event_bytes),
            max_body_bytes: self.opts.max_body_bytes.unwrap_or(cfg.max_body_bytes),
        }
    }
}

/// Writes the body to send for `model`: the caller's request with the API's model name and,
/// for streams, `stream: true` (and, for chat, usage in the stream unless `stream_options`
/// is given); embeddings ask for base64 unless the caller chose a format.
/// The body sent for `model`: the request (`text`, parsed as `v`) with `model`, `stream`,
/// `stream_options` and `encoding_format` as the call needs them.
fn body_for(op: Op, v: json::Value<'_>, text: &str, model: &str) -> String {
    spliced(op, &v, text, model).unwrap_or_else(|| rewritten(op, v, model))
}

/// The body as the request's own text with the members it lacks appended (where
/// [`json::Value::set`] puts them too): no re-serialisation of what the caller wrote. `None`
/// when a member it has must change (another model, `stream: false`).
fn spliced(op: Op, v: &json::Value<'_>, text: &str, model: &str) -> Option<String> {
    let inner = text.trim_end().strip_suffix('}')?.trim_end();
    let mut out = String::with_capacity(text.len() + 96);
    out.push_str(inner);
    match v.get("model") {
        None => {
            json::push_key(&mut out, "model");
            json::write_str(&mut out, model);
        }
        Some(json::Value::String(m)) if m == model => {}
        Some(_) => return None,
    }
    if op.stream {
        match v.get("stream") {
            None => {
                json::push_key(&mut out, "stream");
                out.push_str("true");
            }
            Some(json::Value::Bool(true)) => {}
            Some(_) => return None,
        }
        if op == Op::CHAT_STREAM && v.get("stream_options").is_none() {
            json::push_key(&mut out, "stream_options");
            out.push_str(r#"{"include_usage":true}"#);
        }
    }
    if op == Op::EMBED && v.get("encoding_format").is_none() {
        json::push_key(&mut out, "encoding_format");
        out.push_str(r#""base64""#);
    }
    out.push('}');
    Some(out)
}

/// The body as the parsed request with those members set, written out again.
fn rewritten(op: Op, mut v: json::Value<'_>, model: &str) -> String {
    v.set("model", json::Value::String(model.to_owned().into()));
    if op.stream {
        v.set("stream", json::Value::Bool(true));
        if op == Op::CHAT_STREAM && v.get("stream_options").is_none() {
            let usage =
                json::Value::Object(vec![("include_usage".into(), json::Value::Bool(true))]);
            v.set("stream_options", usage);
        }
    }
    if op == Op::EMBED && v.get("encoding_format").is_none() {
        v.set("encoding_format", json::Value::String("base64".into()));
    }
    v.to_json()
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::config::{Opt, Source};

    struct Empty;
    impl Source for Empty {
        fn get(&self, _: &str) -> Opt {
            Opt::Missing
        }
        fn env(&self, _: &str) -> Option<String> {
            None
        }
    }

    fn cfg(fallbacks: &[&str]) -> Config {
        let mut c = Config::read(&[], &Empty).unwrap();
        c.api_key = Some("sk-test-key".into());
        c.fallback_models = fallbacks.iter().map(|s| s.to_string()).collect();
        c
    }

    fn job(c: &Config, op: Op, text: &str, opts: CallOptions) -> Result<Job, Error> {
        Job::new(c, op, text.into(), opts, &|_| Opt::Missing, None)
    }

    #[test]
    fn the_body_is_the_request_with_what_it_lacks_appended() {
        let ops = [Op::CHAT, Op::CHAT_STREAM, Op::MESSAGES_STREAM, Op::EMBED];
        let texts = [
            r#"{"messages":[{"role":"user","content":"h\"i\u0001é"}]}"#,
            r#"{"model":"m","messages":[],"stream":true}"#,
            r#"{"model":"other","stream":false,"stream_options":{"include_usage":false}}"#,
            r#"{"input":"x","encoding_format":"float","model":"m"}"#,
            r#"{"model":"m","model":"n"}"#,
            "{}",
            " { \"a\" : [ 1 , {} ] } ",
            "{ }",
        ];
        for op in ops {
            for text in texts {
                let v = json::parse(text).unwrap();
                let want = rewritten(op, v.clone(), "m");
                let got = body_for(op, v, text, "m");
                assert_eq!(json::parse(&got).unwrap(), json::parse(&want).unwrap(), "{text}");
                if !text.contains(' ') {
                    assert_eq!(got, want, "compact text, as JSON.stringify writes it");
                }
            }
        }
    }

    #[test]
    fn numbers_are_read_from_the_request_only_where_the_json_shows_them() {
        let c = cfg(&[]);
        let asked = std::cell::RefCell::new(Vec::new());
        let nan = |name: &str| {
            asked.borrow_mut().push(name.to_owned());
            if name == "temperature" {
                Opt::Num(f64::NAN)
            } else {
                Opt::Missing
            }
        };
        // {temperature: NaN} becomes "temperature":null in JSON: read, and refused.
        let text = r#"{"messages":[{"role":"user","content":"hi"}],"temperature":null}"#;
        let e = Job::new(&c, Op::CHAT, text.into(), CallOptions::default(), &nan, Some(2))
            .unwrap_err();
        assert_eq!(e.param.as_deref(), Some("temperature"));
        assert!(e.message.contains("NaN"), "{}", e.message);
        assert_eq!(*asked.borrow(), ["temperature"], "only what the JSON shows is read");
        // A member JSON left out (a function): every numeric parameter is read.
        asked.borrow_mut().clear();
        assert!(Job::new(&c, Op::CHAT, HI.into(), CallOptions::default(), &nan, Some(2)).is_err());
        assert!(asked.borrow().iter().any(|n| n == "temperature"));
        // The JSON holds every member and no numeric one: nothing is read.
        asked.borrow_mut().clear();
        assert!(Job::new(&c, Op::CHAT, HI.into(), CallOptions::default(), &nan, Some(1)).is_ok());
        assert!(asked.borrow().is_empty());
    }

    const HI: &str = r#"{"messages":[{"role":"user","content":"hi"}]}"#;

    #[test]
    fn models_are_the_request_then_the_fallbacks_each_once_without_the_prefix() {
        let c = cfg(&["aibadgr/normal", "premium", "normal"]);
        let req = r#"{"model":"aibadgr/basic","messages":[{"role":"user","content":"hi"}]}"#;
        let j = job(&c, Op::CHAT, req, CallOptions::default()).unwrap();
        assert_eq!(j.models, ["basic", "normal", "premium"]);
        let opts = CallOptions {
            fallback_models: Some(vec!["premium".into(), "basic".into()]),
            ..CallOptions::default()
        };
        let j = job(&c, Op::CHAT, HI, opts).unwrap();
        assert_eq!(j.models, ["basic", "premium"], "the call's fallbacks win");
        let j = job(&c, Op::EMBED, r#"{"input":"x"}"#, CallOptions::default()).unwrap();
        assert_eq!(j.models, ["text-embedding-ada-002"], "embeddings never fall back");
    }

    #[test]
    fn each_model_gets_its_own_body() {
        let c = cfg(&["premium"]);
        let j = job(&c, Op::CHAT_STREAM, HI, CallOptions::default()).unwrap();
        let b0 = j.body(0).unwrap();
        assert!(b0.contains(r#""model":"basic""#), "{b0}");
        assert!(b0.contains(r#""stream":true"#));
        assert!(b0.contains(r#""stream_options":{"include_usage":true}"#));
        assert!(j.hide_usage_chunk);
        assert!(j.body(1).unwrap().contains(r#""model":"premium""#));
        let with = r#"{"messages":[{"role":"user","content":"hi"}],"stream_options":{"include_usage":false}}"#;
        let j = job(&c, Op::CHAT_STREAM, with, CallOptions::default()).unwrap();
        assert!(!j.hide_usage_chunk);
        assert!(j.body(0).unwrap().contains(r#""include_usage":false"#));
        let e = job(&c, Op::EMBED, r#"{"input":"x"}"#, CallOptions::default()).unwrap();
        assert!(e.decode_embeddings);
        assert!(e.body(0).unwrap().contains(r#""encoding_format":"base64""#));
        assert_eq!(Job::models(CallOptions::default()).body(0), None, "GET /models");
    }

    #[test]
    fn headers_url_limits_and_timeouts_come_from_the_call_then_the_client() {
        let c = cfg(&[]);
        let msg = r#"{"model":"basic","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#;
        let j = job(&c, Op::MESSAGES, msg, CallOptions::default()).unwrap();
        let h = j.headers(&c);
        assert!(h.contains(&("anthropic-version".into(), ANTHROPIC_VERSION.into())));
        assert_eq!(j.url(&c), "https://aibadgr.com/api/v1/messages");
        let m = Job::models(CallOptions {
            timeout_ms: Some(5.0),
            max_retries: Some(0),
            max_event_bytes: Some(9),
            ..CallOptions::default()
        });
        assert!(m.headers(&c).iter().all(|(k, _)| k != "content-type"));
        assert_eq!(m.url(&c), "https://aibadgr.com/api/v1/models");
        assert_eq!(m.timeouts(&c), (5.0, c.idle_timeout_ms));
        assert_eq!(m.max_retries(&c), 0);
        assert_eq!(m.limits(&c).max_event_bytes, 9);
        assert_eq!(m.limits(&c).max_body_bytes, c.max_body_bytes);
    }

    #[test]
    fn a_bad_request_is_refused_before_anything_is_planned() {
        let c = cfg(&[]);
        let e = job(&c, Op::CHAT, "{}", CallOptions::default()).unwrap_err();
        assert_eq!(e.kind, crate::error::Kind::InvalidRequest);
        assert!(job(&c, Op::CHAT, "{", CallOptions::default()).is_err());
    }
}
