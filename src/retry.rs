//! When to retry and how long to wait: pure functions, tested natively.

/// The longest server-requested wait that is honoured; longer ones fall back to backoff.
pub const MAX_RETRY_AFTER_MS: f64 = 60_000.0;

/// Returns whether a response with `status` should be retried. A `x-should-retry` header of
/// `true` or `false` overrides the status rule (408, 409, 429 and 5xx retry).
pub fn should_retry(status: u16, should_retry_header: Option<&str>) -> bool {
    match should_retry_header {
        Some("true") => true,
        Some("false") => false,
        _ => matches!(status, 408 | 409 | 429) || status >= 500,
    }
}

/// Exponential backoff with jitter: 0.5 s · 2ⁿ, at most 8 s, minus up to 25 %.
/// `retries_done` counts retries already made; `random` is in [0, 1) (NaN counts as 0).
pub fn backoff_ms(retries_done: u32, random: f64) -> f64 {
    let base = (500.0 * f64::from(1u32 << retries_done.min(5))).min(8_000.0);
    let random = if random.is_nan() {
        0.0
    } else {
        random.clamp(0.0, 1.0)
    };
    base * (1.0 - random * 0.25)
}

/// Chooses the wait a server asked for: `retry-after-ms`, else `retry-after` as seconds, else
/// `retry-after` as an HTTP date (given as milliseconds from now). Only waits from 0 to 60 s
/// count; anything else (missing, negative, NaN, too long) returns `None`.
pub fn server_wait_ms(
    retry_after_ms: Option<f64>,
    retry_after_secs: Option<f64>,
    date_from_now_ms: Option<f64>,
) -> Option<f64> {
    let ok = |v: f64| v.is_finite() && (0.0..=MAX_RETRY_AFTER_MS).contains(&v);
    if let Some(ms) = retry_after_ms.filter(|v| ok(*v)) {
        return Some(ms);
    }
    if let Some(s) = retry_after_secs.filter(|v| v.is_finite()) {
        return Some(s * 1000.0).filter(|v| ok(*v));
    }
    date_from_now_ms.map(|v| v.max(0.0)).filter(|v| ok(*v))
}

/// Returns the HTTP status an error payload sent inside a `200` event stream stands for, from
/// its `type` or `code` (OpenAI and Anthropic names, or a numeric code), so that an error that
/// arrives before the first token is retried, or falls back, as that status would be.
/// `None` for anything unknown (and for `insufficient_quota`: waiting does not help).
pub fn status_for_error(kind: Option<&str>, code: Option<&str>) -> Option<u16> {
    let named = |name: &str| match name {
        "overloaded_error" | "overloaded" => Some(529),
        "rate_limit_error"
        | "rate_limit_exceeded"
        | "rate_limit"
        | "too_many_requests"
        | "requests"
        | "tokens" => Some(429),
        "api_error" | "server_error" | "internal_server_error" | "internal_error" => Some(500),
        "service_unavailable" | "service_unavailable_error" | "unavailable" => Some(503),
        "timeout_error" | "timeout" | "gateway_timeout" => Some(504),
        "request_timeout" => Some(408),
        "invalid_request_error" | "bad_request" => Some(400),
        "authentication_error" | "invalid_api_key" => Some(401),
        "permission_error" => Some(403),
        "not_found_error" | "model_not_found" => Some(404),
        _ => None,
    };
    let numeric = code
        .and_then(|c| c.parse::<u16>().ok())
        .filter(|n| (400..600).contains(n));
    numeric
        .or_else(|| code.and_then(named))
        .or_else(|| kind.and_then(named))
}

