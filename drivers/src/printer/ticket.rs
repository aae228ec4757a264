//! The queue ticket rendered to a 1-bit raster: Vietnamese prints correctly on any
//! ESC/POS printer, and the QR code works on printers without `GS ( k`.
//!
//! All texts come translated from the app; empty texts are skipped. Every line is
//! centred and long lines are word-wrapped.

use image::DynamicImage;
use qrcode::{Color, EcLevel, QrCode};

use super::bitmap::{Bitmap, Halftone};
use super::escpos::{self, Cut};
use super::text::Style;

/// Narrowest and widest raster accepted (58 mm paper is 384 dots, 80 mm is 576).
pub const MIN_WIDTH: u32 = 256;
pub const MAX_WIDTH: u32 = 2048;

/// What goes on a ticket, top to bottom.
#[derive(Debug, Clone, Default)]
pub struct TicketPrint {
    /// Printed above the header, scaled down to fit, halftoned.
    pub logo: Option<DynamicImage>,
    /// The first line (centre name) in bold, the others (address, phone) regular.
    pub header_lines: Vec<String>,
    /// Small caption above the number, e.g. "SỐ THỨ TỰ".
    pub number_caption: String,
    /// The number, e.g. "A-023", printed very large.
    pub number: String,
    /// Printed right under the number, e.g. "Mã kiểm tra: 4821": with the
    /// number it names the ticket when the citizen types it (to rate).
    pub check_line: String,
    /// Service name, bold.
    pub service: String,
    /// Where to wait or go, e.g. "Quầy 1, 2".
    pub wait_at: String,
    /// E.g. "Có 5 người đang chờ trước bạn".
    pub ahead_line: String,
    /// Issue time as the app formats it, e.g. "29/11/2026 09:41".
    pub issued: String,
    /// Framed notice when the ticket was issued offline.
    pub offline_note: Option<String>,
    /// Tracking URL, printed as a QR code.
    pub qr_payload: Option<String>,
    /// Line under the QR code, e.g. "Quét mã để theo dõi lượt của bạn".
    pub qr_caption: String,
    pub footer_lines: Vec<String>,
}

impl TicketPrint {
    /// A ticket with Vietnamese in every field, for test prints, tests and benchmarks.
    pub fn sample(issued: impl Into<String>) -> Self {
        Self {
            logo: None,
            header_lines: vec![
                "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG THÀNH PHỐ ĐÀ NẴNG".into(),
                "Tầng 1-2, Trung tâm Hành chính, 24 Trần Phú, Hải Châu".into(),
            ],
            number_caption: "SỐ THỨ TỰ".into(),
            number: "A-023".into(),
            check_line: "Mã kiểm tra: 4821".into(),
            service: "Đăng ký khai sinh, kết hôn, hộ tịch".into(),
            wait_at: "Mời đến Quầy 1, 2".into(),
            ahead_line: "Có 5 người đang chờ trước bạn".into(),
            issued: issued.into(),
            offline_note: None,
            qr_payload: Some("http://192.168.1.10:8700/t/ABCD2345EFGH".into()),
            qr_caption: "Quét mã để theo dõi lượt của bạn".into(),
            footer_lines: vec!["Vui lòng chờ đến lượt. Xin cảm ơn!".into()],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TicketError {
    #[error(
        "ticket width {0} dots is outside {MIN_WIDTH}..={MAX_WIDTH} (use 576 for 80 mm paper, 384 for 58 mm)"
    )]
    BadWidth(u32),
    #[error("the QR payload cannot be encoded ({0}); shorten the tracking URL")]
    Qr(String),
}

/// Sizes in dots for a paper width (shared with the checklist).
pub(crate) struct Metrics {
    pub(crate) width: u32,
    pub(crate) margin: u32,
    pub(crate) content: f32,
    pub(crate) header: Style,
    pub(crate) body: Style,
    pub(crate) small: Style,
    pub(crate) caption: Style,
    pub(crate) number: Style,
    pub(crate) service: Style,
    pub(crate) gap: u32,
}

impl Metrics {
    pub(crate) fn for_width(width: u32) -> Self {
        let s = width as f32 / 576.0;
        let margin = (width / 48).max(6);
        let px = |base: f32, min: f32| (base * s).max(min).round();
        Self {
            width,
            margin,
            content: (width - 2 * margin) as f32,
            // Pixel sizes are ascender-to-descender heights (ab_glyph's PxScale): a
            // capital is about half of it. 30 px body text = 2 mm capitals at 203 dpi.
            header: Style::bold(px(30.0, 24.0)),
            body: Style::regular(px(30.0, 24.0)),
            small: Style::regular(px(25.0, 22.0)),
            caption: Style::bold(px(27.0, 22.0)),
            number: Style::bold((200.0 * s).round()),
            service: Style::bold(px(38.0, 28.0)),
            gap: (14.0 * s).round().max(8.0) as u32,
        }
    }
}

/// Draws top to bottom on a canvas that grows as needed.
pub(crate) struct Cursor {
    pub(crate) m: Metrics,
    pub(crate) bmp: Bitmap,
    pub(crate) y: u32,
}

impl Cursor {
    pub(crate) fn reserve(&mut self, h: u32) {
        let need = self.y + h;
        if need > self.bmp.height() {
            self.bmp.grow((need - self.bmp.height()).max(256));
        }
    }

