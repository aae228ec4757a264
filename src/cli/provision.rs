//! `provision`: on the centre machine, a one-time code for a new device,
//! printed as a QR in the terminal (and as a PNG) with the short code to
//! type. The device scans it in its setup pages and is online in seconds.

use crate::centre::devices::Rules;
use crate::centre::provision::{self, NewCode, DEFAULT_RANGE_SIZE};
use crate::config::Config;
use crate::domain::access::{parse_range, Role};
use crate::domain::localtime::format_time_date;
use crate::domain::provision::{valid_centre_url, ProvisionCode, ProvisionPayload, DATA_LEN};
use crate::store::{self, from_ms, to_ms, Store};
use anyhow::Context;
use qrcode::{Color, EcLevel, QrCode};
use ring::rand::{SecureRandom, SystemRandom};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct ProvisionArgs {
    /// The new device's id (for a kiosk, its kiosk.id), e.g. kiosk-03.
    #[arg(long)]
    pub device: String,
    /// kiosk, display or counter.
    #[arg(long)]
    pub role: String,
    /// How long the code works: 90m, 24h, 3d (at most 7 days).
    #[arg(long, default_value = "24h")]
    pub valid: String,
    /// Kiosk: its offline numbers, FIRST-LAST inside the centre's offline
    /// range; by default the centre allocates a free block when the code is used.
    #[arg(long, value_name = "FIRST-LAST")]
    pub offline_range: Option<String>,
    /// Kiosk: how many numbers the centre allocates.
    #[arg(long, default_value_t = DEFAULT_RANGE_SIZE)]
    pub offline_size: u32,
    /// Counter screen: its counter(s), e.g. 3.
    #[arg(long, value_delimiter = ',')]
    pub counters: Vec<u32>,
    /// The address devices reach this centre at, e.g. https://10.0.0.5:8700
    /// (default: centre.listen when it is a specific address).
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// Also write the QR as a PNG.
    #[arg(long, value_name = "FILE.png")]
    pub png: Option<PathBuf>,
}

/// `90m`, `24h`, `3d`, `45s` in milliseconds.
pub fn parse_validity(s: &str) -> Option<i64> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = num.parse().ok().filter(|n| *n > 0)?;
    let ms = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    n.checked_mul(ms)
}

/// The centre's address for devices: `--url`, else `centre.listen` when it
/// names one address (a wildcard or loopback address is no use to another machine).
fn centre_url(cfg: &Config, url: Option<&str>) -> anyhow::Result<String> {
    let scheme = if cfg.tls.serves_https() { "https" } else { "http" };
    let url = match url {
        Some(u) => u.trim_end_matches('/').to_string(),
        None => {
            let addr: Option<std::net::SocketAddr> = cfg.centre.listen.parse().ok();
            match addr {
                Some(a) if !a.ip().is_unspecified() && !a.ip().is_loopback() => format!("{scheme}://{a}"),
                _ => anyhow::bail!(
                    "give --url with the address devices reach this centre at (e.g. {scheme}://10.0.0.5:8700): \
                     centre.listen `{}` is not an address another machine can use",
                    cfg.centre.listen
                ),
            }
        }
    };
    if !valid_centre_url(&url) {
        anyhow::bail!("--url must be http(s)://HOST[:PORT], not `{url}`");
    }
    Ok(url)
}

/// The QR as text with half blocks (two modules a character), light modules
/// drawn, as `qrencode -t UTF8` does: on a dark terminal it reads as a
/// normal dark-on-light QR.
pub fn qr_text(code: &QrCode) -> String {
    let n = code.width() as i64;
    let colors = code.to_colors();
    let quiet = 2;
    let light =
        |x: i64, y: i64| x < 0 || y < 0 || x >= n || y >= n || colors[(y * n + x) as usize] == Color::Light;
    let mut out = String::new();
    let mut y = -quiet;
    while y < n + quiet {
        for x in -quiet..n + quiet {
            out.push(match (light(x, y), light(x, y + 1)) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        out.push('\n');
        y += 2;
    }
    out
}

/// The QR as a PNG: 8 pixels a module, a 4-module quiet zone, black on white.
pub fn write_png(code: &QrCode, path: &Path) -> anyhow::Result<()> {
    let (n, scale, quiet) = (code.width() as u32, 8u32, 4u32);
    let colors = code.to_colors();
    let side = (n + 2 * quiet) * scale;
    let img = image::GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = ((x / scale) as i64 - quiet as i64, (y / scale) as i64 - quiet as i64);
        let dark = mx >= 0
            && my >= 0
            && mx < n as i64
            && my < n as i64
            && colors[(my as u32 * n + mx as u32) as usize] == Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    });
    img.save_with_format(path, image::ImageFormat::Png)
        .with_context(|| format!("cannot write {}", path.display()))
}

