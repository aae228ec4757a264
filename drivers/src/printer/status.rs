//! Decoding of the `DLE EOT n` real-time status answers.
//!
//! Every answer byte has the fixed pattern `0xx1xx10` (bit 0 = 0, bit 1 = 1,
//! bit 4 = 1, bit 7 = 0); a byte not matching it is not a status answer (it may be a
//! stale byte or an automatic status block) and is skipped by the reader.
//!
//! - n = 1 (printer): bit 3 = offline.
//! - n = 2 (offline cause): bit 2 = cover open, bit 3 = paper fed by the feed button,
//!   bit 5 = printing stopped by paper end, bit 6 = error.
//! - n = 4 (roll paper sensor): bits 2-3 = paper near end, bits 5-6 = paper end.
//!
//! Typical answers: all normal 0x12 for every n; paper out 0x1A / 0x32 / 0x7E.

/// The printer's state as far as a kiosk cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrinterStatus {
    pub online: bool,
    pub cover_open: bool,
    pub paper_near_end: bool,
    pub paper_out: bool,
    /// Cutter, head temperature or another error (see the printer's manual).
    pub error: bool,
}

/// The request bytes `n` in the order [`PrinterStatus::decode`] expects the answers.
pub const STATUS_QUERIES: [u8; 3] = [1, 2, 4];

/// True if `b` has the fixed bits of a `DLE EOT` answer.
pub fn is_status_byte(b: u8) -> bool {
    b & 0b1001_0011 == 0b0001_0010
}

impl PrinterStatus {
    /// Decodes the answers to `DLE EOT 1`, `DLE EOT 2` and `DLE EOT 4`.
    pub fn decode(printer: u8, offline_cause: u8, paper: u8) -> Self {
        let bit = |b: u8, n: u8| b & (1 << n) != 0;
        Self {
            online: !bit(printer, 3),
            cover_open: bit(offline_cause, 2),
            paper_near_end: bit(paper, 2) || bit(paper, 3),
            paper_out: bit(paper, 5) || bit(paper, 6) || bit(offline_cause, 5),
            error: bit(offline_cause, 6),
        }
    }

    /// A ticket can be printed now.
    pub fn ready(&self) -> bool {
        self.online && !self.cover_open && !self.paper_out && !self.error
    }

    /// The most important problem in plain English, `None` when ready (paper near
    /// its end is a warning, reported when nothing worse is).
    pub fn problem_en(&self) -> Option<&'static str> {
        Some(if self.paper_out {
            "out of paper"
        } else if self.cover_open {
            "cover open"
        } else if self.error {
            "printer error (cutter jam or overheating)"
        } else if !self.online {
            "offline"
        } else if self.paper_near_end {
            "paper nearly out"
        } else {
            return None;
        })
    }

    /// The same in Vietnamese, for the staff screen.
    pub fn problem_vi(&self) -> Option<&'static str> {
        Some(if self.paper_out {
            "Hết giấy"
        } else if self.cover_open {
            "Nắp máy in đang mở"
        } else if self.error {
            "Máy in báo lỗi (kẹt dao cắt hoặc quá nhiệt)"
        } else if !self.online {
            "Máy in ngoại tuyến"
        } else if self.paper_near_end {
            "Sắp hết giấy"
        } else {
            return None;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typical_answers_decode() {
        // Must hold: 0x12 x3 is a ready printer; 0x1A/0x32/0x7E is out of paper (and
        // therefore offline, near end), without cover or error.
        let ok = PrinterStatus::decode(0x12, 0x12, 0x12);
        assert_eq!(
            ok,
            PrinterStatus {
                online: true,
                cover_open: false,
                paper_near_end: false,
                paper_out: false,
                error: false
            }
        );
        assert!(ok.ready());
        assert_eq!(ok.problem_en(), None);
        let out = PrinterStatus::decode(0x1A, 0x32, 0x7E);
        assert_eq!(
            out,
            PrinterStatus {
                online: false,
                cover_open: false,
                paper_near_end: true,
                paper_out: true,
                error: false
            }
        );
        assert!(!out.ready());
        assert_eq!(out.problem_en(), Some("out of paper"));
        assert_eq!(out.problem_vi(), Some("Hết giấy"));
    }

    #[test]
    fn cover_open_error_and_near_end_decode() {
        // Must hold: bit 2 of n=2 is the cover, bit 6 the error, bits 2-3 of n=4 near end.
        let cover = PrinterStatus::decode(0x1A, 0x16, 0x12);
        assert!(cover.cover_open && !cover.online && !cover.paper_out);
        let err = PrinterStatus::decode(0x1A, 0x52, 0x12);
        assert!(err.error && !err.ready());
        let near = PrinterStatus::decode(0x12, 0x12, 0x1E);
        assert!(near.paper_near_end && near.ready());
        assert_eq!(near.problem_en(), Some("paper nearly out"));
    }

    #[test]
    fn fixed_bits_recognise_status_bytes() {
        // Must hold: real answers pass, bytes without the fixed pattern do not.
        for b in [0x12, 0x1A, 0x32, 0x7E, 0x16, 0x52, 0x1E] {
            assert!(is_status_byte(b), "{b:#x}");
        }
        for b in [0x00, 0xFF, 0x10, 0x13, 0x92, b'A'] {
            assert!(!is_status_byte(b), "{b:#x}");
        }
    }
}
