//! The officer console and the manager dashboard in a real browser (headless
//! Chromium over WebDriver) against a real centre on 127.0.0.1: sign in,
//! every button and a shortcut, what a display's event feed sees, a double
//! click calling once, the citizen's identity masked and escaped, English,
//! the dashboard's live figures, and screenshots into docs/screenshots.
//! Fails when Chromium is missing; `MOTCUA_SKIP_BROWSER=1` skips on purpose.

mod common;

use common::browser::{self, Browser};
use common::{ticket_request, TestCentre};
use motcua_kiosk::centre::api::*;
use motcua_kiosk::centre::core::NewOfficer;
use motcua_kiosk::centre::Centre;
use motcua_kiosk::domain::clock;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc::Receiver;

const PIN: &str = "246810";

fn screenshots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots")
}

async fn officer(c: &Centre, login: &str, name: &str, manager: bool) {
    c.add_officer(NewOfficer { login: login.into(), name: name.into(), pin: PIN.into(), manager })
        .await
        .unwrap();
}

/// The next event of `kind` a display's feed receives (others are skipped).
async fn next_event(feed: &mut Receiver<FeedItem>, kind: &str) -> CentreEvent {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let item = tokio::time::timeout_at(deadline, feed.recv())
            .await
            .unwrap_or_else(|_| panic!("the display feed saw no {kind} within 10 s"))
            .expect("feed open");
        if let FeedItem::Event(ev) = item {
            if ev.body.kind() == kind {
                return (*ev).clone();
            }
        }
    }
}

/// Events of `kind` the feed receives within `within`.
async fn count_events(feed: &mut Receiver<FeedItem>, kind: &str, within: Duration) -> usize {
    let deadline = tokio::time::Instant::now() + within;
    let mut n = 0;
    while let Ok(Some(item)) = tokio::time::timeout_at(deadline, feed.recv()).await {
        if let FeedItem::Event(ev) = item {
            if ev.body.kind() == kind {
                n += 1;
            }
        }
    }
    n
}

async fn sign_in(b: &Browser, base: &str, login: &str, counter: Option<u32>) {
    b.goto(&format!("{base}/officer/login")).await;
    b.wait_for("the sign-in page", "document.querySelector('#login')", Duration::from_secs(10)).await;
    b.find("#login").await.send_keys(login).await.unwrap();
    b.find("#pin").await.send_keys(PIN).await.unwrap();
    if let Some(n) = counter {
        b.js(&format!("document.querySelector('#counter').value = '{n}'; return true;")).await;
    }
    b.find("#sign-in").await.click().await.unwrap();
}

