#![no_main]
//! Messages accumulator: fast path equals general path, finish() is valid JSON or a tool-input error.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    aibadgr_fuzz::must(aibadgr_fuzz::check_messages(data));
});
