//! The buffer limits a call obeys, and the errors that name them. Pure: no JavaScript types.

use crate::error::{Error, Kind};

/// The most bytes a non-2xx body is read for its error (the rest is cancelled unread).
pub const ERROR_BODY_BYTES: usize = crate::error::BODY_KEEP;
/// The default most bytes one stream event may hold (`maxEventBytes`): 16 MiB.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 16 << 20;
/// The default most bytes a whole (non-stream) response body may hold (`maxBodyBytes`): 64 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 << 20;

/// The most content blocks a messages stream may open.
pub const MAX_CONTENT_BLOCKS: usize = 4096;

/// The byte limits of one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `maxEventBytes`: the most bytes one stream event may hold.
    pub max_event_bytes: usize,
    /// `maxBodyBytes`: the most bytes a whole response body may hold.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_event_bytes: DEFAULT_MAX_EVENT_BYTES,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// Returns the error for a stream event larger than `maxEventBytes`.
pub fn event_too_big(limit: usize) -> Error {
    Error::new(
        Kind::Stream,
        too_big(
            "a stream event is larger than maxEventBytes (",
            limit,
            "maxEventBytes",
            "the server really sends events this big",
        ),
    )
}

/// Returns the error for a response body larger than `maxBodyBytes`.
pub fn body_too_big(limit: usize, status: u16) -> Error {
    let mut e = Error::new(
        Kind::Api,
        too_big(
            "the response body is larger than maxBodyBytes (",
            limit,
            "maxBodyBytes",
            "the answer is really this big",
        ),
    );
    e.status = Some(status);
    e
}

fn too_big(start: &str, limit: usize, option: &str, when: &str) -> String {
    let mut m = String::from(start);
    crate::json::push_u64(&mut m, limit as u64);
    m.push_str(" bytes); raise ");
    m.push_str(option);
    m.push_str(" (a client or call option) if ");
    m.push_str(when);
    m
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_limit_and_the_option() {
        let e = event_too_big(16 << 20);
        assert_eq!(e.kind, Kind::Stream);
        assert_eq!(e.message, "a stream event is larger than maxEventBytes (16777216 bytes); raise maxEventBytes (a client or call option) if the server really sends events this big");
        let e = body_too_big(1024, 200);
        assert_eq!(e.kind, Kind::Api);
        assert_eq!(e.status, Some(200));
        assert!(
            e.message.contains("maxBodyBytes (1024 bytes)"),
            "{}",
            e.message
        );
        assert_eq!(Limits::default().max_body_bytes, 64 << 20);
        assert_eq!(Limits::default().max_event_bytes, 16 << 20);
    }

    #[test]
    fn content_blocks_past_the_limit_fail_the_stream_and_change_nothing() {
        use crate::accumulate::chat::ChunkError;
        use crate::accumulate::messages::MessagesAccumulator;
        let mut acc = MessagesAccumulator::new();
        let start = r#"{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","content":[]}}"#;
        acc.push(None, start).unwrap();
        let block = |i: usize| {
            format!(
                r#"{{"type":"content_block_start","index":{i},"content_block":{{"type":"text","text":"b"}}}}"#
            )
        };
        // Highest index first: each insert would shift every block (quadratic without a cap).
        for i in (0..MAX_CONTENT_BLOCKS).rev() {
            acc.push(None, &block(i + 10)).unwrap();
        }
        let before = acc.finish();
        match acc.push(None, &block(0)) {
            Err(ChunkError::Shape(m)) => assert!(m.contains("4096 content blocks"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(acc.finish(), before);
        // A block already open can still be restarted, and deltas still land.
        acc.push(None, &block(10)).unwrap();
        let delta =
            r#"{"type":"content_block_delta","index":11,"delta":{"type":"text_delta","text":"+"}}"#;
        acc.push(None, delta).unwrap();
        assert!(acc.finish().contains(r#""text":"b+""#));
    }
}
