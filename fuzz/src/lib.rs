//! What the fuzz targets check, shared by them: an independent SSE reference parser, an RFC 8259
//! validator, serde_json as an oracle, the accumulators' fast paths against their general paths,
//! replay round trips and an independent base64 decoder. Taken from the seeded loop in
//! `tests/fuzz.rs`, which keeps the generators of streams with a known answer.
#![allow(clippy::all)]

use aibadgr::accumulate::chat::{ChatAccumulator, ChunkError, ChunkSummary};
use aibadgr::accumulate::messages::{EventKind, EventSummary, MessagesAccumulator};
use aibadgr::embed;
use aibadgr::json;
use aibadgr::sse::{SseEvent, SseParser};
use serde_json::Value as J;

/// A check's outcome: the violated invariant, described.
pub type Check = Result<(), String>;

#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($fmt:tt)*) => {
        if !$cond {
            return Err(format!($($fmt)*));
        }
    };
}

/// Panics with the message of a violated invariant (libFuzzer then saves the input).
pub fn must(c: Check) {
    if let Err(m) = c {
        panic!("invariant violated: {m}");
    }
}

/// Splits `data` into a small header (used to steer the target) and the rest.
pub fn steer(data: &[u8], n: usize) -> (&[u8], &[u8]) {
    data.split_at(n.min(data.len()))
}

/// Chunk sizes from steering bytes: each byte is one chunk size (0 means an empty push).
pub fn sizes(steer: &[u8]) -> Vec<usize> {
    steer.iter().map(|b| usize::from(*b)).collect()
}

pub fn drain(p: &mut SseParser, out: &mut Vec<SseEvent>, pushed: usize) -> Check {
    while let Some(e) = p.next_event() {
        out.push(e);
        ensure!(
            out.len() <= pushed,
            "next_event returned more events than bytes pushed"
        );
    }
    Ok(())
}

pub fn finish_all(p: &mut SseParser, out: &mut Vec<SseEvent>, pushed: usize) -> Check {
    while let Some(e) = p.finish() {
        out.push(e);
        ensure!(out.len() <= pushed + 1, "finish keeps returning events");
    }
    ensure!(
        p.buffered() == 0,
        "buffered() is {} after finish() returned None",
        p.buffered()
    );
    ensure!(
        p.finish().is_none(),
        "finish() returned an event after returning None"
    );
    ensure!(
        p.next_event().is_none(),
        "next_event() returned an event after finish() was done"
    );
    Ok(())
}

pub fn parse_whole(input: &[u8]) -> Result<Vec<SseEvent>, String> {
    let mut p = SseParser::new();
    let mut out = Vec::new();
    p.push(input);
    ensure!(
        p.buffered() == input.len(),
        "buffered() {} after one push of {}",
        p.buffered(),
        input.len()
    );
    drain(&mut p, &mut out, input.len())?;
    finish_all(&mut p, &mut out, input.len())?;
    Ok(out)
}

