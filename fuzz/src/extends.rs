//! The relation the partial-JSON checks rely on, shared by `src/partial.rs`'s property test and
//! the fuzz targets (each includes this file by `#[path]`).

use serde_json::Value as J;

/// `full` extends `part`: same kind, strings grow at the end, arrays and objects gain members
/// (their last member may itself be extended).
pub fn extends(full: &J, part: &J) -> bool {
    match (full, part) {
        (J::String(f), J::String(p)) => f.starts_with(p.as_str()),
        (J::Array(f), J::Array(p)) => {
            p.len() <= f.len()
                && p.iter().zip(f).enumerate().all(|(i, (pi, fi))| {
                    if i + 1 == p.len() {
                        extends(fi, pi)
                    } else {
                        fi == pi
                    }
                })
        }
        (J::Object(f), J::Object(p)) => p
            .iter()
            .all(|(k, pv)| f.get(k).is_some_and(|fv| extends(fv, pv))),
        (f, p) => f == p,
    }
}
