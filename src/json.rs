//! A tiny JSON value parser and writer: no dependencies, no float handling, no panics.
//!
//! Numbers stay as their raw (validated) text, strings borrow from the input when they have no
//! escapes, and objects keep their members in order (duplicates included). Nesting deeper than
//! [`MAX_DEPTH`] is an error rather than a stack overflow.

use std::borrow::Cow;

/// The deepest nesting of arrays and objects that [`parse`] accepts.
pub const MAX_DEPTH: usize = 128;

/// A parsed JSON value that borrows from its source text where it can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, kept as its raw JSON text (validated against the JSON grammar, not converted).
    Number(Cow<'a, str>),
    /// A string, unescaped; borrowed when the literal had no escapes.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Value<'a>>),
    /// An object's members in source order, duplicates kept.
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

/// Why and where [`parse`] rejected its input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset in the input where the problem was found.
    pub pos: usize,
    /// What went wrong, as short lowercase text (e.g. "unexpected end of input").
    pub what: &'static str,
}

/// Parses `text` as exactly one JSON value, allowing surrounding whitespace.
///
/// A `\u` escape of a lone UTF-16 surrogate becomes U+FFFD instead of failing.
pub fn parse(text: &str) -> Result<Value<'_>, ParseError> {
    let mut p = Parser {
        s: text,
        b: text.as_bytes(),
        pos: 0,
    };
    p.ws();
    let v = p.value(0)?;
    p.ws();
    match p.peek() {
        None => Ok(v),
        Some(_) => p.err("trailing characters after the value"),
    }
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn err<T>(&self, what: &'static str) -> Result<T, ParseError> {
        Err(ParseError {
            pos: self.pos,
            what,
        })
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Consumes `byte` (after whitespace) if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        self.ws();
        let hit = self.peek() == Some(byte);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn slice(&self, from: usize) -> Result<&'a str, ParseError> {
        match self.s.get(from..self.pos) {
            Some(s) => Ok(s),
            None => self.err("invalid position"),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, ParseError> {
        match self.peek() {
            None => self.err("unexpected end of input"),
            Some(b'{' | b'[') => self.container(depth + 1),
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(_) => self.err("expected a json value"),
        }
    }

    fn literal(&mut self, word: &str, v: Value<'a>) -> Result<Value<'a>, ParseError> {
        if self.b.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            self.err("expected a json value")
        }
    }

    /// Parses an array or object (`pos` is on its opening bracket).
    fn container(&mut self, depth: usize) -> Result<Value<'a>, ParseError> {
        if depth > MAX_DEPTH {
            return self.err("nesting too deep");
        }
        let is_obj = self.peek() == Some(b'{');
        let (close, expected) = if is_obj {
            (b'}', "expected ',' or '}'")
        } else {
            (b']', "expected ',' or ']'")
        };
        self.pos += 1;
        let (mut items, mut members) = (Vec::new(), Vec::new());
        if !self.eat(close) {
            loop {
                self.ws();
                let mut key = None;
                if is_obj {
                    if self.peek() != Some(b'"') {
                        return self.end_or("expected a string key");
                    }
                    key = Some(self.string()?);
                    if !self.eat(b':') {
                        return self.end_or("expected ':'");
                    }
                    self.ws();
                }
                let v = self.value(depth)?;
                match key {
                    Some(k) => members.push((k, v)),
                    None => items.push(v),
                }
                if self.eat(close) {
                    break;
                }
                if !self.eat(b',') {
                    return self.end_or(expected);
                }
            }
        }
        Ok(if is_obj {
            Value::Object(members)
        } else {
            Value::Array(items)
        })
    }

    /// Reports "unexpected end of input" at the end, else `what`.
    fn end_or<T>(&self, what: &'static str) -> Result<T, ParseError> {
        self.err(if self.peek().is_none() {
            "unexpected end of input"
        } else {
            what
        })
    }

    fn digits(&mut self) -> usize {
        let from = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - from
    }

    fn number(&mut self) -> Result<Value<'a>, ParseError> {
        let from = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return self.err("leading zeros are not allowed");
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return self.end_or("invalid number"),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return self.end_or("invalid number");
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return self.end_or("invalid number");
            }
        }
        Ok(Value::Number(Cow::Borrowed(self.slice(from)?)))
    }

    fn string(&mut self) -> Result<Cow<'a, str>, ParseError> {
        self.pos += 1;
        let from = self.pos;
        let mut owned: Option<String> = None;
        let mut run = from; // start of the unescaped run not yet copied into `owned`
        loop {
            match self.peek() {
                None => return self.err("unexpected end of input"),
                Some(b'"') => {
                    let tail = self.slice(run)?;
                    self.pos += 1;
                    return Ok(match owned {
                        None => Cow::Borrowed(tail),
                        Some(mut s) => {
                            s.push_str(tail);
                            Cow::Owned(s)
                        }
                    });
                }
                Some(b'\\') => {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(match self.s.get(run..self.pos) {
                        Some(t) => t,
                        None => return self.err("invalid position"),
                    });
                    self.pos += 1;
                    let c = self.escape()?;
                    if let Some(s) = owned.as_mut() {
                        s.push(c);
                    }
                    run = self.pos;
                }
                Some(0..=0x1f) => return self.err("control character in string"),
                // The plain run up to the next quote, backslash or control character at once.
                Some(_) => self.pos += self.b.get(self.pos..).map_or(1, plain_run).max(1),
            }
        }
    }

    /// Decodes one escape; `pos` is just past the backslash.
    fn escape(&mut self) -> Result<char, ParseError> {
        let c = match self.peek() {
            None => return self.err("unexpected end of input"),
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                let hi = self.hex4()?;
                if !(0xD800..0xDC00).contains(&hi) {
                    return Ok(char::from_u32(hi).unwrap_or('\u{FFFD}'));
                }
                // A leading surrogate: take the trailing one only if it really follows.
                let save = self.pos;
                if self.b.get(self.pos..self.pos + 2) == Some(b"\\u") {
                    self.pos += 2;
                    let lo = self.hex4()?;
                    if (0xDC00..0xE000).contains(&lo) {
                        let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                        return Ok(char::from_u32(c).unwrap_or('\u{FFFD}'));
                    }
                    self.pos = save;
                }
                return Ok('\u{FFFD}');
            }
            Some(_) => return self.err("invalid escape"),
        };
        self.pos += 1;
        Ok(c)
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let mut n = 0;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return self.end_or("invalid \\u escape"),
            };
            n = n * 16 + u32::from(d);
            self.pos += 1;
        }
        Ok(n)
    }
}

