#![no_main]
//! JSON parser and writer: round trips, an RFC 8259 validator and serde_json as oracles.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        aibadgr_fuzz::must(aibadgr_fuzz::check_json(text));
    }
});