    pub(crate) fn space(&mut self, h: u32) {
        self.reserve(h);
        self.y += h;
    }

    /// Wrapped, centred paragraph.
    pub(crate) fn text(&mut self, style: Style, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        for line in style.wrap(text, self.m.content) {
            self.line(style, &line);
        }
    }

    pub(crate) fn line(&mut self, style: Style, line: &str) {
        let lh = style.line_height().ceil() as u32;
        self.reserve(lh);
        let x = (self.m.width as f32 - style.width(line)) / 2.0;
        style.draw(&mut self.bmp, line, x.max(self.m.margin as f32), self.y as f32 + style.ascent());
        self.y += lh;
    }

    /// One line shrunk until it fits, placed by its ink (no empty ascender space):
    /// for the big number.
    fn big_line(&mut self, mut style: Style, line: &str) {
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        while style.width(line) > self.m.content && style.px > 12.0 {
            style.px = (style.px * 0.92).floor();
        }
        let Some((top, bottom)) = style.ink_extent(line) else { return };
        let h = (bottom - top).ceil() as u32;
        self.reserve(h + 2);
        let x = (self.m.width as f32 - style.width(line)) / 2.0;
        style.draw(&mut self.bmp, line, x.max(self.m.margin as f32), self.y as f32 - top);
        self.y += h + 2;
    }

    pub(crate) fn rule(&mut self, dashed: bool) {
        let thickness = 2;
        self.reserve(thickness);
        let (x0, x1) = (self.m.margin, self.m.width - self.m.margin);
        for x in x0..x1 {
            if !dashed || (x - x0) % 12 < 7 {
                self.bmp.fill_rect(x as i64, self.y as i64, 1, thickness, true);
            }
        }
        self.y += thickness;
    }

    pub(crate) fn image(&mut self, img: &Bitmap) {
        self.reserve(img.height());
        let x = (self.m.width.saturating_sub(img.width())) / 2;
        self.bmp.blit(img, x as i64, self.y as i64);
        self.y += img.height();
    }

    /// Text in a frame, to stand out (offline notice).
    pub(crate) fn boxed(&mut self, style: Style, text: &str) {
        let border = 3;
        let pad = self.m.gap / 2 + 2;
        let inner = self.m.content - 2.0 * (border + pad) as f32;
        let lines = style.wrap(text, inner);
        if lines.is_empty() {
            return;
        }
        let top = self.y;
        self.space(border + pad);
        for l in &lines {
            self.line(style, l);
        }
        self.space(pad + border);
        let (x, w, h) = (self.m.margin as i64, self.m.width - 2 * self.m.margin, self.y - top);
        self.bmp.fill_rect(x, top as i64, w, border, true);
        self.bmp.fill_rect(x, (self.y - border) as i64, w, border, true);
        self.bmp.fill_rect(x, top as i64, border, h, true);
        self.bmp.fill_rect(x + w as i64 - border as i64, top as i64, border, h, true);
    }
}

/// Renders the ticket `width` dots wide. The height follows the content.
pub fn render(ticket: &TicketPrint, width: u32) -> Result<Bitmap, TicketError> {
    if !(MIN_WIDTH..=MAX_WIDTH).contains(&width) {
        return Err(TicketError::BadWidth(width));
    }
    let m = Metrics::for_width(width);
    // Build the QR first: a payload that cannot be encoded fails before any drawing.
    let qr = match ticket.qr_payload.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => Some(qr_raster(p, width)?),
        None => None,
    };
    let gap = m.gap;
    let mut c = Cursor { bmp: Bitmap::new(width, 1024), y: 0, m };
    c.space(gap);

