//! The setup pages' settings: a draft of each setting beside what the config
//! says, typed on the technician keyboard or picked from what was detected;
//! tested on the spot (connection, reader, printer) with the draft; saved
//! through [`config::edit`](crate::config::edit) (validated as `config check`
//! does, written atomically, comments kept), then applied by restarting the
//! kiosk cleanly (the event loop ends; `run` starts the program again).

use super::context::KioskContext;
use super::i18n::pick;
use super::setup_form::{printer_choices, reader_choices, Draft};
use super::setup_pin_change::PinChange;
use super::setup_provision::Provisioning;
use crate::config::edit::{self, EditError};
use crate::config::{Config, Language};
use crate::domain::localtime::service_day;
use crate::domain::scan::{classify, ScanKind};
use crate::ui::{KioskWindow, SetupAdapter};
use motcua_drivers::serial::{ReaderConfig, ReaderEvent, SerialReader};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct State {
    /// What the config says (`None` until the page is first shown).
    base: Option<Draft>,
    draft: Option<Draft>,
    /// The field on the keyboard, and its text so far.
    editing: Option<String>,
    edit_text: String,
}

pub struct Settings {
    ctx: Arc<KioskContext>,
    state: Mutex<State>,
    /// A reader opened for the live test on a port the kiosk does not read yet.
    test_reader: Mutex<Option<SerialReader>>,
    /// The "Cấp phép" page (its typed fields use the same keyboard).
    pub provisioning: Arc<Provisioning>,
    /// The PIN change being typed (shown as dots only).
    pin_change: Mutex<PinChange>,
}

fn label_of(lang: Language, key: &str) -> &'static str {
    match key {
        "centre.url" => pick(
            lang,
            "Địa chỉ trung tâm, ví dụ https://10.0.0.5:8700",
            "Centre address, e.g. https://10.0.0.5:8700",
        ),
        "kiosk.id" => pick(lang, "Mã thiết bị, ví dụ kiosk-03", "Device id, e.g. kiosk-03"),
        "offline.range_start" => pick(lang, "Dải số ngoại tuyến: từ", "Offline numbers: from"),
        "offline.range_end" => pick(lang, "Dải số ngoại tuyến: đến", "Offline numbers: to"),
        "printer.uri" => {
            pick(lang, "Máy in, ví dụ tcp://192.168.1.50:9100", "Printer, e.g. tcp://192.168.1.50:9100")
        }
        "pin.old" => pick(lang, "Mã PIN hiện tại", "Current PIN"),
        "pin.new" => pick(lang, "Mã PIN mới (4–8 chữ số)", "New PIN (4–8 digits)"),
        "pin.again" => pick(lang, "Nhập lại mã PIN mới", "The new PIN again"),
        "provision.code" => {
            pick(lang, "Mã cấp phép, ví dụ 7K3M-9Q2X-RT5V", "Provisioning code, e.g. 7K3M-9Q2X-RT5V")
        }
        "provision.url" => pick(
            lang,
            "Địa chỉ trung tâm, ví dụ https://10.0.0.5:8700",
            "Centre address, e.g. https://10.0.0.5:8700",
        ),
        _ => "",
    }
}

fn strings(v: Vec<String>) -> ModelRc<SharedString> {
    ModelRc::new(VecModel::from(v.into_iter().map(SharedString::from).collect::<Vec<_>>()))
}

/// What the live reader test shows for one frame: its kind, the personal
/// data masked, its length and how long it took to arrive.
pub fn describe_frame(lang: Language, kind: &ScanKind, raw_len: usize, took: Duration) -> String {
    let what = match kind {
        ScanKind::CitizenCard(id) => {
            format!(
                "{}: {} {}",
                pick(lang, "Thẻ căn cước", "Citizen ID card"),
                id.masked_number(),
                id.masked_name()
            )
        }
        ScanKind::InvalidCitizenCard(_) => {
            pick(lang, "Thẻ căn cước đọc lỗi", "Unreadable citizen ID card").into()
        }
        ScanKind::HealthInsuranceCard => pick(lang, "Thẻ bảo hiểm y tế", "Health insurance card").into(),
        ScanKind::DossierReceipt(code) => {
            format!("{}: {}", pick(lang, "Giấy hẹn", "Dossier receipt"), code.as_str())
        }
        ScanKind::TicketTracking(_) => pick(lang, "Vé số thứ tự", "Queue ticket").into(),
        // The code is a secret: its kind and centre only.
        ScanKind::Provisioning(p) => {
            format!("{}: {}", pick(lang, "Mã cấp phép thiết bị", "Device provisioning code"), p.url)
        }
        ScanKind::Unknown => pick(lang, "Mã khác", "Other code").into(),
    };
    let ms = took.as_secs_f64() * 1000.0;
    match lang {
        Language::Vi => format!("{what} — {raw_len} byte, đọc trong {ms:.0} ms"),
        Language::En => format!("{what} — {raw_len} bytes, read in {ms:.0} ms"),
    }
}

