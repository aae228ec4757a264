//! Printer address from the configuration:
//!
//! - `serial:///dev/ttyUSB0?baud=19200&flow=rtscts` (baud default 19200, flow
//!   `none` | `xonxoff` | `rtscts`, default none)
//! - `file:///dev/usb/lp0` (USB printer class device), or any absolute file path
//!   (the job is appended: handy for tests and for a kiosk without a printer)
//! - `tcp://192.168.1.50:9100` (port default 9100; IPv6 as `tcp://[fe80::1]:9100`)

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

pub const DEFAULT_SERIAL_BAUD: u32 = 19200;
pub const DEFAULT_TCP_PORT: u16 = 9100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flow {
    #[default]
    None,
    XonXoff,
    RtsCts,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterUri {
    Serial { path: String, baud: u32, flow: Flow },
    File { path: PathBuf },
    Tcp { host: String, port: u16 },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UriError {
    #[error("printer address is empty (examples: file:///dev/usb/lp0, serial:///dev/ttyUSB0?baud=19200, tcp://192.168.1.50:9100)")]
    Empty,
    #[error("printer address '{0}' has no scheme: write file://{0} for a USB printer or serial://{0} for a serial one")]
    MissingScheme(String),
    #[error("unknown printer scheme '{0}': use serial://, file:// or tcp://")]
    UnknownScheme(String),
    #[error("{scheme}:// needs an absolute path after it, e.g. {scheme}:///dev/...; got '{got}'")]
    NotAbsolute { scheme: &'static str, got: String },
    #[error("bad baud rate '{0}': a positive number such as 9600, 19200, 38400 or 115200")]
    BadBaud(String),
    #[error("bad flow control '{0}': use none, xonxoff or rtscts")]
    BadFlow(String),
    #[error("unknown option '{key}' for {scheme}:// (allowed: {allowed})")]
    UnknownOption { scheme: &'static str, key: String, allowed: &'static str },
    #[error("tcp:// needs a host, e.g. tcp://192.168.1.50:9100")]
    MissingHost,
    #[error("bad TCP port '{0}': a number from 1 to 65535 (printers listen on 9100)")]
    BadPort(String),
    #[error("printer host '{0}' is not a host name or address (an IPv6 address goes in brackets: tcp://[fe80::1]:9100)")]
    BadHost(String),
}

impl PrinterUri {
    pub fn parse(s: &str) -> Result<Self, UriError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(UriError::Empty);
        }
        let Some((scheme, rest)) = s.split_once("://") else {
            return Err(UriError::MissingScheme(s.to_owned()));
        };
        let (body, query) = match rest.split_once('?') {
            Some((b, q)) => (b, Some(q)),
            None => (rest, None),
        };
        let params = parse_query(query);
        match scheme.to_ascii_lowercase().as_str() {
            "serial" => {
                if !body.starts_with('/') {
                    return Err(UriError::NotAbsolute { scheme: "serial", got: body.to_owned() });
                }
                let mut baud = DEFAULT_SERIAL_BAUD;
                let mut flow = Flow::None;
                for (k, v) in params {
                    match k {
                        "baud" => {
                            baud = v
                                .parse()
                                .ok()
                                .filter(|b| *b > 0)
                                .ok_or_else(|| UriError::BadBaud(v.to_owned()))?
                        }
                        "flow" => {
                            flow = match v.to_ascii_lowercase().as_str() {
                                "none" | "" => Flow::None,
                                "xonxoff" | "software" => Flow::XonXoff,
                                "rtscts" | "hardware" => Flow::RtsCts,
                                _ => return Err(UriError::BadFlow(v.to_owned())),
                            }
                        }
                        _ => {
                            return Err(UriError::UnknownOption {
                                scheme: "serial",
                                key: k.to_owned(),
                                allowed: "baud, flow",
                            })
                        }
                    }
                }
                Ok(Self::Serial { path: body.to_owned(), baud, flow })
            }
            "file" => {
                if !body.starts_with('/') {
                    return Err(UriError::NotAbsolute { scheme: "file", got: body.to_owned() });
                }
                if let Some((k, _)) = params.into_iter().next() {
                    return Err(UriError::UnknownOption {
                        scheme: "file",
                        key: k.to_owned(),
                        allowed: "none",
                    });
                }
                Ok(Self::File { path: PathBuf::from(body) })
            }
            "tcp" => {
                if let Some((k, _)) = params.into_iter().next() {
                    return Err(UriError::UnknownOption {
                        scheme: "tcp",
                        key: k.to_owned(),
                        allowed: "none",
                    });
                }
                let hostport = body.strip_suffix('/').unwrap_or(body);
                let (host, port) = split_host_port(hostport)?;
                Ok(Self::Tcp { host, port })
            }
            other => Err(UriError::UnknownScheme(other.to_owned())),
        }
    }

    /// The device or host, for messages.
    pub fn target(&self) -> String {
        match self {
            Self::Serial { path, .. } => path.clone(),
            Self::File { path } => path.display().to_string(),
            Self::Tcp { host, port } => format_host_port(host, *port),
        }
    }
}

fn format_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn parse_query(q: Option<&str>) -> Vec<(&str, &str)> {
    q.map(|q| q.split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, ""))).collect())
        .unwrap_or_default()
}

