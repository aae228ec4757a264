//! The display board's own setup (issue 12: "for a display, its
//! counters/services filter and a 'play a test call'"), driven through
//! Slint's testing backend on real parts: a real centre on 127.0.0.1, real
//! config files, the real audio pipeline piping a WAV into a player script.

mod common;

use common::TestCentre;
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use motcua_kiosk::app::audio::{decode_wav, render_call, AudioSettings};
use motcua_kiosk::app::board_setup::BoardSetupCtl;
use motcua_kiosk::app::display::DisplayApp;
use motcua_kiosk::app::display_feed::FeedOptions;
use motcua_kiosk::app::poster::Poster;
use motcua_kiosk::config::Config;
use motcua_kiosk::domain::announce::{Announcement, VoiceRegion};
use motcua_kiosk::domain::clock;
use motcua_kiosk::ui::{Board, BoardSetup, DisplayWindow};
use slint::platform::{Key, WindowEvent};
use slint::{ComponentHandle, Model};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(10);
const PIN: &str = "902614";

thread_local! {
    static SLINT_READY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

struct TestBoard {
    app: DisplayApp,
    poster: Poster,
    _setup: Arc<BoardSetupCtl>,
}

/// Writes the board's config file (`{DIR}` and `{PIN}` filled in) and loads it.
fn board_file(dir: &Path, body: &str) -> (PathBuf, Config) {
    let path = dir.join("board.toml");
    let text = body
        .replace("{PIN}", &motcua_kiosk::config::pin::hash(PIN))
        .replace("{DIR}", &dir.join("board-data").display().to_string());
    std::fs::write(&path, text).unwrap();
    let cfg = motcua_kiosk::config::load(Some(&path)).unwrap();
    (path, cfg)
}

/// The board window with its setup wired, following `centre` when given.
fn board(cfg: &Config, centre: Option<&TestCentre>) -> TestBoard {
    if !SLINT_READY.get() {
        i_slint_backend_testing::init_no_event_loop();
        SLINT_READY.set(true);
    }
    let ui = DisplayWindow::new().unwrap();
    ui.window().set_size(slint::PhysicalSize::new(1920, 1080));
    ui.show().unwrap();
    let mut app = DisplayApp::new(ui, cfg, clock::system());
    app.stop_timer();
    let poster = Poster::queue();
    if let Some(c) = centre {
        let opts = FeedOptions { backoff_min: Duration::from_millis(50), ..FeedOptions::from_config(cfg) };
        app.connect(&tokio::runtime::Handle::current(), c.display_client(), opts, poster.clone(), None);
    }
    let setup = BoardSetupCtl::wire(&app, cfg.clone(), poster.clone(), clock::system());
    TestBoard { app, poster, _setup: setup }
}

fn pump_until(b: &TestBoard, what: &str, pred: impl Fn(&DisplayWindow) -> bool) {
    let deadline = Instant::now() + WAIT;
    while !pred(&b.app.ui) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        b.poster.pump_wait(Duration::from_millis(50));
    }
}

fn tap(b: &TestBoard, label: &str) {
    let found: Vec<ElementHandle> = ElementHandle::find_by_accessible_label(&b.app.ui, label)
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .collect();
    assert_eq!(found.len(), 1, "expected one button labelled {label:?}, found {}", found.len());
    found[0].invoke_accessible_default_action();
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(16));
}

fn setup(b: &TestBoard) -> BoardSetup<'_> {
    b.app.ui.global::<BoardSetup>()
}

fn key(ui: &DisplayWindow, text: slint::SharedString, pressed: bool) {
    let ev = if pressed { WindowEvent::KeyPressed { text } } else { WindowEvent::KeyReleased { text } };
    ui.window().dispatch_event(ev);
}

