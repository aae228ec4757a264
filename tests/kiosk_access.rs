//! Accessibility from home (issue 14, point 10) through Slint's testing
//! backend: the per-session "Chữ to / Tương phản cao" buttons, and the
//! kiosk's offline voice into a recording sink: the ticket read aloud, and
//! one short prompt per page.

mod common;

use common::kiosk::*;
use motcua_kiosk::app::audio::{Played, RecordingSink};
use motcua_kiosk::config::{Config, Language};
use motcua_kiosk::domain::announce::{spoken, VoiceRegion};
use motcua_kiosk::ui::{Session, Theme, ThemeVariant, TicketAdapter};
use slint::ComponentHandle;
use std::time::{Duration, Instant};

fn variant(h: &Harness) -> ThemeVariant {
    h.app.ui.global::<Theme>().get_variant()
}

#[test]
fn the_citizens_theme_applies_at_once_and_ends_with_the_session() {
    // Must hold: "Chữ to" and "Tương phản cao" switch the theme for this
    // citizen (checked while chosen, a second tap goes back), and the end of
    // the session brings back the kiosk's configured theme.
    let mut cfg = Config::default();
    cfg.kiosk.theme = motcua_kiosk::config::ThemeVariant::HighContrast;
    let h = kiosk_on(cfg.clone(), sample_backend(&cfg), runtime());
    assert_eq!(variant(&h), ThemeVariant::HighContrast);
    tap(&h, "Chữ to");
    assert_eq!(variant(&h), ThemeVariant::LargeText);
    assert_eq!(h.app.ui.global::<Session>().get_theme_choice(), "large-text");
    assert_eq!(button(&h.app.ui, "Chữ to").accessible_checked(), Some(true));
    tap(&h, "Tương phản cao");
    assert_eq!(variant(&h), ThemeVariant::HighContrast);
    tap(&h, "Chữ to");
    tap(&h, "Chữ to");
    assert_eq!(variant(&h), ThemeVariant::HighContrast, "a second tap goes back to the kiosk's theme");
    tap(&h, "Chữ to");
    tap(&h, "Lấy số thứ tự");
    assert_eq!(variant(&h), ThemeVariant::LargeText, "kept across the citizen's pages");
    h.app.end_session();
    frame();
    assert_eq!(variant(&h), ThemeVariant::HighContrast, "reset when the session ends");
    assert_eq!(h.app.ui.global::<Session>().get_theme_choice(), "");
}

