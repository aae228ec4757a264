//! Printing the ticket on the thermal printer, off the UI thread. When the
//! printer cannot print, the screen is the ticket and says so plainly.

use super::backend::IssuedTicket;
use super::context::KioskContext;
use super::i18n::pick;
use crate::config::{Language, PrinterConfig};
use crate::domain::localtime::format_date_time;
use crate::ui::{KioskWindow, TicketAdapter};
use chrono::{DateTime, Utc};
use motcua_drivers::printer::{self, ChecklistPrint, PrinterOptions, PrinterStatus, TicketPrint};
use slint::ComponentHandle;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Why a ticket did not print, as far as the citizen and the technician
/// need to know: the citizen gets a plain sentence for it, the technician
/// the code (heartbeat) and the detail (log, diagnostics page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintProblem {
    PaperOut,
    CoverOpen,
    /// Not answering: unplugged, powered off, unreachable, or reporting offline.
    Offline,
    /// Any other failure (cutter jam, overheating, a driver error).
    Fault,
}

impl PrintProblem {
    /// The code the heartbeat reports (`printer_status`).
    pub fn code(self) -> &'static str {
        match self {
            PrintProblem::PaperOut => "out_of_paper",
            PrintProblem::CoverOpen => "cover_open",
            PrintProblem::Offline => "offline",
            PrintProblem::Fault => "error",
        }
    }

    /// A print now would fail the same way until a person fixes the printer.
    pub fn blocks_reprint(self) -> bool {
        matches!(self, PrintProblem::PaperOut | PrintProblem::CoverOpen)
    }

    pub fn citizen_reason(self, lang: Language) -> &'static str {
        match self {
            PrintProblem::PaperOut => pick(lang, "Máy in đã hết giấy.", "The printer is out of paper."),
            PrintProblem::CoverOpen => pick(lang, "Nắp máy in đang mở.", "The printer cover is open."),
            PrintProblem::Offline => {
                pick(lang, "Máy in tạm thời không hoạt động.", "The printer is not working at the moment.")
            }
            PrintProblem::Fault => pick(lang, "Máy in đang gặp sự cố.", "The printer has a problem."),
        }
    }
}

/// How a print failed: the problem and the technical detail (never shown to citizens).
#[derive(Debug, Clone, PartialEq)]
pub struct PrintFailure {
    pub problem: PrintProblem,
    pub detail: String,
}

/// The printer as last seen: `None` before the first print.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PrinterState {
    pub last: Option<Result<(), PrintFailure>>,
}

/// The kiosk's ticket printer and how its last print went.
pub struct Printer {
    ctx: Arc<KioskContext>,
    state: Arc<Mutex<PrinterState>>,
}

/// What the ticket layout says, in the kiosk's language.
pub fn ticket_print(cfg: &crate::config::Config, lang: Language, t: &IssuedTicket) -> TicketPrint {
    let counters = t.counters.iter().map(u32::to_string).collect::<Vec<_>>().join(", ");
    let mut header_lines = vec![cfg.centre.name.clone()];
    if !cfg.centre.address.is_empty() {
        header_lines.push(cfg.centre.address.clone());
    }
    if !cfg.printer.header.is_empty() {
        header_lines.push(cfg.printer.header.clone());
    }
    let logo = (!cfg.printer.logo.is_empty()).then(|| image::open(&cfg.printer.logo)).and_then(|r| {
        r.map_err(|e| tracing::warn!("cannot load printer.logo {}: {e}", cfg.printer.logo)).ok()
    });
    TicketPrint {
        logo,
        header_lines,
        number_caption: pick(lang, "SỐ THỨ TỰ", "QUEUE NUMBER").into(),
        number: t.number.clone(),
        check_line: if t.check_code.is_empty() {
            String::new()
        } else {
            match lang {
                Language::Vi => format!("Mã kiểm tra: {}", t.check_code),
                Language::En => format!("Check code: {}", t.check_code),
            }
        },
        service: pick(lang, &t.service_name_vi, &t.service_name_en).into(),
        wait_at: match lang {
            Language::Vi => format!("Mời đến Quầy {counters}"),
            Language::En => format!("Please go to counter {counters}"),
        },
        // Offline the kiosk does not know the queue: the ticket says only what is true.
        ahead_line: match (t.offline, lang) {
            (true, _) => String::new(),
            (false, Language::Vi) => format!("Trước bạn có {} người đang chờ", t.people_ahead),
            (false, Language::En) => format!("{} people waiting ahead of you", t.people_ahead),
        },
        issued: format_date_time(t.issued_at),
        offline_note: t.offline.then(|| {
            pick(
                lang,
                "Số cấp khi mất kết nối – quầy vẫn gọi số như thường lệ",
                "Issued offline – the counter will call it as usual",
            )
            .to_string()
        }),
        qr_payload: Some(t.tracking_url.clone()),
        qr_caption: pick(lang, "Quét mã để theo dõi lượt của bạn", "Scan to follow your turn").into(),
        footer_lines: vec![cfg.printer.footer.clone()],
    }
}

