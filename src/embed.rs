//! Embeddings sent as base64: pull the vectors out of the JSON and decode them to `f32`s.

use crate::json::Scanner;
use std::borrow::Cow;

/// Splits an embeddings response whose vectors are base64 strings into the response JSON
/// (with each `embedding` set to null) and the decoded vectors, in `data` order. Returns
/// `None` when the body is not of that shape (numbers sent instead, not JSON, an error). The
/// JSON is read once without building it, and the rest is the body with each vector's string
/// cut out: nothing else is rewritten. Of duplicate members the last counts, as in
/// `JSON.parse`.
pub fn split(text: &str) -> Option<(String, Vec<Vec<f32>>)> {
    let mut s = Scanner::new(text);
    let mut found = None;
    s.object(|s, key| {
        if key != "data" {
            return s.skip();
        }
        let (mut vectors, mut spans) = (Vec::new(), Vec::new());
        s.array(|s| {
            let mut last = None;
            s.object(|s, key| {
                let raw = s.raw()?;
                if key == "embedding" {
                    last = Some(raw);
                }
                Some(())
            })?;
            let raw = last?;
            vectors.push(decode_f32(&unquote(raw)?)?);
            let from = (raw.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
            spans.push((from, from + raw.len()));
            Some(())
        })?;
        found = Some((vectors, spans));
        Some(())
    })?;
    if !s.at_end() {
        return None;
    }
    let (vectors, spans) = found?;
    let mut rest = String::with_capacity(text.len().min(256 + 8 * spans.len()));
    let mut at = 0;
    for (from, to) in spans {
        rest.push_str(text.get(at..from)?);
        rest.push_str("null");
        at = to;
    }
    rest.push_str(text.get(at..)?);
    Some((rest, vectors))
}

/// The text of a JSON string literal (`"…"`, escapes decoded).
fn unquote(raw: &str) -> Option<Cow<'_, str>> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains('\\') {
        Scanner::new(raw).string()
    } else {
        Some(Cow::Borrowed(inner))
    }
}

/// Decodes base64 (standard or URL-safe alphabet, padding optional) of little-endian `f32`s.
pub fn decode_f32(s: &str) -> Option<Vec<f32>> {
    let bytes = decode_base64(s.as_bytes())?;
    if bytes.len() % 4 != 0 {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .filter_map(|c| <[u8; 4]>::try_from(c).ok())
            .map(f32::from_le_bytes)
            .collect(),
    )
}

/// Base64 digit values (standard and URL-safe alphabets); 0xFF marks a non-digit. (Built at
/// compile time: an index out of range would fail the build, not a call.)
#[allow(clippy::indexing_slicing)]
static DIGITS: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    t[b'+' as usize] = 62;
    t[b'-' as usize] = 62;
    t[b'/' as usize] = 63;
    t[b'_' as usize] = 63;
    t
};

/// The value of a base64 digit, 0xFF for a non-digit (any `u8` indexes the table: the check
/// compiles away).
fn digit(c: u8) -> u8 {
    DIGITS.get(usize::from(c)).copied().unwrap_or(0xFF)
}

fn sextet(c: u8) -> Option<u32> {
    match digit(c) {
        0xFF => None,
        v => Some(u32::from(v)),
    }
}

