#![no_main]
//! The partial-JSON parser: every prefix of a valid document parses to a value the whole extends.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        aibadgr_fuzz::must(aibadgr_fuzz::check_partial(text));
    }
});
