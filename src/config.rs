//! Client and call options: the rules every option obeys (with the error that names it),
//! environment defaults, URL joining and header building. Pure: the face (`options.rs`) reads
//! the JavaScript values into [`Opt`]s and hands them here. The API key is kept out of every
//! `Debug` and error text.

use crate::error::Error;
pub use crate::limits::{DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_EVENT_BYTES};
use crate::log::{Level, LEVELS};

/// The default API base URL.
pub const DEFAULT_BASE_URL: &str = "https://aibadgr.com/api/v1";
/// The default model for chat and messages requests.
pub const DEFAULT_MODEL: &str = "basic";
/// The default model for `embed()`.
pub const DEFAULT_EMBEDDING_MODEL: &str = "text-embedding-ada-002";
/// The default whole-call timeout (openai-node's default: 10 minutes).
pub const DEFAULT_TIMEOUT_MS: f64 = 600_000.0;
/// The default longest silence between two stream chunks.
pub const DEFAULT_IDLE_TIMEOUT_MS: f64 = 60_000.0;
/// The default number of retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// The largest byte limit accepted: wasm32 memory cannot hold more.
const MAX_LIMIT_BYTES: f64 = 4_294_967_295.0;
/// The largest delay `setTimeout` accepts.
const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// The client options, as listed in errors.
pub const CLIENT_OPTIONS: &str = "apiKey, baseUrl, model, embeddingModel, headers, fetch, timeoutMs, idleTimeoutMs, maxRetries, fallbackModels, allowBrowser, maxEventBytes, maxBodyBytes, logLevel, logger";
/// The call options, as listed in errors.
pub const CALL_OPTIONS: &str = "signal, headers, timeoutMs, idleTimeoutMs, maxRetries, fallbackModels, maxEventBytes, maxBodyBytes";

/// An option's value as the face read it from JavaScript, sorted the way the rules need.
#[derive(Clone, Debug, PartialEq)]
pub enum Opt {
    /// `undefined` (or absent).
    Missing,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number (NaN and infinities included).
    Num(f64),
    /// A string.
    Str(String),
    /// An array, its items read one level deep.
    List(Vec<Opt>),
    /// A plain object: its own enumerable keys, their values read one level deep.
    Map(Vec<(String, Opt)>),
    /// Anything else, described for error messages ("a function", "an object").
    Other(&'static str),
}

impl Opt {
    /// Describes the value's type for error messages ("a string", "an array").
    pub fn type_name(&self) -> &'static str {
        match self {
            Opt::Missing => "undefined",
            Opt::Null => "null",
            Opt::Bool(_) => "a boolean",
            Opt::Num(_) => "a number",
            Opt::Str(_) => "a string",
            Opt::List(_) => "an array",
            Opt::Map(_) => "an object",
            Opt::Other(t) => t,
        }
    }
}

/// Where the rules read the options from: the option named `name`, and the environment
/// variable named `name` (`None` when unset or blank).
pub trait Source {
    /// Returns the option `name`.
    fn get(&self, name: &str) -> Opt;
    /// Returns the environment variable `name`, if set and not blank.
    fn env(&self, name: &str) -> Option<String>;
}

/// Everything a client needs to send requests.
#[derive(Clone)]
pub struct Config {
    /// The bearer token; `None` for a proxy that adds it.
    pub api_key: Option<String>,
    /// The base URL without a trailing `/`.
    pub base_url: String,
    /// The model for chat/messages requests that omit one.
    pub model: String,
    /// The model for `embed()` requests that omit one.
    pub embedding_model: String,
    /// Extra headers (lowercase names), merged into every request.
    pub headers: Vec<(String, String)>,
    /// Whole-call timeout, retries included.
    pub timeout_ms: f64,
    /// Longest silence between two stream chunks.
    pub idle_timeout_ms: f64,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Models to try, in order, when the requested one fails.
    pub fallback_models: Vec<String>,
    /// Whether a browser page may hold the API key.
    pub allow_browser: bool,
    /// The most bytes one stream event may hold.
    pub max_event_bytes: usize,
    /// The most bytes a whole response body may hold.
    pub max_body_bytes: usize,
    /// The log level (`logLevel`, else `AIBADGR_LOG`, else off).
    pub log_level: Level,
}

