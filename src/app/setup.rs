//! Technician setup behind a PIN: the PIN pad (see [`setup_pin`](super::setup_pin)),
//! diagnostics, a test print, and the settings pages ([`setup_settings`](super::setup_settings)).

use super::backend::Issuing;
use super::context::{handler, Feature, KioskContext};
use super::i18n::pick;
use super::printing::{Printer, PrinterCheck};
use super::procedures::Procedures;
use super::scan::Scan;
use super::setup_pin::{locked_message, store_hash_of, PinAnswer, PinGuard};
use super::setup_pin_change::problem;
use super::setup_settings::Settings;
use crate::centre::link::DeviceHealth;
use crate::centre::tls::LinkSecurity;
use crate::config::{edit, pin};
use crate::ui::{DiagRow, KioskWindow, Page, SetupAdapter};
use slint::{ComponentHandle, ModelRc, VecModel};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The PIN being typed (part of the session; the wrong attempts are not).
#[derive(Clone, Default)]
struct PinEntry {
    typed: String,
}

pub struct Setup {
    ctx: Arc<KioskContext>,
    pin: Mutex<PinEntry>,
    guard: Arc<PinGuard>,
    /// The clear PIN of an old config was replaced by its hash (once).
    rehashed: AtomicBool,
    /// The settings pages' draft.
    settings: Settings,
    /// The devices the diagnostics page and the heartbeat report on.
    printer: Arc<Printer>,
    scan: Arc<Scan>,
    procedures: Arc<Procedures>,
}

impl Setup {
    pub fn new(
        ctx: Arc<KioskContext>,
        printer: Arc<Printer>,
        scan: Arc<Scan>,
        procedures: Arc<Procedures>,
    ) -> Arc<Self> {
        let guard = Arc::new(PinGuard::new(&ctx.cfg));
        let settings = Settings::new(ctx.clone());
        scan.set_provisioning(settings.provisioning.clone());
        Arc::new(Setup {
            ctx,
            pin: Mutex::default(),
            guard,
            rehashed: AtomicBool::new(false),
            settings,
            printer,
            scan,
            procedures,
        })
    }

    /// What a technician must act on, as heartbeat codes.
    pub fn alerts(&self) -> Vec<String> {
        let mut alerts = Vec::new();
        if self.ctx.backend.issuing() == Issuing::Unavailable {
            alerts.push("cannot_issue".to_string());
        }
        if let Some(f) = self.printer.problem() {
            alerts.push(format!("printer_{}", f.problem.code()));
        }
        if self.scan.reader_problem() {
            alerts.push("reader_disconnected".to_string());
        }
        if let Some(a) = self.procedures.alert() {
            alerts.push(a.to_string());
        }
        alerts
    }

    /// The device health the heartbeat reports.
    pub fn health(&self) -> DeviceHealth {
        let pin = self.guard.state(self.ctx.now());
        DeviceHealth {
            printer_status: self.printer.health(),
            scanner_connected: self.scan.readers_connected(),
            app_version: env!("CARGO_PKG_VERSION").into(),
            alerts: self.alerts(),
            pin_failures: pin.failures,
            pin_locked_until: pin.locked_until,
        }
    }

