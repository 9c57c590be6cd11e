//! Request checks that run before anything is sent. Each failure names the field to fix.
//!
//! The request is checked as the JSON that would be sent ([`request`], [`embeddings`]: pure
//! Rust, tested natively), after [`numbers`] checked the top-level numeric parameters on the
//! JavaScript object itself, where NaN and Infinity are still visible (JSON turns them into null).

use crate::config::Opt;
use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::json::Value;

/// A numeric parameter's allowed range.
struct Range {
    name: &'static str,
    min: f64,
    max: f64,
    integer: bool,
    says: &'static str,
}

const MAX_INT: f64 = 9_007_199_254_740_991.0;
const AT_LEAST_1: &str = "must be a whole number of at least 1";

const CHAT_NUMBERS: &[Range] = &[
    Range {
        name: "temperature",
        min: 0.0,
        max: 2.0,
        integer: false,
        says: "must be a number from 0 to 2",
    },
    Range {
        name: "top_p",
        min: 0.0,
        max: 1.0,
        integer: false,
        says: "must be a number from 0 to 1",
    },
    Range {
        name: "frequency_penalty",
        min: -2.0,
        max: 2.0,
        integer: false,
        says: "must be a number from -2 to 2",
    },
    Range {
        name: "presence_penalty",
        min: -2.0,
        max: 2.0,
        integer: false,
        says: "must be a number from -2 to 2",
    },
    Range {
        name: "max_tokens",
        min: 1.0,
        max: MAX_INT,
        integer: true,
        says: AT_LEAST_1,
    },
    Range {
        name: "max_completion_tokens",
        min: 1.0,
        max: MAX_INT,
        integer: true,
        says: AT_LEAST_1,
    },
    Range {
        name: "n",
        min: 1.0,
        max: 128.0,
        integer: true,
        says: "must be a whole number from 1 to 128",
    },
    Range {
        name: "seed",
        min: -MAX_INT,
        max: MAX_INT,
        integer: true,
        says: "must be a whole number",
    },
    Range {
        name: "top_logprobs",
        min: 0.0,
        max: 20.0,
        integer: true,
        says: "must be a whole number from 0 to 20",
    },
];

const MESSAGES_NUMBERS: &[Range] = &[
    Range {
        name: "max_tokens",
        min: 1.0,
        max: MAX_INT,
        integer: true,
        says: AT_LEAST_1,
    },
    Range {
        name: "temperature",
        min: 0.0,
        max: 1.0,
        integer: false,
        says: "must be a number from 0 to 1",
    },
    Range {
        name: "top_p",
        min: 0.0,
        max: 1.0,
        integer: false,
        says: "must be a number from 0 to 1",
    },
    Range {
        name: "top_k",
        min: 0.0,
        max: MAX_INT,
        integer: true,
        says: "must be a whole number of at least 0",
    },
];

const EMBEDDINGS_NUMBERS: &[Range] = &[Range {
    name: "dimensions",
    min: 1.0,
    max: 65536.0,
    integer: true,
    says: AT_LEAST_1,
}];

const OPENAI_ROLES: &[&str] = &[
    "system",
    "developer",
    "user",
    "assistant",
    "tool",
    "function",
];
const ANTHROPIC_ROLES: &[&str] = &["user", "assistant"];

/// Checks the top-level numeric parameters on the JavaScript request (before it becomes
/// JSON, which would turn NaN and Infinity into null): `get` reads one of the request's
/// members (the face reads it from the JavaScript object; non-objects are left to
/// [`request`]).
pub fn numbers(api: Endpoint, get: &dyn Fn(&str) -> Opt) -> Result<(), Error> {
    let table = match api {
        Endpoint::Chat => CHAT_NUMBERS,
        Endpoint::Messages => MESSAGES_NUMBERS,
        Endpoint::Embeddings | Endpoint::Models => EMBEDDINGS_NUMBERS,
    };
    for r in table {
        let v = get(r.name);
        let n = match v {
            Opt::Missing | Opt::Null => continue,
            Opt::Num(n) => Some(n),
            _ => None,
        };
        if n.is_some_and(|n| {
            n.is_finite() && n >= r.min && n <= r.max && (!r.integer || n.fract() == 0.0)
        }) {
            continue;
        }
        let mut what = String::from(r.says);
        what.push_str(" (got ");
        what.push_str(match n {
            Some(n) if n.is_nan() => "NaN",
            Some(n) if n.is_infinite() => "Infinity",
            Some(_) => "a number out of range",
            None => v.type_name(),
        });
        what.push(')');
        return Err(Error::invalid(r.name, &what));
    }
    Ok(())
}