impl core::fmt::Debug for Config {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Config")
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// Per-call options (`client.chat(req, { signal, ... })`), but the signal (the face keeps it).
#[derive(Default, Debug, Clone)]
pub struct CallOptions {
    /// Extra headers for this call.
    pub headers: Vec<(String, String)>,
    /// Overrides `timeoutMs`.
    pub timeout_ms: Option<f64>,
    /// Overrides `idleTimeoutMs`.
    pub idle_timeout_ms: Option<f64>,
    /// Overrides `maxRetries`.
    pub max_retries: Option<u32>,
    /// Overrides `fallbackModels`.
    pub fallback_models: Option<Vec<String>>,
    /// Overrides `maxEventBytes`.
    pub max_event_bytes: Option<usize>,
    /// Overrides `maxBodyBytes`.
    pub max_body_bytes: Option<usize>,
}

impl Config {
    /// Reads client options; the source's environment supplies `AIBADGR_API_KEY` /
    /// `AIBADGR_BASE_URL` / `AIBADGR_LOG` defaults. `keys` are the option names given (each
    /// must be one of [`CLIENT_OPTIONS`]). The face checks `fetch` and `logger` itself.
    pub fn read(keys: &[String], src: &dyn Source) -> Result<Config, Error> {
        check_keys(keys, CLIENT_OPTIONS, Error::config)?;
        let make: MakeErr = Error::config;
        let api_key = match string(src, "apiKey", make)? {
            Some(k) => Some(k),
            None => src.env("AIBADGR_API_KEY"),
        };
        if let Some(k) = &api_key {
            check_api_key(k)?;
        }
        let base = match string(src, "baseUrl", make)? {
            Some(b) => b,
            None => src
                .env("AIBADGR_BASE_URL")
                .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()),
        };
        let base_url = check_base_url(&base).map_err(|what| Error::config("baseUrl", what))?;
        Ok(Config {
            base_url,
            model: string(src, "model", make)?.unwrap_or_else(|| DEFAULT_MODEL.into()),
            embedding_model: string(src, "embeddingModel", make)?
                .unwrap_or_else(|| DEFAULT_EMBEDDING_MODEL.into()),
            headers: headers(src.get("headers"), make)?,
            timeout_ms: ms(src, "timeoutMs", make)?.unwrap_or(DEFAULT_TIMEOUT_MS),
            idle_timeout_ms: ms(src, "idleTimeoutMs", make)?.unwrap_or(DEFAULT_IDLE_TIMEOUT_MS),
            max_retries: retries(src, make)?.unwrap_or(DEFAULT_MAX_RETRIES),
            fallback_models: models(src, make)?.unwrap_or_default(),
            allow_browser: match src.get("allowBrowser") {
                Opt::Missing => false,
                Opt::Bool(b) => b,
                _ => return Err(Error::config("allowBrowser", "must be true or false")),
            },
            max_event_bytes: bytes(src, "maxEventBytes", make)?.unwrap_or(DEFAULT_MAX_EVENT_BYTES),
            max_body_bytes: bytes(src, "maxBodyBytes", make)?.unwrap_or(DEFAULT_MAX_BODY_BYTES),
            log_level: log_level(src)?,
            api_key,
        })
    }

    /// Returns `base_url` joined with `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        let mut u = String::with_capacity(self.base_url.len() + path.len() + 3);
        u.push_str(&self.base_url);
        u.push_str(path);
        u
    }

    /// Returns the URL of the Anthropic-compatible messages endpoint. A base URL with no path
    /// (a proxy root such as `http://localhost:4000`) gets `/v1/messages`, where Anthropic-style
    /// servers (LiteLLM, Anthropic's own API) serve it; any other base gets `/messages`.
    pub fn messages_url(&self) -> String {
        if has_no_path(&self.base_url) {
            self.url("/v1/messages")
        } else {
            self.url("/messages")
        }
    }

    /// Builds the header list for a call: auth and content type, the client's headers, then
    /// the call's, later names replacing earlier ones (case-insensitively).
    pub fn request_headers(
        &self,
        extra: &[(&str, &str)],
        call: &[(String, String)],
    ) -> Vec<(String, String)> {
        let mut h: Vec<(String, String)> = Vec::with_capacity(4 + self.headers.len() + call.len());
        if let Some(k) = &self.api_key {
            let mut v = String::with_capacity(7 + k.len());
            v.push_str("Bearer ");
            v.push_str(k);
            h.push(("authorization".into(), v));
        }
        h.push(("content-type".into(), "application/json".into()));
        for (k, v) in extra {
            set_header(&mut h, k, v);
        }
        for (k, v) in self.headers.iter().chain(call.iter()) {
            set_header(&mut h, k, v);
        }
        h
    }
}

