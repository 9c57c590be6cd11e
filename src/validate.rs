//! Request checks that run before anything is sent. Each failure names the field to fix.

use crate::error::Error;
use crate::jsval::{get, is_plain_object, num, type_name};
use js_sys::Array;
use wasm_bindgen::JsValue;

/// Which API a request is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// `/chat/completions`.
    Chat,
    /// Anthropic `/messages`.
    Messages,
}

/// A numeric parameter's allowed range.
struct Range {
    name: &'static str,
    min: f64,
    max: f64,
    integer: bool,
    says: &'static str,
}

const MAX_INT: f64 = 9_007_199_254_740_991.0;

const CHAT_NUMBERS: &[Range] = &[
    Range { name: "temperature", min: 0.0, max: 2.0, integer: false, says: "must be a number from 0 to 2" },
    Range { name: "top_p", min: 0.0, max: 1.0, integer: false, says: "must be a number from 0 to 1" },
    Range { name: "frequency_penalty", min: -2.0, max: 2.0, integer: false, says: "must be a number from -2 to 2" },
    Range { name: "presence_penalty", min: -2.0, max: 2.0, integer: false, says: "must be a number from -2 to 2" },
    Range { name: "max_tokens", min: 1.0, max: MAX_INT, integer: true, says: "must be a whole number of at least 1" },
    Range { name: "max_completion_tokens", min: 1.0, max: MAX_INT, integer: true, says: "must be a whole number of at least 1" },
    Range { name: "n", min: 1.0, max: 128.0, integer: true, says: "must be a whole number from 1 to 128" },
    Range { name: "seed", min: -MAX_INT, max: MAX_INT, integer: true, says: "must be a whole number" },
    Range { name: "top_logprobs", min: 0.0, max: 20.0, integer: true, says: "must be a whole number from 0 to 20" },
];

const MESSAGES_NUMBERS: &[Range] = &[
    Range { name: "max_tokens", min: 1.0, max: MAX_INT, integer: true, says: "must be a whole number of at least 1" },
    Range { name: "temperature", min: 0.0, max: 1.0, integer: false, says: "must be a number from 0 to 1" },
    Range { name: "top_p", min: 0.0, max: 1.0, integer: false, says: "must be a number from 0 to 1" },
    Range { name: "top_k", min: 0.0, max: MAX_INT, integer: true, says: "must be a whole number of at least 0" },
];

const OPENAI_ROLES: &[&str] = &["system", "developer", "user", "assistant", "tool", "function"];
const ANTHROPIC_ROLES: &[&str] = &["user", "assistant"];