/// An independent whole-input SSE parser with the documented semantics: a leading BOM is
/// dropped; lines end at `\r\n`, `\r` or `\n`; at the end a trailing partial line counts and a
/// pending event with data is dispatched.
pub fn reference_sse(input: &[u8]) -> Vec<SseEvent> {
    let s = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut lines: Vec<&[u8]> = Vec::new();
    let (mut i, mut from) = (0, 0);
    while i < s.len() {
        match s[i] {
            b'\n' => {
                lines.push(&s[from..i]);
                i += 1;
                from = i;
            }
            b'\r' => {
                lines.push(&s[from..i]);
                i += 1;
                if s.get(i) == Some(&b'\n') {
                    i += 1;
                }
                from = i;
            }
            _ => i += 1,
        }
    }
    if from < s.len() {
        lines.push(&s[from..]);
    }
    lines.push(b"");
    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (mut data, mut name, mut id): (Vec<u8>, Option<Vec<u8>>, Option<String>) =
        (Vec::new(), None, None);
    let mut out = Vec::new();
    for line in lines {
        if line.is_empty() {
            let name = name.take();
            if !data.is_empty() {
                data.pop();
                out.push(SseEvent {
                    event: name.as_deref().map(lossy),
                    data: lossy(&data),
                    id: id.clone(),
                    joined: data.contains(&b'\n'),
                });
                data.clear();
            }
            continue;
        }
        if line[0] == b':' {
            continue;
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(k) => {
                let v = &line[k + 1..];
                (&line[..k], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                data.extend_from_slice(value);
                data.push(b'\n');
            }
            b"event" => name = Some(value.to_vec()),
            b"id" if !value.contains(&0) => id = Some(lossy(value)),
            _ => {}
        }
    }
    out
}

/// Writes events back as an event stream that must parse to the same events.
pub fn reframe(events: &[SseEvent]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut last_id: Option<&str> = None;
    for e in events {
        if e.id.as_deref() != last_id {
            if let Some(id) = &e.id {
                out.extend_from_slice(b"id: ");
                out.extend_from_slice(id.as_bytes());
                out.push(b'\n');
            }
            last_id = e.id.as_deref();
        }
        if let Some(name) = &e.event {
            out.extend_from_slice(b"event: ");
            out.extend_from_slice(name.as_bytes());
            out.push(b'\n');
        }
        for line in e.data.split('\n') {
            out.extend_from_slice(b"data: ");
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
        out.push(b'\n');
    }
    out
}

pub fn first_diff(a: &[SseEvent], b: &[SseEvent]) -> String {
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    format!(
        "{} vs {} events; first difference at #{at}: {:?} vs {:?}",
        a.len(),
        b.len(),
        a.get(at),
        b.get(at)
    )
}

// ------------------------------------------------------------------------------------------
// Accumulators

#[derive(Debug, PartialEq)]
pub struct ChatRun {
    pub results: Vec<Result<ChunkSummary, ChunkError>>,
    pub finish: String,
    pub chunks: usize,
    pub saw_finish: bool,
}

/// The same chunk with an empty `delta` put first in every choice object. The general path
/// reads the last `delta`, so the meaning is unchanged, but `ChatAccumulator`'s fast path
/// declines a choice with two deltas: feeding these to a second accumulator compares the fast
/// path with the general one.
pub fn without_fast_path(data: &str) -> Option<String> {
    let mut v = json::parse(data).ok()?;
    let json::Value::Object(members) = &mut v else {
        return None;
    };
    for (k, val) in members.iter_mut() {
        if let ("choices", json::Value::Array(list)) = (k.as_ref(), val) {
            for c in list.iter_mut() {
                if let json::Value::Object(m) = c {
                    m.insert(0, ("delta".into(), json::Value::Object(Vec::new())));
                }
            }
        }
    }
    Some(v.to_json())
}

pub fn run_chat(events: &[SseEvent], deep: bool) -> Result<ChatRun, String> {
    let mut a = ChatAccumulator::new();
    let mut tree = ChatAccumulator::new();
    let mut results = Vec::with_capacity(events.len());
    for e in events {
        let before = deep.then(|| (a.finish(), a.chunks(), a.saw_finish()));
        let r = a.push(&e.data);
        if let (Err(err), Some(before)) = (&r, before) {
            ensure!(
                (a.finish(), a.chunks(), a.saw_finish()) == before,
                "a chat push that failed ({err:?}) changed the state; data {:?}",
                e.data
            );
        }
        // Accepted exactly when the data is a JSON object that json::parse accepts.
        match (&r, json::parse(&e.data)) {
            (Ok(_), Err(pe)) => {
                return Err(format!(
                    "chat push accepted data json::parse rejects ({pe:?}): {:?}",
                    e.data
                ))
            }
            (Ok(_), Ok(v)) if v.as_object().is_none() => {
                return Err(format!("chat push accepted a non-object: {:?}", e.data))
            }
            (Err(ChunkError::Json(pe)), Ok(_)) => {
                return Err(format!(
                    "chat push reported {pe:?} for json that parses: {:?}",
                    e.data
                ))
            }
            (Err(err @ (ChunkError::Api { .. } | ChunkError::Shape(_))), Err(pe)) => {
                return Err(format!(
                    "chat push reported {err:?} for json that does not parse ({pe:?}): {:?}",
                    e.data
                ))
            }
            _ => {}
        }
        let slow = without_fast_path(&e.data);
        let rt = tree.push(slow.as_deref().unwrap_or(&e.data));
        let same = match (&r, &rt) {
            (Err(ChunkError::Json(_)), Err(ChunkError::Json(_))) => true,
            (x, y) => x == y,
        };
        ensure!(
            same,
            "fast and general chat paths disagree on {:?}: {r:?} vs {rt:?} (general path fed {slow:?})",
            e.data
        );
        if deep {
            ensure!(
                a.finish() == tree.finish(),
                "fast and general chat paths diverge after {:?}",
                e.data
            );
        }
        results.push(r);
    }
    let finish = a.finish();
    ensure!(
        tree.finish() == finish
            && tree.chunks() == a.chunks()
            && tree.saw_finish() == a.saw_finish(),
        "fast and general chat paths end differently:\n{finish}\n{}",
        tree.finish()
    );
    // Replaying the completion as a stream (for servers that ignore `stream: true`) and
    // accumulating that gives the same completion back, byte for byte.
    match aibadgr::replay::chat(&finish) {
        Some(sse) => {
            let evs = parse_whole(sse.as_bytes())?;
            ensure!(
                evs.len() == 2 && evs[1].data == "[DONE]",
                "replay::chat gave {} events",
                evs.len()
            );
            let mut back = ChatAccumulator::new();
            back.push(&evs[0].data)
                .map_err(|e| format!("replayed chunk fails ({e:?}): {}", evs[0].data))?;
            ensure!(
                back.finish() == finish,
                "replay::chat of finish() accumulates to\n{}\nnot\n{finish}",
                back.finish()
            );
        }
        None => ensure!(
            json::parse(&finish).is_err(),
            "replay::chat declined a finish() output: {finish}"
        ),
    }
    ensure!(a.finish() == finish, "chat finish() is not repeatable");
    validate_json(&finish)
        .map_err(|e| format!("chat finish() is not valid json ({e}): {finish:?}"))?;
    let oks = results.iter().filter(|r| r.is_ok()).count();
    ensure!(
        a.chunks() == oks,
        "chunks() {} but {oks} pushes succeeded",
        a.chunks()
    );
    let fin = results.iter().any(|r| matches!(r, Ok(s) if s.finished));
    ensure!(
        a.saw_finish() == fin,
        "saw_finish() {} but summaries say {fin}",
        a.saw_finish()
    );
    Ok(ChatRun {
        results,
        finish,
        chunks: a.chunks(),
        saw_finish: a.saw_finish(),
    })
}

#[derive(Debug, PartialEq)]
pub struct MsgRun {
    pub results: Vec<Result<EventSummary, ChunkError>>,
    pub finish: Result<String, ChunkError>,
    pub stopped: bool,
}

/// A `content_block_delta` event with its `type` member written twice: the general path reads
/// the last one, so the meaning is unchanged, but `MessagesAccumulator`'s fast path declines
/// it. Other events are left alone (the fast path takes none of them).
pub fn msgs_without_fast_path(data: &str) -> Option<String> {
    let mut v = json::parse(data).ok()?;
    if v.get("type").and_then(json::Value::as_str) != Some("content_block_delta") {
        return None;
    }
    let json::Value::Object(members) = &mut v else {
        return None;
    };
    members.insert(
        0,
        (
            "type".into(),
            json::Value::String("content_block_delta".into()),
        ),
    );
    Some(v.to_json())
}

pub fn run_msgs(events: &[SseEvent], deep: bool) -> Result<MsgRun, String> {
    let mut a = MessagesAccumulator::new();
    let mut tree = MessagesAccumulator::new();
    let mut results = Vec::with_capacity(events.len());
    for e in events {
        let before = deep.then(|| (Ok::<String, ChunkError>(a.finish()), a.stopped()));
        let r = a.push(e.event.as_deref(), &e.data);
        if let (Err(err), Some(before)) = (&r, before) {
            ensure!(
                (Ok::<String, ChunkError>(a.finish()), a.stopped()) == before,
                "a messages push that failed ({err:?}) changed the state; event {:?} data {:?}",
                e.event,
                e.data
            );
        }
        // Accepted only for a JSON object json::parse accepts (or blank data with an event name).
        if r.is_ok() {
            let blank = e.data.bytes().all(|b| b.is_ascii_whitespace());
            let object = json::parse(&e.data).map(|v| v.as_object().is_some());
            ensure!(
                object == Ok(true) || (blank && e.event.is_some()),
                "messages push accepted {:?} (json::parse: {object:?})",
                e.data
            );
        }
        let slow = msgs_without_fast_path(&e.data);
        let rt = tree.push(e.event.as_deref(), slow.as_deref().unwrap_or(&e.data));
        ensure!(
            r == rt,
            "fast and general messages paths disagree on {:?}: {r:?} vs {rt:?}",
            e.data
        );
        if deep {
            ensure!(
                a.finish() == tree.finish(),
                "fast and general messages paths diverge after {:?}",
                e.data
            );
        }
        results.push(r);
    }
    let finish: Result<String, ChunkError> = Ok(a.finish());
    ensure!(
        Ok(tree.finish()) == finish && tree.stopped() == a.stopped(),
        "fast and general messages paths end differently: {finish:?} vs {:?}",
        tree.finish()
    );
    ensure!(
        Ok(a.finish()) == finish,
        "messages finish() is not repeatable"
    );
    if let Ok(text) = &finish {
        validate_json(text)
            .map_err(|e| format!("messages finish() is not valid json ({e}): {text:?}"))?;
        // Replaying any finished message must not panic (its fidelity is checked on the
        // known-answer streams, whose messages are well formed).
        if let Some(sse) = aibadgr::replay::message(text) {
            let mut back = MessagesAccumulator::new();
            for e in parse_whole(sse.as_bytes())? {
                let _ = back.push(e.event.as_deref(), &e.data);
            }
            let _ = back.finish();
        }
    }
    let stop = results
        .iter()
        .any(|r| matches!(r, Ok(s) if s.kind == EventKind::MessageStop));
    ensure!(
        a.stopped() == stop,
        "stopped() {} but summaries say {stop}",
        a.stopped()
    );
    Ok(MsgRun {
        results,
        finish,
        stopped: a.stopped(),
    })
}

// ------------------------------------------------------------------------------------------
// JSON

/// Checks RFC 8259 syntax without a depth limit; returns the deepest nesting.
pub fn validate_json(s: &str) -> Result<usize, String> {
    fn ws(b: &[u8], i: &mut usize) {
        while matches!(b.get(*i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            *i += 1;
        }
    }
    fn string(b: &[u8], i: &mut usize) -> Check {
        ensure!(b.get(*i) == Some(&b'"'), "expected a string at {i}");
        *i += 1;
        loop {
            match b.get(*i) {
                None => return Err("unterminated string".into()),
                Some(b'"') => {
                    *i += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    *i += 1;
                    match b.get(*i) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => *i += 1,
                        Some(b'u') => {
                            let hex = b.get(*i + 1..*i + 5).ok_or("short \\u escape")?;
                            ensure!(
                                hex.iter().all(u8::is_ascii_hexdigit),
                                "bad \\u escape at {i}"
                            );
                            *i += 5;
                        }
                        _ => return Err(format!("bad escape at {i}")),
                    }
                }
                Some(0..=0x1f) => return Err(format!("control character in string at {i}")),
                Some(_) => *i += 1,
            }
        }
    }
    fn digits(b: &[u8], i: &mut usize) -> usize {
        let from = *i;
        while matches!(b.get(*i), Some(b'0'..=b'9')) {
            *i += 1;
        }
        *i - from
    }
    fn number(b: &[u8], i: &mut usize) -> Check {
        if b.get(*i) == Some(&b'-') {
            *i += 1;
        }
        match b.get(*i) {
            Some(b'0') => *i += 1,
            Some(b'1'..=b'9') => {
                digits(b, i);
            }
            _ => return Err(format!("bad number at {i}")),
        }
        if b.get(*i) == Some(&b'.') {
            *i += 1;
            ensure!(digits(b, i) > 0, "bad fraction at {i}");
        }
        if matches!(b.get(*i), Some(b'e' | b'E')) {
            *i += 1;
            if matches!(b.get(*i), Some(b'+' | b'-')) {
                *i += 1;
            }
            ensure!(digits(b, i) > 0, "bad exponent at {i}");
        }
        Ok(())
    }
    let b = s.as_bytes();
    let mut i = 0;
    let mut stack: Vec<u8> = Vec::new();
    let mut max = 0;
    'value: loop {
        ws(b, &mut i);
        match b.get(i) {
            Some(&open @ (b'{' | b'[')) => {
                i += 1;
                let close = if open == b'{' { b'}' } else { b']' };
                stack.push(close);
                max = max.max(stack.len());
                ws(b, &mut i);
                if b.get(i) == Some(&close) {
                    i += 1;
                    stack.pop();
                } else {
                    if open == b'{' {
                        string(b, &mut i)?;
                        ws(b, &mut i);
                        ensure!(b.get(i) == Some(&b':'), "expected ':' at {i}");
                        i += 1;
                    }
                    continue 'value;
                }
            }
            Some(b'"') => string(b, &mut i)?,
            Some(b'-' | b'0'..=b'9') => number(b, &mut i)?,
            Some(_) => {
                let word = ["true", "false", "null"]
                    .into_iter()
                    .find(|w| b[i..].starts_with(w.as_bytes()));
                i += word
                    .ok_or_else(|| format!("expected a value at {i}"))?
                    .len();
            }
            None => return Err("unexpected end".into()),
        }
        loop {
            ws(b, &mut i);
            let Some(&close) = stack.last() else {
                ensure!(i == b.len(), "trailing characters at {i}");
                return Ok(max);
            };
            match b.get(i) {
                Some(&c) if c == close => {
                    i += 1;
                    stack.pop();
                }
                Some(b',') => {
                    i += 1;
                    if close == b'}' {
                        ws(b, &mut i);
                        string(b, &mut i)?;
                        ws(b, &mut i);
                        ensure!(b.get(i) == Some(&b':'), "expected ':' at {i}");
                        i += 1;
                    }
                    continue 'value;
                }
                _ => return Err(format!("expected ',' or a close bracket at {i}")),
            }
        }
    }
}

pub fn check_json(text: &str) -> Check {
    let ours = json::parse(text);
    let valid = validate_json(text);
    match (&ours, &valid) {
        (Ok(v), Ok(depth)) => {
            ensure!(
                *depth <= json::MAX_DEPTH,
                "json::parse accepted nesting {depth} > MAX_DEPTH: {text:?}"
            );
            let t = v.to_json();
            validate_json(&t)
                .map_err(|e| format!("written json is invalid ({e}): {t:?} from {text:?}"))?;
            let v2 = json::parse(&t)
                .map_err(|e| format!("written json does not re-parse ({e:?}): {t:?}"))?;
            ensure!(
                v2 == *v,
                "written json re-parses to a different value: {text:?} -> {t:?}"
            );
            ensure!(
                v2.to_json() == t,
                "writing is not idempotent: {text:?} -> {t:?}"
            );
            ensure!(
                v.clone().into_owned() == *v,
                "into_owned changed the value: {text:?}"
            );
        }
        (Err(e), Ok(depth)) => {
            ensure!(
                *depth > json::MAX_DEPTH && e.what == "nesting too deep",
                "json::parse rejected valid json ({e:?}, depth {depth}): {text:?}"
            );
        }
        (Ok(_), Err(why)) => {
            return Err(format!(
                "json::parse accepted invalid json ({why}): {text:?}"
            ))
        }
        (Err(e), Err(_)) => {
            ensure!(
                e.pos <= text.len(),
                "error position {} past the end ({})",
                e.pos,
                text.len()
            );
        }
    }
    // serde_json as a second opinion: same acceptance (except lone surrogates, which serde_json
    // rejects as "unexpected end of hex escape" or "lone leading surrogate", numbers too big for
    // f64, and its recursion limit of 127), and equal values.
    let theirs = serde_json::from_str::<J>(text);
    match (&ours, &theirs) {
        (Ok(v), Ok(want)) => {
            let back: J = serde_json::from_str(&v.to_json())
                .map_err(|e| format!("serde_json rejects our output: {e}"))?;
            ensure!(
                back == *want,
                "serde_json reads a different value from our output: {text:?}"
            );
        }
        (Ok(_), Err(e)) => {
            let m = e.to_string();
            ensure!(
                m.contains("surrogate")
                    || (m.contains("hex escape") && text.contains("\\u"))
                    || m.contains("number out of range")
                    || m.contains("recursion limit"),
                "json::parse accepted what serde_json rejects ({m}): {text:?}"
            );
        }
        (Err(e), Ok(_)) => {
            return Err(format!(
                "json::parse rejected what serde_json accepts ({e:?}): {text:?}"
            ))
        }
        (Err(_), Err(_)) => {}
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Embeddings

pub fn sextet(c: u8) -> Option<u8> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    })
}

