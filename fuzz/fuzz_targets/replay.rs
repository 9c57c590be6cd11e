#![no_main]
//! Replay of a non-stream answer as a stream: every event pushes, and a second replay is a fixed point.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    aibadgr_fuzz::must(aibadgr_fuzz::check_replay(&String::from_utf8_lossy(data)));
});
