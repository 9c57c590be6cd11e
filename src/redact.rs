//! Keeping the API key out of texts that come from a server: every occurrence is replaced
//! first, the text is cut after that, and any piece of the key of 8 or more bytes left at a
//! cut (or echoed in part) is replaced too. Pure: no JavaScript types.

use crate::text::{contains, replace, truncate};

/// What stands in for the key.
pub const MARK: &str = "[redacted]";
/// Pieces of the key this long or longer are never left in a text.
pub const FRAGMENT: usize = 8;
/// What stands in for a key that [`MARK`] itself holds (`edac`, or one with `redacted` in it).
const ALT: &str = "[key]";

/// The mark that replaces `secret`: [`MARK`], unless the mark holds the key (or a piece of it
/// [`FRAGMENT`] bytes long), which would put the key back into every text it was taken out of.
/// Then [`ALT`], which no key of 4 bytes or more that [`MARK`] holds can be in.
pub fn mark(secret: &str) -> &'static str {
    let k = secret.as_bytes();
    let held = |w: &[u8]| !w.is_empty() && MARK.as_bytes().windows(w.len()).any(|m| m == w);
    if held(k) || k.windows(FRAGMENT).any(held) {
        ALT
    } else {
        MARK
    }
}

/// `text` with every `secret` (when given, 4 bytes or more) replaced by [`MARK`]; `None` when
/// it holds none, so the caller keeps the text it has.
pub fn key_out(text: &str, secret: Option<&str>) -> Option<String> {
    secret
        .filter(|s| s.len() >= 4 && contains(text, s))
        .map(|s| replace(text, s, mark(s)))
}

/// Returns `text` with `secret` (when given, 4 bytes or more) replaced, cut to at most `max`
/// bytes on a character boundary, and with no piece of the secret of [`FRAGMENT`] bytes left.
pub fn clean(text: &str, secret: Option<&str>, max: usize) -> String {
    let secret = secret.filter(|s| s.len() >= 4);
    let whole = key_out(text, secret).unwrap_or_else(|| text.to_owned());
    let cut = truncate(&whole, max);
    match secret {
        Some(s) if s.len() >= FRAGMENT => scrub(cut, s),
        _ => cut.to_owned(),
    }
}

/// Replaces every run of bytes of `text` whose every [`FRAGMENT`]-byte window occurs in
/// `secret` (so any piece of the secret at least that long) with [`MARK`].
fn scrub(text: &str, secret: &str) -> String {
    let t = text.as_bytes();
    let k = secret.as_bytes();
    if t.len() < FRAGMENT {
        return text.to_owned();
    }
    let mut covered = vec![false; t.len()];
    let mut any = false;
    for (i, w) in t.windows(FRAGMENT).enumerate() {
        if k.windows(FRAGMENT).any(|x| x == w) {
            covered
                .iter_mut()
                .skip(i)
                .take(FRAGMENT)
                .for_each(|c| *c = true);
            any = true;
        }
    }
    if !any {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < t.len() {
        if covered.get(i) == Some(&true) {
            while covered.get(i) == Some(&true) {
                i += 1;
            }
            out.push_str(mark(secret));
        } else {
            // Covered bytes equal bytes of the (ASCII) key, so runs start and end on char
            // boundaries; copy the uncovered stretch as text.
            let start = i;
            while i < t.len() && covered.get(i) != Some(&true) {
                i += 1;
            }
            out.push_str(text.get(start..i).unwrap_or_default());
        }
    }
    out
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    const KEY: &str = "sk-aibadgr-SECRET-1234567890";

    /// The longest piece of `key` that occurs in `text`.
    fn longest_piece(text: &str, key: &str) -> usize {
        (1..=key.len())
            .rev()
            .find(|&n| {
                key.as_bytes()
                    .windows(n)
                    .any(|w| text.as_bytes().windows(n).any(|x| x == w))
            })
            .unwrap_or(0)
    }

    #[test]
    fn a_page_of_the_key_repeated_leaves_no_piece_at_any_cut() {
        for pad in 0..KEY.len() + 3 {
            let page = "x".repeat(pad) + &KEY.repeat(40_000);
            for max in [0, 1, 7, 8, 100, 511, 512, 513, 4096] {
                let out = clean(&page, Some(KEY), max);
                assert!(
                    out.len() <= max.max(MARK.len()) + MARK.len(),
                    "{pad} {max}: {}",
                    out.len()
                );
                assert!(
                    longest_piece(&out, KEY) < FRAGMENT,
                    "pad {pad} max {max}: {out}"
                );
            }
        }
    }

    #[test]
    fn the_old_order_would_leak_a_prefix() {
        // Cut first, redact second (the old way) leaves the start of the key at the cut.
        let page = "<html><body>".to_owned() + &KEY.repeat(100);
        let old = crate::text::truncate(&page, 512).replace(KEY, MARK);
        assert!(longest_piece(&old, KEY) >= FRAGMENT);
        assert!(longest_piece(&clean(&page, Some(KEY), 512), KEY) < FRAGMENT);
    }

    #[test]
    fn a_key_the_mark_holds_is_replaced_by_another_mark() {
        // Found by the redact fuzz target: "edac" is in "[redacted]", so the mark put it back.
        for key in ["edac", "acted]", "[red", "xx-redacted-yy", "redacted"] {
            let text = format!("a {key} b {key}");
            for out in [clean(&text, Some(key), 1000), key_out(&text, Some(key)).unwrap_or_default()] {
                assert!(!out.contains(key), "{key}: {out}");
                assert!(out.contains(ALT), "{key}: {out}");
            }
        }
        assert_eq!(mark(KEY), MARK);
        assert_eq!(mark("[key]"), MARK, "a key ALT holds is not one MARK holds");
        assert_eq!(clean("a sk-aibadgr-SECRET-1234567890", Some(KEY), 100), "a [redacted]");
    }

    #[test]
    fn pieces_and_plain_text() {
        assert_eq!(
            clean("key sk-aibadgr-SEC here", Some(KEY), 100),
            "key [redacted] here"
        );
        assert_eq!(clean("sk-aibad", Some(KEY), 100), "[redacted]");
        assert_eq!(clean("sk-aiba", Some(KEY), 100), "sk-aiba"); // 7 bytes: too short to matter
        assert_eq!(clean("héllo wörld", Some(KEY), 100), "héllo wörld");
        assert_eq!(clean("héllo", None, 2), "h");
        assert_eq!(clean("abc abc", Some("abc"), 100), "abc abc"); // keys under 4 bytes are not looked for
        assert_eq!(clean("a abcd b", Some("abcd"), 100), "a [redacted] b");
        assert_eq!(
            clean("é1234567890123é", Some("x1234567890123"), 100),
            "é[redacted]é"
        );
    }
}