impl CallOptions {
    /// Reads per-call options (`keys` must each be one of [`CALL_OPTIONS`]; the face checks
    /// `signal` itself).
    pub fn read(keys: &[String], src: &dyn Source) -> Result<CallOptions, Error> {
        check_keys(keys, CALL_OPTIONS, Error::invalid)?;
        let make: MakeErr = Error::invalid;
        Ok(CallOptions {
            headers: headers(src.get("headers"), make)?,
            timeout_ms: ms(src, "timeoutMs", make)?,
            idle_timeout_ms: ms(src, "idleTimeoutMs", make)?,
            max_retries: retries(src, make)?,
            fallback_models: models(src, make)?,
            max_event_bytes: bytes(src, "maxEventBytes", make)?,
            max_body_bytes: bytes(src, "maxBodyBytes", make)?,
        })
    }
}

/// Reads `logLevel`, else `AIBADGR_LOG`; default off.
fn log_level(src: &dyn Source) -> Result<Level, Error> {
    let bad = |name: &str| {
        let mut what = String::from("must be ");
        what.push_str(LEVELS);
        Error::config(name, &what)
    };
    match string(src, "logLevel", Error::config)? {
        Some(l) => Level::parse(&l).ok_or_else(|| bad("logLevel")),
        None => match src.env("AIBADGR_LOG") {
            Some(l) => Level::parse(&l).ok_or_else(|| bad("AIBADGR_LOG")),
            None => Ok(Level::Off),
        },
    }
}

fn set_header(h: &mut Vec<(String, String)>, name: &str, value: &str) {
    let name = name.to_ascii_lowercase();
    match h.iter_mut().find(|(k, _)| *k == name) {
        Some(slot) => slot.1 = value.to_owned(),
        None => h.push((name, value.to_owned())),
    }
}

/// Makes the error for a bad option: `Error::config` for the client, `Error::invalid` for a
/// call.
pub type MakeErr = fn(&str, &str) -> Error;

/// Returns the error for an options value that is not a plain object.
pub fn not_an_object(what: &str, example: &str, make: MakeErr) -> Error {
    let mut says = String::from("must be an object, for example ");
    says.push_str(example);
    make(what, &says)
}

fn check_keys(keys: &[String], known: &str, make: MakeErr) -> Result<(), Error> {
    #[allow(clippy::disallowed_methods)] // split on a char: no two-way searcher
    match keys
        .iter()
        .find(|k| !known.split(',').any(|n| n.trim_start() == k.as_str()))
    {
        Some(k) => {
            let mut what = String::from("is not an option; the options are ");
            what.push_str(known);
            Err(make(k, &what))
        }
        None => Ok(()),
    }
}

fn string(src: &dyn Source, name: &str, make: MakeErr) -> Result<Option<String>, Error> {
    match src.get(name) {
        Opt::Missing => Ok(None),
        Opt::Str(s) if !s.trim().is_empty() => Ok(Some(s)),
        Opt::Str(_) => Err(make(
            name,
            "is empty; pass a non-empty string or leave it out",
        )),
        _ => Err(make(name, "must be a string")),
    }
}

fn ms(src: &dyn Source, name: &str, make: MakeErr) -> Result<Option<f64>, Error> {
    match src.get(name) {
        Opt::Missing => Ok(None),
        Opt::Num(n) if n.is_finite() && n > 0.0 && n <= MAX_TIMER_MS => Ok(Some(n)),
        _ => Err(make(
            name,
            "must be a number of milliseconds between 1 and 2147483647",
        )),
    }
}

