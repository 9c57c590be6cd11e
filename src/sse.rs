//! A Server-Sent Events parser over raw bytes, following the WHATWG event-stream rules.
//!
//! Bytes go in with [`SseParser::push`] in chunks of any size; events come out of
//! [`SseParser::next_event`]. Work is linear in the input however it is split: lines are scanned
//! once and the consumed prefix of the buffer is dropped only when it is more than half of it.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event` field of this event, if it had one.
    pub event: Option<String>,
    /// The `data` lines joined with `\n`.
    pub data: String,
    /// The last event ID seen so far in the stream (it carries over between events, as in
    /// WHATWG `lastEventId`).
    pub id: Option<String>,
    /// The data came from more than one `data:` line, so it holds a `\n` (the parser knows;
    /// the pump need not scan the data for one).
    pub joined: bool,
}

/// The fields of the event being read.
#[derive(Debug, Default)]
struct Pending {
    /// Its data lines, each followed by `\n`.
    data: Vec<u8>,
    /// It has more than one data line.
    joined: bool,
    /// Its `event` field.
    event: Option<Vec<u8>>,
    /// A handled event's name buffer, for the next `event` field (see [`SseParser::recycle`]).
    spare: Vec<u8>,
}

/// Incremental event-stream parser; see the module docs.
#[derive(Debug, Default)]
pub struct SseParser {
    /// The most bytes one event may hold (its data and the line being read); `None`: no limit.
    limit: Option<usize>,
    /// An event passed `limit`: the buffers were dropped and no more events come.
    exceeded: bool,
    /// Received bytes up to `end`; everything before `start` is consumed. The rest is room,
    /// already initialised, for the next push: a push copies into it and zero-fills nothing
    /// (the buffer is zeroed only as it grows).
    buf: Vec<u8>,
    /// End of the received bytes in `buf`.
    end: usize,
    /// Start of the current (incomplete) line.
    start: usize,
    /// Bytes from `start` up to here hold no line end.
    scan: usize,
    /// The leading byte-order mark has been dealt with.
    bom_done: bool,
    /// The last line ended with a `\r` at the end of the buffer: drop a `\n` that comes next.
    skip_lf: bool,
    /// The event being read.
    pending: Pending,
    /// Last event ID.
    id: Option<String>,
}

impl SseParser {
    /// Creates a parser at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Creates a parser that gives up on an event holding more than `max_event_bytes` bytes
    /// (its data lines plus the line being read): [`next_event`](Self::next_event) then returns
    /// `None` for good, [`exceeded`](Self::exceeded) tells why, and the buffers are freed.
    pub fn with_limit(max_event_bytes: usize) -> Self {
        SseParser {
            limit: Some(max_event_bytes),
            ..Self::default()
        }
    }

    /// Tells whether an event passed the limit given to [`with_limit`](Self::with_limit).
    pub fn exceeded(&self) -> bool {
        self.exceeded
    }

    /// Appends bytes of the stream; parsing happens in [`next_event`](Self::next_event).
    pub fn push(&mut self, chunk: &[u8]) {
        self.push_with(chunk.len(), |dst| dst.copy_from_slice(chunk));
    }

    /// Appends `len` bytes that `fill` writes in place (e.g. copied straight out of a
    /// JavaScript `Uint8Array`, without an intermediate buffer).
    pub fn push_with(&mut self, len: usize, fill: impl FnOnce(&mut [u8])) {
        if self.exceeded {
            return;
        }
        if self.start > 0 && self.start * 2 >= self.end {
            let start = self.start.min(self.end);
            self.buf.copy_within(start..self.end, 0);
            self.end -= start;
            self.scan = self.scan.saturating_sub(start);
            self.start = 0;
        }
        let old = self.end;
        let need = old.saturating_add(len);
        if need > self.buf.len() {
            // Grow by doubling, but (with a limit) not past what the limit lets one event
            // hold: a big event then costs about its size in memory, not twice that.
            let mut target = self.buf.len().saturating_mul(2).max(need).max(256);
            if let Some(limit) = self.limit {
                target = target
                    .min(self.start.saturating_add(limit).saturating_add(1))
                    .max(need);
            }
            // (`reserve_exact` first: `resize` alone would round the capacity up to twice the
            // old one, past the limit.)
            self.buf.reserve_exact(target - self.buf.len());
            self.buf.resize(target, 0);
        }
        if let Some(dst) = self.buf.get_mut(old..need) {
            fill(dst);
            self.end = need;
        }
    }

