//! A thermal printer on 127.0.0.1 speaking just enough ESC/POS for tests: it
//! answers the `DLE EOT n` status requests and records every byte it gets.

use std::sync::Arc;
use std::time::Duration;

/// What the fake printer received so far.
#[derive(Default)]
pub struct Received {
    bytes: std::sync::Mutex<Vec<u8>>,
    more: std::sync::Condvar,
}

impl Received {
    pub fn lock(&self) -> std::sync::LockResult<std::sync::MutexGuard<'_, Vec<u8>>> {
        self.bytes.lock()
    }

    /// The bytes once they satisfy `done` (the kiosk's write can return before
    /// the printer thread has read them), or as they are after 5 s.
    pub fn wait_until(&self, done: impl Fn(&[u8]) -> bool) -> Vec<u8> {
        let got = self.bytes.lock().unwrap();
        let (got, _) = self.more.wait_timeout_while(got, Duration::from_secs(5), |b| !done(b)).unwrap();
        got.clone()
    }
}

/// A thermal printer on 127.0.0.1:port speaking ESC/POS: answers DLE EOT n
/// with the given status bytes and records everything it receives.
pub fn fake_printer(status: [u8; 3]) -> (String, Arc<Received>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("tcp://{}", listener.local_addr().unwrap());
    let got = Arc::new(Received::default());
    let rec = got.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut c) = conn else { return };
            let mut buf = [0u8; 4096];
            while let Ok(n) = c.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let mut all = rec.lock().unwrap();
                all.extend_from_slice(&buf[..n]);
                for w in buf[..n].windows(3) {
                    if w[0] == 0x10 && w[1] == 0x04 {
                        let answer = match w[2] {
                            1 => status[0],
                            2 => status[1],
                            _ => status[2],
                        };
                        let _ = c.write_all(&[answer]);
                    }
                }
                drop(all);
                rec.more.notify_all();
            }
        }
    });
    (uri, got)
}