impl Printer {
    pub fn new(ctx: Arc<KioskContext>) -> Arc<Self> {
        Arc::new(Printer { ctx, state: Arc::default() })
    }

    fn present(&self) -> bool {
        !self.ctx.cfg.printer.uri.is_empty()
    }

    /// The last problem, if the last print failed.
    pub fn problem(&self) -> Option<PrintFailure> {
        match &self.state.lock().expect("printer lock").last {
            Some(Err(f)) => Some(f.clone()),
            _ => None,
        }
    }

    /// The printer's state for the heartbeat: "none" (not configured),
    /// "unknown" (nothing printed yet), "ok", or the last problem's code.
    pub fn health(&self) -> String {
        if !self.present() {
            return "none".into();
        }
        match &self.state.lock().expect("printer lock").last {
            None => "unknown".into(),
            Some(Ok(())) => "ok".into(),
            Some(Err(f)) => f.problem.code().into(),
        }
    }

    /// Prints `t` in the background; the ticket screen shows how it went.
    pub fn print_ticket(&self, ui: &KioskWindow, t: &IssuedTicket) {
        let lang = self.ctx.lang();
        let a = ui.global::<TicketAdapter>();
        a.set_printer_present(self.present());
        if !self.present() {
            a.set_print_problem(false);
            a.set_print_status(
                pick(
                    lang,
                    "Máy này không in vé: màn hình này là vé của bạn. Hãy ghi nhớ hoặc chụp lại số.",
                    "This kiosk does not print tickets: this screen is your ticket. Remember or photograph your number.",
                )
                .into(),
            );
            return;
        }
        a.set_print_problem(false);
        a.set_reprint_enabled(false);
        a.set_reprint_note("".into());
        a.set_print_status(pick(lang, "Đang in vé…", "Printing your ticket…").into());
        let job = ticket_print(&self.ctx.cfg, lang, t);
        let (cfg, state) = (self.ctx.cfg.printer.clone(), self.state.clone());
        let work = move || {
            let result = print_blocking(&cfg, &job);
            if let Err(f) = &result {
                tracing::warn!(problem = f.problem.code(), detail = %f.detail, "ticket not printed");
            }
            state.lock().expect("printer lock").last = Some(result.clone());
            result
        };
        let ctx = self.ctx.clone();
        self.ctx.spawn_blocking(ui, work, move |ui, result| show_outcome(ui, ctx.lang(), &result));
    }

    /// Whether a printer is configured (the "print the list" button needs one).
    pub fn configured(&self) -> bool {
        self.present()
    }

    /// Prints a procedure's documents checklist in the background; `done`
    /// hears how it went on the UI thread (the outcome is also the printer's
    /// state in the heartbeat).
    pub fn print_checklist(
        &self,
        ui: &KioskWindow,
        job: ChecklistPrint,
        done: impl FnOnce(&KioskWindow, Result<(), PrintFailure>) + Send + 'static,
    ) {
        let (cfg, state) = (self.ctx.cfg.printer.clone(), self.state.clone());
        let work = move || {
            let result = connect(&cfg).and_then(|mut p| {
                print_raster(&mut p, cfg.width_dots, |w| printer::render_checklist(&job, w))
            });
            if let Err(f) = &result {
                tracing::warn!(problem = f.problem.code(), detail = %f.detail, "checklist not printed");
            }
            state.lock().expect("printer lock").last = Some(result.clone());
            result
        };
        self.ctx.spawn_blocking(ui, work, done);
    }

