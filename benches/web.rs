//! Officer console benchmarks (loopback only, bounded loops). Prints
//! `BENCH <name> <value> <unit>`.
//!
//! * click in the console (real headless Chromium over WebDriver) → a display's
//!   event feed has the call: p50, p99, max over the clicks;
//! * the console's page weight (HTML + CSS + JS as sent) and load time in the
//!   browser (navigation start → load event);
//! * the real `motcua-kiosk centre` process with 30 consoles, 30 counter
//!   screens and 10 boards connected to the event stream and idle: CPU time and
//!   memory.
//!
//! Run: `cargo bench --bench web` (needs `chromium` and `chromium-driver`).

#[path = "../tests/common/mod.rs"]
mod common;

use common::browser::Browser;
use common::{ticket_request, TestCentre, TOKEN};
use motcua_kiosk::centre::api::FeedItem;
use motcua_kiosk::centre::core::NewOfficer;
use motcua_kiosk::domain::clock;
use std::time::{Duration, Instant};

const PIN: &str = "246810";
const CLICKS: usize = 100;

fn pct(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank - 1]
}

async fn click_to_board() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let c = TestCentre::start(&cfg, &dir.path().join("centre.sqlite3"), clock::system(), 0).await;
    c.centre
        .add_officer(NewOfficer { login: "lan".into(), name: "Lan".into(), pin: PIN.into(), manager: false })
        .await
        .unwrap();
    for i in 0..CLICKS + 5 {
        c.centre.issue(ticket_request("HT", format!("b-{i}"))).await.unwrap();
    }
    // From the current last event: nothing is missed while the stream connects.
    let last = c.centre.state().await.unwrap().last_event_id;
    let mut feed = c.display_client().follow_events(Some(last));
    c.centre.issue(ticket_request("CT", "warm")).await.unwrap();
    while !matches!(feed.recv().await, Some(FeedItem::Event(e)) if e.body.kind() == "ticket_issued") {}

    let b = Browser::start().await;
    // Page weight and load time: ten loads of the signed-in console.
    b.goto(&format!("{}/officer/login", c.url)).await;
    b.find("#login").await.send_keys("lan").await.unwrap();
    b.find("#pin").await.send_keys(PIN).await.unwrap();
    b.js("document.querySelector('#counter').value = '1'; return true;").await;
    b.find("#sign-in").await.click().await.unwrap();
    b.wait_for("the console", "document.body.dataset.online === 'true'", Duration::from_secs(10)).await;
    let mut loads = Vec::new();
    let mut weight = 0.0;
    for _ in 0..10 {
        b.goto(&format!("{}/officer", c.url)).await;
        b.wait_for("loaded", "document.readyState === 'complete' && performance.getEntriesByType('navigation')[0].loadEventEnd > 0", Duration::from_secs(10)).await;
        let v = b
            .js("const n = performance.getEntriesByType('navigation')[0];
                 const r = performance.getEntriesByType('resource').filter(e => !e.name.includes('/api/'));
                 return [n.loadEventEnd - n.startTime, n.encodedBodySize + r.reduce((a, e) => a + e.encodedBodySize, 0),
                         n.encodedBodySize, r.length];")
            .await;
        loads.push(v[0].as_f64().unwrap());
        weight = v[1].as_f64().unwrap();
    }
    // Without the browser cache: what the first visit downloads.
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut cold = 0usize;
    let page = b.js("return document.documentElement.outerHTML.length;").await;
    for asset in ["web.css", "console.js"] {
        cold +=
            http.get(format!("{}/static/{asset}", c.url)).send().await.unwrap().bytes().await.unwrap().len();
    }
    cold += page.as_u64().unwrap() as usize;
    loads.sort_by(f64::total_cmp);
    println!("BENCH console_page_weight_first_visit {:.1} KiB", cold as f64 / 1024.0);
    println!("BENCH console_page_weight_as_loaded {:.1} KiB", weight / 1024.0);
    println!("BENCH console_load_p50 {:.1} ms", pct(&loads, 50.0));
    println!("BENCH console_load_max {:.1} ms", loads[loads.len() - 1]);

    // Click → the board's feed sees the call.
    b.wait_for("online", "document.body.dataset.online === 'true'", Duration::from_secs(10)).await;
    let mut samples = Vec::with_capacity(CLICKS);
    for _ in 0..CLICKS {
        b.wait_for("ready", "!document.querySelector('#btn-next').disabled", Duration::from_secs(10)).await;
        let button = b.find("#btn-next").await;
        let t0 = Instant::now();
        button.click().await.unwrap();
        loop {
            let item = tokio::time::timeout(Duration::from_secs(10), feed.recv()).await.unwrap().unwrap();
            if matches!(&item, FeedItem::Event(e) if e.body.kind() == "ticket_called") {
                break;
            }
        }
        samples.push(t0.elapsed().as_secs_f64() * 1000.0);
        // The console ignores a second click within 0.7 s (double-click guard).
        tokio::time::sleep(Duration::from_millis(750)).await;
    }
    samples.sort_by(f64::total_cmp);
    println!("BENCH console_click_to_board_p50 {:.1} ms", pct(&samples, 50.0));
    println!("BENCH console_click_to_board_p99 {:.1} ms", pct(&samples, 99.0));
    println!("BENCH console_click_to_board_max {:.1} ms", samples[samples.len() - 1]);
    b.close().await;
    c.stop().await;
}

