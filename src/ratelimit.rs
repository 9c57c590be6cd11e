//! Rate-limit headers → `response.rateLimit`: pure parsing, tested natively.
//!
//! OpenAI-style servers send `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, the reset
//! times as Go durations (`6m0s`, `1s`, `20ms`, `1h2m3.5s`); a 429 or 503 may add `retry-after`
//! (seconds or an HTTP date) or `retry-after-ms`. Everything becomes whole milliseconds, and the
//! result is written as JSON text for `JSON.parse` (no float formatting in the `.wasm`).
//! Anthropic-style servers (`/messages`) send `anthropic-ratelimit-{requests,tokens}-{limit,
//! remaining,reset}` instead, the reset as an RFC 3339 time; they fill the same shape when the
//! OpenAI-style header is absent.

/// One budget (requests or tokens): what the window allows, what is left, when it refills.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Budget {
    /// `x-ratelimit-limit-*`.
    pub limit: Option<u64>,
    /// `x-ratelimit-remaining-*`.
    pub remaining: Option<u64>,
    /// `x-ratelimit-reset-*`, in milliseconds from the response.
    pub reset_ms: Option<u64>,
}

impl Budget {
    fn is_empty(&self) -> bool {
        self.limit.is_none() && self.remaining.is_none() && self.reset_ms.is_none()
    }
}

/// The rate-limit state a response reported.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RateLimit {
    /// The request budget.
    pub requests: Budget,
    /// The token budget.
    pub tokens: Budget,
    /// The wait the server asked for (`retry-after-ms`, else `retry-after`), in milliseconds.
    pub retry_after_ms: Option<u64>,
}

/// Reads the rate-limit headers. `header(name)` returns a header's value (names are lowercase);
/// `date_from_now_ms(text)` turns an HTTP date into milliseconds from now (the caller has a
/// clock; this module does not). Returns `None` when the response carries none of them.
#[inline(never)]
pub fn parse(
    header: impl Fn(&str) -> Option<String>,
    date_from_now_ms: impl Fn(&str) -> Option<f64>,
) -> Option<RateLimit> {
    let at = |text: &str| {
        date_from_now_ms(text.trim())
            .filter(|v| v.is_finite())
            .map(|v| round(v.max(0.0)))
    };
    let budget = |kind: &str| {
        let name = |prefix: &str, a: &str, b: &str| {
            let mut n = String::from(prefix);
            n.push_str(a);
            n.push('-');
            n.push_str(b);
            n
        };
        // `x-ratelimit-limit-requests`, else `anthropic-ratelimit-requests-limit`.
        let x = |what: &str| header(&name("x-ratelimit-", what, kind));
        let anthropic = |what: &str| header(&name("anthropic-ratelimit-", kind, what));
        Budget {
            limit: x("limit").or_else(|| anthropic("limit")).as_deref().and_then(count),
            remaining: x("remaining")
                .or_else(|| anthropic("remaining"))
                .as_deref()
                .and_then(count),
            reset_ms: match x("reset") {
                Some(d) => duration_ms(&d),
                None => anthropic("reset").as_deref().and_then(at),
            },
        }
    };
    let retry_after_ms = header("retry-after-ms")
        .as_deref()
        .and_then(number)
        .map(round)
        .or_else(|| {
            let ra = header("retry-after")?;
            match number(ra.trim()) {
                Some(secs) => Some(round(secs * 1000.0)),
                None => at(&ra),
            }
        });
    let r = RateLimit {
        requests: budget("requests"),
        tokens: budget("tokens"),
        retry_after_ms,
    };
    if r.requests.is_empty() && r.tokens.is_empty() && r.retry_after_ms.is_none() {
        None
    } else {
        Some(r)
    }
}

/// Reads a whole count (`"60"`, `" 149984 "`); anything else is `None`.
fn count(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.is_empty() || s.len() > 15 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // At most 15 digits: no overflow.
    Some(s.bytes().fold(0u64, |n, b| n * 10 + u64::from(b - b'0')))
}

/// Reads a non-negative decimal (`"20"`, `"3.5"`, `".5"`) without the float parser.
fn number(s: &str) -> Option<f64> {
    // One pass: digits, at most one '.', at least one digit, at most 15 before the point.
    let (mut v, mut scale, mut digits, mut point) = (0.0, 1.0, 0, false);
    for b in s.trim().bytes() {
        match b {
            b'.' if !point => point = true,
            b'0'..=b'9' if point => {
                scale /= 10.0;
                v += f64::from(b - b'0') * scale;
                digits += 1;
            }
            b'0'..=b'9' => {
                v = v * 10.0 + f64::from(b - b'0');
                digits += 1;
                if digits > 15 {
                    return None;
                }
            }
            _ => return None,
        }
    }
    (digits > 0).then_some(v)
}