    /// A test print (`print`) or a status read with `cfg` (the setup page's
    /// draft) in the background; the outcome also becomes the printer's state
    /// the heartbeat reports. `done` gets it on the UI thread.
    pub fn check(
        &self,
        ui: &KioskWindow,
        cfg: crate::config::Config,
        print: bool,
        done: impl FnOnce(&KioskWindow, PrinterCheck) + Send + 'static,
    ) {
        let (lang, now, state) = (self.ctx.lang(), self.ctx.now(), self.state.clone());
        let work = move || {
            let check =
                if print { test_print_blocking(&cfg, lang, now) } else { read_condition(&cfg.printer) };
            let last = match &check.printed {
                Some(r) => r.clone(),
                None if check.condition.can_print() => Ok(()),
                None => Err(PrintFailure {
                    problem: match check.condition {
                        PrinterCondition::PaperOut => PrintProblem::PaperOut,
                        PrinterCondition::CoverOpen => PrintProblem::CoverOpen,
                        PrinterCondition::Fault => PrintProblem::Fault,
                        _ => PrintProblem::Offline,
                    },
                    detail: check.detail.clone(),
                }),
            };
            state.lock().expect("printer lock").last = Some(last);
            check
        };
        self.ctx.spawn_blocking(ui, work, done);
    }

    /// Shows `result` on the ticket screen as if a print had just ended so
    /// (snapshots of the printer's failure states).
    pub fn show_result(&self, ui: &KioskWindow, result: Result<(), PrintFailure>) {
        self.state.lock().expect("printer lock").last = Some(result.clone());
        ui.global::<TicketAdapter>().set_printer_present(self.present());
        show_outcome(ui, self.ctx.lang(), &result);
    }

    /// Re-renders the print outcome in the current language.
    pub fn refresh_texts(&self, ui: &KioskWindow) {
        let last = self.state.lock().expect("printer lock").last.clone();
        if let (Some(r), true) = (last, ui.global::<TicketAdapter>().get_print_status() != "") {
            show_outcome(ui, self.ctx.lang(), &r);
        }
    }
}

/// What the ticket screen says once the printer answered, and whether
/// "In lại vé" can work.
fn show_outcome(ui: &KioskWindow, lang: Language, result: &Result<(), PrintFailure>) {
    let a = ui.global::<TicketAdapter>();
    let (status, problem, reprint, note) = print_outcome(lang, result);
    a.set_print_status(status.into());
    a.set_print_problem(problem);
    a.set_reprint_enabled(reprint);
    a.set_reprint_note(note.into());
}

/// (status, is a problem, reprint enabled, why reprint is disabled).
fn print_outcome(lang: Language, result: &Result<(), PrintFailure>) -> (String, bool, bool, String) {
    match result {
        Ok(()) => {
            (pick(lang, "Vé đã được in.", "Your ticket is printed.").to_string(), false, true, String::new())
        }
        Err(f) => {
            let reason = f.problem.citizen_reason(lang);
            let status = match lang {
                Language::Vi => format!(
                    "{reason} Vé chưa in được, nhưng số của bạn đã được cấp: màn hình này là vé của bạn, hãy chụp lại hoặc ghi nhớ số. Nhân viên đã được báo."
                ),
                Language::En => format!(
                    "{reason} Your ticket could not be printed, but your number is issued: this screen is your ticket, photograph or remember it. Staff have been told."
                ),
            };
            let note = if f.problem.blocks_reprint() {
                match (f.problem, lang) {
                    (PrintProblem::PaperOut, Language::Vi) => "Chưa in lại được vì máy in hết giấy.",
                    (PrintProblem::PaperOut, Language::En) => {
                        "Cannot print again: the printer is out of paper."
                    }
                    (_, Language::Vi) => "Chưa in lại được vì nắp máy in đang mở.",
                    (_, Language::En) => "Cannot print again: the printer cover is open.",
                }
            } else {
                ""
            };
            (status, true, !f.problem.blocks_reprint(), note.to_string())
        }
    }
}

fn print_blocking(cfg: &PrinterConfig, job: &TicketPrint) -> Result<(), PrintFailure> {
    print_on(&mut connect(cfg)?, cfg, job)
}

