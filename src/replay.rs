//! Some OpenAI-compatible servers ignore `stream: true` and answer with one JSON body. This
//! turns such a body into the event stream a streaming server would have sent, so the stream
//! API (iteration, `text()`, `toSSE()`, `final()`) works the same on them.

use crate::json::{self, Value};

/// Returns the SSE text of a `chat.completion` replayed as one `chat.completion.chunk` and
/// `[DONE]`; `None` if `body` is not a chat completion.
pub fn chat(body: &str) -> Option<String> {
    let v = json::parse(body).ok()?;
    let choices = v.get("choices")?.as_array()?;
    let mut deltas = Vec::with_capacity(choices.len());
    for (i, c) in choices.iter().enumerate() {
        let mut message = c.get("message")?.clone();
        if let Some(Value::Array(calls)) = message.get_mut("tool_calls") {
            for (j, call) in calls.iter_mut().enumerate() {
                call.set("index", num(j));
            }
        }
        let mut choice = Value::Object(vec![
            ("index".into(), c.get("index").cloned().unwrap_or(num(i))),
            ("delta".into(), message),
        ]);
        for key in ["logprobs", "finish_reason"] {
            choice.set(key, c.get(key).cloned().unwrap_or(Value::Null));
        }
        // Members this client does not know pass through (Azure's content_filter_results).
        for (k, m) in c.as_object().unwrap_or_default() {
            if !matches!(
                k.as_ref(),
                "index" | "message" | "delta" | "logprobs" | "finish_reason"
            ) {
                choice.set(k, m.clone());
            }
        }
        deltas.push(choice);
    }
    let mut chunk = v.clone();
    chunk.set("object", Value::String("chat.completion.chunk".into()));
    chunk.set("choices", Value::Array(deltas));
    let mut out = String::from("data: ");
    chunk.write(&mut out);
    out.push_str("\n\ndata: [DONE]\n\n");
    Some(out)
}

/// Returns the SSE text of an Anthropic `Message` replayed as its stream events; `None` if
/// `body` is not a message.
pub fn message(body: &str) -> Option<String> {
    let v = json::parse(body).ok()?;
    let blocks = v.get("content")?.as_array()?;
    let mut out = String::new();
    let mut start = v.clone();
    start.set("content", Value::Array(Vec::new()));
    start.set("stop_reason", Value::Null);
    start.set("stop_sequence", Value::Null);
    event(&mut out, "message_start", vec![("message", start)]);
    for (i, b) in blocks.iter().enumerate() {
        let index = num(i);
        let mut open = b.clone();
        let mut deltas: Vec<Value<'_>> = Vec::new();
        let delta = |kind: &str, key: &str, text: Value<'static>| {
            Value::Object(vec![
                ("type".into(), Value::String(kind.to_owned().into())),
                (key.to_owned().into(), text),
            ])
        };
        match b.get("type").and_then(Value::as_str) {
            Some("text") => {
                open.set("text", Value::String("".into()));
                open.remove("citations");
                let text = b.get("text").and_then(Value::as_str).unwrap_or("");
                deltas.push(delta(
                    "text_delta",
                    "text",
                    Value::String(text.to_owned().into()),
                ));
                for c in b
                    .get("citations")
                    .and_then(Value::as_array)
                    .unwrap_or_default()
                {
                    deltas.push(delta("citations_delta", "citation", c.clone().into_owned()));
                }
            }
            Some("tool_use" | "server_tool_use") => {
                open.set("input", Value::Object(Vec::new()));
                let input = b
                    .get("input")
                    .map(Value::to_json)
                    .unwrap_or_else(|| "{}".into());
                deltas.push(delta(
                    "input_json_delta",
                    "partial_json",
                    Value::String(input.into()),
                ));
            }
            Some("thinking") => {
                open.set("thinking", Value::String("".into()));
                open.set("signature", Value::String("".into()));
                let t = b.get("thinking").and_then(Value::as_str).unwrap_or("");
                deltas.push(delta(
                    "thinking_delta",
                    "thinking",
                    Value::String(t.to_owned().into()),
                ));
                if let Some(sig) = b.get("signature").and_then(Value::as_str) {
                    deltas.push(delta(
                        "signature_delta",
                        "signature",
                        Value::String(sig.to_owned().into()),
                    ));
                }
            }
            _ => {}
        }
        event(
            &mut out,
            "content_block_start",
            vec![("index", index.clone()), ("content_block", open)],
        );
        for d in deltas {
            event(
                &mut out,
                "content_block_delta",
                vec![("index", index.clone()), ("delta", d)],
            );
        }
        event(&mut out, "content_block_stop", vec![("index", index)]);
    }
    let mut delta = Value::Object(Vec::new());
    for key in ["stop_reason", "stop_sequence"] {
        delta.set(key, v.get(key).cloned().unwrap_or(Value::Null));
    }
    let usage = v.get("usage").cloned().unwrap_or(Value::Object(Vec::new()));
    event(
        &mut out,
        "message_delta",
        vec![("delta", delta), ("usage", usage)],
    );
    event(&mut out, "message_stop", Vec::new());
    Some(out)
}

