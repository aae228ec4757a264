//! Input → frame rendered on the kiosk, as its software renderer does it
//! (issue 14): a page change, and a keystroke on the procedure search page.
//! Each is timed from the input to the frame being in the buffer, twice:
//! repainting the whole window into a new buffer (the worst case), and
//! repainting only what changed into two buffers used in turn, which is what
//! the kiosk's renderers do (winit's softbuffer and the KMS backend report a
//! buffer age, and Slint then repaints the dirty region only).

use super::{kiosk_app, sample_now, HeadlessPlatform, UNREACHABLE_PRINTER};
use crate::app::sample_backend::SampleBackend;
use crate::config::{Config, ThemeVariant};
use crate::ui::{Nav, Page, ProcedureAdapter};
use slint::platform::software_renderer::RepaintBufferType;
use slint::{ComponentHandle, Rgb8Pixel};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

/// Milliseconds per input, in the order they were made.
pub struct FrameTimes {
    pub size: (u32, u32),
    pub theme: ThemeVariant,
    /// Only the dirty region repainted, into two swapped buffers.
    pub partial: bool,
    pub page_change: Vec<f64>,
    pub keystroke: Vec<f64>,
    /// The same inputs in this thread's CPU time: what the frame costs the
    /// CPU, without the time another process or the VM's host took the core.
    pub page_change_cpu: Vec<f64>,
    pub keystroke_cpu: Vec<f64>,
}

/// This thread's CPU time in milliseconds (all the UI work, search included,
/// runs on it).
fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes only into the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

/// Wall and CPU milliseconds of one input and its frame.
#[derive(Default)]
struct Timed {
    wall: Vec<f64>,
    cpu: Vec<f64>,
}

impl Timed {
    fn time(&mut self, f: impl FnOnce()) {
        let (t0, c0) = (Instant::now(), thread_cpu_ms());
        f();
        self.cpu.push(thread_cpu_ms() - c0);
        self.wall.push(t0.elapsed().as_secs_f64() * 1e3);
    }
}

/// For each size and theme, and each repaint (full, then partial), `rounds`
/// rounds of: the citizen pages in turn (home, take a number, procedures,
/// dossier, rating, home), then "khai sinh" typed on the search page's
/// keyboard and erased key by key. Installs the headless platform (once per
/// process).
pub fn kiosk_frames(
    cfg: &Config,
    variants: &[((u32, u32), ThemeVariant)],
    rounds: usize,
) -> anyhow::Result<Vec<FrameTimes>> {
    let last = Rc::new(RefCell::new(None));
    slint::platform::set_platform(Box::new(HeadlessPlatform { last: last.clone() }))
        .map_err(|e| anyhow::anyhow!("cannot install the headless renderer: {e}"))?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let mut cfg = cfg.clone();
    cfg.printer.uri = UNREACHABLE_PRINTER.into();
    let mut out = Vec::new();
    for &(size, theme) in variants {
        let backend = Arc::new(SampleBackend::new(&cfg, sample_now()));
        let (app, window) = kiosk_app(&cfg, backend, &rt, &last, size, theme)?;
        let (w, h) = size;
        let nav = app.ui.global::<Nav>();
        // The take-a-number list and the ticket need their data once.
        nav.invoke_go(Page::TakeNumber);
        anyhow::ensure!(
            app.wait_idle(std::time::Duration::from_secs(10)),
            "the sample backend did not answer"
        );
        for partial in [false, true] {
            let mode = if partial { RepaintBufferType::SwappedBuffers } else { RepaintBufferType::NewBuffer };
            let mut buffers =
                [vec![Rgb8Pixel::default(); (w * h) as usize], vec![Rgb8Pixel::default(); (w * h) as usize]];
            let mut next = 0;
            let mut draw = || {
                slint::platform::update_timers_and_animations();
                let drawn = window.draw_if_needed(|r| {
                    r.set_repaint_buffer_type(mode);
                    r.render(&mut buffers[next], w as usize);
                });
                if drawn && partial {
                    next ^= 1;
                }
            };
            let (page_change, keystroke) = rounds_of_input(&app, &mut draw, rounds)?;
            out.push(FrameTimes {
                size,
                theme,
                partial,
                page_change: page_change.wall,
                keystroke: keystroke.wall,
                page_change_cpu: page_change.cpu,
                keystroke_cpu: keystroke.cpu,
            });
        }
    }
    Ok(out)
}

/// The pages in turn, then "khai sinh" typed and erased, `rounds` times: the
/// milliseconds of each page change and each keystroke.
fn rounds_of_input(
    app: &crate::app::kiosk::KioskApp,
    draw: &mut dyn FnMut(),
    rounds: usize,
) -> anyhow::Result<(Timed, Timed)> {
    let nav = app.ui.global::<Nav>();
    let pages = [Page::Home, Page::TakeNumber, Page::Procedures, Page::Dossier, Page::Rating, Page::Home];
    let mut page_change = Timed::default();
    let mut keystroke = Timed::default();
    let p = app.ui.global::<ProcedureAdapter>();
    // "khai sinh" on the keyboard's letter keys, then erased key by key.
    let typed = ["k", "h", "a", "i", " ", "s", "i", "n", "h"];
    for _ in 0..rounds {
        for page in pages {
            page_change.time(|| {
                nav.set_page(page);
                draw();
            });
        }
        // The page shown, then the search box tapped.
        nav.set_page(Page::Procedures);
        draw();
        p.set_keyboard_open(true);
        draw();
        // The finger on its way to the first key: the event loop runs the
        // settle frame the keyboard asked for (untimed: idle time).
        // KIOSK_FRAMES_NO_SETTLE=1 leaves it out, to see what it saves.
        if std::env::var_os("KIOSK_FRAMES_NO_SETTLE").is_none() {
            std::thread::sleep(crate::app::kiosk::SETTLE_FRAME_AFTER + std::time::Duration::from_millis(10));
            draw();
        }
        for k in typed.iter().copied().chain(std::iter::repeat_n("⌫", typed.len())) {
            keystroke.time(|| {
                p.invoke_key(k.into());
                draw();
            });
        }
        anyhow::ensure!(p.get_query().is_empty(), "the query was not erased: {}", p.get_query());
        p.set_keyboard_open(false);
    }
    Ok((page_change, keystroke))
}
