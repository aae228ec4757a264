//! The display board's snapshots: the sample hall, 30 counters (both pages
//! of the dense layout), and the board cut off from its centre.

use super::{file_name, render, sample_now, SnapshotOptions};
use crate::config::{Config, Language, ThemeVariant};
use slint::platform::software_renderer::MinimalSoftwareWindow;
use slint::{ComponentHandle, PhysicalSize};
use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

/// Display board screens `snapshot` can render.
pub const DISPLAY_SCREENS: &[&str] = &[
    "display-board",
    "display-many",
    "display-many-2",
    "display-disconnected",
    "display-setup-pin",
    "display-setup",
];

pub(super) fn run_display(
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
        let many = screen.starts_with("display-many");
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
            // display-many-2: the second page (closed counters, the newest call).
            page: usize::from(screen.as_str() == "display-many-2"),
            size: (w as f32, h as f32),
            scale: cfg.display.scale,
        };
        show(&ui, &view);
        let setup = screen.as_str().strip_prefix("display-setup");
        let langs = if setup.is_some() { opts.langs.clone() } else { vec![Language::Vi] };
        for lang in langs {
            if let Some(rest) = setup {
                // The technician's language, as `run --role display` selects it.
                crate::app::i18n::select(lang);
                let mut c = cfg.clone();
                c.kiosk.language = lang;
                crate::app::board_setup::show_sample(&ui, &c, rest.is_empty());
            }
            let path = opts.out.join(file_name(screen, lang, size, ThemeVariant::Normal));
            render(&window, w, h, &path)?;
            written.push(path);
        }
    }
    crate::app::i18n::select(Language::Vi);
    Ok(written)
}
