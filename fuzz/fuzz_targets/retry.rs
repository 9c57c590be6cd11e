#![no_main]
//! The retry policy: statuses, backoff bounds, server waits, and the bounded retry loop.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    aibadgr_fuzz::must(aibadgr_fuzz::check_retry(data));
});
