//! `run`: a role in a real window (winit: X11 or Wayland; KMS with `--features kms`).

use super::Role;
use crate::app::appliance::{self, ServiceLink, WindowMode};
use crate::app::kiosk::KioskApp;
use crate::app::link_backend::LinkBackend;
use crate::app::poster::Poster;
use crate::centre::link::KioskLink;
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

pub fn run(cfg: Config, role: Role, windowed: bool) -> anyhow::Result<()> {
    if role == Role::Kiosk {
        start_checks(&cfg)?;
    }
    if !has_display() {
        anyhow::bail!(NO_DISPLAY);
    }
    let mode = WindowMode::choose(windowed, cfg.kiosk.fullscreen);
    match role {
        Role::Kiosk => run_kiosk(cfg, mode),
        Role::Display => run_display(cfg, mode),
        Role::Counter => run_counter(cfg, mode),
    }
}

/// What stops a kiosk from starting: the default setup PIN (outside demo
/// mode), and a built-in centre that would serve the LAN with a weak token.
pub fn start_checks(cfg: &Config) -> Result<(), super::StartRefused> {
    if let Some(why) = crate::config::security::kiosk_start_refusal(cfg) {
        return Err(super::StartRefused(why));
    }
    if cfg.centre.url.is_empty() {
        if let Ok(addr) = cfg.centre.listen.parse::<std::net::SocketAddr>() {
            if let Some(why) = crate::config::security::serving_refusal(cfg, addr) {
                return Err(super::StartRefused(why));
            }
        }
    }
    Ok(())
}

fn run_kiosk(cfg: Config, mode: WindowMode) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let link = {
        let _guard = rt.enter();
        KioskLink::open(&cfg).map_err(|e| anyhow::anyhow!("cannot open the queue: {e}"))?
    };
    if let KioskLink::Local(local) = &link {
        serve_builtin_centre(&rt, &cfg, local.centre().clone());
    }
    let heartbeat_link = link.clone();
    let backend = Arc::new(LinkBackend { link });
    let ui = KioskWindow::new().map_err(|e| anyhow::anyhow!("cannot open the kiosk window: {e}"))?;
    if let Some((w, h)) = crate::config::parse_size(&cfg.kiosk.window_size) {
        ui.window().set_size(slint::LogicalSize::new(w as f32, h as f32));
    }
    let _service =
        appliance::install(&ui, mode, ServiceLink::from_env(format!("kiosk {} on screen", cfg.kiosk.id)));
    let clock = crate::domain::clock::system();
    let mut app = KioskApp::new(ui, cfg, backend, rt.handle().clone(), Poster::event_loop(), clock);
    app.start_hardware();
    app.load_catalog();
    if let KioskLink::Remote(remote) = &heartbeat_link {
        let task = crate::app::procedures::sync_catalog(
            remote.client().clone(),
            app.procedures().clone(),
            app.ui.as_weak(),
        );
        rt.spawn(task);
    }
    let _heartbeats = {
        let _guard = rt.enter();
        heartbeat_link.spawn_heartbeats(HEARTBEAT_EVERY, app.health_source())
    };
    app.ui.run().map_err(|e| anyhow::anyhow!("the kiosk window failed: {e}"))?;
    let restart = app.restart_requested();
    drop(app);
    rt.shutdown_timeout(std::time::Duration::from_secs(2));
    if restart {
        restart_self()?;
    }
    Ok(())
}

/// Starts this program again in this process (same PID, so systemd keeps
/// watching it), with the same arguments: the setup pages saved the config
/// and everything is built again from it. Returns only on failure.
fn restart_self() -> anyhow::Result<()> {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe()?;
    tracing::info!("restarting to apply the new settings");
    let err = std::process::Command::new(&exe).args(std::env::args_os().skip(1)).exec();
    Err(anyhow::anyhow!("cannot restart {}: {err}", exe.display()))
}

/// The centre a display board follows: `centre.url`, or the built-in centre
/// a kiosk on this machine serves at `centre.listen` (a wildcard address is
/// reached on loopback).
pub fn display_centre_url(cfg: &Config) -> anyhow::Result<String> {
    if !cfg.centre.url.is_empty() {
        return Ok(cfg.centre.url.clone());
    }
    if cfg.centre.listen.is_empty() {
        anyhow::bail!(
            "the display has no centre to follow: set centre.url (e.g. \"http://10.0.0.5:8700\"), \
             or centre.listen to where the kiosk's built-in centre serves"
        );
    }
    let addr: std::net::SocketAddr = cfg
        .centre
        .listen
        .parse()
        .map_err(|_| anyhow::anyhow!("centre.listen `{}` is not IP:PORT", cfg.centre.listen))?;
    let ip = match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => std::net::Ipv4Addr::LOCALHOST.into(),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => std::net::Ipv6Addr::LOCALHOST.into(),
        ip => ip,
    };
    Ok(format!("http://{}", std::net::SocketAddr::new(ip, addr.port())))
}

