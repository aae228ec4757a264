//! One blocking thread per barcode reader port, events to the app over a channel.
//!
//! The thread opens the configured path (a `/dev/serial/by-id/...` symlink is
//! followed at every open, so a replugged reader is found again under its new
//! `ttyACMn`), reads with a short timeout, frames with [`FrameAssembler`], decodes
//! each whole frame and sends [`ReaderEvent`]s. When the device goes away (0-byte
//! read, hang-up or any error other than a timeout) it closes the port, waits a
//! bounded exponential back-off and reopens. No frame content is ever logged.

use std::io::{self, Read};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serialport::{SerialPort, TTYPort};
use unicode_normalization::UnicodeNormalization;

use super::frame::{Assembled, FrameAssembler, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_FRAME_LEN};

/// How one reader thread behaves. [`ReaderConfig::new`] gives the production defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderConfig {
    /// Device path, preferably `/dev/serial/by-id/...` (stable across replug).
    pub path: String,
    /// Line speed (virtual for USB-CDC readers, real for RS-232).
    pub baud: u32,
    /// A partial frame followed by this much silence is dropped.
    pub frame_timeout: Duration,
    /// Longest accepted frame in bytes; longer ones are discarded with an event.
    pub max_frame_len: usize,
    /// First wait before reopening a lost or unavailable port.
    pub reconnect_min: Duration,
    /// Longest wait between reopen attempts (the back-off doubles up to this).
    pub reconnect_max: Duration,
    /// Longest blocking read: bounds how long [`SerialReader::stop`] waits.
    pub poll_interval: Duration,
}

impl ReaderConfig {
    pub fn new(path: impl Into<String>, baud: u32) -> Self {
        Self {
            path: path.into(),
            baud,
            frame_timeout: DEFAULT_IDLE_TIMEOUT,
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            reconnect_min: Duration::from_millis(250),
            reconnect_max: Duration::from_secs(5),
            poll_interval: Duration::from_millis(100),
        }
    }

    pub fn with_frame_timeout(mut self, t: Duration) -> Self {
        self.frame_timeout = t;
        self
    }
}

/// What a reader thread tells the app.
#[derive(Debug, Clone, PartialEq)]
pub enum ReaderEvent {
    /// The port is open and being read.
    Connected { port: String },
    /// The port is not (or no longer) usable. Sent when an open port is lost, when the
    /// reader is stopped, and when opening fails — once per distinct reason, not at
    /// every retry. The thread keeps retrying unless the reason is `Stopped`.
    Disconnected { port: String, reason: DisconnectReason },
    /// A complete frame, decoded as UTF-8 and normalised to NFC.
    Frame {
        port: String,
        /// AIM symbology identifier (`]Q1` QR, `]C0` Code 128, ...) when the reader sends one.
        symbology: Option<String>,
        /// The payload, AIM prefix removed.
        text: String,
        /// Frame length in bytes as received (AIM prefix included, terminator excluded).
        raw_len: usize,
        /// From the read holding the first byte to the read holding the terminator.
        first_byte_to_end: Duration,
    },
    /// Something was scanned but cannot be used; the citizen should scan again.
    Unreadable { port: String, reason: UnreadableReason },
    /// Worth a log line, nothing for the citizen.
    Warning { port: String, warning: ReaderWarning },
}

/// Why a port is not connected. `Display` gives a plain sentence for a technician.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DisconnectReason {
    /// The path does not exist: reader unplugged or wrong path in the configuration.
    NotFound,
    /// The port is locked by another program (serial ports are opened exclusively).
    Busy,
    /// The kiosk user may not open the device (add it to the `dialout` group).
    PermissionDenied,
    /// The device went away while open (hang-up or end of stream).
    Unplugged,
    /// Opening failed for another reason.
    OpenFailed(String),
    /// A read failed for another reason.
    Io(String),
    /// [`SerialReader::stop`] was called.
    Stopped,
}

impl std::fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotFound => f.write_str("device not found (unplugged, or wrong path in the configuration)"),
            Self::Busy => f.write_str("port busy: it is in use by another program (close it, e.g. a terminal or another kiosk instance)"),
            Self::PermissionDenied => f.write_str("permission denied: add the kiosk user to the 'dialout' group"),
            Self::Unplugged => f.write_str("device disconnected (unplugged or powered off)"),
            Self::OpenFailed(e) => write!(f, "cannot open the port: {e}"),
            Self::Io(e) => write!(f, "read error: {e}"),
            Self::Stopped => f.write_str("reader stopped"),
        }
    }
}