/// Checks a chat or messages request as JSON. `streaming` is whether the call streams.
pub fn request(api: Endpoint, req: &Value<'_>, streaming: bool) -> Result<(), Error> {
    if matches!(api, Endpoint::Embeddings | Endpoint::Models) {
        return embeddings(req);
    }
    object(req, "{ model, messages }")?;
    model(req)?;
    if api == Endpoint::Chat {
        messages(req.get("messages"), OPENAI_ROLES, api)?;
        stop(req, "stop", true)?;
        tools(req, api)?;
        if let Some(tc) = present(req, "tool_choice") {
            let ok = match tc {
                Value::String(s) => matches!(s.as_ref(), "none" | "auto" | "required"),
                Value::Object(_) => true,
                _ => false,
            };
            if !ok {
                return Err(Error::invalid(
                    "tool_choice",
                    "must be \"none\", \"auto\", \"required\" or { type: \"function\", function: { name } }",
                ));
            }
        }
        if let Some(rf) = present(req, "response_format") {
            if rf.get("type").and_then(Value::as_str).is_none() {
                return Err(Error::invalid(
                    "response_format",
                    "must be an object with a type, for example { type: \"json_object\" }",
                ));
            }
        }
        string(req, "user")?;
        boolean(req, "logprobs")?;
        boolean(req, "parallel_tool_calls")?;
        if present(req, "stream_options").is_some_and(|v| !matches!(v, Value::Object(_))) {
            return Err(Error::invalid(
                "stream_options",
                "must be an object like { include_usage: true }",
            ));
        }
    } else {
        if req.get("max_tokens").is_none() {
            return Err(Error::invalid(
                "max_tokens",
                "is required by the messages API; add max_tokens (for example 1024)",
            ));
        }
        messages(req.get("messages"), ANTHROPIC_ROLES, api)?;
        stop(req, "stop_sequences", false)?;
        tools(req, api)?;
        if present(req, "system").is_some_and(|s| !matches!(s, Value::String(_) | Value::Array(_)))
        {
            return Err(Error::invalid(
                "system",
                "must be a string or an array of text blocks",
            ));
        }
        if let Some(tc) = present(req, "tool_choice") {
            if !matches!(
                tc.get("type").and_then(Value::as_str),
                Some("auto" | "any" | "tool" | "none")
            ) {
                return Err(Error::invalid(
                    "tool_choice",
                    "must be an object like { type: \"auto\" }, { type: \"any\" } or { type: \"tool\", name }",
                ));
            }
        }
        if present(req, "metadata").is_some_and(|m| !matches!(m, Value::Object(_))) {
            return Err(Error::invalid(
                "metadata",
                "must be an object like { user_id: \"...\" }",
            ));
        }
    }
    if let Some(stream) = present(req, "stream") {
        match stream {
            Value::Bool(true) if !streaming => {
                return Err(Error::invalid(
                    "stream",
                    if api == Endpoint::Chat {
                        "is true, but chat() returns a whole completion; call chatStream() to stream"
                    } else {
                        "is true, but messages() returns a whole message; call messagesStream() to stream"
                    },
                ))
            }
            Value::Bool(false) if streaming => return Err(Error::invalid(
                "stream",
                "is false, but this call streams; remove stream or call the non-streaming method",
            )),
            Value::Bool(_) => {}
            _ => return Err(Error::invalid("stream", "must be true or false")),
        }
    }
    Ok(())
}