/// `(utime + stime in clock ticks, VmRSS in KiB)` of a process.
fn proc_usage(pid: u32) -> (u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let rss = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap();
    (ticks, rss)
}

async fn idle_clients() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("centre.toml");
    std::fs::write(
        &config,
        format!(
            // One token stands for the 40 devices here: lift the per-device stream cap.
            "[data]\ndir = \"{}\"\n[centre]\ntoken = \"{TOKEN}\"\n[queue]\nalways_open = true\n\
             [limits]\nstreams_per_device = 100\n",
            dir.path().display()
        ),
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_motcua-kiosk"))
        .args(["centre", "--listen", &format!("127.0.0.1:{port}"), "--config"])
        .arg(&config)
        .env("MOTCUA_LOG", "warn")
        .spawn()
        .unwrap();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, rss_before) = proc_usage(child.id());
    // Consoles sign in with the device token at counters 1-9 (30 sessions).
    let mut cookies = Vec::new();
    for i in 0..30 {
        let r = http
            .post(format!("{base}/api/v1/officer/session"))
            .bearer_auth(TOKEN)
            .json(&serde_json::json!({"counter": 1 + i % 9}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
        let c =
            r.headers().get("set-cookie").unwrap().to_str().unwrap().split(';').next().unwrap().to_string();
        cookies.push(c);
    }
    let mut streams = Vec::new();
    for i in 0..70 {
        let mut rb = http.get(format!("{base}/api/v1/events")).header("accept", "text/event-stream");
        rb = match cookies.get(i) {
            Some(c) => rb.header("cookie", c),
            None => rb.bearer_auth(TOKEN),
        };
        let r = rb.send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        streams.push(tokio::spawn(async move {
            let mut s = r.bytes_stream();
            use futures_util::StreamExt;
            let mut n = 0usize;
            while let Some(Ok(b)) = s.next().await {
                n += b.len();
            }
            n
        }));
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (t0, rss) = proc_usage(child.id());
    let window = Duration::from_secs(60);
    tokio::time::sleep(window).await;
    let (t1, rss_after) = proc_usage(child.id());
    let tick_ms = 1000.0 / 100.0; // USER_HZ
    let cpu_ms = (t1 - t0) as f64 * tick_ms;
    println!("BENCH idle_70_clients_cpu {:.0} ms over {} s", cpu_ms, window.as_secs());
    println!("BENCH idle_70_clients_cpu_share {:.3} %", cpu_ms / window.as_millis() as f64 * 100.0);
    println!("BENCH centre_rss_no_clients {:.1} MiB", rss_before as f64 / 1024.0);
    println!("BENCH centre_rss_70_idle_clients {:.1} MiB", rss.max(rss_after) as f64 / 1024.0);
    println!(
        "BENCH centre_rss_per_idle_client {:.1} KiB",
        (rss.max(rss_after) as f64 - rss_before as f64) / 70.0
    );
    for s in &streams {
        s.abort();
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        click_to_board().await;
        idle_clients().await;
    });
}
