//! Headless screenshots: every screen rendered with Slint's software renderer
//! into PNG files, with deterministic sample data and no display server.

use crate::app::backend::IssuedTicket;
use crate::app::kiosk::{theme_variant, KioskApp};
use crate::app::poster::Poster;
use crate::app::sample_backend::SampleBackend;
use crate::config::{Config, Language, ThemeVariant};
use crate::domain::clock::{self, MockClock};
use crate::ui::{DossierAdapter, KioskWindow, Nav, Page, RatingAdapter, Session, SetupAdapter, Theme};
use chrono::TimeZone;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, PhysicalSize, Rgb8Pixel};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

/// Kiosk screens `snapshot` can render.
/// The check code the sample ticket's screens show and type.
const SAMPLE_CHECK_CODE: &str = "4821";

pub const KIOSK_SCREENS: &[&str] = &[
    "home",
    "home-identified",
    "take-number",
    "ticket",
    "ticket-offline",
    "procedures",
    "procedure-search",
    "procedure-detail",
    "dossier",
    "rating",
    "rating-check",
    "rating-levels",
    "rating-indices",
    "setup",
    "diagnostics",
    "idle-warning",
    // Priority is confirmed before a priority ticket prints (issue 14).
    "take-number-priority",
    // Failure states (issue 18).
    "home-first-boot",
    "take-number-first-boot",
    "ticket-first-boot",
    "home-offline",
    "take-number-offline",
    "home-unavailable",
    "take-number-unavailable",
    "ticket-paper-out",
    "ticket-printer-offline",
    "ticket-cover-open",
    "ticket-no-printer",
    "home-reader-disconnected",
    "procedures-catalog-missing",
    "dossier-unreachable",
    "rating-queued",
    "take-number-closed",
    "take-number-cap",
];

mod counter_shots;
pub use counter_shots::{first_frame as counter_first_frame, COUNTER_SCREENS};

/// Display board screens `snapshot` can render.
pub const DISPLAY_SCREENS: &[&str] = &["display-board", "display-many", "display-disconnected"];

/// Every window gets its own software-rendered window; the last one created is
/// kept so the caller can render it.
struct HeadlessPlatform {
    last: Rc<RefCell<Option<Rc<MinimalSoftwareWindow>>>>,
}

impl Platform for HeadlessPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, slint::PlatformError> {
        let w = MinimalSoftwareWindow::new(RepaintBufferType::NewBuffer);
        *self.last.borrow_mut() = Some(w.clone());
        Ok(w)
    }
}

pub struct SnapshotOptions {
    pub screens: Vec<String>,
    pub out: PathBuf,
    pub langs: Vec<Language>,
    /// `None`: 1080x1920 for kiosk screens, 1920x1080 for display screens.
    pub size: Option<(u32, u32)>,
    pub theme: ThemeVariant,
}

/// The instant shown on every snapshot: 09:41 on Sunday 29/11/2026, Viet Nam time.
pub fn sample_now() -> chrono::DateTime<chrono::Utc> {
    crate::domain::localtime::vn_offset()
        .with_ymd_and_hms(2026, 11, 29, 9, 41, 0)
        .single()
        .expect("valid sample time")
        .with_timezone(&chrono::Utc)
}

/// `counter-STATE.LANG.png` at 1024x600, else `counter-STATE.LANG.WxH.png`.
pub fn file_name_counter(screen: &str, lang: Language, size: (u32, u32)) -> String {
    let mut name = format!("{screen}.{}", lang.code());
    if size != (1024, 600) {
        name.push_str(&format!(".{}x{}", size.0, size.1));
    }
    name + ".png"
}

type HeadlessWindow = Rc<RefCell<Option<Rc<MinimalSoftwareWindow>>>>;

pub fn file_name(screen: &str, lang: Language, size: (u32, u32), theme: ThemeVariant) -> String {
    if DISPLAY_SCREENS.contains(&screen) {
        let mut name = screen.to_string();
        if size != (1920, 1080) {
            name.push_str(&format!(".{}x{}", size.0, size.1));
        }
        return name + ".png";
    }
    let mut name = format!("kiosk-{screen}.{}", lang.code());
    if theme != ThemeVariant::Normal {
        name.push('.');
        name.push_str(theme.name());
    }
    if size != (1080, 1920) {
        name.push_str(&format!(".{}x{}", size.0, size.1));
    }
    name + ".png"
}

