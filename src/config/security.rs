//! No insecure production defaults: what the centre must not serve to the LAN
//! with, what a kiosk must not start with, and warnings about the config file
//! itself. `config check` reports the same problems (see `validate`).

use super::{Config, ConfigIssue, DEFAULT_SETUP_PIN, DEFAULT_TOKEN};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;

/// Shortest token the centre accepts from its config when it serves the LAN
/// (the same bound as `centre::tokens::MIN_TOKEN_LEN`).
pub const MIN_TOKEN_LEN: usize = 24;

fn issue(key: &str, message: impl Into<String>, hint: impl Into<String>) -> ConfigIssue {
    ConfigIssue { key: key.into(), message: message.into(), hint: hint.into() }
}

/// Whether `listen` (`IP:PORT`, or empty: not serving) reaches only this machine.
pub fn is_loopback_listen(listen: &str) -> bool {
    listen.is_empty() || listen.parse::<SocketAddr>().is_ok_and(|a| a.ip().is_loopback())
}

/// Whether a URL's host is this machine (`127.x`, `::1`, `localhost`).
fn url_is_loopback(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host.split(':').next().unwrap_or("")
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// What is wrong with serving the LAN (any non-loopback address) with this
/// config: a guessable admin token, tokens without a role, a ticket QR that
/// points phones at themselves. Empty when the LAN may be served.
pub fn lan_serving_issues(cfg: &Config) -> Vec<ConfigIssue> {
    let mut out = Vec::new();
    let token = cfg.centre.token.expose();
    if token == DEFAULT_TOKEN {
        out.push(issue(
            "centre.token",
            "is the default token, which everyone can read in the documentation",
            format!("a random token of at least {MIN_TOKEN_LEN} characters, or empty for no admin token"),
        ));
    } else if !token.is_empty() && token.chars().count() < MIN_TOKEN_LEN {
        out.push(issue(
            "centre.token",
            format!("is shorter than {MIN_TOKEN_LEN} characters, so it can be guessed"),
            format!("a random token of at least {MIN_TOKEN_LEN} characters, or empty for no admin token"),
        ));
    }
    if !cfg.centre.accepted_tokens.is_empty() {
        out.push(issue(
            "centre.accepted_tokens",
            "gives every listed device every right (tokens without a role)",
            "list each device as [[centre.devices]] with its id, role and token (docs/security.md)",
        ));
    }
    if url_is_loopback(&cfg.centre.tracking_base_url) {
        out.push(issue(
            "centre.tracking_base_url",
            format!(
                "`{}` is this machine: a phone scanning the ticket QR would open itself",
                cfg.centre.tracking_base_url
            ),
            "the address phones reach, e.g. \"http://10.0.0.5:8700/t/\"",
        ));
    }
    out
}

/// Why the centre must not serve on `addr` with this config, in one sentence
/// (`None`: it may). Demo mode does not relax this.
pub fn serving_refusal(cfg: &Config, addr: SocketAddr) -> Option<String> {
    if addr.ip().is_loopback() {
        return None;
    }
    let first = lan_serving_issues(cfg).into_iter().next()?;
    Some(format!(
        "refusing to serve the LAN on {addr}: {} {}; set it to {}",
        first.key, first.message, first.hint
    ))
}

/// Why a kiosk must not start with this config, in one sentence (`None`: it may).
pub fn kiosk_start_refusal(cfg: &Config) -> Option<String> {
    (!cfg.demo && super::pin::is_default(&cfg.kiosk.setup_pin)).then(|| {
        format!(
            "refusing to start the kiosk with the default setup PIN {DEFAULT_SETUP_PIN}: set kiosk.setup_pin \
             with `motcua-kiosk pin set` to 4-8 digits only your technicians know (or run with --demo to try \
             the kiosk out)"
        )
    })
}

/// Warnings about the config file (start-up log and `config check`): it holds
/// device tokens and the setup PIN, so other users of the machine must not read it.
pub fn file_warnings(path: &Path) -> Vec<String> {
    let mut out = Vec::new();
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o004 != 0 {
            out.push(format!(
                "{} can be read by every user of this machine (mode {mode:04o}) and holds device tokens and the \
                 setup PIN: `chmod 640` it (owner and the service's group only)",
                path.display()
            ));
        }
    }
    out
}

