//! The client through its wasm-bindgen surface, against the local test server, in Node,
//! headless browsers (page and dedicated worker: every request is cross-origin there, so CORS
//! is exercised) — see tests/wasm.sh.
#![cfg(target_arch = "wasm32")]

use aibadgr::AiBadgr;
use js_sys::{Array, Promise, Reflect, Uint8Array, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{AbortController, ReadableStream, ReadableStreamDefaultReader};

const URL: &str = match option_env!("AIBADGR_TEST_URL") {
    Some(u) => u,
    None => "http://127.0.0.1:18787",
};
const KEY: &str = "sk-test-web-0123456789";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str) -> Promise;
}

fn js(s: &str) -> JsValue {
    JSON::parse(s).expect("test JSON")
}

fn get(v: &JsValue, path: &str) -> JsValue {
    path.split('.')
        .fold(v.clone(), |o, k| match k.parse::<u32>() {
            Ok(i) => Reflect::get_u32(&o, i).unwrap_or(JsValue::UNDEFINED),
            Err(_) => Reflect::get(&o, &k.into()).unwrap_or(JsValue::UNDEFINED),
        })
}

fn s(v: &JsValue, path: &str) -> String {
    get(v, path).as_string().unwrap_or_default()
}

fn client_with(extra: &str) -> AiBadgr {
    let opts = format!(r#"{{"apiKey":"{KEY}","baseUrl":"{URL}","allowBrowser":true{extra}}}"#);
    AiBadgr::new(js(&opts)).expect("client")
}

fn client() -> AiBadgr {
    client_with("")
}

async fn ok(p: Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => v,
        Err(e) => panic!("call failed: {}", s(&e, "message")),
    }
}

async fn fails(p: Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(_) => panic!("call should have failed"),
        Err(e) => e,
    }
}

async fn control(path: &str) -> JsValue {
    let r = JsFuture::from(global_fetch(&format!("{URL}{path}")))
        .await
        .unwrap();
    let p: Promise = Reflect::get(&r, &"json".into())
        .unwrap()
        .unchecked_into::<js_sys::Function>()
        .call0(&r)
        .unwrap()
        .unchecked_into();
    JsFuture::from(p).await.unwrap()
}

fn chat_req(content: &str, test: &str) -> JsValue {
    js(&format!(
        r#"{{"messages":[{{"role":"user","content":"{content}"}}],"_test":{{{test}}}}}"#
    ))
}

fn none() -> JsValue {
    JsValue::UNDEFINED
}

/// Reads every chunk of a stream.
async fn read_all(stream: &JsValue) -> Vec<JsValue> {
    let reader: ReadableStreamDefaultReader = stream
        .clone()
        .unchecked_into::<ReadableStream>()
        .get_reader()
        .unchecked_into();
    let mut out = Vec::new();
    loop {
        let r = JsFuture::from(reader.read()).await.expect("read");
        if get(&r, "done").as_bool() == Some(true) {
            return out;
        }
        out.push(get(&r, "value"));
    }
}

fn call_method(obj: &JsValue, name: &str) -> JsValue {
    Reflect::get(obj, &name.into())
        .unwrap()
        .unchecked_into::<js_sys::Function>()
        .call0(obj)
        .expect("method call")
}

