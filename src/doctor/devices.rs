//! Checks on the hardware a role drives: barcode readers, the ticket printer,
//! the display's audio player, the screen (DRM or a display server) and touch.

use super::Check;
use crate::config::Config;
use motcua_drivers::printer::{Printer, PrinterError, PrinterOptions};
use motcua_drivers::serial::{probe_port, DisconnectReason};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Each configured reader: present and free (or held by the running kiosk).
pub fn readers(cfg: &Config) -> Vec<Check> {
    if cfg.scanner.ports.is_empty() {
        return vec![Check::skip("reader", "none configured (scanner.ports)")];
    }
    cfg.scanner.ports.iter().map(|p| reader(p, cfg.scanner.baud)).collect()
}

fn reader(path: &str, baud: u32) -> Check {
    let list = "`motcua-kiosk ports` lists the ports";
    let c = match probe_port(path, baud) {
        Ok(()) => Check::pass("reader", format!("present and free ({baud} baud)")),
        Err(DisconnectReason::NotFound) => Check::fail(
            "reader",
            "not found (unplugged, or a wrong path)",
            format!("plug it in, or correct scanner.ports; {list}"),
        ),
        Err(DisconnectReason::Busy) => match holder_of(Path::new(path)) {
            Some((pid, name)) if name == "motcua-kiosk" => {
                Check::pass("reader", format!("in use by the running kiosk (pid {pid})"))
            }
            Some((pid, name)) => Check::fail(
                "reader",
                format!("busy: held by {name} (pid {pid})"),
                format!("stop {name}: only the kiosk may hold the reader"),
            ),
            None => Check::fail(
                "reader",
                "busy: held by another program",
                "stop the program holding it (`fuser -v` on the port shows it)",
            ),
        },
        Err(DisconnectReason::PermissionDenied) => Check::fail(
            "reader",
            "permission denied",
            "add the service user to dialout: adduser motcua dialout",
        ),
        Err(other) => {
            Check::fail("reader", other.to_string(), format!("check the reader and scanner.ports; {list}"))
        }
    };
    c.on(path)
}

/// The process holding `dev` open, from `/proc/*/fd` (only processes this
/// user may inspect: run doctor as the service user or root).
pub fn holder_of(dev: &Path) -> Option<(u32, String)> {
    let dev = std::fs::canonicalize(dev).ok()?;
    let me = std::process::id();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        if pid == me {
            continue;
        }
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else { continue };
        let holds = fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|t| t == dev));
        if holds {
            let name = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
            return Some((pid, name.trim().to_string()));
        }
    }
    None
}

/// The ticket printer answers its status (`DLE EOT`): ready, paper low, or why not.
pub fn printer(cfg: &Config) -> Check {
    let uri = &cfg.printer.uri;
    if uri.is_empty() {
        return Check::skip("printer", "none configured: the screen is the ticket (printer.uri)");
    }
    let opts = PrinterOptions {
        timeout: Duration::from_millis(cfg.printer.status_timeout_ms.max(1)),
        ..PrinterOptions::default()
    };
    let hint_uri = "check power and cable, and printer.uri";
    let c = match Printer::connect(uri, opts).and_then(|mut p| p.status()) {
        Ok(st) if !st.ready() => Check::fail(
            "printer",
            st.problem_en().unwrap_or("not ready").to_string(),
            "load paper, close the cover, check the printer's light",
        ),
        Ok(st) if st.paper_near_end => Check::warn("printer", "ready, paper low", "load a new roll soon"),
        Ok(_) => Check::pass("printer", "ready"),
        Err(PrinterError::StatusUnsupported(_)) => Check::warn(
            "printer",
            "a plain file cannot report paper or cover state",
            "use the printer's device, serial:// or tcp:// address (printer.uri)",
        ),
        Err(PrinterError::Timeout(d)) => Check::fail(
            "printer",
            format!("no status answer within {} ms", d.as_millis()),
            format!("{hint_uri}; a slow printer: raise printer.status_timeout_ms"),
        ),
        Err(e @ PrinterError::PermissionDenied(_)) => {
            Check::fail("printer", e.to_string(), "adduser motcua lp (USB) or dialout (serial)")
        }
        Err(e) => Check::fail("printer", e.to_string(), hint_uri),
    };
    c.on(uri.as_str())
}

/// The display's audio player (`display.audio_command`, then its fallbacks).
pub fn audio(command: &str) -> Check {
    let command = command.trim();
    if command.is_empty() || command.eq_ignore_ascii_case("none") {
        return Check::skip("audio", "silent board (display.audio_command = \"none\")");
    }
    let program = |c: &str| c.split_whitespace().next().map(str::to_string).unwrap_or_default();
    let wanted = program(command);
    if let Some(p) = find_program(&wanted) {
        return match sound_devices(Path::new("/dev/snd")) {
            0 if wanted == "aplay" => Check::warn(
                "audio",
                format!("{} found, but no sound card (/dev/snd has no playback device)", p.display()),
                "plug in speakers / check the HDMI audio; the service user needs group audio",
            ),
            _ => Check::pass("audio", format!("{} found", p.display())),
        };
    }
    let fallback =
        crate::app::audio::FALLBACK_PLAYERS.iter().map(|c| program(c)).find_map(|f| find_program(&f));
    match fallback {
        Some(p) => Check::warn(
            "audio",
            format!("{wanted} not installed; calls play through {}", p.display()),
            "apt install alsa-utils (or set display.audio_command)",
        ),
        None => Check::fail(
            "audio",
            format!("{wanted} not installed and no fallback player: calls are shown but not heard"),
            "apt install alsa-utils (display.audio_command)",
        ),
    }
}

