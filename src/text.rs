//! Plain substring search and cutting for the library's own texts (content types, messages,
//! error bodies, fences): the library searches short texts, or a text once, and std's
//! `str::find`/`contains`/`replace` with a `&str` pattern bring its two-way searcher into the
//! `.wasm` (about 2 kB; clippy.toml's `disallowed-methods` points here); and byte equality
//! eight bytes at a time, for the comparisons a stream makes per event. Pure: no JavaScript
//! types.

/// Returns the byte offset of the first `needle` in `hay`. A plain scan: every text searched
/// is short or searched once, and std's two-way searcher (2 kB of .wasm) stays out
/// (clippy.toml keeps std's `&str` search out of the library).
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    if n.is_empty() {
        return Some(0);
    }
    hay.as_bytes()
        .windows(n.len())
        .position(|w| w.first() == n.first() && w == n)
}

/// Returns the byte offset of the last `needle` in `hay`.
pub fn rfind(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    if n.is_empty() {
        return Some(hay.len());
    }
    hay.as_bytes()
        .windows(n.len())
        .rposition(|w| w.first() == n.first() && w == n)
}

/// Returns the byte offset of the first byte `b` in `hay` (for an ASCII `b`, where std's
/// `str::find(char)` would give the same).
pub fn find_byte(hay: &str, b: u8) -> Option<usize> {
    hay.as_bytes().iter().position(|&c| c == b)
}

/// Returns whether `needle` occurs in `hay`.
pub fn contains(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

/// Returns `text` with every (non-overlapping, left to right) `from` replaced by `to`; `from`
/// is not empty.
pub fn replace(text: &str, from: &str, to: &str) -> String {
    if from.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = find(rest, from) {
        out.push_str(rest.get(..i).unwrap_or_default());
        out.push_str(to);
        rest = rest.get(i + from.len()..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// Cuts `s` to at most `max` bytes on a character boundary.
pub fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

/// `a == b`, eight bytes at a time: every event of a stream is compared with its template
/// (a chat chunk's prefix is 150-250 bytes; `crate::template`), a `toSSE()` batch with the read
/// it came from, and the slice comparison of a size-optimised
/// build goes byte by byte (`memcmp`: a tenth of a stream's time in the profile).
pub fn same(mut a: &[u8], mut b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    while let (Some((p, ra)), Some((q, rb))) = (a.split_first_chunk::<8>(), b.split_first_chunk::<8>()) {
        if u64::from_ne_bytes(*p) != u64::from_ne_bytes(*q) {
            return false;
        }
        (a, b) = (ra, rb);
    }
    a == b
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    #[test]
    fn same_is_slice_equality() {
        let base: Vec<u8> = (0..40u8).collect();
        for n in 0..base.len() {
            let a = &base[..n];
            assert!(same(a, a));
            assert!(!same(a, &base[..n + 1]));
            for at in 0..n {
                let mut b = a.to_vec();
                b[at] ^= 1;
                assert!(!same(a, &b), "{n} {at}");
            }
        }
    }

    #[test]
    fn search_helpers_match_std() {
        let cases = [
            ("", ""),
            ("abc", ""),
            ("", "a"),
            ("abc", "abc"),
            ("abcabc", "bc"),
            ("aaaa", "aa"),
            ("ab", "abc"),
            ("x ü 中 ü", "ü"),
            ("```a```b```", "```"),
        ];
        for (h, n) in cases {
            assert_eq!(find(h, n), h.find(n), "{h:?} {n:?}");
            assert_eq!(rfind(h, n), h.rfind(n), "{h:?} {n:?}");
            assert_eq!(contains(h, n), h.contains(n));
            if !n.is_empty() {
                assert_eq!(replace(h, n, "[x]"), h.replace(n, "[x]"), "{h:?} {n:?}");
            }
        }
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("héllo", 2), "h");
        assert_eq!(truncate("abc", 10), "abc");
    }
}