fn round(ms: f64) -> u64 {
    if ms.is_finite() && ms > 0.0 {
        (ms + 0.5) as u64
    } else {
        0
    }
}

/// Reads a reset time as milliseconds: a Go duration (`6m0s`, `1s`, `20ms`, `1h2m3.5s`,
/// `250us`, `1.5m`) or a bare number of seconds (`"12"`, `"0.5"`). Anything else is `None`.
#[inline(never)]
pub fn duration_ms(s: &str) -> Option<u64> {
    let s = s.trim();
    if let Some(secs) = number(s) {
        return Some(round(secs * 1000.0));
    }
    let mut rest = s;
    let mut total = 0.0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest
            .bytes()
            .position(|b| !(b.is_ascii_digit() || b == b'.'))
            .unwrap_or(rest.len());
        let value = number(rest.get(..digits)?)?;
        rest = rest.get(digits..)?;
        let unit_len = rest
            .bytes()
            .position(|b| b.is_ascii_digit() || b == b'.')
            .unwrap_or(rest.len());
        let per_ms = match rest.get(..unit_len)? {
            "h" => 3_600_000.0,
            "m" => 60_000.0,
            "s" => 1000.0,
            "ms" => 1.0,
            "us" | "\u{b5}s" | "\u{3bc}s" => 0.001,
            "ns" => 0.000_001,
            _ => return None,
        };
        total += value * per_ms;
        rest = rest.get(unit_len..)?;
    }
    Some(round(total))
}

impl RateLimit {
    /// Writes the JavaScript shape as JSON: `{ requests?: { limit?, remaining?, resetMs? },
    /// tokens?: {…}, retryAfterMs? }` (absent parts are left out).
    pub fn to_json(self) -> String {
        let mut out = String::from("{");
        let mut first = true;
        let mut key = |out: &mut String, k: &str| {
            if !first {
                out.push(',');
            }
            first = false;
            out.push('"');
            out.push_str(k);
            out.push_str("\":");
        };
        for (name, b) in [("requests", &self.requests), ("tokens", &self.tokens)] {
            if b.is_empty() {
                continue;
            }
            key(&mut out, name);
            out.push('{');
            let mut inner = true;
            for (k, v) in [
                ("limit", b.limit),
                ("remaining", b.remaining),
                ("resetMs", b.reset_ms),
            ] {
                if let Some(v) = v {
                    if !inner {
                        out.push(',');
                    }
                    inner = false;
                    out.push('"');
                    out.push_str(k);
                    out.push_str("\":");
                    crate::json::push_u64(&mut out, v);
                }
            }
            out.push('}');
        }
        if let Some(v) = self.retry_after_ms {
            key(&mut out, "retryAfterMs");
            crate::json::push_u64(&mut out, v);
        }
        out.push('}');
        out
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    fn headers<'a>(list: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |n| {
            list.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn durations() {
        assert_eq!(duration_ms("6m0s"), Some(360_000));
        assert_eq!(duration_ms("1s"), Some(1000));
        assert_eq!(duration_ms("20ms"), Some(20));
        assert_eq!(duration_ms("1h2m3.5s"), Some(3_723_500));
        assert_eq!(duration_ms("0s"), Some(0));
        assert_eq!(duration_ms("1.5m"), Some(90_000));
        assert_eq!(duration_ms("250us"), Some(0));
        assert_eq!(duration_ms("1500us"), Some(2));
        assert_eq!(duration_ms("12"), Some(12_000));
        assert_eq!(duration_ms(" 0.25 "), Some(250));
        for bad in ["", "s", "5x", "1h-2m", "abc", "1..2s", "ms", "-1s", "1 s"] {
            assert_eq!(duration_ms(bad), None, "{bad}");
        }
    }

    #[test]
    fn generated_durations_and_junk() {
        // A seeded, bounded property check: composed Go durations parse to their sum, and any
        // string over a hostile alphabet parses without panicking.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for _ in 0..20_000 {
            let (h, m, sec, ms) = (next(30), next(60), next(60), next(1000));
            let mut text = String::new();
            let mut want = 0;
            for (v, unit, per) in [
                (h, "h", 3_600_000),
                (m, "m", 60_000),
                (sec, "s", 1000),
                (ms, "ms", 1),
            ] {
                if next(2) == 0 {
                    text.push_str(&v.to_string());
                    text.push_str(unit);
                    want += v * per;
                }
            }
            if text.is_empty() {
                text.push_str("0s");
            }
            assert_eq!(duration_ms(&text), Some(want), "{text}");
            const ALPHABET: [char; 19] = [
                '0', '1', '5', '9', '.', 'h', 'm', 's', 'u', 'n', '\u{b5}', '\u{3bc}', ' ', '-',
                'x', '+', 'e', '\u{e9}', '9',
            ];
            let junk: String = (0..next(12)).map(|_| ALPHABET[next(19) as usize]).collect();
            let _ = duration_ms(&junk);
            let _ = parse(
                |n| (n == "x-ratelimit-reset-tokens" || n == "retry-after").then(|| junk.clone()),
                |_| None,
            );
        }
    }

