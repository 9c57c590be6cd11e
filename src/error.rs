//! One error type for every failure. Pure: the wasm face turns it into a JavaScript
//! `AiBadgrError` (`jserror.rs`).

use crate::json;
use crate::redact;
use crate::text;
use core::any::Any;

/// A platform value an error carries for the face to hand back (a JavaScript error or abort
/// reason as `err.cause`, the response metadata as `err.response`). The core never looks into
/// it, the way `http::Extensions` carries values a layer does not know.
pub type Attached = Box<dyn Any>;

/// What kind of failure an [`Error`] is; JavaScript sees it as `err.kind`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// The server answered with an error status or an unusable body.
    Api,
    /// The request never got a response (DNS, connection refused or reset, CORS).
    Network,
    /// `timeoutMs` or `idleTimeoutMs` ran out.
    Timeout,
    /// The caller's `AbortSignal` fired, or the stream was cancelled.
    Aborted,
    /// A streamed body broke: error event, malformed chunk, or truncation.
    Stream,
    /// The request failed validation; nothing was sent.
    InvalidRequest,
    /// The client options are unusable; nothing was sent.
    Config,
    /// The model's answer is unusable as asked (`parse()`: not JSON, not matching the schema
    /// after every repair, or a refusal); the error carries `issues` and `text`.
    Output,
}

impl Kind {
    /// Returns the name JavaScript sees in `err.kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Api => "api",
            Kind::Network => "network",
            Kind::Timeout => "timeout",
            Kind::Aborted => "aborted",
            Kind::Stream => "stream",
            Kind::InvalidRequest => "invalid_request",
            Kind::Config => "config",
            Kind::Output => "output",
        }
    }
}

/// A failure of any call. Its text never contains the API key (see [`Error::redact_texts`]).
/// One pointer wide: its fields ([`ErrorData`]) live in one allocation, so a `Result<_, Error>`
/// moves and drops cheaply (every await state of the call flow holds one).
pub struct Error(Box<ErrorData>);

impl core::ops::Deref for Error {
    type Target = ErrorData;
    fn deref(&self) -> &ErrorData {
        &self.0
    }
}

impl Error {
    /// Takes the fields out (to move several of them at once).
    pub fn into_data(self) -> ErrorData {
        *self.0
    }
}

impl core::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut ErrorData {
        &mut self.0
    }
}

/// What an [`Error`] carries.
pub struct ErrorData {
    /// The kind of failure.
    pub kind: Kind,
    /// One sentence: what happened and what to do.
    pub message: String,
    /// The HTTP status, when a response arrived.
    pub status: Option<u16>,
    /// The `code` of the server's error body (OpenAI style), kept as text.
    pub code: Option<String>,
    /// The `type` of the server's error body (OpenAI `type`, Anthropic `error.type`).
    pub type_: Option<String>,
    /// The `param` of the server's error body.
    pub param: Option<String>,
    /// The `x-request-id` response header.
    pub request_id: Option<String>,
    /// The start of a body that was not a JSON error (an HTML error page, say).
    pub body: Option<String>,
    /// The underlying platform error or abort reason (a JavaScript value in the face).
    pub cause: Option<Attached>,
    /// Whether the response asked for (or allows) another attempt; set by the fetch layer.
    pub retryable: bool,
    /// A server-requested wait before retrying, in milliseconds.
    pub retry_after_ms: Option<u32>,
    /// The response behind the error, when one arrived (`err.response`).
    pub response: Option<Attached>,
}

impl core::fmt::Debug for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// How many bytes of a non-JSON error body are kept in `err.body`.
const BODY_SNIPPET: usize = 512;
/// How much of a body is kept until [`Error::redact_texts`] (which redacts, then cuts to
/// `BODY_SNIPPET`): enough that the key is whole in it, wherever the final cut falls.
pub const BODY_KEEP: usize = 64 * 1024;
/// The longest `err.message` (a server's error message is kept up to this).
const MESSAGE_MAX: usize = 2048;
/// The longest `err.code`, `err.type` or `err.param`.
const FIELD_MAX: usize = 256;