impl<'a> Parser<'a> {
    /// Skips one value, validating it like [`Parser::value`] but building nothing (strings
    /// with escapes aside).
    fn skip(&mut self, depth: usize) -> Result<(), ParseError> {
        let close = match self.peek() {
            Some(b'{') => b'}',
            Some(b'[') => b']',
            _ => return self.value(depth).map(drop),
        };
        if depth + 1 > MAX_DEPTH {
            return self.err("nesting too deep");
        }
        self.pos += 1;
        if self.eat(close) {
            return Ok(());
        }
        loop {
            self.ws();
            if close == b'}' {
                if self.peek() != Some(b'"') {
                    return self.end_or("expected a string key");
                }
                self.string()?;
                if !self.eat(b':') {
                    return self.end_or("expected ':'");
                }
                self.ws();
            }
            self.skip(depth + 1)?;
            if self.eat(close) {
                return Ok(());
            }
            if !self.eat(b',') {
                return self.end_or("expected ',' or a closing bracket");
            }
        }
    }
}

/// `0x01` in every byte of a word.
const ONES: u64 = 0x0101_0101_0101_0101;
/// `0x80` in every byte of a word.
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Whether any byte of the word `w` is below `b` (at most `0x80`; exact for the word as a whole).
#[inline(always)]
pub fn has_below(w: u64, b: u8) -> bool {
    w.wrapping_sub(ONES * u64::from(b)) & !w & HIGHS != 0
}

