//! Telling an event stream from anything else by its first bytes, when a proxy dropped or
//! changed the content type. Each byte is looked at once, and while the body is only blank
//! space the buffer keeps just the current line, so 20 MB of whitespace costs one pass and
//! almost no memory. Pure: no JavaScript types.

/// What the bytes so far tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Only blank space so far: read more.
    More,
    /// The first byte that is not blank space arrived: decide on it.
    Found,
    /// One line of blank space passed the limit.
    TooBig,
}

/// The sniffer's state between reads.
#[derive(Debug)]
pub struct Sniff {
    /// Bytes of the buffer already looked at (all blank).
    scanned: usize,
    /// The most bytes the buffer may hold (`maxEventBytes`).
    limit: usize,
}

/// Whitespace, or a byte of a UTF-8 byte-order mark.
fn blank(b: u8) -> bool {
    b.is_ascii_whitespace() || matches!(b, 0xEF | 0xBB | 0xBF)
}

impl Sniff {
    /// Creates a sniffer that gives up once a line of blank space passes `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Sniff { scanned: 0, limit }
    }

    /// Looks at the bytes `got` gained since the last call. While all of it is blank space,
    /// whole blank lines are dropped from `got` (they hold no event), so it keeps one line
    /// and the line end before it (which keeps a later byte-order mark off the front).
    pub fn step(&mut self, got: &mut Vec<u8>) -> Step {
        let new = got.get(self.scanned..).unwrap_or_default();
        if new.iter().any(|b| !blank(*b)) {
            return Step::Found;
        }
        if let Some(at) = new.iter().rposition(|b| *b == b'\n' || *b == b'\r') {
            got.drain(..(self.scanned + at).min(got.len()));
        }
        self.scanned = got.len();
        if got.len() > self.limit {
            Step::TooBig
        } else {
            Step::More
        }
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::sse::SseParser;

    fn feed(limit: usize, chunks: &[&[u8]]) -> (Step, Vec<u8>, usize) {
        let mut s = Sniff::new(limit);
        let mut got = Vec::new();
        let mut peak = 0;
        for c in chunks {
            got.extend_from_slice(c);
            peak = peak.max(got.len());
            let step = s.step(&mut got);
            if step != Step::More {
                return (step, got, peak);
            }
        }
        (Step::More, got, peak)
    }

    #[test]
    fn finds_the_first_byte_that_is_not_blank() {
        let (step, got, _) = feed(100, &[b"\xEF\xBB\xBF", b"\n\r\n  ", b" data: x\n\n"]);
        assert_eq!(step, Step::Found);
        assert_eq!(got, b"\n   data: x\n\n");
        let (step, got, _) = feed(100, &[b"  \n  {", b"}"]);
        assert_eq!(step, Step::Found);
        assert_eq!(got, b"  \n  {");
    }

    #[test]
    fn twenty_megabytes_of_blank_lines_keep_one_line() {
        let line = [vec![b' '; 1023], vec![b'\n']].concat();
        let chunk = line.repeat(64); // 64 KiB
        let mut chunks: Vec<&[u8]> = vec![&chunk; 320]; // 20 MiB
        chunks.push(b"{}");
        let (step, got, peak) = feed(16 << 20, &chunks);
        assert_eq!(step, Step::Found);
        assert_eq!(got, b"\n{}");
        assert!(peak <= chunk.len() + 3, "{peak}");
    }

    #[test]
    fn a_blank_line_longer_than_the_limit_stops() {
        let chunk = vec![b' '; 4096];
        let chunks: Vec<&[u8]> = vec![&chunk; 64];
        let (step, got, _) = feed(64 * 1024, &chunks);
        assert_eq!(step, Step::TooBig);
        assert!(got.len() <= 64 * 1024 + 4096);
    }

    #[test]
    fn what_is_dropped_does_not_change_the_events() {
        let body =
            b"\xEF\xBB\xBF\n \r\n\r  \n\xEF\xBB\xBFdata: 0\n\ndata: a\n\nevent: e\ndata: b\n\n";
        let all = |bytes: &[u8]| {
            let mut p = SseParser::new();
            p.push(bytes);
            std::iter::from_fn(|| p.finish()).collect::<Vec<_>>()
        };
        for cut in 0..=body.len() {
            let mut s = Sniff::new(1 << 20);
            let mut got = Vec::new();
            let mut rest: &[u8] = &[];
            for (i, part) in [&body[..cut], &body[cut..]].into_iter().enumerate() {
                got.extend_from_slice(part);
                if s.step(&mut got) == Step::Found {
                    rest = if i == 0 { &body[cut..] } else { &[] };
                    break;
                }
            }
            got.extend_from_slice(rest);
            assert_eq!(all(&got), all(body), "cut at {cut}");
        }
    }
}
