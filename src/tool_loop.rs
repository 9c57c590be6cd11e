//! The tool loop as a state machine with no JavaScript in it: after each completion it says
//! whether to stop (and why) or which tool calls to run, with their arguments parsed and
//! checked against the tool's `parameters` first; it appends the assistant message and the
//! tool results in call order, sums usage over every step, and never runs more than
//! `maxSteps` model calls. The same machine serves chat (`tool_calls` / `role: "tool"`) and
//! messages (`tool_use` / `tool_result` blocks).

use crate::endpoint::Endpoint;
use crate::error::Error;
use crate::json::{self, Value};
use crate::schema;
use std::borrow::Cow;

/// The most model calls a loop makes when the caller does not say (`maxSteps`).
pub const DEFAULT_MAX_STEPS: u32 = 10;

struct Tool {
    /// The tool's index in the request's `tools`.
    pos: usize,
    name: String,
    params: Option<Value<'static>>,
}

/// One tool call the model asked for, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The call's id (made up as `call_<step>_<n>` when the server sent none).
    pub id: String,
    /// The tool's name as the model wrote it.
    pub name: String,
    /// The index of the tool in the request's `tools`, when there is one of that name.
    pub tool: Option<usize>,
    /// The arguments as JSON text: the parsed object when they were valid, else the most the
    /// (possibly cut-off) text determines, else the raw text as a JSON string.
    pub args: String,
    /// Why the tool is not run (unknown name, unparseable or invalid arguments): the text the
    /// model gets back as the tool's result. `None`: run it.
    pub problem: Option<String>,
}

/// What to do after a completion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// The loop is over; the reason is the completion's finish reason (or `max_steps`).
    Stop(String),
    /// Run these calls (in this order for the results), then call the model again unless
    /// [`Loop::out_of_steps`].
    Run(Vec<Planned>),
}

/// The outcome of one tool call, to send back to the model.
pub struct Outcome {
    /// The call's id.
    pub id: String,
    /// The result as text (a string result as is, anything else as JSON) or the error text.
    pub content: String,
    /// Whether `content` is an error (messages API: `is_error: true`).
    pub is_error: bool,
}

/// The loop's state between model calls.
pub struct Loop {
    wire: Endpoint,
    request: Value<'static>,
    tools: Vec<Tool>,
    max_steps: u32,
    steps: u32,
    usage: Option<Value<'static>>,
}

impl Loop {
    /// Reads the request (JSON text, tools' `run` functions already left out) and prepares
    /// the loop. Fails when the request has no tools.
    pub fn new(wire: Endpoint, request: &str, max_steps: u32) -> Result<Loop, Error> {
        let request = json::parse(request)
            .map_err(|_| {
                Error::invalid("request", "could not be read back as JSON; pass plain data")
            })?
            .into_owned();
        let mut tools = Vec::new();
        let list = request
            .get("tools")
            .and_then(Value::as_array)
            .unwrap_or(&[]);
        for (pos, t) in list.iter().enumerate() {
            let (name, params) = match wire {
                Endpoint::Chat | Endpoint::Embeddings | Endpoint::Models => {
                    let f = t.get("function");
                    (
                        f.and_then(|f| f.get("name")),
                        f.and_then(|f| f.get("parameters")),
                    )
                }
                Endpoint::Messages => (t.get("name"), t.get("input_schema")),
            };
            if let Some(name) = name.and_then(Value::as_str) {
                tools.push(Tool {
                    pos,
                    name: name.to_owned(),
                    params: params.cloned(),
                });
            }
        }
        if tools.is_empty() {
            return Err(Error::invalid(
                "tools",
                "must list at least one tool with a run function for a tool loop; for a single call use chat()",
            ));
        }
        if request.get("messages").and_then(Value::as_array).is_none() {
            return Err(Error::invalid("messages", "must be an array of messages"));
        }
        Ok(Loop {
            wire,
            request,
            tools,
            max_steps: max_steps.max(1),
            steps: 0,
            usage: None,
        })
    }

    /// The request to send for the next step, as JSON text.
    pub fn body(&self) -> String {
        self.request.to_json()
    }

    /// How many model calls have completed.
    pub fn steps(&self) -> u32 {
        self.steps
    }

    /// Whether the next model call would exceed `maxSteps`.
    pub fn out_of_steps(&self) -> bool {
        self.steps >= self.max_steps
    }

