//! Checks on the centre: reachable, this device's token accepted, the
//! connection's security, the clock against the centre's; or, where this
//! machine runs the centre itself, its listen address.

use super::{Check, Target};
use crate::centre::{ApiClient, LinkError};
use crate::config::Config;
use chrono::{DateTime, Utc};
use std::time::{Duration, Instant};

/// A clock this far off the centre's is a warning, ...
const SKEW_WARN: Duration = Duration::from_secs(5);
/// ... and this far a failure (tickets, ratings and days are stamped by time).
const SKEW_FAIL: Duration = Duration::from_secs(60);

pub fn checks(cfg: &Config, target: Target) -> Vec<Check> {
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return vec![Check::fail("centre_reachable", format!("no runtime: {e}"), "retry")],
    };
    rt.block_on(checks_async(cfg, target))
}

/// [`checks`] on the caller's runtime (the kiosk's setup page).
pub async fn checks_async(cfg: &Config, target: Target) -> Vec<Check> {
    let url = match target {
        Target::Centre => return vec![listen(cfg).await],
        Target::Kiosk if cfg.centre.url.is_empty() => return vec![listen(cfg).await],
        Target::Kiosk => cfg.centre.url.clone(),
        Target::Display => match crate::cli::run::display_centre_url(cfg) {
            Ok(u) => u,
            Err(e) => return vec![Check::fail("centre_reachable", e.to_string(), "set centre.url")],
        },
        Target::Counter => crate::cli::centre::counter_url(cfg, None),
    };
    remote(cfg, &url, target).await
}

async fn remote(cfg: &Config, url: &str, target: Target) -> Vec<Check> {
    let client = match ApiClient::for_url(cfg, url) {
        Ok(c) => c,
        Err(e) => return vec![Check::fail("centre_reachable", format!("{url}: {e}"), "fix centre.url")],
    };
    let mut checks = Vec::new();
    let sent = Utc::now();
    let started = Instant::now();
    let health = client.health().await;
    let rtt = started.elapsed();
    let health = match health {
        Ok(h) => h,
        Err(e) => {
            checks.push(Check::fail(
                "centre_reachable",
                format!("{url}: {e}"),
                "check the network, centre.url, and that the centre runs (motcua-kiosk-centre.service)",
            ));
            checks.push(tls(url, false));
            return checks;
        }
    };
    checks.push(Check::pass(
        "centre_reachable",
        format!("{url} answered in {} ms (centre {})", rtt.as_millis(), health.version),
    ));
    checks.push(token(&client, target).await);
    if target == Target::Counter && cfg.counter.number > 0 {
        checks.push(counter_number(&client, cfg.counter.number).await);
    }
    checks.push(tls(url, true));
    checks.push(clock(health.server_time, sent, rtt));
    checks
}

/// A request this role makes, with this device's token.
async fn token(client: &ApiClient, target: Target) -> Check {
    let result = match target {
        Target::Display => client.state().await.map(drop),
        Target::Counter => client.counters().await.map(drop),
        _ => client.services().await.map(drop),
    };
    match result {
        Ok(()) => Check::pass("centre_token", "accepted"),
        Err(LinkError::Unauthorized) => Check::fail(
            "centre_token",
            "the centre refuses this device's token",
            "set centre.token to the token the centre issued for this device",
        ),
        Err(LinkError::Rejected { status: 403, .. }) => Check::fail(
            "centre_token",
            "token accepted but not for this role",
            "issue the device a token for its role",
        ),
        Err(e) => Check::warn("centre_token", format!("not confirmed: {e}"), "run doctor again"),
    }
}

/// The centre has this screen's counter (a service is served there).
async fn counter_number(client: &ApiClient, n: u32) -> Check {
    match client.counters().await {
        Ok(r) if r.counters.iter().any(|c| c.number == n) => {
            Check::pass("counter_number", format!("the centre serves counter {n}"))
        }
        Ok(r) => Check::fail(
            "counter_number",
            format!(
                "the centre has no counter {n} (its counters: {})",
                r.counters.iter().map(|c| c.number.to_string()).collect::<Vec<_>>().join(", ")
            ),
            "set counter.number to one of the centre's counters (queue.services[].counters at the centre)",
        ),
        Err(e) => Check::skip("counter_number", format!("not checked: {e}")),
    }
}