/// Renders the requested screens; returns the files written. Installs a
/// headless Slint platform, so call it once per process before any UI exists.
pub fn run(cfg: &Config, opts: &SnapshotOptions) -> anyhow::Result<Vec<PathBuf>> {
    for s in &opts.screens {
        if !KIOSK_SCREENS.contains(&s.as_str())
            && !DISPLAY_SCREENS.contains(&s.as_str())
            && !COUNTER_SCREENS.contains(&s.as_str())
        {
            anyhow::bail!(
                "unknown screen `{s}`; screens are: all, {}, {}, {}",
                KIOSK_SCREENS.join(", "),
                DISPLAY_SCREENS.join(", "),
                COUNTER_SCREENS.join(", ")
            );
        }
    }
    std::fs::create_dir_all(&opts.out)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", opts.out.display()))?;
    let last = Rc::new(RefCell::new(None));
    slint::platform::set_platform(Box::new(HeadlessPlatform { last: last.clone() }))
        .map_err(|e| anyhow::anyhow!("cannot install the headless renderer: {e}"))?;
    let mut written = Vec::new();
    let kiosk: Vec<&String> = opts.screens.iter().filter(|s| KIOSK_SCREENS.contains(&s.as_str())).collect();
    let display: Vec<&String> =
        opts.screens.iter().filter(|s| DISPLAY_SCREENS.contains(&s.as_str())).collect();
    if !kiosk.is_empty() {
        written.extend(run_kiosk(cfg, opts, &kiosk, &last)?);
    }
    if !display.is_empty() {
        written.extend(run_display(cfg, opts, &display, &last)?);
    }
    let counter: Vec<&String> =
        opts.screens.iter().filter(|s| COUNTER_SCREENS.contains(&s.as_str())).collect();
    if !counter.is_empty() {
        written.extend(counter_shots::run(cfg, opts, &counter, &last)?);
    }
    Ok(written)
}

fn run_kiosk(
    cfg: &Config,
    opts: &SnapshotOptions,
    screens: &[&String],
    last: &Rc<RefCell<Option<Rc<MinimalSoftwareWindow>>>>,
) -> anyhow::Result<Vec<PathBuf>> {
    let size = opts.size.unwrap_or((1080, 1920));
    let (w, h) = size;

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let now = sample_now();
    let mut cfg = cfg.clone();
    cfg.kiosk.theme = opts.theme;
    // A kiosk with a ticket printer (never reached: the print outcome is staged).
    cfg.printer.uri = UNREACHABLE_PRINTER.into();
    let backend = Arc::new(SampleBackend::new(&cfg, now));
    let (app, window) = kiosk_app(&cfg, backend, &rt, last, size, opts.theme)?;

    let mut written = Vec::new();
    for &lang in &opts.langs {
        for screen in screens {
            let path = opts.out.join(file_name(screen, lang, size, opts.theme));
            if let Some((scfg, backend, dir)) = special_kiosk(&cfg, screen, &rt)? {
                let (app, window) = kiosk_app(&scfg, backend, &rt, last, size, opts.theme)?;
                app.set_language(lang);
                stage(&app, &scfg, screen)?;
                render(&window, w, h, &path)?;
                drop(app);
                if let Some(dir) = dir {
                    let _ = std::fs::remove_dir_all(dir);
                }
            } else {
                app.end_session();
                app.set_language(lang);
                stage(&app, &cfg, screen)?;
                render(&window, w, h, &path)?;
            }
            written.push(path);
        }
    }
    Ok(written)
}

/// A printer address where nothing listens (a configured printer that is
/// never reached: snapshots stage the print outcome).
const UNREACHABLE_PRINTER: &str = "tcp://127.0.0.1:9";
/// A centre address where nothing listens (the centre is unreachable).
pub const UNREACHABLE_CENTRE: &str = "http://127.0.0.1:9";

type Window = Rc<MinimalSoftwareWindow>;

