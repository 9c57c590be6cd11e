//! Checks a JSON value against the subset of JSON Schema that tool parameters and structured
//! output use: `type` (one or a list), `properties`, `required`, `additionalProperties`
//! (`false` or a schema), `items`, `enum`, `const`, `minimum`/`maximum`,
//! `exclusiveMinimum`/`exclusiveMaximum` (numbers), `minLength`/`maxLength`,
//! `minItems`/`maxItems`. Every other keyword is ignored (a schema this subset cannot judge
//! never rejects a value). Each problem is an [`Issue`]: the path to the value and what is wrong.

use crate::json::{self, Value};

/// The most issues one check reports; the rest are summed up in one last issue.
pub const MAX_ISSUES: usize = 20;

/// One step of the path to a value inside a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// An object member.
    Key(String),
    /// An array item.
    Index(usize),
}

/// One way a value does not match its schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Where the value is (empty for the whole document).
    pub path: Vec<Seg>,
    /// What is wrong, lowercase, for example "must be a string (got a number)".
    pub message: String,
}

impl Issue {
    /// Creates an issue at `path`.
    pub fn new(path: Vec<Seg>, message: impl Into<String>) -> Issue {
        Issue {
            path,
            message: message.into(),
        }
    }

    /// Returns the path as text: `cities[0].name`, or `(root)` for the whole document.
    pub fn path_text(&self) -> String {
        let mut s = String::new();
        for seg in &self.path {
            match seg {
                Seg::Key(k) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    s.push_str(k);
                }
                Seg::Index(i) => {
                    s.push('[');
                    json::push_u64(&mut s, *i as u64);
                    s.push(']');
                }
            }
        }
        if s.is_empty() {
            s.push_str("(root)");
        }
        s
    }
}

/// Returns every way `value` does not match `schema` (empty when it matches), at most
/// [`MAX_ISSUES`] of them.
pub fn check(schema: &Value<'_>, value: &Value<'_>) -> Vec<Issue> {
    let mut c = Checker {
        issues: Vec::new(),
        dropped: 0,
        path: Vec::new(),
    };
    c.value(schema, value);
    if c.dropped > 0 {
        let mut m = String::from("and ");
        json::push_u64(&mut m, c.dropped as u64);
        m.push_str(" more problems");
        c.issues.push(Issue::new(Vec::new(), m));
    }
    c.issues
}

/// Renders issues as lines `- path: message`, for an error message or a repair prompt.
pub fn describe(issues: &[Issue]) -> String {
    let mut s = String::new();
    for (i, issue) in issues.iter().enumerate() {
        if i > 0 {
            s.push('\n');
        }
        s.push_str("- ");
        s.push_str(&issue.path_text());
        s.push_str(": ");
        s.push_str(&issue.message);
    }
    s
}

/// Writes issues as a JSON array of `{ path: [keys and indexes], message }`.
pub fn issues_json(issues: &[Issue]) -> String {
    let mut s = String::from("[");
    for issue in issues {
        json::push_sep(&mut s);
        s.push_str("{\"path\":[");
        for seg in &issue.path {
            json::push_sep(&mut s);
            match seg {
                Seg::Key(k) => json::write_str(&mut s, k),
                Seg::Index(i) => json::push_u64(&mut s, *i as u64),
            }
        }
        s.push_str("],\"message\":");
        json::write_str(&mut s, &issue.message);
        s.push('}');
    }
    s.push(']');
    s
}

struct Checker {
    issues: Vec<Issue>,
    dropped: usize,
    path: Vec<Seg>,
}