    /// Returns the next complete event, if the bytes so far hold one.
    pub fn next_event(&mut self) -> Option<SseEvent> {
        if self.exceeded {
            return None;
        }
        if !self.bom_done {
            let head = self.buf.get(self.start..self.end).unwrap_or_default();
            let bom = b"\xEF\xBB\xBF";
            if head.len() < 3 && bom.starts_with(head) {
                return None; // could still become a BOM
            }
            if head.starts_with(bom) {
                self.start += 3;
                self.scan = self.start;
            }
            self.bom_done = true;
        }
        loop {
            if self.skip_lf {
                match self.buf.get(self.start).filter(|_| self.start < self.end) {
                    None => return None,
                    Some(b) => {
                        if *b == b'\n' {
                            self.start += 1;
                            self.scan = self.start;
                        }
                        self.skip_lf = false;
                    }
                }
            }
            let rest = self.buf.get(self.scan..self.end).unwrap_or_default();
            let Some(at) = line_end(rest) else {
                self.scan = self.end;
                self.check_limit(self.end);
                return None;
            };
            let end = self.scan + at;
            let mut next = end + 1;
            if self.buf.get(end) == Some(&b'\r') {
                match self.buf.get(next).filter(|_| next < self.end) {
                    Some(b'\n') => next += 1,
                    None => self.skip_lf = true,
                    Some(_) => {}
                }
            }
            if self.check_limit(end) {
                return None;
            }
            let line = self.buf.get(self.start..end).unwrap_or_default();
            let ev = line_into(line, &mut self.pending, &mut self.id);
            self.start = next;
            self.scan = next;
            if ev.is_some() {
                return ev;
            }
        }
    }

    /// Gives up (and frees the buffers) when the pending event plus the bytes from the current
    /// line's start up to `end` pass the limit; returns whether it did. It runs at every line
    /// end and whenever the buffer ends inside a line, so the verdict does not depend on how
    /// the input was split, and the buffer never holds much more than the limit plus one push.
    fn check_limit(&mut self, end: usize) -> bool {
        let Some(limit) = self.limit else {
            return false;
        };
        let line = end.saturating_sub(self.start);
        let held = line + self.pending.held();
        if held > limit {
            self.exceeded = true;
            self.buf = Vec::new();
            self.end = 0;
            self.pending = Pending::default();
            self.start = 0;
            self.scan = 0;
        }
        self.exceeded
    }

    /// Ends the stream: returns events still buffered, treating a trailing partial line as
    /// complete and dispatching a pending event that has data even without the final blank
    /// line. Call until it returns `None`.
    pub fn finish(&mut self) -> Option<SseEvent> {
        if let Some(ev) = self.next_event() {
            return Some(ev);
        }
        if self.exceeded {
            return None;
        }
        self.bom_done = true;
        self.skip_lf = false;
        if let Some(line) = self.buf.get(self.start..self.end).filter(|l| !l.is_empty()) {
            // A non-empty line never dispatches by itself.
            line_into(line, &mut self.pending, &mut self.id);
        }
        self.end = 0;
        self.start = 0;
        self.scan = 0;
        line_into(b"", &mut self.pending, &mut self.id)
    }

    /// Returns how many bytes are held that are not yet part of a returned event (unparsed
    /// input plus the pending event's data and name).
    pub fn buffered(&self) -> usize {
        self.end - self.start.min(self.end) + self.pending.held()
    }
}

/// Returns the position of the first `\n` or `\r` in `bytes`. Eight bytes at a time: every
/// event's bytes pass through here, and a byte-by-byte loop was a tenth of a stream's time.
fn line_end(bytes: &[u8]) -> Option<usize> {
    use crate::json::{clear_words, has_byte};
    let at = clear_words(bytes, |w| has_byte(w, b'\n') || has_byte(w, b'\r'));
    let rest = bytes.get(at..).unwrap_or_default();
    rest.iter()
        .position(|b| *b == b'\n' || *b == b'\r')
        .map(|p| at + p)
}

