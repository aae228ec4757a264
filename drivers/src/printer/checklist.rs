//! The documents checklist of a procedure ("In danh sách giấy tờ"), printed
//! on the ticket printer as a 1-bit raster like the ticket (Vietnamese on any
//! ESC/POS printer): the procedure, then one box per document to tick at
//! home, marked required / in some cases / show only, then where to read
//! more (the portal QR).

use super::bitmap::Bitmap;
use super::ticket::{qr_raster, Cursor, Metrics, TicketError, MAX_WIDTH, MIN_WIDTH};

/// One document of the list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChecklistItem {
    pub name: String,
    /// What kind of need, e.g. "Bắt buộc · Bản chính: 1", "Trong một số
    /// trường hợp", "Chỉ xuất trình"; empty: nothing printed under the name.
    pub note: String,
}

/// What goes on the checklist, top to bottom; empty texts are skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChecklistPrint {
    /// The centre name (bold), then its address.
    pub header_lines: Vec<String>,
    /// E.g. "DANH SÁCH GIẤY TỜ CẦN CHUẨN BỊ".
    pub title: String,
    /// The procedure's name, bold.
    pub procedure: String,
    /// E.g. "Mã thủ tục: 1.001193 · In lúc 29/11/2026 09:41".
    pub subtitle: String,
    pub items: Vec<ChecklistItem>,
    /// The procedure's page on the national portal, printed as a QR code.
    pub qr_payload: Option<String>,
    pub qr_caption: String,
    pub footer_lines: Vec<String>,
}

impl Cursor {
    /// A left-aligned wrapped paragraph starting `indent` dots in from the margin.
    fn left(&mut self, style: super::text::Style, text: &str, indent: u32) {
        let width = self.m.content - indent as f32;
        for line in style.wrap(text, width) {
            let lh = style.line_height().ceil() as u32;
            self.reserve(lh);
            let x = (self.m.margin + indent) as f32;
            style.draw(&mut self.bmp, &line, x, self.y as f32 + style.ascent());
            self.y += lh;
        }
    }

    /// An empty square to tick by hand, its top at the current line.
    fn check_box(&mut self, side: u32) {
        let (x, y, t) = (self.m.margin as i64, self.y as i64 + 4, 3);
        self.reserve(side + 4);
        self.bmp.fill_rect(x, y, side, t, true);
        self.bmp.fill_rect(x, y + side as i64 - t as i64, side, t, true);
        self.bmp.fill_rect(x, y, t, side, true);
        self.bmp.fill_rect(x + side as i64 - t as i64, y, t, side, true);
    }
}

/// Renders the checklist `width` dots wide; the height follows the content.
pub fn render_checklist(list: &ChecklistPrint, width: u32) -> Result<Bitmap, TicketError> {
    if !(MIN_WIDTH..=MAX_WIDTH).contains(&width) {
        return Err(TicketError::BadWidth(width));
    }
    let m = Metrics::for_width(width);
    let qr = match list.qr_payload.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => Some(qr_raster(p, width)?),
        None => None,
    };
    let gap = m.gap;
    let mut c = Cursor { bmp: Bitmap::new(width, 1024), y: 0, m };
    c.space(gap);
    let mut header = list.header_lines.iter().filter(|l| !l.trim().is_empty());
    if let Some(first) = header.next() {
        c.text(c.m.header, first);
        for l in header {
            c.text(c.m.small, l);
        }
        c.space(gap);
        c.rule(false);
        c.space(gap);
    }
    c.text(c.m.caption, &list.title);
    c.space(gap / 2);
    c.text(c.m.service, &list.procedure);
    c.text(c.m.small, &list.subtitle);
    c.space(gap);
    c.rule(true);
    c.space(gap);
    let side = (c.m.body.px * 0.8).round() as u32;
    let indent = side + gap;
    for item in list.items.iter().filter(|i| !i.name.trim().is_empty()) {
        let top = c.y;
        c.check_box(side);
        c.y = top;
        c.left(c.m.body, &item.name, indent);
        if !item.note.trim().is_empty() {
            c.left(c.m.small, &item.note, indent);
        }
        c.y = c.y.max(top + side + 4);
        c.space(gap);
    }
    if let Some(qr) = &qr {
        c.rule(true);
        c.space(gap);
        c.image(qr);
        c.text(c.m.small, &list.qr_caption);
    }
    if list.footer_lines.iter().any(|l| !l.trim().is_empty()) {
        c.space(gap);
        for l in &list.footer_lines {
            c.text(c.m.small, l);
        }
    }
    c.space(gap * 2);
    let used = c.y;
    c.bmp.truncate(used);
    Ok(c.bmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> ChecklistPrint {
        ChecklistPrint {
            header_lines: vec!["TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG".into()],
            title: "DANH SÁCH GIẤY TỜ CẦN CHUẨN BỊ".into(),
            procedure: "Thủ tục đăng ký khai sinh".into(),
            subtitle: "Mã thủ tục: 1.001193".into(),
            items: vec![
                ChecklistItem {
                    name: "Tờ khai đăng ký khai sinh theo mẫu".into(), note: "Bắt buộc".into()
                },
                ChecklistItem {
                    name: "Biên bản xác nhận việc trẻ bị bỏ rơi (trường hợp trẻ bị bỏ rơi)".into(),
                    note: "Trong một số trường hợp".into(),
                },
                ChecklistItem { name: "Giấy chứng sinh".into(), note: "Chỉ xuất trình".into() },
            ],
            qr_payload: Some("https://dichvucong.gov.vn/p/home/x?ma_thu_tuc=1.001193".into()),
            qr_caption: "Xem trên Cổng dịch vụ công".into(),
            footer_lines: vec![],
        }
    }

    #[test]
    fn every_document_gets_a_box_and_its_lines() {
        // Must hold: the list grows with its items (one box and at least one
        // line each), and only the width asked is drawn.
        let one = ChecklistPrint { items: sample().items[..1].to_vec(), ..sample() };
        let a = render_checklist(&one, 576).unwrap();
        let b = render_checklist(&sample(), 576).unwrap();
        assert_eq!((a.width(), b.width()), (576, 576));
        assert!(b.height() > a.height() + 100, "{} vs {}", b.height(), a.height());
        assert!(b.ink() > a.ink());
        assert!(render_checklist(&sample(), 100).is_err());
    }
}