/// Why a frame could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnreadableReason {
    /// The frame is not valid UTF-8 (wrong reader code page, or a binary code).
    InvalidUtf8 { valid_up_to: usize },
    /// The frame exceeded the length limit and was discarded.
    TooLong { limit: usize },
}

impl std::fmt::Display for UnreadableReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidUtf8 { valid_up_to } => {
                write!(f, "not valid UTF-8 after byte {valid_up_to} (set the reader to UTF-8 output)")
            }
            Self::TooLong { limit } => write!(f, "longer than {limit} bytes, discarded"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderWarning {
    /// Bytes without a terminator were followed by silence and dropped (reader not set
    /// to send CR/LF, or a scan interrupted).
    PartialFrameDropped { len: usize },
}

impl std::fmt::Display for ReaderWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::PartialFrameDropped { len } => write!(
                f,
                "{len} bytes without CR/LF terminator dropped after silence (check the reader's suffix setting)"
            ),
        }
    }
}

/// A decoded frame: AIM prefix split off, text in NFC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedFrame {
    pub symbology: Option<String>,
    pub text: String,
}

/// Decodes a whole frame: UTF-8 (strict), optional AIM prefix `]` + 2 chars, NFC.
pub fn decode_frame(bytes: &[u8]) -> Result<DecodedFrame, UnreadableReason> {
    let s = std::str::from_utf8(bytes)
        .map_err(|e| UnreadableReason::InvalidUtf8 { valid_up_to: e.valid_up_to() })?;
    let b = s.as_bytes();
    let (symbology, body) =
        if b.len() >= 3 && b[0] == b']' && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphanumeric() {
            (Some(s[..3].to_owned()), &s[3..])
        } else {
            (None, s)
        };
    Ok(DecodedFrame { symbology, text: body.nfc().collect() })
}

/// Handle to a running reader thread. Dropping it stops and joins the thread.
#[derive(Debug)]
pub struct SerialReader {
    port: String,
    stop_tx: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl SerialReader {
    /// Starts the thread. Events go to `events`; the thread ends by itself if the
    /// receiving side is dropped.
    pub fn spawn(config: ReaderConfig, events: Sender<ReaderEvent>) -> io::Result<Self> {
        let (stop_tx, stop_rx) = mpsc::channel();
        let port = config.path.clone();
        let name = format!("scanner:{}", short_name(&port));
        let thread = thread::Builder::new().name(name).spawn(move || {
            Worker { config, events, stop_rx }.run();
        })?;
        Ok(Self { port, stop_tx: Some(stop_tx), thread: Some(thread) })
    }

    /// Starts one thread per configuration, all sending to the same channel.
    pub fn spawn_all(
        configs: impl IntoIterator<Item = ReaderConfig>,
        events: &Sender<ReaderEvent>,
    ) -> io::Result<Vec<Self>> {
        configs.into_iter().map(|c| Self::spawn(c, events.clone())).collect()
    }

    /// The configured path.
    pub fn port(&self) -> &str {
        &self.port
    }

    /// Asks the thread to close the port and end, and waits for it (at most about
    /// one `poll_interval`). A `Disconnected { reason: Stopped }` is sent if the
    /// channel is still open.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(tx) = self.stop_tx.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            if t.join().is_err() {
                tracing::error!(port = %self.port, "scanner thread panicked");
            }
        }
    }
}

