//! Framing of a barcode reader's byte stream, as a pure state machine.
//!
//! [`FrameAssembler`] knows nothing about ports or threads: it is fed bytes with the
//! instant they were read and the current time, and says what came out. The reader
//! thread drives it; the unit tests drive it with made-up instants.
//!
//! Rules:
//! - a frame ends at CR, LF or CRLF; empty frames (a lone terminator, the LF of a
//!   CRLF split across reads) are ignored, so CRLF never yields an extra frame;
//! - a frame longer than `max_len` bytes is discarded (reported once), and everything
//!   up to the next terminator is skipped: memory stays bounded by `max_len`;
//! - a partial frame followed by `idle_timeout` of silence is dropped;
//! - the bytes are returned whole, undecoded: decoding happens once per frame, never
//!   per read (a read can cut a multi-byte UTF-8 letter in two).

use std::time::{Duration, Instant};

/// Default upper bound of a frame's length in bytes (terminator excluded).
pub const DEFAULT_MAX_FRAME_LEN: usize = 4096;
/// Default silence after which a partial frame is dropped.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_millis(500);

/// What the assembler produced from the bytes it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assembled {
    /// A complete frame, terminator removed, not decoded.
    Frame {
        bytes: Vec<u8>,
        /// When the frame's first byte was read.
        first_byte_at: Instant,
        /// When the terminator was read.
        ended_at: Instant,
    },
    /// The frame grew past the limit: it is being discarded up to the next terminator.
    /// Reported once per oversize frame, when the limit is crossed.
    Oversize { limit: usize },
    /// A partial frame was followed by silence and dropped (`len` bytes lost). Not
    /// reported for the tail of an oversize frame (already reported).
    PartialDropped { len: usize },
}

/// Frame state machine; see the module documentation.
#[derive(Debug)]
pub struct FrameAssembler {
    max_len: usize,
    idle_timeout: Duration,
    buf: Vec<u8>,
    first_byte_at: Option<Instant>,
    last_byte_at: Option<Instant>,
    /// Skipping the rest of an oversize frame.
    discarding: bool,
}

impl FrameAssembler {
    pub fn new(max_len: usize, idle_timeout: Duration) -> Self {
        let max_len = max_len.max(1);
        Self {
            max_len,
            idle_timeout,
            buf: Vec::with_capacity(max_len.min(DEFAULT_MAX_FRAME_LEN)),
            first_byte_at: None,
            last_byte_at: None,
            discarding: false,
        }
    }

    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Bytes held for the frame in progress (never more than `max_len`).
    pub fn pending_len(&self) -> usize {
        self.buf.len()
    }

    /// True while a frame (or the skipped tail of an oversize one) is in progress.
    pub fn in_frame(&self) -> bool {
        self.last_byte_at.is_some()
    }

    /// When the frame in progress times out, if one is in progress.
    pub fn deadline(&self) -> Option<Instant> {
        self.last_byte_at.map(|t| t + self.idle_timeout)
    }

    /// Feeds `data`, read at `at`. Results are appended to `out` in stream order.
    ///
    /// A partial frame that had already timed out before `at` is dropped first, so
    /// calling [`poll_timeout`](Self::poll_timeout) late never glues two frames.
    pub fn push(&mut self, data: &[u8], at: Instant, out: &mut Vec<Assembled>) {
        if data.is_empty() {
            return;
        }
        if let Some(dropped) = self.poll_timeout(at) {
            out.push(dropped);
        }
        let mut rest = data;
        while !rest.is_empty() {
            match rest.iter().position(|&b| b == b'\r' || b == b'\n') {
                Some(i) => {
                    self.take_content(&rest[..i], at, out);
                    self.end_frame(at, out);
                    rest = &rest[i + 1..];
                }
                None => {
                    self.take_content(rest, at, out);
                    rest = &[];
                }
            }
        }
    }

