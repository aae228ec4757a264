//! Codes scanned by the serial readers (or typed by a keyboard-wedge scanner):
//! an ID card greets the citizen and goes with their ticket, a receipt opens
//! its dossier, a ticket QR opens the rating for that ticket.

use super::backend::CitizenRef;
use super::i18n::pick;
use super::kiosk::Inner;
use crate::domain::localtime::to_local;
use crate::domain::scan::{classify, ScanKind};
use crate::ui::{DossierAdapter, KioskWindow, Nav, Page, RatingAdapter, Session};
use motcua_drivers::serial::{ReaderConfig, ReaderEvent, SerialReader};
use slint::ComponentHandle;
use std::sync::Arc;
use std::time::Duration;

/// Starts one reader thread per configured port; their events are handled on
/// the UI thread. Keep the returned readers alive (dropping stops them).
pub fn start_readers(ui: &KioskWindow, inner: &Arc<Inner>) -> Vec<SerialReader> {
    let cfg = &inner.cfg.scanner;
    if cfg.ports.is_empty() {
        return Vec::new();
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let mut readers = Vec::new();
    for port in &cfg.ports {
        let rc = ReaderConfig::new(port.clone(), cfg.baud)
            .with_frame_timeout(Duration::from_millis(cfg.frame_timeout_ms));
        match SerialReader::spawn(rc, tx.clone()) {
            Ok(r) => readers.push(r),
            Err(e) => tracing::error!("cannot start the barcode reader on {port}: {e}"),
        }
    }
    let (weak, inner) = (ui.as_weak(), inner.clone());
    std::thread::Builder::new()
        .name("scan-events".into())
        .spawn(move || {
            for ev in rx {
                let post_inner = inner.clone();
                inner.poster.post_to(&weak, move |ui| on_reader_event(ui, &post_inner, ev));
            }
        })
        .expect("spawn scan event thread");
    readers
}

fn on_reader_event(ui: &KioskWindow, inner: &Arc<Inner>, ev: ReaderEvent) {
    match ev {
        ReaderEvent::Connected { port } => {
            tracing::info!("barcode reader connected: {port}");
            inner.scanners.lock().expect("scanner lock").insert(port, true);
        }
        ReaderEvent::Disconnected { port, reason } => {
            tracing::warn!("barcode reader {port}: {reason}");
            inner.scanners.lock().expect("scanner lock").insert(port, false);
        }
        ReaderEvent::Frame { text, symbology, .. } => handle_scan(ui, inner, &text, symbology.as_deref()),
        ReaderEvent::Unreadable { port, reason } => {
            tracing::warn!("unreadable code on {port}: {reason:?}");
            show_message(
                ui,
                inner,
                "Không đọc được mã vừa quét. Vui lòng quét lại.",
                "The code could not be read. Please scan again.",
            );
        }
        ReaderEvent::Warning { port, warning } => tracing::warn!("barcode reader {port}: {warning:?}"),
    }
}

fn show_message(ui: &KioskWindow, inner: &Inner, vi: &str, en: &str) {
    ui.global::<Session>().set_scan_message(pick(inner.lang(), vi, en).into());
}

/// Acts on one scanned code. Runs on the UI thread.
pub fn handle_scan(ui: &KioskWindow, inner: &Arc<Inner>, text: &str, symbology: Option<&str>) {
    let today = to_local(inner.clock.now()).date_naive();
    let kind = classify(text, symbology, today);
    // Log the kind only: the payload may hold personal data.
    tracing::info!("scanned: {}", kind.name());
    inner.idle.lock().expect("idle lock").activity();
    let nav = ui.global::<Nav>();
    match kind {
        ScanKind::CitizenCard(id) => {
            let citizen = CitizenRef {
                id_number: id.number().to_string(),
                full_name: id.full_name().to_string(),
                birth_date: crate::domain::localtime::format_date(id.birth_date()),
            };
            inner.session.lock().expect("session lock").citizen = Some(citizen);
            let s = ui.global::<Session>();
            s.set_citizen_present(true);
            s.set_citizen_name(id.masked_name().into());
            s.set_citizen_id(id.masked_number().into());
            s.set_scan_message("".into());
            // The citizen is known now: the idle rule also guards home.
            inner.idle.lock().expect("idle lock").set_armed(true);
        }
        ScanKind::DossierReceipt(code) => {
            nav.invoke_go(Page::Dossier);
            let d = ui.global::<DossierAdapter>();
            d.set_code_input(code.as_str().into());
            d.invoke_lookup(code.as_str().into());
        }
        ScanKind::TicketTracking(code) => {
            nav.invoke_go(Page::Rating);
            ui.global::<RatingAdapter>().invoke_find_ticket(code.as_str().into());
        }
        ScanKind::Unknown => show_message(
            ui,
            inner,
            "Mã này không phải thẻ căn cước, giấy hẹn hay vé số thứ tự.",
            "This code is not an ID card, a receipt or a queue ticket.",
        ),
        refused => {
            let (vi, en) =
                (refused.refusal_vi().unwrap_or_default(), refused.refusal_en().unwrap_or_default());
            show_message(ui, inner, vi, en);
        }
    }
}

/// A keyboard-wedge (HID) scanner types the code followed by Enter on the home screen.
pub fn wire_wedge(ui: &KioskWindow, inner: &Arc<Inner>) {
    ui.global::<Session>().on_wedge_frame({
        let (weak, inner) = (ui.as_weak(), inner.clone());
        move |text| {
            if let Some(ui) = weak.upgrade() {
                let text = unicode_normalization::UnicodeNormalization::nfc(text.trim()).collect::<String>();
                if !text.is_empty() {
                    handle_scan(&ui, &inner, &text, None);
                }
            }
        }
    });
}
