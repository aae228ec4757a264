//! A loopback TCP proxy that records what a client asked for: the request
//! line of every HTTP request it forwards, and how many SSE keep-alive
//! comments it passed back. Tests assert on what was requested (e.g. "the
//! board never reconnected") instead of sleeping and hoping nothing happened.
//! Only for GET requests (a request is its header block; bodies are not parsed).

use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What went through the proxy so far.
#[derive(Debug, Clone, Default)]
pub struct Traffic {
    /// Request lines, e.g. `GET /api/v1/events HTTP/1.1`, in arrival order.
    pub requests: Vec<String>,
    /// SSE keep-alive comments sent back to the client.
    pub keep_alives: u64,
}

impl Traffic {
    /// Requests whose path starts with `path`.
    pub fn count(&self, path: &str) -> usize {
        self.requests.iter().filter(|r| r.split(' ').nth(1).is_some_and(|p| p.starts_with(path))).count()
    }
}

pub struct Proxy {
    pub url: String,
    traffic: watch::Sender<Traffic>,
    task: JoinHandle<()>,
}

/// A keep-alive comment of the centre's event stream (`: keep-alive`).
const KEEP_ALIVE: &[u8] = b": keep-alive";

impl Proxy {
    /// Forwards 127.0.0.1:<any port> to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let traffic = watch::Sender::new(Traffic::default());
        let tx = traffic.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else { continue };
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                tokio::spawn(pipe(cr, sw, tx.clone(), record_requests));
                tokio::spawn(pipe(sr, cw, tx.clone(), count_keep_alives));
            }
        });
        Proxy { url, traffic, task }
    }

    pub fn traffic(&self) -> Traffic {
        self.traffic.borrow().clone()
    }

    /// Waits (at most 10 s) until `pred` holds for the traffic.
    pub async fn wait(&self, what: &str, pred: impl Fn(&Traffic) -> bool) -> Traffic {
        let mut rx = self.traffic.subscribe();
        let found =
            match tokio::time::timeout(std::time::Duration::from_secs(10), rx.wait_for(|t| pred(t))).await {
                Ok(Ok(t)) => Some(t.clone()),
                _ => None,
            };
        found.unwrap_or_else(|| panic!("timed out waiting for {what}; traffic: {:?}", self.traffic()))
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Copies one direction of a connection, showing `seen` (all bytes of this
/// direction so far, minus what it consumed) to `inspect`.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    traffic: watch::Sender<Traffic>,
    inspect: fn(&mut Vec<u8>, &mut Traffic),
) {
    let mut buf = [0u8; 16 * 1024];
    let mut seen = Vec::new();
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        seen.extend_from_slice(&buf[..n]);
        traffic.send_modify(|t| inspect(&mut seen, t));
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// Takes every complete request head off `seen` and records its first line.
fn record_requests(seen: &mut Vec<u8>, t: &mut Traffic) {
    while let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&seen[..end]).into_owned();
        t.requests.push(head.lines().next().unwrap_or_default().to_string());
        seen.drain(..end + 4);
    }
}

/// Counts keep-alive comments in `seen`, keeping a tail that may hold the
/// start of one split across reads.
fn count_keep_alives(seen: &mut Vec<u8>, t: &mut Traffic) {
    let mut from = 0;
    while let Some(i) = seen[from..].windows(KEEP_ALIVE.len()).position(|w| w == KEEP_ALIVE) {
        t.keep_alives += 1;
        from += i + KEEP_ALIVE.len();
    }
    let keep = (seen.len() - from).min(KEEP_ALIVE.len() - 1);
    seen.drain(..seen.len() - keep);
}
