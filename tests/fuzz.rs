//! A bounded, seeded loop over what the coverage-guided targets in `fuzz/` (cargo fuzz) do not
//! reach by mutating bytes: whole streams generated with a known answer, split two different
//! ways, and chunks with members nested right at `json::MAX_DEPTH`. (Random bytes, mutated
//! fixtures, JSON text and base64 bodies went to the fuzz targets, which find more with coverage
//! feedback.) It runs under plain `cargo test`, in the native suite.
//!
//! Each execution builds one input from its own seed (a generated chat or messages stream with
//! a known answer, or chunks nested at the depth limit), then checks, besides "no panic":
//! - SSE: one push, every sampled chunking (1-byte, random cuts, cuts inside `\r\n` and inside
//!   UTF-8 sequences, empty pushes, lazy pulling) and an independent whole-input reference parser
//!   give the same events; `buffered()` is 0 after `finish()`; re-framing the events as SSE and
//!   parsing again gives them back.
//! - Accumulators: the same events give the same results and `finish()` twice; `finish()` is
//!   valid JSON; a push that fails changes nothing; counters agree with the results. For
//!   generated streams with a known answer, two different splits of the same message (different
//!   delta pieces, chunk grouping, interleaving, line ends, comments, multi-line data, byte
//!   chunking) give byte-identical `finish()` text equal to the expected completion.
//! - JSON: what parses writes back to text that re-parses to an equal value (and writes the same
//!   text again); acceptance matches an independent validator (up to `MAX_DEPTH`) and serde_json
//!   (up to its documented differences).
//! - Fast paths: both accumulators take a shortcut for the common chunks and deltas; a second
//!   accumulator fed the same payloads rewritten so the shortcut declines them without changing
//!   their meaning (chat: an empty `delta` first in each choice; messages: `type` written twice;
//!   the general path reads the last one) must agree on every result and on `finish()`. A push
//!   succeeds only on data `json::parse` accepts as an object.
//! - Replay: `replay::chat(finish())` accumulates back to `finish()` byte for byte;
//!   `replay::message` of a known-answer message gives the same message; any message replays
//!   without panicking.
//! - SSE input goes in through both `push` and `push_with`.
//! - Embeddings: `split` of an event's data returns the vectors bit for bit and nulls exactly
//!   the embeddings it took (`decode_f32` against an independent decoder: the `embed` target).
//!
//! ```text
//! cargo test --release --test fuzz -- --nocapture                 # CI size (AIBADGR_FUZZ_ITERS default)
//! AIBADGR_FUZZ_ITERS=10000000 nice -n 19 cargo test --release --test fuzz -- --nocapture
//! AIBADGR_FUZZ_SEED=<seed> AIBADGR_FUZZ_START=<iteration> AIBADGR_FUZZ_ITERS=1 \
//!     cargo test --release --test fuzz fuzz_loop -- --nocapture   # replays one failure
//! ```
//! Other knobs: `AIBADGR_FUZZ_KEEP_GOING=1` (go on after a failure: the first 10 are reported
//! in full, the next 90 in one line, all are counted by kind),
//! `AIBADGR_FUZZ_PROGRESS=<secs>` (progress line interval, default 60),
//! `AIBADGR_FUZZ_BIG_MB=<n>` (size of the one-byte-push big event test, default 8).
#![cfg(not(target_arch = "wasm32"))]

use aibadgr::accumulate::chat::ChatAccumulator;
use aibadgr::accumulate::messages::{EventKind, MessagesAccumulator};
use aibadgr::embed;
use aibadgr::json;
use aibadgr::sse::{SseEvent, SseParser};
use serde_json::{json as j, Map, Value as J};
// The fuzz targets' checks (fuzz/src/lib.rs), shared rather than copied.
#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
#[macro_use]
mod checks;
use checks::*;
use std::io::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// Iterations when `AIBADGR_FUZZ_ITERS` is unset: about 15 s on the 2-core CI machine (each one
/// a whole generated stream checked every way), in
/// release (`cargo test --release`) or in a debug build (about 6 times slower per execution).
const DEFAULT_ITERS: u64 = if cfg!(debug_assertions) {
    2_000
} else {
    12_000
};
const DEFAULT_SEED: u64 = 0xA1BA_D6E5_F022_0004;
type Check = Result<(), String>;

// ------------------------------------------------------------------------------------------
// PRNG

/// xorshift64*, seeded through splitmix64.
#[derive(Clone)]
struct Rng(u64);

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(splitmix(seed) | 1)
    }

    /// The generator of one iteration: replaying needs only the seed and the iteration.
    fn for_iter(seed: u64, iter: u64) -> Self {
        Rng::new(seed ^ splitmix(iter.wrapping_add(0x5EED)))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    /// In `0..=max`, small values far more likely than large ones.
    fn size(&mut self, max: usize) -> usize {
        let bits = usize::BITS - max.leading_zeros();
        let cap = (1usize << self.below(bits as usize + 1)).min(max.saturating_add(1));
        self.below(cap.max(1))
    }
}

// ------------------------------------------------------------------------------------------
// Failure context and statistics

#[derive(Default)]
struct Stats {
    sse_bytes: u64,
    events: u64,
    chunkings: u64,
    chat_ok: u64,
    chat_err: u64,
    msg_ok: u64,
    msg_err: u64,
    msg_finish_err: u64,
    json_ok: u64,
    json_err: u64,
    structured_chat: u64,
    structured_msgs: u64,
    embed_split_some: u64,
    decode_some: u64,
    /// `finish()` outputs nested deeper than `json::MAX_DEPTH` (valid JSON, but neither
    /// `json::parse` nor serde_json's default limit accepts them back).
    deep_finish: u64,
    slowest: Duration,
    slowest_iter: u64,
}

