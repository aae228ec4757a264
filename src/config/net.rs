//! The `[tls]` and `[limits]` sections: how the centre is reached safely on a
//! shared hall network, and how much one client may take from it.

use super::validate::{issue, ConfigIssue};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(default)]
pub struct TlsConfig {
    /// Centre: certificate chain (PEM, the server's certificate first). With
    /// `key`, the centre serves HTTPS only.
    pub cert: String,
    /// Centre: the certificate's private key (PEM, readable by the centre only).
    pub key: String,
    /// Kiosks, displays, counter terminals: trust this CA file (PEM) for `https://`.
    pub ca: String,
    /// Kiosks, displays, counter terminals: trust only a certificate with this
    /// SHA-256 fingerprint (the centre's or its CA's), `sha256:` + 64 hex digits.
    pub pin: String,
    /// Accept plain `http://` to a centre that is not on this machine: tokens and
    /// identity data then cross the network in clear. Shown in red in diagnostics.
    pub insecure_http: bool,
}

impl TlsConfig {
    /// The centre serves HTTPS.
    pub fn serves_https(&self) -> bool {
        !self.cert.is_empty() || !self.key.is_empty()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct LimitsConfig {
    /// A client must send a request's headers within this time of connecting
    /// (or of its first byte on a kept-alive connection); the TLS handshake too.
    pub header_timeout_ms: u64,
    /// A kept-alive connection with no request is closed after this time (at
    /// least 10 s: devices drop idle connections after 8 s, before the centre does).
    pub idle_timeout_ms: u64,
    /// Connections open at once; more are refused at once.
    pub max_connections: u32,
    /// Connections open at once from one address (0: no per-address cap).
    pub max_connections_per_address: u32,
    /// Event streams open at once per device token.
    pub streams_per_device: u32,
    /// A request other than the event stream must be answered within this time.
    pub request_timeout_ms: u64,
    /// Writes waiting for the writer thread; more get 503 `busy`.
    pub writer_queue: u32,
    /// Dossier lookups per minute, per device and per address (`0`: unlimited).
    pub dossier_per_minute: u32,
    /// Lookups allowed at once above that pace.
    pub dossier_burst: u32,
    /// Ratings and their ticket look-ups per minute, per device and per address.
    pub rating_per_minute: u32,
    pub rating_burst: u32,
    /// Ticket issues (offline replays included) per minute, per device and per address.
    pub ticket_per_minute: u32,
    pub ticket_burst: u32,
    /// Public ticket status and phone page per minute, per address.
    pub public_per_minute: u32,
    pub public_burst: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            header_timeout_ms: 5_000,
            idle_timeout_ms: 20_000,
            max_connections: 512,
            max_connections_per_address: 128,
            streams_per_device: 4,
            request_timeout_ms: 10_000,
            writer_queue: 1024,
            dossier_per_minute: 30,
            dossier_burst: 20,
            rating_per_minute: 30,
            rating_burst: 20,
            ticket_per_minute: 120,
            ticket_burst: 60,
            public_per_minute: 600,
            public_burst: 120,
        }
    }
}

/// A certificate pin: `sha256:` and 64 hex digits; colons and case are free
/// (`openssl x509 -fingerprint -sha256` prints `AB:CD:…`).
pub fn parse_pin(s: &str) -> Option<[u8; 32]> {
    let s = s.trim();
    let hex = s.strip_prefix("sha256:").or_else(|| s.strip_prefix("SHA256:")).unwrap_or(s);
    let hex: Vec<u8> = hex.bytes().filter(|b| *b != b':').collect();
    if hex.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in hex.chunks(2).enumerate() {
        let digit = |b: u8| (b as char).to_digit(16);
        out[i] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some(out)
}

fn check_file(out: &mut Vec<ConfigIssue>, key: &str, path: &str, hint: &str) {
    if !path.is_empty() && !std::path::Path::new(path).is_file() {
        out.push(issue(key, format!("`{path}` is not a readable file"), hint));
    }
}

pub(super) fn validate(tls: &TlsConfig, l: &LimitsConfig, out: &mut Vec<ConfigIssue>) {
    let init = "make them with: motcua-kiosk centre tls init --name NAME --ip ADDR";
    if tls.cert.is_empty() != tls.key.is_empty() {
        let key = if tls.cert.is_empty() { "tls.cert" } else { "tls.key" };
        out.push(issue(key, "tls.cert and tls.key go together", init));
    }
    check_file(out, "tls.cert", &tls.cert, init);
    check_file(out, "tls.key", &tls.key, init);
    check_file(out, "tls.ca", &tls.ca, "the ca.pem written by `centre tls init` on the centre");
    if !tls.pin.is_empty() && parse_pin(&tls.pin).is_none() {
        out.push(issue(
            "tls.pin",
            "is not a SHA-256 fingerprint",
            "\"sha256:\" and 64 hex digits, as printed by `centre tls init`",
        ));
    }
    let ranges: [(&str, u64, u64, u64, &str); 7] = [
        ("limits.header_timeout_ms", l.header_timeout_ms, 500, 60_000, "5000"),
        ("limits.idle_timeout_ms", l.idle_timeout_ms, 10_000, 600_000, "20000"),
        ("limits.max_connections", l.max_connections.into(), 8, 100_000, "512"),
        ("limits.max_connections_per_address", l.max_connections_per_address.into(), 0, 100_000, "128"),
        ("limits.streams_per_device", l.streams_per_device.into(), 1, 1_000, "4"),
        ("limits.request_timeout_ms", l.request_timeout_ms, 500, 300_000, "10000"),
        ("limits.writer_queue", l.writer_queue.into(), 1, 1_000_000, "1024"),
    ];
    for (key, v, lo, hi, hint) in ranges {
        if !(lo..=hi).contains(&v) {
            out.push(issue(key, format!("must be {lo}-{hi}"), hint));
        }
    }
    let rates = [
        ("limits.dossier_burst", l.dossier_per_minute, l.dossier_burst),
        ("limits.rating_burst", l.rating_per_minute, l.rating_burst),
        ("limits.ticket_burst", l.ticket_per_minute, l.ticket_burst),
        ("limits.public_burst", l.public_per_minute, l.public_burst),
    ];
    for (key, per_minute, burst) in rates {
        if per_minute > 0 && burst == 0 {
            out.push(issue(key, "must be at least 1 when the rate is limited", "10"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_parse_in_both_spellings() {
        let hex = "ab".repeat(32);
        let colons = vec!["AB"; 32].join(":");
        assert_eq!(parse_pin(&format!("sha256:{hex}")), Some([0xab; 32]));
        assert_eq!(parse_pin(&colons), Some([0xab; 32]));
        assert_eq!(parse_pin("sha256:abcd"), None);
        assert_eq!(parse_pin(&"zz".repeat(32)), None);
    }

    #[test]
    fn tls_mistakes_are_named_by_key() {
        let mut out = Vec::new();
        let tls = TlsConfig {
            cert: "/nonexistent/server.pem".into(),
            pin: "sha256:12".into(),
            ..TlsConfig::default()
        };
        validate(&tls, &LimitsConfig::default(), &mut out);
        let keys: Vec<_> = out.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["tls.key", "tls.cert", "tls.pin"], "{out:?}");
    }
}