/// Whether any byte of the word `w` is `b`.
#[inline(always)]
pub fn has_byte(w: u64, b: u8) -> bool {
    has_below(w ^ (ONES * u64::from(b)), 1)
}

/// How many leading bytes of `bytes` lie in whole 8-byte words for which `hit` says no: the
/// scans of every event's bytes (line ends, plain string runs) skip those eight at a time and
/// finish byte by byte. (`split_first_chunk`, not `chunks_exact`: the size-optimised build
/// calls the latter's `next` out of line for every word.)
#[inline(always)]
pub fn clear_words(bytes: &[u8], hit: impl Fn(u64) -> bool) -> usize {
    let mut rest = bytes;
    while let Some((w, more)) = rest.split_first_chunk::<8>() {
        if hit(u64::from_le_bytes(*w)) {
            break;
        }
        rest = more;
    }
    bytes.len() - rest.len()
}

/// The length of the run of string bytes that need no look (no `"`, `\\` or control byte),
/// eight bytes at a time: long strings (base64 embeddings, long answers) are mostly such runs.
fn plain_run(rest: &[u8]) -> usize {
    let n = clear_words(rest, |w| has_byte(w, b'"') || has_byte(w, b'\\') || has_below(w, 0x20));
    let tail = rest.get(n..).unwrap_or_default();
    n + tail
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .unwrap_or(tail.len())
}

/// A forward-only reader over one JSON text, for hot paths that look at a few members of
/// a known shape: what it skips is validated, and nothing is allocated except for strings
/// with escapes. Every method returns `None`/`false` when the text is not what was asked
/// for, so callers can fall back to [`parse`] (which also reports the error).
pub struct Scanner<'a> {
    p: Parser<'a>,
    /// Arrays and objects open around the current position (depth limits match [`parse`]).
    depth: usize,
}

impl<'a> Scanner<'a> {
    /// Starts reading `text`.
    pub fn new(text: &'a str) -> Self {
        Scanner {
            p: Parser {
                s: text,
                b: text.as_bytes(),
                pos: 0,
            },
            depth: 0,
        }
    }

    /// Consumes `byte` (after whitespace) if it is next.
    pub fn eat(&mut self, byte: u8) -> bool {
        self.p.eat(byte)
    }

