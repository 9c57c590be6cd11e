//! Embeddings sent as base64: pull the vectors out of the JSON and decode them to `f32`s.

use crate::json::Scanner;

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
            let raw = s.last_member("embedding")?;
            vectors.push(vector(raw)?);
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

/// Decodes a vector's JSON string literal (`"…"`). Base64 holds no backslash, which is not a
/// digit: the string is unescaped (and decoded again) only when decoding it as it stands fails.
fn vector(raw: &str) -> Option<Vec<f32>> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    decode_f32(inner).or_else(|| {
        let text = inner
            .as_bytes()
            .contains(&b'\\')
            .then(|| Scanner::new(raw).string())
            .flatten()?;
        decode_f32(&text)
    })
}

/// Decodes base64 (standard or URL-safe alphabet, padding optional) of little-endian `f32`s.
/// One pass: each 16 digits are 12 bytes, three floats, written straight into the vector; a
/// non-digit anywhere (a `=` before the end included) is noticed once, at the end.
pub fn decode_f32(s: &str) -> Option<Vec<f32>> {
    let s = unpad(s.as_bytes());
    let groups = s.chunks_exact(16);
    let tail = decode_base64(groups.remainder())?;
    if tail.len() % 4 != 0 {
        return None;
    }
    let mut out = vec![0f32; s.len() / 16 * 3 + tail.len() / 4];
    let (whole, rest) = out.split_at_mut(s.len() / 16 * 3);
    let mut bad = 0u32;
    for (g, o) in groups.zip(whole.chunks_exact_mut(3)) {
        let (Ok(g), [x, y, z]) = (<&[u8; 16]>::try_from(g), o) else {
            return None;
        };
        let [a, b, c, d] = [
            quad(g[0], g[1], g[2], g[3]),
            quad(g[4], g[5], g[6], g[7]),
            quad(g[8], g[9], g[10], g[11]),
            quad(g[12], g[13], g[14], g[15]),
        ];
        bad |= a | b | c | d;
        let byte = |n: u32, shift: u32| (n >> shift) as u8;
        *x = f32::from_le_bytes([byte(a, 16), byte(a, 8), byte(a, 0), byte(b, 16)]);
        *y = f32::from_le_bytes([byte(b, 8), byte(b, 0), byte(c, 16), byte(c, 8)]);
        *z = f32::from_le_bytes([byte(c, 0), byte(d, 16), byte(d, 8), byte(d, 0)]);
    }
    if bad & BAD != 0 {
        return None;
    }
    for (o, c) in rest.iter_mut().zip(tail.chunks_exact(4)) {
        if let Ok(c) = <[u8; 4]>::try_from(c) {
            *o = f32::from_le_bytes(c);
        }
    }
    Some(out)
}

/// The digits without their padding (at most two `=`; one left earlier is a non-digit).
fn unpad(s: &[u8]) -> &[u8] {
    s.strip_suffix(b"=")
        .map_or(s, |t| t.strip_suffix(b"=").unwrap_or(t))
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

/// Set in what [`quad`] returns when one of its digits was not one.
const BAD: u32 = 0xFF00_0000;

/// The value of a base64 digit, 0xFF for a non-digit (any `u8` indexes the table: the check
/// compiles away).
fn digit(c: u8) -> u32 {
    u32::from(DIGITS.get(usize::from(c)).copied().unwrap_or(0xFF))
}

/// Four digits as 24 bits; a non-digit sets bits of [`BAD`].
fn quad(a: u8, b: u8, c: u8, d: u8) -> u32 {
    let [a, b, c, d] = [digit(a), digit(b), digit(c), digit(d)];
    let n = (a << 18) | (b << 12) | (c << 6) | d;
    n | ((a | b | c | d) & 0xC0) << 18
}

/// Decodes unpadded base64 digits (a length of 4n, 4n + 2 or 4n + 3).
fn decode_base64(s: &[u8]) -> Option<Vec<u8>> {
    let quads = s.chunks_exact(4);
    let tail = quads.remainder();
    let mut out = Vec::with_capacity(s.len() / 4 * 3 + 2);
    let mut bad = 0;
    for q in quads {
        let &[a, b, c, d] = q else { return None };
        let n = quad(a, b, c, d);
        bad |= n;
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    let n = match *tail {
        [] => 0,
        [a, b] => quad(a, b, b'A', b'A'),
        [a, b, c] => quad(a, b, c, b'A'),
        _ => return None,
    };
    bad |= n;
    out.extend_from_slice([(n >> 16) as u8, (n >> 8) as u8].get(..tail.len().saturating_sub(1))?);
    (bad & BAD == 0).then_some(out)
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
            assert_eq!(decode_base64(unpad(encode(&b).as_bytes())).unwrap(), b);
            assert_eq!(
                decode_base64(encode(&b).trim_end_matches('=').as_bytes()).unwrap(),
                b
            );
        }
    }

    #[test]
    fn decodes_every_length_and_notices_any_bad_digit() {
        for n in 0..40 {
            let v: Vec<f32> = (0..n).map(|i| (i as f32 - 7.5) * 0.37e-3).collect();
            let bytes: Vec<u8> = v.iter().flat_map(|f| f.to_le_bytes()).collect();
            let s = encode(&bytes);
            assert_eq!(decode_f32(&s).unwrap(), v, "{n} floats");
            assert_eq!(decode_f32(s.trim_end_matches('=')).unwrap(), v);
            let url = s.replace('+', "-").replace('/', "_");
            assert_eq!(decode_f32(&url).unwrap(), v);
            for at in 0..s.len() {
                for bad in ["!", "=", "\\"] {
                    if s.get(at..at + 1) == Some(bad) {
                        continue;
                    }
                    let mut t = s.clone();
                    t.replace_range(at..at + 1, bad);
                    assert!(decode_f32(&t).is_none(), "{t:?}");
                }
            }
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