    #[test]
    fn openai_headers() {
        let h = [
            ("x-ratelimit-limit-requests", "60"),
            ("x-ratelimit-remaining-requests", "59"),
            ("x-ratelimit-reset-requests", "1s"),
            ("x-ratelimit-limit-tokens", "150000"),
            ("x-ratelimit-remaining-tokens", "149984"),
            ("x-ratelimit-reset-tokens", "6m0s"),
        ];
        let r = parse(headers(&h), |_| None).unwrap();
        assert_eq!(
            r.requests,
            Budget {
                limit: Some(60),
                remaining: Some(59),
                reset_ms: Some(1000)
            }
        );
        assert_eq!(
            r.tokens,
            Budget {
                limit: Some(150_000),
                remaining: Some(149_984),
                reset_ms: Some(360_000)
            }
        );
        assert_eq!(r.retry_after_ms, None);
        assert_eq!(
            r.to_json(),
            r#"{"requests":{"limit":60,"remaining":59,"resetMs":1000},"tokens":{"limit":150000,"remaining":149984,"resetMs":360000}}"#
        );
    }

    #[test]
    fn anthropic_headers() {
        let reset = "2026-12-01T21:00:30Z";
        let h = [
            ("anthropic-ratelimit-requests-limit", "50"),
            ("anthropic-ratelimit-requests-remaining", "49"),
            ("anthropic-ratelimit-requests-reset", reset),
            ("anthropic-ratelimit-tokens-limit", "40000"),
            ("anthropic-ratelimit-tokens-remaining", "39000"),
            ("anthropic-ratelimit-tokens-reset", "not a time"),
            ("anthropic-ratelimit-input-tokens-limit", "30000"),
            ("retry-after", "7"),
        ];
        let r = parse(headers(&h), |d| (d == reset).then_some(1500.0)).unwrap();
        assert_eq!(
            r.to_json(),
            r#"{"requests":{"limit":50,"remaining":49,"resetMs":1500},"tokens":{"limit":40000,"remaining":39000},"retryAfterMs":7000}"#
        );
        // An OpenAI-style header wins over its Anthropic-style twin.
        let both = [
            ("x-ratelimit-remaining-requests", "3"),
            ("anthropic-ratelimit-requests-remaining", "4"),
        ];
        let r = parse(headers(&both), |_| None).unwrap();
        assert_eq!(r.requests.remaining, Some(3));
    }

    #[test]
    fn retry_after_forms() {
        let r = parse(headers(&[("retry-after", "2")]), |_| None).unwrap();
        assert_eq!(r.retry_after_ms, Some(2000));
        assert_eq!(r.to_json(), r#"{"retryAfterMs":2000}"#);
        let r = parse(
            headers(&[("retry-after", "1.5"), ("retry-after-ms", "120")]),
            |_| None,
        )
        .unwrap();
        assert_eq!(r.retry_after_ms, Some(120));
        let date = "Wed, 21 Oct 2026 07:28:00 GMT";
        let r = parse(headers(&[("retry-after", date)]), |d| {
            (d == date).then_some(4200.4)
        })
        .unwrap();
        assert_eq!(r.retry_after_ms, Some(4200));
        let r = parse(headers(&[("retry-after", date)]), |_| Some(-50.0)).unwrap();
        assert_eq!(r.retry_after_ms, Some(0));
        assert_eq!(parse(headers(&[("retry-after", "soon")]), |_| None), None);
    }

    #[test]
    fn absent_or_garbage_is_none() {
        assert_eq!(parse(headers(&[]), |_| None), None);
        assert_eq!(
            parse(headers(&[("content-type", "application/json")]), |_| None),
            None
        );
        let junk = [
            ("x-ratelimit-limit-requests", "lots"),
            ("x-ratelimit-reset-tokens", "later"),
            ("x-ratelimit-remaining-tokens", "-3"),
        ];
        assert_eq!(parse(headers(&junk), |_| None), None);
        let partial = [
            ("x-ratelimit-remaining-tokens", "7"),
            ("x-ratelimit-limit-requests", "99999999999999999999"),
        ];
        let r = parse(headers(&partial), |_| None).unwrap();
        assert_eq!(r.to_json(), r#"{"tokens":{"remaining":7}}"#);
    }
}