    /// Reads an object key and its `:`.
    pub fn key(&mut self) -> Option<Cow<'a, str>> {
        let k = self.string()?;
        self.p.eat(b':').then_some(k)
    }

    /// Reads a string value.
    pub fn string(&mut self) -> Option<Cow<'a, str>> {
        self.p.ws();
        if self.p.peek() != Some(b'"') {
            return None;
        }
        self.p.string().ok()
    }

    /// Consumes a `null` if it is next.
    pub fn null(&mut self) -> bool {
        self.p.ws();
        self.p.peek() == Some(b'n') && self.p.literal("null", Value::Null).is_ok()
    }

    /// Reads a number value as a plain non-negative integer.
    pub fn u64(&mut self) -> Option<u64> {
        self.p.ws();
        match self.p.peek() {
            Some(b'-' | b'0'..=b'9') => self.p.number().ok()?.as_u64(),
            _ => None,
        }
    }

    /// Skips one value of any kind.
    pub fn skip(&mut self) -> Option<()> {
        self.p.ws();
        self.p.skip(self.depth).ok()
    }

    /// Skips one value of any kind and returns its text as it stands in the input.
    pub fn raw(&mut self) -> Option<&'a str> {
        self.p.ws();
        let from = self.p.pos;
        self.p.skip(self.depth).ok()?;
        self.p.s.get(from..self.p.pos)
    }

    /// Walks the members of the object the scanner is at, calling `each` with the scanner
    /// positioned at each member's value; `None` when the text is not such an object or
    /// `each` gives up.
    pub fn object(&mut self, mut each: impl FnMut(&mut Self, &str) -> Option<()>) -> Option<()> {
        self.nested(b'{', b'}', |s| {
            let key = s.key()?;
            each(s, &key)
        })
    }

    /// Walks the object the scanner is at and returns the text of its last member named `key`
    /// (the one `JSON.parse` keeps), as it stands in the input; `None` when the text is not
    /// such an object or has no such member.
    pub fn last_member(&mut self, key: &str) -> Option<&'a str> {
        let mut found = None;
        self.object(|s, k| {
            let raw = s.raw()?;
            if k == key {
                found = Some(raw);
            }
            Some(())
        })?;
        found
    }

    /// Walks the items of the array the scanner is at, calling `each` positioned at each item.
    pub fn array(&mut self, mut each: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.nested(b'[', b']', |s| each(s))
    }

    fn nested(
        &mut self,
        open: u8,
        close: u8,
        mut each: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<()> {
        if self.depth + 1 > MAX_DEPTH || !self.eat(open) {
            return None;
        }
        self.depth += 1;
        let r = (|| {
            if self.eat(close) {
                return Some(());
            }
            loop {
                each(self)?;
                if self.eat(close) {
                    return Some(());
                }
                if !self.eat(b',') {
                    return None;
                }
            }
        })();
        self.depth -= 1;
        r
    }

    /// Returns the byte offset the scanner is at.
    pub fn pos(&self) -> usize {
        self.p.pos
    }

    /// Returns whether only whitespace is left.
    pub fn at_end(&mut self) -> bool {
        self.p.ws();
        self.p.peek().is_none()
    }
}

impl<'a> Value<'a> {
    fn members(&self) -> &[(Cow<'a, str>, Value<'a>)] {
        match self {
            Value::Object(m) => m,
            _ => &[],
        }
    }

    /// Returns the member `key` of an object (the last one if duplicated); `None` otherwise.
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.members()
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// Returns the member `key` of an object mutably (the last one if duplicated).
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value<'a>> {
        match self {
            Value::Object(m) => m.iter_mut().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Sets member `key` of an object (replacing the last one of that name, else appending);
    /// does nothing on non-objects.
    pub fn set(&mut self, key: &str, v: Value<'a>) {
        if let Some(slot) = self.get_mut(key) {
            *slot = v;
        } else if let Value::Object(m) = self {
            m.push((Cow::Owned(key.into()), v));
        }
    }

    /// Removes every member `key` of an object and returns the last one's value.
    pub fn remove(&mut self, key: &str) -> Option<Value<'a>> {
        let Value::Object(m) = self else { return None };
        let mut found = None;
        for (k, v) in std::mem::take(m) {
            if k == key {
                found = Some(v);
            } else {
                m.push((k, v));
            }
        }
        found
    }