impl Settings {
    pub fn new(ctx: Arc<KioskContext>) -> Settings {
        let provisioning = Provisioning::new(ctx.clone());
        Settings {
            ctx,
            state: Mutex::default(),
            test_reader: Mutex::default(),
            provisioning,
            pin_change: Mutex::default(),
        }
    }

    fn st(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("settings lock")
    }

    /// The config the draft makes (what tests on the page use).
    pub fn draft_config(&self) -> Config {
        match &self.st().draft {
            Some(d) => d.apply_to(&self.ctx.cfg),
            None => self.ctx.cfg.clone(),
        }
    }

    /// The page was opened: the draft starts from the config.
    pub fn open(&self, ui: &KioskWindow) {
        {
            let mut st = self.st();
            let base = Draft::of(&self.ctx.cfg);
            st.draft = Some(base.clone());
            st.base = Some(base);
            st.editing = None;
        }
        let a = ui.global::<SetupAdapter>();
        a.set_tab(0);
        a.set_save_report("".into());
        a.set_connection_report("".into());
        a.set_scan_report("".into());
        self.refresh_ports(ui);
        self.provisioning.clear(ui);
        *self.pin_change.lock().expect("pin change lock") = PinChange::default();
        a.set_pin_change_report("".into());
        self.show(ui);
    }

    /// The PIN change as typed.
    pub fn pin_change(&self) -> PinChange {
        self.pin_change.lock().expect("pin change lock").clone()
    }

    /// Forgets the PIN change typed so far.
    pub fn clear_pin_change(&self, ui: &KioskWindow) {
        *self.pin_change.lock().expect("pin change lock") = PinChange::default();
        let a = ui.global::<SetupAdapter>();
        a.set_pin_change_report("".into());
        self.show(ui);
    }

    /// The page was locked or left: the draft and the test reader go.
    pub fn close(&self) {
        *self.st() = State::default();
        *self.pin_change.lock().expect("pin change lock") = PinChange::default();
        *self.test_reader.lock().expect("test reader lock") = None;
    }

    fn show(&self, ui: &KioskWindow) {
        let a = ui.global::<SetupAdapter>();
        let st = self.st();
        let (Some(d), Some(base)) = (&st.draft, &st.base) else { return };
        a.set_centre_url(d.centre_url.as_str().into());
        a.set_kiosk_id(d.kiosk_id.as_str().into());
        a.set_range_start(d.range_start.to_string().into());
        a.set_range_end(d.range_end.to_string().into());
        a.set_reader_port(d.reader.as_str().into());
        a.set_printer_uri(d.printer.as_str().into());
        a.set_language(d.language.code().into());
        a.set_theme(d.theme.name().into());
        a.set_idle_timeout(d.idle_timeout.to_string().into());
        a.set_idle_warning(d.idle_warning.to_string().into());
        a.set_dirty(!d.changes(base).is_empty());
        a.set_editing(st.editing.clone().unwrap_or_default().into());
        a.set_edit_label(st.editing.as_deref().map_or("", |k| label_of(self.ctx.lang(), k)).into());
        // A PIN being typed shows as dots, like on the PIN pad.
        let secret = st.editing.as_deref().is_some_and(|k| k.starts_with("pin."));
        let shown = if secret { "•".repeat(st.edit_text.chars().count()) } else { st.edit_text.clone() };
        a.set_edit_text(shown.into());
        let pc = self.pin_change.lock().expect("pin change lock");
        a.set_pin_old_dots(pc.dots("pin.old").into());
        a.set_pin_new_dots(pc.dots("pin.new").into());
        a.set_pin_again_dots(pc.dots("pin.again").into());
    }

