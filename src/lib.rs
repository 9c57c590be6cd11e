//! aibadgr: the JavaScript client for AI Badgr, compiled from Rust to one small `.wasm`.
//!
//! Data flows one way: JS request → [`validate`] → [`fetch`] (retries, timeouts, aborts) →
//! status check → body: JSON, or bytes → [`sse`] events → [`accumulate`] / [`messages`] →
//! JS chunks through [`stream`]. The pure parts ([`json`], [`sse`], [`accumulate`],
//! [`messages`], [`retry`], [`embed`], [`ratelimit`], [`usage`], [`log`]) have no wasm types and are tested natively; the
//! wasm-bindgen face is [`client`].
#![deny(missing_docs)]
#![forbid(unsafe_code)]
// `Error` is about 200 bytes on a 64-bit host (110 on wasm32, under the lint's 128 there):
// errors are rare, and the shipped target never sees the lint.
#![allow(clippy::result_large_err)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )
)]

/// Declares the modules: crate-private in the shipped build, so the compiler reports dead code;
/// public (hidden from the docs) with the `testing` feature, which the native tests and the fuzz
/// crate turn on to reach the pure core.
macro_rules! modules {
    ($($m:ident),* $(,)?) => {
        $(
            #[cfg(feature = "testing")]
            #[doc(hidden)]
            pub mod $m;
            #[cfg(not(feature = "testing"))]
            mod $m;
        )*
    };
}

// The core: plain Rust, no JavaScript types (checked by tests/layers.sh).
modules!(
    accumulate, config, embed, endpoint, error, first, job, json, limits, log, messages, partial,
    plan, ratelimit, redact, replay, retry, schema, sse, structured, tool_loop, usage, validate
);

// The wasm face: the class, the fetch driver, the stream bridge, the JS classes.
modules!(
    body, call, client, fetch, glue, jserror, jsval, logger, meta, open, options, runner, stream
);

pub use client::AiBadgr;
pub use error::{Error, Kind};
