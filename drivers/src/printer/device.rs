//! An open printer: write jobs, read real-time status. Every blocking step has a
//! timeout, so a printer that is off, jammed or silent gives `Err(Timeout)` instead
//! of hanging the kiosk.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::time::{Duration, Instant};

use serialport::{SerialPort, TTYPort};

use super::escpos;
use super::status::{is_status_byte, PrinterStatus, STATUS_QUERIES};
use super::uri::{Flow, PrinterUri, UriError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterOptions {
    /// Connect timeout (TCP) and total time for one [`Printer::status`] call.
    pub timeout: Duration,
    /// A write that makes no progress for this long fails (printer stalled or off).
    pub write_stall_timeout: Duration,
}

impl Default for PrinterOptions {
    fn default() -> Self {
        Self { timeout: Duration::from_millis(500), write_stall_timeout: Duration::from_secs(5) }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PrinterError {
    #[error(transparent)]
    Uri(#[from] UriError),
    #[error("printer not found at {0} (unplugged, powered off, or wrong path in the configuration)")]
    NotFound(String),
    #[error("printer port {0} is busy: it is in use by another program")]
    Busy(String),
    #[error(
        "permission denied opening {0}: add the kiosk user to the 'lp' (USB) or 'dialout' (serial) group"
    )]
    PermissionDenied(String),
    #[error("cannot connect to the printer at {addr}: {source}")]
    Connect { addr: String, source: io::Error },
    #[error("the printer did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the printer closed the connection")]
    Disconnected,
    #[error("{0} is a plain file: it has no printer status")]
    StatusUnsupported(String),
    #[error("printer I/O error: {0}")]
    Io(#[from] io::Error),
}

enum Conn {
    Serial(TTYPort),
    Tcp(TcpStream),
    /// A character device (USB printer class) opened non-blocking, driven with poll(2).
    Device(File),
    /// A regular file: jobs are appended, there is no status.
    Plain(File),
}

/// An open printer connection.
pub struct Printer {
    uri: PrinterUri,
    conn: Conn,
    opts: PrinterOptions,
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer").field("uri", &self.uri.to_string()).field("opts", &self.opts).finish()
    }
}

impl Printer {
    /// Parses the address and opens it.
    pub fn connect(uri: &str, opts: PrinterOptions) -> Result<Self, PrinterError> {
        Self::open(&PrinterUri::parse(uri)?, opts)
    }

    pub fn open(uri: &PrinterUri, opts: PrinterOptions) -> Result<Self, PrinterError> {
        let conn = match uri {
            PrinterUri::Serial { path, baud, flow } => {
                let flow = match flow {
                    Flow::None => serialport::FlowControl::None,
                    Flow::XonXoff => serialport::FlowControl::Software,
                    Flow::RtsCts => serialport::FlowControl::Hardware,
                };
                let port = serialport::new(path, *baud)
                    .flow_control(flow)
                    .timeout(opts.write_stall_timeout)
                    .open_native()
                    .map_err(|e| match e.kind() {
                        serialport::ErrorKind::NoDevice => PrinterError::Busy(path.clone()),
                        serialport::ErrorKind::Io(io::ErrorKind::NotFound) => {
                            PrinterError::NotFound(path.clone())
                        }
                        serialport::ErrorKind::Io(io::ErrorKind::PermissionDenied) => {
                            PrinterError::PermissionDenied(path.clone())
                        }
                        _ => PrinterError::Io(e.into()),
                    })?;
                Conn::Serial(port)
            }
            PrinterUri::File { path } => {
                let shown = path.display().to_string();
                let map = |e: io::Error| match e.kind() {
                    io::ErrorKind::NotFound => PrinterError::NotFound(shown.clone()),
                    io::ErrorKind::PermissionDenied => PrinterError::PermissionDenied(shown.clone()),
                    _ if e.raw_os_error() == Some(libc::EBUSY) => PrinterError::Busy(shown.clone()),
                    _ => PrinterError::Io(e),
                };
                let is_device =
                    std::fs::metadata(path).map(|m| m.file_type().is_char_device()).unwrap_or(false);
                if is_device {
                    let f = OpenOptions::new()
                        .read(true)
                        .write(true)
                        .custom_flags(libc::O_NONBLOCK)
                        .open(path)
                        .map_err(map)?;
                    Conn::Device(f)
                } else {
                    let f = OpenOptions::new().create(true).append(true).open(path).map_err(map)?;
                    Conn::Plain(f)
                }
            }
            PrinterUri::Tcp { host, port } => {
                let addr = uri.target();
                let addrs: Vec<_> = (host.as_str(), *port)
                    .to_socket_addrs()
                    .map_err(|source| PrinterError::Connect { addr: addr.clone(), source })?
                    .collect();
                let mut last = io::Error::new(io::ErrorKind::NotFound, "host name resolved to no address");
                let mut stream = None;
                for a in addrs {
                    match TcpStream::connect_timeout(&a, opts.timeout.max(Duration::from_millis(1))) {
                        Ok(s) => {
                            stream = Some(s);
                            break;
                        }
                        Err(e) => last = e,
                    }
                }
                let s = stream.ok_or(PrinterError::Connect { addr, source: last })?;
                s.set_nodelay(true)?;
                Conn::Tcp(s)
            }
        };
        Ok(Self { uri: uri.clone(), conn, opts })
    }

    pub fn uri(&self) -> &PrinterUri {
        &self.uri
    }

    /// Sends a job (e.g. [`super::ticket::escpos_job`]). Fails with `Timeout` when the
    /// printer stops accepting data for `write_stall_timeout`.
    pub fn print(&mut self, job: &[u8]) -> Result<(), PrinterError> {
        let stall = self.opts.write_stall_timeout.max(Duration::from_millis(1));
        let timeout = |e: io::Error| match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => PrinterError::Timeout(stall),
            io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset => PrinterError::Disconnected,
            _ => PrinterError::Io(e),
        };
        match &mut self.conn {
            Conn::Serial(p) => {
                p.set_timeout(stall).map_err(io::Error::from)?;
                // No flush: tcdrain has no timeout and would hang on a printer holding CTS.
                // write() waits for buffer space with the stall timeout instead.
                p.write_all(job).map_err(timeout)?;
            }
            Conn::Tcp(s) => {
                s.set_write_timeout(Some(stall))?;
                s.write_all(job).map_err(timeout)?;
            }
            Conn::Plain(f) => {
                f.write_all(job)?;
                f.flush()?;
            }
            Conn::Device(f) => {
                let mut rest = job;
                while !rest.is_empty() {
                    match f.write(rest) {
                        Ok(0) => return Err(PrinterError::Disconnected),
                        Ok(n) => rest = &rest[n..],
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            if !poll_fd(f, libc::POLLOUT, stall)? {
                                return Err(PrinterError::Timeout(stall));
                            }
                        }
                        Err(e) => return Err(timeout(e)),
                    }
                }
            }
        }
        Ok(())
    }

    /// Asks `DLE EOT 1`, `2` and `4` and decodes the answers. The whole exchange is
    /// bounded by the `timeout` option.
    pub fn status(&mut self) -> Result<PrinterStatus, PrinterError> {
        if let Conn::Plain(_) = self.conn {
            return Err(PrinterError::StatusUnsupported(self.uri.target()));
        }
        let total = self.opts.timeout;
        let deadline = Instant::now() + total;
        // Forget bytes left from earlier exchanges, so answers pair with questions
        // (bounded: a printer streaming garbage must not keep us here).
        for _ in 0..4096 {
            if self.read_byte(Instant::now())?.is_none() {
                break;
            }
        }
        let mut answers = [0u8; 3];
        for (i, n) in STATUS_QUERIES.into_iter().enumerate() {
            self.print(&escpos::status_request(n)).map_err(|e| match e {
                PrinterError::Timeout(_) => PrinterError::Timeout(total),
                e => e,
            })?;
            answers[i] = loop {
                match self.read_byte(deadline)? {
                    None => return Err(PrinterError::Timeout(total)),
                    Some(b) if is_status_byte(b) => break b,
                    Some(b) => tracing::debug!(byte = b, "skipping non-status byte from printer"),
                }
            };
        }
        Ok(PrinterStatus::decode(answers[0], answers[1], answers[2]))
    }

    /// Reads one byte, waiting until `deadline` at most (not at all if it has passed).
    fn read_byte(&mut self, deadline: Instant) -> Result<Option<u8>, PrinterError> {
        let wait = deadline.saturating_duration_since(Instant::now());
        let mut b = [0u8; 1];
        let r = match &mut self.conn {
            Conn::Plain(_) => return Ok(None),
            Conn::Serial(p) => {
                p.set_timeout(wait).map_err(io::Error::from)?;
                p.read(&mut b)
            }
            Conn::Tcp(s) => {
                if wait.is_zero() {
                    s.set_nonblocking(true)?;
                    let r = s.read(&mut b);
                    s.set_nonblocking(false)?;
                    r
                } else {
                    s.set_read_timeout(Some(wait))?;
                    s.read(&mut b)
                }
            }
            Conn::Device(f) => {
                if !poll_fd(f, libc::POLLIN, wait)? {
                    return Ok(None);
                }
                f.read(&mut b)
            }
        };
        match r {
            Ok(0) => match self.conn {
                // usblp returns 0 when the printer has nothing to say.
                Conn::Device(_) => Ok(None),
                _ => Err(PrinterError::Disconnected),
            },
            Ok(_) => Ok(Some(b[0])),
            Err(e) => match e.kind() {
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => Ok(None),
                io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset => Err(PrinterError::Disconnected),
                _ => Err(PrinterError::Io(e)),
            },
        }
    }
}

/// poll(2) one descriptor; true when ready, false on timeout.
fn poll_fd(f: &File, events: libc::c_short, timeout: Duration) -> io::Result<bool> {
    let deadline = Instant::now() + timeout;
    loop {
        let ms = deadline.saturating_duration_since(Instant::now()).as_millis().min(i32::MAX as u128)
            as libc::c_int;
        let mut pfd = libc::pollfd { fd: f.as_raw_fd(), events, revents: 0 };
        // SAFETY: one valid pollfd for the duration of the call; the fd is owned by `f`.
        let r = unsafe { libc::poll(&mut pfd, 1, ms) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if r == 0 {
            return Ok(false);
        }
        if pfd.revents & (libc::POLLERR | libc::POLLHUP | libc::POLLNVAL) != 0 && pfd.revents & events == 0 {
            return Err(io::Error::new(io::ErrorKind::BrokenPipe, "printer device hung up"));
        }
        return Ok(true);
    }
}