    /// Returns the text of a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Returns a number written as a plain non-negative integer that fits in `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        let Value::Number(t) = self else { return None };
        t.bytes().try_fold(0u64, |n, c| {
            let d = u64::from(c.checked_sub(b'0').filter(|d| *d < 10)?);
            (n <= (u64::MAX - d) / 10).then(|| n * 10 + d)
        })
    }

    /// Returns the items of an array.
    pub fn as_array(&self) -> Option<&[Value<'a>]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// Returns the members of an object.
    pub fn as_object(&self) -> Option<&[(Cow<'a, str>, Value<'a>)]> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// Tells whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Copies every borrowed string so the value no longer borrows its source.
    pub fn into_owned(self) -> Value<'static> {
        fn own(s: Cow<'_, str>) -> Cow<'static, str> {
            Cow::Owned(s.into_owned())
        }
        match self {
            Value::Null => Value::Null,
            Value::Bool(b) => Value::Bool(b),
            Value::Number(n) => Value::Number(own(n)),
            Value::String(s) => Value::String(own(s)),
            Value::Array(a) => Value::Array(a.into_iter().map(Value::into_owned).collect()),
            Value::Object(m) => Value::Object(
                m.into_iter()
                    .map(|(k, v)| (own(k), v.into_owned()))
                    .collect(),
            ),
        }
    }

    /// Appends this value to `out` as compact JSON.
    pub fn write(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(true) => out.push_str("true"),
            Value::Bool(false) => out.push_str("false"),
            Value::Number(n) => out.push_str(n),
            Value::String(s) => write_str(out, s),
            Value::Array(a) => {
                out.push('[');
                for v in a {
                    push_sep(out);
                    v.write(out);
                }
                out.push(']');
            }
            Value::Object(m) => {
                out.push('{');
                for (k, v) in m {
                    push_key(out, k);
                    v.write(out);
                }
                out.push('}');
            }
        }
    }

    /// Returns this value as compact JSON text.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }
}

/// Appends `s` to `out` as a quoted JSON string literal, escaping `"`, `\` and control
/// characters; other characters stay as UTF-8.
pub fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        let esc = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            '\0'..='\u{1f}' => "\\u00",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(esc);
        if esc.len() > 2 {
            for nib in [c as u8 >> 4, c as u8 & 15] {
                out.push(char::from(if nib < 10 {
                    b'0' + nib
                } else {
                    b'a' - 10 + nib
                }));
            }
        }
    }
    out.push('"');
}

/// Appends a `,` unless `out` ends with `[` or `{` (the first item of a container).
pub fn push_sep(out: &mut String) {
    if !matches!(out.as_bytes().last(), Some(b'[' | b'{')) {
        out.push(',');
    }
}

/// Appends an object member's separator (see [`push_sep`]), quoted key and `:`.
pub fn push_key(out: &mut String, key: &str) {
    push_sep(out);
    write_str(out, key);
    out.push(':');
}

