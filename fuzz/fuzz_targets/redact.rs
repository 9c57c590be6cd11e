#![no_main]
//! Redaction: no piece of the key of 8 bytes or more is left, whatever the cut.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    aibadgr_fuzz::must(aibadgr_fuzz::check_redact(data));
});
