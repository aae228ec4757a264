//! Take a number: service tiles, priority choice, issuing, the ticket screen
//! and its automatic return home.

use super::backend::{IssueRequest, ServiceView, IssuedTicket};
use super::i18n::pick;
use super::kiosk::Inner;
use crate::config::Language;
use crate::domain::ticket::PriorityGroup;
use crate::ui::{KioskWindow, Nav, Page, PriorityOption, QueueAdapter, ServiceTile, TicketAdapter};
use slint::{ComponentHandle, ModelRc, VecModel};
use std::sync::Arc;

pub fn wire(ui: &KioskWindow, inner: &Arc<Inner>) {
    let q = ui.global::<QueueAdapter>();
    q.on_take({
        let (weak, inner) = (ui.as_weak(), inner.clone());
        move |code| {
            if let Some(ui) = weak.upgrade() {
                take(&ui, &inner, code.as_str());
            }
        }
    });
    let t = ui.global::<TicketAdapter>();
    t.on_done({
        let (weak, inner) = (ui.as_weak(), inner.clone());
        move || {
            if let Some(ui) = weak.upgrade() {
                super::kiosk::end_session(&ui, &inner);
            }
        }
    });
    t.on_print({
        let (weak, inner) = (ui.as_weak(), inner.clone());
        move || {
            let ticket = inner.session.lock().expect("session lock").ticket.clone();
            if let (Some(ui), Some(t)) = (weak.upgrade(), ticket) {
                super::printing::print_ticket(&ui, &inner, &t);
            }
        }
    });
    refresh_texts(ui, inner);
}

/// Re-renders every Rust-built text in the current language.
pub fn refresh_texts(ui: &KioskWindow, inner: &Inner) {
    let lang = inner.lang();
    let groups: Vec<PriorityOption> = inner
        .cfg
        .queue
        .priority_groups
        .iter()
        .filter_map(|k| PriorityGroup::from_key(k))
        .map(|g| PriorityOption { key: g.key().into(), label: pick(lang, g.label_vi(), g.label_en()).into() })
        .collect();
    ui.global::<QueueAdapter>().set_priority_options(ModelRc::new(VecModel::from(groups)));
    let services = inner.services.lock().expect("services lock").clone();
    show_services(ui, lang, &services);
    let ticket = inner.session.lock().expect("session lock").ticket.clone();
    if let Some(t) = ticket {
        show_ticket(ui, inner, &t);
    }
}