/// What one iteration fed in, printed (hex) when it fails.
#[derive(Default)]
struct Ctx {
    inputs: Vec<(&'static str, Vec<u8>)>,
}

impl Ctx {
    fn rec(&mut self, what: &'static str, bytes: &[u8]) {
        self.inputs.push((what, bytes.to_vec()));
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        s.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    s
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim().replace('_', "");
    match v.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => v.parse().ok(),
    }
}

/// Writes straight to stderr so the line shows even when the test harness captures output.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

// ------------------------------------------------------------------------------------------
// The loop

#[test]
fn fuzz_loop() {
    let seed = env_u64("AIBADGR_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let iters = env_u64("AIBADGR_FUZZ_ITERS").unwrap_or(DEFAULT_ITERS);
    let start = env_u64("AIBADGR_FUZZ_START").unwrap_or(0);
    let keep_going = env_u64("AIBADGR_FUZZ_KEEP_GOING").unwrap_or(0) != 0;
    let progress = Duration::from_secs(env_u64("AIBADGR_FUZZ_PROGRESS").unwrap_or(60));
    say(&format!(
        "fuzz: seed {seed:#x}, iterations {start}..{}",
        start + iters
    ));

    // Panics are caught and reported with the input; keep the default hook's message (and
    // RUST_BACKTRACE backtrace) but make it say which iteration it was in.
    let mut st = Stats::default();
    let mut failures: Vec<String> = Vec::new();
    let (mut panics, mut violations) = (0u64, 0u64);
    // Failure kinds (the message up to its first detail) → (count, first iteration).
    let mut kinds: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
    let t0 = Instant::now();
    let mut last_report = t0;
    let mut done = 0u64;
    for iter in start..start + iters {
        let mut ctx = Ctx::default();
        let ti = Instant::now();
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            let mut rng = Rng::for_iter(seed, iter);
            iteration(&mut rng, &mut ctx, &mut st)
        }));
        let took = ti.elapsed();
        if took > st.slowest {
            st.slowest = took;
            st.slowest_iter = iter;
        }
        done += 1;
        let problem = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(msg)) => {
                violations += 1;
                Some(format!("invariant violated: {msg}"))
            }
            Err(p) => {
                panics += 1;
                Some(format!(
                    "PANIC: {}",
                    p.downcast_ref::<String>()
                        .map(String::as_str)
                        .or_else(|| p.downcast_ref::<&str>().copied())
                        .unwrap_or("(non-string payload)")
                ))
            }
        };
        if let Some(problem) = problem {
            let kind: String = problem
                .split(['(', ':', '\n'])
                .take(2)
                .collect::<Vec<_>>()
                .join(":");
            kinds.entry(kind).or_insert((0, iter)).0 += 1;
            let n = panics + violations;
            if n <= 10 {
                let mut report = format!(
                    "fuzz FAILURE at seed {seed:#x} iteration {iter}: {problem}\n  replay: \
                     AIBADGR_FUZZ_SEED={seed:#x} AIBADGR_FUZZ_START={iter} AIBADGR_FUZZ_ITERS=1 \
                     cargo test --release --test fuzz fuzz_loop -- --nocapture\n"
                );
                for (what, bytes) in &ctx.inputs {
                    report.push_str(&format!(
                        "  input {what} ({} bytes, hex): {}\n",
                        bytes.len(),
                        hex(bytes)
                    ));
                }
                say(&report);
                failures.push(report);
            } else if n <= 100 {
                let short: String = problem.chars().take(300).collect();
                say(&format!(
                    "fuzz FAILURE at seed {seed:#x} iteration {iter}: {short}"
                ));
            }
            if !keep_going {
                break;
            }
        }
        if last_report.elapsed() >= progress {
            last_report = Instant::now();
            let secs = t0.elapsed().as_secs_f64();
            say(&format!(
                "fuzz: progress {done}/{iters} executions, {secs:.0} s, {:.0}/s, {panics} crashes, \
                 {violations} invariant violations",
                done as f64 / secs
            ));
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    say(&format!(
        "fuzz: stats: {} SSE bytes, {} events, {} chunkings compared; chat push ok/err {}/{}; \
         messages push ok/err {}/{}, finish err {}; json ok/err {}/{}; known-answer streams \
         chat {} messages {}; embed split some {}, decode some {}; finish deeper than \
         MAX_DEPTH {}; slowest execution {:.1} ms (iteration {})",
        st.sse_bytes,
        st.events,
        st.chunkings,
        st.chat_ok,
        st.chat_err,
        st.msg_ok,
        st.msg_err,
        st.msg_finish_err,
        st.json_ok,
        st.json_err,
        st.structured_chat,
        st.structured_msgs,
        st.embed_split_some,
        st.decode_some,
        st.deep_finish,
        st.slowest.as_secs_f64() * 1e3,
        st.slowest_iter,
    ));
    say(&format!(
        "fuzz: {done} executions, {secs:.1} s ({:.0}/s), seed {seed:#x}, {panics} crashes, {violations} invariant \
         violations",
        done as f64 / secs.max(1e-9),
    ));
    for (kind, (count, first)) in &kinds {
        say(&format!(
            "fuzz: failure kind {kind:?}: {count} times, first at iteration {first}"
        ));
    }
    assert!(
        failures.is_empty(),
        "{panics} crashes and {violations} invariant violations; first:\n{}",
        failures[0]
    );
}

fn iteration(rng: &mut Rng, ctx: &mut Ctx, st: &mut Stats) -> Check {
    // Only what the coverage-guided targets in fuzz/ cannot reach by mutation: whole streams
    // generated with a known answer (split two ways), and chunks nested right at MAX_DEPTH.
    // Random bytes, mutated fixtures, JSON and base64 are the fuzz targets' job now.
    let deep = rng.chance(25);
    match rng.below(100) {
        0..=44 => known_chat(rng, ctx, st, deep),
        45..=89 => known_msgs(rng, ctx, st, deep),
        _ => {
            let input = deep_members(rng);
            ctx.rec("sse", &input);
            full(&input, rng, st, deep)
        }
    }
}