    fn pin(&self) -> std::sync::MutexGuard<'_, PinEntry> {
        self.pin.lock().expect("pin lock")
    }

    fn pin_input(&self, ui: &KioskWindow, d: &str) {
        let a = ui.global::<SetupAdapter>();
        let lang = self.ctx.lang();
        let now = self.ctx.now();
        let mut st = self.pin();
        if let Some(until) = self.guard.locked(now) {
            st.typed.clear();
            a.set_pin_length(0);
            a.set_pin_error(locked_message(lang, now, until).into());
            return;
        }
        if d == "submit" {
            let typed = std::mem::take(&mut st.typed);
            drop(st);
            a.set_pin_length(0);
            match self.guard.submit(&typed, &self.ctx.cfg.kiosk.setup_pin, now) {
                PinAnswer::Right => {
                    if !pin::is_hashed(&self.ctx.cfg.kiosk.setup_pin)
                        && !self.rehashed.swap(true, Ordering::SeqCst)
                    {
                        let cfg = self.ctx.cfg.clone();
                        self.ctx.spawn_blocking(ui, move || store_hash_of(&cfg, &typed), |_, ()| {});
                    }
                    self.unlock(ui);
                }
                PinAnswer::Wrong => a.set_pin_error(pick(lang, "Mã PIN không đúng", "Wrong PIN").into()),
                PinAnswer::Locked(until) => a.set_pin_error(locked_message(lang, now, until).into()),
            }
            return;
        }
        if st.typed.len() < 8 && d.len() == 1 && d.bytes().all(|b| b.is_ascii_digit()) {
            st.typed.push_str(d);
            a.set_pin_error("".into());
            a.set_pin_length(st.typed.len() as i32);
        }
    }

    /// Opens the page (the right PIN was typed).
    pub fn unlock(&self, ui: &KioskWindow) {
        let a = ui.global::<SetupAdapter>();
        a.set_pin_error("".into());
        a.set_pin_length(0);
        a.set_unlocked(true);
        a.set_link_insecure(LinkSecurity::of(&self.ctx.cfg) == LinkSecurity::Insecure);
        a.set_diagnostics(ModelRc::new(VecModel::from(self.diagnostics())));
        self.settings.open(ui);
    }

    fn diagnostics(&self) -> Vec<DiagRow> {
        let cfg = &self.ctx.cfg;
        let lang = self.ctx.lang();
        let row =
            |label: &str, value: String, ok: bool| DiagRow { label: label.into(), value: value.into(), ok };
        let centre = if cfg.centre.url.is_empty() {
            pick(lang, "Trung tâm tích hợp (máy này)", "Built-in centre (this device)").to_string()
        } else {
            cfg.centre.url.clone()
        };
        let online = self.ctx.backend.online();
        let security = LinkSecurity::of(cfg);
        let (secure_vi, secure_en) = match security {
            LinkSecurity::BuiltIn => ("Trong máy này", "On this device"),
            LinkSecurity::Loopback => ("HTTP trong máy này", "HTTP on this device"),
            LinkSecurity::Https { pinned: true } => ("HTTPS, chứng chỉ đã ghim", "HTTPS, pinned certificate"),
            LinkSecurity::Https { pinned: false } => ("HTTPS", "HTTPS"),
            LinkSecurity::Insecure => {
                ("KHÔNG MÃ HOÁ (tls.insecure_http)", "NOT ENCRYPTED (tls.insecure_http)")
            }
        };
        let mut rows = vec![
            row(pick(lang, "Phiên bản", "Version"), env!("CARGO_PKG_VERSION").into(), true),
            row(pick(lang, "Mã thiết bị", "Device id"), cfg.kiosk.id.clone(), true),
            row(pick(lang, "Trung tâm", "Centre"), centre, true),
            row(
                pick(lang, "Kết nối", "Connection"),
                pick(
                    lang,
                    if online { "Trực tuyến" } else { "Mất kết nối" },
                    if online { "Online" } else { "Offline" },
                )
                .into(),
                online,
            ),
            row(
                pick(lang, "Bảo mật kết nối", "Link security"),
                pick(lang, secure_vi, secure_en).into(),
                security != LinkSecurity::Insecure,
            ),
            row(
                pick(lang, "Dải số ngoại tuyến", "Offline number range"),
                format!("{}–{}", cfg.offline.range_start, cfg.offline.range_end),
                true,
            ),
            row(pick(lang, "Thư mục dữ liệu", "Data directory"), cfg.data_dir().display().to_string(), true),
            row(
                pick(lang, "Đầu đọc mã", "Barcode readers"),
                if cfg.scanner.ports.is_empty() {
                    pick(lang, "Chưa cấu hình", "Not configured").into()
                } else {
                    cfg.scanner.ports.join(", ")
                },
                !cfg.scanner.ports.is_empty(),
            ),
            row(
                pick(lang, "Máy in", "Printer"),
                if cfg.printer.uri.is_empty() {
                    pick(lang, "Chưa cấu hình", "Not configured").into()
                } else {
                    cfg.printer.uri.clone()
                },
                !cfg.printer.uri.is_empty(),
            ),
            row(pick(lang, "Ngôn ngữ mặc định", "Default language"), cfg.kiosk.language.code().into(), true),
        ];
        // The technical detail the citizen never sees.
        if let Some(f) = self.printer.problem() {
            rows.push(row(pick(lang, "Lỗi in gần nhất", "Last print failure"), f.detail, false));
        }
        let alerts = self.alerts();
        rows.push(row(
            pick(lang, "Cảnh báo", "Alerts"),
            if alerts.is_empty() { pick(lang, "Không có", "None").to_string() } else { alerts.join(", ") },
            alerts.is_empty(),
        ));
        rows
    }

    /// "In thử" (a sample ticket through the driver, then the status read
    /// back) or "Trạng thái máy in" (the status only).
    fn check_printer(&self, ui: &KioskWindow, print: bool) {
        let a = ui.global::<SetupAdapter>();
        let lang = self.ctx.lang();
        // The printer as the page shows it (tested before it is saved).
        let cfg = self.settings.draft_config();
        if cfg.printer.uri.is_empty() {
            a.set_printer_ok(false);
            a.set_printer_report(pick(lang, "Chưa cấu hình máy in", "No printer configured").into());
            return;
        }
        a.set_printer_busy(true);
        a.set_printer_report(
            if print {
                pick(lang, "Đang in thử…", "Printing a test ticket…")
            } else {
                pick(lang, "Đang đọc trạng thái…", "Reading the status…")
            }
            .into(),
        );
        self.printer.check(ui, cfg, print, move |ui, check| {
            let a = ui.global::<SetupAdapter>();
            a.set_printer_busy(false);
            a.set_printer_ok(check.condition.can_print() && !matches!(check.printed, Some(Err(_))));
            a.set_printer_report(printer_report(lang, &check).into());
        });
    }

    /// "Đổi mã PIN": the current PIN checked by the guard (a wrong one
    /// counts), the new one stored as its hash, then a restart to use it.
    fn change_pin(&self, ui: &KioskWindow) {
        let a = ui.global::<SetupAdapter>();
        let lang = self.ctx.lang();
        let now = self.ctx.now();
        let report = |ok: bool, text: &str| {
            a.set_pin_change_ok(ok);
            a.set_pin_change_report(text.into());
        };
        let c = self.settings.pin_change();
        if let Some((vi, en)) = problem(&c, self.ctx.cfg.demo) {
            return report(false, pick(lang, vi, en));
        }
        let Some(path) = self.ctx.cfg.source.clone() else {
            return report(
                false,
                pick(
                    lang,
                    "Máy đang chạy không có tệp cấu hình (chế độ thử): không đổi được mã PIN.",
                    "This kiosk runs without a config file (demo): the PIN cannot be changed.",
                ),
            );
        };
        match self.guard.submit(&c.old, &self.ctx.cfg.kiosk.setup_pin, now) {
            PinAnswer::Right => {}
            PinAnswer::Wrong => {
                return report(false, pick(lang, "Mã PIN hiện tại không đúng.", "The current PIN is wrong."))
            }
            PinAnswer::Locked(until) => return report(false, &locked_message(lang, now, until)),
        }
        report(true, pick(lang, "Đang lưu mã PIN mới…", "Saving the new PIN…"));
        let new = c.new;
        let ctx = self.ctx.clone();
        let guard_reset = self.guard_handle();
        self.ctx.spawn_blocking(
            ui,
            move || edit::edit_file(&path, &[edit::Change::new("kiosk.setup_pin", pin::hash(&new))]),
            move |ui, result| {
                let a = ui.global::<SetupAdapter>();
                match result {
                    Ok(_) => {
                        guard_reset();
                        a.set_pin_change_ok(true);
                        a.set_pin_change_report(
                            pick(
                                lang,
                                "Đã đổi mã PIN. Máy khởi động lại để dùng mã mới…",
                                "PIN changed. Restarting to use it…",
                            )
                            .into(),
                        );
                        tracing::info!("setup: the setup PIN was changed on the kiosk; restarting");
                        ctx.request_restart();
                    }
                    Err(e) => {
                        a.set_pin_change_ok(false);
                        a.set_pin_change_report(
                            format!("{} {e}", pick(lang, "Chưa đổi:", "Not changed:")).into(),
                        );
                    }
                }
            },
        );
    }

    /// Resets the wrong-attempt count (after a new PIN is stored).
    fn guard_handle(&self) -> impl FnOnce() + Send + 'static {
        let guard = self.guard.clone();
        move || guard.reset()
    }

    /// Locks the page again: the typed digits are dropped (the wrong attempts count on).
    fn lock(&self, ui: &KioskWindow) {
        self.pin().typed.clear();
        self.settings.provisioning.clear(ui);
        self.settings.close();
        clear_screen(ui);
    }
}