fn decode_base64(s: &[u8]) -> Option<Vec<u8>> {
    let s = match s.iter().position(|&c| c == b'=') {
        Some(p) if s.get(p..)?.iter().all(|&c| c == b'=') && s.len() - p <= 2 => s.get(..p)?,
        Some(_) => return None,
        None => s,
    };
    let quads = s.chunks_exact(4);
    let tail = quads.remainder();
    let mut out = vec![0u8; s.len() / 4 * 3 + tail.len().saturating_sub(1)];
    let (whole, rest) = out.split_at_mut(s.len() / 4 * 3);
    // Four digits make three bytes; writing into slices of the exact size needs no capacity
    // checks (a loop of pushes costs several times more).
    for (c, o) in quads.zip(whole.chunks_exact_mut(3)) {
        let (&[a, b, c, d], [x, y, z]) = (c, o) else {
            continue;
        };
        let [a, b, c, d] = [a, b, c, d].map(|v| u32::from(digit(v)));
        if (a | b | c | d) & 0xC0 != 0 {
            return None; // a non-digit (0xFF)
        }
        let n = (a << 18) | (b << 12) | (c << 6) | d;
        (*x, *y, *z) = ((n >> 16) as u8, (n >> 8) as u8, n as u8);
    }
    let mut n = 0u32;
    for &d in tail {
        n = (n << 6) | sextet(d)?;
    }
    match (tail.len(), rest) {
        (0, []) => {}
        (2, [a]) => *a = (n >> 4) as u8,
        (3, [a, b]) => {
            *a = (n >> 10) as u8;
            *b = (n >> 2) as u8;
        }
        _ => return None,
    }
    Some(out)
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    fn encode(bytes: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for c in bytes.chunks(3) {
            let n = (c[0] as u32) << 16
                | (*c.get(1).unwrap_or(&0) as u32) << 8
                | *c.get(2).unwrap_or(&0) as u32;
            for i in 0..4 {
                if i <= c.len() {
                    s.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    s.push('=');
                }
            }
        }
        s
    }

    #[test]
    fn round_trips_floats() {
        let v: Vec<f32> = vec![0.0, -1.5, 3.25e-7, f32::MAX, 0.123_456_79];
        let bytes: Vec<u8> = v.iter().flat_map(|f| f.to_le_bytes()).collect();
        assert_eq!(decode_f32(&encode(&bytes)).unwrap(), v);
        for n in 0..7 {
            let b: Vec<u8> = (0..n).map(|i| i as u8 * 37).collect();
            assert_eq!(decode_base64(encode(&b).as_bytes()).unwrap(), b);
            assert_eq!(
                decode_base64(encode(&b).trim_end_matches('=').as_bytes()).unwrap(),
                b
            );
        }
    }

    #[test]
    fn rejects_garbage() {
        assert!(decode_f32("AAA").is_none());
        assert!(decode_f32("A=A=").is_none());
        assert!(decode_f32("!!!!").is_none());
        assert!(decode_f32("AAAAAAA=").is_none()); // 5 bytes: not whole f32s
        assert_eq!(decode_f32("AAAAAA==").unwrap(), vec![0.0]);
    }

    #[test]
    fn splits_a_response() {
        let b64 = encode(&[0, 0, 128, 63, 0, 0, 0, 64]); // 1.0, 2.0
        let body = format!(
            r#"{{"object":"list","data":[{{"object":"embedding","index":0,"embedding":"{b64}"}},{{"embedding": "AACAPw==" }}],"model":"m","usage":{{"prompt_tokens":1,"total_tokens":1}}}}"#
        );
        let (rest, vecs) = split(&body).unwrap();
        assert_eq!(vecs, vec![vec![1.0, 2.0], vec![1.0]]);
        assert_eq!(
            rest,
            r#"{"object":"list","data":[{"object":"embedding","index":0,"embedding":null},{"embedding": null }],"model":"m","usage":{"prompt_tokens":1,"total_tokens":1}}"#
        );
        // JSON-escaped slashes (PHP's json_encode) are still base64.
        let slash = encode(&[0xff, 0xff, 0xff, 0xff]);
        assert!(slash.contains('/'));
        let escaped = format!(
            r#"{{"data":[{{"embedding":"{}"}}]}}"#,
            slash.replace('/', "\\/")
        );
        assert_eq!(split(&escaped).unwrap().1[0][0].to_bits(), u32::MAX);
        // The last of duplicate members counts, as in JSON.parse.
        let (rest, vecs) =
            split(r#"{"data":[{"embedding":"!!","embedding":"AACAPw=="}]}"#).unwrap();
        assert_eq!(
            (rest.as_str(), vecs),
            (
                r#"{"data":[{"embedding":"!!","embedding":null}]}"#,
                vec![vec![1.0]]
            )
        );
        assert!(
            split(r#"{"data":[{"embedding":"AACAPw=="}],"data":[{"embedding":[1]}]}"#).is_none()
        );
        assert!(split(r#"{"data":[{"embedding":[0.1,0.2]}]}"#).is_none());
        assert!(split(r#"{"data":[{"embedding":"AACAPw=="},{"index":1}]}"#).is_none());
        assert!(split(r#"{"data":[{"embedding":"AACAPw=="}]} x"#).is_none());
        assert!(split("not json").is_none());
        assert!(split(r#"{"error":{"message":"no"}}"#).is_none());
    }
}