/// Appends the decimal digits of `n` to `out`.
pub fn push_u64(out: &mut String, n: u64) {
    let mut div = 1u64;
    while n / div >= 10 {
        div *= 10;
    }
    while div > 0 {
        out.push(char::from(b'0' + (n / div % 10) as u8));
        div /= 10;
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {

    #[test]
    fn plain_runs_stop_where_a_byte_by_byte_scan_does() {
        let naive = |b: &[u8]| {
            b.iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .unwrap_or(b.len())
        };
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let picks = [
            b'a', b'"', b'\\', 0x1f, 0x00, 0x20, 0x21, 0x5b, 0x5d, 0x7f, 0x80, 0xa2, 0xdc, 0xff,
        ];
        for len in 0..40 {
            for _ in 0..200 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        // Mostly plain bytes, so runs are long.
                        if seed % 5 == 0 {
                            picks[(seed >> 8) as usize % picks.len()]
                        } else {
                            b'A' + (seed >> 16) as u8 % 26
                        }
                    })
                    .collect();
                assert_eq!(plain_run(&bytes), naive(&bytes), "{bytes:?}");
            }
        }
    }
    use super::*;
    use proptest::prelude::*;

    fn rt(text: &str) -> String {
        parse(text).unwrap().to_json()
    }

    #[test]
    fn parses_scalars() {
        assert_eq!(parse("null"), Ok(Value::Null));
        assert_eq!(parse(" true "), Ok(Value::Bool(true)));
        assert_eq!(parse("\tfalse\r\n"), Ok(Value::Bool(false)));
        assert_eq!(parse("-0.5e+10"), Ok(Value::Number("-0.5e+10".into())));
        assert_eq!(parse("\"hi\""), Ok(Value::String("hi".into())));
        for n in [
            "0",
            "-0",
            "1",
            "123",
            "1.5",
            "1e5",
            "1E-5",
            "-12.34e+56",
            "1e400",
        ] {
            assert_eq!(rt(n), n);
        }
    }

    #[test]
    fn borrows_when_no_escapes() {
        let v = parse(r#"{"a":"plain","b":"esc\n"}"#).unwrap();
        assert!(matches!(
            v.get("a"),
            Some(Value::String(Cow::Borrowed("plain")))
        ));
        assert!(matches!(v.get("b"), Some(Value::String(Cow::Owned(_)))));
        assert_eq!(v.get("b").and_then(Value::as_str), Some("esc\n"));
    }

    #[test]
    fn rejects_invalid() {
        for bad in [
            "",
            " ",
            "[1,]",
            "{\"a\":1,}",
            "'a'",
            "01",
            "-01",
            "NaN",
            "Infinity",
            "-",
            "1.",
            ".5",
            "1e",
            "1e+",
            "+1",
            "[1 2]",
            "{\"a\" 1}",
            "{a:1}",
            "\"a\u{1}\"",
            "\"\t\"",
            "\"abc",
            "[",
            "{",
            "{\"a\":",
            "tru",
            "nul",
            "1 2",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\u12g4\"",
            "[1]]",
            "{}}",
            "\u{feff}1",
            "[,1]",
            "{,}",
            "--1",
            "0x10",
        ] {
            assert!(parse(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn error_positions_and_messages() {
        assert_eq!(
            parse(""),
            Err(ParseError {
                pos: 0,
                what: "unexpected end of input"
            })
        );
        assert_eq!(
            parse("[1,"),
            Err(ParseError {
                pos: 3,
                what: "unexpected end of input"
            })
        );
        assert_eq!(
            parse("[1,]"),
            Err(ParseError {
                pos: 3,
                what: "expected a json value"
            })
        );
        assert_eq!(
            parse("01").unwrap_err().what,
            "leading zeros are not allowed"
        );
        assert_eq!(
            parse("1 x").unwrap_err(),
            ParseError {
                pos: 2,
                what: "trailing characters after the value"
            }
        );
    }

    #[test]
    fn unescapes() {
        let v = parse(r#""a\"b\\c\/d\b\f\n\r\t\u0041\u00e9\u4e2d\ud83d\ude00""#).unwrap();
        assert_eq!(v.as_str(), Some("a\"b\\c/d\u{8}\u{c}\n\r\tAé中😀"));
    }

    #[test]
    fn lone_surrogates_become_replacement() {
        let s = |t: &str| parse(t).unwrap().as_str().unwrap().to_owned();
        assert_eq!(s(r#""\ud800""#), "\u{fffd}");
        assert_eq!(s(r#""\udc00x""#), "\u{fffd}x");
        assert_eq!(s(r#""\ud800\u0041""#), "\u{fffd}A");
        assert_eq!(s(r#""\ud800\ud83d\ude00""#), "\u{fffd}😀");
        assert_eq!(s(r#""\ud83d\n""#), "\u{fffd}\n");
        assert!(parse(r#""\ud800\u12""#).is_err());
    }

    #[test]
    fn writes_escapes() {
        let mut out = String::new();
        write_str(
            &mut out,
            "q\"b\\n\nr\rt\tb\u{8}f\u{c}z\u{0}\u{1f}\u{7f}é😀/",
        );
        assert_eq!(
            out,
            r#""q\"b\\n\nr\rt\tb\bf\fz\u0000\u001f"#.to_owned() + "\u{7f}é😀/\""
        );
        assert_eq!(
            serde_json::from_str::<String>(&out).unwrap(),
            "q\"b\\n\nr\rt\tb\u{8}f\u{c}z\u{0}\u{1f}\u{7f}é😀/"
        );
    }

    #[test]
    fn depth_limit() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(&deep).unwrap_err().what, "nesting too deep");
        let objs = "{\"a\":".repeat(MAX_DEPTH + 1) + "1" + &"}".repeat(MAX_DEPTH + 1);
        assert_eq!(parse(&objs).unwrap_err().what, "nesting too deep");
        // A huge unterminated nesting must fail fast, not overflow the stack.
        assert!(parse(&"[".repeat(1_000_000)).is_err());
        assert!(parse(&"{\"a\":[".repeat(500_000)).is_err());
    }

    #[test]
    fn accessors() {
        let mut v = parse(r#"{"a":1,"b":"x","a":2,"n":null,"arr":[1],"o":{}}"#).unwrap();
        assert_eq!(v.get("a").and_then(Value::as_u64), Some(2));
        assert!(v.get("n").unwrap().is_null());
        assert_eq!(
            v.get("arr").and_then(Value::as_array).map(<[_]>::len),
            Some(1)
        );
        assert_eq!(
            v.get("o").and_then(Value::as_object).map(<[_]>::len),
            Some(0)
        );
        assert_eq!(v.get("missing"), None);
        assert_eq!(Value::Null.get("a"), None);
        v.set("b", Value::Bool(true));
        v.set("new", Value::Null);
        assert_eq!(
            v.to_json(),
            r#"{"a":1,"b":true,"a":2,"n":null,"arr":[1],"o":{},"new":null}"#
        );
        if let Some(Value::Number(n)) = v.get_mut("a") {
            *n = "3".into();
        }
        assert_eq!(v.remove("a"), Some(Value::Number("3".into())));
        assert_eq!(v.get("a"), None);
        assert_eq!(v.remove("a"), None);
        let mut arr = Value::Array(vec![]);
        arr.set("a", Value::Null);
        assert_eq!(arr, Value::Array(vec![]));
        assert_eq!(arr.remove("a"), None);
        assert_eq!(arr.get_mut("a"), None);
    }

    #[test]
    fn integers() {
        fn n(t: &str) -> Value<'_> {
            parse(t).unwrap()
        }
        assert_eq!(n("0").as_u64(), Some(0));
        assert_eq!(n("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(n("18446744073709551616").as_u64(), None);
        assert_eq!(n("-1").as_u64(), None);
        assert_eq!(n("1.0").as_u64(), None);
        assert_eq!(n("1e2").as_u64(), None);
        assert_eq!(n("\"1\"").as_u64(), None);
        let mut s = String::new();
        for x in [0, 7, 10, 99, 100, 12345, u64::MAX] {
            s.clear();
            push_u64(&mut s, x);
            assert_eq!(s, x.to_string());
        }
    }

    #[test]
    fn into_owned_keeps_value() {
        let text = String::from(r#"{"k":["v",1,true,null,{"e":"\n"}]}"#);
        let owned = parse(&text).unwrap().into_owned();
        drop(text);
        assert_eq!(owned.to_json(), r#"{"k":["v",1,true,null,{"e":"\n"}]}"#);
    }

    fn arb_json() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value as J;
        let leaf = prop_oneof![
            Just(J::Null),
            any::<bool>().prop_map(J::Bool),
            any::<i64>().prop_map(J::from),
            any::<u64>().prop_map(J::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(J::from),
            any::<String>().prop_map(J::String),
            "[\\x00-\\x7f]{0,8}".prop_map(J::String),
        ];
        leaf.prop_recursive(6, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(J::Array),
                prop::collection::vec((any::<String>(), inner), 0..8)
                    .prop_map(|m| J::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Text that looks a lot like JSON, so that both valid and subtly invalid inputs come up.
    fn jsonish() -> impl Strategy<Value = String> {
        let token = prop_oneof![
            Just("{".to_owned()),
            Just("}".to_owned()),
            Just("[".to_owned()),
            Just("]".to_owned()),
            Just(",".to_owned()),
            Just(":".to_owned()),
            Just("\"".to_owned()),
            Just(" ".to_owned()),
            Just("\\".to_owned()),
            Just("\\u".to_owned()),
            Just("\\ud83d".to_owned()),
            Just("\\ude00".to_owned()),
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("fals".to_owned()),
            Just("-".to_owned()),
            Just(".".to_owned()),
            Just("e".to_owned()),
            Just("E+".to_owned()),
            Just("\n".to_owned()),
            Just("\u{1}".to_owned()),
            Just("é".to_owned()),
            "[0-9]{1,3}",
            "[a-fA-F0-9]{1,4}",
            "\"[a-z]{0,3}\"",
        ];
        prop::collection::vec(token, 0..24).prop_map(|t| t.concat())
    }

    /// Our parser accepts exactly what serde_json accepts, except two deliberate differences:
    /// lone surrogate escapes (we yield U+FFFD, serde_json fails) and numbers too large for an
    /// f64 (we keep raw text, serde_json fails with "number out of range").
    fn agrees_with_serde(text: &str) -> Result<(), TestCaseError> {
        let ours = parse(text);
        let theirs = serde_json::from_str::<serde_json::Value>(text);
        match (&ours, &theirs) {
            (Ok(v), Ok(j)) => {
                let back: serde_json::Value = serde_json::from_str(&v.to_json()).unwrap();
                prop_assert_eq!(&back, j);
            }
            (Err(_), Err(_)) => {}
            (Ok(_), Err(e)) => {
                let msg = e.to_string();
                // Documented differences: a lone surrogate escape becomes U+FFFD here (serde
                // reports it as a surrogate error, or, at the end of a string, as the end of a
                // hex escape); numbers past f64 are kept as text.
                let lone = text.to_ascii_lowercase().contains("\\ud") && msg.contains("hex escape");
                prop_assert!(
                    msg.contains("surrogate") || msg.contains("number out of range") || lone,
                    "we accepted {:?}, serde_json said {}",
                    text,
                    msg
                );
            }
            (Err(e), Ok(_)) => prop_assert!(false, "we rejected {:?}: {:?}", text, e),
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn roundtrips_serde_values(j in arb_json()) {
            let text = serde_json::to_string(&j).unwrap();
            let ours = parse(&text).unwrap();
            // Same escaping as serde_json, and numbers keep their text, so output is identical.
            prop_assert_eq!(ours.to_json(), text.clone());
            // serde_json's default float parsing is not exact, so compare with its own re-parse.
            let want: serde_json::Value = serde_json::from_str(&text).unwrap();
            let back: serde_json::Value = serde_json::from_str(&ours.to_json()).unwrap();
            prop_assert_eq!(&back, &want);
            if !text.contains('.') && !text.contains('e') {
                prop_assert_eq!(&back, &j);
            }
            let pretty = serde_json::to_string_pretty(&j).unwrap();
            prop_assert_eq!(parse(&pretty).unwrap(), ours);
        }

        #[test]
        fn agrees_on_jsonish_text(text in jsonish()) {
            agrees_with_serde(&text)?;
        }

        #[test]
        fn agrees_on_arbitrary_strings(text in any::<String>()) {
            agrees_with_serde(&text)?;
        }

        #[test]
        fn agrees_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(text) = std::str::from_utf8(&bytes) {
                agrees_with_serde(text)?;
            }
        }

        #[test]
        fn agrees_on_mangled_valid_json(j in arb_json(), cut in any::<prop::sample::Index>(), byte in 0u8..128) {
            let text = serde_json::to_string(&j).unwrap();
            let i = cut.index(text.len() + 1);
            if text.is_char_boundary(i) {
                agrees_with_serde(&text[..i])?;
                let mut m = text.clone();
                m.insert(i, char::from(byte));
                agrees_with_serde(&m)?;
            }
        }
    }
}