/// What the setup page says after a test print or a status read (technical
/// detail included: only technicians see this page).
fn printer_report(lang: crate::config::Language, check: &PrinterCheck) -> String {
    let status = check.condition.text(lang);
    let mut out = match (&check.printed, lang) {
        (None, crate::config::Language::Vi) => format!("Trạng thái máy in: {status}"),
        (None, crate::config::Language::En) => format!("Printer status: {status}"),
        (Some(Ok(())), crate::config::Language::Vi) => {
            format!("Đã in phiếu thử. Trạng thái máy in: {status}")
        }
        (Some(Ok(())), crate::config::Language::En) => {
            format!("Test ticket printed. Printer status: {status}")
        }
        (Some(Err(_)), crate::config::Language::Vi) => {
            format!("Chưa in được phiếu thử. Trạng thái máy in: {status}")
        }
        (Some(Err(_)), crate::config::Language::En) => {
            format!("The test ticket was not printed. Printer status: {status}")
        }
    };
    if !check.detail.is_empty() {
        out.push_str(&format!(" ({})", check.detail));
    }
    out
}

fn clear_screen(ui: &KioskWindow) {
    let a = ui.global::<SetupAdapter>();
    a.set_unlocked(false);
    a.set_pin_length(0);
    a.set_pin_error("".into());
    a.set_diagnostics(ModelRc::default());
    a.set_printer_report("".into());
    a.set_printer_busy(false);
}

