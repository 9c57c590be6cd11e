//! Best-effort parsing of an incomplete JSON document: a tool input cut off by `max_tokens`, a
//! structured answer still streaming. Open strings, arrays and objects are closed; what cannot
//! be known yet (a number or literal that may go on, an object key without its value, half an
//! escape) is left out. So for every prefix `p` of a valid document `d`, `parse(p)` is a value
//! that `parse(d)` extends: strings grow at their end, arrays and objects gain members.
//! Text that is not JSON at all is read up to the first error, by the same rules.

use crate::json::{self, Value, MAX_DEPTH};
use std::borrow::Cow;

/// Parses `text` (complete or not) into the most complete value its prefix determines;
/// `None` when not even the start of a value is known.
pub fn parse(text: &str) -> Option<Value<'_>> {
    if let Ok(v) = json::parse(text) {
        return Some(v);
    }
    let mut p = Partial {
        s: text,
        b: text.as_bytes(),
        pos: 0,
    };
    p.value(0).0
}

/// Tells whether `text` is one complete JSON value.
pub fn is_complete(text: &str) -> bool {
    json::parse(text).is_ok()
}

struct Partial<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
}

/// A value read so far (if any) and whether it ended properly: once one did not, the reading
/// stops and every open container is closed as it is.
type Got<'a> = (Option<Value<'a>>, bool);

impl<'a> Partial<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Got<'a> {
        self.ws();
        match self.peek() {
            Some(b'{') if depth < MAX_DEPTH => self.object(depth + 1),
            Some(b'[') if depth < MAX_DEPTH => self.array(depth + 1),
            Some(b'"') => {
                let (s, done) = self.string();
                (Some(Value::String(s)), done)
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            _ => (None, false),
        }
    }

    fn literal(&mut self, word: &str, v: Value<'a>) -> Got<'a> {
        if self.b.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            (Some(v), true)
        } else {
            (None, false)
        }
    }

