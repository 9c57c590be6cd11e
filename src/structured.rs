//! Structured output with no JavaScript in it: reads the answer of a completion (text or a
//! refusal), parses it as JSON (a Markdown code fence around it is tolerated: many
//! compatible servers add one), checks it against the request's `response_format` JSON
//! Schema ([`crate::schema`]), and writes the repair turn that asks the model to fix it.

use crate::json::{self, Value};
use crate::schema::{self, Issue};
use std::borrow::Cow;

/// The model's answer in a completion.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// `choices[0].message.content` as text.
    Text(String),
    /// `choices[0].message.refusal`: the model declined.
    Refusal(String),
}

/// Reads the answer of a chat completion (JSON text). A missing or null content is empty text.
pub fn answer(completion: &str) -> Answer {
    let Ok(c) = json::parse(completion) else {
        return Answer::Text(String::new());
    };
    let msg = c
        .get("choices")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|ch| ch.get("message"));
    if let Some(r) = msg.and_then(|m| m.get("refusal")).and_then(Value::as_str) {
        if !r.trim().is_empty() {
            return Answer::Refusal(r.to_owned());
        }
    }
    let text = match msg.and_then(|m| m.get("content")) {
        Some(Value::String(s)) => s.to_string(),
        // Content parts: the text parts joined.
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").and_then(Value::as_str))
            .collect(),
        _ => String::new(),
    };
    Answer::Text(text)
}