fn counters_text(c: &[u32]) -> String {
    c.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

fn show_services(ui: &KioskWindow, lang: Language, services: &[ServiceView]) {
    let tiles: Vec<ServiceTile> = services
        .iter()
        .map(|s| ServiceTile {
            code: s.code.as_str().into(),
            name: pick(lang, &s.name_vi, &s.name_en).into(),
            prefix: s.prefix.as_str().into(),
            counters: counters_text(&s.counters).into(),
            waiting: s.waiting as i32,
            wait_minutes: s.wait_minutes as i32,
            available: s.available,
            note: pick(lang, &s.note_vi, &s.note_en).into(),
        })
        .collect();
    ui.global::<QueueAdapter>().set_services(ModelRc::new(VecModel::from(tiles)));
}

/// Fetches the services (with live waiting counts) in the background.
pub fn load_services(ui: &KioskWindow, inner: &Arc<Inner>) {
    let q = ui.global::<QueueAdapter>();
    q.set_error("".into());
    let (backend, post_inner) = (inner.backend.clone(), inner.clone());
    inner.poster.spawn(&inner.rt, &ui.as_weak(), async move { backend.services().await }, move |ui, result| {
        let lang = post_inner.lang();
        match result {
            Ok(services) => {
                show_services(ui, lang, &services);
                *post_inner.services.lock().expect("services lock") = services;
            }
            Err(e) => {
                ui.global::<QueueAdapter>().set_error(pick(lang, &e.vi, &e.en).into());
            }
        }
    });
}

pub fn take(ui: &KioskWindow, inner: &Arc<Inner>, code: &str) {
    let q = ui.global::<QueueAdapter>();
    if q.get_busy() {
        return; // a second tap while issuing must not issue a second number
    }
    q.set_busy(true);
    q.set_error("".into());
    let priority = PriorityGroup::from_key(q.get_priority().as_str());
    let citizen = inner.session.lock().expect("session lock").citizen.clone();
    let req = IssueRequest { service: code.to_string(), priority, citizen };
    let (backend, post_inner) = (inner.backend.clone(), inner.clone());
    inner.poster.spawn(&inner.rt, &ui.as_weak(), async move { backend.issue(req).await }, move |ui, result| {
        ui.global::<QueueAdapter>().set_busy(false);
        match result {
            Ok(ticket) => {
                {
                    let mut s = post_inner.session.lock().expect("session lock");
                    s.ticket = Some(ticket.clone());
                    s.ticket_seconds_left = post_inner.cfg.kiosk.ticket_return_secs;
                }
                show_ticket(ui, &post_inner, &ticket);
                ui.global::<Nav>().invoke_go(Page::Ticket);
                super::printing::print_ticket(ui, &post_inner, &ticket);
            }
            Err(e) => {
                let lang = post_inner.lang();
                ui.global::<QueueAdapter>().set_error(pick(lang, &e.vi, &e.en).into());
            }
        }
    });
}

pub fn show_ticket(ui: &KioskWindow, inner: &Inner, t: &IssuedTicket) {
    let lang = inner.lang();
    let a = ui.global::<TicketAdapter>();
    a.set_number(t.number.as_str().into());
    a.set_service_name(pick(lang, &t.service_name_vi, &t.service_name_en).into());
    let counters = counters_text(&t.counters);
    a.set_wait_at(
        match lang {
            Language::Vi => format!("Mời bạn ngồi chờ và theo dõi màn hình gọi số tại quầy {counters}"),
            Language::En => format!("Please take a seat and watch the display for counter {counters}"),
        }
        .into(),
    );
    a.set_issued(crate::domain::localtime::format_time_date(t.issued_at, " · ").into());
    a.set_people_ahead(t.people_ahead as i32);
    a.set_wait_minutes(t.wait_minutes as i32);
    a.set_offline(t.offline);
    a.set_priority_label(
        t.priority.map(|g| pick(lang, g.label_vi(), g.label_en()).to_string()).unwrap_or_default().into(),
    );
    let citizen = inner.session.lock().expect("session lock").citizen.is_some();
    a.set_citizen_note(
        if citizen {
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
    a.set_return_seconds_left(inner.session.lock().expect("session lock").ticket_seconds_left as i32);
}

/// Counts the ticket screen down to the automatic return home.
pub fn tick(ui: &KioskWindow, inner: &Inner) {
    if ui.global::<Nav>().get_page() != Page::Ticket {
        return;
    }
    let left = {
        let mut s = inner.session.lock().expect("session lock");
        s.ticket_seconds_left = s.ticket_seconds_left.saturating_sub(1);
        s.ticket_seconds_left
    };
    ui.global::<TicketAdapter>().set_return_seconds_left(left as i32);
    if left == 0 {
        super::kiosk::end_session(ui, inner);
    }
}

pub fn clear(ui: &KioskWindow) {
    let q = ui.global::<QueueAdapter>();
    q.set_priority("".into());
    q.set_error("".into());
    q.set_busy(false);
    let t = ui.global::<TicketAdapter>();
    t.set_number("".into());
    t.set_service_name("".into());
    t.set_wait_at("".into());
    t.set_issued("".into());
    t.set_people_ahead(0);
    t.set_wait_minutes(0);
    t.set_priority_label("".into());
    t.set_citizen_note("".into());
    t.set_offline(false);
    t.set_print_status("".into());
    t.set_qr(slint::Image::default());
}