fn bytes(src: &dyn Source, name: &str, make: MakeErr) -> Result<Option<usize>, Error> {
    match src.get(name) {
        Opt::Missing => Ok(None),
        Opt::Num(n) if n.fract() == 0.0 && (1.0..=MAX_LIMIT_BYTES).contains(&n) => {
            Ok(Some(n as usize))
        }
        _ => Err(make(
            name,
            "must be a whole number of bytes from 1 to 4294967295",
        )),
    }
}

fn retries(src: &dyn Source, make: MakeErr) -> Result<Option<u32>, Error> {
    match src.get("maxRetries") {
        Opt::Missing => Ok(None),
        Opt::Num(n) if n.fract() == 0.0 && (0.0..=10.0).contains(&n) => Ok(Some(n as u32)),
        _ => Err(make("maxRetries", "must be a whole number from 0 to 10")),
    }
}

fn models(src: &dyn Source, make: MakeErr) -> Result<Option<Vec<String>>, Error> {
    let bad = || {
        make(
            "fallbackModels",
            "must be an array of model names, for example [\"normal\", \"premium\"]",
        )
    };
    let items = match src.get("fallbackModels") {
        Opt::Missing => return Ok(None),
        Opt::List(items) => items,
        _ => return Err(bad()),
    };
    let mut out = Vec::with_capacity(items.len());
    for m in items {
        match m {
            Opt::Str(s) if !s.trim().is_empty() => out.push(s),
            _ => return Err(bad()),
        }
    }
    Ok(Some(out))
}

fn headers(v: Opt, make: MakeErr) -> Result<Vec<(String, String)>, Error> {
    let entries = match v {
        Opt::Missing | Opt::Null => return Ok(Vec::new()),
        Opt::Map(entries) => entries,
        _ => {
            return Err(make(
                "headers",
                "must be a plain object of header names to string values",
            ))
        }
    };
    let mut out = Vec::with_capacity(entries.len());
    for (k, val) in entries {
        if !valid_header_name(&k) {
            let mut what = String::from("has an invalid header name: ");
            what.push_str(crate::text::truncate(&k, 64));
            return Err(make("headers", &what));
        }
        let s = match val {
            Opt::Str(s) => s,
            _ => {
                let mut what = String::from("must map each name to a string; fix headers[\"");
                what.push_str(crate::text::truncate(&k, 64));
                what.push_str("\"]");
                return Err(make("headers", &what));
            }
        };
        if !valid_header_value(&s) {
            let mut what =
                String::from("has a value with a line break or control character under ");
            what.push_str(crate::text::truncate(&k, 64));
            return Err(make("headers", &what));
        }
        out.push((k.to_ascii_lowercase(), s));
    }
    Ok(out)
}

/// Checks an API key without ever putting it in the error text.
pub fn check_api_key(k: &str) -> Result<(), Error> {
    if k.trim() != k {
        return Err(Error::config(
            "apiKey",
            "has leading or trailing spaces; pass the key exactly",
        ));
    }
    if !valid_header_value(k) || !k.is_ascii() {
        return Err(Error::config(
            "apiKey",
            "contains characters that cannot be sent in a header; check that the whole key was copied",
        ));
    }
    Ok(())
}

/// Validates a base URL and strips trailing `/`. Accepts `http(s)://host[...]`, or a path
/// starting with `/` (a same-origin proxy, in browsers).
pub fn check_base_url(s: &str) -> Result<String, &'static str> {
    let t = s.trim();
    if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must be a URL without spaces, like https://aibadgr.com/api/v1");
    }
    let rest = if let Some(r) = t.strip_prefix("https://") {
        r
    } else if let Some(r) = t.strip_prefix("http://") {
        r
    } else if t.starts_with('/') && !t.starts_with("//") {
        return Ok(t.trim_end_matches('/').to_owned());
    } else {
        return Err("must start with https:// or http:// (for example https://aibadgr.com/api/v1)");
    };
    #[allow(clippy::disallowed_methods)] // split on a char: no two-way searcher
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return Err("has no host name; use a URL like https://aibadgr.com/api/v1");
    }
    if rest.bytes().any(|b| b == b'?' || b == b'#') {
        return Err(
            "must not contain a query or fragment; pass headers through the headers option",
        );
    }
    Ok(t.trim_end_matches('/').to_owned())
}

/// Returns whether an absolute base URL has no path after its host.
fn has_no_path(base: &str) -> bool {
    match crate::text::find(base, "://") {
        Some(i) => !base.get(i + 3..).unwrap_or_default().as_bytes().contains(&b'/'),
        None => false,
    }
}