fn fail(problem: PrintProblem, e: &dyn std::fmt::Display) -> PrintFailure {
    PrintFailure { problem, detail: e.to_string() }
}

fn connect(cfg: &PrinterConfig) -> Result<printer::Printer, PrintFailure> {
    let opts = PrinterOptions {
        timeout: Duration::from_millis(cfg.status_timeout_ms),
        write_stall_timeout: Duration::from_secs(5),
    };
    printer::Printer::connect(&cfg.uri, opts).map_err(|e| fail(PrintProblem::Offline, &e))
}

/// The problem a not-ready status stands for.
fn problem_of(st: &PrinterStatus) -> PrintProblem {
    if st.paper_out {
        PrintProblem::PaperOut
    } else if st.cover_open {
        PrintProblem::CoverOpen
    } else if st.error {
        PrintProblem::Fault
    } else {
        PrintProblem::Offline
    }
}

/// Checks the status (a printer that cannot print now gets nothing), then prints.
fn print_on(p: &mut printer::Printer, cfg: &PrinterConfig, job: &TicketPrint) -> Result<(), PrintFailure> {
    print_raster(p, cfg.width_dots, |w| printer::render_ticket(job, w))
}

/// [`print_on`] for any raster: status first, then the job, feed and cut.
fn print_raster(
    p: &mut printer::Printer,
    width_dots: u32,
    render: impl FnOnce(u32) -> Result<printer::Bitmap, printer::TicketError>,
) -> Result<(), PrintFailure> {
    // A printer that does not answer status may still print (some USB models).
    match p.status() {
        Ok(st) if !st.ready() => {
            return Err(fail(problem_of(&st), &st.problem_en().unwrap_or("printer not ready")));
        }
        Ok(_) => {}
        Err(e) => tracing::warn!("printer status unavailable: {e}"),
    }
    let bitmap = render(width_dots).map_err(|e| fail(PrintProblem::Fault, &e))?;
    p.print(&printer::escpos_job(&bitmap)).map_err(|e| fail(PrintProblem::Offline, &e))?;
    Ok(())
}

/// The printer's condition as the setup page reads it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrinterCondition {
    Ok,
    PaperLow,
    PaperOut,
    CoverOpen,
    Offline,
    Fault,
    /// Connected, but the printer does not answer status (some USB models, `file://`).
    NoStatus,
}

impl PrinterCondition {
    pub fn from_status(st: &PrinterStatus) -> Self {
        if st.ready() {
            if st.paper_near_end {
                Self::PaperLow
            } else {
                Self::Ok
            }
        } else {
            match problem_of(st) {
                PrintProblem::PaperOut => Self::PaperOut,
                PrintProblem::CoverOpen => Self::CoverOpen,
                PrintProblem::Fault => Self::Fault,
                PrintProblem::Offline => Self::Offline,
            }
        }
    }

    fn from_problem(p: PrintProblem) -> Self {
        match p {
            PrintProblem::PaperOut => Self::PaperOut,
            PrintProblem::CoverOpen => Self::CoverOpen,
            PrintProblem::Offline => Self::Offline,
            PrintProblem::Fault => Self::Fault,
        }
    }

    /// Tickets can be printed (paper low is a warning, not a stop).
    pub fn can_print(self) -> bool {
        matches!(self, Self::Ok | Self::PaperLow | Self::NoStatus)
    }

    /// The code the heartbeat and `doctor` use.
    pub fn code(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::PaperLow => "paper_low",
            Self::PaperOut => "out_of_paper",
            Self::CoverOpen => "cover_open",
            Self::Offline => "offline",
            Self::Fault => "error",
            Self::NoStatus => "no_status",
        }
    }

    /// For the technician, in the kiosk's language.
    pub fn text(self, lang: Language) -> &'static str {
        match self {
            Self::Ok => pick(lang, "Sẵn sàng", "Ready"),
            Self::PaperLow => pick(lang, "Sắp hết giấy", "Paper low"),
            Self::PaperOut => pick(lang, "Hết giấy", "Out of paper"),
            Self::CoverOpen => pick(lang, "Nắp máy in đang mở", "Cover open"),
            Self::Offline => pick(lang, "Không kết nối được máy in", "Printer offline"),
            Self::Fault => pick(lang, "Máy in báo lỗi", "Printer error"),
            Self::NoStatus => pick(lang, "Máy in không trả lời trạng thái", "Printer does not report status"),
        }
    }
}

