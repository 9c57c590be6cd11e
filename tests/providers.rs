//! What real providers and proxies send (tests/fixtures/providers/, one framing each),
//! through the SSE parser and the accumulators: every event is accepted (accumulation never
//! fails a stream) and `finish()` keeps what the stream said.
#![cfg(not(target_arch = "wasm32"))]

use aibadgr::accumulate::chat::{ChatAccumulator, ChunkError, ChunkSummary};
use aibadgr::accumulate::messages::{EventKind, MessagesAccumulator};
use aibadgr::first::first_error;
use aibadgr::sse::{SseEvent, SseParser};
use serde_json::{json, Value as J};

fn events(name: &str) -> Vec<SseEvent> {
    let path = format!(
        "{}/tests/fixtures/providers/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut p = SseParser::new();
    let mut out = Vec::new();
    for piece in bytes.chunks(5) {
        p.push(piece);
        out.extend(std::iter::from_fn(|| p.next_event()));
    }
    out.extend(std::iter::from_fn(|| p.finish()));
    out
}

/// Feeds a chat fixture; every chunk must be accepted. Returns the summaries and the result.
fn chat(name: &str) -> (Vec<ChunkSummary>, J) {
    let mut a = ChatAccumulator::new();
    let mut sums = Vec::new();
    for e in events(name).iter().filter(|e| e.data.trim() != "[DONE]") {
        sums.push(
            a.push(&e.data)
                .unwrap_or_else(|err| panic!("{name}: {err:?} on {}", e.data)),
        );
    }
    (sums, serde_json::from_str(&a.finish()).unwrap())
}

/// Feeds a messages fixture; returns each push's result and the finished message.
fn messages(name: &str) -> (Vec<Result<EventKind, ChunkError>>, J) {
    let mut a = MessagesAccumulator::new();
    let kinds = events(name)
        .iter()
        .map(|e| a.push(e.event.as_deref(), &e.data).map(|s| s.kind))
        .collect();
    (kinds, serde_json::from_str(&a.finish()).unwrap())
}

#[test]
fn litellm_tool_fragments_never_fail_and_join_into_one_call() {
    let (kinds, m) = messages("litellm_messages_tool_fragments.sse");
    assert!(kinds.iter().all(Result::is_ok), "{kinds:?}");
    assert_eq!(kinds.len(), 15);
    assert_eq!(
        m["content"],
        json!([
            {"type": "text", "text": "Let me look that up."},
            {"type": "tool_use", "id": "call_w1", "name": "get_weather", "input": {"city": "Paris"}}
        ])
    );
    assert_eq!(m["stop_reason"], "tool_use");
}

#[test]
fn max_tokens_inside_a_tool_input_gives_a_best_effort_input() {
    let (kinds, m) = messages("anthropic_max_tokens_tool_input.sse");
    assert!(kinds.iter().all(Result::is_ok));
    assert_eq!(m["stop_reason"], "max_tokens");
    assert_eq!(m["usage"], json!({"input_tokens": 50, "output_tokens": 64}));
    assert_eq!(m["content"][0]["text"], "Writing the file.");
    let tool = &m["content"][1];
    assert_eq!(
        tool["input"],
        json!({"filename": "a.txt", "lines": ["one", "tw"]})
    );
    assert_eq!(
        tool["partial_json"],
        r#"{"filename": "a.txt", "lines": ["one", "tw"#
    );
    assert_eq!(
        (&tool["id"], &tool["name"]),
        (&json!("toolu_w"), &json!("write_file"))
    );
}

#[test]
fn chat_cut_inside_tool_arguments_keeps_them_as_sent() {
    let (_, c) = chat("openai_max_tokens_tool_args.sse");
    assert_eq!(c["choices"][0]["finish_reason"], "length");
    assert_eq!(
        c["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
        r#"{"filename": "a.txt", "lines": ["one", "tw"#
    );
    assert_eq!(c["usage"]["total_tokens"], 56);
}

#[test]
fn the_usage_chunk_is_marked_empty() {
    let (sums, c) = chat("openai_usage_chunk.sse");
    assert_eq!(
        sums.iter().map(|s| s.empty).collect::<Vec<_>>(),
        [false, false, false, false, true]
    );
    assert_eq!(c["usage"]["total_tokens"], 11);
    assert_eq!(c["choices"][0]["message"]["content"], "Hello there");
}

#[test]
fn azure_placeholder_metadata_counts_as_unset_and_filter_results_pass_through() {
    let (sums, c) = chat("azure_placeholder.sse");
    assert!(sums[0].empty);
    assert_eq!(
        (&c["id"], &c["model"], &c["created"]),
        (
            &json!("chatcmpl-AZ9"),
            &json!("gpt-4o-2024-11-20"),
            &json!(1764590001)
        )
    );
    assert_eq!(c["prompt_filter_results"][0]["prompt_index"], 0);
    assert_eq!(c["choices"][0]["content_filter_results"], json!({}));
    assert_eq!(c["choices"][0]["message"]["content"], "Bonjour!");
    assert_eq!(c["system_fingerprint"], "fp_az");
}

#[test]
fn mistral_content_parts_join_into_content_and_reasoning() {
    let (sums, c) = chat("mistral_content_parts.sse");
    let text: String = sums.iter().filter_map(|s| s.content.as_deref()).collect();
    assert_eq!(text, "2 + 2 = 4");
    let m = &c["choices"][0]["message"];
    assert_eq!(m["content"], "2 + 2 = 4");
    assert_eq!(m["reasoning_content"], "The user asks 2+2. That is 4.");
}

#[test]
fn unknown_members_pass_through() {
    let (_, p) = chat("perplexity_citations.sse");
    assert_eq!(
        p["citations"],
        json!(["https://a.example/1", "https://b.example/2"])
    );
    assert_eq!(p["search_results"][1]["title"], "B");
    assert_eq!(p["usage"]["search_context_size"], "low");
    let (_, g) = chat("groq_x_groq.sse");
    assert_eq!(g["x_groq"]["id"], "req_01abc");
    assert_eq!(g["x_groq"]["usage"]["total_tokens"], 14);
    assert_eq!(g["system_fingerprint"], "fp_gq");
    let (_, c) = chat("cerebras_time_info.sse");
    assert_eq!(c["time_info"]["total_time"], 0.004);
    assert_eq!(c["choices"][0]["message"]["content"], "Fast");
}

#[test]
fn parallel_calls_at_index_zero_are_told_apart_by_id() {
    let (_, c) = chat("parallel_tool_calls_index0.sse");
    let calls = &c["choices"][0]["message"]["tool_calls"];
    assert_eq!(
        calls,
        &json!([
            {"id": "call_paris", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}},
            {"id": "call_tokyo", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Tokyo\"}"}}
        ])
    );
}