    pub fn refresh_ports(&self, ui: &KioskWindow) {
        let ports: Vec<(String, Vec<String>)> =
            motcua_drivers::serial::list_ports().into_iter().map(|p| (p.device, p.by_id)).collect();
        let usb: Vec<String> = std::fs::read_dir("/dev/usb")
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.path().display().to_string())
                    .filter(|p| p.contains("/lp"))
                    .collect()
            })
            .unwrap_or_default();
        let (reader, printer) = {
            let st = self.st();
            let d = st.draft.as_ref();
            (
                d.map(|d| d.reader.clone()).unwrap_or_default(),
                d.map(|d| d.printer.clone()).unwrap_or_default(),
            )
        };
        let serial = reader_choices(&ports, "");
        let a = ui.global::<SetupAdapter>();
        a.set_reader_choices(strings(reader_choices(&ports, &reader)));
        a.set_printer_choices(strings(printer_choices(&serial, &usb, 115_200, &printer)));
    }

    pub fn edit(&self, ui: &KioskWindow, key: &str) {
        {
            let mut st = self.st();
            let text = if key.starts_with("pin.") {
                // Typed again from empty: a PIN is never shown to edit.
                String::new()
            } else if key.starts_with("provision.") {
                self.provisioning.get(key)
            } else {
                st.draft.as_ref().map(|d| d.get(key)).unwrap_or_default()
            };
            st.editing = Some(key.to_string());
            st.edit_text = text;
        }
        self.show(ui);
    }

    pub fn edit_key(&self, ui: &KioskWindow, k: &str) {
        {
            let mut st = self.st();
            match k {
                "⌫" => {
                    st.edit_text.pop();
                }
                "clear" => st.edit_text.clear(),
                _ if st.edit_text.chars().count() < 200 => st.edit_text.push_str(k),
                _ => {}
            }
        }
        self.show(ui);
    }

    pub fn edit_done(&self, ui: &KioskWindow, accept: bool) {
        let typed_provision = {
            let mut st = self.st();
            match st.editing.clone() {
                Some(key) if key.starts_with("provision.") || key.starts_with("pin.") => {
                    st.editing = None;
                    Some((key, std::mem::take(&mut st.edit_text)))
                }
                _ => None,
            }
        };
        if let Some((key, text)) = typed_provision {
            if accept && key.starts_with("pin.") {
                self.pin_change.lock().expect("pin change lock").set(&key, &text);
            } else if accept {
                self.provisioning.set(ui, &key, &text);
            }
            self.show(ui);
            return;
        }
        let refused = {
            let mut st = self.st();
            let (key, text) = (st.editing.take(), std::mem::take(&mut st.edit_text));
            match (key, st.draft.as_mut()) {
                (Some(key), Some(d)) if accept => !d.set(&key, &text),
                _ => false,
            }
        };
        let a = ui.global::<SetupAdapter>();
        a.set_save_ok(!refused);
        a.set_save_report(if refused {
            pick(self.ctx.lang(), "Giá trị này phải là một số.", "This value must be a number.").into()
        } else {
            "".into()
        });
        self.show(ui);
        self.refresh_ports(ui);
    }

    pub fn choose(&self, ui: &KioskWindow, key: &str, value: &str) {
        if let Some(d) = self.st().draft.as_mut() {
            d.set(key, value);
        }
        if key == "scanner.ports" {
            self.start_test_reader(ui, value);
        }
        self.show(ui);
    }

    pub fn step(&self, ui: &KioskWindow, key: &str, delta: i64) {
        if let Some(d) = self.st().draft.as_mut() {
            d.step(key, delta);
        }
        self.show(ui);
    }

    pub fn discard(&self, ui: &KioskWindow) {
        {
            let mut st = self.st();
            st.draft = st.base.clone();
            st.editing = None;
        }
        ui.global::<SetupAdapter>().set_save_report("".into());
        self.show(ui);
        self.refresh_ports(ui);
    }

    /// Reachable, token accepted, clock skew: the `doctor` checks on the draft.
    pub fn test_connection(&self, ui: &KioskWindow) {
        let cfg = self.draft_config();
        let lang = self.ctx.lang();
        let a = ui.global::<SetupAdapter>();
        a.set_connection_busy(true);
        a.set_connection_report(pick(lang, "Đang kiểm tra…", "Checking…").into());
        let work =
            async move { crate::doctor::centre::checks_async(&cfg, crate::doctor::Target::Kiosk).await };
        self.ctx.spawn(ui, work, move |ui, checks| {
            use crate::doctor::Status;
            let a = ui.global::<SetupAdapter>();
            let lines: Vec<String> = checks
                .iter()
                .map(|c| {
                    let mark = match c.status {
                        Status::Pass => "OK",
                        Status::Skip => "—",
                        Status::Warn => pick(lang, "CẢNH BÁO", "WARNING"),
                        Status::Fail => pick(lang, "LỖI", "FAIL"),
                    };
                    format!("{mark} {}: {}", c.check, c.detail)
                })
                .collect();
            a.set_connection_busy(false);
            a.set_connection_ok(!checks.iter().any(|c| c.status == Status::Fail));
            a.set_connection_report(lines.join("\n").into());
        });
    }

    /// Opens `port` for the live test unless the kiosk already reads it (its
    /// own reader's frames are shown while setup is open).
    fn start_test_reader(&self, ui: &KioskWindow, port: &str) {
        let mut slot = self.test_reader.lock().expect("test reader lock");
        *slot = None;
        if port.is_empty() || self.ctx.cfg.scanner.ports.iter().any(|p| p == port) {
            return;
        }
        let cfg = &self.ctx.cfg.scanner;
        let (tx, rx) = std::sync::mpsc::channel();
        let rc = ReaderConfig::new(port.to_string(), cfg.baud)
            .with_frame_timeout(Duration::from_millis(cfg.frame_timeout_ms));
        match SerialReader::spawn(rc, tx) {
            Ok(r) => *slot = Some(r),
            Err(e) => {
                tracing::warn!("cannot open {port} for the reader test: {e}");
                return;
            }
        }
        let (weak, poster, lang, today) =
            (ui.as_weak(), self.ctx.poster.clone(), self.ctx.lang(), service_day(self.ctx.now()));
        let provisioning = self.provisioning.clone();
        std::thread::Builder::new()
            .name("reader-test".into())
            .spawn(move || {
                for ev in rx {
                    if let Some(p) = provisioning_frame(&ev, today) {
                        let prov = provisioning.clone();
                        poster.post_to(&weak, move |ui: &KioskWindow| prov.scanned(ui, p));
                        continue;
                    }
                    if let Some(report) = reader_report(lang, &ev, today) {
                        poster.post_to(&weak, move |ui: &KioskWindow| {
                            ui.global::<SetupAdapter>().set_scan_report(report.into())
                        });
                    }
                }
            })
            .expect("spawn reader test thread");
    }

    /// Validates and writes the changed settings, then restarts the kiosk to apply them.
    pub fn save(&self, ui: &KioskWindow) {
        let lang = self.ctx.lang();
        let a = ui.global::<SetupAdapter>();
        let Some(path) = self.ctx.cfg.source.clone() else {
            a.set_save_ok(false);
            a.set_save_report(
                pick(
                    lang,
                    "Máy đang chạy không có tệp cấu hình (chế độ thử): không lưu được. Chạy với --config TỆP.",
                    "This kiosk runs without a config file (demo): nothing can be saved. Run it with --config FILE.",
                )
                .into(),
            );
            return;
        };
        let changes = {
            let st = self.st();
            match (&st.draft, &st.base) {
                (Some(d), Some(b)) => d.changes(b),
                _ => return,
            }
        };
        if changes.is_empty() {
            return;
        }
        let ctx = self.ctx.clone();
        self.ctx.spawn_blocking(
            ui,
            move || edit::edit_file(&path, &changes),
            move |ui, result| {
                let a = ui.global::<SetupAdapter>();
                match result {
                    Ok(_) => {
                        a.set_save_ok(true);
                        a.set_dirty(false);
                        a.set_save_report(
                            pick(
                                lang,
                                "Đã lưu. Máy khởi động lại để áp dụng…",
                                "Saved. Restarting to apply…",
                            )
                            .into(),
                        );
                        tracing::info!("setup: config saved, restarting to apply it");
                        ctx.request_restart();
                    }
                    Err(EditError::Invalid(issues)) => {
                        a.set_save_ok(false);
                        let list: Vec<String> =
                            issues.iter().map(|i| format!("{}: {}", i.key, i.message)).collect();
                        a.set_save_report(
                            format!("{} {}", pick(lang, "Chưa lưu:", "Not saved:"), list.join("; ")).into(),
                        );
                    }
                    Err(e) => {
                        a.set_save_ok(false);
                        a.set_save_report(format!("{} {e}", pick(lang, "Chưa lưu:", "Not saved:")).into());
                    }
                }
            },
        );
    }
}

