//! The decisions of one call, as a state machine: send to a model; after a failure, retry
//! after N ms, fall back to the next model, or fail; and never start a wait that would end
//! past the whole call's deadline. Pure: the face performs each step (fetch, sleep) and feeds
//! back what happened, with the clock's reading, so every rule is tested natively with a
//! fake clock.

use crate::error::{Error, Kind};
use crate::retry;

/// What the face does after a failed attempt (the first attempt goes to `models[0]`).
#[derive(Debug)]
pub enum Step {
    /// Fall back: send the request to `models[model]`; `from` is the error that made the
    /// previous one give up, for the log.
    Send {
        /// The index of the model to send to.
        model: usize,
        /// Why the previous model was left.
        from: Error,
    },
    /// Wait `ms`, then send to the same model again (`retry` counts from 1; `error` is what
    /// asked for it, for the log).
    Wait {
        /// How long to wait.
        ms: f64,
        /// Which retry this is (1 for the first).
        retry: u32,
        /// The failure being retried.
        error: Error,
    },
    /// Give up with this error.
    Fail(Error),
}

/// One call's progress through its models, retries and deadline.
#[derive(Debug)]
pub struct Plan {
    models: usize,
    model: usize,
    max_retries: u32,
    retries: u32,
    attempts: u32,
    deadline: f64,
    timeout_ms: f64,
}

impl Plan {
    /// Plans a call over `models` models (at least one), with `max_retries` retries per model
    /// and a whole-call `timeout_ms`, started at `now` (ms on the face's clock).
    pub fn new(models: usize, max_retries: u32, timeout_ms: f64, now: f64) -> Plan {
        Plan {
            models: models.max(1),
            model: 0,
            max_retries,
            retries: 0,
            attempts: 0,
            deadline: now + timeout_ms,
            timeout_ms,
        }
    }

    /// Records that a request is being sent (`response.attempts` counts them).
    pub fn sent(&mut self) {
        self.attempts += 1;
    }

    /// The requests sent so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The index of the model being called.
    pub fn model(&self) -> usize {
        self.model
    }

    /// Whether another model is left after this one.
    pub fn more_models(&self) -> bool {
        self.model + 1 < self.models
    }

    /// Decides what follows a failed attempt at `now`, given a uniform `random` in [0, 1) for
    /// the backoff's jitter: a retryable failure waits (the server's `retry-after`, else
    /// backoff) and goes again while retries are left; then a failure that another model
    /// could survive falls back; anything else fails. A wait that would end past the deadline
    /// fails at once with a timeout (instead of sleeping into it).
    pub fn failed(&mut self, err: Error, now: f64, random: f64) -> Step {
        if err.retryable && self.retries < self.max_retries {
            let ms = match err.retry_after_ms {
                Some(ms) => f64::from(ms),
                None => retry::backoff_ms(self.retries, random),
            };
            if now + ms >= self.deadline {
                return Step::Fail(self.past_deadline(&err, ms));
            }
            self.retries += 1;
            return Step::Wait {
                ms,
                retry: self.retries,
                error: err,
            };
        }
        if self.more_models() && can_fall_back(&err) {
            self.model += 1;
            self.retries = 0;
            return Step::Send {
                model: self.model,
                from: err,
            };
        }
        Step::Fail(err)
    }

    /// Whether an error that arrived as a stream's first event (nothing reached the caller
    /// yet) should be acted on: retried or handed to the next model. If not, the stream is
    /// delivered with the error in it.
    pub fn acts_on_first_event(&self, err: &Error) -> bool {
        (err.retryable && self.retries < self.max_retries)
            || (self.more_models() && can_fall_back(err))
    }

    fn past_deadline(&self, err: &Error, wait: f64) -> Error {
        let mut m = String::from("the request would take longer than timeoutMs (");
        crate::json::push_u64(&mut m, self.timeout_ms as u64);
        m.push_str(" ms): the next retry is ");
        crate::json::push_u64(&mut m, wait as u64);
        m.push_str(" ms away; raise timeoutMs, or try again later");
        let mut e = Error::new(Kind::Timeout, m);
        e.status = err.status;
        e.request_id = err.request_id.clone();
        e.response = None;
        e
    }
}

/// Whether a failed model should hand over to the next one in `fallbackModels` (an error
/// event that came before the first token counts like the status it stands for).
pub fn can_fall_back(e: &Error) -> bool {
    match e.kind {
        Kind::Network => true,
        Kind::Api | Kind::Stream => {
            e.retryable || e.status == Some(404) || e.code.as_deref() == Some("model_not_found")
        }
        _ => false,
    }
}