/// Reads a header's number: digits with an optional fraction (`1`, `1.5`, ` 150 `), as
/// `retry-after` and `retry-after-ms` send them; anything else is `None`. (Rust's own float
/// parser would add 10 kB to the `.wasm` for this one use.)
pub fn header_number(s: &str) -> Option<f64> {
    let t = s.trim().as_bytes();
    let (int, frac) = match t.iter().position(|&b| b == b'.') {
        Some(i) => (t.get(..i)?, t.get(i + 1..).filter(|f| !f.is_empty())?),
        None => (t, &[][..]),
    };
    if int.is_empty() || int.len() > 15 || frac.len() > 15 {
        return None;
    }
    let digits = |d: &[u8]| -> Option<f64> {
        d.iter().try_fold(0.0, |n, &b| {
            b.is_ascii_digit().then(|| n * 10.0 + f64::from(b - b'0'))
        })
    };
    let whole = digits(int)?;
    let part = digits(frac)? / 10f64.powi(frac.len() as i32);
    Some(whole + part)
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    #[test]
    fn header_numbers() {
        assert_eq!(header_number("1"), Some(1.0));
        assert_eq!(header_number(" 150 "), Some(150.0));
        assert_eq!(header_number("1.5"), Some(1.5));
        assert_eq!(header_number("0.25"), Some(0.25));
        for bad in [
            "",
            " ",
            "-1",
            "+1",
            "1e3",
            "NaN",
            "inf",
            "1.",
            ".5",
            "1.2.3",
            "0x10",
            "Wed, 21 Oct 2026 07:28:00 GMT",
        ] {
            assert_eq!(header_number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn statuses() {
        for s in [408, 409, 429, 500, 502, 503, 504, 529] {
            assert!(should_retry(s, None), "{s}");
        }
        for s in [400, 401, 403, 404, 422] {
            assert!(!should_retry(s, None), "{s}");
        }
        assert!(should_retry(400, Some("true")));
        assert!(!should_retry(503, Some("false")));
        assert!(should_retry(503, Some("maybe")));
    }

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff_ms(0, 0.0), 500.0);
        assert_eq!(backoff_ms(1, 0.0), 1000.0);
        assert_eq!(backoff_ms(3, 0.0), 4000.0);
        assert_eq!(backoff_ms(4, 0.0), 8000.0);
        assert_eq!(backoff_ms(30, 0.0), 8000.0);
        assert_eq!(backoff_ms(0, 1.0), 375.0);
        for n in 0..10 {
            let b = backoff_ms(n, 0.7);
            assert!(b >= 375.0 && b <= 8000.0);
        }
        // Found by the retry fuzz target: a NaN random value gave a NaN wait (an instant retry).
        assert_eq!(backoff_ms(2, f64::NAN), 2000.0);
        assert_eq!(backoff_ms(2, f64::INFINITY), 1500.0);
        assert_eq!(backoff_ms(2, -3.0), 2000.0);
    }

    #[test]
    fn error_payload_statuses() {
        assert_eq!(status_for_error(Some("overloaded_error"), None), Some(529));
        assert_eq!(
            status_for_error(Some("requests"), Some("rate_limit_exceeded")),
            Some(429)
        );
        assert_eq!(status_for_error(Some("server_error"), None), Some(500));
        assert_eq!(status_for_error(None, Some("503")), Some(503));
        assert_eq!(
            status_for_error(Some("server_error"), Some("429")),
            Some(429)
        );
        assert_eq!(
            status_for_error(Some("invalid_request_error"), None),
            Some(400)
        );
        assert_eq!(
            status_for_error(Some("invalid_request_error"), Some("model_not_found")),
            Some(404)
        );
        assert_eq!(
            status_for_error(Some("insufficient_quota"), Some("insufficient_quota")),
            None
        );
        assert_eq!(status_for_error(None, Some("200")), None);
        assert_eq!(status_for_error(None, None), None);
        for (k, retry) in [
            ("overloaded_error", true),
            ("rate_limit_error", true),
            ("api_error", true),
            ("invalid_request_error", false),
        ] {
            assert_eq!(
                status_for_error(Some(k), None).is_some_and(|s| should_retry(s, None)),
                retry,
                "{k}"
            );
        }
    }

    #[test]
    fn server_waits() {
        assert_eq!(server_wait_ms(Some(150.0), Some(2.0), None), Some(150.0));
        assert_eq!(server_wait_ms(None, Some(2.0), None), Some(2000.0));
        assert_eq!(server_wait_ms(None, Some(61.0), None), None);
        assert_eq!(server_wait_ms(Some(-1.0), Some(1.0), None), Some(1000.0));
        assert_eq!(
            server_wait_ms(Some(f64::NAN), None, Some(3000.0)),
            Some(3000.0)
        );
        assert_eq!(server_wait_ms(None, None, Some(-500.0)), Some(0.0));
        assert_eq!(server_wait_ms(None, None, Some(120_000.0)), None);
        assert_eq!(server_wait_ms(None, None, None), None);
    }
}
