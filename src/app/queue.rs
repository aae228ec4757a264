//! Take a number: priority first, then the service tiles (a priority ticket
//! is confirmed before it prints), issuing, the ticket screen and its
//! automatic return home.

use super::backend::{IssueRequest, IssuedTicket, ServiceView};
use super::context::{end_session, handler, Feature, KioskContext};
use super::i18n::pick;
use super::printing::Printer;
use super::scan::Scan;
use super::voice::Voice;
use crate::config::Language;
use crate::domain::localtime::format_time_date;
use crate::domain::ticket::PriorityGroup;
use crate::ui::{KioskWindow, Nav, Page, PriorityOption, QueueAdapter, ServiceTile, TicketAdapter};
use slint::{ComponentHandle, ModelRc, VecModel};
use std::sync::{Arc, Mutex};

/// The ticket of this session and the countdown to home.
#[derive(Default)]
struct TicketShown {
    ticket: Option<IssuedTicket>,
    seconds_left: u32,
}

pub struct Queue {
    ctx: Arc<KioskContext>,
    /// Who the citizen is (their identity goes with the ticket request).
    scan: Arc<Scan>,
    printer: Arc<Printer>,
    /// Reads a new ticket's number and counter aloud, and asks to confirm a
    /// priority ticket (when `kiosk.voice` is on).
    voice: Arc<Voice>,
    /// The services as last fetched (kept across sessions).
    services: Arc<Mutex<Vec<ServiceView>>>,
    shown: Mutex<TicketShown>,
    /// The service tapped with a priority chosen, awaiting "In vé".
    pending: Mutex<Option<String>>,
}

