//! Log levels and the text of every log line: pure, tested natively. The wasm face
//! ([`crate::logger`]) only decides nothing and calls `logger[level](line)`.
//!
//! One line per request start and response (`info`), retry and fallback (`warn`), failure
//! (`error`), stream end (`info`); request and response bodies only at `debug`. Every line
//! goes through [`redact`] before it leaves Rust, so the API key never reaches a logger.

use crate::usage::Usage;

/// How much is logged; each level includes the ones before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Nothing (the default).
    Off = 0,
    /// Failed calls.
    Error = 1,
    /// Retries and fallbacks too.
    Warn = 2,
    /// Every request, response and stream end too.
    Info = 3,
    /// Request and response bodies too.
    Debug = 4,
}

/// The accepted `logLevel` / `AIBADGR_LOG` values.
pub const LEVELS: &str = "\"off\", \"error\", \"warn\", \"info\" or \"debug\"";

/// How many characters of a body a debug line shows.
pub const BODY_CHARS: usize = 2000;

impl Level {
    /// Reads a level name (case-insensitive, surrounding spaces ignored).
    pub fn parse(s: &str) -> Option<Level> {
        let s = s.trim();
        let names: [(&str, Level); 8] = [
            ("off", Level::Off),
            ("none", Level::Off),
            ("silent", Level::Off),
            ("error", Level::Error),
            ("warn", Level::Warn),
            ("warning", Level::Warn),
            ("info", Level::Info),
            ("debug", Level::Debug),
        ];
        names
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(s))
            .map(|(_, l)| *l)
    }

    /// Returns the logger method a line of this level goes to.
    pub fn method(self) -> &'static str {
        match self {
            Level::Off | Level::Debug => "debug",
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
        }
    }
}

fn start() -> String {
    String::from("aibadgr: ")
}

fn num(out: &mut String, n: u64) {
    crate::json::push_u64(out, n);
}

/// `aibadgr: POST https://…/chat/completions model=premium stream` (info).
#[inline(never)]
pub fn request(method: &str, url: &str, model: Option<&str>, stream: bool) -> String {
    let mut l = start();
    l.push_str(method);
    l.push(' ');
    l.push_str(url);
    if let Some(m) = model.filter(|m| !m.is_empty()) {
        l.push_str(" model=");
        l.push_str(m);
    }
    if stream {
        l.push_str(" stream");
    }
    l
}

/// `aibadgr: retry 1 of 2 in 500 ms after 503 (…)` (warn).
#[inline(never)]
pub fn retry(retry: u32, max: u32, wait_ms: u64, reason: &str) -> String {
    let mut l = start();
    l.push_str("retry ");
    num(&mut l, u64::from(retry));
    l.push_str(" of ");
    num(&mut l, u64::from(max));
    l.push_str(" in ");
    num(&mut l, wait_ms);
    l.push_str(" ms after: ");
    l.push_str(crate::text::truncate(reason, 300));
    l
}

/// `aibadgr: model premium failed (…); falling back to normal` (warn).
#[inline(never)]
pub fn fallback(from: &str, to: &str, reason: &str) -> String {
    let mut l = start();
    l.push_str("model ");
    l.push_str(from);
    l.push_str(" failed (");
    l.push_str(crate::text::truncate(reason, 300));
    l.push_str("); falling back to ");
    l.push_str(to);
    l
}

/// `aibadgr: 200 in 35 ms, request id req_…, 2 attempts` (info).
#[inline(never)]
pub fn response(status: u16, ms: u64, request_id: Option<&str>, attempts: u32) -> String {
    let mut l = start();
    num(&mut l, u64::from(status));
    l.push_str(" in ");
    num(&mut l, ms);
    l.push_str(" ms");
    if let Some(id) = request_id {
        l.push_str(", request id ");
        l.push_str(crate::text::truncate(id, 200));
    }
    if attempts > 1 {
        l.push_str(", ");
        num(&mut l, u64::from(attempts));
        l.push_str(" attempts");
    }
    l
}

/// `aibadgr: stream ended after 12 events in 80 ms, tokens 5 prompt + 7 completion = 12` (info).
#[inline(never)]
pub fn stream_end(events: u64, ms: u64, usage: Option<Usage>) -> String {
    let mut l = start();
    l.push_str("stream ended after ");
    num(&mut l, events);
    l.push_str(if events == 1 {
        " event in "
    } else {
        " events in "
    });
    num(&mut l, ms);
    l.push_str(" ms");
    match usage {
        Some(u) => {
            l.push_str(", tokens ");
            num(&mut l, u.prompt);
            l.push_str(" prompt + ");
            num(&mut l, u.completion);
            l.push_str(" completion = ");
            num(&mut l, u.total);
            if u.cached > 0 {
                l.push_str(" (");
                num(&mut l, u.cached);
                l.push_str(" cached)");
            }
        }
        None => l.push_str(", no usage reported"),
    }
    l
}

