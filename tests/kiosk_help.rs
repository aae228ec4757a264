//! "Trợ giúp / Gọi nhân viên" (issue 14, point 9) on real parts: the kiosk
//! through Slint's testing backend, the centre as a real HTTP server on
//! 127.0.0.1 with its SQLite file, and the technicians' hidden door.

mod common;
mod kiosk_harness;

use common::{TestCentre, KIOSK_TOKEN};
use kiosk_harness::*;
use motcua_kiosk::centre::api::EventBody;
use motcua_kiosk::centre::link::{KioskLink, LinkMode};
use motcua_kiosk::domain::clock;
use motcua_kiosk::ui::{HelpAdapter, Nav, Page};
use slint::platform::{PointerEventButton, WindowEvent};
use slint::ComponentHandle;
use std::sync::Arc;
use std::time::Duration;

const HELP: &str = "Trợ giúp / Gọi nhân viên";

fn help_state(h: &Harness) -> (String, String) {
    let a = h.app.ui.global::<HelpAdapter>();
    (a.get_state().to_string(), a.get_message().to_string())
}

#[test]
fn pressing_help_reaches_the_centre_once_and_offline_says_it_was_not_sent() {
    // Must hold: a press raises one request at the centre (stored, and a
    // `help_requested` event naming the kiosk in the event log); the kiosk
    // says staff is coming; pressing again, or in the next session, adds no
    // second request while the first is open; an acknowledged request makes
    // room for a new one; with the centre gone, the kiosk says plainly the
    // call was not sent.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let rt = runtime();
    let c = rt.block_on(TestCentre::start(&cfg, &dir.path().join("centre.sqlite3"), clock::system(), 0));
    let mut kcfg = common::kiosk_config(&cfg, &c.url, "kiosk-01");
    kcfg.centre.token = KIOSK_TOKEN.into();
    kcfg.data.dir = dir.path().join("kiosk").display().to_string();
    let link = {
        let _g = rt.enter();
        common::remote_link(&kcfg, &dir.path().join("kiosk.sqlite3"), clock::system())
    };
    let centre = c.centre.clone();
    let backend = Arc::new(motcua_kiosk::app::link_backend::LinkBackend { link: link.clone() });
    let h = kiosk_on(kcfg, backend, rt);

    tap(&h, HELP);
    settle(&h);
    let (state, message) = help_state(&h);
    assert_eq!(state, "sent");
    assert!(message.contains("Nhân viên đang đến"), "{message}");
    button(&h.app.ui, "Nhân viên đang đến");
    assert_plain_vietnamese(&h, "help sent");
    let open = h.rt.block_on(centre.open_help()).unwrap().open;
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].kiosk_id, "kiosk-01");
    let events = h.rt.block_on(centre.events_after(0, 100)).unwrap();
    let asked: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::HelpRequested(r) => Some(r.kiosk_id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(asked, ["kiosk-01"]);

    // The button is off while staff is coming; the next citizen's press
    // finds the open request (no second event).
    h.app.end_session();
    frame();
    assert_eq!(help_state(&h).0, "");
    tap(&h, HELP);
    settle(&h);
    assert_eq!(help_state(&h).0, "sent");
    assert_eq!(h.rt.block_on(centre.open_help()).unwrap().open.len(), 1);
    let n_asked = |h: &Harness| {
        h.rt.block_on(centre.events_after(0, 100))
            .unwrap()
            .iter()
            .filter(|e| e.body.kind() == "help_requested")
            .count()
    };
    assert_eq!(n_asked(&h), 1, "one open request per kiosk");

    // An officer goes: resolved (announced), and the kiosk may ask again.
    let resolved = h.rt.block_on(centre.resolve_help(open[0].id, "officer:lan")).unwrap();
    assert_eq!(resolved.resolved_by.as_deref(), Some("officer:lan"));
    let kinds: Vec<String> =
        h.rt.block_on(centre.events_after(0, 100))
            .unwrap()
            .iter()
            .map(|e| e.body.kind().to_string())
            .filter(|k| k.starts_with("help_"))
            .collect();
    assert_eq!(kinds, ["help_requested", "help_resolved"]);
    h.app.end_session();
    frame();
    tap(&h, HELP);
    settle(&h);
    assert_eq!(n_asked(&h), 2);

    // The centre goes away: nothing queued, the citizen told in plain words.
    h.app.end_session();
    frame();
    h.rt.block_on(c.stop());
    tap(&h, HELP);
    settle(&h);
    let (state, message) = help_state(&h);
    assert_eq!(state, "failed");
    assert!(message.contains("Chưa gọi được nhân viên") && message.contains("bàn hướng dẫn"), "{message}");
    assert_plain_vietnamese(&h, "help not sent");
    assert_eq!(link.status().mode, LinkMode::Offline);
    assert!(matches!(link, KioskLink::Remote(_)));
    assert_eq!(link.outbox_len(), 0, "a call for help is never queued");
    // Failed is not final: the citizen may try again.
    button(&h.app.ui, HELP);
}

#[test]
fn help_works_in_english_and_on_the_sample_backend() {
    let cfg = motcua_kiosk::config::Config::default();
    let h = kiosk_on(cfg.clone(), sample_backend(&cfg), runtime());
    tap(&h, "English");
    tap(&h, "Help / Call staff");
    settle(&h);
    assert_eq!(help_state(&h).1, "A staff member is on the way. Please wait at this kiosk.");
    button(&h.app.ui, "Staff on the way");
}

/// Presses the window at (x, y), holds for `ms`, releases.
fn hold(h: &Harness, x: f32, y: f32, ms: u64) {
    let w = h.app.ui.window();
    let position = slint::LogicalPosition::new(x, y);
    w.dispatch_event(WindowEvent::PointerMoved { position });
    w.dispatch_event(WindowEvent::PointerPressed { position, button: PointerEventButton::Left });
    for _ in 0..ms / 100 {
        i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(100));
    }
    w.dispatch_event(WindowEvent::PointerReleased { position, button: PointerEventButton::Left });
    frame();
}

#[test]
fn the_technicians_door_is_a_three_second_hold_in_the_corner() {
    // Must hold: no technician button on home; a tap or a 2 s hold in the
    // top-left corner does nothing; a 3 s hold opens the PIN pad.
    let cfg = motcua_kiosk::config::Config::default();
    let h = kiosk_on(cfg.clone(), sample_backend(&cfg), runtime());
    assert!(buttons(&h.app.ui, "Kỹ thuật").is_empty());
    let nav = h.app.ui.global::<Nav>();
    hold(&h, 30.0, 30.0, 0);
    hold(&h, 30.0, 30.0, 2000);
    i_slint_backend_testing::mock_elapsed_time(Duration::from_secs(5));
    assert_eq!(nav.get_page(), Page::Home, "a short hold opened setup");
    // Elsewhere on the header, a long hold does nothing either.
    hold(&h, 540.0, 30.0, 3500);
    assert_eq!(nav.get_page(), Page::Home);
    hold(&h, 30.0, 30.0, 3500);
    assert_eq!(nav.get_page(), Page::Setup);
}