/// `program` as found on `$PATH` (or as given, when it is a path).
pub fn find_program(program: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let executable =
        |p: &Path| p.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    if program.contains('/') {
        let p = PathBuf::from(program);
        return executable(&p).then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path).map(|d| d.join(program)).find(|p| executable(p))
}

/// ALSA playback devices (`pcmC*D*p`).
fn sound_devices(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .filter(|e| e.file_name().to_str().is_some_and(|n| n.starts_with("pcm") && n.ends_with('p')))
                .count()
        })
        .unwrap_or(0)
}

/// Where the window will go: the Wayland or X display in the environment, else
/// DRM/KMS (`--features kms` builds, the default units).
pub fn screen() -> Check {
    if let Some(wayland) = std::env::var_os("WAYLAND_DISPLAY").filter(|v| !v.is_empty()) {
        let wayland = PathBuf::from(wayland);
        let socket = if wayland.is_absolute() {
            wayland
        } else {
            PathBuf::from(std::env::var_os("XDG_RUNTIME_DIR").unwrap_or_default()).join(wayland)
        };
        return display_socket("Wayland", &socket, "start the compositor (cage) or fix WAYLAND_DISPLAY");
    }
    if let Some(x) = std::env::var("DISPLAY").ok().filter(|v| !v.is_empty()) {
        let n = x.rsplit(':').next().and_then(|d| d.split('.').next()).unwrap_or("0");
        if x.starts_with(':') {
            let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
            return display_socket("X11", &socket, "start the X server or fix DISPLAY");
        }
        return Check::warn("screen", format!("X display {x} over TCP: not checked"), "use a local display");
    }
    drm(Path::new("/dev/dri"))
}

fn display_socket(kind: &str, socket: &Path, hint: &str) -> Check {
    match std::os::unix::net::UnixStream::connect(socket) {
        Ok(_) => Check::pass("screen", format!("{kind} display at {}", socket.display())),
        Err(e) => {
            Check::fail("screen", format!("cannot reach the {kind} display {}: {e}", socket.display()), hint)
        }
    }
}

/// A DRM card this user can open read-write.
pub fn drm(dir: &Path) -> Check {
    let mut cards: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("card")))
                .collect()
        })
        .unwrap_or_default();
    cards.sort();
    if cards.is_empty() {
        return Check::fail(
            "screen",
            format!("no display server and no DRM device ({}/card*)", dir.display()),
            "load the GPU driver (e.g. i915, amdgpu, simpledrm), or run under cage",
        );
    }
    let mut last_err = None;
    for c in &cards {
        match std::fs::OpenOptions::new().read(true).write(true).open(c) {
            Ok(_) => return Check::pass("screen", format!("DRM device {} (KMS)", c.display())),
            Err(e) => last_err = Some(format!("{}: {e}", c.display())),
        }
    }
    Check::fail(
        "screen",
        format!("cannot open a DRM device: {}", last_err.unwrap_or_default()),
        "add the service user to video: adduser motcua video",
    )
}

/// Touch and keyboard devices libinput reads (`/dev/input/event*`); a warning
/// only, as a display server may own them instead.
pub fn touch(dir: &Path) -> Check {
    if std::env::var_os("WAYLAND_DISPLAY").is_some_and(|v| !v.is_empty())
        || std::env::var_os("DISPLAY").is_some_and(|v| !v.is_empty())
    {
        return Check::skip("touch", "input comes through the display server");
    }
    let events: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("event")))
                .collect()
        })
        .unwrap_or_default();
    if events.is_empty() {
        return Check::warn("touch", "no input devices", "plug in the touch panel (USB)");
    }
    let readable = events.iter().filter(|p| std::fs::File::open(p).is_ok()).count();
    if readable == 0 {
        Check::warn(
            "touch",
            format!("{} input devices, none readable", events.len()),
            "add the service user to input: adduser motcua input",
        )
    } else {
        Check::pass("touch", format!("{readable} of {} input devices readable", events.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    #[test]
    fn drm_needs_a_card_it_can_open() {
        let dir = tempfile::tempdir().unwrap();
        let c = drm(dir.path());
        assert_eq!(c.status, Status::Fail);
        assert!(c.detail.contains("no DRM device"), "{}", c.detail);
        std::fs::write(dir.path().join("renderD128"), b"").unwrap();
        assert_eq!(drm(dir.path()).status, Status::Fail, "a render node is not a card");
        std::fs::write(dir.path().join("card0"), b"").unwrap();
        let c = drm(dir.path());
        assert_eq!(c.status, Status::Pass, "{}", c.detail);
    }

    #[test]
    fn audio_player_found_on_path_or_not() {
        assert_eq!(audio("none").status, Status::Skip);
        let c = audio("sh -c true");
        assert_eq!(c.status, Status::Pass, "{}", c.detail);
        let c = audio("/no/such/player -q");
        assert!(matches!(c.status, Status::Warn | Status::Fail), "{c:?}");
        assert!(c.detail.contains("/no/such/player not installed"), "{}", c.detail);
    }
}
