//! The little of systemd's service protocol this program speaks: `READY=1`,
//! `WATCHDOG=1`, `STATUS=…` and `STOPPING=1` sent as datagrams to
//! `$NOTIFY_SOCKET`, and the watchdog period from `$WATCHDOG_USEC`
//! (see sd_notify(3)). Outside systemd there is no socket and every call is a
//! no-op. A few lines over a Unix datagram socket instead of a crate.

use std::io;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::path::Path;
use std::time::Duration;

/// Where notifications go: the service manager's socket.
pub struct Notifier {
    sock: UnixDatagram,
    addr: SocketAddr,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier").field("addr", &self.addr).finish()
    }
}

impl Notifier {
    /// The socket systemd passed in `$NOTIFY_SOCKET`, if any.
    pub fn from_env() -> Option<Notifier> {
        let value = std::env::var_os("NOTIFY_SOCKET")?;
        match Notifier::to_socket(value.to_str()?) {
            Ok(n) => Some(n),
            Err(e) => {
                tracing::warn!("NOTIFY_SOCKET is set but unusable ({e}); systemd will not hear from us");
                None
            }
        }
    }

    /// A socket given as a path, or as `@name` for a Linux abstract socket.
    pub fn to_socket(spec: &str) -> io::Result<Notifier> {
        let addr = if let Some(name) = spec.strip_prefix('@') {
            use std::os::linux::net::SocketAddrExt;
            SocketAddr::from_abstract_name(name.as_bytes())?
        } else if spec.starts_with('/') {
            SocketAddr::from_pathname(Path::new(spec))?
        } else {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("not a socket address: {spec}")));
        };
        Ok(Notifier { sock: UnixDatagram::unbound()?, addr })
    }

    /// Sends one notification (lines of `KEY=VALUE`).
    pub fn send(&self, state: &str) -> io::Result<()> {
        self.sock.send_to_addr(state.as_bytes(), &self.addr).map(|_| ())
    }

    /// Sends and logs (never fails the caller: a lost notification must not
    /// stop the kiosk; systemd's own timeouts then decide).
    pub fn notify(&self, state: &str) {
        if let Err(e) = self.send(state) {
            tracing::warn!("cannot notify systemd ({}): {e}", state.lines().next().unwrap_or(""));
        }
    }
}

/// How often to feed the watchdog: half of `$WATCHDOG_USEC`, as sd_watchdog_enabled(3)
/// advises. `None` when systemd runs no watchdog for this service.
pub fn watchdog_period() -> Option<Duration> {
    watchdog_period_from(std::env::var("WATCHDOG_USEC").ok().as_deref())
}

/// `$WATCHDOG_PID` is deliberately not checked: under the `cage` compositor the
/// unit's main process is cage and the kiosk its child, which feeds the
/// watchdog with `NotifyAccess=all`.
pub fn watchdog_period_from(usec: Option<&str>) -> Option<Duration> {
    let usec: u64 = usec?.trim().parse().ok().filter(|&u| u > 0)?;
    Some(Duration::from_micros(usec / 2).max(Duration::from_millis(1)))
}

/// Tells systemd the service is up, once the caller knows it really is.
pub fn notify_ready(status: &str) {
    if let Some(n) = Notifier::from_env() {
        n.notify(&format!("READY=1\nSTATUS={status}"));
    }
}

/// Tells systemd a clean stop has begun.
pub fn notify_stopping() {
    if let Some(n) = Notifier::from_env() {
        n.notify("STOPPING=1");
    }
}

/// Feeds the watchdog from a tokio task for as long as `alive` says so (the
/// centre, which has no UI loop). Returns `None` outside systemd.
pub fn spawn_watchdog<F, Fut>(mut alive: F) -> Option<tokio::task::JoinHandle<()>>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let period = watchdog_period()?;
    let notifier = Notifier::from_env()?;
    Some(tokio::spawn(async move {
        let mut every = tokio::time::interval(period);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if alive().await {
                notifier.notify("WATCHDOG=1");
            } else {
                tracing::error!("centre unhealthy: the systemd watchdog is no longer fed");
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watchdog_period_is_half_the_interval_and_absent_when_unset_or_bad() {
        assert_eq!(watchdog_period_from(Some("30000000")), Some(Duration::from_secs(15)));
        assert_eq!(watchdog_period_from(Some("1")), Some(Duration::from_millis(1)));
        for bad in [None, Some(""), Some("0"), Some("abc"), Some("-5")] {
            assert_eq!(watchdog_period_from(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn notifications_arrive_on_a_path_socket_and_an_abstract_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify");
        let server = UnixDatagram::bind(&path).unwrap();
        Notifier::to_socket(path.to_str().unwrap()).unwrap().send("READY=1\nSTATUS=up").unwrap();
        let mut buf = [0u8; 64];
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"READY=1\nSTATUS=up");

        use std::os::linux::net::SocketAddrExt;
        let name = format!("motcua-test-{}", std::process::id());
        let server =
            UnixDatagram::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes()).unwrap()).unwrap();
        Notifier::to_socket(&format!("@{name}")).unwrap().send("WATCHDOG=1").unwrap();
        let n = server.recv(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"WATCHDOG=1");

        assert!(Notifier::to_socket("relative/path").is_err());
    }
}