/// SSE (all checks) → every event into both accumulators → every data payload through JSON.
fn full(input: &[u8], rng: &mut Rng, st: &mut Stats, deep: bool) -> Check {
    let events = check_sse(input, rng, st)?;
    check_accumulators(&events, deep, st)?;
    for e in &events {
        check_json(&e.data, st)?;
        if deep {
            check_split(&e.data, st)?;
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// SSE

/// Pushes `input` in chunks of `sizes`, pulling everything after each push or (`lazy`) only a
/// few events at a time.
fn parse_chunked(
    input: &[u8],
    sizes: &[usize],
    lazy: Option<&mut Rng>,
) -> Result<Vec<SseEvent>, String> {
    let mut p = SseParser::new();
    let mut out = Vec::new();
    let mut at = 0;
    let mut lazy = lazy;
    for (k, &n) in sizes.iter().enumerate() {
        let chunk = &input[at..at + n];
        // Both ways in: `push`, and `push_with` (which the stream uses to copy out of JS).
        if k % 2 == 0 {
            p.push(chunk);
        } else {
            p.push_with(n, |dst| dst.copy_from_slice(chunk));
        }
        at += n;
        ensure!(
            p.buffered() <= at,
            "buffered() {} exceeds the {} bytes pushed",
            p.buffered(),
            at
        );
        match lazy.as_deref_mut() {
            None => drain(&mut p, &mut out, at)?,
            Some(r) => {
                for _ in 0..r.below(3) {
                    match p.next_event() {
                        Some(e) => out.push(e),
                        None => break,
                    }
                }
            }
        }
    }
    finish_all(&mut p, &mut out, at)?;
    Ok(out)
}

/// Chunk sizes (summing to `input.len()`, zeros allowed) from one of several strategies.
fn plan(rng: &mut Rng, input: &[u8]) -> (Vec<usize>, &'static str) {
    let len = input.len();
    let mut cuts: Vec<usize> = Vec::new();
    let name = match rng.below(8) {
        0 => "one push",
        1 if len <= 16_384 => {
            cuts.extend(1..len);
            "1-byte pushes"
        }
        2 => {
            let k = 1 + rng.size(64);
            cuts.extend((k..len).step_by(k));
            "fixed size"
        }
        3 | 1 => {
            for _ in 0..1 + rng.size(32) {
                cuts.push(rng.below(len + 1));
            }
            "random cuts"
        }
        4 => {
            // Right after every `\r` (so `\r\n` is split) and right before every `\n`.
            for (i, b) in input.iter().enumerate() {
                if (*b == b'\r' && rng.chance(70)) || (*b == b'\n' && rng.chance(30)) {
                    cuts.push(i + usize::from(*b == b'\r'));
                }
            }
            "around line ends"
        }
        5 => {
            // Inside multi-byte UTF-8 sequences and the BOM.
            for (i, b) in input.iter().enumerate() {
                if (0x80..0xC0).contains(b) && rng.chance(50) {
                    cuts.push(i);
                }
            }
            "inside utf-8"
        }
        6 => {
            let mut at = 0;
            while at < len {
                at += 1 + rng.size(300);
                cuts.push(at.min(len));
            }
            "geometric sizes"
        }
        _ => {
            for _ in 0..1 + rng.size(8) {
                cuts.push(rng.below(len + 1));
            }
            // Empty pushes in between.
            for _ in 0..1 + rng.size(8) {
                let c = rng.below(len + 1);
                cuts.push(c);
                cuts.push(c);
            }
            "cuts with empty pushes"
        }
    };
    if rng.chance(10) {
        cuts.push(0);
        cuts.push(len);
    }
    cuts.sort_unstable();
    let mut sizes = Vec::with_capacity(cuts.len() + 1);
    let mut prev = 0;
    for c in cuts.into_iter().chain([len]) {
        sizes.push(c - prev);
        prev = c;
    }
    (sizes, name)
}

fn check_sse(input: &[u8], rng: &mut Rng, st: &mut Stats) -> Result<Vec<SseEvent>, String> {
    st.sse_bytes += input.len() as u64;
    let whole = parse_whole(input)?;
    st.events += whole.len() as u64;
    let want = reference_sse(input);
    ensure!(
        whole == want,
        "parser and reference parser disagree: {}",
        first_diff(&whole, &want)
    );
    for _ in 0..2 {
        let (sizes, how) = plan(rng, input);
        let mut lazy_rng = rng.chance(30).then(|| Rng::new(rng.next()));
        let got = parse_chunked(input, &sizes, lazy_rng.as_mut())?;
        st.chunkings += 1;
        ensure!(
            got == whole,
            "split changed the events ({how}, lazy pulls {}, chunk sizes {:?}): {}",
            lazy_rng.is_some(),
            sizes,
            first_diff(&got, &whole)
        );
    }
    let again = parse_whole(&reframe(&whole))?;
    ensure!(
        again == whole,
        "re-framed events parse differently: {}",
        first_diff(&again, &whole)
    );
    Ok(whole)
}

// ------------------------------------------------------------------------------------------
// Accumulators

fn check_accumulators(events: &[SseEvent], deep: bool, st: &mut Stats) -> Check {
    let c1 = run_chat(events, deep)?;
    let c2 = run_chat(events, false)?;
    ensure!(c1 == c2, "chat accumulator is not deterministic");
    let oks = c1.results.iter().filter(|r| r.is_ok()).count() as u64;
    st.chat_ok += oks;
    st.chat_err += c1.results.len() as u64 - oks;
    if validate_json(&c1.finish).map_or(false, |d| d > json::MAX_DEPTH) {
        st.deep_finish += 1;
    }
    let m1 = run_msgs(events, deep)?;
    let m2 = run_msgs(events, false)?;
    ensure!(m1 == m2, "messages accumulator is not deterministic");
    let oks = m1.results.iter().filter(|r| r.is_ok()).count() as u64;
    st.msg_ok += oks;
    st.msg_err += m1.results.len() as u64 - oks;
    match &m1.finish {
        Ok(t) if validate_json(t).map_or(false, |d| d > json::MAX_DEPTH) => st.deep_finish += 1,
        Ok(_) => {}
        Err(_) => st.msg_finish_err += 1,
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// JSON

fn check_json(text: &str, st: &mut Stats) -> Check {
    if json::parse(text).is_ok() {
        st.json_ok += 1;
    } else {
        st.json_err += 1;
    }
    checks::check_json(text)
}

// ------------------------------------------------------------------------------------------
// Embeddings

/// The fuzz target's `check_split`, counting the bodies `split` took.
fn check_split(text: &str, st: &mut Stats) -> Check {
    if embed::split(text).is_some() {
        st.embed_split_some += 1;
    }
    checks::check_split(text)
}

// ------------------------------------------------------------------------------------------
// Mutation

/// Otherwise ordinary chunks and events with one member nested close to `json::MAX_DEPTH`, at
/// different levels (where the chat fast path skips values, and where the messages accumulator
/// re-nests them).
fn deep_members(rng: &mut Rng) -> Vec<u8> {
    let k = 118 + rng.below(14);
    let deep = match rng.below(3) {
        0 => "[".repeat(k) + &"]".repeat(k),
        1 => "{\"a\":".repeat(k) + "1" + &"}".repeat(k),
        _ => "[".repeat(k - 1) + "{}" + &"]".repeat(k - 1),
    };
    let warm = r#"{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","system_fingerprint":"f","service_tier":"t","choices":[]}"#;
    let data = match rng.below(7) {
        0 => format!(r#"{{"x":{deep},"choices":[{{"index":0,"delta":{{"content":"a"}}}}]}}"#),
        1 => format!(r#"{{"choices":[{{"index":0,"x":{deep},"delta":{{"content":"a"}}}}]}}"#),
        2 => format!(r#"{{"choices":[{{"index":0,"delta":{{"content":"a","x":{deep}}}}}]}}"#),
        3 => format!(r#"{{"model":{deep},"choices":[{{"index":0,"delta":{{"content":"a"}}}}]}}"#),
        4 => format!(
            r#"{{"type":"content_block_start","index":0,"content_block":{{"type":"x","v":{deep}}}}}"#
        ),
        5 => format!(
            r#"{{"type":"content_block_delta","index":0,"delta":{{"type":"citations_delta","citation":{deep}}}}}"#
        ),
        _ => format!(
            r#"{{"type":"message_start","message":{{"type":"message","content":[],"usage":{deep}}}}}"#
        ),
    };
    let mut out = Vec::new();
    if rng.chance(70) {
        out.extend_from_slice(b"data: ");
        out.extend_from_slice(warm.as_bytes());
        out.extend_from_slice(b"\n\n");
    }
    if rng.chance(50) {
        out.extend_from_slice(
            br#"data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        );
        out.extend_from_slice(b"\n\n");
    }
    out.extend_from_slice(b"data: ");
    out.extend_from_slice(data.as_bytes());
    out.extend_from_slice(b"\n\n");
    out
}

// ------------------------------------------------------------------------------------------
// Generated values

const TEXT_PIECES: &[&str] = &[
    "a",
    "b",
    "Z",
    " ",
    "  ",
    "hello",
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\"",
    "\\",
    "/",
    "é",
    "ü",
    "😀",
    "中文",
    "\u{2028}",
    "\u{feff}",
    "\u{fffd}",
    "\u{0}",
    "\u{1f}",
    "\u{7f}",
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "data: ",
    "[DONE]",
    "\\u0041",
    "🇫🇷",
    "👩\u{200d}👩\u{200d}👧",
    "𝄞",
    "event: x",
    "\u{10ffff}",
];

fn rand_text(rng: &mut Rng, max: usize) -> String {
    let mut s = String::new();
    for _ in 0..rng.size(max) {
        s.push_str(*rng.pick(TEXT_PIECES));
    }
    s
}

fn rand_number(rng: &mut Rng) -> J {
    match rng.below(6) {
        0 => J::from(rng.below(10) as u64),
        1 => J::from(rng.next()),
        2 => J::from(rng.next() as i64),
        3 => J::from(*rng.pick(&[u64::MAX, 0, 1 << 53, (1 << 53) + 1])),
        4 => serde_json::Number::from_f64(f64::from_bits(rng.next())).map_or(J::Null, J::Number),
        _ => serde_json::Number::from_f64(*rng.pick(&[0.5, -0.0, 1e300, 5e-324, 2.5, -1.25e-7]))
            .map_or(J::Null, J::Number),
    }
}

fn rand_json(rng: &mut Rng, depth: usize) -> J {
    match rng.below(if depth == 0 { 5 } else { 8 }) {
        0 => J::Null,
        1 => J::Bool(rng.chance(50)),
        2 => rand_number(rng),
        3 | 4 => J::String(rand_text(rng, 8)),
        5 | 6 => J::Array(
            (0..rng.size(4))
                .map(|_| rand_json(rng, depth - 1))
                .collect(),
        ),
        _ => J::Object(
            (0..rng.size(4))
                .map(|_| (rand_text(rng, 3), rand_json(rng, depth - 1)))
                .collect(),
        ),
    }
}

/// Splits `s` at char boundaries into 1 or more pieces (empty ones allowed).
fn pieces(rng: &mut Rng, s: &str, max: usize) -> Vec<String> {
    let bounds: Vec<usize> = s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
    let mut cuts: Vec<usize> = (0..rng.size(max)).map(|_| *rng.pick(&bounds)).collect();
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut prev = 0;
    for c in cuts.into_iter().chain([s.len()]) {
        out.push(s[prev..c].to_owned());
        prev = c;
    }
    out
}

/// Merges sequences at random, keeping each one's order.
fn interleave<T>(rng: &mut Rng, mut seqs: Vec<Vec<T>>) -> Vec<T> {
    for s in &mut seqs {
        s.reverse();
    }
    let mut out = Vec::new();
    loop {
        let live: Vec<usize> = (0..seqs.len()).filter(|&i| !seqs[i].is_empty()).collect();
        if live.is_empty() {
            return out;
        }
        let i = *rng.pick(&live);
        out.extend(seqs[i].pop());
    }
}

fn distinct_indices(rng: &mut Rng, n: usize) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::new();
    while out.len() < n {
        let i = match rng.below(10) {
            0 => *rng.pick(&[u64::MAX, 1 << 32, 1000]),
            _ => rng.below(2 * n + 1) as u64,
        };
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// Frames `(event name, data)` pairs as an event stream, in one of many equivalent ways.
fn frame(rng: &mut Rng, events: &[(Option<String>, J)], done: bool) -> Vec<u8> {
    let eols: [&[u8]; 3] = [b"\n", b"\r\n", b"\r"];
    let fixed = if rng.chance(70) {
        Some(*rng.pick(&eols))
    } else {
        None
    };
    let mut after_cr = false;
    // Mixed line ends: never `\r` then `\n`, which together are one line end.
    let mut eol = |rng: &mut Rng| {
        let mut e = fixed.unwrap_or_else(|| *rng.pick(&eols));
        if after_cr && e[0] == b'\n' {
            e = b"\r";
        }
        after_cr = e == b"\r";
        e
    };
    let mut out = Vec::new();
    if rng.chance(10) {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    if rng.chance(20) {
        out.extend_from_slice(b": stream start");
        out.extend_from_slice(eol(rng));
        out.extend_from_slice(eol(rng));
    }
    let n = events.len();
    for (k, (name, data)) in events.iter().enumerate() {
        if rng.chance(10) {
            out.extend_from_slice(b": keep-alive");
            out.extend_from_slice(eol(rng));
        }
        if rng.chance(10) {
            out.extend_from_slice(format!("id: {k}").as_bytes());
            out.extend_from_slice(eol(rng));
        }
        if rng.chance(5) {
            out.extend_from_slice(b"retry: 3000");
            out.extend_from_slice(eol(rng));
        }
        if let Some(name) = name {
            out.extend_from_slice(b"event: ");
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(eol(rng));
        }
        let text = if rng.chance(25) {
            serde_json::to_string_pretty(data).unwrap_or_default()
        } else {
            serde_json::to_string(data).unwrap_or_default()
        };
        let space = rng.chance(80);
        for line in text.split('\n') {
            out.extend_from_slice(if space { b"data: " } else { b"data:" });
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(eol(rng));
        }
        let last = k + 1 == n && !done;
        if !(last && rng.chance(20)) {
            out.extend_from_slice(eol(rng));
        }
        if rng.chance(5) {
            out.extend_from_slice(eol(rng));
        }
    }
    if done {
        out.extend_from_slice(b"data: [DONE]");
        out.extend_from_slice(eol(rng));
        if rng.chance(80) {
            out.extend_from_slice(eol(rng));
        }
    }
    out
}

// ------------------------------------------------------------------------------------------
// Known-answer OpenAI streams

struct Tool {
    index: u64,
    id: String,
    name: String,
    args: String,
}

struct ChatChoice {
    index: u64,
    role: String,
    content: Option<String>,
    refusal: Option<String>,
    reasoning: Option<String>,
    tools: Vec<Tool>,
    function_call: Option<(String, String)>,
    logprobs: Option<(Vec<J>, Option<Vec<J>>)>,
    finish: Option<J>,
}

struct ChatMsg {
    meta: Vec<(&'static str, J)>,
    choices: Vec<ChatChoice>,
    usage: Option<J>,
}

enum Op {
    Role(String),
    Content(String),
    Refusal(String),
    Reasoning(String, bool),
    Tool {
        index: u64,
        first: bool,
        id: String,
        name: String,
        args: String,
    },
    Fc {
        first: bool,
        name: String,
        args: String,
    },
    Logprobs(Vec<J>, Option<Vec<J>>),
    Finish(J),
}

impl Op {
    /// Ops of one choice with the same key cannot share a chunk.
    fn key(&self) -> Option<u8> {
        Some(match self {
            Op::Role(_) => 0,
            Op::Content(_) => 1,
            Op::Refusal(_) => 2,
            Op::Reasoning(..) => 3,
            Op::Tool { .. } => return None,
            Op::Fc { .. } => 5,
            Op::Logprobs(..) => 6,
            Op::Finish(_) => 7,
        })
    }
}

fn gen_chat_msg(rng: &mut Rng) -> ChatMsg {
    let mut meta = vec![
        ("id", J::String(format!("chatcmpl-{}", rng.below(1000)))),
        ("created", rand_number(rng)),
        ("model", J::String(rand_text(rng, 3))),
    ];
    if rng.chance(50) {
        meta.push(("system_fingerprint", J::String("fp_1".into())));
    }
    if rng.chance(30) {
        meta.push(("service_tier", rand_json(rng, 1)));
    }
    let nc = 1 + rng.size(3);
    let choices = distinct_indices(rng, nc)
        .into_iter()
        .map(|index| {
            let opt = |rng: &mut Rng, p| rng.chance(p).then(|| rand_text(rng, 24));
            let nt = rng.size(3);
            let tools = distinct_indices(rng, nt)
                .into_iter()
                .map(|index| {
                    let args = if rng.chance(70) {
                        serde_json::to_string(&rand_json(rng, 3)).unwrap_or_default()
                    } else {
                        rand_text(rng, 10)
                    };
                    Tool {
                        index,
                        id: rand_text(rng, 2),
                        name: rand_text(rng, 2),
                        args,
                    }
                })
                .collect();
            ChatChoice {
                index,
                role: rng
                    .pick(&["assistant", "assistant", "", "tool", "dev\"é"])
                    .to_string(),
                content: opt(rng, 80),
                refusal: opt(rng, 15),
                reasoning: opt(rng, 25),
                tools,
                function_call: rng
                    .chance(10)
                    .then(|| (rand_text(rng, 2), rand_text(rng, 8))),
                logprobs: rng.chance(20).then(|| {
                    let items = |rng: &mut Rng| {
                        (0..rng.size(6))
                            .map(|_| rand_json(rng, 2))
                            .collect::<Vec<J>>()
                    };
                    (
                        items(rng),
                        if rng.chance(30) {
                            Some(items(rng))
                        } else {
                            None
                        },
                    )
                }),
                finish: rng.chance(80).then(|| {
                    if rng.chance(90) {
                        J::String(
                            rng.pick(&["stop", "length", "tool_calls", "content_filter"])
                                .to_string(),
                        )
                    } else {
                        rand_json(rng, 2)
                    }
                }),
            }
        })
        .collect();
    let usage = rng.chance(60).then(|| j!({"prompt_tokens": rng.below(100), "completion_tokens": rng.below(100), "total_tokens": rand_number(rng), "details": rand_json(rng, 2)}));
    ChatMsg {
        meta,
        choices,
        usage,
    }
}

/// The completion `ChatAccumulator::finish` should return for `m`.
fn chat_expected(m: &ChatMsg) -> J {
    let mut o = Map::new();
    for (k, v) in &m.meta {
        // A null member counts as missing: defaults for the first three, left out otherwise.
        let v = match (*k, v) {
            ("id" | "model", J::Null) => j!(""),
            ("created", J::Null) => j!(0),
            (_, J::Null) => continue,
            _ => v.clone(),
        };
        o.insert((*k).into(), v);
    }
    o.insert("object".into(), j!("chat.completion"));
    let mut choices: Vec<&ChatChoice> = m.choices.iter().collect();
    choices.sort_by_key(|c| c.index);
    let list: Vec<J> = choices
        .iter()
        .map(|c| {
            let mut msg = Map::new();
            msg.insert("role".into(), j!(if c.role.is_empty() { "assistant" } else { &c.role }));
            msg.insert("content".into(), c.content.clone().map_or(J::Null, J::String));
            if let Some(r) = &c.refusal {
                msg.insert("refusal".into(), j!(r));
            }
            if let Some(r) = &c.reasoning {
                msg.insert("reasoning_content".into(), j!(r));
            }
            if !c.tools.is_empty() {
                let mut tools: Vec<&Tool> = c.tools.iter().collect();
                tools.sort_by_key(|t| t.index);
                let calls: Vec<J> = tools
                    .iter()
                    .map(|t| j!({"id": t.id, "type": "function", "function": {"name": t.name, "arguments": t.args}}))
                    .collect();
                msg.insert("tool_calls".into(), J::Array(calls));
            }
            if let Some((name, args)) = &c.function_call {
                msg.insert("function_call".into(), j!({"name": name, "arguments": args}));
            }
            let logprobs = match &c.logprobs {
                None => J::Null,
                Some((content, refusal)) => j!({"content": content, "refusal": refusal}),
            };
            j!({"index": c.index, "message": msg, "logprobs": logprobs, "finish_reason": c.finish.clone().unwrap_or(J::Null)})
        })
        .collect();
    o.insert("choices".into(), J::Array(list));
    o.insert("usage".into(), m.usage.clone().unwrap_or(J::Null));
    J::Object(o)
}

/// One random way of streaming `m` as chunk payloads.
fn chat_chunks(rng: &mut Rng, m: &ChatMsg) -> Vec<J> {
    let mut seqs: Vec<Vec<(u64, Op)>> = Vec::new();
    for c in &m.choices {
        let mut parts: Vec<Vec<Op>> = Vec::new();
        let split = |rng: &mut Rng, s: &Option<String>, f: fn(String) -> Op| -> Vec<Op> {
            s.as_ref().map_or(Vec::new(), |s| {
                pieces(rng, s, 4).into_iter().map(f).collect()
            })
        };
        parts.push(split(rng, &c.content, Op::Content));
        parts.push(split(rng, &c.refusal, Op::Refusal));
        if let Some(r) = &c.reasoning {
            parts.push(
                pieces(rng, r, 4)
                    .into_iter()
                    .map(|p| Op::Reasoning(p, rng.chance(50)))
                    .collect(),
            );
        }
        for t in &c.tools {
            let ps = pieces(rng, &t.args, 4);
            parts.push(
                ps.into_iter()
                    .enumerate()
                    .map(|(k, args)| Op::Tool {
                        index: t.index,
                        first: k == 0,
                        id: t.id.clone(),
                        name: t.name.clone(),
                        args,
                    })
                    .collect(),
            );
        }
        if let Some((name, args)) = &c.function_call {
            let ps = pieces(rng, args, 3);
            parts.push(
                ps.into_iter()
                    .enumerate()
                    .map(|(k, args)| Op::Fc {
                        first: k == 0,
                        name: name.clone(),
                        args,
                    })
                    .collect(),
            );
        }
        if let Some((content, refusal)) = &c.logprobs {
            let n = 1 + rng.size(3);
            let cut = |rng: &mut Rng, items: &[J]| {
                let mut cuts: Vec<usize> = (0..n - 1).map(|_| rng.below(items.len() + 1)).collect();
                cuts.sort_unstable();
                let mut out = Vec::new();
                let mut prev = 0;
                for c in cuts.into_iter().chain([items.len()]) {
                    out.push(items[prev..c].to_vec());
                    prev = c;
                }
                out
            };
            let cs = cut(rng, content);
            let mut rs: Vec<Option<Vec<J>>> = match refusal {
                Some(r) => cut(rng, r).into_iter().map(Some).collect(),
                None => vec![None; n],
            };
            parts.push(
                cs.into_iter()
                    .zip(rs.drain(..))
                    .map(|(c, r)| Op::Logprobs(c, r))
                    .collect(),
            );
        }
        let mut seq = vec![Op::Role(c.role.clone())];
        seq.extend(interleave(rng, parts));
        // Some servers repeat the role; the first non-empty one counts.
        if !c.role.is_empty() && rng.chance(20) {
            for _ in 0..1 + rng.size(2) {
                let at = 1 + rng.below(seq.len());
                seq.insert(
                    at,
                    Op::Role(rng.pick(&["user", "", "assistant", "x"]).to_string()),
                );
            }
        }
        seq.extend(c.finish.clone().map(Op::Finish));
        seqs.push(seq.into_iter().map(|op| (c.index, op)).collect());
    }
    let ops = interleave(rng, seqs);

    // Group consecutive ops into chunks.
    let mut groups: Vec<Vec<(u64, Op)>> = Vec::new();
    for (ci, op) in ops {
        let conflict = groups.last().map_or(true, |g| {
            op.key().is_some() && g.iter().any(|(c, o)| *c == ci && o.key() == op.key())
        });
        if conflict || rng.chance(45) {
            groups.push(Vec::new());
        }
        if let Some(g) = groups.last_mut() {
            g.push((ci, op));
        }
    }
    let meta_every = rng.chance(70);
    let usage_alone = rng.chance(60);
    let ng = groups.len();
    let mut out = Vec::new();
    for (gi, g) in groups.into_iter().enumerate() {
        let mut chunk = Map::new();
        if gi == 0 || meta_every {
            for (k, v) in &m.meta {
                chunk.insert((*k).into(), v.clone());
            }
        } else if rng.chance(30) {
            chunk.insert("system_fingerprint".into(), J::Null);
        }
        chunk.insert("object".into(), j!("chat.completion.chunk"));
        let mut entries: Vec<(u64, Map<String, J>, J, J)> = Vec::new();
        for (ci, op) in g {
            let at = match entries.iter().position(|e| e.0 == ci) {
                Some(p) => p,
                None => {
                    entries.push((ci, Map::new(), J::Null, J::Null));
                    entries.len() - 1
                }
            };
            let e = &mut entries[at];
            let delta = &mut e.1;
            match op {
                Op::Role(r) => {
                    delta.insert("role".into(), j!(r));
                }
                Op::Content(s) => {
                    delta.insert("content".into(), j!(s));
                }
                Op::Refusal(s) => {
                    delta.insert("refusal".into(), j!(s));
                }
                Op::Reasoning(s, alt) => {
                    delta.insert(
                        if alt {
                            "reasoning"
                        } else {
                            "reasoning_content"
                        }
                        .into(),
                        j!(s),
                    );
                }
                Op::Tool {
                    index,
                    first,
                    id,
                    name,
                    args,
                } => {
                    let call = if first {
                        j!({"index": index, "id": id, "type": "function", "function": {"name": name, "arguments": args}})
                    } else {
                        j!({"index": index, "function": {"arguments": args}})
                    };
                    if let J::Array(list) = delta.entry("tool_calls").or_insert_with(|| j!([])) {
                        list.push(call);
                    }
                }
                Op::Fc { first, name, args } => {
                    let f = if first {
                        j!({"name": name, "arguments": args})
                    } else {
                        j!({"arguments": args})
                    };
                    delta.insert("function_call".into(), f);
                }
                Op::Logprobs(c, r) => e.2 = j!({"content": c, "refusal": r}),
                Op::Finish(f) => e.3 = f,
            }
        }
        let choices: Vec<J> = entries
            .into_iter()
            .map(|(ci, delta, lp, fin)| j!({"index": ci, "delta": delta, "logprobs": lp, "finish_reason": fin}))
            .collect();
        chunk.insert("choices".into(), J::Array(choices));
        if gi + 1 == ng && !usage_alone {
            chunk.insert("usage".into(), m.usage.clone().unwrap_or(J::Null));
        } else if rng.chance(50) {
            chunk.insert("usage".into(), J::Null);
        }
        out.push(J::Object(chunk));
    }
    if usage_alone {
        if let Some(u) = &m.usage {
            let mut last = Map::new();
            for (k, v) in &m.meta {
                last.insert((*k).into(), v.clone());
            }
            last.insert("choices".into(), j!([]));
            last.insert("usage".into(), u.clone());
            out.push(J::Object(last));
        }
    }
    out
}

struct Generated {
    streams: (Vec<u8>, Vec<u8>),
    expected: J,
    /// The content of choice 0: what a caller streaming text should see.
    text: String,
}

/// Equality of JSON values where floats may differ in the last bits: serde_json's default
/// float parsing is not exact, so a float read back from text is not always the one written.
fn approx_eq(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Number(x), J::Number(y)) => match (x.is_f64() || y.is_f64(), x.as_f64(), y.as_f64()) {
            (true, Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-14 * x.abs().max(y.abs()),
            _ => x == y,
        },
        (J::Array(x), J::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| approx_eq(x, y))
        }
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| approx_eq(v, w)))
        }
        _ => a == b,
    }
}

fn gen_chat(rng: &mut Rng) -> Generated {
    let m = gen_chat_msg(rng);
    let stream = |rng: &mut Rng| {
        let events: Vec<(Option<String>, J)> = chat_chunks(rng, &m)
            .into_iter()
            .map(|c| (None, c))
            .collect();
        let done = rng.chance(70);
        frame(rng, &events, done)
    };
    let a = stream(rng);
    let b = stream(rng);
    let text = m
        .choices
        .iter()
        .find(|c| c.index == 0)
        .and_then(|c| c.content.clone())
        .unwrap_or_default();
    Generated {
        streams: (a, b),
        expected: chat_expected(&m),
        text,
    }
}

fn known_chat(rng: &mut Rng, ctx: &mut Ctx, st: &mut Stats, deep: bool) -> Check {
    let g = gen_chat(rng);
    ctx.rec("chat stream A", &g.streams.0);
    ctx.rec("chat stream B", &g.streams.1);
    st.structured_chat += 1;
    let mut finals = Vec::new();
    for s in [&g.streams.0, &g.streams.1] {
        let events = check_sse(s, rng, st)?;
        let mut a = ChatAccumulator::new();
        let mut text = String::new();
        for e in events.iter().filter(|e| e.data != "[DONE]") {
            let sum = a
                .push(&e.data)
                .map_err(|err| format!("a generated chunk failed: {err:?}: {}", e.data))?;
            text.extend(sum.content);
        }
        let out = a.finish();
        let got: J = serde_json::from_str(&out)
            .map_err(|e| format!("chat finish() is not json: {e}: {out}"))?;
        ensure!(
            approx_eq(&got, &g.expected),
            "chat finish() differs from the expected completion:\n got {got}\nwant {}",
            g.expected
        );
        ensure!(
            text == g.text,
            "streamed text {text:?} differs from the content {:?}",
            g.text
        );
        check_accumulators(&events, deep, st)?;
        finals.push(out);
    }
    ensure!(
        finals[0] == finals[1],
        "two splits of the same completion finish differently:\n{}\n{}",
        finals[0],
        finals[1]
    );
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Known-answer Anthropic streams

enum BlockKind {
    Text {
        text: String,
        citations: Vec<J>,
        start_citations: bool,
    },
    Thinking {
        thinking: String,
        signature: String,
        start_signature: bool,
    },
    Tool {
        id: String,
        name: String,
        input: String,
    },
    Redacted(String),
}

fn gen_block(rng: &mut Rng) -> BlockKind {
    match rng.below(7) {
        0..=2 => BlockKind::Text {
            text: rand_text(rng, 24),
            citations: if rng.chance(25) {
                (0..rng.size(3)).map(|_| rand_json(rng, 2)).collect()
            } else {
                Vec::new()
            },
            start_citations: rng.chance(30),
        },
        3 => BlockKind::Thinking {
            thinking: rand_text(rng, 24),
            signature: rand_text(rng, 4),
            start_signature: rng.chance(50),
        },
        4 | 5 => BlockKind::Tool {
            id: rand_text(rng, 2),
            name: rand_text(rng, 2),
            input: match rng.below(10) {
                0 => String::new(),
                1..=3 => serde_json::to_string_pretty(&rand_json(rng, 4)).unwrap_or_default(),
                _ => serde_json::to_string(&J::Object(
                    (0..rng.size(4))
                        .map(|_| (rand_text(rng, 3), rand_json(rng, 3)))
                        .collect(),
                ))
                .unwrap_or_default(),
            },
        },
        _ => BlockKind::Redacted(rand_text(rng, 8)),
    }
}

fn block_start(b: &BlockKind, first_text: &str) -> J {
    match b {
        BlockKind::Text {
            start_citations, ..
        } => {
            let mut v = j!({"type": "text", "text": first_text});
            if *start_citations {
                v["citations"] = j!([]);
            }
            v
        }
        BlockKind::Thinking {
            start_signature, ..
        } => {
            let mut v = j!({"type": "thinking", "thinking": ""});
            if *start_signature {
                v["signature"] = j!("");
            }
            v
        }
        BlockKind::Tool { id, name, .. } => {
            j!({"type": "tool_use", "id": id, "name": name, "input": {}})
        }
        BlockKind::Redacted(d) => j!({"type": "redacted_thinking", "data": d}),
    }
}

fn block_expected(b: &BlockKind) -> Result<J, String> {
    Ok(match b {
        BlockKind::Text {
            text,
            citations,
            start_citations,
        } => {
            let mut v = j!({"type": "text", "text": text});
            if *start_citations || !citations.is_empty() {
                v["citations"] = J::Array(citations.clone());
            }
            v
        }
        BlockKind::Thinking {
            thinking,
            signature,
            ..
        } => {
            j!({"type": "thinking", "thinking": thinking, "signature": signature})
        }
        BlockKind::Tool { id, name, input } => {
            let input = if input.is_empty() {
                j!({})
            } else {
                serde_json::from_str(input).map_err(|e| format!("generated bad tool json: {e}"))?
            };
            j!({"type": "tool_use", "id": id, "name": name, "input": input})
        }
        BlockKind::Redacted(d) => j!({"type": "redacted_thinking", "data": d}),
    })
}

struct MsgsMsg {
    start: J,
    blocks: Vec<(u64, BlockKind)>,
    stop_reason: J,
    stop_sequence: J,
    input_tokens: u64,
    output_tokens: u64,
}

fn gen_msgs_msg(rng: &mut Rng) -> MsgsMsg {
    let input_tokens = rng.below(1000) as u64;
    let start = j!({"id": format!("msg_{}", rng.below(100)), "type": "message", "role": "assistant",
        "model": rand_text(rng, 2), "content": [], "stop_reason": null, "stop_sequence": null,
        "usage": {"input_tokens": input_tokens, "output_tokens": 1}});
    let n = rng.size(5);
    let mut idx = distinct_indices(rng, n);
    if rng.chance(60) {
        idx = (0..n as u64).collect();
    }
    let blocks = idx.into_iter().map(|i| (i, gen_block(rng))).collect();
    MsgsMsg {
        start,
        blocks,
        stop_reason: j!(rng.pick(&["end_turn", "tool_use", "max_tokens", "stop_sequence"])),
        stop_sequence: if rng.chance(20) {
            j!(rand_text(rng, 2))
        } else {
            J::Null
        },
        input_tokens,
        output_tokens: rng.below(5000) as u64,
    }
}

fn msgs_expected(m: &MsgsMsg) -> Result<J, String> {
    let mut blocks: Vec<&(u64, BlockKind)> = m.blocks.iter().collect();
    blocks.sort_by_key(|b| b.0);
    let mut v = m.start.clone();
    v["content"] = J::Array(
        blocks
            .iter()
            .map(|b| block_expected(&b.1))
            .collect::<Result<_, _>>()?,
    );
    v["stop_reason"] = m.stop_reason.clone();
    v["stop_sequence"] = m.stop_sequence.clone();
    v["usage"] = j!({"input_tokens": m.input_tokens, "output_tokens": m.output_tokens});
    Ok(v)
}

/// One random way of streaming `m`: events, the text deltas in order, and the event kinds.
fn msgs_events(rng: &mut Rng, m: &MsgsMsg) -> (Vec<(Option<String>, J)>, String, Vec<EventKind>) {
    let ev = |kind: &str, index: Option<u64>, key: &str, body: J| {
        let mut v = j!({"type": kind});
        if let Some(i) = index {
            v["index"] = j!(i);
        }
        if !key.is_empty() {
            v[key] = body;
        }
        v
    };
    let mut seqs: Vec<Vec<J>> = Vec::new();
    for (i, b) in &m.blocks {
        let i = *i;
        let delta = |d: J| ev("content_block_delta", Some(i), "delta", d);
        let mut first_text = String::new();
        let mut parts: Vec<Vec<J>> = Vec::new();
        match b {
            BlockKind::Text {
                text, citations, ..
            } => {
                let mut ps = pieces(rng, text, 5);
                if rng.chance(30) {
                    first_text = ps.remove(0);
                }
                parts.push(
                    ps.into_iter()
                        .map(|t| delta(j!({"type": "text_delta", "text": t})))
                        .collect(),
                );
                parts.push(
                    citations
                        .iter()
                        .map(|c| delta(j!({"type": "citations_delta", "citation": c})))
                        .collect(),
                );
            }
            BlockKind::Thinking {
                thinking,
                signature,
                ..
            } => {
                parts.push(
                    pieces(rng, thinking, 5)
                        .into_iter()
                        .map(|t| delta(j!({"type": "thinking_delta", "thinking": t})))
                        .collect(),
                );
                parts.push(
                    pieces(rng, signature, 2)
                        .into_iter()
                        .map(|t| delta(j!({"type": "signature_delta", "signature": t})))
                        .collect(),
                );
            }
            BlockKind::Tool { input, .. } => {
                parts.push(
                    pieces(rng, input, 6)
                        .into_iter()
                        .map(|t| delta(j!({"type": "input_json_delta", "partial_json": t})))
                        .collect(),
                );
            }
            BlockKind::Redacted(_) => {}
        }
        let mut seq = vec![ev(
            "content_block_start",
            Some(i),
            "content_block",
            block_start(b, &first_text),
        )];
        seq.extend(interleave(rng, parts));
        if rng.chance(85) {
            seq.push(ev("content_block_stop", Some(i), "", J::Null));
        }
        seqs.push(seq);
    }
    let pings: Vec<J> = (0..rng.size(3))
        .map(|_| ev("ping", None, "", J::Null))
        .collect();
    seqs.push(pings);
    if rng.chance(30) {
        seqs.push(vec![
            j!({"type": "message_delta", "delta": {"stop_reason": null}, "usage": {"output_tokens": rng.below(10)}}),
        ]);
    }
    let mut body = vec![ev("message_start", None, "message", m.start.clone())];
    body.extend(interleave(rng, seqs));
    body.push(j!({"type": "message_delta", "delta": {"stop_reason": m.stop_reason, "stop_sequence": m.stop_sequence},
        "usage": {"output_tokens": m.output_tokens, "input_tokens": null}}));
    if rng.chance(90) {
        body.push(ev("message_stop", None, "", J::Null));
    }
    let mut text = String::new();
    let mut kinds = Vec::new();
    let names = rng.chance(90);
    let events = body
        .into_iter()
        .map(|v| {
            let kind = v["type"].as_str().unwrap_or_default().to_owned();
            if v["delta"]["type"] == "text_delta" {
                text.push_str(v["delta"]["text"].as_str().unwrap_or_default());
            }
            kinds.push(match kind.as_str() {
                "message_start" => EventKind::MessageStart,
                "content_block_start" => EventKind::ContentBlockStart,
                "content_block_delta" => EventKind::ContentBlockDelta,
                "content_block_stop" => EventKind::ContentBlockStop,
                "message_delta" => EventKind::MessageDelta,
                "message_stop" => EventKind::MessageStop,
                _ => EventKind::Ping,
            });
            (names.then_some(kind), v)
        })
        .collect();
    (events, text, kinds)
}

fn known_msgs(rng: &mut Rng, ctx: &mut Ctx, st: &mut Stats, deep: bool) -> Check {
    let m = gen_msgs_msg(rng);
    let expected = msgs_expected(&m)?;
    let mut finals = Vec::new();
    for label in ["messages stream A", "messages stream B"] {
        let (events, want_text, want_kinds) = msgs_events(rng, &m);
        let bytes = frame(rng, &events, false);
        ctx.rec(label, &bytes);
        let events = check_sse(&bytes, rng, st)?;
        let mut a = MessagesAccumulator::new();
        let mut text = String::new();
        let mut kinds = Vec::new();
        for e in &events {
            let s = a.push(e.event.as_deref(), &e.data).map_err(|err| {
                format!(
                    "a generated event failed: {err:?}: {:?} {}",
                    e.event, e.data
                )
            })?;
            text.extend(s.text);
            kinds.push(s.kind);
        }
        let out = a.finish();
        let got: J = serde_json::from_str(&out)
            .map_err(|e| format!("messages finish() is not json: {e}: {out}"))?;
        ensure!(
            approx_eq(&got, &expected),
            "messages finish() differs from the expected message:\n got {got}\nwant {expected}"
        );
        ensure!(
            text == want_text,
            "streamed text {text:?}, want {want_text:?}"
        );
        ensure!(
            kinds == want_kinds,
            "event kinds {kinds:?}, want {want_kinds:?}"
        );
        // The finished message replayed as a stream accumulates to the same message (up to an
        // empty `citations` list, which replay leaves out).
        let sse =
            aibadgr::replay::message(&out).ok_or("replay::message declined a finish() output")?;
        let mut back = MessagesAccumulator::new();
        for e in parse_whole(sse.as_bytes())? {
            back.push(e.event.as_deref(), &e.data)
                .map_err(|err| format!("replayed event fails ({err:?}): {}", e.data))?;
        }
        ensure!(back.stopped(), "replayed stream has no message_stop");
        let again = back.finish();
        let again: J = serde_json::from_str(&again)
            .map_err(|e| format!("replayed finish() is not json: {e}"))?;
        let drop_empty_citations = |mut v: J| {
            if let Some(J::Array(blocks)) = v.get_mut("content") {
                for b in blocks.iter_mut().filter_map(J::as_object_mut) {
                    if b.get("citations") == Some(&j!([])) {
                        b.remove("citations");
                    }
                }
            }
            v
        };
        ensure!(
            approx_eq(
                &drop_empty_citations(again.clone()),
                &drop_empty_citations(got.clone())
            ),
            "replay::message of finish() accumulates to\n{again}\nnot\n{got}"
        );
        check_accumulators(&events, deep, st)?;
        finals.push(out);
    }
    st.structured_msgs += 1;
    ensure!(
        finals[0] == finals[1],
        "two splits of the same message finish differently:\n{}\n{}",
        finals[0],
        finals[1]
    );
    Ok(())
}

// ------------------------------------------------------------------------------------------
// One big event, one byte at a time

fn one_byte_pushes(input: &[u8]) -> (Vec<SseEvent>, Duration) {
    let t = Instant::now();
    let mut p = SseParser::new();
    let mut out = Vec::new();
    for b in input.chunks(1) {
        p.push(b);
        while let Some(e) = p.next_event() {
            out.push(e);
        }
    }
    while let Some(e) = p.finish() {
        out.push(e);
    }
    assert_eq!(p.buffered(), 0);
    (out, t.elapsed())
}

#[test]
fn big_event_one_byte_pushes() {
    let mb = env_u64("AIBADGR_FUZZ_BIG_MB").unwrap_or(8) as usize;
    let n = mb << 20;
    // Multi-byte characters so that pushes split them.
    let unit = "héllo 😀 中文 ";
    let mut content = unit.repeat(n / unit.len() + 1);
    while content.len() > n {
        content.pop();
    }

    // 1. One data line holding an n-byte chat chunk, CRLF line ends.
    let chunk = j!({"choices": [{"index": 0, "delta": {"content": content}}]}).to_string();
    let mut input = b"data: ".to_vec();
    input.extend_from_slice(chunk.as_bytes());
    input.extend_from_slice(b"\r\n\r\ndata: [DONE]\r\n\r\n");
    let (events, took) = one_byte_pushes(&input);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].data, chunk);
    let mut acc = ChatAccumulator::new();
    let t = Instant::now();
    let s = acc.push(&events[0].data).unwrap();
    assert_eq!(s.content.as_deref(), Some(content.as_str()));
    let done: J = serde_json::from_str(&acc.finish()).unwrap();
    assert_eq!(
        done["choices"][0]["message"]["content"],
        J::String(content.clone())
    );
    say(&format!(
        "fuzz: big event: {} bytes in 1-byte pushes parsed in {:.2} s; accumulated in {:.2} s",
        input.len(),
        took.as_secs_f64(),
        t.elapsed().as_secs_f64()
    ));

    // 2. The same bytes as ~64-byte data lines of one event (the data buffer path), `\r` ends.
    let mut input = Vec::with_capacity(n + n / 8);
    let mut lines = 0;
    let mut rest = content.as_str();
    while !rest.is_empty() {
        let mut k = rest.len().min(64);
        while !rest.is_char_boundary(k) {
            k -= 1;
        }
        input.extend_from_slice(b"data:");
        input.extend_from_slice(rest[..k].as_bytes());
        input.push(b'\r');
        rest = &rest[k..];
        lines += 1;
    }
    input.push(b'\r');
    let (events, took) = one_byte_pushes(&input);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].data.len(), content.len() + lines - 1);
    assert_eq!(events[0].data.replace('\n', ""), content);
    say(&format!(
        "fuzz: big event: {} bytes ({lines} data lines) in 1-byte pushes parsed in {:.2} s",
        input.len(),
        took.as_secs_f64()
    ));

    // 3. An n-byte tool input streamed as one input_json_delta into the messages accumulator.
    let args = j!({"text": content}).to_string();
    let ev =
        j!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": args}})
            .to_string();
    let mut input = b"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}}\n\nevent: content_block_delta\ndata: ".to_vec();
    input.extend_from_slice(ev.as_bytes());
    input.extend_from_slice(
        b"\n\nevent: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
    );
    let (events, took) = one_byte_pushes(&input);
    assert_eq!(events.len(), 3);
    let mut m = MessagesAccumulator::new();
    for e in &events {
        m.push(e.event.as_deref(), &e.data).unwrap();
    }
    let done: J = serde_json::from_str(&m.finish()).unwrap();
    assert_eq!(done["content"][0]["input"]["text"], J::String(content));
    say(&format!(
        "fuzz: big event: {} bytes of tool input in 1-byte pushes parsed in {:.2} s",
        input.len(),
        took.as_secs_f64()
    ));
}
