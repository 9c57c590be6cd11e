#![no_main]
//! Embeddings: base64 decoding against an independent decoder, and split() of a body.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    aibadgr_fuzz::must(aibadgr_fuzz::check_decode(&text));
    aibadgr_fuzz::must(aibadgr_fuzz::check_split(&text));
});