#[wasm_bindgen_test]
async fn chat_maps_tier_prefix_and_returns_completion() {
    let c = client();
    let r = ok(c.chat(js(r#"{"model":"aibadgr/premium","messages":[{"role":"user","content":"hi"}],"_test":{"id":"w-chat"}}"#), none())).await;
    assert_eq!(s(&r, "object"), "chat.completion");
    assert_eq!(s(&r, "model"), "premium");
    assert_eq!(s(&r, "choices.0.message.content"), "Hello! You said: hi");
    let last = control("/__last?id=w-chat").await;
    assert_eq!(s(&last, "body.model"), "premium");
    assert_eq!(s(&last, "headers.authorization"), format!("Bearer {KEY}"));
    assert!(s(&last, "headers.content-type").starts_with("application/json"));
    assert!(get(&last, "body.stream").is_undefined());
    // No custom headers beyond auth and content type (extra ones break CORS allow-lists).
    let names = js_sys::Object::keys(get(&last, "headers").unchecked_ref::<js_sys::Object>());
    for n in names.iter() {
        let n = n.as_string().unwrap();
        assert!(!n.starts_with("x-"), "unexpected custom header {n}");
    }
}

#[wasm_bindgen_test]
async fn default_model_and_openai_names_pass_through() {
    let c = client_with(r#","model":"normal""#);
    let r = ok(c.chat(chat_req("a", ""), none())).await;
    assert_eq!(s(&r, "model"), "normal");
    let r = ok(c.chat(
        js(r#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"a"}]}"#),
        none(),
    ))
    .await;
    assert_eq!(s(&r, "model"), "gpt-4o-mini");
}

#[wasm_bindgen_test]
async fn chat_stream_iterates_parsed_chunks_and_asks_for_usage() {
    let c = client();
    let st = ok(c.chat_stream(chat_req("stream please", r#""id":"w-stream""#), none())).await;
    assert!(st.is_instance_of::<ReadableStream>());
    let chunks = read_all(&st).await;
    assert!(chunks.len() >= 4, "{} chunks", chunks.len());
    let mut text = String::new();
    for ch in &chunks {
        assert_eq!(s(ch, "object"), "chat.completion.chunk");
        text.push_str(&s(ch, "choices.0.delta.content"));
    }
    assert_eq!(text, "Hello! You said: stream please");
    let last = control("/__last?id=w-stream").await;
    assert_eq!(get(&last, "body.stream").as_bool(), Some(true));
    assert_eq!(
        get(&last, "body.stream_options.include_usage").as_bool(),
        Some(true)
    );
    let fin = ok(call_method(&st, "final").unchecked_into()).await;
    assert_eq!(s(&fin, "choices.0.message.content"), text);
    assert!(get(&fin, "usage.total_tokens").as_f64().unwrap() > 0.0);
}

#[wasm_bindgen_test]
async fn text_and_sse_views() {
    let c = client();
    // Paced, so tokens arrive in separate reads and text() must deliver them incrementally.
    let st = ok(c.chat_stream(chat_req("text view", r#""paceMs":15"#), none())).await;
    let parts = read_all(&call_method(&st, "text")).await;
    assert!(parts.len() > 1, "text() delivered {} part(s)", parts.len());
    let joined: String = parts.iter().map(|p| p.as_string().unwrap()).collect();
    assert_eq!(joined, "Hello! You said: text view");

    let st = ok(c.chat_stream(chat_req("sse view", ""), none())).await;
    let bytes: Vec<u8> = read_all(&call_method(&st, "toSSE"))
        .await
        .iter()
        .flat_map(|b| b.clone().unchecked_into::<Uint8Array>().to_vec())
        .collect();
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with("data: {"));
    assert!(text.ends_with("data: [DONE]\n\n"));
}

#[wasm_bindgen_test]
async fn final_assembles_a_streamed_tool_call() {
    let c = client();
    let req = js(
        r#"{"messages":[{"role":"user","content":"weather in Paris?"}],
        "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"location":{"type":"string"}}}}}]}"#,
    );
    let st = ok(c.chat_stream(req, none())).await;
    let fin = ok(call_method(&st, "final").unchecked_into()).await;
    assert_eq!(s(&fin, "choices.0.finish_reason"), "tool_calls");
    assert_eq!(
        s(&fin, "choices.0.message.tool_calls.0.function.name"),
        "get_weather"
    );
    let args = JSON::parse(&s(
        &fin,
        "choices.0.message.tool_calls.0.function.arguments",
    ))
    .unwrap();
    assert_eq!(s(&args, "location"), "Paris");
}

#[wasm_bindgen_test]
async fn embeddings_arrive_as_float32_arrays() {
    let c = client();
    let r = ok(c.embed(js(r#"{"input":["the quick fox","the quick dog"]}"#), none())).await;
    let v = get(&r, "data.0.embedding");
    assert!(v.is_instance_of::<js_sys::Float32Array>());
    assert_eq!(v.unchecked_ref::<js_sys::Float32Array>().length(), 1536);
    assert_eq!(s(&r, "model"), "text-embedding-ada-002");
    let r = ok(c.embed(
        js(r#"{"input":"x","encoding_format":"float","dimensions":8}"#),
        none(),
    ))
    .await;
    assert!(Array::is_array(&get(&r, "data.0.embedding")));
}

#[wasm_bindgen_test]
async fn messages_whole_and_streamed() {
    let c = client();
    let m = ok(c.messages(js(r#"{"max_tokens":64,"messages":[{"role":"user","content":"yo"}],"_test":{"id":"w-msg"}}"#), none())).await;
    assert_eq!(s(&m, "type"), "message");
    assert_eq!(s(&m, "content.0.text"), "Hello! You said: yo");
    let last = control("/__last?id=w-msg").await;
    assert_eq!(s(&last, "headers.anthropic-version"), "2023-06-01");
    let st = ok(c.messages_stream(
        js(r#"{"max_tokens":64,"messages":[{"role":"user","content":"yo"}]}"#),
        none(),
    ))
    .await;
    let evs = read_all(&st).await;
    let types: Vec<String> = evs.iter().map(|e| s(e, "type")).collect();
    assert_eq!(types.first().map(String::as_str), Some("message_start"));
    assert_eq!(types.last().map(String::as_str), Some("message_stop"));
    assert!(!types.iter().any(|t| t == "ping"));
}

#[wasm_bindgen_test]
async fn api_errors_carry_status_code_and_request_id() {
    let c = AiBadgr::new(js(&format!(
        r#"{{"apiKey":"bad-key-9876543210","baseUrl":"{URL}","allowBrowser":true}}"#
    )))
    .unwrap();
    let e = fails(c.chat(chat_req("x", ""), none())).await;
    assert_eq!(s(&e, "kind"), "api");
    assert_eq!(get(&e, "status").as_f64(), Some(401.0));
    assert!(s(&e, "requestId").starts_with("req_"));
    assert!(e.is_instance_of::<js_sys::Error>());
    assert!(!s(&e, "message").contains("bad-key-9876543210"));
}

#[wasm_bindgen_test]
async fn invalid_requests_are_rejected_before_sending() {
    let c = client();
    let before = get(&control("/__stats").await, "requests")
        .as_f64()
        .unwrap();
    for (req, field) in [
        (r#"{"messages":[]}"#, "messages"),
        (
            r#"{"messages":[{"role":"robot","content":"x"}]}"#,
            "messages[0].role",
        ),
        (
            r#"{"messages":[{"role":"user","content":"x"}],"temperature":3}"#,
            "temperature",
        ),
        (r#"{"messages":"hi"}"#, "messages"),
    ] {
        let e = fails(c.chat(js(req), none())).await;
        assert_eq!(s(&e, "kind"), "invalid_request");
        assert_eq!(s(&e, "param"), field);
        assert!(s(&e, "message").starts_with(field), "{}", s(&e, "message"));
    }
    let after = get(&control("/__stats").await, "requests")
        .as_f64()
        .unwrap();
    assert_eq!(before, after, "nothing may be sent");
}

#[wasm_bindgen_test]
fn bad_options_throw_config_errors() {
    let e = AiBadgr::new(js(r#"{"baseUrl":"aibadgr.com"}"#))
        .err()
        .unwrap();
    assert_eq!(s(&e, "kind"), "config");
    assert_eq!(s(&e, "param"), "baseUrl");
    let e = AiBadgr::new(js(r#"{"timeoutMs":-1}"#)).err().unwrap();
    assert_eq!(s(&e, "param"), "timeoutMs");
}

#[wasm_bindgen_test]
async fn aborting_mid_stream_rejects_with_abort_error_and_closes_the_connection() {
    let c = client();
    let ctrl = AbortController::new().unwrap();
    let opts = js_sys::Object::new();
    Reflect::set(&opts, &"signal".into(), &ctrl.signal()).unwrap();
    let st = ok(c.chat_stream(
        chat_req("slow one two three four", r#""id":"w-abort","paceMs":100"#),
        opts.into(),
    ))
    .await;
    let reader: ReadableStreamDefaultReader = st
        .unchecked_into::<ReadableStream>()
        .get_reader()
        .unchecked_into();
    JsFuture::from(reader.read()).await.unwrap();
    ctrl.abort();
    let e = JsFuture::from(reader.read()).await.unwrap_err();
    assert_eq!(s(&e, "name"), "AbortError");
    assert_eq!(s(&e, "kind"), "aborted");
    // The server must see the client close the connection (within 3 s: once, under the whole
    // suite's load, Chromium's close had not reached the server after 1 s).
    let mut seen = 0.0;
    for _ in 0..150 {
        seen = get(&control("/__stats").await, "ids.w-abort.clientAborts")
            .as_f64()
            .unwrap_or(0.0);
        if seen > 0.0 {
            break;
        }
        JsFuture::from(Promise::new(&mut |r, _| {
            let _ = web_sys_timeout(&r, 20);
        }))
        .await
        .unwrap();
    }
    assert_eq!(seen, 1.0);
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn web_sys_timeout(f: &js_sys::Function, ms: i32) -> JsValue;
}

#[wasm_bindgen_test]
async fn timeouts_and_network_failures_have_their_kinds() {
    let c = client_with(r#","timeoutMs":300,"maxRetries":0"#);
    let e = fails(c.chat(chat_req("x", r#""fault":"hang""#), none())).await;
    assert_eq!(s(&e, "kind"), "timeout");
    let dead = AiBadgr::new(js(r#"{"apiKey":"k-123456","baseUrl":"http://127.0.0.1:9","allowBrowser":true,"maxRetries":0}"#)).unwrap();
    let e = fails(dead.chat(chat_req("x", ""), none())).await;
    assert_eq!(s(&e, "kind"), "network");
}

#[wasm_bindgen_test]
async fn stream_errors_reject_the_reader() {
    let c = client_with(r#","maxRetries":0"#);
    let st = ok(c.chat_stream(chat_req("x", r#""fault":"error_event""#), none())).await;
    let reader: ReadableStreamDefaultReader = st
        .unchecked_into::<ReadableStream>()
        .get_reader()
        .unchecked_into();
    let mut err = None;
    for _ in 0..20 {
        match JsFuture::from(reader.read()).await {
            Ok(r) if get(&r, "done").as_bool() == Some(true) => break,
            Ok(_) => {}
            Err(e) => {
                err = Some(e);
                break;
            }
        }
    }
    let e = err.expect("the error event must reject the stream");
    assert_eq!(s(&e, "kind"), "stream");
    assert_eq!(s(&e, "type"), "server_error");
}

#[wasm_bindgen_test]
async fn retries_then_succeeds() {
    let c = client();
    let r = ok(c.chat(
        chat_req(
            "x",
            r#""id":"w-retry","plan":[{"status":503,"retryAfterMs":"10"},"ok"]"#,
        ),
        none(),
    ))
    .await;
    assert_eq!(s(&r, "object"), "chat.completion");
    let st = control("/__stats").await;
    assert_eq!(get(&st, "ids.w-retry.attempts").as_f64(), Some(2.0));
}

#[wasm_bindgen_test]
async fn a_server_that_ignores_stream_true_is_replayed_as_a_stream() {
    let c = client();
    let st = ok(c.chat_stream(chat_req("whole please", r#""ignoreStream":true"#), none())).await;
    let text: String = read_all(&call_method(&st, "text"))
        .await
        .iter()
        .map(|p| p.as_string().unwrap())
        .collect();
    assert_eq!(text, "Hello! You said: whole please");
    let fin = ok(call_method(&st, "final").unchecked_into()).await;
    assert_eq!(s(&fin, "choices.0.finish_reason"), "stop");

    let req = js(
        r#"{"max_tokens":64,"messages":[{"role":"user","content":"weather in Oslo?"}],
        "tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"location":{"type":"string"}}}}],
        "_test":{"ignoreStream":true}}"#,
    );
    let st = ok(c.messages_stream(req, none())).await;
    let evs = read_all(&st).await;
    let types: Vec<String> = evs.iter().map(|e| s(e, "type")).collect();
    assert_eq!(types.first().map(String::as_str), Some("message_start"));
    assert!(types.iter().any(|t| t == "content_block_delta"));
    assert_eq!(types.last().map(String::as_str), Some("message_stop"));
    let fin = ok(call_method(&st, "final").unchecked_into()).await;
    assert_eq!(s(&fin, "stop_reason"), "tool_use");
    assert_eq!(s(&fin, "content.0.input.location"), "Oslo");
}

/// A client whose `fetch` answers every request with `body` and `content_type` (status 200):
/// for the framings and quirks real servers produce that the test server does not.
fn client_serving(body: &str, content_type: &str) -> AiBadgr {
    let make = js_sys::Function::new_with_args(
        "body, type",
        "return async () => new Response(body, { headers: { 'content-type': type } })",
    );
    let f = make
        .call2(&JsValue::UNDEFINED, &body.into(), &content_type.into())
        .unwrap();
    let opts = js(
        r#"{"apiKey":"sk-quirks-0123456789","baseUrl":"https://aibadgr.invalid/api/v1","allowBrowser":true,"maxRetries":0}"#,
    );
    Reflect::set(&opts, &"fetch".into(), &f).unwrap();
    AiBadgr::new(opts).unwrap()
}

fn chunk(content: &str, finish: Option<&str>) -> String {
    let finish = finish.map(|f| format!("\"{f}\"")).unwrap_or("null".into());
    format!(
        r#"{{"id":"c","object":"chat.completion.chunk","created":1,"model":"basic","choices":[{{"index":0,"delta":{{"content":"{content}"}},"finish_reason":{finish}}}]}}"#
    )
}

async fn streamed_text(c: &AiBadgr) -> Result<String, JsValue> {
    let st = JsFuture::from(c.chat_stream(chat_req("q", ""), none())).await?;
    let reader: ReadableStreamDefaultReader = call_method(&st, "text")
        .unchecked_into::<ReadableStream>()
        .get_reader()
        .unchecked_into();
    let mut out = String::new();
    loop {
        let r = JsFuture::from(reader.read()).await?;
        if get(&r, "done").as_bool() == Some(true) {
            return Ok(out);
        }
        out.push_str(&get(&r, "value").as_string().unwrap());
    }
}

#[wasm_bindgen_test]
async fn real_world_framings_are_read_correctly() {
    let (a, b, end) = (
        chunk("Hello", None),
        chunk(" world", None),
        chunk("", Some("stop")),
    );
    let cases: Vec<(&str, String, &str)> = vec![
        ("blank lines between events", format!("data: {a}\n\ndata: {b}\n\ndata: {end}\n\ndata: [DONE]\n\n"), "text/event-stream"),
        ("no blank lines between events", format!("data: {a}\ndata: {b}\ndata: {end}\ndata: [DONE]\n\n"), "text/event-stream"),
        ("CR line ends, no space after colon", format!("data:{a}\r\rdata:{b}\r\rdata:{end}\r\rdata:[DONE]\r\r"), "text/event-stream"),
        ("CRLF, comments and empty keep-alive data", format!(": ping\r\n\r\ndata: \r\n\r\ndata: {a}\r\n\r\n:keep-alive\r\ndata: {b}\r\n\r\ndata:\r\n\r\ndata: {end}\r\n\r\ndata: [DONE]\r\n\r\n"), "text/event-stream; charset=utf-8"),
        ("[DONE] with spaces, no final blank line", format!("data: {a}\n\ndata: {b}\n\ndata: {end}\n\ndata:  [DONE] "), "text/event-stream"),
        ("finish_reason but no [DONE]", format!("data: {a}\n\ndata: {b}\n\ndata: {end}\n\n"), "text/event-stream"),
        ("a BOM and a mislabelled content type", format!("\u{feff}data: {a}\n\ndata: {b}\n\ndata: {end}\n\ndata: [DONE]\n\n"), "text/plain"),
        ("no content type at all", format!("data: {a}\n\ndata: {b}\n\ndata: {end}\n\ndata: [DONE]\n\n"), ""),
        ("a named event per chunk", format!("event: message\ndata: {a}\n\nevent: message\ndata: {b}\n\nevent: message\ndata: {end}\n\ndata: [DONE]\n\n"), "text/event-stream"),
    ];
    for (name, body, ctype) in cases {
        let c = client_serving(&body, ctype);
        match streamed_text(&c).await {
            Ok(t) => assert_eq!(t, "Hello world", "{name}"),
            Err(e) => panic!("{name}: {}", s(&e, "message")),
        }
    }
}

#[wasm_bindgen_test]
async fn errors_in_unusual_places_keep_the_server_message() {
    // A stream request answered 200 with a bare JSON error body, labelled as an event stream.
    let c = client_serving(
        r#"{"error":{"message":"Rate limit reached for basic","type":"rate_limit_error","code":"rate_limit"}}"#,
        "text/event-stream",
    );
    let e = streamed_text(&c).await.unwrap_err();
    assert_eq!(s(&e, "kind"), "api");
    assert!(
        s(&e, "message").contains("Rate limit reached for basic"),
        "{}",
        s(&e, "message")
    );
    assert_eq!(s(&e, "type"), "rate_limit_error");
    // An `event: error` whose data is a plain {"message"} object.
    let c = client_serving(
        &format!(
            "data: {}\n\nevent: error\ndata: {{\"message\":\"upstream overloaded\"}}\n\n",
            chunk("Hi", None)
        ),
        "text/event-stream",
    );
    let e = streamed_text(&c).await.unwrap_err();
    assert_eq!(s(&e, "kind"), "stream");
    assert_eq!(s(&e, "message"), "upstream overloaded");
    // Truncated: content but neither finish_reason nor [DONE].
    let c = client_serving(
        &format!("data: {}\n\n", chunk("Hi", None)),
        "text/event-stream",
    );
    let e = streamed_text(&c).await.unwrap_err();
    assert_eq!(s(&e, "kind"), "stream");
    assert!(s(&e, "message").contains("cut off"));
}

/// What real providers and proxies send (issue 10), one fixture each, in every runtime.
#[wasm_bindgen_test]
async fn provider_framings_keep_what_the_stream_said() {
    let fixture = |name: &str| -> &'static str {
        match name {
            "litellm" => include_str!("fixtures/providers/litellm_messages_tool_fragments.sse"),
            "max_tokens" => include_str!("fixtures/providers/anthropic_max_tokens_tool_input.sse"),
            "usage" => include_str!("fixtures/providers/openai_usage_chunk.sse"),
            "azure" => include_str!("fixtures/providers/azure_placeholder.sse"),
            "mistral" => include_str!("fixtures/providers/mistral_content_parts.sse"),
            "perplexity" => include_str!("fixtures/providers/perplexity_citations.sse"),
            "index0" => include_str!("fixtures/providers/parallel_tool_calls_index0.sse"),
            "unknown" => include_str!("fixtures/providers/anthropic_unknown_deltas.sse"),
            "spliced" => include_str!("fixtures/providers/anthropic_spliced.sse"),
            _ => include_str!("fixtures/providers/deepseek_reasoning_tool.sse"),
        }
    };
    let msg = || js(r#"{"max_tokens":64,"messages":[{"role":"user","content":"q"}]}"#);
    let chat = || chat_req("q", "");
    let sse = "text/event-stream";
    // 1: fragments of one call in several blocks: every event read, one call in final().
    let st = ok(client_serving(fixture("litellm"), sse).messages_stream(msg(), none())).await;
    assert_eq!(read_all(&st).await.len(), 15);
    let m = ok(call_method(&st, "final").unchecked_into()).await;
    assert_eq!(s(&m, "content.1.input.city"), "Paris");
    assert!(get(&m, "content.2").is_undefined());
    // 2: cut by max_tokens inside a tool input.
    let m = ok(call_method(
        &ok(client_serving(fixture("max_tokens"), sse).messages_stream(msg(), none())).await,
        "final",
    )
    .unchecked_into())
    .await;
    assert_eq!(s(&m, "stop_reason"), "max_tokens");
    assert_eq!(s(&m, "content.1.input.lines.1"), "tw");
    assert_eq!(
        s(&m, "content.1.partial_json"),
        r#"{"filename": "a.txt", "lines": ["one", "tw"#
    );
    // 3: the usage chunk is not a chunk for the loop; its usage is on the stream.
    let st = ok(client_serving(fixture("usage"), sse).chat_stream(chat(), none())).await;
    let chunks = read_all(&st).await;
    assert!(chunks.iter().all(|c| get(c, "choices.0").is_object()));
    assert_eq!(get(&st, "usage.total_tokens").as_f64(), Some(11.0));
    // 4 + 6: placeholder metadata unset, filter results kept.
    let f = ok(call_method(
        &ok(client_serving(fixture("azure"), sse).chat_stream(chat(), none())).await,
        "final",
    )
    .unchecked_into())
    .await;
    assert_eq!(
        (s(&f, "id"), s(&f, "model")),
        ("chatcmpl-AZ9".into(), "gpt-4o-2024-11-20".into())
    );
    assert!(get(&f, "prompt_filter_results.0").is_object());
    // 5: Mistral content parts.
    let c = client_serving(fixture("mistral"), sse);
    let f =
        ok(call_method(&ok(c.chat_stream(chat(), none())).await, "final").unchecked_into()).await;
    assert_eq!(s(&f, "choices.0.message.content"), "2 + 2 = 4");
    assert_eq!(
        s(&f, "choices.0.message.reasoning_content"),
        "The user asks 2+2. That is 4."
    );
    assert_eq!(streamed_text(&c).await.unwrap(), "2 + 2 = 4");
    // 6: citations pass through.
    let f = ok(call_method(
        &ok(client_serving(fixture("perplexity"), sse).chat_stream(chat(), none())).await,
        "final",
    )
    .unchecked_into())
    .await;
    assert_eq!(s(&f, "citations.1"), "https://b.example/2");
    // 7: parallel calls at index 0.
    let f = ok(call_method(
        &ok(client_serving(fixture("index0"), sse).chat_stream(chat(), none())).await,
        "final",
    )
    .unchecked_into())
    .await;
    assert_eq!(
        (
            s(&f, "choices.0.message.tool_calls.0.id"),
            s(&f, "choices.0.message.tool_calls.1.id")
        ),
        ("call_paris".into(), "call_tokyo".into())
    );
    // 8: unknown deltas merged; a spliced stream fails.
    let m = ok(call_method(
        &ok(client_serving(fixture("unknown"), sse).messages_stream(msg(), none())).await,
        "final",
    )
    .unchecked_into())
    .await;
    assert_eq!(
        s(&m, "content.0.content"),
        "Summary of the earlier conversation."
    );
    let st = ok(client_serving(fixture("spliced"), sse).messages_stream(msg(), none())).await;
    let e = fails(call_method(&st, "final").unchecked_into()).await;
    assert_eq!(s(&e, "kind"), "stream");
    // 10: reasoning kept on the tool-calling message.
    let f = ok(call_method(
        &ok(client_serving(fixture("deepseek"), sse).chat_stream(chat(), none())).await,
        "final",
    )
    .unchecked_into())
    .await;
    assert_eq!(
        s(&f, "choices.0.message.reasoning_content"),
        "I need the weather. Call the tool."
    );
}

/// Issue 10, item 9: an error event before the first token is retried like its status.
#[wasm_bindgen_test]
async fn an_error_event_before_the_first_token_is_retried() {
    let c = client_with(r#","maxRetries":2"#);
    let st = ok(c.chat_stream(
        chat_req("x", r#""id":"w-first","plan":["error_first","ok"]"#),
        none(),
    ))
    .await;
    assert!(read_all(&st).await.len() > 2);
    let stats = control("/__stats").await;
    assert_eq!(get(&stats, "ids.w-first.attempts").as_f64(), Some(2.0));
    let req = js(
        r#"{"max_tokens":64,"messages":[{"role":"user","content":"yo"}],"_test":{"id":"w-first-msg","plan":["error_first","ok"]}}"#,
    );
    let st = ok(c.messages_stream(req, none())).await;
    assert_eq!(
        s(read_all(&st).await.last().unwrap(), "type"),
        "message_stop"
    );
    let stats = control("/__stats").await;
    assert_eq!(get(&stats, "ids.w-first-msg.attempts").as_f64(), Some(2.0));
}

#[wasm_bindgen_test]
async fn response_metadata_rate_limits_models_and_usage_cross_origin() {
    let c = client();
    let r = ok(c.chat(chat_req("hi", r#""id":"w-meta""#), none())).await;
    // Non-enumerable: the JSON is unchanged, the property is there.
    assert!(!JSON::stringify(&r)
        .unwrap()
        .as_string()
        .unwrap()
        .contains("rateLimit"));
    assert_eq!(get(&r, "response.status").as_f64(), Some(200.0));
    assert_eq!(get(&r, "response.attempts").as_f64(), Some(1.0));
    assert_eq!(s(&r, "response.model"), "basic");
    assert!(
        s(&r, "response.requestId").starts_with("req_"),
        "x-request-id is exposed to the page"
    );
    // The rate-limit headers are CORS-exposed by the test server, so a browser sees them too.
    assert_eq!(
        get(&r, "response.rateLimit.requests.limit").as_f64(),
        Some(60.0)
    );
    assert_eq!(
        get(&r, "response.rateLimit.tokens.resetMs").as_f64(),
        Some(360_000.0)
    );
    let stream = ok(c.chat_stream(chat_req("hi", ""), none())).await;
    assert_eq!(get(&stream, "response.status").as_f64(), Some(200.0));
    let fin = ok(call_method(&stream, "final").unchecked_into()).await;
    assert!(get(&fin, "response.elapsedMs").as_f64().is_some());
    let list = ok(c.models(none())).await;
    assert_eq!(s(&list, "data.2.id"), "premium");
    let usage = c.usage();
    assert_eq!(get(&usage, "models.basic.requests").as_f64(), Some(2.0));
    assert_eq!(get(&usage, "total.totalTokens").as_f64(), Some(16.0));
    c.reset_usage();
    assert_eq!(get(&c.usage(), "total.requests").as_f64(), Some(0.0));
    let e = fails(c.chat(
        chat_req("hi", r#""fault":{"status":429}"#),
        js(r#"{"maxRetries":0}"#),
    ))
    .await;
    assert_eq!(get(&e, "response.status").as_f64(), Some(429.0));
    assert_eq!(get(&e, "retryable").as_bool(), Some(true));
}

/// Issue 12 (safe to re-enter), in every runtime: a user-made body's `cancel()` and an abort
/// listener on the signal `fetch` was given both call back into the stream while it is being
/// cancelled. Each call gets an answer or a clear error (before, the second entry into the
/// stream's state trapped the instance), and the client keeps working.
#[wasm_bindgen_test]
async fn a_body_cancel_and_an_abort_listener_that_call_back_into_the_stream() {
    let make = js_sys::Function::new_with_args(
        "first, last",
        r#"
        const box = { seen: [] };
        const what = (e) => (e instanceof WebAssembly.RuntimeError ? "TRAP" : String(e && e.kind));
        const note = (name, f) => {
          try {
            const v = f();
            if (v && typeof v.then === "function") v.then(() => box.seen.push(name + ":resolved"), (e) => box.seen.push(name + ":" + what(e)));
            else box.seen.push(name + ":" + typeof v);
          } catch (e) { box.seen.push(name + ":" + what(e)); }
        };
        const sse = { "content-type": "text/event-stream" };
        let n = 0;
        box.fetch = async (url, init) => {
          if (n++ > 0) return new Response("data: " + last + "\n\ndata: [DONE]\n\n", { headers: sse });
          init.signal.addEventListener("abort", () => {
            note("listener final", () => box.stream.final());
            note("listener text", () => box.stream.text());
          });
          const bytes = new TextEncoder().encode("data: " + first + "\n\n");
          return new Response(new ReadableStream({
            start(c) { c.enqueue(bytes); },
            cancel() {
              note("cancel final", () => box.stream.final());
              note("cancel usage", () => box.stream.usage);
            },
          }), { headers: sse });
        };
        box.tick = () => new Promise((r) => setTimeout(r, 20));
        return box;
        "#,
    );
    let first = chunk("Hel", None);
    let last = chunk("ok", Some("stop"));
    let b = make
        .call2(&JsValue::UNDEFINED, &first.into(), &last.into())
        .unwrap();
    let opts = js(
        r#"{"apiKey":"sk-reentry-0123456789","baseUrl":"https://aibadgr.invalid/api/v1","allowBrowser":true,"maxRetries":0}"#,
    );
    Reflect::set(&opts, &"fetch".into(), &get(&b, "fetch")).unwrap();
    let c = AiBadgr::new(opts).unwrap();
    let st = ok(c.chat_stream(chat_req("q", ""), none())).await;
    Reflect::set(&b, &"stream".into(), &st).unwrap();
    let reader: ReadableStreamDefaultReader = st
        .clone()
        .unchecked_into::<ReadableStream>()
        .get_reader()
        .unchecked_into();
    let r = JsFuture::from(reader.read()).await.expect("read");
    assert_eq!(s(&r, "value.choices.0.delta.content"), "Hel");
    JsFuture::from(reader.cancel()).await.expect("cancel");
    JsFuture::from(call_method(&b, "tick").unchecked_into::<Promise>())
        .await
        .unwrap();
    let mut seen: Vec<String> = Array::from(&get(&b, "seen"))
        .iter()
        .map(|v| v.as_string().unwrap())
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        [
            "cancel final:aborted",
            "cancel usage:undefined",
            "listener final:aborted",
            "listener text:invalid_request",
        ]
    );
    assert_eq!(streamed_text(&c).await.unwrap(), "ok");
}
