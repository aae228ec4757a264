//! ESC/POS command builders: each returns the exact bytes to send.
//!
//! Only commands common to Epson TM and the usual compatible thermal printers are
//! used. Vietnamese text is never sent in text mode (code pages lack it): it is
//! rendered to a raster ([`super::ticket`]) and sent with `GS v 0`.

use super::bitmap::Bitmap;

pub const ESC: u8 = 0x1B;
pub const GS: u8 = 0x1D;
pub const DLE: u8 = 0x10;
pub const EOT: u8 = 0x04;
pub const LF: u8 = 0x0A;

/// Rows per `GS v 0` block: small enough for the receive buffer of cheap printers.
pub const RASTER_BAND_ROWS: u32 = 256;
/// Largest width `GS v 0` can express in one block (xL + xH*256 bytes), in dots.
pub const RASTER_MAX_WIDTH: u32 = 65535 * 8;
/// QR data capacity of the largest symbol (version 40, numeric, level L), in bytes.
pub const QR_MAX_DATA: usize = 7089;

/// `ESC @`: reset the printer to its power-on settings (clears the buffer).
pub fn init() -> Vec<u8> {
    vec![ESC, b'@']
}

/// `ESC d n`: print the buffer and feed `lines` lines.
pub fn feed(lines: u8) -> Vec<u8> {
    vec![ESC, b'd', lines]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// `GS V 0`
    Full,
    /// `GS V 1` (one point left uncut, the ticket stays hanging until taken)
    Partial,
}

/// `GS V m`: cut the paper at the current position.
pub fn cut(kind: Cut) -> Vec<u8> {
    vec![GS, b'V', if kind == Cut::Full { 0 } else { 1 }]
}

/// `GS V m n` (function B): feed to the cutter position plus `n` dots, then cut. Use
/// when the distance between the print head and the cutter is unknown.
pub fn feed_and_cut(kind: Cut, n: u8) -> Vec<u8> {
    vec![GS, b'V', if kind == Cut::Full { 65 } else { 66 }, n]
}

/// `DLE EOT n`: real-time status request (n = 1 printer, 2 offline cause, 3 error
/// cause, 4 roll paper sensor). The printer answers with one byte.
pub fn status_request(n: u8) -> Vec<u8> {
    vec![DLE, EOT, n]
}

/// `GS v 0 m xL xH yL yH d1..dk`, m = 0 (normal scale). `data` holds `height` rows of
/// `width_bytes` bytes, leftmost dot in the MSB, 1 = black.
///
/// # Panics
/// If `data.len() != width_bytes * height` or a size exceeds 16 bits.
pub fn raster_block(width_bytes: u16, height: u16, data: &[u8]) -> Vec<u8> {
    assert_eq!(data.len(), width_bytes as usize * height as usize, "raster data size");
    let mut v = Vec::with_capacity(8 + data.len());
    v.extend_from_slice(&[GS, b'v', b'0', 0]);
    v.extend_from_slice(&width_bytes.to_le_bytes());
    v.extend_from_slice(&height.to_le_bytes());
    v.extend_from_slice(data);
    v
}

/// The whole bitmap as `GS v 0` blocks of at most `band_rows` rows.
pub fn raster(bitmap: &Bitmap, band_rows: u32) -> Vec<u8> {
    assert!(bitmap.width() <= RASTER_MAX_WIDTH, "bitmap too wide for GS v 0");
    let band_rows = band_rows.clamp(1, u16::MAX as u32);
    let mut v = Vec::with_capacity(bitmap.data().len() + 8 * (bitmap.height() / band_rows + 1) as usize);
    let mut y = 0;
    while y < bitmap.height() {
        let y1 = (y + band_rows).min(bitmap.height());
        v.extend(raster_block(bitmap.stride() as u16, (y1 - y) as u16, bitmap.rows(y, y1)));
        y = y1;
    }
    v
}

/// QR error correction level for `GS ( k`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrEcc {
    L,
    M,
    Q,
    H,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrCommandError {
    #[error("QR data is empty")]
    Empty,
    #[error("QR data is {len} bytes, more than a QR code holds ({QR_MAX_DATA})")]
    TooLong { len: usize },
    #[error("QR module size {0} is outside 1..=16")]
    BadModuleSize(u8),
}

/// The `GS ( k` sequence for a QR code (model 2): select model, module size (dots),
/// error correction, store data, print. For printers without `GS ( k`, render the QR
/// into the raster instead (the ticket does).
pub fn qr(data: &[u8], module_size: u8, ecc: QrEcc) -> Result<Vec<u8>, QrCommandError> {
    if data.is_empty() {
        return Err(QrCommandError::Empty);
    }
    if data.len() > QR_MAX_DATA {
        return Err(QrCommandError::TooLong { len: data.len() });
    }
    if !(1..=16).contains(&module_size) {
        return Err(QrCommandError::BadModuleSize(module_size));
    }
    let ecc = match ecc {
        QrEcc::L => 48,
        QrEcc::M => 49,
        QrEcc::Q => 50,
        QrEcc::H => 51,
    };
    let mut v = Vec::with_capacity(data.len() + 40);
    // Function 165: select model 2.
    v.extend_from_slice(&[GS, b'(', b'k', 4, 0, 49, 65, 50, 0]);
    // Function 167: module size.
    v.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 67, module_size]);
    // Function 169: error correction level.
    v.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 69, ecc]);
    // Function 180: store data; pL pH count the 3 bytes cn fn m plus the data.
    let len = (data.len() + 3) as u16;
    v.extend_from_slice(&[GS, b'(', b'k']);
    v.extend_from_slice(&len.to_le_bytes());
    v.extend_from_slice(&[49, 80, 48]);
    v.extend_from_slice(data);
    // Function 181: print the stored symbol.
    v.extend_from_slice(&[GS, b'(', b'k', 3, 0, 49, 81, 48]);
    Ok(v)
}

/// `ESC a n`: justification for text mode and `GS ( k` (0 left, 1 centre, 2 right).
pub fn align_center() -> Vec<u8> {
    vec![ESC, b'a', 1]
}

/// `ESC a 0`: left justification.
pub fn align_left() -> Vec<u8> {
    vec![ESC, b'a', 0]
}