/// Ctrl+Alt+S on a keyboard plugged into the board, then the PIN.
fn unlock(b: &TestBoard) {
    let ui = &b.app.ui;
    key(ui, "s".into(), true);
    key(ui, "s".into(), false);
    assert_eq!(setup(b).get_state(), "closed", "a bare S does not open the setup");
    key(ui, Key::Control.into(), true);
    key(ui, Key::Alt.into(), true);
    key(ui, "s".into(), true);
    for k in ["s".into(), Key::Alt.into(), Key::Control.into()] {
        key(ui, k, false);
    }
    assert_eq!(setup(b).get_state(), "pin", "Ctrl+Alt+S opens the PIN pad");
    for d in PIN.chars() {
        tap(b, &d.to_string());
    }
    assert_eq!(setup(b).get_pin_length(), PIN.len() as i32);
    tap(b, "Xác nhận");
    assert_eq!(setup(b).get_state(), "open", "PIN {PIN} did not unlock: {}", setup(b).get_pin_error());
}

fn tiles(ui: &DisplayWindow) -> Vec<i32> {
    ui.global::<Board>().get_counters().iter().map(|c| c.number).collect()
}

fn chips(b: &TestBoard) -> (Vec<String>, Vec<String>) {
    let s = setup(b);
    (
        s.get_counters().iter().map(|c| c.label.to_string()).collect(),
        s.get_services().iter().map(|c| c.label.to_string()).collect(),
    )
}