/// A JSON number (without `core::fmt`).
fn num(n: usize) -> Value<'static> {
    let mut s = String::new();
    json::push_u64(&mut s, n as u64);
    Value::Number(s.into())
}

/// Appends `event: <kind>` and `data: {"type":<kind>, members...}`.
fn event(out: &mut String, kind: &str, members: Vec<(&str, Value<'_>)>) {
    let mut obj = vec![("type".into(), Value::String(kind.to_owned().into()))];
    obj.extend(members.into_iter().map(|(k, v)| (k.to_owned().into(), v)));
    out.push_str("event: ");
    out.push_str(kind);
    out.push_str("\ndata: ");
    Value::Object(obj).write(out);
    out.push_str("\n\n");
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::accumulate::chat::ChatAccumulator;
    use crate::accumulate::messages::MessagesAccumulator;
    use crate::sse::SseParser;

    fn events(sse: &str) -> Vec<crate::sse::SseEvent> {
        let mut p = SseParser::new();
        p.push(sse.as_bytes());
        let mut out = Vec::new();
        while let Some(e) = p.finish() {
            out.push(e);
        }
        out
    }

    #[test]
    fn a_chat_completion_replays_to_itself() {
        let body = r#"{"id":"c1","object":"chat.completion","created":5,"model":"basic","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},"logprobs":null,"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#;
        let sse = chat(body).unwrap();
        let evs = events(&sse);
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[1].data, "[DONE]");
        let mut acc = ChatAccumulator::new();
        acc.push(&evs[0].data).unwrap();
        assert!(acc.saw_finish());
        let a: serde_json::Value = serde_json::from_str(&acc.finish()).unwrap();
        let b: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(a, b);
        assert!(chat(r#"{"error":{"message":"x"}}"#).is_none());
        assert!(chat("nope").is_none());
    }

    #[test]
    fn a_message_replays_to_itself() {
        let body = r#"{"id":"m1","type":"message","role":"assistant","model":"basic","content":[{"type":"thinking","thinking":"hmm","signature":"sig"},{"type":"text","text":"Hi there","citations":[{"type":"char_location","cited_text":"x"}]},{"type":"tool_use","id":"t1","name":"get_weather","input":{"location":"Paris"}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":4}}"#;
        let sse = message(body).unwrap();
        let mut acc = MessagesAccumulator::new();
        for e in events(&sse) {
            acc.push(e.event.as_deref(), &e.data).unwrap();
        }
        assert!(acc.stopped());
        let a: serde_json::Value = serde_json::from_str(&acc.finish()).unwrap();
        let b: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(a, b);
        assert!(message(r#"{"type":"error","error":{"type":"x","message":"y"}}"#).is_none());
    }
}