    /// A number counts only once something follows it (at the very end it may go on).
    fn number(&mut self) -> Got<'a> {
        let from = self.pos;
        while let Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        if self.pos >= self.b.len() {
            return (None, false);
        }
        match self.s.get(from..self.pos).map(json::parse) {
            Some(Ok(v @ Value::Number(_))) => (Some(v), true),
            _ => (None, false),
        }
    }

    fn object(&mut self, depth: usize) -> Got<'a> {
        self.pos += 1;
        let mut members: Vec<(Cow<'a, str>, Value<'a>)> = Vec::new();
        loop {
            self.ws();
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return (Some(Value::Object(members)), true);
            }
            if !members.is_empty() {
                if self.peek() != Some(b',') {
                    break;
                }
                self.pos += 1;
                self.ws();
            }
            if self.peek() != Some(b'"') {
                break;
            }
            let (key, done) = self.string();
            self.ws();
            if !done || self.peek() != Some(b':') {
                break;
            }
            self.pos += 1;
            let (v, done) = self.value(depth);
            if let Some(v) = v {
                members.push((key, v));
            }
            if !done {
                break;
            }
        }
        (Some(Value::Object(members)), false)
    }

    fn array(&mut self, depth: usize) -> Got<'a> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.ws();
            if self.peek() == Some(b']') {
                self.pos += 1;
                return (Some(Value::Array(items)), true);
            }
            if !items.is_empty() {
                if self.peek() != Some(b',') {
                    break;
                }
                self.pos += 1;
            }
            let (v, done) = self.value(depth);
            if let Some(v) = v {
                items.push(v);
            }
            if !done {
                break;
            }
        }
        (Some(Value::Array(items)), false)
    }

    /// Reads a string literal (`pos` on its quote): its text so far and whether it closed.
    fn string(&mut self) -> (Cow<'a, str>, bool) {
        self.pos += 1;
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            match self.peek() {
                Some(b'"') => {
                    out.push_str(self.s.get(run..self.pos).unwrap_or_default());
                    self.pos += 1;
                    return (Cow::Owned(out), true);
                }
                Some(b'\\') => {
                    out.push_str(self.s.get(run..self.pos).unwrap_or_default());
                    match self.escape() {
                        Some(c) => out.push(c),
                        None => return (Cow::Owned(out), false),
                    }
                    run = self.pos;
                }
                None | Some(0..=0x1f) => {
                    out.push_str(self.s.get(run..self.pos).unwrap_or_default());
                    return (Cow::Owned(out), false);
                }
                Some(_) => self.pos += 1,
            }
        }
    }

    /// Decodes one escape (`pos` on the backslash); `None` when it is cut off or invalid,
    /// including a leading surrogate whose partner may still come.
    fn escape(&mut self) -> Option<char> {
        let c = match self.b.get(self.pos + 1)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4(self.pos + 2)?;
                if !(0xD800..0xDC00).contains(&hi) {
                    self.pos += 6;
                    return Some(char::from_u32(hi).unwrap_or('\u{FFFD}'));
                }
                // The trailing surrogate may still come: wait for it while the text ends in
                // a prefix of `\\uXXXX`.
                let after = self.b.get(self.pos + 6..).unwrap_or_default();
                if after.len() < 6 && after.iter().zip(b"\\u").all(|(a, b)| a == b) {
                    return None;
                }
                if after.starts_with(b"\\u") {
                    if let Some(lo) = self
                        .hex4(self.pos + 8)
                        .filter(|lo| (0xDC00..0xE000).contains(lo))
                    {
                        self.pos += 12;
                        let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        return Some(char::from_u32(c).unwrap_or('\u{FFFD}'));
                    }
                }
                self.pos += 6;
                return Some('\u{FFFD}');
            }
            _ => return None,
        };
        self.pos += 2;
        Some(c)
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.b.get(at..at + 4)?;
        digits
            .iter()
            .try_fold(0, |n, c| Some(n * 16 + char::from(*c).to_digit(16)?))
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value as J};

    fn p(text: &str) -> J {
        match parse(text) {
            Some(v) => serde_json::from_str(&v.to_json()).unwrap(),
            None => J::Null,
        }
    }

    #[test]
    fn closes_what_is_open() {
        assert_eq!(
            p(r#"{"filename": "a.txt", "lines": ["one", "tw"#),
            json!({"filename": "a.txt", "lines": ["one", "tw"]})
        );
        assert_eq!(p(r#"{"ci"#), json!({}));
        assert_eq!(p(r#"{"city": "Pa"#), json!({"city": "Pa"}));
        assert_eq!(p(r#"{"city": "Paris"}"#), json!({"city": "Paris"}));
        assert_eq!(p(r#"{"a": 12"#), json!({}));
        assert_eq!(p(r#"{"a": 12,"#), json!({"a": 12}));
        assert_eq!(p(r#"{"a": tr"#), json!({}));
        assert_eq!(
            p(r#"{"a": true, "b": [1, {"c": nul"#),
            json!({"a": true, "b": [1, {}]})
        );
        assert_eq!(p(r#"[1, 2"#), json!([1]));
        assert_eq!(p(r#""abc\u00"#), json!("abc"));
        assert_eq!(p(r#""abc\"#), json!("abc"));
        assert_eq!(p(r#""smile \ud83d"#), json!("smile "));
        assert_eq!(p(r#""smile \ud83d\ude0"#), json!("smile "));
        assert_eq!(p(r#""smile \ud83d\ude00"#), json!("smile 😀"));
        assert_eq!(p(r#""lone \ud83dx"#), json!("lone \u{fffd}x"));
        assert_eq!(p("   "), J::Null);
        assert_eq!(p("42"), json!(42));
        assert!(parse("4").is_some()); // a complete document counts as complete
    }

    #[test]
    fn reads_broken_json_up_to_the_error() {
        assert_eq!(p(r#"{"a": 1,, "b": 2}"#), json!({"a": 1}));
        assert_eq!(p(r#"{"a": "x" "b": 2}"#), json!({"a": "x"}));
        assert_eq!(p("{\"a\": \"line\nbreak\"}"), json!({"a": "line"}));
        assert_eq!(p("hello"), J::Null);
        assert!(is_complete("{}") && !is_complete("{"));
    }

    #[test]
    fn deep_nesting_stops_at_the_limit() {
        let text = "[".repeat(100_000);
        let v = parse(&text).unwrap();
        let mut depth = 0;
        let mut cur = &v;
        while let Value::Array(items) = cur {
            depth += 1;
            match items.first() {
                Some(next) => cur = next,
                None => break,
            }
        }
        assert_eq!(depth, MAX_DEPTH);
    }

    use super::extends_rel::extends;

    fn arb_json() -> impl Strategy<Value = J> {
        let leaf = prop_oneof![
            Just(J::Null),
            any::<bool>().prop_map(J::Bool),
            any::<i32>().prop_map(|n| json!(n)),
            (-800_000i32..800_000).prop_map(|n| json!(f64::from(n) / 8.0)), // exact in binary
            "[a-z\"\\\\\n😀é ]{0,8}".prop_map(J::String),
        ];
        leaf.prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(J::Array),
                prop::collection::btree_map("[a-z\"]{1,4}", inner, 0..5)
                    .prop_map(|m| J::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn every_prefix_is_extended_by_the_whole(doc in arb_json(), pretty in any::<bool>()) {
            // A bare number is complete at any cut ("4" of "42"): only values inside a document.
            prop_assume!(!doc.is_number());
            let text = if pretty { serde_json::to_string_pretty(&doc).unwrap() } else { doc.to_string() };
            for (cut, _) in text.char_indices().chain([(text.len(), ' ')]) {
                let prefix = &text[..cut];
                if let Some(v) = parse(prefix) {
                    let got: J = serde_json::from_str(&v.to_json()).unwrap();
                    prop_assert!(extends(&doc, &got), "prefix {:?} gave {} not extended by {}", prefix, got, doc);
                }
            }
            prop_assert_eq!(p(&text), doc);
        }
    }
}

// The `extends` relation of the property test above, shared with the fuzz targets.
#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
#[path = "../fuzz/src/extends.rs"]
mod extends_rel;
