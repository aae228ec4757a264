//! Centre commands: `centre` (run the built-in centre) and the counter actions
//! `call`, `recall`, `complete`, `no-show` (an officer at a terminal); the
//! clap definitions are in `cli/mod.rs`.

use crate::centre::api::CounterCommand;
use crate::centre::{ApiClient, LinkError};
use crate::config::Config;
use anyhow::Context;

/// A counter action from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CounterAction {
    /// Call the next ticket (completes the current one).
    Call,
    /// Call the current ticket again (no-show after `queue.max_recalls` calls).
    Recall,
    /// The current ticket was served.
    Complete,
    /// The citizen did not come.
    NoShow,
}

impl CounterAction {
    pub fn command(self) -> CounterCommand {
        match self {
            CounterAction::Call => CounterCommand::CallNext,
            CounterAction::Recall => CounterCommand::Recall,
            CounterAction::Complete => CounterCommand::Complete,
            CounterAction::NoShow => CounterCommand::NoShow,
        }
    }
}

/// Runs the built-in centre on `listen` (else `centre.listen`) until Ctrl-C or
/// SIGTERM (systemd's stop). Under systemd it reports `READY=1` once listening
/// and feeds the watchdog while a no-op job still goes through the writer.
pub fn run_centre(cfg: Config, listen: Option<String>) -> anyhow::Result<()> {
    let addr = listen.unwrap_or_else(|| cfg.centre.listen.clone());
    if addr.is_empty() {
        anyhow::bail!("no listen address: pass --listen IP:PORT or set centre.listen");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    // Checked before binding when the address is numeric, so a refused
    // address is never opened; a host name is checked once it is bound.
    let refuse = |a: std::net::SocketAddr| crate::config::security::serving_refusal(&cfg, a);
    if let Some(why) = addr.parse().ok().and_then(refuse) {
        return Err(super::StartRefused(why).into());
    }
    rt.block_on(async move {
        let listener =
            tokio::net::TcpListener::bind(&addr).await.with_context(|| format!("cannot listen on {addr}"))?;
        let bound = listener.local_addr().context("cannot read the listening address")?;
        if let Some(why) = crate::config::security::serving_refusal(&cfg, bound) {
            return Err(super::StartRefused(why).into());
        }
        let db = crate::store::centre_db_path(&cfg.data_dir());
        let opts = crate::centre::server::ServerOptions::serving(&cfg)?;
        let centre = crate::centre::core::Centre::open(&cfg)?;
        let scheme = if opts.tls.is_some() { "https" } else { "http" };
        println!(
            "Trung tâm đang chạy tại {scheme}://{addr} (dữ liệu: {}). Nhấn Ctrl-C để dừng.",
            db.display()
        );
        let watchdog = {
            let centre = centre.clone();
            crate::systemd::spawn_watchdog(move || {
                let centre = centre.clone();
                async move {
                    let deadline = std::time::Duration::from_secs(5);
                    matches!(tokio::time::timeout(deadline, centre.tick()).await, Ok(Ok(())))
                }
            })
        };
        crate::systemd::notify_ready(&format!("centre listening on {scheme}://{addr}"));
        let result = crate::centre::server::serve_centre(centre, opts, listener, stop_signal()).await;
        if let Some(w) = watchdog {
            w.abort();
        }
        result?;
        println!("Trung tâm đã dừng.");
        Ok(())
    })
}

/// Ctrl-C, or SIGTERM from systemd.
async fn stop_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
    crate::systemd::notify_stopping();
}

/// `centre tls init`: writes the CA and the server certificate, then says
/// what to put in the centre's and the devices' configs.
pub fn tls_init(opts: &crate::centre::tls::init::InitOptions) -> anyhow::Result<()> {
    use crate::centre::tls::init::{CA_CERT, SERVER_CERT, SERVER_KEY};
    let out = crate::centre::tls::init::init(opts)?;
    let file = |f: &str| out.dir.join(f).display().to_string();
    if out.new_ca {
        println!("Đã tạo CA nội bộ mới / new local CA: {}", file(CA_CERT));
    } else {
        println!("Dùng lại CA đã có / reusing the existing CA: {}", file(CA_CERT));
    }
    println!(
        "Chứng chỉ máy chủ / server certificate: {} (key {}, mode 0600)",
        file(SERVER_CERT),
        file(SERVER_KEY)
    );
    println!();
    println!("CA pin (SHA-256): {}", out.ca_pin);
    println!("Server certificate pin: {}", out.server_pin);
    println!();
    println!("Centre config:\n  [tls]\n  cert = \"{}\"\n  key = \"{}\"", file(SERVER_CERT), file(SERVER_KEY));
    println!(
        "Kiosk/display config (centre.url = \"https://...\"):\n  [tls]\n  pin = \"{}\"   # or ca = a copy of {}",
        out.ca_pin,
        file(CA_CERT)
    );
    Ok(())
}

