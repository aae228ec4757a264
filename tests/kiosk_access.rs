//! Accessibility from home (issue 14, point 10) through Slint's testing
//! backend: the per-session "Chữ to / Tương phản cao" buttons, and the
//! ticket read aloud by the kiosk's offline voice into a recording sink.

mod kiosk_harness;

use kiosk_harness::*;
use motcua_kiosk::app::audio::RecordingSink;
use motcua_kiosk::config::Config;
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
    let played = rec.played();
    assert_eq!(played.len(), 1);
    let ht = cfg.queue.services.iter().find(|s| s.code == "HT").unwrap();
    let expected = motcua_kiosk::app::voice::ticket_words(&number, &ht.counters, VoiceRegion::North);
    assert_eq!(spoken(&played[0].words), spoken(&expected));
    assert!(spoken(&played[0].words).starts_with("mời số"));
    assert!(played[0].samples > 16_000, "about a second of speech at least");
    assert!(!played[0].chime);
}
