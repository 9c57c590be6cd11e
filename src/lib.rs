//! aibadgr: the JavaScript client for AI Badgr, compiled from Rust to one small `.wasm`.
//!
//! Two layers, each depending only on the one below (tests/layers.py checks it):
//! - **the core**, plain Rust with no JavaScript types, tested natively and fuzzed: `json`,
//!   `sse`, `partial`, the accumulators (`accumulate::chat`, `accumulate::messages`), `validate`, `config` (the
//!   option rules), `job` (a checked request and its models), `plan` (retry / wait / fall back /
//!   fail, with a deadline), `first` (a stream's first event), `pump` (its events into
//!   batches), `error`, `retry`, `limits`,
//!   `redact`, `text`, `replay`, `embed`, `ratelimit`, `usage`, `log`, `schema`, `tool_loop`,
//!   `structured`;
//! - **the wasm face**, which converts and performs what the core decides: `client` (the
//!   `AiBadgr` class), `options` and `jserror` (JS values in and out), `call` and `fetch` (one
//!   request, aborts, timers), `body`, `open` and `stream` (the body → events → chunks bridge),
//!   `meta`, `logger`, `runner` (tool loops and `parse()`), `glue` and `jsval`.
//!
//! Data flows one way: JS request → `options` / `validate` → `job` → `plan` → `fetch` →
//! status → body: JSON, or bytes → `sse` events → accumulators → JS chunks through `stream`.
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

// The core: plain Rust, no JavaScript types (checked by tests/layers.py).
modules!(
    accumulate, config, embed, endpoint, error, first, job, json, limits, log, partial, plan, pump,
    ratelimit, redact, replay, retry, schema, sse, structured, template, text, tool_loop, usage,
    validate
);

// The wasm face: the class, the fetch driver, the stream bridge, the JS classes.
modules!(
    body, call, client, fetch, glue, jserror, jsval, logger, meta, open, options, runner, stream
);

pub use client::AiBadgr;
pub use error::{Error, Kind};

/// The allocator of the `.wasm`: talc instead of std's dlmalloc. It frees and reuses memory (a
/// binned free list; the wasm memory grows only when no free chunk fits) and is about half the
/// code: -3.8 kB raw, -1.7 kB gzip (2026-12-02). In front of it, a cache of small blocks by
/// size class (`src/classes`): the few short-lived allocations of each streamed event had
/// spent about a quarter of the Rust time per event in talc's bins (+288 B gzip). Both
/// constructors are safe; this crate stays `forbid(unsafe_code)`.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOC: size_classes::Cache<talc::wasm::WasmDynamicTalc> =
    size_classes::Cache::new(talc::wasm::new_wasm_dynamic_allocator());