/// Warnings about the config's content that do not stop it from working.
pub fn config_warnings(cfg: &Config) -> Vec<ConfigIssue> {
    let mut out = Vec::new();
    let pin = &cfg.kiosk.setup_pin;
    if !super::pin::is_hashed(pin) && pin.expose() != DEFAULT_SETUP_PIN {
        out.push(issue(
            "kiosk.setup_pin",
            "is in clear: anyone who reads this file knows it",
            "store its hash: `motcua-kiosk pin set` (the kiosk also replaces it at the first right entry)",
        ));
    }
    if !cfg.centre.accepted_tokens.is_empty() && is_loopback_listen(&cfg.centre.listen) {
        out.push(issue(
            "centre.accepted_tokens",
            "tokens without a role are accepted as admin tokens, and only while the centre serves loopback",
            "list each device as [[centre.devices]] with its id, role and token (docs/security.md)",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lan() -> SocketAddr {
        "0.0.0.0:8700".parse().unwrap()
    }

    #[test]
    fn the_lan_is_refused_with_a_guessable_token_or_a_self_pointing_qr() {
        let mut cfg = Config::default();
        assert_eq!(serving_refusal(&cfg, "127.0.0.1:8700".parse().unwrap()), None, "loopback is fine");
        let why = serving_refusal(&cfg, lan()).unwrap();
        assert!(why.contains("centre.token") && why.contains("default"), "{why}");
        cfg.centre.token = "short-token".into();
        assert!(serving_refusal(&cfg, lan()).unwrap().contains("shorter than 24"));
        cfg.centre.token = "a-long-enough-random-token-0123456789".into();
        let why = serving_refusal(&cfg, lan()).unwrap();
        assert!(why.contains("centre.tracking_base_url"), "{why}");
        cfg.centre.tracking_base_url = "http://10.0.0.5:8700/t/".into();
        assert_eq!(serving_refusal(&cfg, lan()), None);
        cfg.demo = true;
        cfg.centre.token = DEFAULT_TOKEN.into();
        assert!(serving_refusal(&cfg, lan()).is_some(), "demo mode does not open the LAN");
        cfg.centre.token = String::new().into();
        cfg.centre.accepted_tokens = vec!["x".into()];
        assert!(serving_refusal(&cfg, lan()).unwrap().contains("centre.accepted_tokens"));
    }

    #[test]
    fn loopback_urls_and_listen_addresses() {
        for u in
            ["http://127.0.0.1:8700/t/", "http://localhost/t/", "https://[::1]:1/t/", "http://u@127.0.0.2/"]
        {
            assert!(url_is_loopback(u), "{u}");
        }
        for u in ["http://10.0.0.5:8700/t/", "https://motcua.example.vn/t/", ""] {
            assert!(!url_is_loopback(u), "{u}");
        }
        assert!(
            is_loopback_listen("127.0.0.1:8700") && is_loopback_listen("[::1]:1") && is_loopback_listen("")
        );
        assert!(!is_loopback_listen("0.0.0.0:8700") && !is_loopback_listen("10.0.0.5:8700"));
    }

    #[test]
    fn the_default_pin_stops_a_kiosk_outside_demo_mode() {
        let mut cfg = Config::default();
        assert!(kiosk_start_refusal(&cfg).unwrap().contains("kiosk.setup_pin"));
        cfg.apply_demo();
        assert_eq!(kiosk_start_refusal(&cfg), None);
        let mut cfg = Config::default();
        cfg.kiosk.setup_pin = "902614".into();
        assert_eq!(kiosk_start_refusal(&cfg), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_world_readable_config_is_warned_about() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.toml");
        std::fs::write(&p, "").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let w = file_warnings(&p);
        assert!(w.len() == 1 && w[0].contains("chmod 640"), "{w:?}");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(file_warnings(&p).is_empty());
    }
}
