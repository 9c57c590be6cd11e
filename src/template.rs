//! The last event's bytes around its one text value, to take the next event without parsing.
//!
//! In a stream almost every event is the previous one with another text piece: the same id,
//! model, index and nulls, only `"content":"…"` (or `"text":"…"`) differs. Once an accumulator's
//! fast path accepted an event whose only effect was to append one plain string, it keeps the
//! bytes before and after that string here; an event that has the very same bytes around a
//! plain string (no quote, backslash or control character in it) is then the same JSON with
//! another string, and has the same effect with that string. Anything else (including any
//! event the general path handled, which may change what the fast path compares against) is
//! parsed as before.

/// The bytes around the text value of the last event the fast path took; see the module docs.
#[derive(Debug, Default)]
pub struct Template {
    /// The event's data up to and including the text value's opening quote.
    prefix: String,
    /// The event's data from the text value's closing quote to its end.
    suffix: String,
}

impl Template {
    /// Remembers `data` with its text value's contents at `start..end` (between the quotes,
    /// without escapes), replacing what was kept.
    pub fn learn(&mut self, data: &str, start: usize, end: usize) {
        match (data.get(..start), data.get(end..)) {
            (Some(p), Some(s)) if p.ends_with('"') && s.starts_with('"') => {
                self.prefix.clear();
                self.prefix.push_str(p);
                self.suffix.clear();
                self.suffix.push_str(s);
            }
            _ => self.forget(),
        }
    }

    /// Forgets the template (after an event the general path handled).
    pub fn forget(&mut self) {
        self.prefix.clear();
        self.suffix.clear();
    }

    /// Returns the text of `data` when it is the template with another plain string.
    pub fn text<'a>(&self, data: &'a str) -> Option<&'a str> {
        if self.prefix.is_empty() || data.len() < self.prefix.len() + self.suffix.len() {
            return None;
        }
        let end = data.len() - self.suffix.len();
        let (head, tail) = (data.get(..self.prefix.len())?, data.get(end..)?);
        if !same(head.as_bytes(), self.prefix.as_bytes())
            || !same(tail.as_bytes(), self.suffix.as_bytes())
        {
            return None;
        }
        let text = data.get(self.prefix.len()..end)?;
        text.bytes()
            .all(|b| b != b'"' && b != b'\\' && b >= 0x20)
            .then_some(text)
    }
}

/// `a == b`, eight bytes at a time: every event of a stream is compared with the template
/// (a chat chunk's prefix is 150-250 bytes), and the slice comparison of a size-optimised
/// build goes byte by byte (`memcmp`: a tenth of a stream's time in the profile).
fn same(mut a: &[u8], mut b: &[u8]) -> bool {
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
mod tests {
    use super::*;

    const A: &str = r#"{"id":"x","choices":[{"index":0,"delta":{"content":"hello"}}]}"#;

    fn learned() -> Template {
        let mut t = Template::default();
        let start = A.find("hello").unwrap();
        t.learn(A, start, start + 5);
        t
    }

    #[test]
    fn same_bytes_around_a_plain_string() {
        let t = learned();
        let b = r#"{"id":"x","choices":[{"index":0,"delta":{"content":" world é😀"}}]}"#;
        assert_eq!(t.text(b), Some(" world é😀"));
        assert_eq!(
            t.text(r#"{"id":"x","choices":[{"index":0,"delta":{"content":""}}]}"#),
            Some("")
        );
    }

    #[test]
    fn anything_else_is_refused() {
        let t = learned();
        for b in [
            r#"{"id":"y","choices":[{"index":0,"delta":{"content":"a"}}]}"#,
            r#"{"id":"x","choices":[{"index":1,"delta":{"content":"a"}}]}"#,
            r#"{"id":"x","choices":[{"index":0,"delta":{"content":"a\"b"}}]}"#,
            r#"{"id":"x","choices":[{"index":0,"delta":{"content":"a\nb"}}]}"#,
            r#"{"id":"x","choices":[{"index":0,"delta":{"content":"a","role":"b"}}]}"#,
            "{\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\tb\"}}]}",
            r#"{"id":"x","choices":[{"index":0,"delta":{"content":"#,
            "",
        ] {
            assert_eq!(t.text(b), None, "{b}");
        }
        let mut t = learned();
        t.forget();
        assert_eq!(t.text(A), None);
        assert_eq!(Template::default().text(A), None);
    }

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
    fn learn_needs_quotes_around_the_range() {
        let mut t = Template::default();
        t.learn(A, 1, 3);
        assert_eq!(t.text(A), None);
    }
}
