//! The centre's accept loop (instead of `axum::serve`, which has no header or
//! idle timeout and no connection cap: idle sockets could starve the centre).
//!
//! * A cap on connections open at once, in all and per client address; a
//!   connection over it is refused at once (a short 503 on plain HTTP, a close
//!   on TLS), never queued.
//! * A watchdog per connection: a request's headers must arrive within the
//!   header timeout (counted from the connection, or from the first byte of a
//!   later request), and a kept-alive connection without a request is closed
//!   after the idle timeout. A request being answered (an event stream too) is
//!   never cut by it.
//! * TLS (rustls): the handshake runs in the connection's task, bounded by the
//!   header timeout, so a slow handshake holds one slot, not the loop.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt;

/// Largest buffered request head (and read buffer) per connection.
const MAX_BUF: usize = 32 * 1024;
/// Connections still open this long after shutdown are dropped.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What a connection over the cap reads (plain HTTP only).
const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
retry-after: 1\r\nconnection: close\r\ncontent-length: 71\r\n\r\n\
{\"code\":\"busy\",\"message\":\"too many connections; try again in a second\"}";

#[derive(Debug, Clone)]
pub struct ConnLimits {
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
    /// 0: no per-address cap.
    pub max_per_address: u32,
}

/// Live figures of the accept loop (benchmarks, tests).
#[derive(Debug, Default)]
pub struct ConnStats {
    pub open: AtomicU32,
    pub refused: AtomicU64,
    pub timed_out: AtomicU64,
}

/// One connection's place under the caps; freed on drop.
struct Slot {
    _global: OwnedSemaphorePermit,
    ip: IpAddr,
    per_addr: Arc<Mutex<HashMap<IpAddr, u32>>>,
    stats: Arc<ConnStats>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut m = self.per_addr.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = m.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
        self.stats.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// When a connection was last busy or idle, shared by its watchdog, its IO and
/// its requests. Times are milliseconds since the connection opened.
struct Watch {
    opened: Instant,
    in_flight: AtomicU32,
    /// When the last response ended (0 before the first request).
    idle_since: AtomicU64,
    /// First byte of a request head not yet complete; `u64::MAX`: none.
    head_since: AtomicU64,
    served: AtomicU32,
    wake: Notify,
}

impl Watch {
    fn new() -> Arc<Watch> {
        Arc::new(Watch {
            opened: Instant::now(),
            in_flight: AtomicU32::new(0),
            idle_since: AtomicU64::new(0),
            head_since: AtomicU64::new(u64::MAX),
            served: AtomicU32::new(0),
            wake: Notify::new(),
        })
    }

    fn now(&self) -> u64 {
        self.opened.elapsed().as_millis() as u64
    }

    /// A request head arrived complete: the connection is busy.
    fn begin(self: &Arc<Self>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        self.head_since.store(u64::MAX, Ordering::SeqCst);
        Busy(self.clone())
    }

    /// Bytes arrived: on an idle connection they start a request head.
    fn bytes_read(&self) {
        if self.in_flight.load(Ordering::SeqCst) == 0
            && self
                .head_since
                .compare_exchange(u64::MAX, self.now(), Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        {
            self.wake.notify_one();
        }
    }

    /// Resolves when the connection has waited too long.
    async fn expired(&self, limits: &ConnLimits) {
        let ms = |d: Duration| d.as_millis() as u64;
        loop {
            if self.in_flight.load(Ordering::SeqCst) > 0 {
                self.wake.notified().await;
                continue;
            }
            let head = self.head_since.load(Ordering::SeqCst);
            let deadline = if head != u64::MAX {
                head + ms(limits.header_timeout)
            } else if self.served.load(Ordering::SeqCst) == 0 {
                ms(limits.header_timeout)
            } else {
                self.idle_since.load(Ordering::SeqCst) + ms(limits.idle_timeout)
            };
            let now = self.now();
            if now >= deadline && self.in_flight.load(Ordering::SeqCst) == 0 {
                return;
            }
            let wait = Duration::from_millis(deadline.saturating_sub(now).max(1));
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.wake.notified() => {}
            }
        }
    }
}

/// A request in progress; dropped with its response body (or when abandoned).
struct Busy(Arc<Watch>);

impl Drop for Busy {
    fn drop(&mut self) {
        let w = &self.0;
        w.idle_since.store(w.now(), Ordering::SeqCst);
        w.served.store(1, Ordering::SeqCst);
        w.in_flight.fetch_sub(1, Ordering::SeqCst);
        w.wake.notify_one();
    }
}

/// A response body that keeps its request counted as in progress until sent.
struct TrackedBody {
    inner: Body,
    _busy: Busy,
}

impl http_body::Body for TrackedBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The socket (or TLS stream), telling the watchdog when bytes arrive.
struct WatchedIo<T> {
    inner: T,
    watch: Arc<Watch>,
}

impl<T: AsyncRead + Unpin> AsyncRead for WatchedIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.watch.bytes_read();
        }
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WatchedIo<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, b: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, b)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// The caps, shared by the loop and the connections.
struct Gate {
    global: Arc<Semaphore>,
    per_addr: Arc<Mutex<HashMap<IpAddr, u32>>>,
    max_per_address: u32,
    stats: Arc<ConnStats>,
}