/// Completes an error from a non-2xx response with what its headers say about retrying:
/// `x-should-retry`, `retry-after-ms`, `retry-after` (seconds, or an HTTP date that the face
/// has turned into `date_from_now_ms`).
pub fn read_retry_headers(
    e: &mut Error,
    status: u16,
    header: &dyn Fn(&str) -> Option<String>,
    date_from_now_ms: &dyn Fn(&str) -> Option<f64>,
) {
    e.retryable = retry::should_retry(status, header("x-should-retry").as_deref());
    let number = |s: Option<String>| s.as_deref().and_then(retry::header_number);
    let ra = header("retry-after");
    let secs = number(ra.clone());
    let date = match (&ra, secs) {
        (Some(d), None) if !d.trim().is_empty() => date_from_now_ms(d),
        _ => None,
    };
    e.retry_after_ms =
        retry::server_wait_ms(number(header("retry-after-ms")), secs, date).map(|v| v as u32);
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    //! The fault matrix (tests/js/matrix.mjs) row by row, as far as a row is the call's
    //! decision: a scripted server and a fake clock drive the machine exactly as the face does.
    use super::*;

    /// What one attempt met.
    #[derive(Clone)]
    enum Met {
        /// A 2xx answer.
        Ok,
        /// A status with headers (name, value) and a body.
        Status(u16, &'static [(&'static str, &'static str)], &'static str),
        /// No response (connection refused or reset before the headers).
        Network,
        /// The body broke after the headers (not retried: the face marks it so).
        BodyBroke,
        /// The caller's signal fired.
        Aborted,
        /// A stream whose first event was this error payload (`type`, `code`).
        FirstEvent(&'static str),
    }

    #[derive(Debug, Default)]
    struct Trace {
        attempts: u32,
        sent_to: Vec<usize>,
        waits: Vec<f64>,
        clock: f64,
        ok: bool,
        error: Option<Error>,
        delivered_with_error: bool,
    }

    fn error_for(met: &Met) -> Error {
        match met {
            Met::Ok => unreachable!(),
            Met::Status(status, headers, body) => {
                let mut e = Error::from_response(*status, body, None);
                let find = |n: &str| {
                    headers
                        .iter()
                        .find(|(k, _)| *k == n)
                        .map(|(_, v)| v.to_string())
                };
                // An HTTP date in `retry-after` is 3 s from the fake clock's now.
                read_retry_headers(&mut e, *status, &find, &|_| Some(3000.0));
                e
            }
            Met::Network => {
                let mut e = Error::new(Kind::Network, "could not reach the server");
                e.retryable = true;
                e
            }
            Met::BodyBroke => Error::new(Kind::Network, "the connection broke"),
            Met::Aborted => Error::new(Kind::Aborted, "aborted"),
            Met::FirstEvent(kind) => {
                let mut e =
                    Error::from_stream_payload(String::new(), Some(kind.to_string()), None, None);
                let status = retry::status_for_error(Some(kind), None);
                e.status = status;
                e.retryable = status.is_some_and(|s| retry::should_retry(s, None));
                e
            }
        }
    }

    /// Runs the machine over `script` (one entry per attempt; past its end every attempt is
    /// `Ok`), with `models` models, `max_retries` and `timeout`; each attempt takes 10 ms.
    fn run(script: &[Met], models: usize, max_retries: u32, timeout: f64) -> Trace {
        let mut t = Trace::default();
        let mut plan = Plan::new(models, max_retries, timeout, 0.0);
        let mut step = Step::Send {
            model: 0,
            from: Error::new(Kind::Config, "the first attempt"),
        };
        loop {
            match step {
                Step::Send { model, .. } => t.sent_to.push(model),
                Step::Wait { ms, .. } => {
                    t.waits.push(ms);
                    t.clock += ms;
                }
                Step::Fail(e) => {
                    t.error = Some(e);
                    break;
                }
            }
            plan.sent();
            t.attempts = plan.attempts();
            let met = script
                .get(t.attempts as usize - 1)
                .cloned()
                .unwrap_or(Met::Ok);
            t.clock += 10.0;
            if t.clock >= timeout {
                t.error = Some(Error::new(Kind::Timeout, "timeoutMs ran out"));
                break;
            }
            let e = match met {
                Met::Ok => {
                    t.ok = true;
                    break;
                }
                Met::FirstEvent(_) => {
                    let e = error_for(&met);
                    if !plan.acts_on_first_event(&e) {
                        t.ok = true;
                        t.delivered_with_error = true;
                        break;
                    }
                    e
                }
                ref m => error_for(m),
            };
            step = plan.failed(e, t.clock, 0.0);
        }
        t
    }

    const OPENAI_500: &str =
        r#"{"error":{"message":"The server had an error","type":"server_error","code":null}}"#;
    const NOT_FOUND: &str = r#"{"error":{"message":"The model `x` does not exist","type":"invalid_request_error","code":"model_not_found"}}"#;

    #[test]
    fn retry_after_seconds_is_honoured() {
        let t = run(
            &[Met::Status(429, &[("retry-after", "1")], "{}")],
            1,
            2,
            600_000.0,
        );
        assert!(t.ok);
        assert_eq!(t.attempts, 2);
        assert_eq!(t.waits, [1000.0]);
    }

    #[test]
    fn retry_after_ms_wins_over_retry_after() {
        let h: &[(&str, &str)] = &[("retry-after-ms", "150"), ("retry-after", "30")];
        let t = run(&[Met::Status(429, h, "{}")], 1, 2, 8000.0);
        assert!(t.ok);
        assert_eq!(t.waits, [150.0]);
    }

    #[test]
    fn an_http_date_in_retry_after_is_honoured() {
        let h: &[(&str, &str)] = &[("retry-after", "Wed, 21 Oct 2026 07:28:00 GMT")];
        let t = run(&[Met::Status(503, h, "")], 1, 2, 600_000.0);
        assert_eq!(t.waits, [3000.0]);
    }

    #[test]
    fn two_503s_back_off_exponentially_then_succeed() {
        let t = run(
            &[Met::Status(503, &[], ""), Met::Status(503, &[], "")],
            1,
            2,
            600_000.0,
        );
        assert!(t.ok);
        assert_eq!(t.attempts, 3);
        assert_eq!(t.waits, [500.0, 1000.0]);
    }

    #[test]
    fn retries_run_out_with_the_servers_error() {
        let script = vec![Met::Status(500, &[], OPENAI_500); 10];
        let t = run(&script, 1, 2, 600_000.0);
        assert_eq!(t.attempts, 3, "maxRetries 2: three attempts");
        let e = t.error.unwrap();
        assert_eq!((e.kind, e.status), (Kind::Api, Some(500)));
        assert_eq!(run(&script, 1, 4, 600_000.0).attempts, 5);
    }

    #[test]
    fn client_errors_are_not_retried() {
        for status in [400, 401, 403, 404, 422] {
            let t = run(&[Met::Status(status, &[], "{}")], 1, 2, 600_000.0);
            assert_eq!(t.attempts, 1, "{status}");
            assert_eq!(t.error.unwrap().status, Some(status));
        }
    }

    #[test]
    fn timeouts_and_conflicts_are_retried() {
        for status in [408, 409] {
            let t = run(
                &[Met::Status(status, &[("retry-after-ms", "10")], "")],
                1,
                2,
                600_000.0,
            );
            assert!(t.ok, "{status}");
            assert_eq!(t.attempts, 2);
        }
    }

    #[test]
    fn a_network_failure_before_headers_is_retried_until_retries_run_out() {
        assert!(run(&[Met::Network], 1, 2, 600_000.0).ok);
        let t = run(&[Met::Network, Met::Network], 1, 1, 600_000.0);
        assert_eq!(t.attempts, 2);
        assert_eq!(t.error.unwrap().kind, Kind::Network);
    }

    #[test]
    fn a_broken_body_is_not_retried() {
        let t = run(&[Met::BodyBroke], 1, 2, 600_000.0);
        assert_eq!(t.attempts, 1);
        assert_eq!(t.error.unwrap().kind, Kind::Network);
    }

    #[test]
    fn an_html_502_is_retried_when_allowed() {
        let t = run(
            &[Met::Status(502, &[], "<html>502 Bad Gateway</html>")],
            1,
            0,
            600_000.0,
        );
        assert_eq!(t.attempts, 1);
        let e = t.error.unwrap();
        assert_eq!(e.status, Some(502));
        assert!(e.body.is_some());
        assert!(run(&[Met::Status(502, &[], "<html></html>")], 1, 2, 600_000.0).ok);
    }

    #[test]
    fn an_abort_is_never_retried_nor_handed_on() {
        let t = run(&[Met::Aborted], 3, 2, 600_000.0);
        assert_eq!(t.attempts, 1);
        assert_eq!(t.error.unwrap().kind, Kind::Aborted);
    }

    #[test]
    fn model_not_found_falls_back_and_the_last_error_wins() {
        let t = run(&[Met::Status(404, &[], NOT_FOUND)], 3, 2, 600_000.0);
        assert!(t.ok);
        assert_eq!(t.sent_to, [0, 1]);
        let all = vec![Met::Status(404, &[], NOT_FOUND); 3];
        let t = run(&all, 3, 2, 600_000.0);
        assert_eq!(t.sent_to, [0, 1, 2]);
        assert_eq!(t.attempts, 3);
        assert_eq!(t.error.unwrap().code.as_deref(), Some("model_not_found"));
    }

    #[test]
    fn retryable_failures_fall_back_after_their_retries() {
        let t = run(
            &[Met::Status(503, &[], ""), Met::Status(503, &[], "")],
            3,
            0,
            600_000.0,
        );
        assert!(t.ok);
        assert_eq!(t.sent_to, [0, 1, 2]);
        assert!(t.waits.is_empty());
        // Retries are per model: one retry on each of two models.
        let script = vec![Met::Status(503, &[("retry-after-ms", "5")], ""); 3];
        let t = run(&script, 2, 1, 600_000.0);
        assert_eq!(t.sent_to, [0, 1]);
        assert_eq!(t.waits, [5.0, 5.0]);
        assert_eq!(t.attempts, 4);
        assert!(t.ok);
    }

    #[test]
    fn a_client_error_does_not_fall_back() {
        let t = run(&[Met::Status(400, &[], "{}")], 2, 2, 600_000.0);
        assert_eq!((t.attempts, t.sent_to.len()), (1, 1));
    }

    #[test]
    fn x_should_retry_overrides_the_status() {
        let no: &[(&str, &str)] = &[("x-should-retry", "false")];
        assert_eq!(
            run(&[Met::Status(503, no, "")], 1, 2, 600_000.0).attempts,
            1
        );
        let yes: &[(&str, &str)] = &[("x-should-retry", "true"), ("retry-after-ms", "10")];
        let t = run(&[Met::Status(400, yes, "")], 1, 2, 600_000.0);
        assert!(t.ok);
        assert_eq!(t.attempts, 2);
    }

    #[test]
    fn the_deadline_bounds_retries() {
        let script = vec![Met::Status(503, &[("retry-after", "1")], ""); 10];
        let t = run(&script, 1, 5, 1500.0);
        let e = t.error.unwrap();
        assert_eq!(e.kind, Kind::Timeout);
        assert!(e.message.contains("timeoutMs (1500 ms)"), "{}", e.message);
        assert_eq!(e.status, Some(503));
        assert_eq!(
            t.attempts, 2,
            "attempts at 0 s and 1 s; the next wait would end past 1.5 s"
        );
        assert!(
            t.clock < 1500.0,
            "it failed without sleeping into the deadline"
        );
    }

    #[test]
    fn a_first_event_error_is_retried_like_its_status_or_left_in_the_stream() {
        // overloaded_error stands for 529: retried.
        let t = run(&[Met::FirstEvent("overloaded_error")], 1, 2, 600_000.0);
        assert!(t.ok && !t.delivered_with_error);
        assert_eq!(t.attempts, 2);
        // invalid_request_error stands for 400: delivered in the stream, not retried.
        let t = run(&[Met::FirstEvent("invalid_request_error")], 1, 2, 600_000.0);
        assert!(t.delivered_with_error);
        assert_eq!(t.attempts, 1);
        // Retries used up: the last one is delivered with its error.
        let all = vec![Met::FirstEvent("rate_limit_error"); 5];
        let t = run(&all, 1, 1, 600_000.0);
        assert!(t.delivered_with_error);
        assert_eq!(t.attempts, 2);
        // With another model left, a retryable one falls back after its retries.
        let t = run(&all, 2, 0, 600_000.0);
        assert_eq!(t.sent_to, [0, 1]);
        assert!(t.delivered_with_error);
    }

    #[test]
    fn bad_wait_headers_fall_back_to_backoff() {
        const BAD: [&[(&str, &str)]; 5] = [
            &[("retry-after-ms", "-1")],
            &[("retry-after-ms", "NaN")],
            &[("retry-after-ms", "abc")],
            &[("retry-after-ms", "")],
            &[("retry-after-ms", "100000")],
        ];
        for h in BAD {
            let t = run(&[Met::Status(503, h, "")], 1, 1, 600_000.0);
            assert_eq!(t.waits, [500.0], "{h:?}");
        }
    }
}
