//! Codes scanned by the serial readers (or typed by a keyboard-wedge scanner):
//! an ID card greets the citizen and goes with their ticket, a receipt opens
//! its dossier, a ticket QR opens the rating for that ticket.

use super::backend::CitizenRef;
use super::context::{handler, Feature, KioskContext};
use super::i18n::pick;
use super::idle::Idle;
use crate::domain::localtime::{format_date, service_day};
use crate::domain::scan::{classify, ScanKind};
use crate::ui::{DossierAdapter, KioskWindow, Nav, Page, RatingAdapter, Session};
use motcua_drivers::serial::{ReaderConfig, ReaderEvent, SerialReader};
use slint::ComponentHandle;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Scan {
    ctx: Arc<KioskContext>,
    idle: Arc<Idle>,
    /// The citizen identified by an ID card in this session.
    citizen: Mutex<Option<CitizenRef>>,
    /// Barcode readers by port: connected or not (heartbeat).
    readers: Mutex<BTreeMap<String, bool>>,
    /// Where a provisioning QR scanned on the setup pages goes.
    provisioning: Mutex<Option<Arc<super::setup_provision::Provisioning>>>,
}

impl Scan {
    pub fn new(ctx: Arc<KioskContext>, idle: Arc<Idle>) -> Arc<Self> {
        Arc::new(Scan {
            ctx,
            idle,
            citizen: Mutex::new(None),
            readers: Mutex::default(),
            provisioning: Mutex::default(),
        })
    }

    /// The setup pages' provisioning (set once, when setup is built).
    pub fn set_provisioning(&self, p: Arc<super::setup_provision::Provisioning>) {
        *self.provisioning.lock().expect("provisioning lock") = Some(p);
    }

    /// The citizen identified in this session, if any (goes with their ticket).
    pub fn citizen(&self) -> Option<CitizenRef> {
        self.citizen.lock().expect("citizen lock").clone()
    }

    /// Whether readers are configured and every one of them is connected.
    pub fn readers_connected(&self) -> bool {
        let readers = self.readers.lock().expect("readers lock");
        !readers.is_empty() && readers.values().all(|c| *c)
    }

    /// A configured reader is not connected (a technician must look at it).
    pub fn reader_problem(&self) -> bool {
        !self.ctx.cfg.scanner.ports.is_empty() && !self.readers_connected()
    }

    /// Tells the citizen what to do without the card reader (home screen).
    fn show_reader_state(&self, ui: &KioskWindow) {
        let note = if self.reader_problem() {
            pick(
                self.ctx.lang(),
                "Đầu đọc thẻ đang tạm ngừng. Bạn vẫn lấy số và tra cứu bình thường mà không cần quét thẻ.",
                "The card reader is not working at the moment. You can still take a number and look things up without scanning.",
            )
        } else {
            ""
        };
        let s = ui.global::<Session>();
        if s.get_reader_note() != note {
            s.set_reader_note(note.into());
        }
    }

    /// Starts one reader thread per configured port; their events are handled on
    /// the UI thread. Keep the returned readers alive (dropping stops them).
    pub fn start_readers(self: &Arc<Self>, ui: &KioskWindow) -> Vec<SerialReader> {
        let cfg = &self.ctx.cfg.scanner;
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
        let (weak, this) = (ui.as_weak(), self.clone());
        std::thread::Builder::new()
            .name("scan-events".into())
            .spawn(move || {
                for ev in rx {
                    let event_this = this.clone();
                    this.ctx.poster.post_to(&weak, move |ui| event_this.on_reader_event(ui, ev));
                }
            })
            .expect("spawn scan event thread");
        readers
    }

