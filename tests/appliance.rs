//! The kiosk's window as an appliance under systemd, through Slint's testing
//! backend and a real notification socket: fullscreen with close requests
//! refused (or a normal window with `--windowed`), `READY=1` only after the
//! first frame, `WATCHDOG=1` only while the UI event loop turns.

use i_slint_backend_testing::mock_elapsed_time;
use motcua_kiosk::app::appliance::{self, ServiceLink, WindowMode};
use motcua_kiosk::systemd::Notifier;
use motcua_kiosk::ui::KioskWindow;
use slint::platform::WindowEvent;
use slint::ComponentHandle;
use std::os::unix::net::UnixDatagram;
use std::rc::Rc;
use std::time::Duration;

/// What systemd would have received so far.
fn received(sock: &UnixDatagram) -> Vec<String> {
    let mut got = Vec::new();
    let mut buf = [0u8; 512];
    while let Ok(n) = sock.recv(&mut buf) {
        got.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    got
}

thread_local! {
    static SLINT_READY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn window() -> KioskWindow {
    // One testing backend per test thread.
    if !SLINT_READY.get() {
        i_slint_backend_testing::init_no_event_loop();
        SLINT_READY.set(true);
    }
    let ui = KioskWindow::new().unwrap();
    ui.window().set_size(slint::PhysicalSize::new(1080, 1920));
    ui
}

#[test]
fn the_kiosk_reports_ready_after_its_first_frame_and_feeds_the_watchdog_from_the_ui_loop() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify");
    let systemd = UnixDatagram::bind(&path).unwrap();
    systemd.set_nonblocking(true).unwrap();
    let ui = window();
    let link = ServiceLink {
        notifier: Some(Rc::new(Notifier::to_socket(path.to_str().unwrap()).unwrap())),
        watchdog: Some(Duration::from_secs(15)),
        status: "kiosk kiosk-07 on screen".into(),
    };
    let _hooks = appliance::install(&ui, WindowMode::Kiosk, link);
    ui.show().unwrap();
    assert_eq!(received(&systemd), Vec::<String>::new(), "nothing before the event loop turns");

    // First loop turn: the backend is known and the first frame is drawn at
    // its end; READY comes in the next turn.
    mock_elapsed_time(Duration::from_millis(16));
    assert_eq!(received(&systemd), Vec::<String>::new(), "READY before the first frame");
    mock_elapsed_time(Duration::from_millis(16));
    assert_eq!(received(&systemd), vec!["READY=1\nSTATUS=kiosk kiosk-07 on screen".to_string()]);

    // The watchdog is fed every 15 s while the loop turns, and only then.
    mock_elapsed_time(Duration::from_secs(15));
    assert_eq!(received(&systemd), vec!["WATCHDOG=1".to_string()]);
    mock_elapsed_time(Duration::from_secs(15));
    mock_elapsed_time(Duration::from_secs(15));
    assert_eq!(received(&systemd), vec!["WATCHDOG=1".to_string(), "WATCHDOG=1".to_string()]);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(received(&systemd), Vec::<String>::new(), "a loop that does not turn feeds nothing");
}

#[test]
fn the_kiosk_is_fullscreen_and_refuses_to_close_unless_windowed() {
    let ui = window();
    let _hooks = appliance::install(
        &ui,
        WindowMode::Kiosk,
        ServiceLink { notifier: None, watchdog: None, status: String::new() },
    );
    ui.show().unwrap();
    assert!(ui.window().is_fullscreen());
    // Alt+F4 or the window manager's close button.
    ui.window().dispatch_event(WindowEvent::CloseRequested);
    assert!(ui.window().is_visible(), "the kiosk window closed on request");

    let dev = window();
    appliance::set_mode(dev.window(), WindowMode::Windowed);
    dev.show().unwrap();
    assert!(!dev.window().is_fullscreen());
    dev.window().dispatch_event(WindowEvent::CloseRequested);
    assert!(!dev.window().is_visible(), "a windowed kiosk closes");
}

#[test]
fn windowed_flag_or_config_key_gives_a_normal_window() {
    assert_eq!(WindowMode::choose(false, true), WindowMode::Kiosk);
    assert_eq!(WindowMode::choose(true, true), WindowMode::Windowed);
    assert_eq!(WindowMode::choose(false, false), WindowMode::Windowed);
}

/// Exit status of the binary for `args` with `config` as its file.
fn exit_code(config: &str, args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("kiosk.toml");
    std::fs::write(&file, format!("{config}\n[data]\ndir = \"{}\"\n", dir.path().display())).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_motcua-kiosk"))
        .args(args)
        .arg("--config")
        .arg(&file)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("MOTCUA_CONFIG")
        .output()
        .unwrap();
    (out.status.code().unwrap(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn config_problems_exit_78_so_the_units_do_not_restart_in_a_loop() {
    // Must hold: a bad key and a refused start are EX_CONFIG (RestartPreventExitStatus=78) ...
    let (code, err) = exit_code("[kiosk]\nnope = 1", &["run"]);
    assert_eq!(code, 78, "{err}");
    assert!(err.contains("kiosk.nope"), "{err}");
    let (code, err) = exit_code("[kiosk]\nid = \"kiosk-01\"", &["run"]);
    assert_eq!(code, 78, "the default setup PIN: {err}");
    assert!(err.contains("kiosk.setup_pin"), "{err}");
    // ... while a missing screen is not: a restart may find it (a late GPU driver).
    let (code, err) = exit_code("[kiosk]\nsetup_pin = \"731594\"", &["run", "--role", "display"]);
    assert_eq!(code, 1, "{err}");
}
