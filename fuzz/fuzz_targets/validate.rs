#![no_main]
//! Request validation: never panics, depends only on the value, names the field.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        aibadgr_fuzz::must(aibadgr_fuzz::check_validate(text));
    }
});