fn run_display(cfg: Config, mode: WindowMode) -> anyhow::Result<()> {
    use crate::app::board_setup::BoardSetupCtl;
    use crate::app::display::DisplayApp;
    use crate::app::display_feed::FeedOptions;
    let url = display_centre_url(&cfg)?;
    let client = crate::centre::ApiClient::for_url(&cfg, &url).map_err(|e| anyhow::anyhow!("{e}"))?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    crate::app::i18n::select(cfg.kiosk.language);
    let ui = crate::ui::DisplayWindow::new()
        .map_err(|e| anyhow::anyhow!("cannot open the display window: {e}"))?;
    if let Some((w, h)) = crate::config::parse_size(&cfg.display.window_size) {
        ui.window().set_size(slint::LogicalSize::new(w as f32, h as f32));
    }
    let _service = appliance::install(&ui, mode, ServiceLink::from_env("display board on screen".into()));
    let mut app = DisplayApp::new(ui, &cfg, crate::domain::clock::system());
    tracing::info!(%url, "display board following the centre");
    app.connect_with_sound(rt.handle(), client, FeedOptions::from_config(&cfg), Poster::event_loop(), &cfg);
    let _setup = BoardSetupCtl::wire(&app, cfg.clone(), Poster::event_loop(), crate::domain::clock::system());
    app.ui.run().map_err(|e| anyhow::anyhow!("the display window failed: {e}"))?;
    app.disconnect();
    drop(app);
    rt.shutdown_timeout(std::time::Duration::from_secs(2));
    Ok(())
}

fn run_counter(cfg: Config, mode: WindowMode) -> anyhow::Result<()> {
    use crate::app::counter::CounterApp;
    use crate::app::display_feed::FeedOptions;
    if cfg.counter.number == 0 {
        anyhow::bail!("the counter screen needs its counter: set counter.number (e.g. 3) in the config");
    }
    let url = display_centre_url(&cfg)?;
    let client = crate::centre::ApiClient::for_url(&cfg, &url).map_err(|e| anyhow::anyhow!("{e}"))?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let ui = crate::ui::CounterWindow::new()
        .map_err(|e| anyhow::anyhow!("cannot open the counter screen window: {e}"))?;
    if let Some((w, h)) = crate::config::parse_size(&cfg.counter.window_size) {
        ui.window().set_size(slint::LogicalSize::new(w as f32, h as f32));
    }
    let _service = appliance::install(
        &ui,
        mode,
        ServiceLink::from_env(format!("counter {} screen on screen", cfg.counter.number)),
    );
    let mut app = CounterApp::new(ui, &cfg, crate::domain::clock::system());
    tracing::info!(%url, counter = cfg.counter.number, "counter screen following the centre");
    app.connect(rt.handle(), client, FeedOptions::from_config(&cfg), Poster::event_loop());
    app.ui.run().map_err(|e| anyhow::anyhow!("the counter screen window failed: {e}"))?;
    app.disconnect();
    drop(app);
    rt.shutdown_timeout(std::time::Duration::from_secs(2));
    Ok(())
}

/// With no central backend configured, the kiosk's own centre also serves
/// HTTP on `centre.listen`, so a display board or a second kiosk can use it.
/// A busy port is reported and the kiosk carries on.
fn serve_builtin_centre(rt: &tokio::runtime::Runtime, cfg: &Config, centre: crate::centre::core::Centre) {
    if cfg.centre.listen.is_empty() {
        return;
    }
    let addr = cfg.centre.listen.clone();
    let opts = crate::centre::server::ServerOptions::from_config(cfg);
    rt.spawn(async move {
        match tokio::net::TcpListener::bind(&addr).await {
            Ok(listener) => {
                let stop = std::future::pending::<()>();
                if let Err(e) = crate::centre::server::serve_centre(centre, opts, listener, stop).await {
                    tracing::error!("built-in centre stopped: {e:#}");
                }
            }
            Err(e) => tracing::warn!(
                "the built-in centre cannot listen on {addr} ({e}); displays and other kiosks cannot reach it"
            ),
        }
    });
}

/// How often the kiosk reports its health to the centre.
const HEARTBEAT_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_display_follows_centre_url_else_the_built_in_centre_on_loopback() {
        let mut cfg = Config::default();
        assert_eq!(display_centre_url(&cfg).unwrap(), "http://127.0.0.1:8700");
        cfg.centre.listen = "0.0.0.0:9000".into();
        assert_eq!(display_centre_url(&cfg).unwrap(), "http://127.0.0.1:9000");
        cfg.centre.listen = "[::]:9000".into();
        assert_eq!(display_centre_url(&cfg).unwrap(), "http://[::1]:9000");
        cfg.centre.listen = "10.0.0.7:8700".into();
        assert_eq!(display_centre_url(&cfg).unwrap(), "http://10.0.0.7:8700");
        cfg.centre.url = "http://10.0.0.5:8700".into();
        assert_eq!(display_centre_url(&cfg).unwrap(), "http://10.0.0.5:8700");
        cfg.centre.url.clear();
        cfg.centre.listen.clear();
        let err = display_centre_url(&cfg).unwrap_err().to_string();
        assert!(err.contains("centre.url"), "{err}");
    }
}