    /// The conversation so far (the request's messages, every assistant message and every
    /// tool result), as a JSON array.
    pub fn messages(&self) -> String {
        self.request
            .get("messages")
            .map(Value::to_json)
            .unwrap_or_else(|| "[]".into())
    }

    /// The usage summed over every step, as JSON (`null` when no step reported any).
    pub fn usage(&self) -> String {
        self.usage
            .as_ref()
            .map(Value::to_json)
            .unwrap_or_else(|| "null".into())
    }

    /// Takes a completion (JSON text): sums its usage, appends its assistant message and
    /// decides what comes next.
    pub fn completed(&mut self, completion: &str) -> Result<Next, Error> {
        let c = json::parse(completion).map_err(|_| {
            Error::new(
                crate::error::Kind::Api,
                "the server's completion is not valid JSON",
            )
        })?;
        self.steps += 1;
        if let Some(u @ Value::Object(_)) = c.get("usage") {
            let total = self.usage.get_or_insert_with(|| Value::Object(Vec::new()));
            add_usage(total, u);
        }
        let (message, reason, calls) = match self.wire {
            Endpoint::Chat | Endpoint::Embeddings | Endpoint::Models => self.read_chat(&c),
            Endpoint::Messages => self.read_messages(&c),
        };
        if let Some(Value::Array(list)) = self.request.get_mut("messages") {
            list.push(message);
        }
        if calls.is_empty() {
            return Ok(Next::Stop(reason.unwrap_or_else(|| "stop".into())));
        }
        Ok(Next::Run(calls))
    }

    /// Appends the tool results (in the order of the calls) for the model's next step.
    pub fn results(&mut self, outcomes: &[Outcome]) {
        let Some(Value::Array(list)) = self.request.get_mut("messages") else {
            return;
        };
        let text = |s: &str| Value::String(Cow::Owned(s.to_owned()));
        match self.wire {
            Endpoint::Chat | Endpoint::Embeddings | Endpoint::Models => {
                for o in outcomes {
                    list.push(Value::Object(vec![
                        ("role".into(), text("tool")),
                        ("tool_call_id".into(), text(&o.id)),
                        ("content".into(), text(&o.content)),
                    ]));
                }
            }
            Endpoint::Messages => {
                let blocks = outcomes
                    .iter()
                    .map(|o| {
                        let mut b = vec![
                            ("type".into(), text("tool_result")),
                            ("tool_use_id".into(), text(&o.id)),
                            ("content".into(), text(&o.content)),
                        ];
                        if o.is_error {
                            b.push(("is_error".into(), Value::Bool(true)));
                        }
                        Value::Object(b)
                    })
                    .collect();
                list.push(Value::Object(vec![
                    ("role".into(), text("user")),
                    ("content".into(), Value::Array(blocks)),
                ]));
            }
        }
    }

