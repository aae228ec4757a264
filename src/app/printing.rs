//! Printing the ticket on the thermal printer, off the UI thread. When the
//! printer cannot print, the screen is the ticket and says so plainly.

use super::backend::IssuedTicket;
use super::context::KioskContext;
use super::i18n::pick;
use crate::config::{Language, PrinterConfig};
use crate::domain::localtime::format_date_time;
use crate::ui::{KioskWindow, TicketAdapter};
use motcua_drivers::printer::{self, PrinterOptions, TicketPrint};
use slint::ComponentHandle;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The kiosk's ticket printer and how its last print went.
pub struct Printer {
    ctx: Arc<KioskContext>,
    /// Last outcome: "ok", a problem in English, or "" before the first print.
    last: Arc<Mutex<String>>,
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
        service: pick(lang, &t.service_name_vi, &t.service_name_en).into(),
        wait_at: match lang {
            Language::Vi => format!("Mời đến Quầy {counters}"),
            Language::En => format!("Please go to counter {counters}"),
        },
        ahead_line: match lang {
            Language::Vi => format!("Có {} người đang chờ trước bạn", t.people_ahead),
            Language::En => format!("{} people ahead of you", t.people_ahead),
        },
        issued: format_date_time(t.issued_at),
        offline_note: t.offline.then(|| {
            pick(
                lang,
                "Số cấp khi mất kết nối – vẫn được gọi bình thường",
                "Issued offline – will be called as usual",
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
        Arc::new(Printer { ctx, last: Arc::default() })
    }

    /// The printer's state for the heartbeat: "none" (not configured),
    /// "unknown" (nothing printed yet), "ok", or the last problem.
    pub fn health(&self) -> String {
        let last = self.last.lock().expect("printer lock").clone();
        if self.ctx.cfg.printer.uri.is_empty() {
            "none".into()
        } else if last.is_empty() {
            "unknown".into()
        } else {
            last
        }
    }

    /// Prints `t` in the background; the ticket screen shows how it went.
    pub fn print_ticket(&self, ui: &KioskWindow, t: &IssuedTicket) {
        let lang = self.ctx.lang();
        let a = ui.global::<TicketAdapter>();
        if self.ctx.cfg.printer.uri.is_empty() {
            a.set_print_status(
                pick(
                    lang,
                    "Kiosk này không có máy in: màn hình này là vé của bạn. Hãy ghi nhớ hoặc chụp lại số.",
                    "This kiosk has no printer: this screen is your ticket. Remember or photograph your number.",
                )
                .into(),
            );
            return;
        }
        a.set_print_status(pick(lang, "Đang in vé…", "Printing your ticket…").into());
        let job = ticket_print(&self.ctx.cfg, lang, t);
        let (cfg, last) = (self.ctx.cfg.printer.clone(), self.last.clone());
        let work = move || {
            let result = print_blocking(&cfg, &job);
            *last.lock().expect("printer lock") = match &result {
                Ok(()) => "ok".into(),
                Err((_, en)) => en.clone(),
            };
            result
        };
        self.ctx.spawn_blocking(ui, work, move |ui, result| {
            ui.global::<TicketAdapter>().set_print_status(print_outcome(lang, &result).into());
        });
    }
}

/// What the ticket screen says once the printer answered.
fn print_outcome(lang: Language, result: &Result<(), (String, String)>) -> String {
    match result {
        Ok(()) => pick(lang, "Vé đã được in. Mời bạn nhận vé bên dưới.", "Your ticket is printed below.")
            .to_string(),
        Err((vi, en)) => {
            let reason = pick(lang, vi, en);
            match lang {
                Language::Vi => format!(
                    "Không in được vé ({reason}). Màn hình này là vé của bạn: hãy chụp lại hoặc ghi nhớ số."
                ),
                Language::En => format!(
                    "The ticket could not be printed ({reason}). This screen is your ticket: photograph or remember your number."
                ),
            }
        }
    }
}

fn print_blocking(cfg: &PrinterConfig, job: &TicketPrint) -> Result<(), (String, String)> {
    let opts = PrinterOptions {
        timeout: Duration::from_millis(cfg.status_timeout_ms),
        write_stall_timeout: Duration::from_secs(5),
    };
    let err = |e: &dyn std::fmt::Display| (format!("lỗi máy in: {e}"), format!("printer error: {e}"));
    let mut p = printer::Printer::connect(&cfg.uri, opts).map_err(|e| err(&e))?;
    // A printer that does not answer status may still print (some USB models).
    match p.status() {
        Ok(st) if !st.ready() => {
            return Err((
                st.problem_vi().unwrap_or("máy in chưa sẵn sàng").to_string(),
                st.problem_en().unwrap_or("printer not ready").to_string(),
            ))
        }
        Ok(_) => {}
        Err(e) => tracing::warn!("printer status unavailable: {e}"),
    }
    let bitmap = printer::render_ticket(job, cfg.width_dots).map_err(|e| err(&e))?;
    p.print(&printer::escpos_job(&bitmap)).map_err(|e| err(&e))?;
    Ok(())
}