#[test]
fn the_ticket_is_read_aloud_by_the_offline_voice() {
    // Must hold: with the voice on, a new ticket's number and counters are
    // spoken (the board's clips: "mời số … đến quầy số …"), once, with sound.
    let mut cfg = Config::default();
    cfg.kiosk.voice = true;
    let h = kiosk_on(cfg.clone(), sample_backend(&cfg), runtime());
    let rec = RecordingSink::new(Duration::ZERO);
    h.app.use_voice_sink(Box::new(rec.clone()));
    tap(&h, "Lấy số thứ tự");
    settle(&h);
    tap(&h, "Hộ tịch");
    settle(&h);
    let number = h.app.ui.global::<TicketAdapter>().get_number().to_string();
    let deadline = Instant::now() + Duration::from_secs(10);
    while rec.played().is_empty() {
        assert!(Instant::now() < deadline, "nothing was spoken");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(h.app.wait_voice_idle(Duration::from_secs(10)));
    let played: Vec<Played> = rec.played().into_iter().filter(|p| p.prompt.is_none()).collect();
    assert_eq!(played.len(), 1);
    let ht = cfg.queue.services.iter().find(|s| s.code == "HT").unwrap();
    let expected = motcua_kiosk::app::voice::ticket_words(&number, &ht.counters, VoiceRegion::North);
    assert_eq!(spoken(&played[0].words), spoken(&expected));
    assert!(spoken(&played[0].words).starts_with("mời số"));
    assert!(played[0].samples > 16_000, "about a second of speech at least");
    assert!(!played[0].chime);
}

/// What the voice said, in order: a prompt by name, a ticket as "ticket".
fn said(rec: &RecordingSink) -> Vec<String> {
    rec.played()
        .iter()
        .map(|p| match p.prompt {
            Some((prompt, Language::Vi)) => format!("{prompt:?}"),
            Some((prompt, Language::En)) => format!("{prompt:?} (en)"),
            None => "ticket".to_string(),
        })
        .collect()
}

/// Taps `label`, then lets the voice read what the tap queued.
fn tap_and_listen(h: &Harness, label: &str) {
    tap(h, label);
    settle(h);
    assert!(h.app.wait_voice_idle(Duration::from_secs(10)), "the voice never finished");
}

fn voice_kiosk(on: bool, delay: Duration) -> (Harness, RecordingSink) {
    let mut cfg = Config::default();
    cfg.kiosk.voice = on;
    let h = kiosk_on(cfg.clone(), sample_backend(&cfg), runtime());
    let rec = RecordingSink::new(delay);
    h.app.use_voice_sink(Box::new(rec.clone()));
    (h, rec)
}

#[test]
fn each_page_speaks_its_prompt_once_and_the_ticket_number_first() {
    // Must hold: home → services → ticket says each page's prompt once, in
    // order; coming back to a page within seconds says nothing again; on
    // the ticket page the number is read before the prompt.
    let (h, rec) = voice_kiosk(true, Duration::ZERO);
    tap_and_listen(&h, "Tra cứu thủ tục");
    tap_and_listen(&h, "Trang chủ");
    tap_and_listen(&h, "Lấy số thứ tự");
    tap_and_listen(&h, "Trang chủ");
    tap_and_listen(&h, "Lấy số thứ tự");
    tap_and_listen(&h, "Hộ tịch");
    // The sample kiosk has priority groups (the question comes first) and no printer.
    assert_eq!(said(&rec), ["Procedures", "Home", "Priority", "ticket", "Wait"]);
    let played = rec.played();
    assert!(played.iter().all(|p| !p.chime && p.samples > 16_000 / 2), "half a second at least");

    // A new citizen hears the prompts again; in English, the English ones.
    h.app.end_session();
    frame();
    tap_and_listen(&h, "English");
    tap_and_listen(&h, "Take a number");
    tap_and_listen(&h, "Civil status");
    assert_eq!(said(&rec)[5..], ["Priority (en)", "ticket", "Wait (en)"]);
}

#[test]
fn with_the_voice_off_nothing_is_said() {
    let (h, rec) = voice_kiosk(false, Duration::ZERO);
    tap_and_listen(&h, "Trợ giúp / Gọi nhân viên");
    seconds(2);
    for label in ["Tra cứu thủ tục", "Trang chủ", "Lấy số thứ tự", "Hộ tịch"] {
        tap_and_listen(&h, label);
    }
    assert!(!h.app.ui.global::<TicketAdapter>().get_number().is_empty(), "a ticket was issued");
    assert!(rec.played().is_empty(), "{:?}", said(&rec));
}

#[test]
fn a_burst_of_page_changes_leaves_only_the_last_prompt() {
    // Must hold: while a prompt is being read, pages changed in a hurry
    // queue nothing but the newest page's prompt (never a backlog).
    let (h, rec) = voice_kiosk(true, Duration::from_millis(400));
    tap(&h, "Tra cứu thủ tục");
    std::thread::sleep(Duration::from_millis(100));
    for label in ["Trang chủ", "Tra cứu hồ sơ", "Trang chủ", "Đánh giá hài lòng"] {
        tap(&h, label);
    }
    settle(&h);
    assert!(h.app.wait_voice_idle(Duration::from_secs(10)));
    let said = said(&rec);
    assert!(said == ["Procedures", "Rating"] || said == ["Rating"], "{said:?}");
}

#[test]
fn notices_are_spoken_the_idle_warning_the_call_for_help_and_a_priority_ticket() {
    let (h, rec) = voice_kiosk(true, Duration::ZERO);
    tap_and_listen(&h, "Trợ giúp / Gọi nhân viên");
    seconds(1);
    assert!(h.app.wait_voice_idle(Duration::from_secs(10)));
    assert_eq!(said(&rec), ["HelpSent"], "said on the tick after the centre's answer");
    tap_and_listen(&h, "Lấy số thứ tự");
    tap_and_listen(&h, "Người cao tuổi");
    tap_and_listen(&h, "Hộ tịch");
    assert_eq!(said(&rec)[1..], ["Priority", "Confirm"]);
    tap_and_listen(&h, "Chọn lại");
    let idle = h.app.ui.global::<Session>();
    let mut waited = 0;
    while !idle.get_idle_warning() {
        seconds(1);
        waited += 1;
        assert!(waited < 120, "no idle warning");
    }
    assert!(h.app.wait_voice_idle(Duration::from_secs(10)));
    assert_eq!(said(&rec)[3..], ["IdleWarning"]);
    seconds(2);
    assert_eq!(said(&rec).len(), 4, "the warning is said once");
}