fn split_host_port(s: &str) -> Result<(String, u16), UriError> {
    let (host, port) = if let Some(rest) = s.strip_prefix('[') {
        let (h, after) = rest.split_once(']').ok_or(UriError::MissingHost)?;
        // In brackets only an IPv6 address (it has colons), as it is written back.
        if !h.is_empty() && (!h.contains(':') || h.contains('[')) {
            return Err(UriError::BadHost(h.to_owned()));
        }
        match after.strip_prefix(':') {
            Some(p) => (h, Some(p)),
            None if after.is_empty() => (h, None),
            None => return Err(UriError::BadPort(after.to_owned())),
        }
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    if host.is_empty() || host.contains('/') {
        return Err(UriError::MissingHost);
    }
    // Without brackets a colon or bracket would be read back differently
    // (found by the fuzz harness: `tcp://a::b]:9100`).
    if !s.starts_with('[') && host.contains([':', '[', ']']) {
        return Err(UriError::BadHost(host.to_owned()));
    }
    let port = match port {
        None => DEFAULT_TCP_PORT,
        Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| UriError::BadPort(p.to_owned()))?,
    };
    Ok((host.to_owned(), port))
}

impl FromStr for PrinterUri {
    type Err = UriError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for PrinterUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Serial { path, baud, flow } => {
                write!(f, "serial://{path}?baud={baud}")?;
                match flow {
                    Flow::None => Ok(()),
                    Flow::XonXoff => f.write_str("&flow=xonxoff"),
                    Flow::RtsCts => f.write_str("&flow=rtscts"),
                }
            }
            Self::File { path } => write!(f, "file://{}", path.display()),
            Self::Tcp { host, port } => write!(f, "tcp://{}", format_host_port(host, *port)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_addresses_parse() {
        // Must hold: the three documented forms parse with their defaults and round-trip.
        let cases = [
            (
                "serial:///dev/ttyUSB0?baud=19200",
                PrinterUri::Serial { path: "/dev/ttyUSB0".into(), baud: 19200, flow: Flow::None },
            ),
            (
                "serial:///dev/serial/by-id/usb-Epson-if00?flow=rtscts&baud=115200",
                PrinterUri::Serial {
                    path: "/dev/serial/by-id/usb-Epson-if00".into(),
                    baud: 115200,
                    flow: Flow::RtsCts,
                },
            ),
            (
                "serial:///dev/ttyS0",
                PrinterUri::Serial { path: "/dev/ttyS0".into(), baud: 19200, flow: Flow::None },
            ),
            ("file:///dev/usb/lp0", PrinterUri::File { path: "/dev/usb/lp0".into() }),
            (" tcp://192.168.1.50:9100 ", PrinterUri::Tcp { host: "192.168.1.50".into(), port: 9100 }),
            ("TCP://printer.local", PrinterUri::Tcp { host: "printer.local".into(), port: 9100 }),
            ("tcp://[fe80::1]:9101/", PrinterUri::Tcp { host: "fe80::1".into(), port: 9101 }),
        ];
        for (s, want) in cases {
            let got = PrinterUri::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(got, want, "{s}");
            assert_eq!(PrinterUri::parse(&got.to_string()).unwrap(), want, "round trip of {s}");
        }
    }

    #[test]
    fn bad_addresses_say_what_is_wrong() {
        // Must hold: each mistake gets its own error, and messages carry a usable hint.
        let cases: [(&str, UriError); 14] = [
            ("", UriError::Empty),
            ("/dev/usb/lp0", UriError::MissingScheme("/dev/usb/lp0".into())),
            ("usb:///dev/usb/lp0", UriError::UnknownScheme("usb".into())),
            ("file://dev/usb/lp0", UriError::NotAbsolute { scheme: "file", got: "dev/usb/lp0".into() }),
            ("serial:///dev/ttyUSB0?baud=fast", UriError::BadBaud("fast".into())),
            ("serial:///dev/ttyUSB0?baud=0", UriError::BadBaud("0".into())),
            ("serial:///dev/ttyUSB0?flow=maybe", UriError::BadFlow("maybe".into())),
            (
                "serial:///dev/ttyUSB0?speed=9600",
                UriError::UnknownOption { scheme: "serial", key: "speed".into(), allowed: "baud, flow" },
            ),
            ("tcp://:9100", UriError::MissingHost),
            ("tcp://host:99999", UriError::BadPort("99999".into())),
            // Regression (fuzz): an unbracketed host with colons wrote back as an address that does not parse.
            ("tcp://true0::retry:1]:9100", UriError::BadHost("true0::retry:1]".into())),
            ("tcp://fe80::1", UriError::BadHost("fe80:".into())),
            ("tcp://[[x]:9100", UriError::BadHost("[x".into())),
            ("tcp://[printer]:9100", UriError::BadHost("printer".into())),
        ];
        for (s, want) in cases {
            assert_eq!(PrinterUri::parse(s), Err(want), "{s}");
        }
        assert!(UriError::MissingScheme("/dev/usb/lp0".into()).to_string().contains("file:///dev/usb/lp0"));
    }
}
