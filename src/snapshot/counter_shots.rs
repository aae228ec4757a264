//! Snapshots of the counter screen: every state, staged through the real
//! controller ([`CounterApp`]) fed the way the display feed feeds it.

use super::{file_name_counter, render, sample_now, HeadlessWindow, SnapshotOptions};
use crate::app::counter::CounterApp;
use crate::app::display_feed::{opening_hours, FeedObserver, FeedView};
use crate::app::poster::Poster;
use crate::centre::api::{ServiceInfo, ServicesResponse};
use crate::config::Config;
use crate::domain::board::{BoardEvent, BoardFilter, BoardState, Desk, ServiceNames};
use crate::domain::clock::MockClock;
use crate::domain::counter_screen::OpeningHours;
use crate::ui::{CounterScreen, CounterWindow};
use slint::{ComponentHandle, PhysicalSize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Counter screen states `snapshot` can render.
pub const COUNTER_SCREENS: &[&str] = &[
    "counter-called",
    "counter-serving",
    "counter-paused",
    "counter-idle",
    "counter-closed",
    "counter-rating",
    "counter-thanks",
    "counter-offline",
];

/// The counter shown (a two-digit number, the widest case).
const COUNTER: u32 = 12;

pub(super) fn run(
    cfg: &Config,
    opts: &SnapshotOptions,
    screens: &[&String],
    last: &HeadlessWindow,
) -> anyhow::Result<Vec<PathBuf>> {
    let (w, h) = opts.size.unwrap_or((1024, 600));
    let now = sample_now();
    let svc = cfg.queue.services.first().ok_or_else(|| anyhow::anyhow!("no queue service configured"))?;
    let names: Arc<ServiceNames> = Arc::new(
        cfg.queue.services.iter().map(|s| (s.code.clone(), (s.name_vi.clone(), s.prefix.clone()))).collect(),
    );
    let names_en: Arc<BTreeMap<String, String>> =
        Arc::new(cfg.queue.services.iter().map(|s| (s.code.clone(), s.name_en.clone())).collect());
    let services = ServicesResponse {
        services: cfg.queue.services.iter().map(ServiceInfo::configured).collect(),
        always_open: false,
        service_day: now.date_naive(),
        server_time: now,
        tracking_base_url: String::new(),
    };
    // The sample instant is a Sunday: the real hours say closed.
    let closed_hours = Arc::new(opening_hours(&services));
    let open_hours = Arc::new(OpeningHours { always_open: true, ..OpeningHours::default() });
    let mut written = Vec::new();
    for &lang in &opts.langs {
        for screen in screens {
            let mut c = cfg.clone();
            c.counter.number = COUNTER;
            c.counter.language = lang;
            c.counter.rating = true;
            let ui = CounterWindow::new()?;
            let window = last.borrow_mut().take().expect("the counter window was created");
            window.set_size(PhysicalSize::new(w, h));
            ui.show()?;
            let app = CounterApp::new(ui, &c, Arc::new(MockClock::new(now)));
            app.stop_timer();
            let poster = Poster::queue();
            let observer = app.observer(poster.clone());
            let feed = |board: &BoardState, hours: &Arc<OpeningHours>, offline: bool| {
                observer.update(&FeedView {
                    board,
                    disconnected_since: offline.then(|| now - chrono::Duration::minutes(3)),
                    names: &names,
                    service_day: Some(now.date_naive()),
                    hours,
                    names_en: &names_en,
                    skew: chrono::Duration::zero(),
                });
                poster.pump();
            };
            let mut b = BoardState::new(BoardFilter { counters: vec![COUNTER], services: vec![] }, 1);
            let state = |id, paused, desk| BoardEvent::CounterState {
                id,
                counter: COUNTER,
                services: vec![svc.code.clone()],
                paused,
                desk,
            };
            b.apply(&state(1, false, None));
            let hours = if screen.as_str() == "counter-closed" { &closed_hours } else { &open_hours };
            feed(&b, hours, false);
            let ticket = format!("{}-023", svc.prefix);
            let call = BoardEvent::Called {
                id: 2,
                ticket: ticket.clone(),
                counter: COUNTER,
                service: svc.code.clone(),
                at: now,
            };
            match screen.as_str() {
                "counter-called" => {
                    b.apply(&call);
                    feed(&b, hours, false);
                    // The bright half of the flash.
                    app.ui.global::<CounterScreen>().set_flash_left(11);
                }
                "counter-serving" | "counter-offline" => {
                    b.apply(&call);
                    b.apply(&BoardEvent::Started { id: 3, counter: COUNTER, ticket: ticket.clone() });
                    feed(&b, hours, screen.as_str() == "counter-offline");
                    app.ui.global::<CounterScreen>().set_flash_left(0);
                }
                "counter-paused" => {
                    b.apply(&state(3, true, None));
                    feed(&b, hours, false);
                }
                "counter-rating" | "counter-thanks" => {
                    b.apply(&call);
                    feed(&b, hours, false);
                    b.apply(&state(
                        3,
                        false,
                        Some(Desk { ticket: ticket.clone(), service: svc.code.clone(), started: true }),
                    ));
                    b.apply(&BoardEvent::Finished {
                        id: 4,
                        counter: COUNTER,
                        ticket: ticket.clone(),
                        service: svc.code.clone(),
                        served: true,
                        at: now,
                    });
                    feed(&b, hours, false);
                    app.ui.global::<CounterScreen>().set_flash_left(0);
                    if screen.as_str() == "counter-thanks" {
                        app.ui.global::<CounterScreen>().invoke_rate(3);
                    }
                }
                _ => {}
            }
            let path = opts.out.join(file_name_counter(screen, lang, (w, h)));
            render(&window, w, h, &path)?;
            written.push(path);
        }
    }
    Ok(written)
}

/// What a counter screen does at power-on up to its first picture: build the
/// window, take the first board (a called ticket, as after the first resync),
/// render one full frame with the software renderer. Prints
/// `FIRST_FRAME_DONE` and the peak RSS (for `benches/counter_screen.rs`).
pub fn first_frame(cfg: &Config, size: (u32, u32)) -> anyhow::Result<()> {
    use slint::platform::software_renderer::MinimalSoftwareWindow;
    use std::cell::RefCell;
    use std::rc::Rc;
    let last: HeadlessWindow = Rc::new(RefCell::new(None));
    slint::platform::set_platform(Box::new(super::HeadlessPlatform { last: last.clone() }))
        .map_err(|e| anyhow::anyhow!("cannot install the headless renderer: {e}"))?;
    let mut c = cfg.clone();
    c.counter.number = 1;
    let ui = CounterWindow::new()?;
    let window: Rc<MinimalSoftwareWindow> = last.borrow_mut().take().expect("the counter window was created");
    let (w, h) = size;
    window.set_size(PhysicalSize::new(w, h));
    ui.show()?;
    let now = chrono::Utc::now();
    let app = CounterApp::new(ui, &c, crate::domain::clock::system());
    let poster = Poster::queue();
    let observer = app.observer(poster.clone());
    let mut b = BoardState::new(BoardFilter { counters: vec![1], services: vec![] }, 1);
    b.apply(&BoardEvent::Called { id: 1, ticket: "A-001".into(), counter: 1, service: "HT".into(), at: now });
    let names: Arc<ServiceNames> = Arc::new(
        c.queue.services.iter().map(|s| (s.code.clone(), (s.name_vi.clone(), s.prefix.clone()))).collect(),
    );
    observer.update(&FeedView {
        board: &b,
        disconnected_since: None,
        names: &names,
        service_day: None,
        hours: &Arc::default(),
        names_en: &Arc::default(),
        skew: chrono::Duration::zero(),
    });
    poster.pump();
    slint::platform::update_timers_and_animations();
    let mut buffer = vec![slint::Rgb8Pixel::default(); (w * h) as usize];
    let mut drawn = false;
    window.draw_if_needed(|renderer| {
        renderer.render(&mut buffer, w as usize);
        drawn = true;
    });
    anyhow::ensure!(drawn, "the first frame was not drawn");
    anyhow::ensure!(app.ui.global::<CounterScreen>().get_ticket() == "A-001", "the call is not shown");
    println!("FIRST_FRAME_DONE");
    println!("PEAK_RSS_KIB {}", super::peak_rss_kib().unwrap_or(0));
    Ok(())
}