    /// Drops a partial frame whose silence reached the idle timeout at `now`.
    pub fn poll_timeout(&mut self, now: Instant) -> Option<Assembled> {
        let deadline = self.deadline()?;
        if now < deadline {
            return None;
        }
        let len = self.buf.len();
        let was_discarding = self.discarding;
        self.reset();
        if was_discarding || len == 0 {
            None
        } else {
            Some(Assembled::PartialDropped { len })
        }
    }

    /// Forgets the frame in progress (e.g. when the port is closed).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.first_byte_at = None;
        self.last_byte_at = None;
        self.discarding = false;
    }

    fn take_content(&mut self, chunk: &[u8], at: Instant, out: &mut Vec<Assembled>) {
        if chunk.is_empty() {
            return;
        }
        self.last_byte_at = Some(at);
        if self.discarding {
            return;
        }
        if self.first_byte_at.is_none() {
            self.first_byte_at = Some(at);
        }
        if self.buf.len() + chunk.len() > self.max_len {
            self.buf.clear();
            self.discarding = true;
            out.push(Assembled::Oversize { limit: self.max_len });
            return;
        }
        self.buf.extend_from_slice(chunk);
    }

    fn end_frame(&mut self, at: Instant, out: &mut Vec<Assembled>) {
        let discarding = self.discarding;
        let first = self.first_byte_at;
        if !discarding && !self.buf.is_empty() {
            let bytes = std::mem::replace(&mut self.buf, Vec::with_capacity(64));
            out.push(Assembled::Frame { bytes, first_byte_at: first.unwrap_or(at), ended_at: at });
        }
        self.reset();
    }
}

impl Default for FrameAssembler {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_FRAME_LEN, DEFAULT_IDLE_TIMEOUT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(out: &[Assembled]) -> Vec<Vec<u8>> {
        out.iter()
            .filter_map(|a| match a {
                Assembled::Frame { bytes, .. } => Some(bytes.clone()),
                _ => None,
            })
            .collect()
    }

    fn feed(asm: &mut FrameAssembler, chunks: &[&[u8]]) -> Vec<Assembled> {
        let t = Instant::now();
        let mut out = Vec::new();
        for c in chunks {
            asm.push(c, t, &mut out);
        }
        out
    }

