//! `motcua-kiosk centre tls init`: a small local CA and the centre's server
//! certificate for its LAN names and addresses (ECDSA P-256).
//!
//! The CA is kept and reused when the command runs again (a new address, a
//! renewal), so devices that pinned the CA keep trusting the centre.

use super::{fingerprint, format_pin};
use chrono::{Datelike, Duration, Utc};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyPair, KeyUsagePurpose,
};
use std::io::Write;
use std::net::IpAddr;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Days a server certificate is valid by default (the longest some phones accept).
pub const DEFAULT_DAYS: u32 = 825;
/// Years the CA is valid.
const CA_YEARS: i32 = 20;

pub const CA_CERT: &str = "ca.pem";
pub const CA_KEY: &str = "ca.key";
pub const SERVER_CERT: &str = "server.pem";
pub const SERVER_KEY: &str = "server.key";

#[derive(Debug, Clone)]
pub struct InitOptions {
    pub dir: PathBuf,
    /// DNS names of the centre on the LAN.
    pub names: Vec<String>,
    pub ips: Vec<IpAddr>,
    pub days: u32,
}

#[derive(Debug, Clone)]
pub struct InitOutcome {
    pub ca_pin: String,
    pub server_pin: String,
    /// A new CA was made (else the existing one signed the certificate).
    pub new_ca: bool,
    pub dir: PathBuf,
}

/// The CA's fixed parameters: rebuilt from them (with the kept key) to sign again.
fn ca_params() -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "motcua-kiosk local CA");
    dn.push(DnType::OrganizationName, "motcua-kiosk");
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p
}

/// Writes `contents` to `path` with `mode`, replacing it atomically.
fn write_file(path: &Path, contents: &str, mode: u32) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(mode).open(&tmp)?;
    f.write_all(contents.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Makes (or reuses) the CA in `opts.dir` and a server certificate for the
/// given names and addresses (plus localhost, 127.0.0.1 and ::1, so the
/// centre machine itself can connect).
pub fn init(opts: &InitOptions) -> anyhow::Result<InitOutcome> {
    if opts.names.is_empty() && opts.ips.is_empty() {
        anyhow::bail!("give the centre's LAN name (--name) or address (--ip) that devices use in centre.url");
    }
    if !(1..=3650).contains(&opts.days) {
        anyhow::bail!("--days must be 1-3650");
    }
    std::fs::create_dir_all(&opts.dir)?;
    std::fs::set_permissions(&opts.dir, std::fs::Permissions::from_mode(0o700))?;
    let now = Utc::now();
    let day = |d: chrono::DateTime<Utc>| rcgen::date_time_ymd(d.year(), d.month() as u8, d.day() as u8);
    let (ca_key_path, ca_cert_path) = (opts.dir.join(CA_KEY), opts.dir.join(CA_CERT));
    let new_ca = !(ca_key_path.is_file() && ca_cert_path.is_file());
    let (ca_key, ca_pem) = if new_ca {
        let key = KeyPair::generate()?;
        let mut p = ca_params();
        p.not_before = day(now - Duration::days(1));
        p.not_after = day(now + Duration::days(365 * i64::from(CA_YEARS)));
        let cert = p.self_signed(&key)?;
        write_file(&ca_key_path, &key.serialize_pem(), 0o600)?;
        write_file(&ca_cert_path, &cert.pem(), 0o644)?;
        (key, cert.pem())
    } else {
        let key = KeyPair::from_pem(&std::fs::read_to_string(&ca_key_path)?)
            .map_err(|e| anyhow::anyhow!("{} is not a usable key: {e}", ca_key_path.display()))?;
        (key, std::fs::read_to_string(&ca_cert_path)?)
    };
    let ca_der = super::read_certs(&ca_cert_path).map_err(anyhow::Error::msg)?.remove(0);
    let issuer = Issuer::new(ca_params(), ca_key);

    let mut sans: Vec<String> = opts.names.clone();
    sans.extend(opts.ips.iter().map(|ip| ip.to_string()));
    for local in ["localhost", "127.0.0.1", "::1"] {
        if !sans.iter().any(|s| s == local) {
            sans.push(local.into());
        }
    }
    let mut p = CertificateParams::new(sans)?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, opts.names.first().cloned().unwrap_or_else(|| opts.ips[0].to_string()));
    dn.push(DnType::OrganizationName, "motcua-kiosk");
    p.distinguished_name = dn;
    p.not_before = day(now - Duration::days(1));
    p.not_after = day(now + Duration::days(i64::from(opts.days)));
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    p.use_authority_key_identifier_extension = true;
    let key = KeyPair::generate()?;
    let cert = p.signed_by(&key, &issuer)?;
    write_file(&opts.dir.join(SERVER_KEY), &key.serialize_pem(), 0o600)?;
    // The chain: the server's certificate, then the CA (so a CA pin can be checked).
    write_file(&opts.dir.join(SERVER_CERT), &format!("{}{}", cert.pem(), ca_pem), 0o644)?;
    Ok(InitOutcome {
        ca_pin: format_pin(&fingerprint(&ca_der)),
        server_pin: format_pin(&fingerprint(cert.der())),
        new_ca,
        dir: opts.dir.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_private_and_the_ca_is_reused() {
        let dir = tempfile::tempdir().unwrap();
        let opts = InitOptions {
            dir: dir.path().join("tls"),
            names: vec!["centre.local".into()],
            ips: vec!["10.0.0.5".parse().unwrap()],
            days: 30,
        };
        let first = init(&opts).unwrap();
        assert!(first.new_ca);
        for (f, mode) in [(CA_KEY, 0o600), (SERVER_KEY, 0o600), (CA_CERT, 0o644), (SERVER_CERT, 0o644)] {
            let m = std::fs::metadata(opts.dir.join(f)).unwrap().permissions().mode() & 0o777;
            assert_eq!(m, mode, "{f}");
        }
        let chain = super::super::read_certs(&opts.dir.join(SERVER_CERT)).unwrap();
        assert_eq!(chain.len(), 2, "server certificate then CA");
        assert_eq!(format_pin(&fingerprint(&chain[1])), first.ca_pin);
        let again = init(&opts).unwrap();
        assert!(!again.new_ca);
        assert_eq!(again.ca_pin, first.ca_pin, "devices that pinned the CA keep trusting the centre");
        assert_ne!(again.server_pin, first.server_pin);
        assert!(init(&InitOptions { names: vec![], ips: vec![], ..opts }).is_err());
    }
}
