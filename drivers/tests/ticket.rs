//! The queue ticket raster: layout, Vietnamese text, QR code, logo, ESC/POS job.

use image::{DynamicImage, Rgba, RgbaImage};
use motcua_drivers::printer::escpos;
use motcua_drivers::printer::text::Style;
use motcua_drivers::printer::ticket::{qr_raster, MAX_WIDTH};
use motcua_drivers::printer::{escpos_job, render_ticket, Bitmap, TicketError, TicketPrint};
use qrcode::{Color, EcLevel, QrCode};

fn sample() -> TicketPrint {
    TicketPrint::sample("29/11/2026 09:41")
}

fn margin_ink(b: &Bitmap) -> usize {
    let m = (b.width() / 48).max(6);
    b.ink_in(0, 0, m, b.height()) + b.ink_in(b.width() - m, 0, m, b.height())
}

/// Rows [top, bottom) that contain ink.
fn ink_rows(b: &Bitmap) -> Option<(u32, u32)> {
    let rows: Vec<u32> = (0..b.height()).filter(|&y| b.row(y).iter().any(|&x| x != 0)).collect();
    Some((*rows.first()?, rows.last()? + 1))
}

#[test]
fn full_ticket_renders_at_both_paper_widths_inside_the_margins() {
    // Must hold: 576 and 384 dots wide, a plausible height, real ink, and nothing printed
    // in the side margins (wrapping keeps long header lines inside).
    for width in [576, 384] {
        let b = render_ticket(&sample(), width).unwrap();
        assert_eq!(b.width(), width);
        assert!((400..2000).contains(&b.height()), "{width}: height {}", b.height());
        assert!(b.ink() > 10_000, "{width}: ink {}", b.ink());
        assert_eq!(margin_ink(&b), 0, "{width}: ink in the margins");
    }
}

#[test]
fn vietnamese_marks_are_printed() {
    // Must hold: the same words with diacritics print more ink than without them (marks are
    // drawn, not dropped or boxed), and a stacked mark (Ễ) reaches above the capital E.
    let with = TicketPrint { service: "ĐĂNG KÝ KẾT HÔN Ở ĐÂU".into(), ..Default::default() };
    let without = TicketPrint { service: "DANG KY KET HON O DAU".into(), ..Default::default() };
    let a = render_ticket(&with, 576).unwrap();
    let b = render_ticket(&without, 576).unwrap();
    assert!(a.ink() > b.ink() + 200, "with marks {} vs without {}", a.ink(), b.ink());

    let st = Style::bold(60.0);
    let (e_top, _) = st.ink_extent("E").unwrap();
    let (ee_top, _) = st.ink_extent("Ễ").unwrap();
    assert!(ee_top < e_top - 10.0, "Ễ top {ee_top} vs E top {e_top}");
    let mut canvas = Bitmap::new(200, 120);
    st.draw(&mut canvas, "Ễ", 10.0, 100.0);
    let above_cap = canvas.ink_in(0, 0, 200, (100.0 + e_top) as u32 - 1);
    assert!(above_cap > 50, "marks above the cap height: {above_cap} dots");
}

#[test]
fn decomposed_input_prints_like_composed() {
    // Must hold: NFD text (as some scanners and keyboards produce) gives the same raster.
    let nfc = TicketPrint { service: "Chứng thực bản sao".into(), ..Default::default() };
    let nfd = TicketPrint {
        service: "Chu\u{31b}\u{301}ng thu\u{31b}\u{323}c ba\u{309}n sao".into(),
        ..Default::default()
    };
    assert_eq!(render_ticket(&nfc, 576).unwrap(), render_ticket(&nfd, 576).unwrap());
}