/// An independent base64 decoder with the documented leniency: either alphabet, at most two
/// `=` and only at the end, a 1-character tail is invalid.
pub fn reference_b64(s: &[u8]) -> Option<Vec<u8>> {
    let pad = s.iter().rev().take_while(|&&c| c == b'=').count();
    let body = &s[..s.len() - pad];
    if pad > 2 || body.contains(&b'=') || body.len() % 4 == 1 {
        return None;
    }
    let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0);
    for &c in body {
        acc = (acc << 6) | u32::from(sextet(c)?);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

pub fn b64(bytes: &[u8], url: bool, pad: bool) -> String {
    let alpha: &[u8] = if url {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut s = String::new();
    for c in bytes.chunks(3) {
        let n = u32::from(c[0]) << 16
            | u32::from(*c.get(1).unwrap_or(&0)) << 8
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= c.len() {
                s.push(char::from(alpha[(n >> (18 - 6 * k) & 63) as usize]));
            } else if pad {
                s.push('=');
            }
        }
    }
    s
}

pub fn check_decode(s: &str) -> Check {
    let got = embed::decode_f32(s).map(|v| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>());
    let want = reference_b64(s.as_bytes())
        .filter(|b| b.len() % 4 == 0)
        .map(|b| {
            b.chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect::<Vec<_>>()
        });
    ensure!(
        got == want,
        "decode_f32({s:?}) = {got:?}, reference says {want:?}"
    );
    Ok(())
}

/// `split` either declines or returns exactly the decoded vectors of every `data` item with the
/// embeddings nulled and nothing else changed.
pub fn check_split(text: &str) -> Check {
    let Some((rest, vectors)) = embed::split(text) else {
        return Ok(());
    };
    let orig = json::parse(text).map_err(|e| format!("split accepted unparsable json: {e:?}"))?;
    let items = orig
        .get("data")
        .and_then(json::Value::as_array)
        .ok_or("split accepted a body without a data array")?;
    ensure!(
        items.len() == vectors.len(),
        "split returned {} vectors for {} items",
        vectors.len(),
        items.len()
    );
    for (item, v) in items.iter().zip(&vectors) {
        let s = item
            .get("embedding")
            .and_then(json::Value::as_str)
            .ok_or("split took a non-string embedding")?;
        let want = embed::decode_f32(s).ok_or("split took an undecodable embedding")?;
        ensure!(
            want.iter()
                .map(|f| f.to_bits())
                .eq(v.iter().map(|f| f.to_bits())),
            "split's vector differs from decode_f32 of the item"
        );
    }
    let back =
        json::parse(&rest).map_err(|e| format!("split's rest is not json ({e:?}): {rest:?}"))?;
    let mut expect = orig.clone();
    if let Some(json::Value::Array(list)) = expect.get_mut("data") {
        for item in list.iter_mut() {
            item.set("embedding", json::Value::Null);
        }
    }
    ensure!(
        back == expect,
        "split changed more than the embeddings: {text:?} -> {rest:?}"
    );
    Ok(())
}

// ------------------------------------------------------------------------------------------
// SSE: split invariance, the reference parser, re-framing, and the event limit

/// Pushes `input` in chunks of `sizes` (cycled; the rest in one push), draining after each.
pub fn parse_chunked(
    input: &[u8],
    sizes: &[usize],
    limit: Option<usize>,
) -> Result<(Vec<SseEvent>, bool), String> {
    let mut p = match limit {
        Some(l) => SseParser::with_limit(l),
        None => SseParser::new(),
    };
    let mut out = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < input.len() {
        let n = match sizes.get(i % sizes.len().max(1)) {
            Some(n) if i < 4 * input.len() + 8 => *n,
            _ => input.len() - at,
        };
        let end = (at + n).min(input.len());
        let chunk = &input[at..end];
        if i % 2 == 0 {
            p.push(chunk);
        } else {
            p.push_with(chunk.len(), |dst| dst.copy_from_slice(chunk));
        }
        at = end;
        i += 1;
        drain(&mut p, &mut out, at)?;
        if let Some(l) = limit {
            // Never more held than the limit plus the push that passed it (and a partial BOM).
            ensure!(
                p.buffered() <= l + chunk.len() + 3 || p.exceeded(),
                "buffered {} past limit {l}",
                p.buffered()
            );
        }
    }
    finish_all(&mut p, &mut out, input.len())?;
    Ok((out, p.exceeded()))
}

/// SSE: one push, the steered chunking, one-byte pushes and the reference parser agree; the
/// events re-framed parse back to themselves; with a limit, the verdict and the events before
/// it do not depend on the split, and match the unlimited run up to where it stopped.
pub fn check_sse(data: &[u8]) -> Check {
    let (head, input) = steer(data, 9);
    let (lim, cuts) = steer(head, 1);
    let sizes = sizes(cuts);
    let whole = parse_whole(input)?;
    let want = reference_sse(input);
    ensure!(
        whole == want,
        "parser and reference parser disagree: {}",
        first_diff(&whole, &want)
    );
    let (got, _) = parse_chunked(input, &sizes, None)?;
    ensure!(
        got == whole,
        "split {sizes:?} changed the events: {}",
        first_diff(&got, &whole)
    );
    // (One-byte pushes are one of the chunkings the steering bytes choose.)
    let again = parse_whole(&reframe(&whole))?;
    ensure!(
        again == whole,
        "re-framed events parse differently: {}",
        first_diff(&again, &whole)
    );
    if let Some(&l) = lim.first() {
        let limit = usize::from(l) * 2;
        let a = parse_chunked(input, &[input.len().max(1)], Some(limit))?;
        let b = parse_chunked(input, &sizes, Some(limit))?;

        ensure!(
            a == b,
            "the limit {limit} verdict depends on the split: {a:?} / {b:?}"
        );
        ensure!(
            whole.starts_with(&a.0),
            "with a limit, other events came out"
        );
        ensure!(a.1 || a.0 == whole, "under the limit, events were lost");
        // Nothing in the events exceeds the limit (counted in input bytes: each U+FFFD of the
        // lossy decoding stands for at least one invalid byte).
        for e in &a.0 {
            let raw = e.data.len() - 2 * e.data.matches('\u{fffd}').count();
            ensure!(
                raw <= limit,
                "an event of {raw} bytes passed the limit {limit}"
            );
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Accumulators

/// Events for the accumulators: the input as an event stream.
pub fn events(input: &[u8]) -> Vec<SseEvent> {
    let mut p = SseParser::new();
    p.push(input);
    std::iter::from_fn(|| p.finish()).collect()
}

/// Chat: the fast path equals the general path after every event; a failed push changes
/// nothing; finish() is valid JSON and replays to itself; deterministic.
pub fn check_chat(input: &[u8]) -> Check {
    let evs = events(input);
    // The per-event checks (fast path equal after every event, a failed push changes nothing)
    // cost a finish() per event: they run on a quarter of the inputs (chosen by length).
    let a = run_chat(&evs, input.len() % 4 == 0)?;
    // serde_json agrees it is JSON (numbers are kept as their text, so one past f64 is fine
    // here and out of range for serde_json).
    if validate_json(&a.finish).map_or(false, |d| d <= 127) {
        if let Err(e) = serde_json::from_str::<J>(&a.finish) {
            ensure!(
                e.to_string().contains("number out of range"),
                "serde_json rejects chat finish(): {e}"
            );
        }
    }
    Ok(())
}

/// Messages: the same properties (finish() always gives valid JSON).
pub fn check_messages(input: &[u8]) -> Check {
    let evs = events(input);
    let a = run_msgs(&evs, input.len() % 4 == 0)?;
    ensure!(a.finish.is_ok(), "finish() failed: {:?}", a.finish);
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Replay

/// Replay of any body: a chat completion becomes one chunk and `[DONE]`, every push of it
/// succeeds, and replaying the accumulated result again gives it back byte for byte; a message
/// replays to events that all push, and its accumulated message is a fixed point too.
pub fn check_replay(body: &str) -> Check {
    if let Some(sse) = aibadgr::replay::chat(body) {
        let evs = parse_whole(sse.as_bytes())?;
        ensure!(
            evs.len() == 2 && evs[1].data == "[DONE]",
            "replay::chat gave {} events",
            evs.len()
        );
        let mut acc = ChatAccumulator::new();
        acc.push(&evs[0].data)
            .map_err(|e| format!("replayed chunk fails ({e:?}): {}", evs[0].data))?;
        let once = acc.finish();
        let run = run_chat(
            &events(
                aibadgr::replay::chat(&once)
                    .ok_or("finish() does not replay")?
                    .as_bytes(),
            ),
            false,
        )?;
        ensure!(
            run.finish == once,
            "replay of finish() is not a fixed point:\n{once}\n{}",
            run.finish
        );
    } else {
        let v = json::parse(body);
        let is_chat = v
            .as_ref()
            .ok()
            .and_then(|v| v.get("choices"))
            .and_then(json::Value::as_array)
            .is_some_and(|cs| cs.iter().all(|c| c.get("message").is_some()));
        ensure!(!is_chat, "replay::chat declined a completion: {body}");
    }
    if let Some(sse) = aibadgr::replay::message(body) {
        let evs = parse_whole(sse.as_bytes())?;
        let mut acc = MessagesAccumulator::new();
        for e in &evs {
            acc.push(e.event.as_deref(), &e.data)
                .map_err(|err| format!("replayed event fails ({err:?}): {}", e.data))?;
        }
        ensure!(acc.stopped(), "replayed message has no message_stop");
        let once = acc.finish();
        let again = aibadgr::replay::message(&once).ok_or("a replayed message does not replay")?;
        let mut acc2 = MessagesAccumulator::new();
        for e in parse_whole(again.as_bytes())? {
            acc2.push(e.event.as_deref(), &e.data)
                .map_err(|err| format!("second replay fails ({err:?})"))?;
        }
        let twice = acc2.finish();
        ensure!(
            twice == once,
            "replay of a message is not a fixed point:\n{once}\n{twice}"
        );
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Validation

/// Validation of any JSON request for every API: never panics, is deterministic, depends only
/// on the value (its written form validates the same), and names the field it rejects.
pub fn check_validate(text: &str) -> Check {
    use aibadgr::endpoint::Endpoint as Api;
    use aibadgr::validate::request;
    let Ok(v) = json::parse(text) else {
        return Ok(());
    };
    let written = v.to_json();
    let back =
        json::parse(&written).map_err(|e| format!("written request does not parse: {e:?}"))?;
    for api in [Api::Chat, Api::Messages, Api::Embeddings] {
        for streaming in [false, true] {
            let r = request(api, &v, streaming);
            let r2 = request(api, &back, streaming);
            let show = |r: &Result<(), aibadgr::Error>| {
                r.as_ref()
                    .map_err(|e| (e.message.clone(), e.param.clone()))
                    .err()
            };
            ensure!(
                show(&r) == show(&r2),
                "validation depends on the text, not the value: {text}"
            );
            if let Err(e) = &r {
                ensure!(
                    e.kind == aibadgr::Kind::InvalidRequest,
                    "validation error of kind {:?}",
                    e.kind
                );
                ensure!(!e.message.is_empty(), "empty validation message");
                if let Some(p) = &e.param {
                    ensure!(
                        e.message.starts_with(p.as_str()),
                        "message {:?} does not start with the field {p:?}",
                        e.message
                    );
                }
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Retry policy

/// The retry policy: statuses and the `x-should-retry` override; backoff within 375 ms..8 s
/// and never shrinking with more retries; server waits only within 0..60 s, in the documented
/// order of preference; and a simulated retry loop (as `fetch::send` runs it) makes at most
/// `maxRetries + 1` attempts and waits at most `maxRetries` × 60 s.
pub fn check_retry(data: &[u8]) -> Check {
    use aibadgr::retry::{backoff_ms, server_wait_ms, should_retry, MAX_RETRY_AFTER_MS};
    let f = |i: usize| -> f64 {
        let mut b = [0u8; 8];
        for (k, x) in b.iter_mut().enumerate() {
            *x = *data.get(i * 8 + k).unwrap_or(&0);
        }
        f64::from_le_bytes(b)
    };
    let byte = |i: usize| *data.get(i).unwrap_or(&0);
    let status = u16::from_le_bytes([byte(40), byte(41)]);
    let header = match byte(42) % 4 {
        0 => None,
        1 => Some("true"),
        2 => Some("false"),
        _ => Some("maybe"),
    };
    let r = should_retry(status, header);
    match header {
        Some("true") => ensure!(r, "x-should-retry: true ignored"),
        Some("false") => ensure!(!r, "x-should-retry: false ignored"),
        _ => ensure!(
            r == (matches!(status, 408 | 409 | 429) || status >= 500),
            "status {status} rule"
        ),
    }
    let random = f(0);
    let n = u32::from(byte(43));
    let b = backoff_ms(n, random);
    ensure!(
        (375.0..=8000.0).contains(&b),
        "backoff {b} for retry {n}, random {random}"
    );
    ensure!(
        backoff_ms(n + 1, random) >= b,
        "backoff shrank from retry {n} to {}",
        n + 1
    );
    let (ms, secs, date) = (f(1), f(2), f(3));
    let pick = |k: u8| (byte(44) >> k) & 1 == 1;
    let args = (
        pick(0).then_some(ms),
        pick(1).then_some(secs),
        pick(2).then_some(date),
    );
    let w = server_wait_ms(args.0, args.1, args.2);
    if let Some(w) = w {
        ensure!(
            w.is_finite() && (0.0..=MAX_RETRY_AFTER_MS).contains(&w),
            "server wait {w} from {args:?}"
        );
    }
    let ok = |v: f64| v.is_finite() && (0.0..=MAX_RETRY_AFTER_MS).contains(&v);
    if let Some(m) = args.0.filter(|m| ok(*m)) {
        ensure!(w == Some(m), "retry-after-ms {m} not preferred: {w:?}");
    }
    // The loop of fetch::send over a steered sequence of answers.
    let max_retries = u32::from(byte(45) % 11);
    let (mut attempts, mut retries, mut waited) = (0u32, 0u32, 0.0f64);
    for i in 0.. {
        attempts += 1;
        let s = u16::from_le_bytes([byte(46 + 2 * (i % 8)), byte(47 + 2 * (i % 8))]);
        if (200..300).contains(&s) || !should_retry(s, None) || retries >= max_retries {
            break;
        }
        let wait = server_wait_ms(None, Some(f64::from(byte(62 + i % 8))), None)
            .unwrap_or_else(|| backoff_ms(retries, random));
        ensure!(wait <= MAX_RETRY_AFTER_MS, "a single wait of {wait} ms");
        waited += wait;
        retries += 1;
    }
    ensure!(
        attempts <= max_retries + 1,
        "{attempts} attempts for maxRetries {max_retries}"
    );
    ensure!(
        waited <= f64::from(max_retries) * MAX_RETRY_AFTER_MS,
        "waited {waited} ms over {retries} retries"
    );
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Redaction

/// Redaction: whatever the text, secret and cut, no piece of the secret of 8 bytes or more
/// is left, the result is bounded, and a text without the secret is only cut.
pub fn check_redact(data: &[u8]) -> Check {
    use aibadgr::redact::{clean, FRAGMENT};
    let (head, rest) = steer(data, 2);
    let klen = usize::from(*head.first().unwrap_or(&0) % 40) + 4;
    let max = usize::from(*head.get(1).unwrap_or(&0)) * 4;
    let (k, t) = steer(rest, klen);
    // Keys are made of letters, digits, `-` and `_`. A key the mark itself holds ("edac", or one
    // with "redacted" in it) gets another mark (redact::mark).
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let secret: String = k
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    if secret.len() < 4 {
        return Ok(());
    }
    // The text: the rest, where byte 0 stands for "the secret" and byte 1 for "its first half".
    let mut text = String::new();
    for ch in String::from_utf8_lossy(t).chars() {
        match ch {
            '\0' => text.push_str(&secret),
            '\u{1}' => text.push_str(&secret[..secret.len() / 2]),
            c => text.push(c),
        }
    }
    let out = clean(&text, Some(&secret), max);
    if secret.len() >= FRAGMENT {
        for w in secret.as_bytes().windows(FRAGMENT) {
            ensure!(
                !out.as_bytes().windows(FRAGMENT).any(|x| x == w),
                "a piece of the key is left: {out:?} (key {secret:?})"
            );
        }
    } else {
        ensure!(!out.contains(&secret), "the key is left: {out:?}");
    }
    let runs = out.matches(aibadgr::redact::MARK).count();
    ensure!(
        out.len() <= max + 2 * runs + aibadgr::redact::MARK.len(),
        "{} bytes for a cut of {max}",
        out.len()
    );
    if !text.contains(&secret)
        && !secret
            .as_bytes()
            .windows(FRAGMENT.min(secret.len()))
            .any(|w| text.as_bytes().windows(w.len()).any(|x| x == w))
    {
        ensure!(
            out == aibadgr::text::truncate(&text, max),
            "a text without the key was changed"
        );
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Partial JSON

// `extends`, shared with src/partial.rs's property test (one file, included by both).
#[path = "extends.rs"]
mod extends_rel;
pub use extends_rel::extends;

fn has_duplicate_keys(v: &json::Value) -> bool {
    match v {
        json::Value::Object(m) => {
            m.iter()
                .enumerate()
                .any(|(i, (k, _))| m[..i].iter().any(|(k2, _)| k2 == k))
                || m.iter().any(|(_, v)| has_duplicate_keys(v))
        }
        json::Value::Array(a) => a.iter().any(has_duplicate_keys),
        _ => false,
    }
}

/// The partial-JSON parser: never panics on any text; on a valid document (not a bare number,
/// no duplicate keys) every prefix parses to a value the whole document extends, and the whole
/// parses to the document itself.
pub fn check_partial(text: &str) -> Check {
    use aibadgr::partial::parse;
    let whole = parse(text);
    let Ok(v) = json::parse(text) else {
        return Ok(());
    };
    if matches!(v, json::Value::Number(_)) || has_duplicate_keys(&v) {
        return Ok(());
    }
    let Ok(doc) = serde_json::from_str::<J>(text) else {
        return Ok(());
    };
    let got = whole.ok_or("a valid document gave nothing")?;
    let back: J = serde_json::from_str(&got.to_json())
        .map_err(|e| format!("partial output is not JSON: {e}"))?;
    ensure!(
        back == doc,
        "the whole document parses to {back}, not {doc}"
    );
    for (cut, _) in text.char_indices() {
        let prefix = &text[..cut];
        if let Some(p) = parse(prefix) {
            let out = p.to_json();
            let part: J = serde_json::from_str(&out)
                .map_err(|e| format!("partial output of {prefix:?} is not JSON ({e}): {out}"))?;
            ensure!(
                extends(&doc, &part),
                "prefix {prefix:?} gave {part}, which {doc} does not extend"
            );
        }
    }
    Ok(())
}