/// `aibadgr: failed (kind api, status 401): …` (error); also for a stream that broke.
#[inline(never)]
pub fn failed(kind: &str, status: Option<u16>, message: &str) -> String {
    let mut l = start();
    l.push_str("failed (");
    l.push_str(kind);
    if let Some(s) = status {
        l.push_str(", status ");
        num(&mut l, u64::from(s));
    }
    l.push_str("): ");
    l.push_str(crate::text::truncate(message, 500));
    l
}

/// `aibadgr: request body: {…}` (debug), cut at [`BODY_CHARS`].
#[inline(never)]
pub fn body(what: &str, text: &str) -> String {
    let mut l = start();
    l.push_str(what);
    l.push_str(": ");
    let cut = crate::text::truncate(text, BODY_CHARS);
    l.push_str(cut);
    if cut.len() < text.len() {
        l.push_str("… (");
        num(&mut l, text.len() as u64);
        l.push_str(" bytes)");
    }
    l
}

/// Replaces every occurrence of `secret` (4 characters or more) with `[redacted]`.
#[inline(never)]
pub fn redact(line: String, secret: Option<&str>) -> String {
    crate::redact::key_out(&line, secret).unwrap_or(line)
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    #[test]
    fn levels() {
        assert_eq!(Level::parse("off"), Some(Level::Off));
        assert_eq!(Level::parse(" DEBUG "), Some(Level::Debug));
        assert_eq!(Level::parse("warning"), Some(Level::Warn));
        assert_eq!(Level::parse("verbose"), None);
        assert!(
            Level::Error < Level::Warn && Level::Warn < Level::Info && Level::Info < Level::Debug
        );
        assert_eq!(Level::Warn.method(), "warn");
        assert_eq!(Level::Debug.method(), "debug");
    }

    #[test]
    fn lines() {
        assert_eq!(
            request(
                "POST",
                "http://h/v1/chat/completions",
                Some("premium"),
                true
            ),
            "aibadgr: POST http://h/v1/chat/completions model=premium stream"
        );
        assert_eq!(
            request("GET", "http://h/v1/models", None, false),
            "aibadgr: GET http://h/v1/models"
        );
        assert_eq!(
            retry(1, 2, 500, "503 overloaded"),
            "aibadgr: retry 1 of 2 in 500 ms after: 503 overloaded"
        );
        assert_eq!(
            fallback("premium", "basic", "404 no such model"),
            "aibadgr: model premium failed (404 no such model); falling back to basic"
        );
        assert_eq!(
            response(200, 35, Some("req_1"), 1),
            "aibadgr: 200 in 35 ms, request id req_1"
        );
        assert_eq!(
            response(200, 35, None, 3),
            "aibadgr: 200 in 35 ms, 3 attempts"
        );
        let u = Usage {
            prompt: 5,
            completion: 7,
            total: 12,
            cached: 2,
        };
        assert_eq!(stream_end(12, 80, Some(u)), "aibadgr: stream ended after 12 events in 80 ms, tokens 5 prompt + 7 completion = 12 (2 cached)");
        assert_eq!(
            stream_end(1, 3, None),
            "aibadgr: stream ended after 1 event in 3 ms, no usage reported"
        );
        assert_eq!(
            failed("api", Some(401), "401 bad key"),
            "aibadgr: failed (api, status 401): 401 bad key"
        );
        assert_eq!(
            failed("timeout", None, "slow"),
            "aibadgr: failed (timeout): slow"
        );
    }

    #[test]
    fn bodies_are_cut_and_keys_redacted() {
        let long = "x".repeat(BODY_CHARS + 10);
        let l = body("response body", &long);
        assert!(l.len() < BODY_CHARS + 60, "{}", l.len());
        assert!(l.ends_with(&format!("({} bytes)", BODY_CHARS + 10)));
        assert_eq!(body("request body", "{}"), "aibadgr: request body: {}");
        let key = "sk-secret-123";
        let l = redact(
            body(
                "request body",
                &format!("{{\"k\":\"{key}\",\"again\":\"{key}\"}}"),
            ),
            Some(key),
        );
        assert!(!l.contains(key));
        assert_eq!(l.matches("[redacted]").count(), 2);
        assert_eq!(redact("abc".into(), Some("ab")), "abc"); // too short to be a key
        assert_eq!(redact("abc".into(), None), "abc");
    }
}
