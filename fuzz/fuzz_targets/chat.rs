#![no_main]
//! Chat accumulator: fast path equals general path, failed pushes change nothing, finish() is valid JSON.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    aibadgr_fuzz::must(aibadgr_fuzz::check_chat(data));
});
