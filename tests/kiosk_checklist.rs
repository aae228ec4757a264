//! The procedure detail of issue 14, point 5, through Slint's testing
//! backend on real parts: documents marked required / in some cases / show
//! only, and "In danh sách giấy tờ" printed on a fake ESC/POS printer on
//! loopback (raster and cut arrive; the raster is decoded and read).

mod kiosk_harness;

use kiosk_harness::*;
use motcua_kiosk::config::Config;
use motcua_kiosk::ui::{Nav, Page, ProcedureAdapter};
use slint::{ComponentHandle, Model};
use std::sync::Arc;

/// The rows of every `GS v 0` block in `bytes`, in order, and their width in bytes.
fn raster_rows(bytes: &[u8]) -> (usize, Vec<Vec<u8>>) {
    let (mut width, mut rows, mut i) = (0, Vec::new(), 0);
    while i + 8 <= bytes.len() {
        if bytes[i..i + 4] == [0x1d, 0x76, 0x30, 0] {
            let wb = u16::from_le_bytes([bytes[i + 4], bytes[i + 5]]) as usize;
            let h = u16::from_le_bytes([bytes[i + 6], bytes[i + 7]]) as usize;
            let data = &bytes[i + 8..i + 8 + wb * h];
            width = wb;
            rows.extend(data.chunks(wb).map(<[u8]>::to_vec));
            i += 8 + wb * h;
        } else {
            i += 1;
        }
    }
    (width, rows)
}

/// Bands of inked rows separated by blank ones: printed lines (text, boxes, the QR).
fn ink_lines(rows: &[Vec<u8>]) -> usize {
    let inked: Vec<bool> = rows.iter().map(|r| r.iter().any(|b| *b != 0)).collect();
    inked.windows(2).filter(|w| !w[0] && w[1]).count() + usize::from(inked.first() == Some(&true))
}

/// A kiosk with the bundled catalog and its data (usage counts) in `dir`.
fn kiosk(printer: &str, dir: &tempfile::TempDir) -> Harness {
    let mut cfg = Config::default();
    cfg.printer.uri = printer.into();
    cfg.data.dir = dir.path().display().to_string();
    let h = kiosk_on(cfg.clone(), sample_backend(&cfg), runtime());
    h.app.set_catalog(Arc::new(motcua_kiosk::catalog::Catalog::bundled().unwrap()));
    h
}

fn open_birth_registration(h: &Harness) {
    h.app.ui.global::<ProcedureAdapter>().invoke_open("1.001193".into());
    frame();
    assert_eq!(h.app.ui.global::<Nav>().get_page(), Page::ProcedureDetail);
}

#[test]
fn documents_are_marked_by_how_they_are_needed() {
    // Must hold: the birth registration's papers read required (the form),
    // in some cases (the abandoned-child record), show only (the ID, not
    // "Bản chính: 0 - Bản sao: 0"); the actions are there on the page.
    let dir = tempfile::tempdir().unwrap();
    let h = kiosk("", &dir);
    open_birth_registration(&h);
    let docs = h.app.ui.global::<ProcedureAdapter>().get_documents();
    let kinds: Vec<(String, String)> =
        docs.iter().map(|d| (d.kind.to_string(), d.need.to_string())).collect();
    assert_eq!(kinds[0], ("required".into(), "Bắt buộc".into()));
    let abandoned = docs.iter().position(|d| d.name.contains("bỏ rơi")).unwrap();
    assert_eq!(kinds[abandoned], ("conditional".into(), "Trong một số trường hợp".into()));
    let id = docs.iter().find(|d| d.name.contains("xuất trình")).unwrap();
    assert_eq!((id.kind.as_str(), id.quantity.as_str()), ("show_only", "Chỉ xuất trình, không nộp"));
    let texts = shown_texts(&h.app.ui);
    assert!(!texts.iter().any(|t| t.contains("Bản chính: 0")), "{texts:?}");
    button(&h.app.ui, "Lấy số cho thủ tục này");
    // No printer configured: no print button.
    assert!(buttons(&h.app.ui, "In danh sách giấy tờ").is_empty());
}

#[test]
fn the_checklist_prints_on_the_ticket_printer() {
    // Must hold: "In danh sách giấy tờ" sends a raster and a cut to the
    // printer; the raster is 80 mm wide and carries at least the header,
    // the title, the procedure and two lines per document plus the QR; the
    // page says where to take it.
    let (uri, got) = fake_printer([0x12, 0x12, 0x12]);
    let dir = tempfile::tempdir().unwrap();
    let h = kiosk(&uri, &dir);
    open_birth_registration(&h);
    tap(&h, "In danh sách giấy tờ");
    settle(&h);
    let bytes = got.wait_until(|b| b.windows(2).any(|w| w == [0x1d, 0x56]));
    let cut = bytes.windows(2).position(|w| w == [0x1d, 0x56]).expect("a cut");
    let raster = bytes.windows(3).position(|w| w == [0x1d, 0x76, 0x30]).expect("a raster");
    assert!(raster < cut, "the raster comes before the cut");
    let (width, rows) = raster_rows(&bytes);
    assert_eq!(width, 576 / 8, "80 mm paper");
    let lines = ink_lines(&rows);
    let docs = h.app.ui.global::<ProcedureAdapter>().get_documents().row_count();
    assert!(lines >= 4 + 2 * docs, "{lines} printed lines for {docs} documents");
    assert!(rows.len() > 600, "{} rows", rows.len());
    let status = h.app.ui.global::<ProcedureAdapter>().get_print_status().to_string();
    assert!(status.contains("Đã in danh sách giấy tờ"), "{status}");
    assert!(!h.app.ui.global::<ProcedureAdapter>().get_print_problem());
    assert_plain_vietnamese(&h, "checklist printed");
    // The session ends: the outcome is gone.
    h.app.end_session();
    frame();
    assert_eq!(h.app.ui.global::<ProcedureAdapter>().get_print_status(), "");
}

#[test]
fn a_printer_out_of_paper_prints_nothing_and_says_so() {
    let (uri, got) = fake_printer([0x1A, 0x32, 0x7E]);
    let dir = tempfile::tempdir().unwrap();
    let h = kiosk(&uri, &dir);
    open_birth_registration(&h);
    tap(&h, "In danh sách giấy tờ");
    settle(&h);
    let a = h.app.ui.global::<ProcedureAdapter>();
    let status = a.get_print_status().to_string();
    assert!(a.get_print_problem());
    assert!(status.contains("hết giấy") && status.contains("Chưa in được danh sách"), "{status}");
    assert!(!got.bytes().windows(3).any(|w| w == [0x1d, 0x76, 0x30]), "no raster to a printer without paper");
    assert_plain_vietnamese(&h, "checklist not printed");
}