/// The centre a counter command talks to: `--centre`, else `centre.url`, else
/// the built-in centre's `centre.listen` address.
pub fn counter_url(cfg: &Config, centre_url: Option<&str>) -> String {
    if let Some(u) = centre_url.filter(|u| !u.is_empty()) {
        return u.to_string();
    }
    if !cfg.centre.url.is_empty() {
        return cfg.centre.url.clone();
    }
    let listen = cfg.centre.listen.replace("0.0.0.0", "127.0.0.1").replace("[::]", "[::1]");
    let scheme = if cfg.tls.serves_https() { "https" } else { "http" };
    format!("{scheme}://{listen}")
}

fn error_line(counter: u32, url: &str, e: &LinkError) -> String {
    match e {
        LinkError::Unreachable(_) | LinkError::Timeout => format!("Không kết nối được trung tâm tại {url}"),
        LinkError::Unauthorized => "Trung tâm không chấp nhận mã thiết bị (centre.token)".to_string(),
        LinkError::Forbidden(_) => {
            format!("Mã thiết bị (centre.token) không được phép thao tác tại quầy {counter}")
        }
        LinkError::Rejected { code, message, .. } => match code.as_str() {
            "unknown_counter" => format!("Không có quầy {counter}"),
            "counter_paused" => format!("Quầy {counter} đang tạm dừng; hãy tiếp tục phục vụ trước"),
            "no_current_ticket" => format!("Quầy {counter} chưa có số nào đang phục vụ"),
            _ => format!("Trung tâm từ chối: {message}"),
        },
        other => other.message_vi(),
    }
}

/// Performs a counter action and returns the one line to print, e.g.
/// `Quầy 3 gọi số A-023`. Not for use inside an async runtime (it makes its own).
pub fn run_counter(
    cfg: &Config,
    centre_url: Option<&str>,
    counter: u32,
    action: CounterAction,
) -> anyhow::Result<String> {
    let url = counter_url(cfg, centre_url);
    let client = ApiClient::for_url(cfg, &url).map_err(|e| anyhow::anyhow!("{e}"))?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    rt.block_on(async {
        match client.counter_action(counter, &action.command()).await {
            Ok(r) => Ok(r.message_vi),
            Err(e) => Err(anyhow::anyhow!(error_line(counter, &url, &e))),
        }
    })
}

/// `call|recall|complete|no-show --counter N`: prints one clear line.
pub fn counter_cmd(
    cfg: &Config,
    centre_url: Option<&str>,
    counter: u32,
    action: CounterAction,
) -> anyhow::Result<()> {
    println!("{}", run_counter(cfg, centre_url, counter, action)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_url_prefers_flag_then_config_then_listen() {
        let mut cfg = Config::default();
        cfg.centre.listen = "0.0.0.0:8700".into();
        assert_eq!(counter_url(&cfg, None), "http://127.0.0.1:8700");
        cfg.centre.url = "http://10.0.0.5:8700".into();
        assert_eq!(counter_url(&cfg, None), "http://10.0.0.5:8700");
        assert_eq!(counter_url(&cfg, Some("http://h:1")), "http://h:1");
        cfg.centre.url.clear();
        cfg.tls.cert = "server.pem".into();
        cfg.tls.key = "server.key".into();
        assert_eq!(counter_url(&cfg, None), "https://127.0.0.1:8700", "the centre serves HTTPS only");
    }

    #[test]
    fn errors_read_as_one_vietnamese_line() {
        let e = LinkError::Rejected { status: 409, code: "no_current_ticket".into(), message: "x".into() };
        assert_eq!(error_line(3, "http://h", &e), "Quầy 3 chưa có số nào đang phục vụ");
        assert_eq!(
            error_line(3, "http://h", &LinkError::Timeout),
            "Không kết nối được trung tâm tại http://h"
        );
    }
}