const BOARD: &str =
    "# Board above counters 1-4 (hall A; tech: Minh)\n[kiosk]\nsetup_pin = \"{PIN}\"\nlanguage = \"vi\"\n\n\
[centre]\nurl = \"{URL}\"   # the centre on the LAN\n\n[display]\n# this board's counters\ncounters = []\n\
services = []\nvolume = 80  # loud hall\nchime = true\n\n[data]\ndir = \"{DIR}\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_picked_on_the_board_is_saved_with_comments_and_shown_at_once() {
    // Must hold: Ctrl+Alt+S and the PIN open the board's setup; the counter
    // chips are what the centre has (1-9), the services its four; picking
    // counters 3 and 4 and saving rewrites only `counters` (comments, order
    // and the other keys as they were), and the running board shows only
    // tiles 3 and 4 right away (no restart). A wrong PIN does not open it.
    let dir = tempfile::tempdir().unwrap();
    let ccfg = common::config(dir.path());
    let c = TestCentre::start(&ccfg, &dir.path().join("c.sqlite3"), clock::system(), 0).await;
    let (path, cfg) = board_file(dir.path(), &BOARD.replace("{URL}", &c.url));
    let before = std::fs::read_to_string(&path).unwrap();
    let b = board(&cfg, Some(&c));
    pump_until(&b, "nine tiles", |ui| tiles(ui).len() == 9);

    // A wrong PIN first.
    setup(&b).invoke_open();
    for d in "1111".chars() {
        tap(&b, &d.to_string());
    }
    tap(&b, "Xác nhận");
    assert_eq!(setup(&b).get_state(), "pin");
    assert_eq!(setup(&b).get_pin_error(), "Mã PIN không đúng");
    tap(&b, "Đóng cài đặt");
    assert_eq!(setup(&b).get_state(), "closed");

    unlock(&b);
    pump_until(&b, "the centre's choices", |ui| {
        ui.global::<BoardSetup>().get_choices_note().contains("lấy từ trung tâm")
    });
    let (counters, services) = chips(&b);
    assert_eq!(counters, (1..=9).map(|n| format!("Quầy {n}")).collect::<Vec<_>>());
    assert_eq!(services.len(), ccfg.queue.services.len(), "{services:?}");
    assert!(services.contains(&"B · Chứng thực".to_string()), "{services:?}");
    assert!(!setup(&b).get_dirty());
    tap(&b, "Quầy 4");
    tap(&b, "Quầy 3");
    assert!(setup(&b).get_dirty() && setup(&b).get_counters_picked());
    assert_eq!(setup(&b).get_sample(), "Lời gọi thử: A-001 → Quầy 3");
    tap(&b, "Lưu và áp dụng");
    assert!(setup(&b).get_save_ok(), "{}", setup(&b).get_save_report());
    assert_eq!(setup(&b).get_save_report(), "Đã lưu và áp dụng ngay trên bảng.");

    let after = std::fs::read_to_string(&path).unwrap();
    assert_eq!(after, before.replace("counters = []", "counters = [3, 4]"), "only that value changed");
    assert_eq!(motcua_kiosk::config::load(Some(&path)).unwrap().display.counters, [3, 4]);
    tap(&b, "Đóng cài đặt");
    pump_until(&b, "tiles 3 and 4 only", |ui| tiles(ui) == [3, 4]);

    // "All" again: every counter is back, still without a restart.
    unlock(&b);
    tap(&b, "Tất cả các quầy");
    tap(&b, "Lưu và áp dụng");
    assert!(setup(&b).get_save_ok(), "{}", setup(&b).get_save_report());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    pump_until(&b, "nine tiles again", |ui| tiles(ui).len() == 9);
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pick_config_check_refuses_is_not_written_and_the_board_is_unchanged() {
    // Must hold: a board of the built-in centre (centre.url empty, listen on
    // this machine) whose file's [queue] lacks a service the centre lists:
    // that pick is refused as `config check` refuses it (the key named), the
    // file stays byte for byte, the board keeps all its tiles.
    let dir = tempfile::tempdir().unwrap();
    let ccfg = common::config(dir.path());
    let c = TestCentre::start(&ccfg, &dir.path().join("c.sqlite3"), clock::system(), 0).await;
    let body = format!(
        "# one-service hall\n[kiosk]\nsetup_pin = \"{{PIN}}\"\n\n[centre]\nurl = \"\"\nlisten = \"{}\"\n\n\
         [display]\nservices = []\n\n[[queue.services]]\ncode = \"HT\"\nname_vi = \"Hộ tịch\"\n\
         name_en = \"Civil status\"\nprefix = \"A\"\ncounters = [1, 2]\n\n[data]\ndir = \"{{DIR}}\"\n",
        c.addr
    );
    let (path, cfg) = board_file(dir.path(), &body);
    let before = std::fs::read_to_string(&path).unwrap();
    let b = board(&cfg, Some(&c));
    pump_until(&b, "nine tiles", |ui| tiles(ui).len() == 9);
    unlock(&b);
    pump_until(&b, "the centre's choices", |ui| {
        ui.global::<BoardSetup>().get_choices_note().contains("lấy từ trung tâm")
    });
    tap(&b, "B · Chứng thực");
    tap(&b, "Lưu và áp dụng");
    let r = setup(&b).get_save_report().to_string();
    assert!(!setup(&b).get_save_ok());
    assert!(r.starts_with("Chưa lưu:") && r.contains("display.services[0]") && r.contains("CT"), "{r}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    assert!(setup(&b).get_dirty(), "the pick stays on the page to be undone");
    for _ in 0..5 {
        b.poster.pump_wait(Duration::from_millis(50));
    }
    assert_eq!(tiles(&b.app.ui).len(), 9);
    c.stop().await;
}

/// A player that copies its standard input to the file named by its argument.
fn recorder(dir: &Path) -> (String, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("player.sh");
    let out = dir.join("heard.wav");
    std::fs::write(&script, "#!/bin/sh\ncat > \"$1\"\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (format!("{} {}", script.display(), out.display()), out)
}

fn wait_test_call(b: &TestBoard) -> String {
    assert!(setup(b).get_test_busy(), "the button starts the call");
    pump_until(b, "the test call to end", |ui| !ui.global::<BoardSetup>().get_test_busy());
    setup(b).get_test_report().to_string()
}

const STANDALONE: &str = "[kiosk]\nsetup_pin = \"{PIN}\"\n\n[display]\naudio_command = \"{PLAYER}\"\nvoice_region = \"north\"\n\n[data]\ndir = \"{DIR}\"\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_test_call_plays_the_chime_and_the_words_through_the_audio_command() {
    // Must hold: "Phát thử lời gọi" renders A-001 → counter 1 with the page's
    // settings (volume 60, southern reading, not saved) and pipes it to
    // display.audio_command exactly as a real call: the player got a RIFF
    // WAV of more than a second whose samples are the chime then the words
    // at that volume; the page says it played and for how long.
    let dir = tempfile::tempdir().unwrap();
    let (player, out) = recorder(dir.path());
    let (_, cfg) = board_file(dir.path(), &STANDALONE.replace("{PLAYER}", &player));
    let b = board(&cfg, None);
    // The touch door: a tap in the top-left corner does nothing, 3 s held opens the PIN pad.
    let at = slint::LogicalPosition::new(30.0, 30.0);
    let button = slint::platform::PointerEventButton::Left;
    b.app.ui.window().dispatch_event(WindowEvent::PointerPressed { position: at, button });
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(2500));
    slint::platform::update_timers_and_animations();
    assert_eq!(setup(&b).get_state(), "closed", "held 2.5 s");
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(600));
    slint::platform::update_timers_and_animations();
    b.app.ui.window().dispatch_event(WindowEvent::PointerReleased { position: at, button });
    assert_eq!(setup(&b).get_state(), "pin", "held 3 s");
    tap(&b, "Đóng cài đặt");
    unlock(&b);
    assert_eq!(
        setup(&b).get_choices_note(),
        "Không hỏi được trung tâm: danh sách lấy từ tệp cấu hình ([queue])."
    );
    tap(&b, "Giảm âm lượng");
    tap(&b, "Giảm âm lượng");
    tap(&b, "Miền Nam (lẻ, ngàn)");
    assert_eq!(setup(&b).get_volume(), 60);
    tap(&b, "Phát thử lời gọi");
    let report = wait_test_call(&b);
    assert!(setup(&b).get_test_ok(), "{report}");
    let bytes = std::fs::read(&out).expect("the player received the call");
    assert_eq!(&bytes[0..4], b"RIFF");
    assert_eq!(&bytes[8..12], b"WAVE");
    let pcm = decode_wav(&bytes).unwrap();
    assert!(pcm.duration() > Duration::from_secs(1), "{:?}", pcm.duration());
    let call = Announcement { ticket: "A-001".into(), counter: 1 };
    let settings = AudioSettings { chime: true, voice: true, volume: 60, region: VoiceRegion::South };
    let expected = render_call(&call, &settings);
    assert!(expected.chime && !expected.words.is_empty());
    assert_eq!(pcm, expected.pcm, "chime + words at the page's volume, as a real call");
    let chime_only = render_call(&call, &AudioSettings { voice: false, ..settings });
    assert!(pcm.samples.len() > chime_only.pcm.samples.len() + 16_000 / 2, "the words follow the chime");
    let secs = format!("{:.1}", pcm.duration().as_secs_f64()).replace('.', ",");
    assert_eq!(report, format!("Đã phát A-001 → Quầy 1 ({secs} giây, qua `{player}`)."));
    assert!(!setup(&b).get_dirty() || setup(&b).get_volume() == 60, "nothing saved by a test call");
}