#[test]
fn number_is_very_large_and_centred() {
    // Must hold: the number alone is over 90 dots tall at 576 (readable at arm's length)
    // and its ink is centred within a few dots.
    let t = TicketPrint { number: "A-023".into(), ..Default::default() };
    let b = render_ticket(&t, 576).unwrap();
    let (top, bottom) = ink_rows(&b).unwrap();
    assert!(bottom - top > 90, "number height {}", bottom - top);
    let cols: Vec<u32> = (0..b.width()).filter(|&x| (top..bottom).any(|y| b.get(x, y))).collect();
    let (l, r) = (cols[0], *cols.last().unwrap());
    let centre = (l + r) as i64 / 2;
    assert!((centre - 288).abs() <= 6, "ink spans {l}..{r}");
    // A long number is shrunk to fit, never clipped.
    let long = TicketPrint { number: "PRIORITY-12345".into(), ..Default::default() };
    assert_eq!(margin_ink(&render_ticket(&long, 384).unwrap()), 0);
}

#[test]
fn qr_raster_matches_the_code_module_by_module() {
    // Must hold: each QR module is a square of whole dots with a 4-module white quiet zone,
    // dark exactly where the qrcode crate says, at least 3 dots per module at both widths.
    let payload = "http://192.168.1.10:8700/t/ABCD2345EFGH";
    let code = QrCode::with_error_correction_level(payload, EcLevel::M).unwrap();
    let n = code.width() as u32;
    let colors = code.to_colors();
    for width in [576, 384] {
        let b = qr_raster(payload, width).unwrap();
        let module = b.width() / (n + 8);
        assert!(module >= 3, "module {module} dots");
        assert_eq!(b.width(), module * (n + 8));
        assert_eq!(b.ink_in(0, 0, b.width(), 4 * module), 0, "quiet zone");
        for my in 0..n {
            for mx in 0..n {
                let (cx, cy) = ((mx + 4) * module + module / 2, (my + 4) * module + module / 2);
                let dark = colors[(my * n + mx) as usize] == Color::Dark;
                assert_eq!(b.get(cx, cy), dark, "module ({mx},{my}) at width {width}");
            }
        }
    }
}

#[test]
fn ticket_contains_the_qr_and_long_texts_wrap() {
    // Must hold: adding a QR makes the ticket taller by at least the QR side; a long
    // service name wraps onto more lines (taller) and still stays inside the margins.
    let mut t = sample();
    let with_qr = render_ticket(&t, 576).unwrap();
    t.qr_payload = None;
    let no_qr = render_ticket(&t, 576).unwrap();
    let side = qr_raster(sample().qr_payload.as_deref().unwrap(), 576).unwrap().height();
    assert!(with_qr.height() >= no_qr.height() + side, "{} vs {} + {side}", with_qr.height(), no_qr.height());

    let short = TicketPrint { service: "Chứng thực".into(), ..Default::default() };
    let long = TicketPrint {
        service: "Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II".into(),
        ..Default::default()
    };
    let (s, l) = (render_ticket(&short, 384).unwrap(), render_ticket(&long, 384).unwrap());
    // At 384 dots the long name takes two lines of 28-dot bold text, the short one one.
    assert!(l.height() >= s.height() + 25, "long {} vs short {}", l.height(), s.height());
    assert_eq!(margin_ink(&l), 0);
}

#[test]
fn offline_note_is_framed() {
    // Must hold: the offline notice is drawn inside a box whose left border is a solid
    // vertical line at the margin.
    let t =
        TicketPrint { offline_note: Some("Số cấp khi mất kết nối".into()), ..Default::default() };
    let b = render_ticket(&t, 576).unwrap();
    let margin = 576 / 48;
    let border_rows = (0..b.height()).filter(|&y| b.get(margin, y) && b.get(margin + 2, y)).count();
    assert!(border_rows > 30, "box border {border_rows} rows");
    let plain = render_ticket(&TicketPrint::default(), 576).unwrap();
    assert_eq!(plain.ink(), 0, "an empty ticket prints nothing but paper");
}

