//! aibadgr: the JavaScript client for AI Badgr, compiled from Rust to one small `.wasm`.
//!
//! Data flows one way: JS request → [`validate`] → [`fetch`] (retries, timeouts, aborts) →
//! status check → body: JSON, or bytes → [`sse`] events → [`accumulate`] / [`messages`] →
//! JS chunks through [`stream`]. The pure parts ([`json`], [`sse`], [`accumulate`],
//! [`messages`], [`retry`], [`embed`], [`ratelimit`], [`usage`], [`log`]) have no wasm types and are tested natively; the
//! wasm-bindgen face is [`client`].
#![deny(missing_docs)]

pub mod accumulate;
pub mod body;
pub mod client;
pub mod config;
pub mod embed;
pub mod error;
pub mod fetch;
pub mod glue;
pub mod json;
pub mod jsval;
pub mod limits;
pub mod log;
pub mod logger;
pub mod messages;
pub mod meta;
pub mod open;
pub mod partial;
pub mod ratelimit;
pub mod redact;
pub mod replay;
pub mod retry;
pub mod runner;
pub mod schema;
pub mod sse;
pub mod stream;
pub mod structured;
pub mod template;
pub mod tool_loop;
pub mod usage;
pub mod validate;

pub use client::AiBadgr;
pub use error::{Error, Kind};
