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

use crate::text::same;

/// The bytes around the text value of the last event the fast path took; see the module docs.
#[derive(Debug, Default)]
pub struct Template {
    /// The event's data up to and including the text value's opening quote.
    prefix: String,
    /// The event's data from the text value's closing quote to its end.
    suffix: String,
    /// Counts what was learned: JavaScript, which builds a templated event's chunk from the
    /// template's own object (see [`skeleton`](Self::skeleton)), is sent each one once.
    learned: u32,
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
                self.learned = self.learned.wrapping_add(1);
            }
            _ => self.forget(),
        }
    }

    /// Which template this is (it changes with every [`learn`](Self::learn)).
    pub fn learned(&self) -> u32 {
        self.learned
    }

    /// The text of the template's event between its prefix and suffix (call it only for
    /// `data` that [`text`](Self::text) accepted).
    pub fn between<'a>(&self, data: &'a str) -> &'a str {
        data.get(self.prefix.len()..data.len().saturating_sub(self.suffix.len()))
            .unwrap_or_default()
    }

    /// Writes the template's event with `"\u0000"` for its text value: JavaScript parses it
    /// once and builds each later event's chunk by copying it with the text put in, which is
    /// what `JSON.parse` of that event gives. Returns false (and writes nothing) when a copy
    /// might not be: when the template has any escape (a key spelled with escapes, another
    /// `"\u0000"`) or a `__proto__` key (an object copy would set the prototype instead).
    pub fn skeleton(&self, out: &mut String) -> bool {
        let plain = |t: &str| !t.as_bytes().contains(&b'\\') && !crate::text::contains(t, "__proto__");
        if self.prefix.is_empty() || !plain(&self.prefix) || !plain(&self.suffix) {
            return false;
        }
        out.push_str(&self.prefix);
        out.push_str("\\u0000");
        out.push_str(&self.suffix);
        true
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
    fn skeleton_is_the_event_with_a_nul_text_unless_a_copy_could_differ() {
        let mut t = learned();
        let mut out = String::new();
        assert!(t.skeleton(&mut out));
        assert_eq!(out, r#"{"id":"x","choices":[{"index":0,"delta":{"content":"\u0000"}}]}"#);
        let b = r#"{"id":"x","choices":[{"index":0,"delta":{"content":" wor ld"}}]}"#;
        assert_eq!(t.text(b).map(|_| t.between(b)), Some(" wor ld"));
        let n = t.learned();
        for bad in [
            r#"{"id":"x\u0041","choices":[{"index":0,"delta":{"content":"hello"}}]}"#,
            r#"{"__proto__":1,"choices":[{"index":0,"delta":{"content":"hello"}}]}"#,
            r#"{"choices":[{"index":0,"delta":{"content":"hello"}}],"x":"\\"}"#,
        ] {
            let at = bad.find("hello").unwrap();
            t.learn(bad, at, at + 5);
            let mut out = String::new();
            assert!(!t.skeleton(&mut out), "{bad}");
            assert!(out.is_empty());
        }
        assert_eq!(t.learned(), n.wrapping_add(3));
        t.forget();
        assert!(!t.skeleton(&mut String::new()));
    }

    #[test]
    fn learn_needs_quotes_around_the_range() {
        let mut t = Template::default();
        t.learn(A, 1, 3);
        assert_eq!(t.text(A), None);
    }
}
