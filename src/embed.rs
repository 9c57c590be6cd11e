//! Embeddings sent as base64: pull the vectors out of the JSON and decode them to `f32`s.

use crate::json::{self, Value};

/// Splits an embeddings response whose vectors are base64 strings into the response JSON
/// (with each `embedding` set to null) and the decoded vectors, in `data` order. Returns
/// `None` when the body is not of that shape (numbers sent instead, not JSON, an error).
pub fn split(text: &str) -> Option<(String, Vec<Vec<f32>>)> {
    let mut v = json::parse(text).ok()?;
    let mut vectors = Vec::new();
    match v.get_mut("data")? {
        Value::Array(items) => {
            for item in items.iter_mut() {
                let decoded = decode_f32(item.get("embedding")?.as_str()?)?;
                vectors.push(decoded);
                item.set("embedding", Value::Null);
            }
        }
        _ => return None,
    }
    Some((v.to_json(), vectors))
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
            .filter_map(|c| c.try_into().ok().map(f32::from_le_bytes))
            .collect(),
    )
}

/// Base64 digit values (standard and URL-safe alphabets); 0xFF marks a non-digit. (Built at
/// compile time: an index out of range would fail the build, not a call.)
#[allow(clippy::indexing_slicing)]
const DIGITS: [u8; 256] = {
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

fn sextet(c: u8) -> Option<u32> {
    match DIGITS.get(usize::from(c)) {
        Some(0xFF) | None => None,
        Some(&v) => Some(u32::from(v)),
    }
}

fn decode_base64(s: &[u8]) -> Option<Vec<u8>> {
    let s = match s.iter().position(|&c| c == b'=') {
        Some(p) if s.len() - p <= 2 && s.iter().skip(p).all(|&c| c == b'=') => s.get(..p)?,
        Some(_) => return None,
        None => s,
    };
    let mut out = Vec::with_capacity(s.len() / 4 * 3 + 2);
    let mut chunks = s.chunks_exact(4);
    for c in &mut chunks {
        let &[a, b, c, d] = c else { return None };
        let n = (sextet(a)? << 18) | (sextet(b)? << 12) | (sextet(c)? << 6) | sextet(d)?;
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    match *chunks.remainder() {
        [] => {}
        [a, b] => {
            let n = (sextet(a)? << 18) | (sextet(b)? << 12);
            out.push((n >> 16) as u8);
        }
        [a, b, c] => {
            let n = (sextet(a)? << 18) | (sextet(b)? << 12) | (sextet(c)? << 6);
            out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8]);
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
            r#"{{"object":"list","data":[{{"object":"embedding","index":0,"embedding":"{b64}"}}],"model":"m","usage":{{"prompt_tokens":1,"total_tokens":1}}}}"#
        );
        let (rest, vecs) = split(&body).unwrap();
        assert_eq!(vecs, vec![vec![1.0, 2.0]]);
        assert!(rest.contains(r#""embedding":null"#));
        assert!(split(r#"{"data":[{"embedding":[0.1,0.2]}]}"#).is_none());
        assert!(split("not json").is_none());
    }
}