impl Error {
    /// Creates an error of `kind` with `message` and nothing else.
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        Error(Box::new(ErrorData {
            kind,
            message: message.into(),
            status: None,
            code: None,
            type_: None,
            param: None,
            request_id: None,
            body: None,
            cause: None,
            retryable: false,
            retry_after_ms: None,
            response: None,
        }))
    }

    /// Creates an `invalid_request` error naming `field` (a path like `messages[2].role`).
    pub fn invalid(field: &str, what: &str) -> Self {
        let mut e = Error::new(Kind::InvalidRequest, join(field, what));
        e.param = Some(field.to_owned());
        e
    }

    /// Creates a `config` error naming the option.
    pub fn config(option: &str, what: &str) -> Self {
        let mut e = Error::new(Kind::Config, join(option, what));
        e.param = Some(option.to_owned());
        e
    }

    /// Attaches the platform's own error (a JavaScript value in the face) as the cause.
    pub fn with_cause(mut self, cause: impl Any) -> Self {
        self.cause = Some(Box::new(cause));
        self
    }

    /// Builds an `api` error from a non-2xx response: status, body text (OpenAI-style,
    /// Anthropic-style or anything else) and request id.
    pub fn from_response(status: u16, body: &str, request_id: Option<String>) -> Self {
        let mut e = Error::new(Kind::Api, String::new());
        e.status = Some(status);
        e.request_id = request_id;
        let detail = parse_error_body(body, &mut e);
        let mut msg = String::new();
        json::push_u64(&mut msg, u64::from(status));
        msg.push(' ');
        match detail {
            Some(d) if !d.is_empty() => msg.push_str(&d),
            _ => {
                msg.push_str(status_text(status));
                let trimmed = body.trim();
                if trimmed.is_empty() {
                    msg.push_str(" (empty body)");
                } else {
                    msg.push_str(" (the body was not a JSON error; see err.body)");
                    e.body = Some(text::truncate(trimmed, BODY_KEEP).to_owned());
                }
            }
        }
        e.message = msg;
        e
    }

    /// Reads `body` as an error body of any known shape (OpenAI, Anthropic, `{"message"}`,
    /// `{"detail"}`) and returns an `api` error carrying its fields, or `None` if it is not one.
    pub fn from_error_body(status: u16, body: &str, prefix: &str) -> Option<Self> {
        let mut e = Error::new(Kind::Api, String::new());
        let detail = parse_error_body(body, &mut e).filter(|d| !d.is_empty())?;
        e.status = Some(status);
        let mut m = String::from(prefix);
        m.push_str(&detail);
        e.message = m;
        Some(e)
    }

    /// Creates a `stream` error from an error payload that arrived inside a stream.
    pub fn from_stream_payload(
        message: String,
        kind: Option<String>,
        code: Option<String>,
        param: Option<String>,
    ) -> Self {
        let mut e = Error::new(Kind::Stream, String::new());
        e.message = if message.is_empty() {
            "the server sent an error event in the stream".to_owned()
        } else {
            message
        };
        e.type_ = kind;
        e.code = code;
        e.param = param;
        e
    }

    /// Replaces every occurrence of `secret` in the error's texts with `[redacted]`, then cuts
    /// them to their bounds (`body` to 512 bytes, `message` to 2 KiB), leaving no piece of the
    /// key of 8 bytes or more. Servers sometimes echo keys back; they must never reach
    /// JavaScript. Every error that carries server text passes through here (the face's
    /// `redact` also cleans the attached cause).
    pub fn redact_texts(mut self, secret: Option<&str>) -> Self {
        let s = secret.filter(|s| s.len() >= 4);
        if s.is_some_and(|s| text::contains(&self.message, s)) || self.message.len() > MESSAGE_MAX {
            self.message = redact::clean(&self.message, s, MESSAGE_MAX);
        }
        if let Some(b) = self.body.take() {
            let b = redact::clean(&b, s, BODY_SNIPPET);
            self.body = Some(b).filter(|b| !b.is_empty());
        }
        let f = &mut *self.0;
        for t in [&mut f.code, &mut f.type_, &mut f.param]
            .into_iter()
            .flatten()
        {
            if s.is_some_and(|s| text::contains(t, s)) || t.len() > FIELD_MAX {
                *t = redact::clean(t, s, FIELD_MAX);
            }
        }
        self
    }
}

fn join(field: &str, what: &str) -> String {
    let mut s = String::with_capacity(field.len() + what.len() + 1);
    s.push_str(field);
    s.push(' ');
    s.push_str(what);
    s
}

/// The fields of a server's error object, whatever its shape.
#[derive(Default, Debug)]
pub struct Fields {
    /// `message` (or `detail`, FastAPI-style; or the whole text of a string error).
    pub message: Option<String>,
    /// `type`.
    pub type_: Option<String>,
    /// `code`, kept as text.
    pub code: Option<String>,
    /// `param`.
    pub param: Option<String>,
}

/// Reads an error object (`{message, type, code, param}`, or `{detail}`) or a plain string:
/// the one reading of an error's fields, for error bodies, error chunks and error events.
pub fn fields(err: &json::Value<'_>) -> Fields {
    if let json::Value::String(s) = err {
        return Fields {
            message: Some(s.to_string()),
            ..Fields::default()
        };
    }
    Fields {
        message: text_of(err.get("message")).or_else(|| match err.get("detail") {
            Some(d @ (json::Value::Array(_) | json::Value::Object(_))) => Some(d.to_json()),
            d => text_of(d),
        }),
        type_: text_of(err.get("type")),
        code: text_of(err.get("code")),
        param: text_of(err.get("param")),
    }
}

