//! Driving the kiosk through Slint's testing backend, for the failure-state
//! tests: a kiosk on any backend, taps by accessible label, settling the
//! background work, a fake thermal printer on loopback, and the checker of
//! citizen-facing texts.

#![allow(dead_code)]

use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementQuery};
use motcua_kiosk::app::backend::{self, QueueBackend};
use motcua_kiosk::app::kiosk::KioskApp;
use motcua_kiosk::app::poster::Poster;
use motcua_kiosk::config::Config;
use motcua_kiosk::ui::KioskWindow;
use slint::ComponentHandle;
use std::sync::Arc;
use std::time::Duration;

pub struct Harness {
    pub app: KioskApp,
    pub rt: tokio::runtime::Runtime,
}

thread_local! {
    static SLINT_READY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap()
}

pub fn kiosk_on(cfg: Config, backend: Arc<dyn QueueBackend>, rt: tokio::runtime::Runtime) -> Harness {
    if !SLINT_READY.get() {
        i_slint_backend_testing::init_no_event_loop();
        SLINT_READY.set(true);
    }
    let clock = Arc::new(motcua_kiosk::domain::clock::MockClock::new(motcua_kiosk::snapshot::sample_now()));
    let ui = KioskWindow::new().unwrap();
    let app = KioskApp::new(ui, cfg, backend, rt.handle().clone(), Poster::queue(), clock);
    app.ui.window().set_size(slint::PhysicalSize::new(1080, 1920));
    app.ui.show().unwrap();
    Harness { app, rt }
}

pub fn sample_backend(cfg: &Config) -> Arc<dyn QueueBackend> {
    Arc::new(motcua_kiosk::app::sample_backend::SampleBackend::new(cfg, motcua_kiosk::snapshot::sample_now()))
}

/// A kiosk whose centre is unreachable (nothing listens on its address),
/// with its own database in `dir`: a first boot unless `dir` remembers a list.
pub fn kiosk_without_centre(mut cfg: Config, dir: &std::path::Path) -> Harness {
    cfg.data.dir = dir.display().to_string();
    cfg.centre.url = motcua_kiosk::snapshot::UNREACHABLE_CENTRE.into();
    let rt = runtime();
    let link = {
        let _g = rt.enter();
        let clock =
            Arc::new(motcua_kiosk::domain::clock::MockClock::new(motcua_kiosk::snapshot::sample_now()));
        motcua_kiosk::centre::link::RemoteLink::open(
            &cfg,
            motcua_kiosk::store::kiosk_db_path(&cfg.data_dir()),
            clock,
            Default::default(),
        )
        .unwrap()
    };
    let link = motcua_kiosk::centre::link::KioskLink::Remote(link);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while link.status().mode != motcua_kiosk::centre::link::LinkMode::Offline {
        assert!(std::time::Instant::now() < deadline, "the link never noticed the centre is gone");
        std::thread::sleep(Duration::from_millis(10));
    }
    let backend = Arc::new(motcua_kiosk::app::link_backend::LinkBackend { link });
    kiosk_on(cfg, backend, rt)
}

/// The buttons with this accessible label.
pub fn buttons(ui: &KioskWindow, label: &str) -> Vec<ElementHandle> {
    ElementHandle::find_by_accessible_label(ui, label)
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .collect()
}

pub fn button(ui: &KioskWindow, label: &str) -> ElementHandle {
    let found = buttons(ui, label);
    assert_eq!(found.len(), 1, "expected one button labelled {label:?}, found {}", found.len());
    found.into_iter().next().unwrap()
}

pub fn tap(h: &Harness, label: &str) {
    button(&h.app.ui, label).invoke_accessible_default_action();
    frame();
}

pub fn frame() {
    i_slint_backend_testing::mock_elapsed_time(Duration::from_millis(16));
}

pub fn settle(h: &Harness) {
    assert!(h.app.wait_idle(Duration::from_secs(10)), "background work still running after 10 s");
    frame();
}

/// Every text the window shows or announces now (labels, descriptions, values).
pub fn shown_texts(ui: &KioskWindow) -> Vec<String> {
    let mut out = Vec::new();
    for e in ElementQuery::from_root(ui).match_descendants().find_all() {
        for t in
            [e.accessible_label(), e.accessible_description(), e.accessible_value()].into_iter().flatten()
        {
            if !t.is_empty() {
                out.push(t.to_string());
            }
        }
    }
    out
}

