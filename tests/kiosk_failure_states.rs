//! Every failure state `snapshot` renders (issue 18), staged exactly as the
//! screenshots stage it but through Slint's testing backend, and read back as
//! a citizen would meet it: nothing technical in Vietnamese or English; and
//! the procedure catalog missing or outdated, told calmly and alerted.

mod common;

use common::kiosk::*;
use motcua_kiosk::config::{Config, Language};
use motcua_kiosk::snapshot::{outdated_catalog, special_kiosk, stage_kiosk, FAILURE_SCREENS};
use motcua_kiosk::ui::{Nav, Page, ProcedureAdapter};
use slint::{ComponentHandle, Model};
use std::sync::Arc;

/// Why `text` must not reach a citizen in any language: addresses, OS
/// errors, device paths, error codes (English itself is fine in English).
fn technical_any_language(text: &str) -> Option<&'static str> {
    match technical(text) {
        Some("English words") | None => None,
        Some(why) => Some(why),
    }
}

/// The kiosk `screen` needs, staged; `None` for the snapshot's shared kiosk.
fn staged(screen: &str, lang: Language) -> (Harness, Option<std::path::PathBuf>) {
    let mut cfg = Config::default();
    // As `snapshot` runs it: a configured printer that is never reached.
    cfg.printer.uri = "tcp://127.0.0.1:9".into();
    cfg.printer.status_timeout_ms = 300;
    let rt = runtime();
    let special = special_kiosk(&cfg, screen, &rt).unwrap_or_else(|e| panic!("{screen}: {e}"));
    let (h, dir) = match special {
        Some((scfg, backend, dir)) => {
            cfg = scfg;
            (kiosk_on(cfg.clone(), backend, rt), dir)
        }
        None => (kiosk_on(cfg.clone(), sample_backend(&cfg), rt), None),
    };
    h.app.set_catalog(Arc::new(motcua_kiosk::catalog::Catalog::bundled().unwrap()));
    h.app.set_language(lang);
    stage_kiosk(&h.app, &cfg, screen).unwrap_or_else(|e| panic!("{screen}: {e}"));
    settle(&h);
    (h, dir)
}

#[test]
fn no_failure_state_shows_technical_text_in_either_language() {
    // Must hold: in every failure state the screenshots show, each text the
    // window shows or announces is plain: no English words, addresses, OS
    // errors, paths or codes in the Vietnamese UI; no addresses, OS errors,
    // paths or codes in the English one. And each state says something
    // (a state that renders an empty page would pass the checker).
    assert!(FAILURE_SCREENS.len() >= 20, "{FAILURE_SCREENS:?}");
    for &screen in FAILURE_SCREENS {
        for lang in [Language::Vi, Language::En] {
            let (h, dir) = staged(screen, lang);
            let texts = shown_texts(&h.app.ui);
            assert!(texts.len() > 5, "{screen} {lang:?}: almost nothing shown: {texts:?}");
            let bad: Vec<String> = texts
                .iter()
                .filter_map(|t| {
                    let why = if lang == Language::Vi { technical(t) } else { technical_any_language(t) };
                    why.map(|why| format!("{why}: {t:?}"))
                })
                .collect();
            assert!(bad.is_empty(), "{screen} ({lang:?}): technical text reaches the citizen: {bad:#?}");
            drop(h);
            if let Some(d) = dir {
                let _ = std::fs::remove_dir_all(d);
            }
        }
    }
}

#[test]
fn a_kiosk_without_a_catalog_says_so_offers_a_number_and_alerts() {
    // Must hold: with no catalog at all the procedures page shows one calm
    // sentence and a "Lấy số thứ tự" button (no empty search box, no field
    // chips), the button leads to the services, and the heartbeat carries
    // `catalog_missing`.
    let cfg = Config::default();
    let h = kiosk_on(cfg.clone(), sample_backend(&cfg), runtime());
    let ui = &h.app.ui;
    h.app.clear_catalog();
    ui.global::<Nav>().invoke_go(Page::Procedures);
    frame();
    let a = ui.global::<ProcedureAdapter>();
    assert_eq!(a.get_catalog_state(), "missing");
    let texts = shown_texts(ui);
    assert!(texts.iter().any(|t| t.starts_with("Máy này chưa có danh sách thủ tục")), "{texts:?}");
    assert!(!texts.iter().any(|t| t == "Ô tìm kiếm thủ tục"), "no search box without a catalog");
    assert!(buttons(ui, "Tất cả").is_empty(), "no field chips without a catalog");
    assert_plain_vietnamese(&h, "catalog missing");
    assert!((h.app.health_source())().alerts.contains(&"catalog_missing".to_string()));
    tap(&h, "Lấy số thứ tự");
    settle(&h);
    assert_eq!(ui.global::<Nav>().get_page(), Page::TakeNumber);
}

#[test]
fn an_outdated_catalog_says_when_it_was_checked_and_still_answers() {
    // Must hold: a catalog last checked more than catalog.max_age_days ago
    // keeps answering (search, detail) with one line giving the day it was
    // last updated and asking the citizen to check at the counter, on the
    // list and on the detail page, in the citizen's language; the heartbeat
    // carries `catalog_outdated`. The bundled (current) catalog and
    // max_age_days = 0 add no such line and no alert.
    let cfg = Config::default();
    let h = kiosk_on(cfg.clone(), sample_backend(&cfg), runtime());
    let ui = &h.app.ui;
    let a = ui.global::<ProcedureAdapter>();
    let alerts = || (h.app.health_source())().alerts;

    h.app.set_catalog(Arc::new(motcua_kiosk::catalog::Catalog::bundled().unwrap()));
    assert_eq!(a.get_catalog_state(), "");
    assert!(!alerts().iter().any(|a| a.starts_with("catalog_")), "{:?}", alerts());

    h.app.set_catalog(Arc::new(outdated_catalog().unwrap()));
    ui.global::<Nav>().invoke_go(Page::Procedures);
    frame();
    assert_eq!(a.get_catalog_state(), "outdated");
    let notice = a.get_catalog_notice().to_string();
    assert!(notice.contains("02/03/2026") && notice.contains("hỏi lại cán bộ tại quầy"), "{notice}");
    assert!(shown_texts(ui).contains(&notice), "the list shows it");
    assert!(alerts().contains(&"catalog_outdated".to_string()), "{:?}", alerts());
    // Still a working catalog: the list and a detail page.
    assert!(a.get_results().iter().count() > 10);
    a.invoke_open("1.001193".into());
    frame();
    assert_eq!(ui.global::<Nav>().get_page(), Page::ProcedureDetail);
    assert!(shown_texts(ui).contains(&notice), "the detail page shows it");
    assert_plain_vietnamese(&h, "catalog outdated");
    h.app.set_language(Language::En);
    let en = a.get_catalog_notice().to_string();
    assert!(en.contains("last updated on 02/03/2026") && en.contains("check with an officer"), "{en}");

    let mut never = Config::default();
    never.catalog.max_age_days = 0;
    let h2 = kiosk_on(never.clone(), sample_backend(&never), runtime());
    h2.app.set_catalog(Arc::new(outdated_catalog().unwrap()));
    assert_eq!(h2.app.ui.global::<ProcedureAdapter>().get_catalog_state(), "");
    assert!(!(h2.app.health_source())().alerts.iter().any(|a| a.starts_with("catalog_")));
}