fn called_number(ev: &CentreEvent) -> String {
    match &ev.body {
        EventBody::TicketCalled(d) => d.number.clone(),
        other => panic!("not a call: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_officer_works_a_day_at_the_console_in_a_real_browser() {
    if browser::skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = common::config(dir.path());
    cfg.queue.max_recalls = 0;
    let c = TestCentre::start(&cfg, &dir.path().join("centre.sqlite3"), clock::system(), 0).await;
    officer(&c.centre, "lan", "Nguyễn Thị Lan", false).await;
    // Four citizens for HT (counter 1 serves HT); the third gave her identity,
    // with a name that would be markup if it were not escaped.
    let (mut numbers, mut tracking) = (Vec::new(), Vec::new());
    for i in 0..5 {
        let mut req = ticket_request("HT", format!("k-{i}"));
        if i == 2 {
            req.citizen = Some(CitizenInfo {
                id_number: "048095000123".into(),
                full_name: "Trần <b>Bình</b>".into(),
                birth_date: chrono::NaiveDate::from_ymd_opt(1960, 5, 1).unwrap(),
            });
        }
        let ticket = c.centre.issue(req).await.unwrap().ticket;
        numbers.push(ticket.number);
        tracking.push(ticket.tracking_code);
    }
    // From the current last event: nothing is missed while the stream connects.
    let last = c.centre.state().await.unwrap().last_event_id;
    let mut feed = c.display_client().follow_events(Some(last));
    // The feed is live once a first event arrives: a ticket for another service.
    c.centre.issue(ticket_request("CT", "warm-up")).await.unwrap();
    next_event(&mut feed, "ticket_issued").await;

    let b = Browser::start().await;
    // The console without a session is the sign-in page.
    b.goto(&format!("{}/officer", c.url)).await;
    b.wait_for("the sign-in page", "document.querySelector('#login')", Duration::from_secs(10)).await;
    sign_in(&b, &c.url, "lan", Some(1)).await;
    b.wait_text("header h1", "Quầy 1").await;
    b.wait_text(".who", "Nguyễn Thị Lan").await;
    b.wait_for("the event stream", "document.body.dataset.online === 'true'", Duration::from_secs(10)).await;
    assert_eq!(b.text("#waiting-total").await, "5");
    // The stylesheet and the script came from the centre under the CSP (no inline code).
    let bg = b.js("return getComputedStyle(document.querySelector('#btn-next')).backgroundColor;").await;
    assert_eq!(bg, "rgb(11, 92, 173)", "web.css applied");

    // Call next: the display's feed sees it, the console shows it.
    b.find("#btn-next").await.click().await.unwrap();
    let ev = next_event(&mut feed, "ticket_called").await;
    assert_eq!(called_number(&ev), numbers[0]);
    b.wait_text("#current-number", &numbers[0]).await;
    b.wait_text("#message", &format!("Quầy 1 gọi số {}", numbers[0])).await;

    // Recall.
    b.wait_for("buttons enabled", "!document.querySelector('#btn-recall').disabled", Duration::from_secs(5))
        .await;
    b.find("#btn-recall").await.click().await.unwrap();
    let ev = next_event(&mut feed, "ticket_recalled").await;
    assert!(matches!(&ev.body, EventBody::TicketRecalled(d) if d.calls == 2 && d.counter == 1));

    // Start, then transfer to the CT service: the citizen keeps the number.
    b.wait_for("start enabled", "!document.querySelector('#btn-start').disabled", Duration::from_secs(5))
        .await;
    b.find("#btn-start").await.click().await.unwrap();
    next_event(&mut feed, "ticket_started").await;
    b.wait_text("#btn-start", "Hoàn thành").await;
    b.find("#btn-transfer").await.click().await.unwrap();
    b.wait_for(
        "the transfer dialog",
        "document.querySelector('#transfer-dialog').open",
        Duration::from_secs(5),
    )
    .await;
    b.js("document.querySelector('#transfer-service').value = 'CT'; return true;").await;
    b.find("#transfer-ok").await.click().await.unwrap();
    let ev = next_event(&mut feed, "ticket_transferred").await;
    match &ev.body {
        EventBody::TicketTransferred(d) => {
            assert_eq!(
                (d.number.as_str(), d.service.as_str(), d.from_counter),
                (numbers[0].as_str(), "CT", 1)
            );
        }
        other => panic!("{other:?}"),
    }
    b.wait_text("#current-number", "—").await;

    // Keyboard: N calls the next ticket, V marks it a no-show.
    b.wait_for("idle", "!document.querySelector('#btn-next').disabled", Duration::from_secs(5)).await;
    b.press("n").await;
    assert_eq!(called_number(&next_event(&mut feed, "ticket_called").await), numbers[1]);
    b.wait_text("#current-number", &numbers[1]).await;
    b.wait_for("no-show enabled", "!document.querySelector('#btn-noshow').disabled", Duration::from_secs(5))
        .await;
    b.press("v").await;
    next_event(&mut feed, "ticket_no_show").await;
    b.wait_text("#current-number", "—").await;

    // The third citizen: identity on the console, masked and escaped.
    b.wait_for("idle", "!document.querySelector('#btn-next').disabled", Duration::from_secs(5)).await;
    b.find("#btn-next").await.click().await.unwrap();
    assert_eq!(called_number(&next_event(&mut feed, "ticket_called").await), numbers[2]);
    b.wait_text("#citizen-name", "Trần <b>Bình</b>").await;
    assert_eq!(b.text("#citizen-id").await, "048*******23");
    assert!(!b.exists("#citizen-name b").await, "the name's markup must stay text");
    b.screenshot(&screenshots().join("console-serving.vi.png")).await;
    // Start and complete with the B key.
    b.wait_for("start enabled", "!document.querySelector('#btn-start').disabled", Duration::from_secs(5))
        .await;
    b.press("b").await;
    next_event(&mut feed, "ticket_started").await;
    b.wait_text("#btn-start", "Hoàn thành").await;
    b.press("b").await;
    next_event(&mut feed, "ticket_completed").await;
    b.wait_text("#served-today", "1").await;

    // A double click calls one ticket, not two.
    b.wait_for("idle", "!document.querySelector('#btn-next').disabled", Duration::from_secs(5)).await;
    b.double_click("#btn-next").await;
    assert_eq!(count_events(&mut feed, "ticket_called", Duration::from_millis(1500)).await, 1, "one call");
    let state = c.centre.state().await.unwrap();
    let called: Vec<_> = state.recent_calls.iter().filter(|r| r.status == TicketStatus::Called).collect();
    assert_eq!(called.len(), 1, "exactly one ticket at a counter: {called:?}");
    assert_eq!(called[0].number, numbers[3]);

    // Pause with a reason, then resume.
    b.wait_for("pause enabled", "!document.querySelector('#btn-pause').disabled", Duration::from_secs(5))
        .await;
    b.find("#btn-pause").await.click().await.unwrap();
    b.wait_for("the pause dialog", "document.querySelector('#pause-dialog').open", Duration::from_secs(5))
        .await;
    b.find(".preset").await.click().await.unwrap();
    b.find("#pause-ok").await.click().await.unwrap();
    b.wait_text("#paused", "Nghỉ trưa").await;
    b.wait_for(
        "call-next off while paused",
        "document.querySelector('#btn-next').disabled",
        Duration::from_secs(5),
    )
    .await;
    b.find("#btn-pause").await.click().await.unwrap();
    b.wait_for("resumed", "!document.querySelector('#paused')", Duration::from_secs(5)).await;

    // English.
    b.find("a.lang").await.click().await.unwrap();
    b.wait_text("#btn-next", "Call next").await;
    b.wait_text("#current-number", &numbers[3]).await;
    b.screenshot(&screenshots().join("console.en.png")).await;
    b.find("a.lang").await.click().await.unwrap();
    b.wait_text("#btn-next", "Gọi số tiếp theo").await;
    b.screenshot(&screenshots().join("console.vi.png")).await;

    // A citizen at kiosk-02 presses "Trợ giúp / Gọi nhân viên": the console
    // shows it at once (event stream), and "Tôi đến ngay" acknowledges it.
    let (asked, created) = c.centre.request_help("kiosk-02").await.unwrap();
    assert!(created);
    next_event(&mut feed, "help_requested").await;
    b.wait_text("#help", "kiosk-02").await;
    b.screenshot(&screenshots().join("console-help.vi.png")).await;
    b.find("#help .help-go").await.click().await.unwrap();
    let ev = next_event(&mut feed, "help_resolved").await;
    match &ev.body {
        EventBody::HelpResolved(r) => {
            assert_eq!(
                (r.id, r.kiosk_id.as_str(), r.resolved_by.as_deref()),
                (asked.id, "kiosk-02", Some("officer:lan"))
            );
        }
        other => panic!("{other:?}"),
    }
    b.wait_for("the help card gone", "!document.querySelector('#help')", Duration::from_secs(5)).await;

    // The served ticket carries the officer: ratings per officer come from who served.
    let rated = c
        .centre
        .rating_context(RatingContextQuery { tracking_code: Some(tracking[2].clone()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(rated.officer.as_deref(), Some("Nguyễn Thị Lan"));

    // Sign out ends the session: the panel answers 401 and the page goes to sign-in.
    b.find("#sign-out").await.click().await.unwrap();
    b.wait_for("the sign-in page", "document.querySelector('#login')", Duration::from_secs(10)).await;
    b.goto(&format!("{}/officer", c.url)).await;
    b.wait_for("still signed out", "document.querySelector('#login')", Duration::from_secs(10)).await;
    b.close().await;
    c.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manager_dashboard_is_live_and_prints() {
    if browser::skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let c = TestCentre::start(&cfg, &dir.path().join("centre.sqlite3"), clock::system(), 0).await;
    officer(&c.centre, "lan", "Nguyễn Thị Lan", false).await;
    officer(&c.centre, "hoa", "Lê Văn Hoà", true).await;
    for i in 0..6 {
        c.centre.issue(ticket_request(if i % 2 == 0 { "HT" } else { "CT" }, format!("d-{i}"))).await.unwrap();
    }
    c.centre.call_next(1).await.unwrap();
    c.centre.complete(1).await.unwrap();
    c.centre
        .heartbeat(
            "kiosk-01",
            HeartbeatRequest {
                printer_status: "out_of_paper".into(),
                scanner_connected: true,
                outbox_len: 0,
                app_version: "0.1.0".into(),
                sent_at: None,
                alerts: Vec::new(),
                clock: None,
                pin_failures: 0,
                pin_locked_until: None,
            },
        )
        .await
        .unwrap();

    // A board that has fetched its state is seen (the fleet lists it, online).
    c.display_client().state().await.unwrap();

    let b = Browser::start_sized(1366, 1900).await;
    // An officer without the manager right cannot open the dashboard.
    sign_in(&b, &c.url, "lan", Some(1)).await;
    b.wait_text("header h1", "Quầy 1").await;
    b.goto(&format!("{}/admin", c.url)).await;
    b.wait_text("main", "không có quyền").await;
    sign_in(&b, &c.url, "hoa", None).await;
    b.wait_text("header h1", "Bảng điều hành").await;
    assert_eq!(b.text("#tile-issued").await, "6");
    assert_eq!(b.text("#tile-served").await, "1");
    assert!(b.exists("#chart rect.bar-issued").await, "the SVG chart is drawn");
    // Every device of the fleet, in the manager's words: the kiosk out of
    // paper flagged, the board online, the counter screen never seen.
    b.wait_text("#devices", "HẾT GIẤY").await;
    let row = |id: &str| {
        format!("return Array.from(document.querySelectorAll('#devices tbody tr')).filter(r => r.textContent.includes('{id}')).map(r => r.className + ' | ' + r.textContent).join('');")
    };
    let kiosk = b.js(&row("kiosk-01")).await.as_str().unwrap().to_string();
    assert!(kiosk.starts_with("bad |") && kiosk.contains("Ki-ốt") && kiosk.contains("Trực tuyến"), "{kiosk}");
    let board = b.js(&row("display-1")).await.as_str().unwrap().to_string();
    assert!(
        board.starts_with("ok |") && board.contains("Bảng gọi số") && board.contains("Trực tuyến"),
        "{board}"
    );
    let screen = b.js(&row("counter-1")).await.as_str().unwrap().to_string();
    assert!(screen.contains("Màn hình quầy") && screen.contains("Chưa thấy"), "{screen}");
    b.wait_for(
        "the event stream",
        "!document.querySelector('#conn').classList.contains('off')",
        Duration::from_secs(10),
    )
    .await;
    // Live: a new ticket shows up without reloading.
    c.centre.issue(ticket_request("HT", "live-1")).await.unwrap();
    b.wait_text("#tile-issued", "7").await;
    // A call for help from a kiosk shows on the dashboard too, and is acknowledged there.
    c.centre.request_help("kiosk-01").await.unwrap();
    b.wait_text("#help", "kiosk-01").await;
    b.find("#help .help-go").await.click().await.unwrap();
    b.wait_for("the help card gone", "!document.querySelector('#help')", Duration::from_secs(10)).await;
    assert!(c.centre.open_help().await.unwrap().open.is_empty(), "acknowledged at the centre");
    // The CSV export opens with the manager's session.
    let status =
        b.js("return fetch('/api/v1/ratings/summary?format=csv&group=counter').then(r => r.status);").await;
    assert_eq!(status, 200);
    b.screenshot(&screenshots().join("dashboard.vi.png")).await;
    // The printable daily report, with its print stylesheet.
    b.find("#print-link").await.click().await.unwrap();
    b.wait_text("h1", "Báo cáo ngày").await;
    let print_rules = b
        .js("return Array.from(document.styleSheets).flatMap(s => Array.from(s.cssRules)).some(r => r.media && r.media.mediaText === 'print');")
        .await;
    assert_eq!(print_rules, true, "a print stylesheet");
    b.screenshot(&screenshots().join("dashboard-report.vi.png")).await;
    b.close().await;
    c.stop().await;
}

/// The real `motcua-kiosk centre` process on a fixed port.
struct CentreProcess {
    child: std::process::Child,
}

impl CentreProcess {
    fn start(config: &std::path::Path, port: u16) -> CentreProcess {
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_motcua-kiosk"))
            .args(["centre", "--listen", &format!("127.0.0.1:{port}"), "--config"])
            .arg(config)
            .env("MOTCUA_LOG", "warn")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("the centre starts");
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "the centre did not listen within 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        CentreProcess { child }
    }

    /// SIGKILL: no shutdown, no goodbye to the browsers.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for CentreProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_recovers_after_the_centre_is_killed_and_restarted() {
    if browser::skip() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("centre.toml");
    std::fs::write(
        &config,
        format!(
            "[data]\ndir = \"{}\"\n[centre]\ntoken = \"{}\"\n[queue]\nalways_open = true\n",
            dir.path().display(),
            common::TOKEN
        ),
    )
    .unwrap();
    // The account is made with the CLI, as an administrator would.
    let mut add = std::process::Command::new(env!("CARGO_BIN_EXE_motcua-kiosk"))
        .args(["officers", "add", "--login", "minh", "--name", "Phạm Văn Minh", "--config"])
        .arg(&config)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(add.stdin.take().unwrap(), "{PIN}").unwrap();
    let out = add.wait_with_output().unwrap();
    assert!(out.status.success(), "officers add: {}", String::from_utf8_lossy(&out.stdout));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let api = motcua_kiosk::centre::ApiClient::new(
        &base,
        common::TOKEN,
        Duration::from_secs(1),
        Duration::from_secs(5),
    )
    .unwrap();

    let centre = CentreProcess::start(&config, port);
    let b = Browser::start().await;
    sign_in(&b, &base, "minh", Some(2)).await;
    b.wait_text("header h1", "Quầy 2").await;
    b.wait_for("the event stream", "document.body.dataset.online === 'true'", Duration::from_secs(10)).await;
    centre.kill();
    b.wait_for(
        "the console shows the outage",
        "document.body.dataset.online === 'false'",
        Duration::from_secs(10),
    )
    .await;
    assert!(b.text("#conn").await.contains("Mất kết nối"));

    let _centre = CentreProcess::start(&config, port);
    b.wait_for("reconnected by itself", "document.body.dataset.online === 'true'", Duration::from_secs(15))
        .await;
    // Still signed in (the session is in the database), and live again: a
    // ticket taken now shows up without a reload, and the button calls it.
    let t = api.issue_ticket(&ticket_request("HT", "after-restart")).await.unwrap();
    b.wait_text("#waiting-total", "1").await;
    b.find("#btn-next").await.click().await.unwrap();
    b.wait_text("#current-number", &t.number).await;
    b.close().await;
}