    fn on_reader_event(&self, ui: &KioskWindow, ev: ReaderEvent) {
        match ev {
            ReaderEvent::Connected { port } => {
                tracing::info!("barcode reader connected: {port}");
                self.readers.lock().expect("readers lock").insert(port, true);
            }
            ReaderEvent::Disconnected { port, reason } => {
                tracing::warn!("barcode reader {port}: {reason}");
                self.readers.lock().expect("readers lock").insert(port, false);
            }
            ReaderEvent::Frame { .. } if self.setup_open(ui) => {
                // The technician's live test: shown on the setup page, not
                // acted on — but for a provisioning QR, the reason to scan here.
                let today = service_day(self.ctx.now());
                if let Some(p) = super::setup_settings::provisioning_frame(&ev, today) {
                    let prov = self.provisioning.lock().expect("provisioning lock").clone();
                    if let Some(prov) = prov {
                        prov.scanned(ui, p);
                    }
                    return;
                }
                if let Some(r) = super::setup_settings::reader_report(self.ctx.lang(), &ev, today) {
                    ui.global::<crate::ui::SetupAdapter>().set_scan_report(r.into());
                }
            }
            ReaderEvent::Frame { text, symbology, .. } => self.handle_scan(ui, &text, symbology.as_deref()),
            ReaderEvent::Unreadable { port, reason } => {
                tracing::warn!("unreadable code on {port}: {reason:?}");
                self.show_message(
                    ui,
                    "Không đọc được mã vừa quét. Vui lòng quét lại.",
                    "The code could not be read. Please scan again.",
                );
            }
            ReaderEvent::Warning { port, warning } => tracing::warn!("barcode reader {port}: {warning:?}"),
        }
    }

    fn setup_open(&self, ui: &KioskWindow) -> bool {
        ui.global::<Nav>().get_page() == Page::Setup && ui.global::<crate::ui::SetupAdapter>().get_unlocked()
    }

    fn show_message(&self, ui: &KioskWindow, vi: &str, en: &str) {
        ui.global::<Session>().set_scan_message(pick(self.ctx.lang(), vi, en).into());
    }

    /// Acts on one scanned code. Runs on the UI thread.
    pub fn handle_scan(&self, ui: &KioskWindow, text: &str, symbology: Option<&str>) {
        let kind = classify(text, symbology, service_day(self.ctx.now()));
        // Log the kind only: the payload may hold personal data.
        tracing::info!("scanned: {}", kind.name());
        self.idle.activity();
        let nav = ui.global::<Nav>();
        match kind {
            ScanKind::CitizenCard(id) => {
                let citizen = CitizenRef {
                    id_number: id.number().to_string(),
                    full_name: id.full_name().to_string(),
                    birth_date: format_date(id.birth_date()),
                };
                *self.citizen.lock().expect("citizen lock") = Some(citizen);
                let s = ui.global::<Session>();
                s.set_citizen_present(true);
                s.set_citizen_name(id.masked_name().into());
                s.set_citizen_id(id.masked_number().into());
                s.set_scan_message("".into());
                // The citizen is known now: the idle rule also guards home.
                self.idle.arm();
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
            ScanKind::Unknown => self.show_message(
                ui,
                "Mã này không phải thẻ căn cước, giấy hẹn hay vé số thứ tự.",
                "This code is not an ID card, a receipt or a queue ticket.",
            ),
            refused => {
                let (vi, en) =
                    (refused.refusal_vi().unwrap_or_default(), refused.refusal_en().unwrap_or_default());
                self.show_message(ui, vi, en);
            }
        }
    }
}

impl Feature for Scan {
    /// A keyboard-wedge (HID) scanner types the code followed by Enter on the home screen.
    fn wire(self: Arc<Self>, ui: &KioskWindow) {
        ui.global::<Session>().on_wedge_frame(handler!(ui, &self, |ui, this, text| {
            let text = unicode_normalization::UnicodeNormalization::nfc(text.trim()).collect::<String>();
            if !text.is_empty() {
                this.handle_scan(&ui, &text, None);
            }
        }));
    }

    fn refresh_texts(&self, ui: &KioskWindow) {
        self.show_reader_state(ui);
    }

    fn tick(&self, ui: &KioskWindow) {
        self.show_reader_state(ui);
    }

    fn end_session(&self, ui: &KioskWindow) {
        *self.citizen.lock().expect("citizen lock") = None;
        let s = ui.global::<Session>();
        s.set_citizen_present(false);
        s.set_citizen_name("".into());
        s.set_citizen_id("".into());
        s.set_scan_message("".into());
    }

    fn session_data(&self) -> Vec<&'static str> {
        if self.citizen.lock().expect("citizen lock").is_some() {
            vec!["citizen"]
        } else {
            Vec::new()
        }
    }
}