/// Maps a model name to what the API expects: `aibadgr/premium` is sent as `premium`; tier
/// names and other (OpenAI) names pass through.
pub fn api_model(name: &str) -> &str {
    name.strip_prefix("aibadgr/")
        .filter(|m| !m.is_empty())
        .unwrap_or(name)
}

fn valid_header_name(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn valid_header_value(v: &str) -> bool {
    !v.chars().any(|c| c == '\r' || c == '\n' || c == '\0')
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(
            check_base_url("https://aibadgr.com/api/v1/").unwrap(),
            "https://aibadgr.com/api/v1"
        );
        assert_eq!(
            check_base_url("http://127.0.0.1:4000").unwrap(),
            "http://127.0.0.1:4000"
        );
        assert_eq!(check_base_url("/api/v1/").unwrap(), "/api/v1");
        assert!(check_base_url("aibadgr.com").is_err());
        assert!(check_base_url("https://").is_err());
        assert!(check_base_url("https://x.com/a b").is_err());
        assert!(check_base_url("https://x.com/?key=1").is_err());
        assert!(check_base_url("//x.com").is_err());
        assert!(check_base_url("ftp://x.com").is_err());
    }

    #[test]
    fn messages_url_adds_v1_only_to_a_bare_host() {
        let mut c = test_config();
        c.base_url = "http://127.0.0.1:4000".into();
        assert_eq!(c.messages_url(), "http://127.0.0.1:4000/v1/messages");
        c.base_url = "http://127.0.0.1:4000/v1".into();
        assert_eq!(c.messages_url(), "http://127.0.0.1:4000/v1/messages");
        c.base_url = "https://aibadgr.com/api/v1".into();
        assert_eq!(c.messages_url(), "https://aibadgr.com/api/v1/messages");
        assert_eq!(
            c.url("/chat/completions"),
            "https://aibadgr.com/api/v1/chat/completions"
        );
        c.base_url = "/api/v1".into();
        assert_eq!(c.messages_url(), "/api/v1/messages");
    }

    fn test_config() -> Config {
        Config {
            api_key: None,
            base_url: String::new(),
            model: "basic".into(),
            embedding_model: "e".into(),
            headers: vec![],
            timeout_ms: 1.0,
            idle_timeout_ms: 1.0,
            max_retries: 0,
            fallback_models: vec![],
            allow_browser: false,
            max_event_bytes: DEFAULT_MAX_EVENT_BYTES,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            log_level: Level::Off,
        }
    }

    #[test]
    fn models() {
        assert_eq!(api_model("aibadgr/premium"), "premium");
        assert_eq!(api_model("basic"), "basic");
        assert_eq!(api_model("gpt-4o-mini"), "gpt-4o-mini");
        assert_eq!(api_model("aibadgr/"), "aibadgr/");
    }

    #[test]
    fn header_checks() {
        assert!(valid_header_name("x-trace-id"));
        assert!(!valid_header_name("bad name"));
        assert!(!valid_header_value("a\r\nb"));
        assert!(check_api_key(" sk").is_err());
        assert!(check_api_key("sk-ok").is_ok());
        assert!(check_api_key("sk-é").is_err());
    }

    #[test]
    fn debug_hides_the_key() {
        let mut c = test_config();
        c.api_key = Some("sk-very-secret".into());
        c.headers = vec![("x-a".into(), "sk-very-secret".into())];
        let d = format!("{:?}", c);
        assert!(!d.contains("sk-very-secret"), "{}", d);
        assert!(d.contains("[redacted]"));
    }

    #[test]
    fn headers_merge_case_insensitively() {
        let mut c = test_config();
        c.api_key = Some("k".into());
        c.headers = vec![("authorization".into(), "Bearer other".into())];
        let h = c.request_headers(
            &[("anthropic-version", "2023-06-01")],
            &[("Anthropic-Version".into(), "x".into())],
        );
        assert_eq!(
            h,
            vec![
                ("authorization".to_string(), "Bearer other".to_string()),
                ("content-type".to_string(), "application/json".to_string()),
                ("anthropic-version".to_string(), "x".to_string()),
            ]
        );
    }
}
