//! The fleet view at the centre: `GET /api/v1/devices`, the `device` events
//! (printer, PIN, offline after two minutes, back online) and the `devices`
//! command, against a real centre on 127.0.0.1 with a clock the test moves.

mod common;

use chrono::{DateTime, Duration as Span, Utc};
use common::openapi::OpenApi;
use common::{raw, TestCentre, KIOSK_TOKEN, TOKEN};
use motcua_kiosk::centre::api::{DeviceChange, DeviceEventData, DevicesResponse, EventBody, FeedItem};
use motcua_kiosk::centre::EventStream;
use motcua_kiosk::domain::clock::MockClock;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

async fn heartbeat(c: &TestCentre, printer: &str, extra: serde_json::Value) {
    let mut body = json!({"printer_status": printer, "scanner_connected": true, "outbox_len": 3, "app_version": "0.9.1"});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let url = format!("{}/api/v1/kiosks/kiosk-01/heartbeat", c.url);
    let (s, _, b) = raw("POST", &url, Some(KIOSK_TOKEN), Some(&body.to_string())).await;
    assert_eq!(s, 200, "{b}");
}

async fn fleet(c: &TestCentre, api: &OpenApi) -> DevicesResponse {
    let (s, _, b) = raw("GET", &format!("{}/api/v1/devices", c.url), Some(TOKEN), None).await;
    api.check("GET", "/api/v1/devices", s, &b);
    assert_eq!(s, 200, "{b}");
    serde_json::from_str(&b).unwrap()
}