pub fn run(cfg: &Config, a: &ProvisionArgs) -> anyhow::Result<()> {
    let role = match Role::parse(&a.role) {
        Some(r @ (Role::Kiosk | Role::Display | Role::Counter)) => r,
        _ => anyhow::bail!("--role must be kiosk, display or counter, not `{}`", a.role),
    };
    let valid_ms = parse_validity(&a.valid).ok_or_else(|| {
        anyhow::anyhow!("--valid must be a number and s, m, h or d (e.g. 24h), not `{}`", a.valid)
    })?;
    let offline_range = match a.offline_range.as_deref() {
        None => None,
        Some(r) => Some(parse_range(r).ok_or_else(|| {
            anyhow::anyhow!("--offline-range must be FIRST-LAST with 1 <= FIRST <= LAST <= 9999, not `{r}`")
        })?),
    };
    if role != Role::Kiosk && (offline_range.is_some() || a.offline_size != DEFAULT_RANGE_SIZE) {
        anyhow::bail!("only a kiosk has an offline range");
    }
    if a.offline_size == 0 {
        anyhow::bail!("--offline-size must be at least 1");
    }
    let url = centre_url(cfg, a.url.as_deref())?;
    let pin = if cfg.tls.serves_https() {
        Some(crate::centre::tls::pin_of_file(Path::new(&cfg.tls.cert)).map_err(anyhow::Error::msg)?)
    } else {
        None
    };
    let new = NewCode {
        device_id: a.device.clone(),
        role,
        counters: a.counters.clone(),
        offline_range,
        range_size: a.offline_size,
        valid_ms,
    };
    let mut bytes = [0u8; DATA_LEN];
    SystemRandom::new().fill(&mut bytes).map_err(|_| anyhow::anyhow!("the OS random generator failed"))?;
    let code = ProvisionCode::from_random(bytes);
    let path = store::centre_db_path(&cfg.data_dir());
    let db = Store::open(&path)
        .with_context(|| format!("cannot open the centre's database {}", path.display()))?;
    let now = to_ms(chrono::Utc::now());
    provision::create(db.conn(), &Rules::of(cfg), &new, &code, now)?;
    let payload = ProvisionPayload { code: code.clone(), url: url.clone(), pin };
    let qr = QrCode::with_error_correction_level(payload.to_text().as_bytes(), EcLevel::M)
        .context("the provisioning payload does not fit a QR code")?;
    if let Some(p) = &a.png {
        write_png(&qr, p)?;
    }
    let until = format_time_date(from_ms(now + valid_ms), " ");
    let what = match (role, offline_range) {
        (Role::Kiosk, Some((x, y))) => format!(", số ngoại tuyến / offline numbers {x}-{y}"),
        (Role::Kiosk, None) => {
            format!(", {} số ngoại tuyến do trung tâm cấp / offline numbers allocated", a.offline_size)
        }
        (Role::Counter, _) => format!(
            ", quầy / counter {}",
            a.counters.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
        ),
        _ => String::new(),
    };
    println!("Mã cấp phép cho `{}` ({role}{what}): dùng một lần, hết hạn lúc {until}.", a.device);
    println!("Provisioning code for `{}` ({role}): single use, valid until {until}.", a.device);
    println!(
        "Quét bằng đầu đọc của thiết bị trong Cài đặt kỹ thuật > Cấp phép / Scan it in Setup > Provision:"
    );
    println!();
    print!("{}", qr_text(&qr));
    println!();
    println!("Mã để gõ / Code to type: {}", code.grouped());
    println!("Địa chỉ trung tâm / Centre address: {url}");
    if let Some(p) = &a.png {
        println!("PNG: {}", p.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_reads_units_and_refuses_the_rest() {
        assert_eq!(parse_validity("24h"), Some(86_400_000));
        assert_eq!(parse_validity("90m"), Some(5_400_000));
        assert_eq!(parse_validity("3d"), Some(3 * 86_400_000));
        for bad in ["", "h", "0h", "24", "24x", "-1h", "1.5h"] {
            assert_eq!(parse_validity(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_terminal_qr_has_two_modules_a_line() {
        let qr = QrCode::with_error_correction_level(b"MOTCUA-PROVISION:1;code=x", EcLevel::M).unwrap();
        let text = qr_text(&qr);
        let lines: Vec<&str> = text.lines().collect();
        let side = qr.width() + 4;
        assert_eq!(lines.len(), side.div_ceil(2));
        assert!(lines.iter().all(|l| l.chars().count() == side));
        assert!(lines[0].chars().all(|c| c == '█'), "quiet zone on top");
    }
}