/// Reads an error body in any of the shapes servers use and fills `code`/`type`/`param`;
/// returns the message. Shapes: OpenAI `{"error":{"message","type","code","param"}}`,
/// `{"error":"text"}`, Anthropic `{"type":"error","error":{"type","message"}}`,
/// and `{"message":..}` / `{"detail":..}` (FastAPI-style proxies).
fn parse_error_body(body: &str, e: &mut Error) -> Option<String> {
    let v = json::parse(body).ok()?;
    let err = match v.get("error") {
        Some(inner @ (json::Value::Object(_) | json::Value::String(_))) => inner,
        _ => &v,
    };
    let f = fields(err);
    e.type_ = f.type_.filter(|t| t != "error");
    e.code = f.code;
    e.param = f.param;
    f.message
}

/// Returns a JSON string or number as text; anything else as `None`.
pub fn text_of(v: Option<&json::Value<'_>>) -> Option<String> {
    match v? {
        json::Value::String(s) => Some(s.to_string()),
        json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn status_text(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        529 => "Overloaded",
        _ if status >= 500 => "Server Error",
        _ => "Error",
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    #[test]
    fn openai_body() {
        let e = Error::from_response(
            400,
            r#"{"error":{"message":"bad temp","type":"invalid_request_error","param":"temperature","code":null}}"#,
            Some("req_1".into()),
        );
        assert_eq!(e.message, "400 bad temp");
        assert_eq!(e.type_.as_deref(), Some("invalid_request_error"));
        assert_eq!(e.param.as_deref(), Some("temperature"));
        assert_eq!(e.code, None);
        assert_eq!(e.request_id.as_deref(), Some("req_1"));
    }

    #[test]
    fn anthropic_body() {
        let e = Error::from_response(
            529,
            r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
            None,
        );
        assert_eq!(e.message, "529 Overloaded");
        assert_eq!(e.type_.as_deref(), Some("overloaded_error"));
    }

    #[test]
    fn html_body_is_kept_as_text() {
        let e = Error::from_response(502, "<html><body>Bad gateway</body></html>", None);
        assert!(e.message.starts_with("502 Bad Gateway"));
        assert_eq!(
            e.body.as_deref(),
            Some("<html><body>Bad gateway</body></html>")
        );
    }

    #[test]
    fn numeric_code_and_string_error() {
        let e = Error::from_response(401, r#"{"error":{"message":"no","code":401}}"#, None);
        assert_eq!(e.code.as_deref(), Some("401"));
        let e = Error::from_response(500, r#"{"error":"boom"}"#, None);
        assert_eq!(e.message, "500 boom");
        let e = Error::from_response(422, r#"{"detail":[{"loc":["body"],"msg":"x"}]}"#, None);
        assert_eq!(e.message, r#"422 [{"loc":["body"],"msg":"x"}]"#);
    }

    #[test]
    fn key_is_redacted_everywhere() {
        let key = "sk-secret-123456";
        let e = Error::from_response(
            401,
            r#"{"error":{"message":"Incorrect API key provided: sk-secret-123456.","code":"sk-secret-123456"}}"#,
            None,
        )
        .redact_texts(Some(key));
        assert!(!e.message.contains(key));
        assert!(!format!("{:?}", e).contains(key));
        assert_eq!(e.code.as_deref(), Some("[redacted]"));
        let e = Error::from_response(502, "<p>sk-secret-123456</p>", None).redact_texts(Some(key));
        assert_eq!(e.body.as_deref(), Some("<p>[redacted]</p>"));
    }

    #[test]
    fn an_html_page_of_the_key_leaves_no_piece_of_it() {
        let key = "sk-aibadgr-SECRET-1234567890";
        for pad in 0..key.len() {
            let page = "<html>".to_owned() + &"x".repeat(pad) + &key.repeat(40_000) + "</html>";
            let e = Error::from_response(502, &page, None).redact_texts(Some(key));
            let body = e.body.as_deref().unwrap_or_default();
            assert!(body.len() <= BODY_SNIPPET + 16, "{}", body.len());
            assert!(body.starts_with("<html>"));
            for piece in key.as_bytes().windows(8) {
                let piece = std::str::from_utf8(piece).unwrap();
                assert!(!body.contains(piece), "pad {pad}: {body}");
                assert!(!e.message.contains(piece));
            }
        }
    }

    #[test]
    fn long_server_texts_are_bounded_without_a_key() {
        let msg = "m".repeat(1 << 20);
        let body = format!(r#"{{"error":{{"message":"{msg}","code":"{msg}"}}}}"#);
        let e = Error::from_response(400, &body, None).redact_texts(None);
        assert!(e.message.len() <= MESSAGE_MAX);
        assert!(e.code.as_deref().unwrap_or_default().len() <= FIELD_MAX);
        let e = Error::from_response(502, &"<p>".repeat(1 << 18), None).redact_texts(None);
        assert_eq!(e.body.as_deref().map(str::len), Some(BODY_SNIPPET));
    }
}
