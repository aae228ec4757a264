//! A loopback TCP proxy between one kiosk and the centre that can be told to
//! fail: refuse (connections reset at once), black-hole (bytes swallowed, no
//! answer: the kiosk's read timeout fires) or cut (the answer stops half-way
//! and the connection closes). A fault applies to connections already open
//! too (the kiosk's HTTP client keeps them alive between requests).
//!
//! Not simulated: dropped SYNs (a connect timeout); on loopback without
//! packet filters the kernel always accepts, so a black hole is "accepted,
//! then silence".

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Fault {
    Pass = 0,
    Refuse = 1,
    BlackHole = 2,
    Cut = 3,
}

impl Fault {
    fn from_u8(v: u8) -> Fault {
        match v {
            1 => Fault::Refuse,
            2 => Fault::BlackHole,
            3 => Fault::Cut,
            _ => Fault::Pass,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Fault::Pass => "pass",
            Fault::Refuse => "refuse",
            Fault::BlackHole => "black-hole",
            Fault::Cut => "cut",
        }
    }
}

pub struct FaultProxy {
    pub url: String,
    mode: Arc<AtomicU8>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    pub async fn start(upstream_port: Arc<std::sync::atomic::AtomicU16>) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mode = Arc::new(AtomicU8::new(Fault::Pass as u8));
        let m = mode.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mode = m.clone();
                let port = upstream_port.load(Ordering::SeqCst);
                tokio::spawn(async move {
                    match Fault::from_u8(mode.load(Ordering::SeqCst)) {
                        Fault::Refuse => reset(client),
                        Fault::BlackHole => swallow(client, mode).await,
                        Fault::Pass | Fault::Cut => {
                            let addr = SocketAddr::from(([127, 0, 0, 1], port));
                            match TcpStream::connect(addr).await {
                                Ok(server) => {
                                    let (cr, cw) = client.into_split();
                                    let (sr, sw) = server.into_split();
                                    tokio::spawn(pipe(cr, sw, mode.clone(), false));
                                    tokio::spawn(pipe(sr, cw, mode, true));
                                }
                                // The centre is down: the kiosk sees what it would see.
                                Err(_) => reset(client),
                            }
                        }
                    }
                });
            }
        });
        FaultProxy { url, mode, task }
    }

    pub fn set(&self, f: Fault) {
        self.mode.store(f as u8, Ordering::SeqCst);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Closes with a TCP reset, as a refused or dead peer does.
/// (Deprecated in tokio because a non-zero linger blocks on drop; zero does not.)
#[allow(deprecated)]
fn reset(s: TcpStream) {
    let _ = s.set_linger(Some(std::time::Duration::ZERO));
    drop(s);
}

/// Reads and drops everything until the fault ends or the kiosk hangs up.
async fn swallow(mut s: TcpStream, mode: Arc<AtomicU8>) {
    let mut buf = [0u8; 4096];
    loop {
        let r = tokio::time::timeout(std::time::Duration::from_millis(200), s.read(&mut buf)).await;
        match r {
            Ok(Ok(0)) | Ok(Err(_)) => return,
            _ if mode.load(Ordering::SeqCst) != Fault::BlackHole as u8 => return reset(s),
            _ => {}
        }
    }
}

/// Copies one direction while the link passes; applies a fault that starts
/// while the connection is open. `answer`: this is the centre-to-kiosk side
/// (where a cut stops an answer half-way).
async fn pipe(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, mode: Arc<AtomicU8>, answer: bool) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        match (Fault::from_u8(mode.load(Ordering::SeqCst)), answer) {
            // A cut lets the request through: the centre acts, the kiosk never hears.
            (Fault::Pass, _) | (Fault::Cut, false) => {
                if to.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
            (Fault::Cut, true) => {
                let _ = to.write_all(&buf[..n / 2]).await;
                break;
            }
            (Fault::BlackHole, _) => {} // swallowed
            (Fault::Refuse, _) => break,
        }
    }
    let _ = to.shutdown().await;
}