/// The provisioning payload a reader frame carries, if it is one.
pub fn provisioning_frame(
    ev: &ReaderEvent,
    today: chrono::NaiveDate,
) -> Option<crate::domain::provision::ProvisionPayload> {
    match ev {
        ReaderEvent::Frame { text, symbology, .. } => match classify(text, symbology.as_deref(), today) {
            ScanKind::Provisioning(p) => Some(p),
            _ => None,
        },
        _ => None,
    }
}

/// The live test's line for a reader event (`None`: nothing to show).
pub fn reader_report(lang: Language, ev: &ReaderEvent, today: chrono::NaiveDate) -> Option<String> {
    match ev {
        ReaderEvent::Frame { text, symbology, raw_len, first_byte_to_end, .. } => {
            let kind = classify(text, symbology.as_deref(), today);
            Some(describe_frame(lang, &kind, *raw_len, *first_byte_to_end))
        }
        ReaderEvent::Connected { port } => Some(format!("{} {port}", pick(lang, "Đã mở", "Opened"))),
        ReaderEvent::Disconnected { port, reason } => {
            Some(format!("{} {port}: {reason}", pick(lang, "Mất kết nối", "Disconnected")))
        }
        ReaderEvent::Unreadable { .. } => Some(pick(lang, "Mã không đọc được", "Unreadable code").into()),
        ReaderEvent::Warning { .. } => None,
    }
}