/// The counters of a service as a phrase: "quầy 1, 2" / "counters 1 and 2"
/// ("counter 5" for one), capitalised when it starts a line.
pub fn counters_phrase(lang: Language, c: &[u32], capital: bool) -> String {
    let n: Vec<String> = c.iter().map(u32::to_string).collect();
    let text = match (lang, n.as_slice()) {
        (Language::Vi, _) => format!("quầy {}", n.join(", ")),
        (Language::En, [one]) => format!("counter {one}"),
        (Language::En, [rest @ .., last]) if !rest.is_empty() => {
            format!("counters {} and {last}", rest.join(", "))
        }
        (Language::En, _) => "counter".to_string(),
    };
    if !capital {
        return text;
    }
    let mut chars = text.chars();
    chars.next().map(|f| f.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn show_services(ui: &KioskWindow, lang: Language, services: &[ServiceView]) {
    let tiles: Vec<ServiceTile> = services
        .iter()
        .map(|s| ServiceTile {
            code: s.code.as_str().into(),
            name: pick(lang, &s.name_vi, &s.name_en).into(),
            prefix: s.prefix.as_str().into(),
            counters: counters_phrase(lang, &s.counters, true).into(),
            waiting: s.waiting as i32,
            wait_minutes: s.wait_minutes as i32,
            available: s.available,
            note: pick(lang, &s.note_vi, &s.note_en).into(),
            live: s.live,
        })
        .collect();
    ui.global::<QueueAdapter>().set_services(ModelRc::new(VecModel::from(tiles)));
}

impl Queue {
    pub fn new(
        ctx: Arc<KioskContext>,
        scan: Arc<Scan>,
        printer: Arc<Printer>,
        voice: Arc<Voice>,
    ) -> Arc<Self> {
        Arc::new(Queue {
            ctx,
            scan,
            printer,
            voice,
            services: Arc::default(),
            shown: Mutex::default(),
            pending: Mutex::default(),
        })
    }

    fn shown(&self) -> std::sync::MutexGuard<'_, TicketShown> {
        self.shown.lock().expect("ticket lock")
    }

    /// Fetches the services (with live waiting counts) in the background.
    fn load_services(&self, ui: &KioskWindow) {
        ui.global::<QueueAdapter>().set_error("".into());
        let (backend, ctx, slot) = (self.ctx.backend.clone(), self.ctx.clone(), self.services.clone());
        self.ctx.spawn(ui, async move { backend.services().await }, move |ui, result| {
            let lang = ctx.lang();
            match result {
                Ok(services) => {
                    show_services(ui, lang, &services);
                    *slot.lock().expect("services lock") = services;
                }
                Err(e) => ui.global::<QueueAdapter>().set_error(pick(lang, &e.vi, &e.en).into()),
            }
        });
    }

    /// A service tile was tapped: issue at once, or first confirm a priority
    /// ticket (a wrong tap then prints nothing).
    fn take(self: &Arc<Self>, ui: &KioskWindow, code: &str) {
        let q = ui.global::<QueueAdapter>();
        if q.get_busy() {
            return; // a second tap while issuing must not issue a second number
        }
        let Some(group) = PriorityGroup::from_key(q.get_priority().as_str()) else {
            return self.issue(ui, code);
        };
        let lang = self.ctx.lang();
        let name = self
            .services
            .lock()
            .expect("services lock")
            .iter()
            .find(|s| s.code == code)
            .map(|s| pick(lang, &s.name_vi, &s.name_en).to_string())
            .unwrap_or_else(|| code.to_string());
        *self.pending.lock().expect("pending lock") = Some(code.to_string());
        q.set_confirm_text(format!("{name} · {}", pick(lang, group.label_vi(), group.label_en())).into());
        self.voice.say(super::prompts::Prompt::Confirm, lang);
    }

    fn confirm(self: &Arc<Self>, ui: &KioskWindow) {
        ui.global::<QueueAdapter>().set_confirm_text("".into());
        if let Some(code) = self.pending.lock().expect("pending lock").take() {
            self.issue(ui, &code);
        }
    }

    fn cancel_confirm(&self, ui: &KioskWindow) {
        self.pending.lock().expect("pending lock").take();
        ui.global::<QueueAdapter>().set_confirm_text("".into());
    }

    fn issue(self: &Arc<Self>, ui: &KioskWindow, code: &str) {
        let q = ui.global::<QueueAdapter>();
        if q.get_busy() {
            return;
        }
        q.set_busy(true);
        q.set_error("".into());
        let priority = PriorityGroup::from_key(q.get_priority().as_str());
        let req = IssueRequest { service: code.to_string(), priority, citizen: self.scan.citizen() };
        let (backend, this) = (self.ctx.backend.clone(), self.clone());
        self.ctx.spawn(ui, async move { backend.issue(req).await }, move |ui, result| {
            ui.global::<QueueAdapter>().set_busy(false);
            match result {
                Ok(ticket) => {
                    this.present(ui, ticket.clone());
                    ui.global::<Nav>().invoke_go(Page::Ticket);
                    this.printer.print_ticket(ui, &ticket);
                }
                Err(e) => {
                    let lang = this.ctx.lang();
                    ui.global::<QueueAdapter>().set_error(pick(lang, &e.vi, &e.en).into());
                }
            }
        });
    }

    /// Makes `t` the session's ticket and fills the ticket screen, counting
    /// down to home from `kiosk.ticket_return_secs`.
    pub fn present(&self, ui: &KioskWindow, t: IssuedTicket) {
        *self.shown() =
            TicketShown { ticket: Some(t.clone()), seconds_left: self.ctx.cfg.kiosk.ticket_return_secs };
        self.show_ticket(ui, &t);
        self.voice.ticket(&t.number, &t.counters);
    }

    fn show_ticket(&self, ui: &KioskWindow, t: &IssuedTicket) {
        let lang = self.ctx.lang();
        let a = ui.global::<TicketAdapter>();
        a.set_number(t.number.as_str().into());
        a.set_check_code(t.check_code.as_str().into());
        a.set_service_name(pick(lang, &t.service_name_vi, &t.service_name_en).into());
        let counters = counters_phrase(lang, &t.counters, false);
        a.set_wait_at(
            match lang {
                Language::Vi => format!("Mời bạn ngồi chờ và theo dõi màn hình gọi số tại {counters}"),
                Language::En => format!("Please take a seat and watch the display for {counters}"),
            }
            .into(),
        );
        a.set_issued(format_time_date(t.issued_at, " · ").into());
        a.set_people_ahead(t.people_ahead as i32);
        a.set_wait_minutes(t.wait_minutes as i32);
        a.set_offline(t.offline);
        a.set_priority_label(
            t.priority.map(|g| pick(lang, g.label_vi(), g.label_en()).to_string()).unwrap_or_default().into(),
        );
        a.set_citizen_note(
            if self.scan.citizen().is_some() {
                pick(
                    lang,
                    "Đã gắn thông tin thẻ căn cước với số này.",
                    "Your ID card details are attached to this number.",
                )
            } else {
                ""
            }
            .into(),
        );
        a.set_qr(super::qr::qr_image(&t.tracking_url, 6));
        a.set_printer_present(!self.ctx.cfg.printer.uri.is_empty());
        a.set_return_seconds_left(self.shown().seconds_left as i32);
    }
}

impl Feature for Queue {
    fn wire(self: Arc<Self>, ui: &KioskWindow) {
        let q = ui.global::<QueueAdapter>();
        q.on_take(handler!(ui, &self, |ui, this, code| this.take(&ui, &code)));
        q.on_confirm(handler!(ui, &self, |ui, this| this.confirm(&ui)));
        q.on_cancel_confirm(handler!(ui, &self, |ui, this| this.cancel_confirm(&ui)));
        let t = ui.global::<TicketAdapter>();
        t.on_done(handler!(ui, &self, |ui, _this| end_session(&ui)));
        t.on_print(handler!(ui, &self, |ui, this| {
            let ticket = this.shown().ticket.clone();
            if let Some(t) = ticket {
                this.printer.print_ticket(&ui, &t);
            }
        }));
        self.refresh_texts(ui);
    }

    fn refresh_texts(&self, ui: &KioskWindow) {
        let lang = self.ctx.lang();
        let groups: Vec<PriorityOption> = self
            .ctx
            .cfg
            .queue
            .priority_groups
            .iter()
            .filter_map(|k| PriorityGroup::from_key(k))
            .map(|g| PriorityOption {
                key: g.key().into(),
                label: pick(lang, g.label_vi(), g.label_en()).into(),
            })
            .collect();
        let q = ui.global::<QueueAdapter>();
        // Two rows on narrow panels: "Không" and the first half, then the rest.
        let half = groups.len().div_ceil(2);
        q.set_priority_first(ModelRc::new(VecModel::from(groups[..half].to_vec())));
        q.set_priority_rest(ModelRc::new(VecModel::from(groups[half..].to_vec())));
        q.set_priority_options(ModelRc::new(VecModel::from(groups)));
        show_services(ui, lang, &self.services.lock().expect("services lock"));
        let ticket = self.shown().ticket.clone();
        if let Some(t) = ticket {
            self.show_ticket(ui, &t);
            self.printer.refresh_texts(ui);
        }
    }

    fn navigated(&self, ui: &KioskWindow, page: Page) {
        if page == Page::TakeNumber {
            self.load_services(ui);
        }
    }

    /// Counts the ticket screen down to the automatic return home.
    fn tick(&self, ui: &KioskWindow) {
        if ui.global::<Nav>().get_page() != Page::Ticket {
            return;
        }
        let left = {
            let mut s = self.shown();
            s.seconds_left = s.seconds_left.saturating_sub(1);
            s.seconds_left
        };
        ui.global::<TicketAdapter>().set_return_seconds_left(left as i32);
        if left == 0 {
            end_session(ui);
        }
    }

    fn end_session(&self, ui: &KioskWindow) {
        *self.shown() = TicketShown::default();
        self.pending.lock().expect("pending lock").take();
        let q = ui.global::<QueueAdapter>();
        q.set_priority("".into());
        q.set_error("".into());
        q.set_confirm_text("".into());
        q.set_busy(false);
        let t = ui.global::<TicketAdapter>();
        t.set_number("".into());
        t.set_check_code("".into());
        t.set_service_name("".into());
        t.set_wait_at("".into());
        t.set_issued("".into());
        t.set_people_ahead(0);
        t.set_wait_minutes(0);
        t.set_priority_label("".into());
        t.set_citizen_note("".into());
        t.set_offline(false);
        t.set_print_status("".into());
        t.set_print_problem(false);
        t.set_reprint_enabled(true);
        t.set_reprint_note("".into());
        t.set_qr(slint::Image::default());
    }

    fn session_data(&self) -> Vec<&'static str> {
        if self.shown().ticket.is_some() {
            vec!["ticket"]
        } else {
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_read_as_a_phrase_in_each_language() {
        // Must hold: "counters 1 and 2" in English, not "counter 1, 2".
        assert_eq!(counters_phrase(Language::En, &[5], false), "counter 5");
        assert_eq!(counters_phrase(Language::En, &[1, 2], true), "Counters 1 and 2");
        assert_eq!(counters_phrase(Language::En, &[1, 2, 3], false), "counters 1, 2 and 3");
        assert_eq!(counters_phrase(Language::Vi, &[1, 2], true), "Quầy 1, 2");
        assert_eq!(counters_phrase(Language::Vi, &[9], false), "quầy 9");
    }
}