impl Gate {
    fn enter(&self, ip: IpAddr) -> Option<Slot> {
        let global = self.global.clone().try_acquire_owned().ok()?;
        {
            let mut m = self.per_addr.lock().unwrap_or_else(|p| p.into_inner());
            let n = m.entry(ip).or_insert(0);
            if self.max_per_address > 0 && *n >= self.max_per_address {
                return None;
            }
            *n += 1;
        }
        self.stats.open.fetch_add(1, Ordering::Relaxed);
        Some(Slot { _global: global, ip, per_addr: self.per_addr.clone(), stats: self.stats.clone() })
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open
/// requests finish (at most [`SHUTDOWN_GRACE`]).
pub async fn run(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    app: Router,
    limits: ConnLimits,
    stats: Arc<ConnStats>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let gate = Gate {
        global: Arc::new(Semaphore::new(limits.max_connections)),
        per_addr: Arc::default(),
        max_per_address: limits.max_per_address,
        stats: stats.clone(),
    };
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let limits = Arc::new(limits);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let ip = peer.ip().to_canonical();
        let Some(slot) = gate.enter(ip) else {
            stats.refused.fetch_add(1, Ordering::Relaxed);
            if acceptor.is_none() {
                let _ = tcp.try_write(REFUSAL);
            }
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let watcher = graceful.watcher();
        let (app, limits, acceptor, stats) = (app.clone(), limits.clone(), acceptor.clone(), stats.clone());
        tokio::spawn(async move {
            let _slot = slot;
            match acceptor {
                None => serve_conn(tcp, peer, app, &limits, watcher, &stats).await,
                Some(acc) => match tokio::time::timeout(limits.header_timeout, acc.accept(tcp)).await {
                    Ok(Ok(tls)) => serve_conn(tls, peer, app, &limits, watcher, &stats).await,
                    Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                    Err(_) => {
                        stats.timed_out.fetch_add(1, Ordering::Relaxed);
                        tracing::debug!(%peer, "TLS handshake timed out");
                    }
                },
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        tracing::info!("connections still open after the shutdown grace period were dropped");
    }
    Ok(())
}

async fn serve_conn<T>(
    io: T,
    peer: SocketAddr,
    app: Router,
    limits: &ConnLimits,
    watcher: hyper_util::server::graceful::Watcher,
    stats: &ConnStats,
) where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let watch = Watch::new();
    let io = TokioIo::new(WatchedIo { inner: io, watch: watch.clone() });
    let w = watch.clone();
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        let busy = w.begin();
        req.extensions_mut().insert(ConnectInfo(peer));
        let app = app.clone();
        async move {
            let resp = app.oneshot(req.map(Body::new)).await.unwrap_or_else(|e: Infallible| match e {});
            Ok::<_, Infallible>(resp.map(|inner| Body::new(TrackedBody { inner, _busy: busy })))
        }
    });
    let conn = hyper::server::conn::http1::Builder::new().max_buf_size(MAX_BUF).serve_connection(io, service);
    tokio::select! {
        r = watcher.watch(conn) => {
            if let Err(e) = r {
                tracing::debug!(%peer, error = %e, "connection ended with an error");
            }
        }
        _ = watch.expired(limits) => {
            stats.timed_out.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(%peer, "connection closed: no complete request in time");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_refusal_is_a_complete_json_response() {
        let text = std::str::from_utf8(super::REFUSAL).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let len: usize = head.split("content-length: ").nth(1).unwrap().parse().unwrap();
        assert_eq!(len, body.len());
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["code"], "busy");
    }
}