/// What a test print or a status read found.
#[derive(Debug, Clone, PartialEq)]
pub struct PrinterCheck {
    /// `None` for a status read; the print's outcome for a test print.
    pub printed: Option<Result<(), PrintFailure>>,
    /// The printer's condition read back afterwards.
    pub condition: PrinterCondition,
    /// The technical detail (driver error), for the technician only.
    pub detail: String,
}

/// Reads the printer's status (connect, `DLE EOT 1/2/4`).
pub fn read_condition(cfg: &PrinterConfig) -> PrinterCheck {
    let (condition, detail) = match connect(cfg) {
        Err(f) => (PrinterCondition::Offline, f.detail),
        Ok(mut p) => condition_of(&mut p),
    };
    PrinterCheck { printed: None, condition, detail }
}

fn condition_of(p: &mut printer::Printer) -> (PrinterCondition, String) {
    match p.status() {
        Ok(st) => (PrinterCondition::from_status(&st), String::new()),
        Err(e @ printer::PrinterError::StatusUnsupported(_)) => (PrinterCondition::NoStatus, e.to_string()),
        Err(e) => (PrinterCondition::Offline, e.to_string()),
    }
}

/// A sample ticket in the real layout, marked as a test so nobody queues with it.
pub fn sample_ticket(cfg: &crate::config::Config, lang: Language, now: DateTime<Utc>) -> TicketPrint {
    let sample = IssuedTicket {
        number: "A-000".into(),
        service_code: "TEST".into(),
        service_name_vi: "In thử – không dùng để xếp hàng".into(),
        service_name_en: "Test print – not a queue ticket".into(),
        counters: vec![1],
        issued_at: now,
        people_ahead: 0,
        wait_minutes: 0,
        tracking_url: format!("{}TEST", cfg.centre.tracking_base_url),
        // Shows where the check code prints; a test ticket rates nothing.
        check_code: "0000".into(),
        offline: false,
        priority: None,
    };
    let mut job = ticket_print(cfg, lang, &sample);
    job.number_caption = pick(lang, "PHIẾU IN THỬ", "TEST PRINT").into();
    job
}

/// Prints [`sample_ticket`] through the driver as a citizen's ticket would be,
/// then reads the printer's status back.
pub fn test_print_blocking(cfg: &crate::config::Config, lang: Language, now: DateTime<Utc>) -> PrinterCheck {
    let job = sample_ticket(cfg, lang, now);
    let mut p = match connect(&cfg.printer) {
        Err(f) => {
            let detail = f.detail.clone();
            return PrinterCheck { printed: Some(Err(f)), condition: PrinterCondition::Offline, detail };
        }
        Ok(p) => p,
    };
    let printed = print_on(&mut p, &cfg.printer, &job);
    let (condition, detail) = match &printed {
        // Not printed because of its status: that status is the answer.
        Err(f) if f.problem != PrintProblem::Offline => {
            (PrinterCondition::from_problem(f.problem), f.detail.clone())
        }
        _ => condition_of(&mut p),
    };
    let detail = match &printed {
        Err(f) if detail.is_empty() => f.detail.clone(),
        _ => detail,
    };
    PrinterCheck { printed: Some(printed), condition, detail }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_read_plainly_and_block_reprint_only_when_a_person_must_act() {
        // Must hold: no technical detail reaches the citizen's sentence, and
        // reprint is off exactly while paper is out or the cover is open.
        for problem in
            [PrintProblem::PaperOut, PrintProblem::CoverOpen, PrintProblem::Offline, PrintProblem::Fault]
        {
            let f = PrintFailure {
                problem,
                detail: "cannot connect to 127.0.0.1:9: Connection refused (os error 111)".into(),
            };
            for lang in [Language::Vi, Language::En] {
                let (status, is_problem, reprint, note) = print_outcome(lang, &Err(f.clone()));
                assert!(is_problem);
                assert!(!status.contains("127.0.0.1") && !status.contains("os error"), "{status}");
                assert_eq!(reprint, !problem.blocks_reprint());
                assert_eq!(note.is_empty(), reprint, "{problem:?}: a disabled reprint says why");
            }
        }
    }
}
