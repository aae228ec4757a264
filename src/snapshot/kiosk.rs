//! The kiosk's snapshots: which screens exist, the kiosk each needs (the
//! shared sample one, or a failure state's own), and how each is staged
//! through the same adapters the running kiosk uses.

use super::{
    file_name, kiosk_app, render, sample_now, SnapshotOptions, Window, UNREACHABLE_CENTRE,
    UNREACHABLE_PRINTER,
};
use crate::app::backend::IssuedTicket;
use crate::app::kiosk::KioskApp;
use crate::app::sample_backend::SampleBackend;
use crate::config::{Config, Language};
use crate::domain::clock::MockClock;
use crate::ui::{DossierAdapter, Nav, Page, RatingAdapter, Session, SetupAdapter};
use slint::ComponentHandle;
use slint::{ModelRc, SharedString, VecModel};
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

/// The check code the sample ticket's screens show and type.
const SAMPLE_CHECK_CODE: &str = "4821";

/// Kiosk screens `snapshot` can render.
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
    // Scan first, then the keypad with every letter (issue 14).
    "dossier-entry",
    "rating",
    "rating-check",
    "rating-levels",
    "rating-indices",
    "setup",
    "diagnostics",
    // The settings pages behind the PIN (issue 12).
    "setup-centre",
    "setup-devices",
    "setup-screen",
    "setup-keyboard",
    "setup-provision",
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
    "procedures-catalog-outdated",
    "procedure-detail-catalog-outdated",
    "dossier-unreachable",
    "rating-queued",
    "take-number-closed",
    "take-number-cap",
    // A call for help sent, and not sent (offline).
    "home-help",
    "home-help-offline",
];

/// The failure states of issue 18 among [`KIOSK_SCREENS`]: each is rendered,
/// listed in docs/screenshots/README.md, and checked for technical text by
/// tests/kiosk_failure_states.rs through [`special_kiosk`] and [`stage`].
pub const FAILURE_SCREENS: &[&str] = &[
    "home-first-boot",
    "take-number-first-boot",
    "ticket-first-boot",
    "home-offline",
    "take-number-offline",
    "ticket-offline",
    "home-unavailable",
    "take-number-unavailable",
    "ticket-paper-out",
    "ticket-printer-offline",
    "ticket-cover-open",
    "ticket-no-printer",
    "home-reader-disconnected",
    "procedures-catalog-missing",
    "procedures-catalog-outdated",
    "procedure-detail-catalog-outdated",
    "dossier-unreachable",
    "rating-queued",
    "take-number-closed",
    "take-number-cap",
    "home-help-offline",
];