fn on_path(cmd: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(cmd).is_file()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_player_gives_a_plain_message_and_does_not_hang() {
    // Must hold: with display.audio_command naming a player that is not
    // installed (and no fallback player on this machine), the test call ends
    // within seconds with a plain message naming what was tried and what to
    // install; with audio_command = "none" the page says the board is silent.
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-player");
    let (_, cfg) =
        board_file(dir.path(), &STANDALONE.replace("{PLAYER}", &format!("{} -", missing.display())));
    let b = board(&cfg, None);
    unlock(&b);
    let started = Instant::now();
    tap(&b, "Phát thử lời gọi");
    let report = wait_test_call(&b);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    if motcua_kiosk::app::audio::FALLBACK_PLAYERS.iter().any(|p| on_path(p.split(' ').next().unwrap())) {
        // A fallback player exists here: the call went to it, or it failed plainly.
        assert!(report.starts_with("Đã phát") || report.starts_with("Chưa phát được"), "{report}");
    } else {
        assert!(!setup(&b).get_test_ok());
        assert!(
            report.starts_with("Chưa phát được: không tìm thấy chương trình phát âm thanh")
                && report.contains("no-such-player")
                && report.contains("alsa-utils"),
            "{report}"
        );
    }

    let dir2 = tempfile::tempdir().unwrap();
    let (_, cfg) = board_file(dir2.path(), &STANDALONE.replace("{PLAYER}", "none"));
    let b = board(&cfg, None);
    unlock(&b);
    tap(&b, "Phát thử lời gọi");
    assert_eq!(wait_test_call(&b), "Bảng này không phát âm thanh (display.audio_command = \"none\").");
}
