#![no_main]
//! SSE parser: split invariance, the reference parser, re-framing, the event limit.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    aibadgr_fuzz::must(aibadgr_fuzz::check_sse(data));
});