impl Feature for Setup {
    fn wire(self: Arc<Self>, ui: &KioskWindow) {
        let s = ui.global::<SetupAdapter>();
        s.on_pin_digit(handler!(ui, &self, |ui, this, d| this.pin_input(&ui, &d)));
        s.on_pin_erase(handler!(ui, &self, |ui, this| {
            let mut st = this.pin();
            st.typed.pop();
            ui.global::<SetupAdapter>().set_pin_length(st.typed.len() as i32);
        }));
        s.on_lock(handler!(ui, &self, |ui, this| this.lock(&ui)));
        s.on_test_print(handler!(ui, &self, |ui, this| this.check_printer(&ui, true)));
        s.on_printer_status(handler!(ui, &self, |ui, this| this.check_printer(&ui, false)));
        s.on_edit(handler!(ui, &self, |ui, this, key| this.settings.edit(&ui, &key)));
        s.on_edit_key(handler!(ui, &self, |ui, this, k| this.settings.edit_key(&ui, &k)));
        s.on_edit_done(handler!(ui, &self, |ui, this| this.settings.edit_done(&ui, true)));
        s.on_edit_cancel(handler!(ui, &self, |ui, this| this.settings.edit_done(&ui, false)));
        s.on_choose(handler!(ui, &self, |ui, this, key, value| this.settings.choose(&ui, &key, &value)));
        s.on_step(handler!(ui, &self, |ui, this, key, delta| this.settings.step(
            &ui,
            &key,
            i64::from(delta)
        )));
        s.on_test_connection(handler!(ui, &self, |ui, this| this.settings.test_connection(&ui)));
        s.on_refresh_ports(handler!(ui, &self, |ui, this| this.settings.refresh_ports(&ui)));
        s.on_save(handler!(ui, &self, |ui, this| this.settings.save(&ui)));
        s.on_discard(handler!(ui, &self, |ui, this| this.settings.discard(&ui)));
        s.on_provision(handler!(ui, &self, |ui, this| this.settings.provisioning.submit_typed(&ui)));
        s.on_change_pin(handler!(ui, &self, |ui, this| this.change_pin(&ui)));
    }

    fn navigated(&self, ui: &KioskWindow, page: Page) {
        if page == Page::Setup {
            self.lock(ui);
        }
    }

    fn end_session(&self, ui: &KioskWindow) {
        *self.pin() = PinEntry::default();
        self.settings.provisioning.clear(ui);
        self.settings.close();
        clear_screen(ui);
    }

    fn session_data(&self) -> Vec<&'static str> {
        if self.pin().typed.is_empty() {
            Vec::new()
        } else {
            vec!["typed PIN"]
        }
    }
}