#[test]
fn repeated_names_and_legacy_function_call_do_not_duplicate() {
    let (_, c) = chat("llamacpp_repeated_name.sse");
    let calls = c["choices"][0]["message"]["tool_calls"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0]["function"],
        json!({"name": "get_weather", "arguments": "{\"city\": \"Oslo\"}"})
    );
    let (_, c) = chat("legacy_function_call_beside_tools.sse");
    let m = &c["choices"][0]["message"];
    assert_eq!(m["tool_calls"].as_array().unwrap().len(), 1);
    assert_eq!(m["tool_calls"][0]["function"]["arguments"], "{\"q\": 1}");
    assert_eq!(
        m["function_call"],
        json!({"name": "lookup", "arguments": "{\"q\": 1}"})
    );
}

#[test]
fn unknown_anthropic_deltas_merge_and_unknown_blocks_are_kept() {
    let (kinds, m) = messages("anthropic_unknown_deltas.sse");
    assert!(kinds.iter().all(Result::is_ok));
    assert_eq!(
        m["content"][0],
        json!({"type": "compaction", "content": "Summary of the earlier conversation."})
    );
    assert_eq!(
        m["content"][1],
        json!({"type": "container_upload", "file_id": "file_01", "extra": {"a": 1}})
    );
    assert_eq!(m["content"][2]["text"], "Done.");
}

#[test]
fn a_spliced_stream_is_an_error() {
    let (kinds, _) = messages("anthropic_spliced.sse");
    let bad: Vec<usize> = kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| k.is_err())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(bad, [3]);
    assert!(matches!(&kinds[3], Err(ChunkError::Shape(m)) if m.contains("spliced")));
}

#[test]
fn an_error_before_the_first_token_is_recognised_with_its_status() {
    let chat = events("openai_error_first.sse");
    let e = first_error(&chat[0].data, false).expect("overloaded is retried");
    assert_eq!((e.status, e.retryable), (Some(529), true));
    let msg = events("anthropic_overloaded_first.sse");
    let e = first_error(&msg[0].data, msg[0].event.as_deref() == Some("error"))
        .expect("overloaded is retried");
    assert_eq!(
        (e.status, e.retryable, e.type_.as_deref()),
        (Some(529), true, Some("overloaded_error"))
    );
    let bad = r#"{"error":{"message":"Unknown parameter","type":"invalid_request_error"}}"#;
    assert!(first_error(bad, false).is_none(), "a 400 is not retried");
    let missing = r#"{"error":{"message":"no such model","type":"invalid_request_error","code":"model_not_found"}}"#;
    assert_eq!(
        first_error(missing, false).map(|e| (e.status, e.retryable)),
        Some((Some(404), false))
    );
    assert!(first_error(r#"{"choices":[]}"#, false).is_none());
}

#[test]
fn deepseek_reasoning_stays_on_the_tool_calling_message() {
    let (sums, c) = chat("deepseek_reasoning_tool.sse");
    assert!(sums.last().is_some_and(|s| s.empty));
    let m = &c["choices"][0]["message"];
    assert_eq!(m["reasoning_content"], "I need the weather. Call the tool.");
    assert_eq!(m["tool_calls"][0]["id"], "call_ds");
    assert_eq!(c["choices"][0]["finish_reason"], "tool_calls");
}