fn kiosk_app(
    cfg: &Config,
    backend: Arc<dyn crate::app::backend::QueueBackend>,
    rt: &tokio::runtime::Runtime,
    last: &Rc<RefCell<Option<Window>>>,
    (w, h): (u32, u32),
    theme: ThemeVariant,
) -> anyhow::Result<(KioskApp, Window)> {
    let ui = KioskWindow::new()?;
    let window = last.borrow_mut().take().expect("the kiosk window was created");
    window.set_size(PhysicalSize::new(w, h));
    let clock = Arc::new(MockClock::new(sample_now()));
    let app = KioskApp::new(ui, cfg.clone(), backend, rt.handle().clone(), Poster::queue(), clock);
    app.stop_timers();
    app.set_catalog(Arc::new(
        crate::catalog::Catalog::bundled().map_err(|e| anyhow::anyhow!("bundled catalog: {e}"))?,
    ));
    app.ui.show()?;
    app.ui.global::<Theme>().set_variant(theme_variant(theme));
    Ok((app, window))
}

/// The kiosk a failure state needs: its config, its backend, and the data
/// directory to remove afterwards. `None`: the shared sample kiosk will do.
#[allow(clippy::type_complexity)]
fn special_kiosk(
    cfg: &Config,
    screen: &str,
    rt: &tokio::runtime::Runtime,
) -> anyhow::Result<Option<(Config, Arc<dyn crate::app::backend::QueueBackend>, Option<PathBuf>)>> {
    use crate::domain::queue_rules::Availability;
    let now = sample_now();
    let monday_0730 = crate::domain::localtime::day_start_utc(
        crate::domain::localtime::service_day(now) + chrono::Days::new(1),
    ) + chrono::Duration::minutes(7 * 60 + 30);
    let mut cfg = cfg.clone();
    let sample = |cfg: &Config| SampleBackend::new(cfg, now);
    let backend: Arc<dyn crate::app::backend::QueueBackend> = match screen {
        "take-number-closed" => {
            let mut b = sample(&cfg);
            for s in &cfg.queue.services {
                b = b.with_availability(&s.code, Availability::Closed { next_open: Some(monday_0730) });
            }
            Arc::new(b)
        }
        "take-number-cap" => Arc::new(
            sample(&cfg)
                .with_availability("HT", Availability::CapReached { next_open: Some(monday_0730) })
                .with_availability("CT", Availability::CapReached { next_open: Some(monday_0730) }),
        ),
        "ticket-no-printer" => {
            cfg.printer.uri.clear();
            Arc::new(sample(&cfg))
        }
        "home-reader-disconnected" => {
            // Configured, never connected (the readers are not started here).
            cfg.scanner.ports = vec!["/dev/serial/by-id/usb-Honeywell_Scanner-if00".into()];
            Arc::new(sample(&cfg))
        }
        "home-first-boot"
        | "take-number-first-boot"
        | "ticket-first-boot"
        | "home-offline"
        | "take-number-offline"
        | "home-unavailable"
        | "take-number-unavailable"
        | "dossier-unreachable"
        | "rating-queued" => {
            let dir = std::env::temp_dir().join(format!("motcua-snapshot-{}-{screen}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir)?;
            cfg.data.dir = dir.display().to_string();
            cfg.centre.url = UNREACHABLE_CENTRE.into();
            if screen.ends_with("unavailable") {
                cfg.queue.services.clear();
            }
            let db = crate::store::kiosk_db_path(&cfg.data_dir());
            if matches!(
                screen,
                "home-offline" | "take-number-offline" | "dossier-unreachable" | "rating-queued"
            ) {
                // The centre answered this morning, then went away.
                let mut known =
                    crate::centre::link::configured_services(&cfg, now - chrono::Duration::hours(1))
                        .expect("the sample config has services");
                for (i, s) in known.services.iter_mut().enumerate() {
                    s.waiting = (i as u32 * 3 + 2) % 9;
                    s.estimated_wait_minutes = s.waiting * 6;
                }
                crate::centre::link::remember_services(&db, &known).map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            let link = {
                let _g = rt.enter();
                crate::centre::link::RemoteLink::open(
                    &cfg,
                    &db,
                    Arc::new(MockClock::new(now)),
                    Default::default(),
                )
                .map_err(|e| anyhow::anyhow!("{e}"))?
            };
            let link = crate::centre::link::KioskLink::Remote(link);
            // Wait until the link has found the centre gone (it probes at once).
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while link.status().mode != crate::centre::link::LinkMode::Offline {
                anyhow::ensure!(
                    std::time::Instant::now() < deadline,
                    "{screen}: the link never went offline"
                );
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            return Ok(Some((cfg, Arc::new(crate::app::link_backend::LinkBackend { link }), Some(dir))));
        }
        _ => return Ok(None),
    };
    Ok(Some((cfg, backend, None)))
}

/// Puts the kiosk into the state a screen shows, through the same adapters
/// and controllers the running kiosk uses.
fn stage(app: &KioskApp, cfg: &Config, screen: &str) -> anyhow::Result<()> {
    let ui = &app.ui;
    let nav = ui.global::<Nav>();
    let drain = || {
        anyhow::ensure!(
            app.wait_idle(std::time::Duration::from_secs(10)),
            "{screen}: the sample backend did not answer"
        );
        Ok(())
    };
    match screen {
        "home" => nav.invoke_go(Page::Home),
        "home-identified" => {
            let s = ui.global::<Session>();
            s.set_citizen_present(true);
            s.set_citizen_name("Nguyễn V. A.".into());
            s.set_citizen_id("048*******23".into());
        }
        "take-number" => {
            nav.invoke_go(Page::TakeNumber);
            drain()?;
        }
        "ticket"
        | "ticket-offline"
        | "ticket-paper-out"
        | "ticket-printer-offline"
        | "ticket-cover-open"
        | "ticket-no-printer" => {
            let t = IssuedTicket {
                number: if screen == "ticket-offline" { "A-901".into() } else { "A-023".into() },
                service_code: "HT".into(),
                service_name_vi: "Hộ tịch".into(),
                service_name_en: "Civil status".into(),
                counters: vec![1, 2],
                issued_at: sample_now(),
                people_ahead: 4,
                wait_minutes: 18,
                tracking_url: "http://127.0.0.1:8700/t/K7QX2M9PLA".into(),
                check_code: SAMPLE_CHECK_CODE.into(),
                offline: screen == "ticket-offline",
                priority: None,
            };
            app.show_ticket(t);
            use crate::app::printing::{PrintFailure, PrintProblem};
            let failed = |problem, detail: &str| Err(PrintFailure { problem, detail: detail.into() });
            match screen {
                "ticket-paper-out" => app.show_print_result(failed(PrintProblem::PaperOut, "out of paper")),
                "ticket-cover-open" => app.show_print_result(failed(PrintProblem::CoverOpen, "cover open")),
                "ticket-printer-offline" => app.show_print_result(failed(
                    PrintProblem::Offline,
                    "cannot connect to the printer at 127.0.0.1:9100: Connection refused (os error 111)",
                )),
                // The kiosk's own answer when asked to print without a printer.
                "ticket-no-printer" => ui.global::<crate::ui::TicketAdapter>().invoke_print(),
                _ => app.show_print_result(Ok(())),
            }
        }
        "take-number-priority" => {
            nav.invoke_go(Page::TakeNumber);
            drain()?;
            let q = ui.global::<crate::ui::QueueAdapter>();
            q.set_priority("elderly".into());
            q.invoke_take("HT".into());
        }
        "home-first-boot" | "home-offline" | "home-unavailable" | "home-reader-disconnected" => {
            app.tick_now();
            nav.invoke_go(Page::Home);
        }
        "take-number-first-boot"
        | "take-number-offline"
        | "take-number-unavailable"
        | "take-number-closed"
        | "take-number-cap" => {
            app.tick_now();
            nav.invoke_go(Page::TakeNumber);
            drain()?;
        }
        "ticket-first-boot" => {
            // A number taken as a citizen would, from a kiosk that never reached its centre.
            app.tick_now();
            nav.invoke_go(Page::TakeNumber);
            drain()?;
            ui.global::<crate::ui::QueueAdapter>().invoke_take("HT".into());
            drain()?;
            app.show_print_result(Ok(()));
        }
        "procedures-catalog-missing" => {
            app.clear_catalog();
            nav.invoke_go(Page::Procedures);
        }
        "dossier-unreachable" => {
            let code = sample_dossier_code(cfg);
            nav.invoke_go(Page::Dossier);
            let d = ui.global::<DossierAdapter>();
            d.set_code_input(code.as_str().into());
            d.invoke_lookup(code.into());
            drain()?;
        }
        "rating-queued" => {
            app.tick_now();
            nav.invoke_go(Page::Rating);
            let r = ui.global::<RatingAdapter>();
            r.invoke_find_ticket(crate::app::sample_backend::SAMPLE_TICKET.into());
            r.invoke_find_ticket(SAMPLE_CHECK_CODE.into());
            drain()?;
            r.invoke_rate(3);
            if r.get_state() == "indices" {
                r.invoke_skip();
            }
            drain()?;
        }
        "procedures" => nav.invoke_go(Page::Procedures),
        "procedure-search" => {
            nav.invoke_go(Page::Procedures);
            let p = ui.global::<crate::ui::ProcedureAdapter>();
            p.set_keyboard_open(true);
            for k in ["k", "h", "a", "i", " ", "s", "i", "n", "h"] {
                p.invoke_key(k.into());
            }
        }
        "procedure-detail" => {
            ui.global::<crate::ui::ProcedureAdapter>().invoke_open("1.001193".into());
        }
        "dossier" => {
            // The sample dossier waiting for papers, looked up like a citizen would.
            let code = sample_dossier_code(cfg);
            nav.invoke_go(Page::Dossier);
            let d = ui.global::<DossierAdapter>();
            d.set_code_input(code.as_str().into());
            d.invoke_lookup(code.into());
            drain()?;
        }
        "rating" => nav.invoke_go(Page::Rating),
        "rating-check" => {
            // A typed number asks for its check code; two digits typed so far.
            nav.invoke_go(Page::Rating);
            let r = ui.global::<RatingAdapter>();
            r.set_ticket_input(crate::app::sample_backend::SAMPLE_TICKET.into());
            r.invoke_find_ticket(crate::app::sample_backend::SAMPLE_TICKET.into());
            for k in ["4", "8"] {
                r.invoke_key(k.into());
            }
        }
        "rating-levels" | "rating-indices" => {
            nav.invoke_go(Page::Rating);
            let r = ui.global::<RatingAdapter>();
            r.invoke_find_ticket(crate::app::sample_backend::SAMPLE_TICKET.into());
            r.invoke_find_ticket(SAMPLE_CHECK_CODE.into());
            drain()?;
            if screen == "rating-indices" {
                r.invoke_rate(3);
                for (i, answer) in [0, 0, 1, 0].into_iter().enumerate() {
                    r.invoke_choose_index(i as i32, answer);
                }
            }
        }
        "setup" => {
            nav.invoke_go(Page::Setup);
            ui.global::<SetupAdapter>().set_pin_length(3);
        }
        "diagnostics" => {
            nav.invoke_go(Page::Setup);
            let s = ui.global::<SetupAdapter>();
            for d in cfg.kiosk.setup_pin.chars() {
                s.invoke_pin_digit(d.to_string().into());
            }
            s.invoke_pin_digit("submit".into());
        }
        "idle-warning" => {
            nav.invoke_go(Page::TakeNumber);
            drain()?;
            let s = ui.global::<Session>();
            s.set_idle_seconds_left(8);
            s.set_idle_warning(true);
        }
        _ => {}
    }
    Ok(())
}

/// The code of the sample dossier that waits for papers (as the sample
/// backend and the built-in centre create it for the snapshot day).
pub fn sample_dossier_code(cfg: &Config) -> String {
    let cal = crate::domain::dossier::WorkCalendar::from_strings(&cfg.dossier.holidays);
    let records =
        crate::centre::core::sample_records(&cal, crate::domain::localtime::service_day(sample_now()));
    records
        .into_iter()
        .find(|r| r.status == crate::domain::dossier::DossierStatus::SupplementRequested)
        .map(|r| r.code)
        .expect("the samples include a dossier waiting for papers")
}

fn render(window: &MinimalSoftwareWindow, w: u32, h: u32, path: &Path) -> anyhow::Result<()> {
    slint::platform::update_timers_and_animations();
    // Slint's own snapshot: the whole pipeline runs in the (optimised) renderer
    // crate. Rendering into a buffer from here monomorphised it in this crate,
    // unoptimised in tests, where filling 2 million pixels took most of the time.
    let shot = window.window().take_snapshot().map_err(|e| anyhow::anyhow!("cannot render: {e}"))?;
    anyhow::ensure!((shot.width(), shot.height()) == (w, h), "rendered {}x{}", shot.width(), shot.height());
    let rgba = image::RgbaImage::from_raw(w, h, shot.as_bytes().to_vec()).expect("w x h RGBA pixels");
    image::DynamicImage::ImageRgba8(rgba)
        .to_rgb8()
        .save(path)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    Ok(())
}

fn run_display(
    cfg: &Config,
    opts: &SnapshotOptions,
    screens: &[&String],
    last: &Rc<RefCell<Option<Rc<MinimalSoftwareWindow>>>>,
) -> anyhow::Result<Vec<PathBuf>> {
    use crate::app::board::{show, BoardView};
    use crate::domain::board::{BoardEvent, BoardFilter, BoardState, Desk, ServiceNames};
    use crate::domain::counter_screen::OpeningHours;
    use crate::domain::queue_rules::Schedule;
    let size = opts.size.unwrap_or((1920, 1080));
    let (w, h) = size;
    let ui = crate::ui::DisplayWindow::new()?;
    let window = last.borrow_mut().take().expect("the display window was created");
    window.set_size(PhysicalSize::new(w, h));
    ui.show()?;
    let now = sample_now();
    let names: ServiceNames =
        cfg.queue.services.iter().map(|s| (s.code.clone(), (s.name_vi.clone(), s.prefix.clone()))).collect();
    ui.global::<crate::ui::Board>().set_centre_name(cfg.centre.name.as_str().into());
    ui.global::<crate::ui::Board>().set_scale(cfg.display.scale);
    let mut written = Vec::new();
    for screen in screens {
        let many = screen.as_str() == "display-many";
        let mut state = BoardState::new(BoardFilter::default(), cfg.display.recent_calls as usize);
        let counters: Vec<u32> = if many {
            (1..=30).collect()
        } else {
            cfg.queue.services.iter().flat_map(|s| s.counters.clone()).collect()
        };
        state.set_counters(counters.iter().copied());
        let mut id = 0;
        // The services of each counter (closed vs idle follows their hours).
        let service_of = |c: &u32| {
            cfg.queue
                .services
                .iter()
                .find(|s| s.counters.contains(c))
                .unwrap_or(&cfg.queue.services[0])
                .code
                .clone()
        };
        for c in &counters {
            id += 1;
            state.apply(&BoardEvent::CounterState {
                id,
                counter: *c,
                services: vec![if many && *c > 24 { "ZZ".to_string() } else { service_of(c) }],
                paused: false,
                desk: None,
            });
        }
        for (i, c) in counters.iter().enumerate() {
            let svc =
                cfg.queue.services.iter().find(|s| s.counters.contains(c)).unwrap_or(&cfg.queue.services[0]);
            if i % 4 == 3 || (many && *c > 24) {
                continue; // some counters have not called yet, some are closed
            }
            id += 1;
            state.apply(&BoardEvent::Called {
                id,
                ticket: format!("{}-{:03}", svc.prefix, 10 + i * 3),
                counter: *c,
                service: svc.code.clone(),
                at: now - chrono::Duration::minutes((counters.len() - i) as i64),
            });
        }
        for (i, s) in cfg.queue.services.iter().enumerate() {
            id += 1;
            state.apply(&BoardEvent::Waiting {
                id,
                service: s.code.clone(),
                waiting: (i as u32 * 5 + 3) % 17,
            });
        }
        // Counter 8 paused; a few others finished with their citizen (idle).
        id += 1;
        state.apply(&BoardEvent::CounterState {
            id,
            counter: 8,
            services: Vec::new(),
            paused: true,
            desk: None,
        });
        for c in counters.iter().filter(|c| **c % 5 == 2) {
            id += 1;
            let desk = None::<Desk>;
            state.apply(&BoardEvent::CounterState {
                id,
                counter: *c,
                services: Vec::new(),
                paused: false,
                desk,
            });
        }
        // Service LD (counter 9) keeps afternoon hours only, and "ZZ" (counters
        // 25-30 of the big board) is never open: closed tiles.
        let hours = OpeningHours {
            always_open: false,
            services: [
                ("LD".to_string(), Schedule::new(&["13:30-17:00".into()], &[1, 2, 3, 4, 5, 6, 7])),
                ("ZZ".to_string(), Schedule::new(&[], &[])),
            ]
            .into(),
        };
        let disconnected = screen.as_str() == "display-disconnected";
        ui.global::<crate::ui::Board>().set_notice(
            if disconnected {
                "Quý khách vui lòng giữ vé đến khi được phục vụ. Hotline: 0236 1022"
            } else {
                ""
            }
            .into(),
        );
        let view = BoardView {
            state: &state,
            names: &names,
            disconnected_since: disconnected.then(|| now - chrono::Duration::minutes(7)),
            now,
            hours: &hours,
            page: 0,
            size: (w as f32, h as f32),
        };
        show(&ui, &view);
        let path = opts.out.join(file_name(screen, Language::Vi, size, ThemeVariant::Normal));
        render(&window, w, h, &path)?;
        written.push(path);
    }
    Ok(written)
}

/// Peak resident set size of this process in KiB (Linux `VmHWM`).
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// What a kiosk does at power-on up to its first picture: open the store and
/// the built-in centre, build the UI, render home once (software renderer).
pub fn first_frame(cfg: &Config) -> anyhow::Result<()> {
    let last = Rc::new(RefCell::new(None));
    slint::platform::set_platform(Box::new(HeadlessPlatform { last: last.clone() }))
        .map_err(|e| anyhow::anyhow!("cannot install the headless renderer: {e}"))?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let link = {
        let _g = rt.enter();
        crate::centre::link::KioskLink::open(cfg).map_err(|e| anyhow::anyhow!("{e}"))?
    };
    let backend = Arc::new(crate::app::link_backend::LinkBackend { link });
    let ui = KioskWindow::new()?;
    let window = last.borrow_mut().take().expect("the kiosk window was created");
    let (w, h) = crate::config::parse_size(&cfg.kiosk.window_size).unwrap_or((1080, 1920));
    window.set_size(PhysicalSize::new(w, h));
    let app = KioskApp::new(ui, cfg.clone(), backend, rt.handle().clone(), Poster::queue(), clock::system());
    app.ui.show()?;
    slint::platform::update_timers_and_animations();
    let mut buffer = vec![Rgb8Pixel::default(); (w * h) as usize];
    let mut drawn = false;
    window.draw_if_needed(|renderer| {
        renderer.render(&mut buffer, w as usize);
        drawn = true;
    });
    anyhow::ensure!(drawn, "the first frame was not drawn");
    println!("FIRST_FRAME_DONE");
    println!("PEAK_RSS_KIB {}", peak_rss_kib().unwrap_or(0));
    Ok(())
}

/// Page change → frame rendered, as the kiosk's software renderer does it:
/// for `rounds` rounds over the citizen pages, the time from setting the page
/// to the full frame (1080x1920 or `size`) being in the buffer. Returns the
/// milliseconds of every change. Installs the headless platform (once per process).
pub fn page_change_frames(cfg: &Config, size: (u32, u32), rounds: usize) -> anyhow::Result<Vec<f64>> {
    let last = Rc::new(RefCell::new(None));
    slint::platform::set_platform(Box::new(HeadlessPlatform { last: last.clone() }))
        .map_err(|e| anyhow::anyhow!("cannot install the headless renderer: {e}"))?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let mut cfg = cfg.clone();
    cfg.printer.uri = UNREACHABLE_PRINTER.into();
    let backend = Arc::new(SampleBackend::new(&cfg, sample_now()));
    let (app, window) = kiosk_app(&cfg, backend, &rt, &last, size, cfg.kiosk.theme)?;
    let (w, h) = size;
    let mut buffer = vec![Rgb8Pixel::default(); (w * h) as usize];
    let nav = app.ui.global::<Nav>();
    // The take-a-number list and the ticket need their data once.
    nav.invoke_go(Page::TakeNumber);
    anyhow::ensure!(app.wait_idle(std::time::Duration::from_secs(10)), "the sample backend did not answer");
    let pages = [Page::Home, Page::TakeNumber, Page::Procedures, Page::Dossier, Page::Rating, Page::Home];
    let mut times = Vec::new();
    for _ in 0..rounds {
        for p in pages {
            let t0 = std::time::Instant::now();
            nav.set_page(p);
            slint::platform::update_timers_and_animations();
            window.draw_if_needed(|r| {
                r.render(&mut buffer, w as usize);
            });
            times.push(t0.elapsed().as_secs_f64() * 1e3);
        }
    }
    Ok(times)
}