    #[test]
    fn cr_lf_and_crlf_each_end_exactly_one_frame() {
        // Must hold: each terminator style yields one frame, and CRLF no empty extra frame.
        let mut asm = FrameAssembler::default();
        let out = feed(&mut asm, &[b"a\rb\nc\r\nd\r\n"]);
        assert_eq!(frames(&out), vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec(), b"d".to_vec()]);
        assert_eq!(out.len(), 4, "nothing but the four frames: {out:?}");
    }

    #[test]
    fn crlf_split_across_reads_yields_no_empty_frame() {
        // Must hold: CR at the end of one read and LF at the start of the next is one terminator.
        let mut asm = FrameAssembler::default();
        let out = feed(&mut asm, &[b"abc\r", b"\nxyz\r", b"\n"]);
        assert_eq!(frames(&out), vec![b"abc".to_vec(), b"xyz".to_vec()]);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn multibyte_letter_cut_between_reads_is_kept_whole() {
        // Must hold: bytes are glued before decoding, so "Nữ" split inside 'ữ' survives.
        let text = "Nguyễn Thị Nữ";
        let bytes = text.as_bytes();
        let cut = text.find('ữ').unwrap() + 1; // inside the 3-byte letter
        let mut asm = FrameAssembler::default();
        let out = feed(&mut asm, &[&bytes[..cut], &bytes[cut..], b"\r\n"]);
        assert_eq!(frames(&out), vec![bytes.to_vec()]);
    }

    #[test]
    fn oversize_frame_is_reported_once_and_stream_resyncs() {
        // Must hold: a frame over the limit is discarded with one report, memory stays under
        // the limit while the garbage continues, and the next frame after a terminator is intact.
        let mut asm = FrameAssembler::new(16, Duration::from_secs(1));
        let mut out = Vec::new();
        let t = Instant::now();
        for _ in 0..1000 {
            asm.push(&[b'x'; 100], t, &mut out);
            assert!(asm.pending_len() <= 16);
        }
        asm.push(b"tail\rOK\r", t, &mut out);
        assert_eq!(out, vec![Assembled::Oversize { limit: 16 }, frame_at(b"OK", t)]);
    }

    fn frame_at(b: &[u8], t: Instant) -> Assembled {
        Assembled::Frame { bytes: b.to_vec(), first_byte_at: t, ended_at: t }
    }

    #[test]
    fn frame_of_exactly_the_limit_passes() {
        // Must hold: the limit is inclusive (a 16-byte frame with limit 16 is accepted).
        let mut asm = FrameAssembler::new(16, Duration::from_secs(1));
        let out = feed(&mut asm, &[&[b'y'; 10], &[b'y'; 6], b"\n"]);
        assert_eq!(frames(&out), vec![vec![b'y'; 16]]);
    }

    #[test]
    fn partial_frame_followed_by_silence_is_dropped() {
        // Must hold: a partial frame is dropped once its silence reaches the timeout, and the
        // bytes after the silence form a new frame (not glued to the stale ones).
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut asm = FrameAssembler::new(4096, ms(500));
        let mut out = Vec::new();
        asm.push(b"stale", t0, &mut out);
        assert_eq!(asm.deadline(), Some(t0 + ms(500)));
        assert_eq!(asm.poll_timeout(t0 + ms(499)), None);
        assert_eq!(asm.poll_timeout(t0 + ms(500)), Some(Assembled::PartialDropped { len: 5 }));
        assert!(!asm.in_frame());
        asm.push(b"fresh\r", t0 + ms(600), &mut out);
        assert_eq!(frames(&out), vec![b"fresh".to_vec()]);
    }

    #[test]
    fn late_push_drops_timed_out_partial_before_appending() {
        // Must hold: even without poll_timeout, bytes arriving after the silence do not join
        // the stale partial frame.
        let t0 = Instant::now();
        let mut asm = FrameAssembler::new(4096, Duration::from_millis(100));
        let mut out = Vec::new();
        asm.push(b"old", t0, &mut out);
        asm.push(b"new\n", t0 + Duration::from_millis(150), &mut out);
        assert_eq!(out[0], Assembled::PartialDropped { len: 3 });
        assert_eq!(frames(&out), vec![b"new".to_vec()]);
    }

    #[test]
    fn silence_is_measured_from_the_last_byte() {
        // Must hold: a slow but steady frame is not dropped; timing reports first byte to end.
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut asm = FrameAssembler::new(4096, ms(100));
        let mut out = Vec::new();
        for i in 0..5u64 {
            asm.push(b"ab", t0 + ms(80 * i), &mut out);
        }
        asm.push(b"\r", t0 + ms(400), &mut out);
        assert_eq!(
            out,
            vec![Assembled::Frame {
                bytes: b"ababababab".to_vec(),
                first_byte_at: t0,
                ended_at: t0 + ms(400)
            }]
        );
    }

    #[test]
    fn oversize_tail_ends_silently_on_timeout() {
        // Must hold: the skipped tail of an oversize frame is not reported a second time.
        let t0 = Instant::now();
        let mut asm = FrameAssembler::new(4, Duration::from_millis(10));
        let mut out = Vec::new();
        asm.push(b"0123456789", t0, &mut out);
        assert_eq!(out, vec![Assembled::Oversize { limit: 4 }]);
        assert_eq!(asm.poll_timeout(t0 + Duration::from_millis(10)), None);
        asm.push(b"ok\n", t0 + Duration::from_millis(20), &mut out);
        assert_eq!(frames(&out), vec![b"ok".to_vec()]);
    }

    #[test]
    fn lone_terminators_yield_nothing() {
        // Must hold: blank lines (CR CR, LF LF, LF CR) produce no frame at all.
        let mut asm = FrameAssembler::default();
        assert!(feed(&mut asm, &[b"\r\r\n\n\n\r"]).is_empty());
        assert!(!asm.in_frame());
    }
}