pub(super) fn run_kiosk(
    cfg: &Config,
    opts: &SnapshotOptions,
    screens: &[&String],
    last: &Rc<RefCell<Option<Window>>>,
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

/// The kiosk a failure state needs: its config, its backend, and the data
/// directory to remove afterwards. `None`: the shared sample kiosk will do.
#[allow(clippy::type_complexity)]
pub fn special_kiosk(
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
        // Their own kiosk: the shared one keeps its catalog for the next screens.
        "procedures-catalog-missing"
        | "procedures-catalog-outdated"
        | "procedure-detail-catalog-outdated" => Arc::new(sample(&cfg)),
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
        | "rating-queued"
        | "home-help-offline" => {
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
                "home-offline"
                    | "take-number-offline"
                    | "dossier-unreachable"
                    | "rating-queued"
                    | "home-help-offline"
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
pub fn stage(app: &KioskApp, cfg: &Config, screen: &str) -> anyhow::Result<()> {
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
        "home-help" | "home-help-offline" => {
            app.tick_now();
            nav.invoke_go(Page::Home);
            ui.global::<crate::ui::HelpAdapter>().invoke_request();
            drain()?;
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
        "procedures-catalog-outdated" | "procedure-detail-catalog-outdated" => {
            app.set_catalog(Arc::new(outdated_catalog()?));
            nav.invoke_go(Page::Procedures);
            if screen == "procedure-detail-catalog-outdated" {
                ui.global::<crate::ui::ProcedureAdapter>().invoke_open("1.001193".into());
            }
        }
        "rating-queued" => {
            app.tick_now();
            nav.invoke_go(Page::Rating);
            let r = ui.global::<RatingAdapter>();
            r.invoke_find_ticket(crate::app::sample_backend::SAMPLE_TICKET.into());
            r.invoke_find_ticket(SAMPLE_CHECK_CODE.into());
            drain()?;
            r.invoke_rate(3);
            r.invoke_submit();
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
        "dossier" | "dossier-unreachable" => {
            // The sample dossier waiting for papers, looked up like a citizen
            // would (on a kiosk whose centre is gone for the second).
            let code = sample_dossier_code(cfg);
            nav.invoke_go(Page::Dossier);
            let d = ui.global::<DossierAdapter>();
            d.set_code_input(code.as_str().into());
            d.invoke_lookup(code.into());
            drain()?;
        }
        "dossier-entry" => {
            nav.invoke_go(Page::Dossier);
            let d = ui.global::<DossierAdapter>();
            for k in "000.00.06.H5".chars() {
                d.invoke_key(k.to_string().into());
            }
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
            // The levels screen with "Hài lòng" chosen (not sent yet).
            r.invoke_rate(if screen == "rating-indices" { 3 } else { 2 });
            if screen == "rating-indices" {
                r.invoke_show_indices(true);
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
            // Opened without the PIN: it may be stored as a hash, and a
            // snapshot must not count wrong attempts in the data directory.
            app.unlock_setup();
        }
        "setup-centre" | "setup-devices" | "setup-screen" | "setup-keyboard" | "setup-provision" => {
            nav.invoke_go(Page::Setup);
            app.unlock_setup();
            let s = ui.global::<SetupAdapter>();
            s.set_tab(match screen {
                "setup-centre" | "setup-keyboard" => 1,
                "setup-devices" => 2,
                "setup-provision" => 4,
                _ => 3,
            });
            if screen == "setup-devices" {
                // What a technician sees after picking a reader and scanning an ID card.
                s.set_reader_choices(ModelRc::new(VecModel::from(vec![
                    SharedString::from("/dev/serial/by-id/usb-Honeywell_Imaging_1950g-if00"),
                    SharedString::from("/dev/ttyS0"),
                ])));
                s.invoke_choose(
                    "scanner.ports".into(),
                    "/dev/serial/by-id/usb-Honeywell_Imaging_1950g-if00".into(),
                );
                const CARD: &str = "048095000123|201234567|Nguyễn Văn An|15031995|Nam|Tổ 5, Phường Hải Châu, Thành phố Đà Nẵng|20062021";
                let kind = crate::domain::scan::classify(
                    CARD,
                    Some("]Q1"),
                    crate::domain::localtime::service_day(sample_now()),
                );
                let lang = Language::parse(&ui.global::<Session>().get_language()).unwrap_or_default();
                let line = crate::app::setup_settings::describe_frame(
                    lang,
                    &kind,
                    CARD.len() + 3,
                    std::time::Duration::from_millis(41),
                );
                s.set_scan_report(line.into());
                s.invoke_choose("printer.uri".into(), "tcp://192.168.1.50:9100".into());
            }
            if screen == "setup-provision" {
                // A typed code refused: what a technician sees with an old code.
                s.set_provision_code("7K3M-9Q2X-RT5V".into());
                s.set_provision_url("https://10.0.0.5:8700".into());
                s.set_provision_ok(false);
                let lang = Language::parse(&ui.global::<Session>().get_language()).unwrap_or_default();
                s.set_provision_report(
                    crate::app::i18n::pick(
                        lang,
                        "Mã cấp phép này đã hết hạn. Hãy tạo mã mới trên máy trung tâm.",
                        "This provisioning code has expired. Make a new one on the centre.",
                    )
                    .into(),
                );
            }
            if screen == "setup-keyboard" {
                s.invoke_edit("centre.url".into());
                for k in ["h", "t", "t", "p", "s", ":", "/", "/", "1", "0", ".", "0", ".", "0", ".", "5"] {
                    s.invoke_edit_key(k.into());
                }
            }
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

/// The day the outdated catalog's facts were last checked: more than
/// `catalog.max_age_days` (180) before the sample day.
pub const OUTDATED_CATALOG_DAY: &str = "2026-03-02";

/// The bundled catalog as a kiosk would hold it had nobody checked or
/// updated it since [`OUTDATED_CATALOG_DAY`] (snapshots, tests).
pub fn outdated_catalog() -> anyhow::Result<crate::catalog::Catalog> {
    let mut file = crate::catalog::parse_catalog(crate::catalog::BUNDLED_JSON.as_bytes())
        .map_err(|e| anyhow::anyhow!("bundled catalog: {e}"))?;
    for p in &mut file.procedures {
        for s in &mut p.sources {
            s.checked = OUTDATED_CATALOG_DAY.into();
        }
    }
    crate::catalog::Catalog::from_file(file, crate::catalog::BUNDLED_SOURCE)
        .map_err(|e| anyhow::anyhow!("outdated catalog: {e}"))
}

/// The code of the sample dossier that waits for papers (as the sample
/// backend and the built-in centre create it for the snapshot day).
pub fn sample_dossier_code(cfg: &Config) -> String {
    let cal = cfg.dossier.calendar();
    let records =
        crate::centre::core::sample_records(&cal, crate::domain::localtime::service_day(sample_now()));
    records
        .into_iter()
        .find(|r| r.status == crate::domain::dossier::DossierStatus::SupplementRequested)
        .map(|r| r.code)
        .expect("the samples include a dossier waiting for papers")
}