/// Checks an embeddings request as JSON.
pub fn embeddings(req: &Value<'_>) -> Result<(), Error> {
    object(req, "{ input }")?;
    model(req)?;
    const SAYS: &str = "must be a non-empty string, an array of non-empty strings, an array of token ids, or an array of token-id arrays";
    match req.get("input") {
        Some(Value::String(s)) if !s.is_empty() => {}
        Some(Value::Array(items)) => {
            if items.is_empty() || items.len() > 2048 {
                return Err(Error::invalid("input", "must hold from 1 to 2048 items"));
            }
            let token = |t: &Value<'_>| t.as_u64().is_some();
            for (i, it) in items.iter().enumerate() {
                let ok = match (items.first(), it) {
                    (Some(Value::String(_)), Value::String(s)) => !s.is_empty(),
                    (Some(Value::Number(_)), t) => token(t),
                    (Some(Value::Array(_)), Value::Array(a)) => {
                        !a.is_empty() && a.iter().all(token)
                    }
                    _ => false,
                };
                if !ok {
                    return Err(Error::invalid(&indexed("input", i), SAYS));
                }
            }
        }
        _ => return Err(Error::invalid("input", SAYS)),
    }
    if present(req, "encoding_format")
        .is_some_and(|f| !matches!(f.as_str(), Some("float" | "base64")))
    {
        return Err(Error::invalid(
            "encoding_format",
            "must be \"float\" or \"base64\"",
        ));
    }
    string(req, "user")
}

/// Returns the member unless it is missing or null.
fn present<'v, 'a>(o: &'v Value<'a>, key: &str) -> Option<&'v Value<'a>> {
    o.get(key).filter(|v| !v.is_null())
}