/// The JSON Schema type name of a value (`integer` for whole numbers).
fn type_of(v: &Value<'_>) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) if number(v).is_some_and(|n| n.is_integer()) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn article(t: &str) -> &'static str {
    match t {
        "null" => "null",
        "boolean" => "a boolean",
        "integer" => "an integer",
        "number" => "a number",
        "string" => "a string",
        "array" => "an array",
        "object" => "an object",
        _ => "a value of another type",
    }
}

/// A JSON number as an exact decimal `0.digits × 10^exp` (no floats: exact for any length, and
/// no float parsing code in the `.wasm`).
#[derive(Debug, PartialEq, Eq)]
struct Decimal {
    neg: bool,
    /// Without leading or trailing zeros; empty for zero.
    digits: Vec<u8>,
    exp: i64,
}

/// Reads a number's JSON text (already checked against the JSON grammar by the parser).
fn number(v: &Value<'_>) -> Option<Decimal> {
    let Value::Number(t) = v else { return None };
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.as_ref()),
    };
    let (mant, e) = match t.bytes().position(|b| b == b'e' || b == b'E') {
        Some(i) => (t.get(..i)?, t.get(i + 1..)?),
        None => (t, ""),
    };
    let (e_neg, e_digits) = match e.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, e.strip_prefix('+').unwrap_or(e)),
    };
    let mut exp: i64 = 0;
    for c in e_digits.bytes() {
        exp = (exp * 10 + i64::from(c.checked_sub(b'0')?)).min(1 << 40);
    }
    if e_neg {
        exp = -exp;
    }
    let (int, frac) = match crate::text::find_byte(mant, b'.') {
        Some(i) => (mant.get(..i)?, mant.get(i + 1..)?),
        None => (mant, ""),
    };
    exp += int.len() as i64;
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
    let lead = digits.iter().take_while(|d| **d == b'0').count();
    digits.drain(..lead);
    exp -= lead as i64;
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    if digits.is_empty() {
        exp = 0;
    }
    Some(Decimal {
        neg: neg && !digits.is_empty(),
        digits,
        exp,
    })
}

impl Decimal {
    fn is_integer(&self) -> bool {
        self.digits.len() as i64 <= self.exp || self.digits.is_empty()
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        use core::cmp::Ordering::*;
        let sign = |d: &Decimal| {
            if d.digits.is_empty() {
                0
            } else if d.neg {
                -1
            } else {
                1
            }
        };
        let (a, b) = (sign(self), sign(other));
        if a != b || a == 0 {
            return a.cmp(&b);
        }
        let magnitude = match self.exp.cmp(&other.exp) {
            Equal => self.digits.cmp(&other.digits),
            o => o,
        };
        if a < 0 {
            magnitude.reverse()
        } else {
            magnitude
        }
    }
}

fn matches_type(want: &str, got: &str) -> bool {
    want == got || (want == "number" && got == "integer")
}

impl Checker {
    fn report(&mut self, message: String) {
        if self.issues.len() < MAX_ISSUES {
            self.issues.push(Issue::new(self.path.clone(), message));
        } else {
            self.dropped += 1;
        }
    }

    fn value(&mut self, schema: &Value<'_>, v: &Value<'_>) {
        // `true`, `{}` and anything that is not an object accept every value.
        if !matches!(schema, Value::Object(_)) {
            if let Value::Bool(false) = schema {
                self.report("is not allowed here".into());
            }
            return;
        }
        if !self.type_ok(schema, v) {
            return;
        }
        if let Some(Value::Array(allowed)) = schema.get("enum") {
            if !allowed.iter().any(|a| same(a, v)) {
                let mut m = String::from("must be one of ");
                for (i, a) in allowed.iter().enumerate().take(10) {
                    if i > 0 {
                        m.push_str(", ");
                    }
                    a.write(&mut m);
                }
                m.push_str(" (got ");
                m.push_str(&short(v));
                m.push(')');
                self.report(m);
            }
        }
        if let Some(c) = schema.get("const") {
            if !same(c, v) {
                let mut m = String::from("must be ");
                c.write(&mut m);
                self.report(m);
            }
        }
        match v {
            Value::Number(_) => self.number(schema, v),
            Value::String(s) => self.string(schema, s),
            Value::Array(items) => self.array(schema, items),
            Value::Object(members) => self.object(schema, members),
            _ => {}
        }
    }