    if let Some(logo) = &ticket.logo {
        let logo = logo_bitmap(logo, c.m.content as u32, (120.0 * width as f32 / 576.0) as u32);
        c.image(&logo);
        c.space(gap);
    }
    let mut header = ticket.header_lines.iter().filter(|l| !l.trim().is_empty());
    if let Some(first) = header.next() {
        c.text(c.m.header, first);
        for l in header {
            c.text(c.m.small, l);
        }
        c.space(gap);
        c.rule(false);
        c.space(gap);
    }
    c.text(c.m.caption, &ticket.number_caption);
    c.big_line(c.m.number, &ticket.number);
    if !ticket.check_line.trim().is_empty() {
        c.text(c.m.caption, &ticket.check_line);
    }
    c.space(gap);
    c.text(c.m.service, &ticket.service);
    c.text(c.m.body, &ticket.wait_at);
    c.text(c.m.body, &ticket.ahead_line);
    c.text(c.m.small, &ticket.issued);
    if let Some(note) = ticket.offline_note.as_deref().filter(|n| !n.trim().is_empty()) {
        c.space(gap);
        c.boxed(c.m.caption, note);
    }
    if let Some(qr) = &qr {
        c.space(gap);
        c.image(qr);
        c.text(c.m.small, &ticket.qr_caption);
    }
    if ticket.footer_lines.iter().any(|l| !l.trim().is_empty()) {
        c.space(gap);
        c.rule(true);
        c.space(gap);
        for l in &ticket.footer_lines {
            c.text(c.m.small, l);
        }
    }
    c.space(gap * 2);

    let used = c.y;
    c.bmp.truncate(used);
    Ok(c.bmp)
}

/// The QR as a raster with its 4-module quiet zone, modules of a whole number of
/// dots, about 40 % of the paper width (at least 3 dots a module when it fits).
pub fn qr_raster(payload: &str, width: u32) -> Result<Bitmap, TicketError> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .map_err(|e| TicketError::Qr(e.to_string()))?;
    let n = code.width() as u32;
    let total_modules = n + 8;
    let target = width * 2 / 5;
    let module = (target / total_modules).max(3).min(width / total_modules);
    if module == 0 {
        return Err(TicketError::Qr(format!("{n} modules do not fit in {width} dots")));
    }
    let side = total_modules * module;
    let mut b = Bitmap::new(side, side);
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == Color::Dark {
            let (mx, my) = (i as u32 % n, i as u32 / n);
            b.fill_rect(((mx + 4) * module) as i64, ((my + 4) * module) as i64, module, module, true);
        }
    }
    Ok(b)
}

/// Scales a logo down to fit `max_w` x `max_h` (never up: no blur) and halftones it:
/// error diffusion for photos, a plain threshold for line art (crisper).
fn logo_bitmap(img: &DynamicImage, max_w: u32, max_h: u32) -> Bitmap {
    let img = if img.width() > max_w || img.height() > max_h {
        img.resize(max_w, max_h.max(1), image::imageops::FilterType::Triangle)
    } else {
        img.clone()
    };
    let rgba = img.to_rgba8();
    let total = (rgba.width() * rgba.height()).max(1) as usize;
    let mid_grey = rgba
        .pixels()
        .filter(|p| {
            let [r, g, b, a] = p.0;
            let y = (299 * r as u32 + 587 * g as u32 + 114 * b as u32) / 1000;
            let y = (y * a as u32 + 255 * (255 - a as u32)) / 255;
            (48..208).contains(&y)
        })
        .count();
    let halftone = if mid_grey * 5 > total { Halftone::Dither } else { Halftone::Threshold(128) };
    Bitmap::from_image(&DynamicImage::ImageRgba8(rgba), halftone)
}

/// Options of the print job around the raster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobOptions {
    /// Lines fed after the raster so the ticket end passes the cutter.
    pub feed_lines: u8,
    pub cut: Cut,
    /// Rows per `GS v 0` block.
    pub band_rows: u32,
}

impl Default for JobOptions {
    fn default() -> Self {
        Self { feed_lines: 4, cut: Cut::Partial, band_rows: escpos::RASTER_BAND_ROWS }
    }
}

/// The ESC/POS job for a rendered ticket: init, raster in bands, feed, cut.
pub fn escpos_job(ticket: &Bitmap) -> Vec<u8> {
    escpos_job_with(ticket, JobOptions::default())
}

pub fn escpos_job_with(ticket: &Bitmap, opts: JobOptions) -> Vec<u8> {
    let mut v = escpos::init();
    v.extend(escpos::raster(ticket, opts.band_rows));
    v.extend(escpos::feed(opts.feed_lines));
    v.extend(escpos::cut(opts.cut));
    v
}