impl Drop for SerialReader {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn short_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Why a connected session ended.
enum SessionEnd {
    Lost(DisconnectReason),
    /// Stop requested, or the app dropped the event receiver.
    Quit,
}

struct Worker {
    config: ReaderConfig,
    events: Sender<ReaderEvent>,
    stop_rx: Receiver<()>,
}

impl Worker {
    fn run(self) {
        let min = self.config.reconnect_min.max(Duration::from_millis(1));
        let max = self.config.reconnect_max.max(min);
        let mut backoff = min;
        let mut last_failure: Option<DisconnectReason> = None;
        loop {
            if self.stop_requested() {
                self.send_stopped();
                return;
            }
            match open_port(&self.config) {
                Ok(mut port) => {
                    last_failure = None;
                    tracing::info!(port = %self.config.path, "scanner connected");
                    if !self.send(ReaderEvent::Connected { port: self.config.path.clone() }) {
                        return;
                    }
                    let (end, got_data) = self.session(&mut port);
                    drop(port);
                    match end {
                        SessionEnd::Quit => {
                            self.send_stopped();
                            return;
                        }
                        SessionEnd::Lost(reason) => {
                            tracing::warn!(port = %self.config.path, %reason, "scanner disconnected");
                            if !self
                                .send(ReaderEvent::Disconnected { port: self.config.path.clone(), reason })
                            {
                                return;
                            }
                            // A device that opens and dies at once without sending anything
                            // keeps backing off; one that worked starts again from the minimum.
                            if got_data {
                                backoff = min;
                            }
                        }
                    }
                }
                Err(reason) => {
                    if last_failure.as_ref() != Some(&reason) {
                        tracing::warn!(port = %self.config.path, %reason, "scanner unavailable");
                        let ev = ReaderEvent::Disconnected {
                            port: self.config.path.clone(),
                            reason: reason.clone(),
                        };
                        if !self.send(ev) {
                            return;
                        }
                        last_failure = Some(reason);
                    }
                }
            }
            match self.stop_rx.recv_timeout(backoff) {
                Err(RecvTimeoutError::Timeout) => {}
                Ok(()) | Err(RecvTimeoutError::Disconnected) => {
                    self.send_stopped();
                    return;
                }
            }
            backoff = (backoff * 2).min(max);
        }
    }

    /// Reads until the device is lost or a stop is requested. Returns whether any byte
    /// arrived.
    fn session(&self, port: &mut TTYPort) -> (SessionEnd, bool) {
        let mut asm = FrameAssembler::new(self.config.max_frame_len, self.config.frame_timeout);
        let mut buf = [0u8; 1024];
        let mut out = Vec::new();
        let mut got_data = false;
        let poll = self.config.poll_interval.max(Duration::from_millis(1));
        loop {
            if self.stop_requested() {
                return (SessionEnd::Quit, got_data);
            }
            let now = Instant::now();
            if let Some(dropped) = asm.poll_timeout(now) {
                if !self.emit(dropped) {
                    return (SessionEnd::Quit, got_data);
                }
            }
            let timeout = match asm.deadline() {
                Some(d) => d.saturating_duration_since(now).clamp(Duration::from_millis(1), poll),
                None => poll,
            };
            if let Err(e) = port.set_timeout(timeout) {
                return (SessionEnd::Lost(DisconnectReason::Io(e.to_string())), got_data);
            }
            match port.read(&mut buf) {
                // End of stream: the device is gone. Reading again would spin.
                Ok(0) => return (SessionEnd::Lost(DisconnectReason::Unplugged), got_data),
                Ok(n) => {
                    got_data = true;
                    asm.push(&buf[..n], Instant::now(), &mut out);
                    for a in out.drain(..) {
                        if !self.emit(a) {
                            return (SessionEnd::Quit, got_data);
                        }
                    }
                }
                Err(e) => match e.kind() {
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => {}
                    io::ErrorKind::BrokenPipe
                    | io::ErrorKind::UnexpectedEof
                    | io::ErrorKind::NotFound
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted => {
                        return (SessionEnd::Lost(DisconnectReason::Unplugged), got_data)
                    }
                    _ => return (SessionEnd::Lost(DisconnectReason::Io(e.to_string())), got_data),
                },
            }
        }
    }

    /// Turns assembler output into an event. Returns false when the app is gone.
    fn emit(&self, a: Assembled) -> bool {
        let port = self.config.path.clone();
        let ev = match a {
            Assembled::Frame { bytes, first_byte_at, ended_at } => match decode_frame(&bytes) {
                Ok(d) => ReaderEvent::Frame {
                    port,
                    symbology: d.symbology,
                    text: d.text,
                    raw_len: bytes.len(),
                    first_byte_to_end: ended_at.saturating_duration_since(first_byte_at),
                },
                Err(reason) => {
                    tracing::warn!(port = %port, len = bytes.len(), %reason, "unreadable scan");
                    ReaderEvent::Unreadable { port, reason }
                }
            },
            Assembled::Oversize { limit } => {
                tracing::warn!(port = %port, limit, "scan longer than the limit discarded");
                ReaderEvent::Unreadable { port, reason: UnreadableReason::TooLong { limit } }
            }
            Assembled::PartialDropped { len } => {
                let warning = ReaderWarning::PartialFrameDropped { len };
                tracing::warn!(port = %port, %warning, "partial scan dropped");
                ReaderEvent::Warning { port, warning }
            }
        };
        self.send(ev)
    }