/// The next `device` event about `device` (other events are skipped).
async fn next_device(stream: &mut EventStream, device: &str) -> DeviceEventData {
    let wait = async {
        loop {
            match stream.next().await.expect("stream open").expect("stream item") {
                FeedItem::Event(ev) => match &ev.body {
                    EventBody::Device(d) if d.device == device => return d.clone(),
                    _ => {}
                },
                FeedItem::Resync(_) => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .unwrap_or_else(|_| panic!("no device event about {device} within 20 s"))
}

/// The next `device` event about each of `devices`, in that order.
async fn next_devices(stream: &mut EventStream, devices: &[&str]) -> Vec<DeviceEventData> {
    let mut got: Vec<Option<DeviceEventData>> = vec![None; devices.len()];
    let wait = async {
        while got.iter().any(Option::is_none) {
            if let FeedItem::Event(ev) = stream.next().await.expect("stream open").expect("stream item") {
                if let EventBody::Device(d) = &ev.body {
                    if let Some(i) = devices.iter().position(|id| *id == d.device) {
                        got[i].get_or_insert_with(|| d.clone());
                    }
                }
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .unwrap_or_else(|_| panic!("no device event about each of {devices:?} within 20 s"));
    got.into_iter().map(Option::unwrap).collect()
}

fn t0() -> DateTime<Utc> {
    common::local(2026, 12, 2, 9, 0, 0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_view_and_its_events_follow_the_devices() {
    // What must hold: the admin sees every declared device with its role; a
    // kiosk's heartbeat brings printer, reader, outbox, version, clock skew
    // and PIN failures; another device's request brings its version; paper
    // out and a locked PIN are announced at once; a device silent for more
    // than two minutes is announced offline, and online when heard again.
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::config(dir.path());
    let clock = MockClock::new(t0());
    let c = TestCentre::start(&cfg, &dir.path().join("centre.sqlite3"), Arc::new(clock.clone()), 0).await;
    let api = OpenApi::load();
    let mut stream = c.client().events(None).await.unwrap();

    heartbeat(&c, "ok", json!({"clock": t0() + Span::seconds(3), "pin_failures": 2})).await;
    c.display_client().state().await.unwrap();
    let v = fleet(&c, &api).await;
    assert_eq!(v.offline_after_secs, 120);
    let ids: Vec<_> = v.devices.iter().map(|d| (d.id.as_str(), d.role.as_str())).collect();
    assert_eq!(
        ids,
        [
            ("centre-admin", "admin"),
            ("counter-1", "counter"),
            ("display-1", "display"),
            ("kiosk-01", "kiosk"),
            ("kiosk-02", "kiosk")
        ]
    );
    let k = &v.devices[3];
    assert!(k.online && k.source == "config" && !k.revoked);
    assert_eq!(k.last_seen, Some(t0()));
    assert_eq!(k.printer_status.as_deref(), Some("ok"));
    assert_eq!((k.scanner_connected, k.outbox_len), (Some(true), Some(3)));
    assert_eq!(k.app_version.as_deref(), Some("0.9.1"));
    assert_eq!(k.clock_skew_ms, Some(3000), "the kiosk's clock is 3 s ahead");
    assert_eq!((k.pin_failures, k.pin_locked_until), (Some(2), None));
    let d = &v.devices[2];
    assert!(d.online, "a display is seen by its requests");
    assert_eq!(d.app_version.as_deref(), Some(env!("CARGO_PKG_VERSION")), "from its User-Agent");
    assert!(d.printer_status.is_none() && d.clock_skew_ms.is_none());
    let never = &v.devices[4];
    assert!(!never.online && never.last_seen.is_none());
    // Only the admin reads the fleet.
    let (s, _, b) = raw("GET", &format!("{}/api/v1/devices", c.url), Some(KIOSK_TOKEN), None).await;
    api.check("GET", "/api/v1/devices", s, &b);
    assert_eq!(s, 403, "{b}");

    heartbeat(&c, "out_of_paper", json!({})).await;
    let e = next_device(&mut stream, "kiosk-01").await;
    assert_eq!((e.change, e.role.as_str()), (DeviceChange::Printer, "kiosk"));
    assert_eq!(e.printer_status.as_deref(), Some("out_of_paper"));
    let until = t0() + Span::minutes(10);
    heartbeat(&c, "ok", json!({"pin_failures": 5, "pin_locked_until": until, "alerts": ["pin_locked"]}))
        .await;
    assert_eq!(next_device(&mut stream, "kiosk-01").await.change, DeviceChange::Printer, "paper back");
    assert_eq!(next_device(&mut stream, "kiosk-01").await.change, DeviceChange::PinLocked);
    let k = fleet(&c, &api).await.devices.into_iter().find(|d| d.id == "kiosk-01").unwrap();
    assert_eq!((k.pin_failures, k.pin_locked_until), (Some(5), Some(until)));
    assert_eq!(k.alerts, ["pin_locked"]);
    // The same report again says nothing new.
    heartbeat(&c, "ok", json!({"pin_failures": 5, "pin_locked_until": until})).await;

    // Two minutes are not yet offline; past them, both are.
    clock.advance(Span::seconds(119));
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(fleet(&c, &api).await.devices[3].online, "119 s of silence is not offline");
    clock.advance(Span::seconds(60));
    let gone = next_devices(&mut stream, &["display-1", "kiosk-01"]).await;
    assert_eq!(gone[0].change, DeviceChange::Offline, "{gone:?}");
    assert_eq!((gone[1].change, gone[1].last_seen), (DeviceChange::Offline, Some(t0())), "{gone:?}");
    let v = fleet(&c, &api).await;
    assert!(!v.devices[3].online && !v.devices[2].online);
    assert!(v.devices[0].online, "the admin's open stream keeps it seen");

    heartbeat(&c, "ok", json!({"pin_failures": 5, "pin_locked_until": until})).await;
    let e = next_device(&mut stream, "kiosk-01").await;
    assert_eq!((e.change, e.last_seen), (DeviceChange::Online, Some(clock_now(&clock))));
    c.display_client().state().await.unwrap();
    assert_eq!(next_device(&mut stream, "display-1").await.change, DeviceChange::Online);
    assert!(fleet(&c, &api).await.devices[3].online);

    // The `devices` command on the centre machine: the live view, as JSON and
    // as a table; with the centre stopped, what its database knows.
    let conf = dir.path().join("centre.toml");
    std::fs::write(
        &conf,
        format!(
            "[data]\ndir = \"{}\"\n[centre]\nlisten = \"{}\"\ntoken = \"{TOKEN}\"\n",
            dir.path().display(),
            c.addr
        ),
    )
    .unwrap();
    let cli = move |args: &'static [&'static str]| {
        let conf = conf.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let out = std::process::Command::new(env!("CARGO_BIN_EXE_motcua-kiosk"))
                    .arg("--config")
                    .arg(&conf)
                    .args(args)
                    .output()
                    .unwrap();
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
            })
            .await
            .unwrap()
        }
    };
    let (out, _) = cli(&["devices", "--json"]).await;
    let v: DevicesResponse = serde_json::from_str(&out).unwrap();
    api.check_schema("DevicesResponse", &serde_json::from_str(&out).unwrap());
    let k = v.devices.iter().find(|d| d.id == "kiosk-01").unwrap();
    assert_eq!((k.pin_failures, k.online), (Some(5), true), "the running centre's view");
    let (table, _) = cli(&["devices", "list"]).await;
    for want in ["kiosk-01", "trực tuyến", "0.9.1", "PIN KHÓA", "display-1", "chưa thấy", "5 thiết bị"]
    {
        assert!(table.contains(want), "missing {want} in:\n{table}");
    }
    c.stop().await;
    let (table, _) = cli(&["devices"]).await;
    for want in ["kiosk-01", "heartbeat", "theo cơ sở dữ liệu", "0.9.1"] {
        assert!(table.contains(want), "missing {want} in:\n{table}");
    }
    assert!(!table.contains("PIN KHÓA"), "the database does not keep the PIN state:\n{table}");
}

fn clock_now(c: &MockClock) -> DateTime<Utc> {
    use motcua_kiosk::domain::clock::Clock;
    c.now()
}