/// Plain HTTP is fine on loopback only: on the LAN it carries tokens and ID data in clear.
fn tls(url: &str, reached: bool) -> Check {
    let https = url.starts_with("https://");
    let host = url.split("://").nth(1).unwrap_or("").split(['/', '?']).next().unwrap_or("");
    let host = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host).trim_matches(['[', ']']);
    let loopback = host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    match (https, reached) {
        (true, true) => Check::pass("centre_tls", "https, certificate verified"),
        (true, false) => Check::skip("centre_tls", "not reached"),
        (false, _) if loopback => Check::pass("centre_tls", "plain HTTP on loopback"),
        (false, _) => Check::warn(
            "centre_tls",
            "plain HTTP on the network: the token and ID card data travel in clear",
            "serve the centre over https and use an https:// centre.url",
        ),
    }
}

/// The centre's clock against ours, at the middle of the round trip.
pub fn clock(server_time: DateTime<Utc>, sent: DateTime<Utc>, rtt: Duration) -> Check {
    let midpoint = sent + chrono::Duration::from_std(rtt / 2).unwrap_or_default();
    let skew_ms = (server_time - midpoint).num_milliseconds();
    let off = Duration::from_millis(skew_ms.unsigned_abs());
    let side = if skew_ms > 0 { "behind" } else { "ahead of" };
    let detail = format!("this clock is {:.1} s {side} the centre's", off.as_secs_f64());
    let hint = "turn on time sync on both: timedatectl set-ntp true";
    if off >= SKEW_FAIL {
        Check::fail("clock_skew", detail, hint)
    } else if off >= SKEW_WARN {
        Check::warn("clock_skew", detail, hint)
    } else {
        Check::pass("clock_skew", detail)
    }
}

/// The centre this machine runs: its address free to serve, or served by it already.
async fn listen(cfg: &Config) -> Check {
    let addr = cfg.centre.listen.trim();
    if addr.is_empty() {
        return Check::skip("centre_listen", "the built-in centre serves nobody else (centre.listen empty)");
    }
    let hint = "centre.listen must be IP:PORT of this machine, port 1024 or above";
    let Ok(sock) = addr.parse::<std::net::SocketAddr>() else {
        return Check::fail("centre_listen", format!("`{addr}` is not IP:PORT"), hint);
    };
    let local = match sock.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => {
            (std::net::Ipv4Addr::LOCALHOST, sock.port()).into()
        }
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => {
            (std::net::Ipv6Addr::LOCALHOST, sock.port()).into()
        }
        _ => sock,
    };
    if std::net::TcpStream::connect_timeout(&local, Duration::from_millis(500)).is_ok() {
        let url = format!("http://{local}");
        // On the caller's runtime: `checks` runs this inside its own block_on,
        // and the setup page inside the kiosk's runtime.
        let ours = match ApiClient::for_url(cfg, &url) {
            Ok(client) => client.health().await.is_ok(),
            Err(_) => false,
        };
        return if ours {
            Check::pass("centre_listen", format!("the centre answers at {addr} (the service is running)"))
        } else {
            Check::fail(
                "centre_listen",
                format!("{addr} is taken by another program"),
                "stop it, or choose another port (centre.listen)",
            )
        };
    }
    match std::net::TcpListener::bind(sock) {
        Ok(_) => Check::pass("centre_listen", format!("{addr} is free: the centre serves it once started")),
        Err(e) => Check::fail("centre_listen", format!("cannot listen on {addr}: {e}"), hint),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    #[test]
    fn clock_skew_thresholds_and_direction() {
        let t0: DateTime<Utc> = "2026-12-01T08:00:00Z".parse().unwrap();
        let rtt = Duration::from_millis(200);
        let at = |ms: i64| t0 + chrono::Duration::milliseconds(100 + ms);
        let c = clock(at(0), t0, rtt);
        assert_eq!(c.status, Status::Pass, "{}", c.detail);
        assert!(c.detail.contains("0.0 s"), "{}", c.detail);
        let c = clock(at(7_000), t0, rtt);
        assert_eq!(c.status, Status::Warn);
        assert!(c.detail.contains("7.0 s behind"), "{}", c.detail);
        let c = clock(at(-90_000), t0, rtt);
        assert_eq!(c.status, Status::Fail);
        assert!(c.detail.contains("90.0 s ahead of"), "{}", c.detail);
    }

    #[test]
    fn plain_http_is_fine_on_loopback_only() {
        assert_eq!(tls("http://127.0.0.1:8700", true).status, Status::Pass);
        assert_eq!(tls("http://[::1]:8700", true).status, Status::Pass);
        assert_eq!(tls("http://localhost:8700/", true).status, Status::Pass);
        assert_eq!(tls("http://10.0.0.5:8700", true).status, Status::Warn);
        assert_eq!(tls("https://10.0.0.5:8700", true).status, Status::Pass);
    }
}