#[test]
fn transparent_logo_prints_its_shape_only() {
    // Must hold: a logo with a transparent background prints black only where it is
    // opaque and dark, centred, and a logo wider than the paper is scaled down.
    let mut img = RgbaImage::from_pixel(100, 60, Rgba([0, 0, 0, 0]));
    for y in 20..40 {
        for x in 30..70 {
            img.put_pixel(x, y, Rgba([0, 0, 0, 255]));
        }
    }
    let t = TicketPrint { logo: Some(DynamicImage::ImageRgba8(img)), ..Default::default() };
    let b = render_ticket(&t, 576).unwrap();
    assert_eq!(b.ink(), 40 * 20, "exactly the opaque square");
    let x0 = (576 - 100) / 2;
    assert!(b.get(x0 + 30, ink_rows(&b).unwrap().0));

    let huge = RgbaImage::from_pixel(2000, 400, Rgba([0, 0, 0, 255]));
    let t = TicketPrint { logo: Some(DynamicImage::ImageRgba8(huge)), ..Default::default() };
    let b = render_ticket(&t, 384).unwrap();
    assert_eq!(margin_ink(&b), 0);
    assert!(b.ink() > 10_000);
}

#[test]
fn escpos_job_is_init_raster_bands_feed_cut() {
    // Must hold: the job starts with ESC @, then GS v 0 bands covering every row of the
    // raster (72 bytes per row at 576 dots), then feed and cut, nothing else.
    let b = render_ticket(&sample(), 576).unwrap();
    let job = escpos_job(&b);
    assert_eq!(&job[..2], &escpos::init()[..]);
    let mut i = 2;
    let mut rows = 0u32;
    while job[i..].starts_with(&[0x1D, 0x76, 0x30, 0]) {
        let wb = u16::from_le_bytes([job[i + 4], job[i + 5]]) as usize;
        let h = u16::from_le_bytes([job[i + 6], job[i + 7]]) as usize;
        assert_eq!(wb, 72);
        assert!(h <= escpos::RASTER_BAND_ROWS as usize);
        assert_eq!(&job[i + 8..i + 8 + wb * h], b.rows(rows, rows + h as u32));
        rows += h as u32;
        i += 8 + wb * h;
    }
    assert_eq!(rows, b.height());
    assert_eq!(&job[i..], &[escpos::feed(4), escpos::cut(escpos::Cut::Partial)].concat()[..]);
}

#[test]
fn png_shows_the_raster() {
    // Must hold: the PNG has the raster's size and is black exactly where dots are.
    let b = render_ticket(&sample(), 384).unwrap();
    let png = image::load_from_memory(&b.to_png()).unwrap().to_luma8();
    assert_eq!(png.dimensions(), (b.width(), b.height()));
    let black = png.pixels().filter(|p| p.0[0] == 0).count();
    assert_eq!(black, b.ink());
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    // Must hold: an unusable width or an unencodable QR payload is an error.
    assert_eq!(render_ticket(&sample(), 100).unwrap_err(), TicketError::BadWidth(100));
    assert!(render_ticket(&sample(), MAX_WIDTH + 1).is_err());
    let t = TicketPrint { qr_payload: Some("x".repeat(5000)), ..Default::default() };
    assert!(matches!(render_ticket(&t, 576), Err(TicketError::Qr(_))));
}

#[test]
fn the_check_code_is_printed_under_the_number() {
    // Must hold: the check line adds a line of ink right below the number (a
    // citizen types it with the number to rate the ticket).
    let with =
        TicketPrint {
            number: "A-023".into(), check_line: "Mã kiểm tra: 4821".into(), ..Default::default()
        };
    let without = TicketPrint { number: "A-023".into(), ..Default::default() };
    let (a, b) = (render_ticket(&with, 576).unwrap(), render_ticket(&without, 576).unwrap());
    assert!(a.height() > b.height() + 20, "{} vs {}", a.height(), b.height());
    assert!(a.ink() > b.ink() + 300, "{} vs {}", a.ink(), b.ink());
    let (_, number_bottom) = ink_rows(&b).unwrap();
    let below = a.ink_in(0, number_bottom, a.width(), a.height() - number_bottom);
    assert!(below > 300, "ink of the check line under the number: {below}");
}