fn kind(v: Option<&Value<'_>>) -> &'static str {
    match v {
        None => "missing",
        Some(Value::Null) => "null",
        Some(Value::Bool(_)) => "a boolean",
        Some(Value::Number(_)) => "a number",
        Some(Value::String(_)) => "a string",
        Some(Value::Array(_)) => "an array",
        Some(Value::Object(_)) => "an object",
    }
}

fn object(req: &Value<'_>, example: &str) -> Result<(), Error> {
    if matches!(req, Value::Object(_)) {
        return Ok(());
    }
    let mut what = String::from("must be an object like ");
    what.push_str(example);
    what.push_str(", not ");
    what.push_str(kind(Some(req)));
    Err(Error::invalid("request", &what))
}

fn model(req: &Value<'_>) -> Result<(), Error> {
    match req.get("model") {
        None => Ok(()),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(()),
        Some(_) => Err(Error::invalid(
            "model",
            "must be a model name such as \"basic\", \"normal\", \"premium\" or \"aibadgr/premium\"",
        )),
    }
}

fn messages(v: Option<&Value<'_>>, roles: &[&str], api: Endpoint) -> Result<(), Error> {
    let list = match v {
        Some(Value::Array(l)) => l,
        other => {
            let mut what = String::from("must be an array of { role, content } objects, not ");
            what.push_str(kind(other));
            return Err(Error::invalid("messages", &what));
        }
    };
    if list.is_empty() {
        return Err(Error::invalid("messages", "must hold at least one message"));
    }
    for (i, m) in list.iter().enumerate() {
        let at = indexed("messages", i);
        if !matches!(m, Value::Object(_)) {
            let mut what =
                String::from("must be an object like { role: \"user\", content: \"Hi\" }, not ");
            what.push_str(kind(Some(m)));
            return Err(Error::invalid(&at, &what));
        }
        let role = m.get("role").and_then(Value::as_str).unwrap_or("");
        if !roles.contains(&role) {
            let mut what = String::from("must be one of ");
            for (j, r) in roles.iter().enumerate() {
                if j > 0 {
                    what.push_str(", ");
                }
                what.push('"');
                what.push_str(r);
                what.push('"');
            }
            if m.get("role").is_none() {
                what.push_str(" (it is missing)");
            }
            return Err(Error::invalid(&field(&at, "role"), &what));
        }
        let calls = api == Endpoint::Chat
            && role == "assistant"
            && [
                "tool_calls",
                "function_call",
                "refusal",
                "reasoning_content",
                "reasoning",
            ]
            .iter()
            .any(|k| present(m, k).is_some());
        match present(m, "content") {
            Some(Value::String(s)) => {
                if api == Endpoint::Messages && s.is_empty() {
                    return Err(Error::invalid(&field(&at, "content"), "must not be empty"));
                }
            }
            Some(Value::Array(parts)) => {
                if api == Endpoint::Messages && parts.is_empty() {
                    return Err(Error::invalid(
                        &field(&at, "content"),
                        "must hold at least one content block",
                    ));
                }
                for (j, p) in parts.iter().enumerate() {
                    if p.get("type").and_then(Value::as_str).is_none() {
                        return Err(Error::invalid(
                            &indexed(&field(&at, "content"), j),
                            "must be a content part object with a type, for example { type: \"text\", text: \"Hi\" }",
                        ));
                    }
                }
            }
            None if calls => {}
            _ => {
                return Err(Error::invalid(
                    &field(&at, "content"),
                    "must be a string or an array of content parts",
                ))
            }
        }
        if api == Endpoint::Chat
            && role == "tool"
            && m.get("tool_call_id").and_then(Value::as_str).is_none()
        {
            return Err(Error::invalid(
                &field(&at, "tool_call_id"),
                "is required for a tool message: the id of the tool call it answers",
            ));
        }
        if present(m, "tool_calls").is_some_and(|t| !matches!(t, Value::Array(_))) {
            return Err(Error::invalid(
                &field(&at, "tool_calls"),
                "must be an array",
            ));
        }
    }
    Ok(())
}

fn stop(req: &Value<'_>, name: &str, allow_string: bool) -> Result<(), Error> {
    match present(req, name) {
        None => Ok(()),
        Some(Value::String(_)) if allow_string => Ok(()),
        Some(Value::Array(a)) if a.iter().all(|s| matches!(s, Value::String(_))) => Ok(()),
        Some(_) => Err(Error::invalid(
            name,
            if allow_string {
                "must be a string or an array of strings"
            } else {
                "must be an array of strings"
            },
        )),
    }
}

fn tools(req: &Value<'_>, api: Endpoint) -> Result<(), Error> {
    let list = match present(req, "tools") {
        None => return Ok(()),
        Some(Value::Array(l)) => l,
        Some(_) => {
            return Err(Error::invalid(
                "tools",
                "must be an array of tool definitions",
            ))
        }
    };
    for (i, t) in list.iter().enumerate() {
        let ok = match api {
            Endpoint::Chat => match t.get("type").and_then(Value::as_str) {
                Some("function") => t
                    .get("function")
                    .and_then(|f| f.get("name"))
                    .and_then(Value::as_str)
                    .is_some(),
                Some(_) => true,
                None => false,
            },
            _ => t.get("name").and_then(Value::as_str).is_some(),
        };
        if !ok {
            return Err(Error::invalid(
                &indexed("tools", i),
                if api == Endpoint::Chat {
                    "must be { type: \"function\", function: { name, description, parameters } }"
                } else {
                    "must be { name, description, input_schema }"
                },
            ));
        }
    }
    Ok(())
}

fn string(req: &Value<'_>, name: &str) -> Result<(), Error> {
    if present(req, name).is_some_and(|v| !matches!(v, Value::String(_))) {
        return Err(Error::invalid(name, "must be a string"));
    }
    Ok(())
}

fn boolean(req: &Value<'_>, name: &str) -> Result<(), Error> {
    if present(req, name).is_some_and(|v| !matches!(v, Value::Bool(_))) {
        return Err(Error::invalid(name, "must be true or false"));
    }
    Ok(())
}

/// Returns `base[i]`.
pub fn indexed(base: &str, i: usize) -> String {
    let mut s = String::with_capacity(base.len() + 6);
    s.push_str(base);
    s.push('[');
    crate::json::push_u64(&mut s, i as u64);
    s.push(']');
    s
}

fn field(base: &str, name: &str) -> String {
    let mut s = String::with_capacity(base.len() + name.len() + 1);
    s.push_str(base);
    s.push('.');
    s.push_str(name);
    s
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::json::parse;

    fn check(api: Endpoint, text: &str, streaming: bool) -> Result<(), (String, String)> {
        let v = parse(text).unwrap();
        request(api, &v, streaming).map_err(|e| {
            let e = e.into_data();
            (e.param.unwrap_or_default(), e.message)
        })
    }

    fn rejects(api: Endpoint, text: &str, field: &str) {
        match check(api, text, false) {
            Ok(()) => panic!("accepted {text}"),
            Err((p, m)) => {
                assert_eq!(p, field, "{text}: {m}");
                assert!(
                    m.starts_with(field),
                    "message must start with the field: {m}"
                );
            }
        }
    }

    #[test]
    fn accepts_good_requests() {
        let good = [
            r#"{"messages":[{"role":"user","content":"hi"}]}"#,
            r#"{"model":"aibadgr/premium","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"x"}]}],"stop":["a"],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"auto","response_format":{"type":"json_object"},"user":"u","temperature":null}"#,
            r#"{"messages":[{"role":"assistant","content":null,"tool_calls":[]},{"role":"tool","tool_call_id":"c","content":"r"}]}"#,
            // DeepSeek's tool loop: the assistant message goes back with its reasoning.
            r#"{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":null,"reasoning_content":"think","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","content":"r"}]}"#,
            r#"{"messages":[{"role":"assistant","content":null,"reasoning_content":"only thoughts"},{"role":"assistant","content":null,"reasoning":"or this"}]}"#,
            r#"{"messages":[{"role":"user","content":"x"}],"future_param":{"any":[1,2]}}"#,
        ];
        for g in good {
            assert_eq!(check(Endpoint::Chat, g, false), Ok(()), "{g}");
        }
        assert_eq!(
            check(
                Endpoint::Messages,
                r#"{"max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],"system":"s","tool_choice":{"type":"any"}}"#,
                true
            ),
            Ok(())
        );
        assert_eq!(
            check(Endpoint::Embeddings, r#"{"input":[[1,2],[3]]}"#, false),
            Ok(())
        );
        assert_eq!(
            check(
                Endpoint::Embeddings,
                r#"{"input":[1,2,3],"encoding_format":"float"}"#,
                false
            ),
            Ok(())
        );
    }

    #[test]
    fn names_the_field_to_fix() {
        rejects(Endpoint::Chat, r#"[]"#, "request");
        rejects(Endpoint::Chat, r#""hi""#, "request");
        rejects(Endpoint::Chat, r#"{}"#, "messages");
        rejects(Endpoint::Chat, r#"{"messages":"hi"}"#, "messages");
        rejects(Endpoint::Chat, r#"{"messages":[]}"#, "messages");
        rejects(Endpoint::Chat, r#"{"messages":[1]}"#, "messages[0]");
        rejects(
            Endpoint::Chat,
            r#"{"messages":[{"content":"x"}]}"#,
            "messages[0].role",
        );
        rejects(
            Endpoint::Chat,
            r#"{"messages":[{"role":"bot","content":"x"}]}"#,
            "messages[0].role",
        );
        rejects(
            Endpoint::Chat,
            r#"{"messages":[{"role":"user"}]}"#,
            "messages[0].content",
        );
        rejects(
            Endpoint::Chat,
            r#"{"messages":[{"role":"user","content":5}]}"#,
            "messages[0].content",
        );
        rejects(
            Endpoint::Chat,
            r#"{"messages":[{"role":"user","content":[{"text":"x"}]}]}"#,
            "messages[0].content[0]",
        );
        rejects(
            Endpoint::Chat,
            r#"{"messages":[{"role":"tool","content":"x"}]}"#,
            "messages[0].tool_call_id",
        );
        rejects(
            Endpoint::Chat,
            r#"{"messages":[{"role":"assistant","content":"x","tool_calls":{}}]}"#,
            "messages[0].tool_calls",
        );
        rejects(
            Endpoint::Chat,
            r#"{"model":"","messages":[{"role":"user","content":"x"}]}"#,
            "model",
        );
        rejects(
            Endpoint::Chat,
            r#"{"model":5,"messages":[{"role":"user","content":"x"}]}"#,
            "model",
        );
        rejects(
            Endpoint::Chat,
            r#"{"messages":[{"role":"user","content":"x"}],"stop":5}"#,
            "stop",
        );
        rejects(
            Endpoint::Chat,
            r#"{"messages":[{"role":"user","content":"x"}],"tools":{}}"#,
            "tools",
        );
        rejects(
            Endpoint::Chat,
            r#"{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function"}]}"#,
            "tools[0]",
        );
        rejects(
            Endpoint::Chat,
            r#"{"messages":[{"role":"user","content":"x"}],"tool_choice":"sometimes"}"#,
            "tool_choice",
        );
        rejects(
            Endpoint::Chat,
            r#"{"messages":[{"role":"user","content":"x"}],"response_format":"json"}"#,
            "response_format",
        );
        rejects(
            Endpoint::Chat,
            r#"{"messages":[{"role":"user","content":"x"}],"user":1}"#,
            "user",
        );
        rejects(
            Endpoint::Chat,
            r#"{"messages":[{"role":"user","content":"x"}],"logprobs":"yes"}"#,
            "logprobs",
        );
        rejects(
            Endpoint::Chat,
            r#"{"messages":[{"role":"user","content":"x"}],"stream":true}"#,
            "stream",
        );
        rejects(
            Endpoint::Chat,
            r#"{"messages":[{"role":"user","content":"x"}],"stream":"yes"}"#,
            "stream",
        );
        rejects(
            Endpoint::Chat,
            r#"{"messages":[{"role":"user","content":"x"}],"stream_options":true}"#,
            "stream_options",
        );
        rejects(
            Endpoint::Messages,
            r#"{"messages":[{"role":"user","content":"x"}]}"#,
            "max_tokens",
        );
        rejects(
            Endpoint::Messages,
            r#"{"max_tokens":1,"messages":[{"role":"system","content":"x"}]}"#,
            "messages[0].role",
        );
        rejects(
            Endpoint::Messages,
            r#"{"max_tokens":1,"messages":[{"role":"user","content":""}]}"#,
            "messages[0].content",
        );
        rejects(
            Endpoint::Messages,
            r#"{"max_tokens":1,"messages":[{"role":"user","content":[]}]}"#,
            "messages[0].content",
        );
        rejects(
            Endpoint::Messages,
            r#"{"max_tokens":1,"messages":[{"role":"user","content":"x"}],"system":5}"#,
            "system",
        );
        rejects(
            Endpoint::Messages,
            r#"{"max_tokens":1,"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"x"}}"#,
            "tool_choice",
        );
        rejects(
            Endpoint::Messages,
            r#"{"max_tokens":1,"messages":[{"role":"user","content":"x"}],"stop_sequences":"x"}"#,
            "stop_sequences",
        );
        rejects(
            Endpoint::Messages,
            r#"{"max_tokens":1,"messages":[{"role":"user","content":"x"}],"tools":[{}]}"#,
            "tools[0]",
        );
        rejects(
            Endpoint::Messages,
            r#"{"max_tokens":1,"messages":[{"role":"user","content":"x"}],"metadata":[]}"#,
            "metadata",
        );
        rejects(Endpoint::Embeddings, r#"{}"#, "input");
        rejects(Endpoint::Embeddings, r#"{"input":""}"#, "input");
        rejects(Endpoint::Embeddings, r#"{"input":[]}"#, "input");
        rejects(Endpoint::Embeddings, r#"{"input":["a",""]}"#, "input[1]");
        rejects(Endpoint::Embeddings, r#"{"input":["a",1]}"#, "input[1]");
        rejects(Endpoint::Embeddings, r#"{"input":[1,-2]}"#, "input[1]");
        rejects(Endpoint::Embeddings, r#"{"input":[[1],[]]}"#, "input[1]");
        rejects(
            Endpoint::Embeddings,
            r#"{"input":"a","encoding_format":"int8"}"#,
            "encoding_format",
        );
    }

    #[test]
    fn streaming_flags() {
        let req = r#"{"messages":[{"role":"user","content":"x"}],"stream":false}"#;
        assert!(check(Endpoint::Chat, req, true).is_err());
        assert!(check(Endpoint::Chat, req, false).is_ok());
        let req = r#"{"messages":[{"role":"user","content":"x"}],"stream":true}"#;
        assert!(check(Endpoint::Chat, req, true).is_ok());
    }
}