    /// Checks `type`; false (after reporting) when the value has the wrong type, so the
    /// keywords for other types are not judged.
    fn type_ok(&mut self, schema: &Value<'_>, v: &Value<'_>) -> bool {
        let got = type_of(v);
        let wanted: Vec<&str> = match schema.get("type") {
            Some(Value::String(t)) => vec![t.as_ref()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => return true,
        };
        if wanted.is_empty() || wanted.iter().any(|w| matches_type(w, got)) {
            return true;
        }
        let mut m = String::from("must be ");
        for (i, w) in wanted.iter().enumerate() {
            if i > 0 {
                m.push_str(if i + 1 == wanted.len() { " or " } else { ", " });
            }
            m.push_str(article(w));
        }
        m.push_str(" (got ");
        m.push_str(article(got));
        m.push(')');
        self.report(m);
        false
    }

    fn number(&mut self, schema: &Value<'_>, v: &Value<'_>) {
        let Some(n) = number(v) else { return };
        let bound = |k: &str| schema.get(k).and_then(number);
        type Ok = fn(&Decimal, &Decimal) -> bool;
        let checks: [(&str, &str, Ok); 4] = [
            ("minimum", "must be at least ", |n, b| n >= b),
            ("maximum", "must be at most ", |n, b| n <= b),
            ("exclusiveMinimum", "must be greater than ", |n, b| n > b),
            ("exclusiveMaximum", "must be less than ", |n, b| n < b),
        ];
        for (key, says, ok) in checks {
            if let Some(b) = bound(key) {
                if !ok(&n, &b) {
                    let mut m = String::from(says);
                    if let Some(raw) = schema.get(key) {
                        raw.write(&mut m);
                    }
                    m.push_str(" (got ");
                    v.write(&mut m);
                    m.push(')');
                    self.report(m);
                }
            }
        }
    }

    fn string(&mut self, schema: &Value<'_>, s: &str) {
        let len = s.chars().count() as u64;
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
            if len < min {
                self.report(count_message("must have at least ", min, " character", len));
            }
        }
        if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
            if len > max {
                self.report(count_message("must have at most ", max, " character", len));
            }
        }
    }

    fn array(&mut self, schema: &Value<'_>, items: &[Value<'_>]) {
        let len = items.len() as u64;
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64) {
            if len < min {
                self.report(count_message("must have at least ", min, " item", len));
            }
        }
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64) {
            if len > max {
                self.report(count_message("must have at most ", max, " item", len));
            }
        }
        if let Some(item_schema) = schema.get("items") {
            for (i, item) in items.iter().enumerate() {
                self.path.push(Seg::Index(i));
                self.value(item_schema, item);
                self.path.pop();
            }
        }
    }

    fn object(&mut self, schema: &Value<'_>, members: &[(std::borrow::Cow<'_, str>, Value<'_>)]) {
        let props = schema.get("properties");
        if let Some(Value::Array(required)) = schema.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !members.iter().any(|(k, _)| k == name) {
                    self.path.push(Seg::Key(name.to_owned()));
                    self.report("is required".into());
                    self.path.pop();
                }
            }
        }
        let extra = schema.get("additionalProperties");
        for (k, v) in members {
            self.path.push(Seg::Key(k.to_string()));
            match props.and_then(|p| p.get(k)) {
                Some(s) => self.value(s, v),
                None => match extra {
                    Some(Value::Bool(false)) => {
                        let mut m = String::from("is not allowed (additionalProperties is false");
                        if let Some(Value::Object(p)) = props {
                            m.push_str("; the properties are ");
                            for (i, (name, _)) in p.iter().enumerate() {
                                if i > 0 {
                                    m.push_str(", ");
                                }
                                m.push_str(name);
                            }
                        }
                        m.push(')');
                        self.report(m);
                    }
                    Some(s @ Value::Object(_)) => self.value(s, v),
                    _ => {}
                },
            }
            self.path.pop();
        }
    }
}

