//! `run`: a role in a real window (winit: X11 or Wayland; KMS with `--features kms`).

use super::Role;
use crate::app::kiosk::{Clock, KioskApp};
use crate::app::poster::Poster;
use crate::config::Config;
use crate::ui::KioskWindow;
use slint::ComponentHandle;
use std::sync::Arc;

fn has_display() -> bool {
    cfg!(feature = "kms")
        || std::env::var_os("DISPLAY").is_some_and(|v| !v.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|v| !v.is_empty())
}

const NO_DISPLAY: &str = "no display found (neither DISPLAY nor WAYLAND_DISPLAY is set). \
Run it in a desktop session, or under Xvfb (`xvfb-run cargo run --release`), \
or build with `--features kms` for kiosk hardware without X; to just see the screens, \
run `cargo run --release -- snapshot --out shots`";

pub fn run(cfg: Config, role: Role) -> anyhow::Result<()> {
    if !has_display() {
        anyhow::bail!(NO_DISPLAY);
    }
    match role {
        Role::Kiosk => run_kiosk(cfg),
        Role::Display => anyhow::bail!("the display role is not built yet (issue 6)"),
    }
}

fn run_kiosk(cfg: Config) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let clock: Clock = Arc::new(chrono::Utc::now);
    let backend = Arc::new(crate::app::sample_backend::SampleBackend::new(&cfg, chrono::Utc::now()));
    let ui = KioskWindow::new().map_err(|e| anyhow::anyhow!("cannot open the kiosk window: {e}"))?;
    if let Some((w, h)) = crate::config::parse_size(&cfg.kiosk.window_size) {
        ui.window().set_size(slint::LogicalSize::new(w as f32, h as f32));
    }
    ui.window().set_fullscreen(cfg.kiosk.fullscreen);
    let mut app = KioskApp::new(ui, cfg, backend, rt.handle().clone(), Poster::event_loop(), clock);
    app.start_hardware();
    app.ui.run().map_err(|e| anyhow::anyhow!("the kiosk window failed: {e}"))?;
    drop(app);
    rt.shutdown_timeout(std::time::Duration::from_secs(2));
    Ok(())
}
