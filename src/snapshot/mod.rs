//! Headless screenshots: every screen rendered with Slint's software renderer
//! into PNG files, with deterministic sample data and no display server.
//! The kiosk's screens and how each is staged are in [`kiosk`], the display
//! board's in [`board`]; here the headless platform, the file names, the
//! rendering, and the start-up and page-change measurements.

mod board;
mod counter_shots;
mod frames;
mod kiosk;

pub use self::board::DISPLAY_SCREENS;
pub use self::counter_shots::{first_frame as counter_first_frame, COUNTER_SCREENS};
pub use self::frames::{kiosk_frames, FrameTimes};
pub use self::kiosk::{
    outdated_catalog, sample_dossier_code, special_kiosk, stage as stage_kiosk, FAILURE_SCREENS,
    KIOSK_SCREENS, OUTDATED_CATALOG_DAY,
};

use crate::app::kiosk::{theme_variant, KioskApp};
use crate::app::poster::Poster;
use crate::config::{Config, Language, ThemeVariant};
use crate::domain::clock::{self, MockClock};
use crate::ui::{KioskWindow, Theme};
use chrono::TimeZone;
use slint::platform::software_renderer::{MinimalSoftwareWindow, RepaintBufferType};
use slint::platform::{Platform, WindowAdapter};
use slint::{ComponentHandle, PhysicalSize, Rgb8Pixel};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

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
        // The board's setup is in the technician's language; the board itself is bilingual.
        if screen.starts_with("display-setup") {
            name.push_str(&format!(".{}", lang.code()));
        }
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
        written.extend(kiosk::run_kiosk(cfg, opts, &kiosk, &last)?);
    }
    if !display.is_empty() {
        written.extend(board::run_display(cfg, opts, &display, &last)?);
    }
    let counter: Vec<&String> =
        opts.screens.iter().filter(|s| COUNTER_SCREENS.contains(&s.as_str())).collect();
    if !counter.is_empty() {
        written.extend(counter_shots::run(cfg, opts, &counter, &last)?);
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