fn count_message(says: &str, n: u64, unit: &str, got: u64) -> String {
    let mut m = String::from(says);
    json::push_u64(&mut m, n);
    m.push_str(unit);
    if n != 1 {
        m.push('s');
    }
    m.push_str(" (got ");
    json::push_u64(&mut m, got);
    m.push(')');
    m
}

/// A value as short JSON text for a message.
fn short(v: &Value<'_>) -> String {
    let t = v.to_json();
    if t.len() <= 60 {
        return t;
    }
    let mut s = crate::text::truncate(&t, 57).to_owned();
    s.push_str("...");
    s
}

/// JSON equality where numbers compare by value (`1` equals `1.0`) and objects ignore order.
fn same(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || (number(a).is_some() && number(a) == number(b))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| b.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    fn run(schema: &str, value: &str) -> Vec<String> {
        let s = json::parse(schema).unwrap();
        let v = json::parse(value).unwrap();
        check(&s, &v)
            .iter()
            .map(|i| format!("{}: {}", i.path_text(), i.message))
            .collect()
    }

    const WEATHER: &str = r#"{"type":"object","properties":{"city":{"type":"string","minLength":2,"maxLength":5},
        "unit":{"enum":["celsius","fahrenheit"]},"days":{"type":"integer","minimum":1,"maximum":7}},
        "required":["city"],"additionalProperties":false}"#;

    #[test]
    fn a_matching_value_has_no_issues() {
        assert!(run(WEATHER, r#"{"city":"Paris","unit":"celsius","days":3}"#).is_empty());
        assert!(run(WEATHER, r#"{"city":"Lima","days":3.0}"#).is_empty());
    }

    #[test]
    fn type_required_and_additional_properties() {
        assert_eq!(
            run(WEATHER, r#"{"city":12}"#),
            ["city: must be a string (got an integer)"]
        );
        assert_eq!(run(WEATHER, r#"{}"#), ["city: is required"]);
        assert_eq!(
            run(WEATHER, r#"{"city":"Oslo","town":"x"}"#),
            ["town: is not allowed (additionalProperties is false; the properties are city, unit, days)"]
        );
        assert_eq!(
            run(WEATHER, r#"[1]"#),
            ["(root): must be an object (got an array)"]
        );
        assert_eq!(
            run(r#"{"type":["string","null"]}"#, "1.5"),
            ["(root): must be a string or null (got a number)"]
        );
        assert!(run(r#"{"type":"number"}"#, "3").is_empty());
        assert_eq!(
            run(r#"{"type":"integer"}"#, "3.5"),
            ["(root): must be an integer (got a number)"]
        );
    }

    #[test]
    fn enum_bounds_and_lengths() {
        assert_eq!(
            run(WEATHER, r#"{"city":"Paris","unit":"kelvin"}"#),
            [r#"unit: must be one of "celsius", "fahrenheit" (got "kelvin")"#]
        );
        assert_eq!(
            run(WEATHER, r#"{"city":"Paris","days":0}"#),
            ["days: must be at least 1 (got 0)"]
        );
        assert_eq!(
            run(WEATHER, r#"{"city":"Paris","days":8}"#),
            ["days: must be at most 7 (got 8)"]
        );
        assert_eq!(
            run(WEATHER, r#"{"city":"P"}"#),
            ["city: must have at least 2 characters (got 1)"]
        );
        assert_eq!(
            run(WEATHER, r#"{"city":"Zürich"}"#),
            ["city: must have at most 5 characters (got 6)"]
        );
        assert!(
            run(WEATHER, r#"{"city":"Tōkyō"}"#).is_empty(),
            "lengths count characters, not bytes"
        );
        assert_eq!(
            run(r#"{"exclusiveMinimum":0}"#, "0"),
            ["(root): must be greater than 0 (got 0)"]
        );
        assert_eq!(run(r#"{"const":2}"#, "2.0"), Vec::<String>::new());
        assert_eq!(
            run(r#"{"enum":[{"a":1,"b":2}]}"#, r#"{"b":2,"a":1}"#),
            Vec::<String>::new()
        );
    }

    #[test]
    fn numbers_compare_exactly_without_floats() {
        let d = |t: &str| number(&json::parse(t).unwrap()).unwrap();
        let lt = |a: &str, b: &str| assert!(d(a) < d(b), "{a} < {b}");
        for (a, b) in [
            ("1", "2"),
            ("-2", "-1"),
            ("-1", "0"),
            ("0", "0.001"),
            ("0.12", "0.123"),
            ("0.123", "0.13"),
            ("9", "10"),
            ("1e2", "101"),
            ("-1e2", "-99.5"),
            ("12345678901234567890", "12345678901234567891"),
            ("1E-3", "0.0011"),
            ("-0.5", "-0.25"),
            ("99e-1", "10"),
        ] {
            lt(a, b);
            assert!(d(b) > d(a));
        }
        for (a, b) in [
            ("1", "1.0"),
            ("100", "1e2"),
            ("0", "-0"),
            ("0.0", "0e5"),
            ("1.50", "15E-1"),
            ("-2.0", "-2"),
        ] {
            assert_eq!(d(a), d(b), "{a} == {b}");
        }
        for t in ["0", "-0.0", "3", "3.0", "1e3", "1.5e1", "-7", "100E-2"] {
            assert!(d(t).is_integer(), "{t} is an integer");
        }
        for t in ["0.5", "1.25", "1e-1", "15e-1", "-3.01"] {
            assert!(!d(t).is_integer(), "{t} is not an integer");
        }
        assert!(d("1e99999999999999999999") > d("1e999"));
    }

    #[test]
    fn items_nest_paths() {
        let s = r#"{"type":"object","properties":{"cities":{"type":"array","minItems":1,"items":
            {"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}}}}"#;
        assert_eq!(
            run(s, r#"{"cities":[{"name":"a"},{"name":3},{}]}"#),
            [
                "cities[1].name: must be a string (got an integer)",
                "cities[2].name: is required"
            ]
        );
        assert_eq!(
            run(s, r#"{"cities":[]}"#),
            ["cities: must have at least 1 item (got 0)"]
        );
        let extra = r#"{"additionalProperties":{"type":"number"}}"#;
        assert_eq!(
            run(extra, r#"{"a":1,"b":"x"}"#),
            ["b: must be a number (got a string)"]
        );
    }

    #[test]
    fn unknown_keywords_and_odd_schemas_accept() {
        assert!(run(
            r#"{"anyOf":[{"type":"string"}],"pattern":"^x$","format":"email"}"#,
            "12"
        )
        .is_empty());
        assert!(run("true", "12").is_empty());
        assert!(run("{}", r#"{"a":[1,{"b":null}]}"#).is_empty());
        assert!(run(
            r#"{"type":"object","properties":{"a":"not a schema"}}"#,
            r#"{"a":1}"#
        )
        .is_empty());
        assert_eq!(
            run(r#"{"properties":{"a":false}}"#, r#"{"a":1}"#),
            ["a: is not allowed here"]
        );
        assert!(run(r#"{"minimum":"x","minLength":-1,"type":7}"#, r#""""#).is_empty());
    }

    #[test]
    fn issues_are_capped_and_serialized() {
        let s = r#"{"type":"array","items":{"type":"string"}}"#;
        let v = format!("[{}]", vec!["1"; 30].join(","));
        let issues = check(&json::parse(s).unwrap(), &json::parse(&v).unwrap());
        assert_eq!(issues.len(), MAX_ISSUES + 1);
        assert_eq!(issues[MAX_ISSUES].message, "and 10 more problems");
        let one = vec![Issue::new(
            vec![Seg::Key("a\"b".into()), Seg::Index(2)],
            "is required",
        )];
        assert_eq!(
            issues_json(&one),
            r#"[{"path":["a\"b",2],"message":"is required"}]"#
        );
        assert_eq!(describe(&one), "- a\"b[2]: is required");
        assert_eq!(issues_json(&[]), "[]");
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        /// Schema-like JSON: objects with the checked keywords (and junk) nested a few levels.
        fn arb_schema() -> impl Strategy<Value = serde_json::Value> {
            use serde_json::json;
            let leaf = prop_oneof![
                Just(json!({"type": "string", "minLength": 1, "maxLength": 3})),
                Just(json!({"type": ["integer", "null"], "minimum": -2, "exclusiveMaximum": 5.5})),
                Just(json!({"enum": ["a", 1, null, [1]]})),
                Just(json!({"const": {"x": 1}})),
                Just(json!(true)),
                Just(json!(false)),
                Just(json!({"type": 7, "minimum": "x", "items": 3, "required": "no"})),
            ];
            leaf.prop_recursive(4, 32, 4, |inner| {
                prop_oneof![
                    (proptest::collection::btree_map("[a-c]", inner.clone(), 0..3), any::<bool>()).prop_map(|(props, strict)| {
                        let required: Vec<_> = props.keys().cloned().collect();
                        json!({"type": "object", "properties": props, "required": required, "additionalProperties": !strict})
                    }),
                    inner.clone().prop_map(|i| json!({"type": "array", "items": i, "minItems": 1, "maxItems": 2})),
                    inner.prop_map(|i| json!({"additionalProperties": i})),
                ]
            })
        }

        fn arb_value() -> impl Strategy<Value = serde_json::Value> {
            use serde_json::Value as J;
            let leaf = prop_oneof![
                Just(J::Null),
                any::<bool>().prop_map(J::Bool),
                any::<i32>().prop_map(|n| J::from(n)),
                (-1e6f64..1e6).prop_map(|f| serde_json::json!(f)),
                "[a-c\\u{e9}]{0,4}".prop_map(J::String),
            ];
            leaf.prop_recursive(4, 32, 4, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..4).prop_map(J::Array),
                    proptest::collection::btree_map("[a-d]", inner, 0..4)
                        .prop_map(|m| J::Object(m.into_iter().collect())),
                ]
            })
        }

        proptest! {
            #[test]
            fn check_never_panics_and_paths_point_into_the_value(schema in arb_schema(), value in arb_value()) {
                let (st, vt) = (schema.to_string(), value.to_string());
                let s = json::parse(&st).unwrap();
                let v = json::parse(&vt).unwrap();
                let issues = check(&s, &v);
                prop_assert!(issues.len() <= MAX_ISSUES + 1);
                for i in &issues {
                    prop_assert!(!i.message.is_empty());
                    // Every path but that of a missing member leads to a value in the document.
                    if i.message == "is required" || i.message.starts_with("and ") { continue; }
                    let mut at = &value;
                    for seg in &i.path {
                        at = match seg {
                            Seg::Key(k) => at.get(k.as_str()).unwrap(),
                            Seg::Index(n) => at.get(*n).unwrap(),
                        };
                    }
                }
                let text = issues_json(&issues);
                prop_assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
            }

            #[test]
            fn decimal_order_agrees_with_floats(a in -1e9f64..1e9, b in -1e9f64..1e9) {
                let d = |f: f64| number(&json::parse(&serde_json::json!(f).to_string()).unwrap()).unwrap();
                prop_assert_eq!(d(a).cmp(&d(b)), a.partial_cmp(&b).unwrap());
                prop_assert_eq!(d(a).is_integer(), a.fract() == 0.0);
            }
        }
    }
}