    /// Reads `choices[0].message`: the message to append (null members dropped, made-up ids
    /// filled in), the finish reason, and the checked calls.
    fn read_chat(&self, c: &Value<'_>) -> (Value<'static>, Option<String>, Vec<Planned>) {
        let choice = c
            .get("choices")
            .and_then(Value::as_array)
            .and_then(|a| a.first());
        let reason = choice
            .and_then(|ch| ch.get("finish_reason"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut msg = match choice.and_then(|ch| ch.get("message")) {
            Some(m @ Value::Object(_)) => m.clone().into_owned(),
            _ => Value::Object(vec![("role".into(), Value::String("assistant".into()))]),
        };
        if let Value::Object(members) = &mut msg {
            members.retain(|(k, v)| {
                k == "content"
                    || !(v.is_null()
                        || k == "parsed"
                        || (k == "annotations" && v.as_array().is_some_and(<[_]>::is_empty)))
            });
        }
        if msg.get("content").is_none() {
            msg.set("content", Value::Null);
        }
        let mut calls = Vec::new();
        if let Some(Value::Array(list)) = msg.get_mut("tool_calls") {
            for (i, call) in list.iter_mut().enumerate() {
                let id = match call.get("id").and_then(Value::as_str) {
                    Some(id) if !id.is_empty() => id.to_owned(),
                    _ => {
                        let id = made_up_id(self.steps, i);
                        call.set("id", Value::String(Cow::Owned(id.clone())));
                        id
                    }
                };
                let f = call.get("function");
                let name = f
                    .and_then(|f| f.get("name"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned();
                let raw = match f.and_then(|f| f.get("arguments")) {
                    Some(Value::String(s)) => s.to_string(),
                    Some(v @ Value::Object(_)) => v.to_json(), // a server that sent an object
                    _ => String::new(),
                };
                calls.push(self.plan(id, name, &raw));
            }
            if list.is_empty() {
                msg.remove("tool_calls");
            }
        }
        (msg, reason, calls)
    }

    /// Reads a Message: its content blocks as the assistant message, `stop_reason`, and the
    /// `tool_use` blocks as calls.
    fn read_messages(&self, c: &Value<'_>) -> (Value<'static>, Option<String>, Vec<Planned>) {
        let reason = c
            .get("stop_reason")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let mut content = match c.get("content") {
            Some(Value::Array(a)) => a.iter().map(|b| b.clone().into_owned()).collect(),
            _ => Vec::new(),
        };
        let mut calls = Vec::new();
        for (i, block) in content.iter_mut().enumerate() {
            if block.get("type").and_then(Value::as_str) != Some("tool_use") {
                continue;
            }
            let id = match block.get("id").and_then(Value::as_str) {
                Some(id) if !id.is_empty() => id.to_owned(),
                _ => {
                    let id = made_up_id(self.steps, i);
                    block.set("id", Value::String(Cow::Owned(id.clone())));
                    id
                }
            };
            let name = block
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let raw = match block.get("input") {
                Some(Value::String(s)) => s.to_string(),
                Some(v) => v.to_json(),
                None => String::new(),
            };
            calls.push(self.plan(id, name, &raw));
        }
        let msg = Value::Object(vec![
            ("role".into(), Value::String("assistant".into())),
            ("content".into(), Value::Array(content)),
        ]);
        (msg, reason, calls)
    }

    /// Parses and checks one call's arguments against its tool.
    fn plan(&self, id: String, name: String, raw: &str) -> Planned {
        let found = self.tools.iter().find(|t| t.name == name);
        let tool = found.map(|t| t.pos);
        let (args, parsed) = parse_args(raw);
        let problem = match (found, &parsed) {
            (None, _) => Some(unknown_tool(&name, &self.tools)),
            (Some(_), Err(why)) => Some(bad_json(&name, why)),
            (Some(t), Ok(v)) => t.params.as_ref().and_then(|p| {
                let issues = schema::check(p, v);
                (!issues.is_empty()).then(|| invalid_args(&name, &issues))
            }),
        };
        Planned {
            id,
            name,
            tool,
            args,
            problem,
        }
    }
}

fn made_up_id(step: u32, i: usize) -> String {
    let mut s = String::from("call_");
    json::push_u64(&mut s, u64::from(step));
    s.push('_');
    json::push_u64(&mut s, i as u64);
    s
}

/// Reads tool arguments: `""` is `{}` (servers send it for tools without parameters), a
/// JSON string that holds an object is that object (double-encoded arguments). Returns the
/// JSON to show as `args` and the value to check, or why it cannot be read.
fn parse_args(raw: &str) -> (String, Result<Value<'static>, String>) {
    let t = raw.trim();
    if t.is_empty() {
        return ("{}".into(), Ok(Value::Object(Vec::new())));
    }
    match json::parse(t) {
        Ok(Value::String(inner))
            if json::parse(inner.trim()).is_ok_and(|v| matches!(v, Value::Object(_))) =>
        {
            let v = json::parse(inner.trim())
                .map(Value::into_owned)
                .unwrap_or(Value::Null);
            (v.to_json(), Ok(v))
        }
        Ok(v) => (v.to_json(), Ok(v.into_owned())),
        Err(e) => {
            let shown = match crate::partial::parse(t) {
                Some(v @ Value::Object(_)) => v.to_json(),
                _ => Value::String(Cow::Borrowed(t)).to_json(),
            };
            let mut why = String::from(e.what);
            why.push_str(" at byte ");
            json::push_u64(&mut why, e.pos as u64);
            (shown, Err(why))
        }
    }
}

fn unknown_tool(name: &str, tools: &[Tool]) -> String {
    let mut s = String::from("Error: there is no tool named ");
    json::write_str(&mut s, name);
    s.push_str("; the tools are ");
    for (i, t) in tools.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(&t.name);
    }
    s.push_str(". Call one of them.");
    s
}

fn bad_json(name: &str, why: &str) -> String {
    let mut s = String::from("Error: the arguments for ");
    s.push_str(name);
    s.push_str(" are not valid JSON (");
    s.push_str(why);
    s.push_str("). Call ");
    s.push_str(name);
    s.push_str(" again with one JSON object as its arguments.");
    s
}

fn invalid_args(name: &str, issues: &[schema::Issue]) -> String {
    let mut s = String::from("Error: the arguments for ");
    s.push_str(name);
    s.push_str(" do not match its parameters:\n");
    s.push_str(&schema::describe(issues));
    s.push_str("\nCall ");
    s.push_str(name);
    s.push_str(" again with arguments that match.");
    s
}

/// Adds every whole-number member of `u` into `total` (nested objects too: token details);
/// other members keep their first value.
fn add_usage(total: &mut Value<'static>, u: &Value<'_>) {
    let Some(members) = u.as_object() else { return };
    for (k, v) in members {
        match (total.get_mut(k), v) {
            (Some(slot @ Value::Number(_)), Value::Number(_)) => {
                if let (Some(a), Some(b)) = (slot.as_u64(), v.as_u64()) {
                    let mut n = String::new();
                    json::push_u64(&mut n, a.saturating_add(b));
                    *slot = Value::Number(Cow::Owned(n));
                }
            }
            (Some(slot @ Value::Object(_)), Value::Object(_)) => add_usage(slot, v),
            (Some(slot @ Value::Null), _) => *slot = v.clone().into_owned(),
            (Some(_), _) => {}
            (None, _) => total.set(k, v.clone().into_owned()),
        }
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    const TOOLS: &str = r#"[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",
        "properties":{"city":{"type":"string"}},"required":["city"],"additionalProperties":false}}},
        {"type":"function","function":{"name":"now"}}]"#;