/// Why `text` must not reach a citizen using the Vietnamese UI: technical
/// text (addresses, OS errors, codes, paths) or English words.
pub fn technical(text: &str) -> Option<&'static str> {
    const ALLOWED: &[&str] = &["English"]; // the language button
    if ALLOWED.contains(&text) {
        return None;
    }
    let lower = text.to_lowercase();
    for (needle, why) in [
        ("os error", "OS error text"),
        ("errno", "OS error text"),
        ("://", "an address"),
        ("127.0.0.1", "an address"),
        ("localhost", "an address"),
        ("/dev/", "a device path"),
        ("::", "a code path"),
        ("panic", "a crash message"),
        ("sqlite", "a storage detail"),
    ] {
        if lower.contains(needle) {
            return Some(why);
        }
    }
    let words: Vec<&str> =
        lower.split(|c: char| !c.is_alphanumeric() && c != '_').filter(|w| !w.is_empty()).collect();
    const ENGLISH: &[&str] = &[
        "the",
        "error",
        "failed",
        "cannot",
        "connection",
        "refused",
        "timeout",
        "printer",
        "please",
        "unknown",
        "invalid",
        "not",
        "offline",
        "online",
        "service",
        "request",
        "response",
        "status",
        "ticket",
        "centre",
        "center",
        "unreachable",
        "denied",
        "permission",
        "found",
        "null",
    ];
    if let Some(w) = words.iter().find(|w| ENGLISH.contains(w)) {
        let _ = w;
        return Some("English words");
    }
    if words.iter().any(|w| w.contains('_') && w.chars().any(|c| c.is_ascii_alphabetic())) {
        return Some("an error code");
    }
    // An IPv4 address or a host:port.
    let ipv4 = text.split(|c: char| !(c.is_ascii_digit() || c == '.')).any(|t| {
        let parts: Vec<&str> = t.split('.').collect();
        parts.len() == 4 && parts.iter().all(|p| !p.is_empty() && p.len() <= 3)
    });
    if ipv4 {
        return Some("an address");
    }
    None
}

/// Fails with every technical text the Vietnamese kiosk shows now (`state` names the state).
pub fn assert_plain_vietnamese(h: &Harness, state: &str) {
    let bad: Vec<String> = shown_texts(&h.app.ui)
        .into_iter()
        .filter_map(|t| technical(&t).map(|why| format!("{why}: {t:?}")))
        .collect();
    assert!(bad.is_empty(), "{state}: technical text reaches the citizen: {bad:#?}");
}

/// What the fake printer received so far.
#[derive(Default)]
pub struct Received {
    bytes: std::sync::Mutex<Vec<u8>>,
    more: std::sync::Condvar,
}

impl Received {
    pub fn bytes(&self) -> Vec<u8> {
        self.bytes.lock().unwrap().clone()
    }

    /// The bytes once they satisfy `done` (the kiosk's write can return before
    /// the printer thread has read them), or as they are after 5 s.
    pub fn wait_until(&self, done: impl Fn(&[u8]) -> bool) -> Vec<u8> {
        let got = self.bytes.lock().unwrap();
        let (got, _) = self.more.wait_timeout_while(got, Duration::from_secs(5), |b| !done(b)).unwrap();
        got.clone()
    }
}

/// A backend that remembers the tickets it was asked for, to check what
/// leaves the kiosk.
pub struct Recording {
    inner: Arc<dyn QueueBackend>,
    pub requests: std::sync::Mutex<Vec<motcua_kiosk::app::backend::IssueRequest>>,
}

impl Recording {
    pub fn new(inner: Arc<dyn QueueBackend>) -> Arc<Self> {
        Arc::new(Recording { inner, requests: Default::default() })
    }
}

type Fut<'a, T, E> = futures_util::future::BoxFuture<'a, Result<T, E>>;

impl QueueBackend for Recording {
    fn services(&self) -> Fut<'_, Vec<backend::ServiceView>, backend::BackendError> {
        self.inner.services()
    }
    fn issue(&self, req: backend::IssueRequest) -> Fut<'_, backend::IssuedTicket, backend::BackendError> {
        self.requests.lock().unwrap().push(req.clone());
        self.inner.issue(req)
    }
    fn dossier(&self, code: String) -> Fut<'_, backend::DossierDetails, backend::DossierLookupError> {
        self.inner.dossier(code)
    }
    fn rating_context(
        &self,
        ticket: backend::RatingTicket,
    ) -> Fut<'_, backend::RatingContextView, backend::RatingError> {
        self.inner.rating_context(ticket)
    }
    fn rate(&self, vote: backend::RatingVote) -> Fut<'_, backend::VoteOutcome, backend::RatingError> {
        self.inner.rate(vote)
    }
    fn request_help(&self) -> Fut<'_, bool, backend::BackendError> {
        self.inner.request_help()
    }
}

/// A thermal printer on 127.0.0.1:port speaking ESC/POS: answers DLE EOT n
/// with the given status bytes and records everything it receives.
pub fn fake_printer(status: [u8; 3]) -> (String, Arc<Received>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("tcp://{}", listener.local_addr().unwrap());
    let got = Arc::new(Received::default());
    let rec = got.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut c) = conn else { return };
            let mut buf = [0u8; 4096];
            while let Ok(n) = c.read(&mut buf) {
                if n == 0 {
                    break;
                }
                rec.bytes.lock().unwrap().extend_from_slice(&buf[..n]);
                for w in buf[..n].windows(3) {
                    if w[0] == 0x10 && w[1] == 0x04 {
                        let answer = match w[2] {
                            1 => status[0],
                            2 => status[1],
                            _ => status[2],
                        };
                        let _ = c.write_all(&[answer]);
                    }
                }
                rec.more.notify_all();
            }
        }
    });
    (uri, got)
}
