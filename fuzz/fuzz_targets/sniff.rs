#![no_main]
//! Sniffing a mislabelled stream: stops at the first byte that is not blank, keeps little, loses no event.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    aibadgr_fuzz::must(aibadgr_fuzz::check_sniff(data));
});
