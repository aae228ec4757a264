//! TLS between the centre and its devices (rustls, ring provider).
//!
//! * The centre serves HTTPS from a PEM certificate chain and key (`tls.cert`,
//!   `tls.key`); `centre tls init` ([`init`]) makes a small local CA and that
//!   certificate for offices without a PKI.
//! * Devices trust the centre by a pinned SHA-256 fingerprint of its certificate
//!   or of its CA (`tls.pin`, [`PinVerifier`]), or by a CA file (`tls.ca`), or
//!   else by the public roots (a centre with a certificate of the office's domain).
//! * Plain `http://` is for loopback, unless `tls.insecure_http` says otherwise.

pub mod init;
mod verify;

pub use self::verify::PinVerifier;

use crate::config::{parse_pin, TlsConfig};
use rustls::crypto::CryptoProvider;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

/// The crypto provider used on both sides (the one reqwest already links).
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// SHA-256 of a DER certificate.
pub fn fingerprint(der: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, der);
    d.as_ref().try_into().expect("SHA-256 is 32 bytes")
}

/// A pin as written in the config: `sha256:` and 64 lower-case hex digits.
pub fn format_pin(fp: &[u8; 32]) -> String {
    let hex: String = fp.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The certificates of a PEM file, in order.
pub fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("cannot read certificates from {}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{} holds no PEM certificate", path.display()));
    }
    Ok(certs)
}

/// The pin of the last certificate in a PEM file: the CA in a chain written by
/// `centre tls init` (what provisioning hands to a new device).
pub fn pin_of_file(path: &Path) -> Result<String, String> {
    let certs = read_certs(path)?;
    Ok(format_pin(&fingerprint(certs.last().expect("read_certs refuses an empty file"))))
}

/// The centre's HTTPS configuration from `tls.cert` and `tls.key`.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, String> {
    let certs = read_certs(cert)?;
    let key_der = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("cannot read the private key {}: {e}", key.display()))?;
    let mut cfg = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| format!("{} and {} do not make a certificate: {e}", cert.display(), key.display()))?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

/// How a device trusts the centre.
#[derive(Clone, Default)]
pub struct ClientTrust {
    /// A custom TLS configuration (pin or CA file); `None`: the public roots.
    pub tls: Option<rustls::ClientConfig>,
    /// Plain `http://` to another machine is accepted.
    pub insecure_http: bool,
}

impl std::fmt::Debug for ClientTrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTrust")
            .field("custom_tls", &self.tls.is_some())
            .field("insecure_http", &self.insecure_http)
            .finish()
    }
}

impl ClientTrust {
    /// From `[tls]`: the pin wins over the CA file; a centre's own `tls.cert`
    /// chain serves as CA file on the centre machine (the counter CLI there).
    pub fn from_config(tls: &TlsConfig) -> Result<ClientTrust, String> {
        let insecure_http = tls.insecure_http;
        if !tls.pin.is_empty() {
            let pin = parse_pin(&tls.pin)
                .ok_or_else(|| format!("tls.pin `{}` is not a SHA-256 fingerprint", tls.pin))?;
            return Ok(ClientTrust { tls: Some(pinned_client(pin)), insecure_http });
        }
        let ca = if tls.ca.is_empty() { &tls.cert } else { &tls.ca };
        if ca.is_empty() {
            return Ok(ClientTrust { tls: None, insecure_http });
        }
        Ok(ClientTrust { tls: Some(ca_client(Path::new(ca))?), insecure_http })
    }
}

fn with_alpn(mut cfg: rustls::ClientConfig) -> rustls::ClientConfig {
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    cfg
}

/// A client that accepts only a chain matching `pin` (see [`PinVerifier`]).
pub fn pinned_client(pin: [u8; 32]) -> rustls::ClientConfig {
    let cfg = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinVerifier::new(pin, provider())))
        .with_no_client_auth();
    with_alpn(cfg)
}

/// A client that trusts the CA certificates of a PEM file, and nothing else.
pub fn ca_client(path: &Path) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    for c in read_certs(path)? {
        roots.add(c).map_err(|e| format!("{}: not a usable CA certificate: {e}", path.display()))?;
    }
    let cfg = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(with_alpn(cfg))
}

/// How a device's link to the centre is protected (shown in diagnostics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkSecurity {
    /// The built-in centre in this process: no network.
    BuiltIn,
    /// Plain HTTP on this machine: never on the network.
    Loopback,
    /// HTTPS; `pinned` when the certificate is pinned or a CA file is given.
    Https { pinned: bool },
    /// Plain HTTP to another machine (`tls.insecure_http`): tokens and
    /// citizens' data cross the network in clear.
    Insecure,
}

impl LinkSecurity {
    pub fn of(cfg: &crate::config::Config) -> LinkSecurity {
        let url = &cfg.centre.url;
        if url.is_empty() {
            LinkSecurity::BuiltIn
        } else if url.starts_with("https://") {
            LinkSecurity::Https { pinned: !cfg.tls.pin.is_empty() || !cfg.tls.ca.is_empty() }
        } else if is_loopback_host(url_host(url)) {
            LinkSecurity::Loopback
        } else {
            LinkSecurity::Insecure
        }
    }
}

/// Whether a URL's host is this machine (plain HTTP there never leaves it).
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The host of an `http(s)://host[:port][/…]` URL.
pub fn url_host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    if authority.starts_with('[') {
        return authority.split_once(']').map_or(authority, |(h, _)| &h[1..]);
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_loopback() {
        assert_eq!(url_host("http://10.0.0.5:8700"), "10.0.0.5");
        assert_eq!(url_host("https://centre.local/api"), "centre.local");
        assert_eq!(url_host("http://[::1]:8700/"), "::1");
        assert!(is_loopback_host(url_host("http://127.0.0.1:8700")));
        assert!(is_loopback_host(url_host("http://127.4.0.9:1")));
        assert!(is_loopback_host(url_host("http://localhost:8700")));
        assert!(is_loopback_host(url_host("http://[::1]:8700")));
        assert!(!is_loopback_host(url_host("http://10.0.0.5:8700")));
        assert!(!is_loopback_host(url_host("http://127.0.0.1.evil.example:80")));
    }

    #[test]
    fn pins_print_as_the_config_reads_them() {
        let fp = fingerprint(b"x");
        assert_eq!(parse_pin(&format_pin(&fp)), Some(fp));
        assert_eq!(format_pin(&fp).len(), 7 + 64);
    }
}