/// Checks a chat or messages request. `streaming` is whether the call streams.
pub fn request(api: Api, req: &JsValue, streaming: bool) -> Result<(), Error> {
    request_object(req, "{ model, messages }")?;
    opt_model(req)?;
    match api {
        Api::Chat => {
            messages(&get(req, "messages"), OPENAI_ROLES, api)?;
            numbers(req, CHAT_NUMBERS)?;
            opt_stop(req, "stop", true)?;
            opt_tools(req, api)?;
            let tc = get(req, "tool_choice");
            if present(&tc) {
                let ok = match tc.as_string() {
                    Some(s) => matches!(s.as_str(), "none" | "auto" | "required"),
                    None => is_plain_object(&tc),
                };
                if !ok {
                    return Err(Error::invalid(
                        "tool_choice",
                        "must be \"none\", \"auto\", \"required\" or { type: \"function\", function: { name } }",
                    ));
                }
            }
            let rf = get(req, "response_format");
            if present(&rf) && !(is_plain_object(&rf) && get(&rf, "type").is_string()) {
                return Err(Error::invalid(
                    "response_format",
                    "must be an object with a type, for example { type: \"json_object\" }",
                ));
            }
            opt_string(req, "user")?;
            opt_bool(req, "logprobs")?;
            opt_bool(req, "parallel_tool_calls")?;
            let so = get(req, "stream_options");
            if present(&so) && !is_plain_object(&so) {
                return Err(Error::invalid("stream_options", "must be an object like { include_usage: true }"));
            }
        }
        Api::Messages => {
            if get(req, "max_tokens").is_undefined() {
                return Err(Error::invalid(
                    "max_tokens",
                    "is required by the messages API; add max_tokens (for example 1024)",
                ));
            }
            messages(&get(req, "messages"), ANTHROPIC_ROLES, api)?;
            numbers(req, MESSAGES_NUMBERS)?;
            opt_stop(req, "stop_sequences", false)?;
            opt_tools(req, api)?;
            let sys = get(req, "system");
            if present(&sys) && !sys.is_string() && !Array::is_array(&sys) {
                return Err(Error::invalid("system", "must be a string or an array of text blocks"));
            }
            let tc = get(req, "tool_choice");
            if present(&tc) {
                let t = get(&tc, "type").as_string();
                if !matches!(t.as_deref(), Some("auto" | "any" | "tool" | "none")) {
                    return Err(Error::invalid(
                        "tool_choice",
                        "must be an object like { type: \"auto\" }, { type: \"any\" } or { type: \"tool\", name }",
                    ));
                }
            }
            let md = get(req, "metadata");
            if present(&md) && !is_plain_object(&md) {
                return Err(Error::invalid("metadata", "must be an object like { user_id: \"...\" }"));
            }
        }
    }
    let stream = get(req, "stream");
    if present(&stream) {
        match stream.as_bool() {
            None => return Err(Error::invalid("stream", "must be true or false")),
            Some(true) if !streaming => {
                let what = if api == Api::Chat {
                    "is true, but chat() returns a whole completion; call chatStream() to stream"
                } else {
                    "is true, but messages() returns a whole message; call messagesStream() to stream"
                };
                return Err(Error::invalid("stream", what));
            }
            Some(false) if streaming => {
                return Err(Error::invalid("stream", "is false, but this call streams; remove stream or call the non-streaming method"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Checks an embeddings request.
pub fn embeddings(req: &JsValue) -> Result<(), Error> {
    request_object(req, "{ input }")?;
    opt_model(req)?;
    let input = get(req, "input");
    const SAYS: &str = "must be a non-empty string, an array of non-empty strings, an array of token ids, or an array of token-id arrays";
    if let Some(s) = input.as_string() {
        if s.is_empty() {
            return Err(Error::invalid("input", SAYS));
        }
    } else if Array::is_array(&input) {
        let items = Array::from(&input);
        let n = items.length();
        if n == 0 || n > 2048 {
            return Err(Error::invalid("input", "must hold from 1 to 2048 items"));
        }
        let first = items.get(0);
        for (i, it) in items.iter().enumerate() {
            let ok = if first.is_string() {
                it.as_string().is_some_and(|s| !s.is_empty())
            } else if first.as_f64().is_some() {
                is_token(&it)
            } else if Array::is_array(&first) {
                Array::is_array(&it) && {
                    let a = Array::from(&it);
                    a.length() > 0 && a.iter().all(|t| is_token(&t))
                }
            } else {
                false
            };
            if !ok {
                return Err(Error::invalid(&indexed("input", i), SAYS));
            }
        }
    } else {
        return Err(Error::invalid("input", SAYS));
    }
    let ef = get(req, "encoding_format");
    if present(&ef) && !matches!(ef.as_string().as_deref(), Some("float" | "base64")) {
        return Err(Error::invalid("encoding_format", "must be \"float\" or \"base64\""));
    }
    let d = get(req, "dimensions");
    if present(&d) && !num(&d).is_some_and(|n| n.fract() == 0.0 && n >= 1.0 && n <= 65536.0) {
        return Err(Error::invalid("dimensions", "must be a whole number of at least 1"));
    }
    opt_string(req, "user")
}

fn is_token(v: &JsValue) -> bool {
    num(v).is_some_and(|n| n.fract() == 0.0 && (0.0..=MAX_INT).contains(&n))
}

fn present(v: &JsValue) -> bool {
    !v.is_undefined() && !v.is_null()
}

fn request_object(req: &JsValue, example: &str) -> Result<(), Error> {
    if is_plain_object(req) {
        return Ok(());
    }
    let mut what = String::from("must be an object like ");
    what.push_str(example);
    what.push_str(", not ");
    what.push_str(type_name(req));
    Err(Error::invalid("request", &what))
}

fn opt_model(req: &JsValue) -> Result<(), Error> {
    let m = get(req, "model");
    if m.is_undefined() {
        return Ok(());
    }
    match m.as_string() {
        Some(s) if !s.trim().is_empty() => Ok(()),
        _ => Err(Error::invalid(
            "model",
            "must be a model name such as \"basic\", \"normal\", \"premium\" or \"aibadgr/premium\"",
        )),
    }
}

fn messages(v: &JsValue, roles: &[&str], api: Api) -> Result<(), Error> {
    if !Array::is_array(v) {
        let mut what = String::from("must be an array of { role, content } objects, not ");
        what.push_str(type_name(v));
        return Err(Error::invalid("messages", &what));
    }
    let list = Array::from(v);
    if list.length() == 0 {
        return Err(Error::invalid("messages", "must hold at least one message"));
    }
    for (i, m) in list.iter().enumerate() {
        let at = indexed("messages", i);
        if !is_plain_object(&m) {
            let mut what = String::from("must be an object like { role: \"user\", content: \"Hi\" }, not ");
            what.push_str(type_name(&m));
            return Err(Error::invalid(&at, &what));
        }
        let role = get(&m, "role");
        let role_s = role.as_string().unwrap_or_default();
        if !roles.contains(&role_s.as_str()) {
            let mut what = String::from("must be one of ");
            for (j, r) in roles.iter().enumerate() {
                if j > 0 {
                    what.push_str(", ");
                }
                what.push('"');
                what.push_str(r);
                what.push('"');
            }
            what.push_str(if role.is_undefined() { " (it is missing)" } else { "" });
            return Err(Error::invalid(&field(&at, "role"), &what));
        }
        let content = get(&m, "content");
        let has_calls = api == Api::Chat
            && role_s == "assistant"
            && (present(&get(&m, "tool_calls")) || present(&get(&m, "function_call")) || present(&get(&m, "refusal")));
        if content.is_string() {
            if api == Api::Messages && content.as_string().is_some_and(|s| s.is_empty()) {
                return Err(Error::invalid(&field(&at, "content"), "must not be empty"));
            }
        } else if Array::is_array(&content) {
            let parts = Array::from(&content);
            if api == Api::Messages && parts.length() == 0 {
                return Err(Error::invalid(&field(&at, "content"), "must hold at least one content block"));
            }
            for (j, p) in parts.iter().enumerate() {
                if !(is_plain_object(&p) && get(&p, "type").is_string()) {
                    return Err(Error::invalid(
                        &indexed(&field(&at, "content"), j),
                        "must be a content part object with a type, for example { type: \"text\", text: \"Hi\" }",
                    ));
                }
            }
        } else if !(has_calls && !present(&content)) {
            return Err(Error::invalid(
                &field(&at, "content"),
                "must be a string or an array of content parts",
            ));
        }
        if api == Api::Chat && role_s == "tool" && !get(&m, "tool_call_id").is_string() {
            return Err(Error::invalid(
                &field(&at, "tool_call_id"),
                "is required for a tool message: the id of the tool call it answers",
            ));
        }
        let tool_calls = get(&m, "tool_calls");
        if present(&tool_calls) && !Array::is_array(&tool_calls) {
            return Err(Error::invalid(&field(&at, "tool_calls"), "must be an array"));
        }
    }
    Ok(())
}

fn numbers(req: &JsValue, table: &[Range]) -> Result<(), Error> {
    for r in table {
        let v = get(req, r.name);
        if !present(&v) {
            continue;
        }
        let ok = match num(&v) {
            Some(n) => n.is_finite() && n >= r.min && n <= r.max && (!r.integer || n.fract() == 0.0),
            None => false,
        };
        if !ok {
            let mut what = String::from(r.says);
            match num(&v) {
                Some(n) if n.is_nan() => what.push_str(" (got NaN)"),
                Some(n) if n.is_infinite() => what.push_str(" (got Infinity)"),
                Some(_) => {}
                None => {
                    what.push_str(" (got ");
                    what.push_str(type_name(&v));
                    what.push(')');
                }
            }
            return Err(Error::invalid(r.name, &what));
        }
    }
    Ok(())
}

fn opt_stop(req: &JsValue, name: &str, allow_string: bool) -> Result<(), Error> {
    let v = get(req, name);
    if !present(&v) || (allow_string && v.is_string()) {
        return Ok(());
    }
    if Array::is_array(&v) && Array::from(&v).iter().all(|s| s.is_string()) {
        return Ok(());
    }
    Err(Error::invalid(
        name,
        if allow_string { "must be a string or an array of strings" } else { "must be an array of strings" },
    ))
}

fn opt_tools(req: &JsValue, api: Api) -> Result<(), Error> {
    let v = get(req, "tools");
    if !present(&v) {
        return Ok(());
    }
    if !Array::is_array(&v) {
        return Err(Error::invalid("tools", "must be an array of tool definitions"));
    }
    for (i, t) in Array::from(&v).iter().enumerate() {
        let at = indexed("tools", i);
        let ok = match api {
            Api::Chat => {
                let f = get(&t, "function");
                is_plain_object(&t)
                    && (get(&t, "type").as_string().as_deref() != Some("function") || get(&f, "name").is_string())
                    && get(&t, "type").is_string()
            }
            Api::Messages => is_plain_object(&t) && get(&t, "name").is_string(),
        };
        if !ok {
            return Err(Error::invalid(
                &at,
                match api {
                    Api::Chat => "must be { type: \"function\", function: { name, description, parameters } }",
                    Api::Messages => "must be { name, description, input_schema }",
                },
            ));
        }
    }
    Ok(())
}

fn opt_string(req: &JsValue, name: &str) -> Result<(), Error> {
    let v = get(req, name);
    if present(&v) && !v.is_string() {
        return Err(Error::invalid(name, "must be a string"));
    }
    Ok(())
}

fn opt_bool(req: &JsValue, name: &str) -> Result<(), Error> {
    let v = get(req, name);
    if present(&v) && v.as_bool().is_none() {
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