/// Decodes UTF-8, replacing invalid sequences with U+FFFD (as `TextDecoder` does).
fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl Pending {
    /// The bytes it holds.
    fn held(&self) -> usize {
        self.data.len() + self.event.as_ref().map_or(0, Vec::len)
    }
}

/// The most capacity an event's data buffer is given back with ([`SseParser::recycle`]): a
/// stream's rare huge event should not keep its buffer for the rest of the stream.
const RECYCLE_BYTES: usize = 64 * 1024;

impl SseParser {
    /// Takes back an event that was handled, so the next event's data and name reuse its
    /// buffers (two allocations less per event of a messages stream, and none of the growth).
    pub fn recycle(&mut self, ev: SseEvent) {
        let p = &mut self.pending;
        let data = ev.data;
        if p.data.is_empty()
            && p.data.capacity() < data.capacity()
            && data.capacity() <= RECYCLE_BYTES
        {
            let mut v = data.into_bytes();
            v.clear();
            p.data = v;
        }
        if let Some(name) = ev.event.filter(|n| n.capacity() <= RECYCLE_BYTES) {
            p.spare = name.into_bytes();
        }
    }
}

/// Applies one line (without its line end) to the pending event; a blank line dispatches it.
fn line_into(line: &[u8], p: &mut Pending, id: &mut Option<String>) -> Option<SseEvent> {
    if line.is_empty() {
        let name = p.event.take();
        let joined = std::mem::take(&mut p.joined);
        if p.data.is_empty() {
            return None;
        }
        p.data.pop(); // the `\n` after the last data line
        // Hand the bytes over without a copy when they are valid UTF-8 (nearly always).
        let text = String::from_utf8(std::mem::take(&mut p.data))
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        return Some(SseEvent {
            event: name.map(|n| String::from_utf8(n).unwrap_or_else(|e| lossy(e.as_bytes()))),
            data: text,
            id: id.clone(),
            joined,
        });
    }
    let (field, value) = match line.iter().position(|b| *b == b':') {
        Some(0) => return None, // comment
        Some(at) => {
            let value = line.get(at + 1..).unwrap_or_default();
            (
                line.get(..at).unwrap_or_default(),
                value.strip_prefix(b" ").unwrap_or(value),
            )
        }
        None => (line, &[][..]),
    };
    // (Slice patterns, not `b"data"`: those compare through an out-of-line `memcmp`.)
    match field {
        [b'd', b'a', b't', b'a'] => {
            p.joined |= !p.data.is_empty();
            p.data.reserve(value.len() + 1); // one allocation, with room for the `\n`
            p.data.extend_from_slice(value);
            p.data.push(b'\n');
        }
        [b'e', b'v', b'e', b'n', b't'] => {
            let mut name = std::mem::take(&mut p.spare);
            name.clear();
            name.extend_from_slice(value);
            p.event = Some(name);
        }
        [b'i', b'd'] if !value.contains(&0) => *id = Some(lossy(value)),
        _ => {} // retry, unknown fields
    }
    None
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ev(event: Option<&str>, data: &str, id: Option<&str>) -> SseEvent {
        SseEvent {
            event: event.map(Into::into),
            data: data.into(),
            id: id.map(Into::into),
            joined: data.contains('\n'),
        }
    }

    /// All events from the given chunks, draining after every push, then finishing.
    fn run(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut p = SseParser::new();
        let out = drain_all(&mut p, chunks);
        assert_eq!(p.buffered(), 0);
        out
    }

    /// Pushes each chunk into `p`, draining after every push, then finishes.
    fn drain_all(p: &mut SseParser, chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        for c in chunks {
            p.push(c);
            while let Some(e) = p.next_event() {
                out.push(e);
            }
        }
        while let Some(e) = p.finish() {
            out.push(e);
        }
        out
    }

    fn one(s: &str) -> Vec<SseEvent> {
        run(&[s.as_bytes()])
    }

    fn bytewise(b: &[u8]) -> Vec<SseEvent> {
        let chunks: Vec<&[u8]> = b.chunks(1).collect();
        run(&chunks)
    }

    #[test]
    fn basic_event() {
        assert_eq!(one("data: hello\n\n"), vec![ev(None, "hello", None)]);
        assert_eq!(
            one("event: x\ndata: 1\nid: 7\n\n"),
            vec![ev(Some("x"), "1", Some("7"))]
        );
    }

    proptest! {
        /// The word-at-a-time search finds the first line end a byte loop finds.
        #[test]
        fn line_end_matches_a_byte_loop(bytes in prop::collection::vec(prop::sample::select(vec![b'a', b'\n', b'\r', 0, 0x80, 0xFF, 0x0B, 0x8A, 0x8D]), 0..40), pad in 0usize..9) {
            let mut v = vec![b'x'; pad];
            v.extend(bytes);
            prop_assert_eq!(line_end(&v), v.iter().position(|b| *b == b'\n' || *b == b'\r'));
        }
    }

    #[test]
    fn line_ends() {
        let want = vec![
            ev(None, "a", None),
            ev(None, "b", None),
            ev(None, "c", None),
        ];
        assert_eq!(one("data: a\n\ndata: b\r\n\r\ndata: c\r\r"), want);
        assert_eq!(one("data: a\r\rdata: b\n\ndata: c\r\n\r\n"), want);
        // \r\n split across chunks is one line end, not two.
        let split = run(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]);
        assert_eq!(split, vec![ev(None, "a\nb", None)]);
        // \r at end of chunk followed by something else.
        assert_eq!(
            run(&[b"data: a\r", b"data: b\r", b"\r"]),
            vec![ev(None, "a\nb", None)]
        );
    }

    #[test]
    fn next_event_does_not_wait_for_lf_after_cr() {
        let mut p = SseParser::new();
        p.push(b"data: a\r\r");
        assert_eq!(p.next_event(), Some(ev(None, "a", None)));
        p.push(b"\ndata: b\n\n");
        assert_eq!(p.next_event(), Some(ev(None, "b", None)));
    }

    #[test]
    fn split_utf8() {
        let text = "data: héllo 😀 中文\n\n".as_bytes();
        assert_eq!(bytewise(text), vec![ev(None, "héllo 😀 中文", None)]);
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        assert_eq!(
            run(&[b"data: a\xff\xfeb\xe2\x82\n\n"]),
            vec![ev(None, "a\u{fffd}\u{fffd}b\u{fffd}", None)]
        );
        assert_eq!(
            run(&[b"event: \xc3\n", b"data: x\n\n"]),
            vec![ev(Some("\u{fffd}"), "x", None)]
        );
    }

    #[test]
    fn bom() {
        assert_eq!(one("\u{feff}data: a\n\n"), vec![ev(None, "a", None)]);
        assert_eq!(
            bytewise("\u{feff}data: a\n\n".as_bytes()),
            vec![ev(None, "a", None)]
        );
        // Only at the very start, and only once.
        assert_eq!(one("\u{feff}\u{feff}data: a\n\n"), vec![]);
        assert_eq!(
            one("data: \u{feff}a\n\n"),
            vec![ev(None, "\u{feff}a", None)]
        );
        // A stream that is only part of a BOM does not hang or panic.
        assert_eq!(run(&[b"\xef\xbb"]), vec![]);
    }

    #[test]
    fn fields() {
        assert_eq!(one("data:no-space\n\n"), vec![ev(None, "no-space", None)]);
        assert_eq!(one("data:  two\n\n"), vec![ev(None, " two", None)]);
        assert_eq!(one("data: a:b: c\n\n"), vec![ev(None, "a:b: c", None)]);
        // A line with no colon is a field with an empty value.
        assert_eq!(one("data\n\n"), vec![ev(None, "", None)]);
        assert_eq!(one("data\ndata\n\n"), vec![ev(None, "\n", None)]);
        assert_eq!(one("data:\n\n"), vec![ev(None, "", None)]);
        // Field names are case-sensitive; unknown fields and retry are ignored.
        assert_eq!(
            one("Data: x\nretry: 10\nfoo: bar\ndata: y\n\n"),
            vec![ev(None, "y", None)]
        );
    }

    #[test]
    fn comments_are_ignored() {
        assert_eq!(
            one(": keep-alive\n\n: ping\ndata: a\n: mid\ndata: b\n\n"),
            vec![ev(None, "a\nb", None)]
        );
    }

    #[test]
    fn multi_line_data() {
        assert_eq!(
            one("data: a\ndata: b\ndata: c\n\n"),
            vec![ev(None, "a\nb\nc", None)]
        );
        assert_eq!(one("data: a\ndata:\n\n"), vec![ev(None, "a\n", None)]);
    }

    #[test]
    fn event_name_resets_after_dispatch_and_blank() {
        assert_eq!(
            one("event: x\ndata: 1\n\ndata: 2\n\nevent: y\n\ndata: 3\n\n"),
            vec![
                ev(Some("x"), "1", None),
                ev(None, "2", None),
                ev(None, "3", None)
            ]
        );
    }

    #[test]
    fn empty_data_does_not_dispatch() {
        assert_eq!(one("event: x\n\n\n\nid: 1\n\n"), vec![]);
    }

    #[test]
    fn id_persists_and_ignores_nul() {
        assert_eq!(
            one("id: 1\ndata: a\n\ndata: b\n\nid: 2\0x\ndata: c\n\nid\ndata: d\n\n"),
            vec![
                ev(None, "a", Some("1")),
                ev(None, "b", Some("1")),
                ev(None, "c", Some("1")),
                ev(None, "d", Some("")),
            ]
        );
    }

    #[test]
    fn done_is_not_special() {
        assert_eq!(one("data: [DONE]\n\n"), vec![ev(None, "[DONE]", None)]);
    }

    #[test]
    fn finish_flushes_partial() {
        assert_eq!(
            one("data: a\n\ndata: b"),
            vec![ev(None, "a", None), ev(None, "b", None)]
        );
        assert_eq!(one("data: b\n"), vec![ev(None, "b", None)]);
        assert_eq!(one("event: e\ndata: b\r"), vec![ev(Some("e"), "b", None)]);
        assert_eq!(one("event: e"), vec![]);
        assert_eq!(one(": comment"), vec![]);
        let mut p = SseParser::new();
        p.push(b"data: a\n\ndata: b\n\ndata: c");
        // finish returns buffered complete events first, then the partial one.
        assert_eq!(p.finish(), Some(ev(None, "a", None)));
        assert_eq!(p.finish(), Some(ev(None, "b", None)));
        assert_eq!(p.finish(), Some(ev(None, "c", None)));
        assert_eq!(p.finish(), None);
        assert_eq!(p.finish(), None);
    }

    #[test]
    fn buffered_counts_pending_bytes() {
        let mut p = SseParser::new();
        p.push(b"data: abc\n");
        assert_eq!(p.buffered(), 10);
        assert_eq!(p.next_event(), None);
        assert_eq!(p.buffered(), 4); // "abc\n" in the data buffer
        p.push(b"\n");
        assert!(p.next_event().is_some());
        assert_eq!(p.buffered(), 0);
        p.push(b"data: x");
        assert_eq!(p.next_event(), None);
        assert_eq!(p.buffered(), 7);
    }

    #[test]
    fn big_event_in_one_byte_pushes_is_linear() {
        let n = 2 * 1024 * 1024;
        let mut input = b"data: ".to_vec();
        input.extend(std::iter::repeat(b'x').take(n));
        input.extend_from_slice(b"\ndata: y\n\n");
        let mut p = SseParser::new();
        let mut got = Vec::new();
        for b in input.chunks(1) {
            p.push(b);
            if let Some(e) = p.next_event() {
                got.push(e);
            }
        }
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].data.len(), n + 2);
        assert!(got[0].data.ends_with("xx\ny"));
        assert!(p.buf.capacity() < 4 * n + 64);
        assert_eq!(p.finish(), None);
    }

    #[test]
    fn many_small_events_keep_buffer_small() {
        let mut p = SseParser::new();
        for _ in 0..100_000 {
            p.push(b"data: 1\n\n");
            assert!(p.next_event().is_some());
        }
        assert!(p.end < 64);
        assert!(p.buf.len() <= 256, "the buffer grew to {}", p.buf.len());
    }

    /// All events, and whether the limit was hit, with `limit` and the given chunks.
    fn run_limited(limit: usize, chunks: &[&[u8]]) -> (Vec<SseEvent>, bool) {
        let mut p = SseParser::with_limit(limit);
        let out = drain_all(&mut p, chunks);
        (out, p.exceeded())
    }

    #[test]
    fn event_limit_counts_data_and_the_line_being_read() {
        // "data: " + 10 bytes: the line is 16 bytes; the event holds 11 ("x" * 10 + "\n").
        let input = b"data: xxxxxxxxxx\n\ndata: y\n\n";
        let (ev, over) = run_limited(16, &[input]);
        assert!(!over);
        assert_eq!(ev.len(), 2);
        let (ev, over) = run_limited(15, &[input]);
        assert!(over);
        assert!(ev.is_empty());
        // Events before the big one arrive; nothing after it does.
        let (ev, over) = run_limited(16, &[b"data: a\n\ndata: 0123456789abcdef\n\ndata: b\n\n"]);
        assert!(over);
        assert_eq!(ev, vec![ev_of("a")]);
        // Many data lines add up.
        let many = "data: 12345678\n".repeat(10) + "\n";
        assert!(run_limited(80, &[many.as_bytes()]).1);
        assert!(!run_limited(200, &[many.as_bytes()]).1);
        // Many small events in one push are each under the limit.
        let small = "data: 12345678\n\n".repeat(1000);
        let (ev, over) = run_limited(32, &[small.as_bytes()]);
        assert!(!over);
        assert_eq!(ev.len(), 1000);
    }

    fn ev_of(data: &str) -> SseEvent {
        ev(None, data, None)
    }

    #[test]
    fn a_line_with_no_end_is_rejected_once_it_passes_the_limit() {
        // 300 MB of `data:` with no line end, in 64 KiB pushes: rejected after the limit,
        // holding little more than the limit, and the buffers are freed.
        // (A limit far from a power of two, and small pushes, too: the buffer must not
        // round its capacity up past the limit.)
        for (limit, size) in [(1 << 20, 64 * 1024), (700_000, 1000)] {
            let chunk = vec![b'x'; size];
            let mut p = SseParser::with_limit(limit);
            p.push(b"data: ");
            let mut pushed = 6usize;
            let mut peak = 0;
            while !p.exceeded() && pushed < 300_000_000 {
                p.push(&chunk);
                pushed += chunk.len();
                peak = peak.max(p.buf.capacity());
                assert_eq!(p.next_event(), None);
            }
            assert!(p.exceeded());
            assert!(pushed <= limit + 2 * chunk.len(), "{pushed}");
            assert!(peak <= limit + 2 * chunk.len(), "{limit}: {peak}");
            assert_eq!(p.buffered(), 0);
            assert_eq!(p.buf.capacity(), 0);
            p.push(b"\n\ndata: late\n\n");
            assert_eq!(p.next_event(), None);
            assert_eq!(p.finish(), None);
        }
        let chunk = vec![b'x'; 64 * 1024];
        // No limit: the same parser keeps reading.
        let mut q = SseParser::new();
        q.push(b"data: ");
        for _ in 0..40 {
            q.push(&chunk);
        }
        assert_eq!(q.next_event(), None);
        assert!(!q.exceeded());
    }

    pub(crate) const OPENAI: &str = include_str!("../tests/fixtures/openai_chat.sse");
    const ANTHROPIC: &str = include_str!("../tests/fixtures/anthropic_messages.sse");
    const CRLF: &str = include_str!("../tests/fixtures/crlf.sse");
    const COMMENTS: &str = include_str!("../tests/fixtures/comments_multiline.sse");
    const UNICODE: &str = include_str!("../tests/fixtures/unicode.sse");

    #[test]
    fn fixtures_parse_as_expected() {
        let openai = one(OPENAI);
        assert_eq!(openai.len(), 13);
        assert!(openai.iter().all(|e| e.event.is_none()));
        assert_eq!(openai.last().map(|e| e.data.as_str()), Some("[DONE]"));

        let anthropic = one(ANTHROPIC);
        let names: Vec<_> = anthropic
            .iter()
            .map(|e| e.event.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(names.first(), Some(&"message_start"));
        assert!(names.contains(&"ping"));
        assert_eq!(names.last(), Some(&"message_stop"));

        let crlf = one(CRLF);
        assert!(CRLF.contains("\r\n"));
        assert_eq!(crlf.len(), 4);
        assert!(crlf.iter().all(|e| !e.data.contains('\r')));

        let comments = one(COMMENTS);
        assert_eq!(comments.len(), 3);
        assert_eq!(comments[0].data, "{\"a\":\n1}");
        assert_eq!(comments[1].data, "line one\nline two\n\nline four");
        assert_eq!(comments[2].id.as_deref(), Some("42"));

        let uni = one(UNICODE);
        let joined: String = uni.iter().map(|e| e.data.as_str()).collect();
        assert!(joined.contains("😀") && joined.contains("中文") && joined.contains("ü"));
    }

    fn split_at(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
        let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
        cuts.sort_unstable();
        let mut out = Vec::new();
        let mut prev = 0;
        for c in cuts.into_iter().chain([bytes.len()]) {
            out.push(bytes[prev..c].to_vec());
            prev = c;
        }
        out
    }

    fn run_owned(chunks: &[Vec<u8>]) -> Vec<SseEvent> {
        let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
        run(&refs)
    }

    #[test]
    fn fixtures_bytewise_equal_single_push() {
        for f in [OPENAI, ANTHROPIC, CRLF, COMMENTS, UNICODE] {
            assert_eq!(bytewise(f.as_bytes()), one(f));
            let bom = format!("\u{feff}{f}");
            assert_eq!(bytewise(bom.as_bytes()), one(f));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn any_split_of_fixtures_gives_same_events(
            which in 0usize..5,
            cuts in prop::collection::vec(any::<usize>(), 0..64),
        ) {
            let f = [OPENAI, ANTHROPIC, CRLF, COMMENTS, UNICODE][which].as_bytes();
            prop_assert_eq!(run_owned(&split_at(f, &cuts)), run(&[f]));
        }

        #[test]
        fn arbitrary_bytes_any_split_no_panic_and_consistent(
            bytes in prop::collection::vec(
                prop_oneof![any::<u8>(), Just(b'\n'), Just(b'\r'), Just(b':'), Just(b' '), Just(b'd')], 0..256),
            cuts in prop::collection::vec(any::<usize>(), 0..32),
        ) {
            let whole = run(&[&bytes]);
            prop_assert_eq!(run_owned(&split_at(&bytes, &cuts)), whole.clone());
            prop_assert_eq!(bytewise(&bytes), whole);
        }

        #[test]
        fn limit_verdict_and_events_do_not_depend_on_the_split(
            bytes in prop::collection::vec(
                prop_oneof![any::<u8>(), Just(b'\n'), Just(b'\r'), Just(b':'), Just(b' '), Just(b'd')], 0..256),
            cuts in prop::collection::vec(any::<usize>(), 0..32),
            limit in 0usize..64,
        ) {
            let whole = run_limited(limit, &[&bytes]);
            let parts = split_at(&bytes, &cuts);
            let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
            prop_assert_eq!(run_limited(limit, &refs), whole.clone());
            let ones: Vec<&[u8]> = bytes.chunks(1).collect();
            prop_assert_eq!(run_limited(limit, &ones), whole.clone());
            // Under no limit, the same events up to where the limit stopped.
            let free = run(&[&bytes]);
            prop_assert!(free.starts_with(&whole.0));
            if !whole.1 {
                prop_assert_eq!(free, whole.0);
            }
        }

        #[test]
        fn sse_like_text_any_split(
            lines in prop::collection::vec(
                prop_oneof![
                    "data:[ a-zé😀]{0,6}", "data: [a-z]{0,4}", "event: [a-z]{1,4}", "id: [0-9]{1,2}",
                    ": [a-z]{0,4}", "", "retry: 5", "data",
                ],
                0..24,
            ),
            ends in prop::collection::vec(prop_oneof![Just("\n"), Just("\r"), Just("\r\n")], 24),
            cuts in prop::collection::vec(any::<usize>(), 0..32),
        ) {
            let mut text = String::new();
            for (l, e) in lines.iter().zip(ends.iter()) {
                text.push_str(l);
                text.push_str(e);
            }
            let b = text.as_bytes();
            prop_assert_eq!(run_owned(&split_at(b, &cuts)), run(&[b]));
            prop_assert_eq!(bytewise(b), run(&[b]));
        }
    }
}