    fn send(&self, ev: ReaderEvent) -> bool {
        self.events.send(ev).is_ok()
    }

    fn send_stopped(&self) {
        let _ = self.send(ReaderEvent::Disconnected {
            port: self.config.path.clone(),
            reason: DisconnectReason::Stopped,
        });
    }

    fn stop_requested(&self) -> bool {
        !matches!(self.stop_rx.try_recv(), Err(TryRecvError::Empty))
    }
}

/// Opens the port by its configured path (symlinks followed by the kernel at each open).
fn open_port(config: &ReaderConfig) -> Result<TTYPort, DisconnectReason> {
    serialport::new(&config.path, config.baud)
        .timeout(config.poll_interval)
        .open_native()
        .map_err(|e| map_open_error(&e))
}

/// Opens and closes `path` exactly as the reader thread does: `Ok` when a
/// reader there is present and free (technician checks such as `doctor`).
pub fn probe_port(path: &str, baud: u32) -> Result<(), DisconnectReason> {
    serialport::new(path, baud)
        .timeout(Duration::from_millis(50))
        .open_native()
        .map(drop)
        .map_err(|e| map_open_error(&e))
}

/// Maps serialport's open error to a plain reason. serialport reports EBUSY (TIOCEXCL
/// held by another process) and a refused exclusive `flock` as `NoDevice`.
pub fn map_open_error(e: &serialport::Error) -> DisconnectReason {
    use serialport::ErrorKind as K;
    match e.kind() {
        K::NoDevice => DisconnectReason::Busy,
        K::Io(io::ErrorKind::NotFound) => DisconnectReason::NotFound,
        K::Io(io::ErrorKind::PermissionDenied) => DisconnectReason::PermissionDenied,
        _ => DisconnectReason::OpenFailed(e.description.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_strips_aim_prefix_and_normalises_to_nfc() {
        // Must hold: "]Q1" is split off, NFD letters come out precomposed (NFC).
        let nfd = "]Q1Nguye\u{302}\u{303}n";
        let d = decode_frame(nfd.as_bytes()).unwrap();
        assert_eq!(d.symbology.as_deref(), Some("]Q1"));
        assert_eq!(d.text, "Nguyễn");
        assert_eq!(d.text.chars().count(), 6);
    }

    #[test]
    fn decode_without_prefix_keeps_text() {
        // Must hold: text that merely starts with ']' but no AIM id is left alone.
        assert_eq!(decode_frame(b"ABC").unwrap(), DecodedFrame { symbology: None, text: "ABC".into() });
        assert_eq!(decode_frame(b"]").unwrap().symbology, None);
        assert_eq!(decode_frame(b"]-1x").unwrap(), DecodedFrame { symbology: None, text: "]-1x".into() });
        assert_eq!(
            decode_frame(b"]C0").unwrap(),
            DecodedFrame { symbology: Some("]C0".into()), text: String::new() }
        );
    }

    #[test]
    fn decode_rejects_invalid_utf8_with_position() {
        // Must hold: a Latin-1 byte is reported, not replaced or panicked on.
        assert_eq!(decode_frame(b"Nguy\xean"), Err(UnreadableReason::InvalidUtf8 { valid_up_to: 4 }));
        // A letter cut in two (what per-read decoding would see) is also invalid.
        let cut = &"ữ".as_bytes()[..2];
        assert!(decode_frame(cut).is_err());
    }

    #[test]
    fn busy_errors_are_reported_as_busy() {
        // Must hold: serialport's NoDevice (EBUSY / refused flock) reads as "in use by another program".
        let e = serialport::Error::new(serialport::ErrorKind::NoDevice, "Device or resource busy");
        assert_eq!(map_open_error(&e), DisconnectReason::Busy);
        assert!(DisconnectReason::Busy.to_string().contains("in use by another program"));
        let e = serialport::Error::new(serialport::ErrorKind::Io(io::ErrorKind::NotFound), "No such file");
        assert_eq!(map_open_error(&e), DisconnectReason::NotFound);
    }
}