/// The JSON Schema of the request's `response_format` (`json_schema.schema`), if any.
pub fn schema_of(request: &Value<'_>) -> Option<Value<'static>> {
    let rf = request.get("response_format")?;
    rf.get("json_schema")?
        .get("schema")
        .cloned()
        .map(Value::into_owned)
}

/// Returns `text` without a surrounding Markdown code fence (```json ... ```).
pub fn unfence(text: &str) -> &str {
    let t = text.trim();
    let Some(rest) = t.strip_prefix("```") else {
        return t;
    };
    let body = match crate::text::find_byte(rest, b'\n') {
        Some(nl) => rest.get(nl + 1..).unwrap_or(""),
        None => rest,
    };
    body.trim_end().strip_suffix("```").unwrap_or(body).trim()
}

/// Parses the answer and checks it against `schema`: the value as JSON text, or the issues.
pub fn check(text: &str, schema: Option<&Value<'_>>) -> Result<String, Vec<Issue>> {
    let t = unfence(text);
    let v = match json::parse(t) {
        Ok(v) => v,
        Err(e) => {
            let mut m = String::from(if t.is_empty() {
                "is empty; expected a JSON value"
            } else {
                "is not valid JSON ("
            });
            if !t.is_empty() {
                m.push_str(e.what);
                m.push_str(" at byte ");
                json::push_u64(&mut m, e.pos as u64);
                m.push(')');
            }
            return Err(vec![Issue::new(Vec::new(), m)]);
        }
    };
    if let Some(s) = schema {
        let issues = schema::check(s, &v);
        if !issues.is_empty() {
            return Err(issues);
        }
    }
    Ok(v.to_json())
}

/// The two messages that ask the model to fix its answer: the answer itself as the
/// assistant's turn, then a user turn listing what is wrong. Returned as JSON texts.
pub fn repair_turn(text: &str, issues: &[Issue]) -> [String; 2] {
    let s = |t: &str| Value::String(Cow::Owned(t.to_owned()));
    let assistant = Value::Object(vec![
        ("role".into(), s("assistant")),
        ("content".into(), s(text)),
    ]);
    let mut ask = String::from("Your reply does not match the required JSON schema:\n");
    ask.push_str(&schema::describe(issues));
    ask.push_str("\nReply again with only the corrected JSON value: no prose, no code fence.");
    let user = Value::Object(vec![
        ("role".into(), s("user")),
        ("content".into(), s(&ask)),
    ]);
    [assistant.to_json(), user.to_json()]
}

/// Appends the repair turn to a request's messages (JSON text in, JSON text out).
pub fn with_repair(request: &str, text: &str, issues: &[Issue]) -> Option<String> {
    let mut req = json::parse(request).ok()?;
    let turn = repair_turn(text, issues);
    let Some(Value::Array(list)) = req.get_mut("messages") else {
        return None;
    };
    for m in &turn {
        list.push(json::parse(m).ok()?.into_owned());
    }
    Some(req.to_json())
}

/// Whether an API error (status, `param`, message) says the server does not accept
/// `response_format: { type: "json_schema" }`.
pub fn rejects_json_schema(status: Option<u16>, param: Option<&str>, message: &str) -> bool {
    matches!(status, Some(400 | 422))
        && (param.is_some_and(|p| p.starts_with("response_format"))
            || crate::text::contains(message, "response_format")
            || crate::text::contains(message, "json_schema"))
}

/// Rewrites a `json_schema` request for a server that rejects that format: `json_object`
/// instead, with the schema given to the model in a system message. `None` when the request
/// has no `json_schema` format.
pub fn json_object_fallback(request: &str) -> Option<String> {
    let mut req = json::parse(request).ok()?;
    let schema = schema_of(&req)?;
    let s = |t: &str| Value::String(Cow::Owned(t.to_owned()));
    req.set(
        "response_format",
        Value::Object(vec![("type".into(), s("json_object"))]),
    );
    let mut say = String::from(
        "Reply with only one JSON value that matches this JSON Schema (no prose, no code fence):\n",
    );
    schema.write(&mut say);
    let system = Value::Object(vec![
        ("role".into(), s("system")),
        ("content".into(), s(&say)),
    ]);
    let Some(Value::Array(list)) = req.get_mut("messages") else {
        return None;
    };
    list.insert(0, system);
    Some(req.to_json())
}

/// Returns the partial value the streamed answer so far determines, as JSON text (a code
/// fence still opening is skipped), or `None` when not even the start of a value is known.
pub fn partial(text_so_far: &str) -> Option<String> {
    let mut t = text_so_far.trim_start();
    if let Some(rest) = t.strip_prefix("```") {
        t = match crate::text::find_byte(rest, b'\n') {
            Some(nl) => rest.get(nl + 1..).unwrap_or(""),
            None => return None,
        };
        if let Some(end) = crate::text::rfind(t, "```") {
            t = t.get(..end).unwrap_or(t);
        }
    }
    crate::partial::parse(t).map(|v| v.to_json())
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    const SCHEMA: &str = r#"{"type":"object","properties":{"city":{"type":"string"},"pop":{"type":"integer"}},"required":["city","pop"]}"#;

    fn completion(content: &str, refusal: &str) -> String {
        format!(
            r#"{{"choices":[{{"message":{{"role":"assistant","content":{content},"refusal":{refusal}}}}}]}}"#
        )
    }

    #[test]
    fn answers_and_refusals() {
        assert_eq!(
            answer(&completion(r#""{}""#, "null")),
            Answer::Text("{}".into())
        );
        assert_eq!(
            answer(&completion("null", r#""I can't help with that""#)),
            Answer::Refusal("I can't help with that".into())
        );
        assert_eq!(
            answer(&completion(
                r#"[{"type":"text","text":"{\"a\":"},{"type":"text","text":"1}"}]"#,
                "null"
            )),
            Answer::Text(r#"{"a":1}"#.into())
        );
        assert_eq!(answer("{}"), Answer::Text(String::new()));
    }

    #[test]
    fn check_parses_unfences_and_validates() {
        let s = json::parse(SCHEMA).unwrap();
        assert_eq!(
            check(r#" {"city":"Oslo","pop":700000} "#, Some(&s)),
            Ok(r#"{"city":"Oslo","pop":700000}"#.into())
        );
        assert_eq!(
            check("```json\n{\"city\":\"Oslo\",\"pop\":1}\n```", Some(&s)),
            Ok(r#"{"city":"Oslo","pop":1}"#.into())
        );
        let missing = check(r#"{"city":"Oslo"}"#, Some(&s)).unwrap_err();
        assert_eq!(schema::describe(&missing), "- pop: is required");
        let prose = check("The city is Oslo.", Some(&s)).unwrap_err();
        assert_eq!(
            prose[0].message,
            "is not valid JSON (expected a json value at byte 0)"
        );
        assert_eq!(
            check("", None).unwrap_err()[0].message,
            "is empty; expected a JSON value"
        );
        assert_eq!(
            check("[1]", None),
            Ok("[1]".into()),
            "json_object format: any JSON"
        );
    }

    #[test]
    fn schema_of_reads_response_format() {
        let text = format!(
            r#"{{"response_format":{{"type":"json_schema","json_schema":{{"name":"c","schema":{SCHEMA}}}}}}}"#
        );
        let r = json::parse(&text).unwrap();
        assert_eq!(
            schema_of(&r).map(|v| v.to_json()),
            Some(json::parse(SCHEMA).unwrap().to_json())
        );
        assert_eq!(
            schema_of(&json::parse(r#"{"response_format":{"type":"json_object"}}"#).unwrap()),
            None
        );
    }

    #[test]
    fn repair_turn_lists_the_issues() {
        let s = json::parse(SCHEMA).unwrap();
        let issues = check(r#"{"city":1}"#, Some(&s)).unwrap_err();
        let req = with_repair(
            r#"{"model":"m","messages":[{"role":"user","content":"go"}]}"#,
            r#"{"city":1}"#,
            &issues,
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&req).unwrap();
        assert_eq!(
            v["messages"][1],
            serde_json::json!({"role":"assistant","content":"{\"city\":1}"})
        );
        assert_eq!(
            v["messages"][2]["content"],
            "Your reply does not match the required JSON schema:\n- pop: is required\n- city: must be a string (got an integer)\nReply again with only the corrected JSON value: no prose, no code fence."
        );
        assert_eq!(v["model"], "m");
        assert!(with_repair("{}", "x", &issues).is_none());
    }

    #[test]
    fn json_object_fallback_moves_the_schema_into_a_system_message() {
        let req = format!(
            r#"{{"model":"m","messages":[{{"role":"user","content":"go"}}],"response_format":{{"type":"json_schema","json_schema":{{"name":"c","schema":{SCHEMA}}}}}}}"#
        );
        let v: serde_json::Value =
            serde_json::from_str(&json_object_fallback(&req).unwrap()).unwrap();
        assert_eq!(
            v["response_format"],
            serde_json::json!({"type":"json_object"})
        );
        assert_eq!(v["messages"][0]["role"], "system");
        assert!(v["messages"][0]["content"]
            .as_str()
            .unwrap()
            .ends_with(&json::parse(SCHEMA).unwrap().to_json()));
        assert_eq!(v["messages"][1]["content"], "go");
        assert!(json_object_fallback(
            r#"{"messages":[],"response_format":{"type":"json_object"}}"#
        )
        .is_none());
        assert!(rejects_json_schema(Some(400), Some("response_format"), "x"));
        assert!(rejects_json_schema(
            Some(400),
            None,
            "Unsupported response_format type json_schema"
        ));
        assert!(!rejects_json_schema(Some(400), Some("messages"), "bad"));
        assert!(!rejects_json_schema(
            Some(500),
            Some("response_format"),
            "x"
        ));
    }

    #[test]
    fn partial_grows_with_the_text() {
        assert_eq!(partial(""), None);
        assert_eq!(
            partial(r#"{"city":"Os"#).as_deref(),
            Some(r#"{"city":"Os"}"#)
        );
        assert_eq!(
            partial("```json\n{\"a\":[1,").as_deref(),
            Some(r#"{"a":[1]}"#)
        );
        assert_eq!(partial("```js"), None);
        assert_eq!(
            partial("```json\n{\"a\":2}\n```").as_deref(),
            Some(r#"{"a":2}"#)
        );
        let doc = r#"{"city":"Oslo","tags":["a","b"],"n":12}"#;
        let mut last = String::new();
        for end in (0..=doc.len()).filter(|i| doc.is_char_boundary(*i)) {
            if let Some(p) = partial(&doc[..end]) {
                last = p;
            }
        }
        assert_eq!(last, doc);
    }
}