    fn chat_loop(max: u32) -> Loop {
        let req = format!(
            r#"{{"model":"m","messages":[{{"role":"user","content":"Weather?"}}],"tools":{TOOLS}}}"#
        );
        Loop::new(Endpoint::Chat, &req, max).unwrap()
    }

    fn calls_completion(calls: &[(&str, &str, &str)], usage: &str) -> String {
        let list: Vec<String> = calls
            .iter()
            .map(|(id, name, args)| {
                let mut a = String::new();
                json::write_str(&mut a, args);
                format!(r#"{{"id":"{id}","type":"function","function":{{"name":"{name}","arguments":{a}}}}}"#)
            })
            .collect();
        format!(
            r#"{{"choices":[{{"index":0,"message":{{"role":"assistant","content":null,"refusal":null,"reasoning_content":"think","tool_calls":[{}]}},"finish_reason":"tool_calls"}}],"usage":{usage}}}"#,
            list.join(",")
        )
    }

    fn answer(text: &str, reason: &str) -> String {
        format!(
            r#"{{"choices":[{{"index":0,"message":{{"role":"assistant","content":"{text}","refusal":null,"annotations":[]}},"finish_reason":"{reason}"}}],"usage":{{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7,"completion_tokens_details":{{"reasoning_tokens":1}}}}}}"#
        )
    }

    fn messages(l: &Loop) -> serde_json::Value {
        serde_json::from_str(&l.messages()).unwrap()
    }

    #[test]
    fn calls_then_answer_appends_messages_in_order_and_sums_usage() {
        let mut l = chat_loop(10);
        let usage = r#"{"prompt_tokens":10,"completion_tokens":4,"total_tokens":14,"completion_tokens_details":{"reasoning_tokens":2}}"#;
        let c = calls_completion(
            &[
                ("a", "get_weather", r#"{"city":"Paris"}"#),
                ("b", "now", ""),
            ],
            usage,
        );
        let Next::Run(calls) = l.completed(&c).unwrap() else {
            panic!("expected calls")
        };
        assert_eq!(calls.len(), 2);
        assert_eq!(
            (
                calls[0].id.as_str(),
                calls[0].tool,
                calls[0].problem.as_deref()
            ),
            ("a", Some(0), None)
        );
        assert_eq!(calls[0].args, r#"{"city":"Paris"}"#);
        assert_eq!(
            (calls[1].args.as_str(), calls[1].problem.as_deref()),
            ("{}", None),
            "empty arguments are {{}}"
        );
        assert!(!l.out_of_steps());
        l.results(&[
            Outcome {
                id: "a".into(),
                content: r#"{"temp":21}"#.into(),
                is_error: false,
            },
            Outcome {
                id: "b".into(),
                content: "noon".into(),
                is_error: false,
            },
        ]);
        assert_eq!(
            l.completed(&answer("Sunny", "stop")).unwrap(),
            Next::Stop("stop".into())
        );
        let m = messages(&l);
        assert_eq!(m.as_array().unwrap().len(), 5);
        assert_eq!(
            m[1]["reasoning_content"], "think",
            "reasoning is kept for the round-trip"
        );
        assert!(m[1].get("refusal").is_none(), "null members are dropped");
        assert!(m[1]["content"].is_null(), "content stays, null");
        assert_eq!(
            m[2],
            serde_json::json!({"role":"tool","tool_call_id":"a","content":"{\"temp\":21}"})
        );
        assert_eq!(m[3]["tool_call_id"], "b");
        assert_eq!(
            m[4],
            serde_json::json!({"role":"assistant","content":"Sunny"})
        );
        let u: serde_json::Value = serde_json::from_str(&l.usage()).unwrap();
        assert_eq!(
            u,
            serde_json::json!({"prompt_tokens":15,"completion_tokens":6,"total_tokens":21,"completion_tokens_details":{"reasoning_tokens":3}})
        );
        assert_eq!(l.steps(), 2);
        let body: serde_json::Value = serde_json::from_str(&l.body()).unwrap();
        assert_eq!(body["messages"], m);
        assert_eq!(body["model"], "m");
    }

    #[test]
    fn bad_calls_get_an_error_for_the_model_instead_of_running() {
        let mut l = chat_loop(10);
        let c = calls_completion(
            &[
                ("1", "get_weather", r#"{"city":12,"x":1}"#),
                ("2", "get_weather", r#"{"city":"Par"#),
                ("3", "get_wether", r#"{"city":"Paris"}"#),
                ("4", "get_weather", r#""{\"city\":\"Lima\"}""#),
            ],
            "null",
        );
        let Next::Run(calls) = l.completed(&c).unwrap() else {
            panic!()
        };
        let p = |i: usize| calls[i].problem.clone().unwrap_or_default();
        assert_eq!(
            p(0),
            "Error: the arguments for get_weather do not match its parameters:\n- city: must be a string (got an integer)\n- x: is not allowed (additionalProperties is false; the properties are city)\nCall get_weather again with arguments that match."
        );
        assert!(
            p(1).starts_with(
                "Error: the arguments for get_weather are not valid JSON (unexpected end of input"
            ),
            "{}",
            p(1)
        );
        assert_eq!(
            calls[1].args, r#"{"city":"Par"}"#,
            "cut-off arguments are shown as far as they go"
        );
        assert_eq!(
            p(2),
            r#"Error: there is no tool named "get_wether"; the tools are get_weather, now. Call one of them."#
        );
        assert_eq!(calls[2].tool, None);
        assert_eq!(
            (calls[3].args.as_str(), calls[3].problem.as_ref()),
            (r#"{"city":"Lima"}"#, None),
            "double-encoded arguments"
        );
        assert_eq!(l.usage(), "null");
    }

    #[test]
    fn max_steps_bounds_the_loop() {
        let mut l = chat_loop(2);
        let c = calls_completion(&[("a", "now", "{}")], "null");
        assert!(matches!(l.completed(&c).unwrap(), Next::Run(_)));
        assert!(!l.out_of_steps());
        assert!(matches!(l.completed(&c).unwrap(), Next::Run(_)));
        assert!(
            l.out_of_steps(),
            "two model calls made: the runner stops with max_steps"
        );
        assert!(Loop::new(Endpoint::Chat, r#"{"messages":[],"tools":[]}"#, 0).is_err());
        assert!(chat_loop(0).max_steps == 1, "maxSteps is at least 1");
    }

    #[test]
    fn finish_reason_is_the_stop_reason_and_tool_calls_win_over_it() {
        let mut l = chat_loop(5);
        assert_eq!(
            l.completed(&answer("cut", "length")).unwrap(),
            Next::Stop("length".into())
        );
        let mut l = chat_loop(5);
        let c =
            calls_completion(&[("a", "now", "{}")], "null").replace("\"tool_calls\"}", "\"stop\"}");
        assert!(
            matches!(l.completed(&c).unwrap(), Next::Run(_)),
            "a server that says stop with calls"
        );
        let mut l = chat_loop(5);
        assert_eq!(
            l.completed(r#"{"choices":[]}"#).unwrap(),
            Next::Stop("stop".into())
        );
        assert!(l.completed("not json").is_err());
    }

    #[test]
    fn missing_ids_are_made_up_in_the_call_and_the_message() {
        let mut l = chat_loop(5);
        let c = r#"{"choices":[{"message":{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"now","arguments":"{}"}}]},"finish_reason":"tool_calls"}]}"#;
        let Next::Run(calls) = l.completed(c).unwrap() else {
            panic!()
        };
        assert_eq!(calls[0].id, "call_1_0");
        assert_eq!(messages(&l)[1]["tool_calls"][0]["id"], "call_1_0");
    }

    #[test]
    fn messages_wire_uses_tool_use_and_tool_result_blocks() {
        let req = r#"{"model":"m","max_tokens":9,"messages":[{"role":"user","content":"Weather?"}],
            "tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}]}"#;
        let mut l = Loop::new(Endpoint::Messages, req, 3).unwrap();
        let c = r#"{"type":"message","role":"assistant","content":[{"type":"thinking","thinking":"t","signature":"s"},
            {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Oslo"}},
            {"type":"tool_use","id":"toolu_2","name":"get_weather","input":{}}],"stop_reason":"tool_use","usage":{"input_tokens":3,"output_tokens":4}}"#;
        let Next::Run(calls) = l.completed(c).unwrap() else {
            panic!()
        };
        assert_eq!(calls[0].problem, None);
        assert_eq!(
            calls[1]
                .problem
                .as_deref()
                .map(|p| p.contains("- city: is required")),
            Some(true)
        );
        l.results(&[
            Outcome {
                id: "toolu_1".into(),
                content: "cold".into(),
                is_error: false,
            },
            Outcome {
                id: "toolu_2".into(),
                content: "Error: bad".into(),
                is_error: true,
            },
        ]);
        let end = r#"{"content":[{"type":"text","text":"Cold"}],"stop_reason":"end_turn","usage":{"input_tokens":5,"output_tokens":1}}"#;
        assert_eq!(l.completed(end).unwrap(), Next::Stop("end_turn".into()));
        let m = messages(&l);
        assert_eq!(
            m[1]["content"][0]["type"], "thinking",
            "thinking blocks go back unchanged"
        );
        assert_eq!(
            m[2],
            serde_json::json!({"role":"user","content":[
                {"type":"tool_result","tool_use_id":"toolu_1","content":"cold"},
                {"type":"tool_result","tool_use_id":"toolu_2","content":"Error: bad","is_error":true}]})
        );
        assert_eq!(l.usage(), r#"{"input_tokens":8,"output_tokens":5}"#);
    }

    proptest::proptest! {
        #[test]
        fn any_completion_text_is_handled_without_panicking(text in "\\PC{0,200}", calls in proptest::collection::vec(("[a-z_]{0,8}", "\\PC{0,30}"), 0..4)) {
            let mut l = chat_loop(3);
            let _ = l.completed(&text);
            let list: Vec<(String, String, String)> = calls.iter().enumerate().map(|(i, (n, a))| (i.to_string(), n.clone(), a.clone())).collect();
            let refs: Vec<(&str, &str, &str)> = list.iter().map(|(i, n, a)| (i.as_str(), n.as_str(), a.as_str())).collect();
            if let Ok(Next::Run(planned)) = l.completed(&calls_completion(&refs, "{\"prompt_tokens\":1}")) {
                proptest::prop_assert_eq!(planned.len(), calls.len());
                for p in &planned {
                    proptest::prop_assert!(json::parse(&p.args).is_ok(), "args is always JSON: {}", p.args);
                    proptest::prop_assert!(p.problem.is_some() || p.tool.is_some(), "a call that runs names a known tool");
                }
            }
            let m: serde_json::Value = serde_json::from_str(&l.messages()).unwrap();
            proptest::prop_assert!(m.is_array());
        }
    }
}
