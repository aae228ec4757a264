//! Reading a config text and checking it: unknown keys (with a "did you mean"),
//! wrong types and bad values, each named by its key path with a hint.

use super::Config;
use crate::domain::queue_rules::parse_period;
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub struct ConfigIssue {
    pub key: String,
    pub message: String,
    pub hint: String,
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)?;
        if !self.hint.is_empty() {
            write!(f, " (hint: {})", self.hint)?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("config file {path} is not valid TOML or has a wrong value: {issue}")]
    Parse { path: PathBuf, issue: ConfigIssue },
    #[error("config file {path} has {} problem(s): {}", issues.len(), issues.iter().map(|i| i.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid { path: PathBuf, issues: Vec<ConfigIssue> },
}

pub(super) fn issue(key: &str, message: impl Into<String>, hint: impl Into<String>) -> ConfigIssue {
    ConfigIssue { key: key.into(), message: message.into(), hint: hint.into() }
}

/// Parses config text. Returns the config and the list of problems (unknown keys
/// and bad values); a TOML syntax or type error is returned as `Err`.
pub fn parse(text: &str) -> Result<(Config, Vec<ConfigIssue>), ConfigIssue> {
    let mut unknown: Vec<String> = Vec::new();
    let de = toml::Deserializer::parse(text).map_err(|e| {
        let msg = e.message().to_string();
        issue("(file)", msg, "check the TOML syntax near the reported line")
    })?;
    let mut record = |path: serde_ignored::Path| unknown.push(path.to_string());
    let ignored = serde_ignored::Deserializer::new(de, &mut record);
    let cfg: Config = serde_path_to_error::deserialize(ignored).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        issue(&key, inner.message().to_string(), "see docs/config.md for the expected type")
    })?;
    let mut issues: Vec<ConfigIssue> = unknown
        .into_iter()
        .map(|k| {
            let hint = suggest_key(&k)
                .map(|s| format!("did you mean `{s}`?"))
                .unwrap_or_else(|| "remove it; docs/config.md lists every key".to_string());
            issue(&k, "unknown key", hint)
        })
        .collect();
    issues.extend(validate(&cfg));
    Ok((cfg, issues))
}

/// All known key paths, for "did you mean" hints.
fn known_keys() -> Vec<String> {
    let v = toml::Value::try_from(Config::default()).expect("default config serialises");
    let mut out = Vec::new();
    if let toml::Value::Table(t) = v {
        for (section, inner) in t {
            if let toml::Value::Table(inner) = inner {
                for k in inner.keys() {
                    out.push(format!("{section}.{k}"));
                }
            }
        }
    }
    out
}

fn suggest_key(unknown: &str) -> Option<String> {
    let keys = known_keys();
    let leaf = unknown.rsplit('.').next().unwrap_or(unknown);
    let section = unknown.split('.').next().unwrap_or("");
    // Among equally close keys, the one in the same section (`kiosk.languag`
    // means `kiosk.language`, not `counter.language`).
    keys.into_iter()
        .map(|k| {
            let kl = k.rsplit('.').next().unwrap_or(&k).to_string();
            let other_section = k.split('.').next() != Some(section);
            ((edit_distance(leaf, &kl), other_section), k)
        })
        .filter(|((d, _), _)| *d <= 3)
        .min_by_key(|(rank, _)| *rank)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

pub fn parse_size(s: &str) -> Option<(u32, u32)> {
    let (w, h) = s.split_once(['x', 'X'])?;
    let (w, h) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
    ((200..=8000).contains(&w) && (200..=8000).contains(&h)).then_some((w, h))
}

/// Shortest idle warning: a slow reader must be able to read it and reach
/// "Tôi cần thêm thời gian" (issue 14).
pub const MIN_IDLE_WARNING_SECS: u32 = 20;

fn validate(c: &Config) -> Vec<ConfigIssue> {
    let mut out = Vec::new();
    let k = &c.kiosk;
    if k.id.trim().is_empty() || k.id.len() > 64 {
        out.push(issue("kiosk.id", "must be 1-64 characters", "e.g. \"kiosk-01\""));
    }
    if k.idle_timeout_secs != 0 && !(15..=3600).contains(&k.idle_timeout_secs) {
        out.push(issue("kiosk.idle_timeout_secs", "must be 0 (never) or 15-3600", "60 suits most halls"));
    }
    if k.reading_idle_timeout_secs != 0
        && (!(15..=3600).contains(&k.reading_idle_timeout_secs)
            || (k.idle_timeout_secs != 0 && k.reading_idle_timeout_secs < k.idle_timeout_secs))
    {
        out.push(issue(
            "kiosk.reading_idle_timeout_secs",
            "must be 0 (never) or 15-3600, and not shorter than idle_timeout_secs",
            "180: reading a procedure takes minutes",
        ));
    }
    if k.idle_warning_secs < MIN_IDLE_WARNING_SECS {
        out.push(issue(
            "kiosk.idle_warning_secs",
            "must be at least 20 (time to read the warning and reach the button)",
            "20",
        ));
    } else if k.idle_warning_secs >= k.idle_timeout_secs.max(1) && k.idle_timeout_secs != 0 {
        out.push(issue("kiosk.idle_warning_secs", "must be shorter than idle_timeout_secs", "20"));
    }
    if !(5..=600).contains(&k.ticket_return_secs) {
        out.push(issue("kiosk.ticket_return_secs", "must be 5-600", "30"));
    }
    if super::pin::is_hashed(&k.setup_pin) {
        if !super::pin::is_valid_hash(&k.setup_pin) {
            out.push(issue(
                "kiosk.setup_pin",
                "is not an Argon2 hash this program can check",
                "set it again with `motcua-kiosk pin set`",
            ));
        }
    } else if !super::pin::is_well_formed(&k.setup_pin) {
        out.push(issue(
            "kiosk.setup_pin",
            "must be 4-8 digits (or the hash `motcua-kiosk pin set` writes)",
            "choose a PIN only technicians know: `motcua-kiosk pin set`",
        ));
    }
    if k.voice_volume > 100 {
        out.push(issue("kiosk.voice_volume", "must be 0-100", "40"));
    }
    if k.voice && k.audio_command.trim().is_empty() {
        out.push(issue(
            "kiosk.audio_command",
            "is empty while kiosk.voice is on",
            "\"aplay -q -\", or \"none\"",
        ));
    }
    if parse_size(&k.window_size).is_none() {
        out.push(issue(
            "kiosk.window_size",
            format!("`{}` is not WIDTHxHEIGHT", k.window_size),
            "\"1080x1920\"",
        ));
    }
    let ce = &c.centre;
    if !(ce.url.is_empty() || ce.url.starts_with("http://") || ce.url.starts_with("https://")) {
        out.push(issue(
            "centre.url",
            format!("`{}` is not an http(s) URL", ce.url),
            "\"http://10.0.0.5:8700\" or empty for the built-in centre",
        ));
    }
    if !(50..=30_000).contains(&ce.connect_timeout_ms) {
        out.push(issue("centre.connect_timeout_ms", "must be 50-30000", "800"));
    }
    if !(100..=60_000).contains(&ce.request_timeout_ms) {
        out.push(issue("centre.request_timeout_ms", "must be 100-60000", "2500"));
    }
    if !ce.listen.is_empty() && ce.listen.parse::<std::net::SocketAddr>().is_err() {
        out.push(issue(
            "centre.listen",
            format!("`{}` is not IP:PORT", ce.listen),
            "\"127.0.0.1:8700\", or \"0.0.0.0:8700\" to serve other devices",
        ));
    }
    if c.offline.range_start == 0 || c.offline.range_start > c.offline.range_end || c.offline.range_end > 9999
    {
        out.push(issue(
            "offline.range_start",
            "offline range must satisfy 1 <= range_start <= range_end <= 9999",
            "e.g. 900-999 on kiosk 1, 800-899 on kiosk 2",
        ));
    }
    if !(1200..=921_600).contains(&c.scanner.baud) {
        out.push(issue("scanner.baud", "must be 1200-921600", "9600"));
    }
    for (i, p) in c.scanner.ports.iter().enumerate() {
        if !p.starts_with('/') {
            out.push(issue(
                &format!("scanner.ports[{i}]"),
                format!("`{p}` is not an absolute device path"),
                "/dev/serial/by-id/usb-...  (stable across replug)",
            ));
        }
    }
    let pr = &c.printer;
    if !pr.uri.is_empty() && !["serial://", "file://", "tcp://"].iter().any(|s| pr.uri.starts_with(s)) {
        out.push(issue(
            "printer.uri",
            format!("`{}` has an unknown scheme", pr.uri),
            "serial:///dev/ttyUSB0?baud=19200, file:///dev/usb/lp0 or tcp://HOST:9100",
        ));
    }
    if pr.width_dots != 384 && pr.width_dots != 576 {
        out.push(issue("printer.width_dots", "must be 384 (58 mm) or 576 (80 mm)", "576"));
    }
    if c.display.volume > 100 {
        out.push(issue("display.volume", "must be 0-100", "80"));
    }
    if !(1..=30).contains(&c.display.recent_calls) {
        out.push(issue("display.recent_calls", "must be 1-30", "8"));
    }
    if parse_size(&c.display.window_size).is_none() {
        out.push(issue("display.window_size", "is not WIDTHxHEIGHT", "\"1920x1080\""));
    }
    if !(0.5..=3.0).contains(&c.display.scale) {
        out.push(issue("display.scale", "must be 0.5-3.0", "1.0; 1.3 for a hall deeper than 8 m"));
    }
    if parse_size(&c.counter.window_size).is_none() {
        out.push(issue("counter.window_size", "is not WIDTHxHEIGHT", "\"1024x600\""));
    }
    if !(5..=300).contains(&c.counter.rating_secs) {
        out.push(issue("counter.rating_secs", "must be 5-300", "30"));
    }
    if !(1..=60).contains(&c.counter.thanks_secs) {
        out.push(issue("counter.thanks_secs", "must be 1-60", "5"));
    }
    if !(3..=120).contains(&c.display.page_secs) {
        out.push(issue("display.page_secs", "must be 3-120", "10"));
    }
    if c.display.audio_command.trim().is_empty() {
        out.push(issue(
            "display.audio_command",
            "must name a player, or be \"none\"",
            "\"aplay -q -\" (alsa-utils), \"paplay\", \"pw-play -\", or \"none\" for a silent board",
        ));
    }
    out.extend(validate_display_filter(c));
    let q = &c.queue;
    if q.services.is_empty() {
        out.push(issue("queue.services", "at least one service is needed", "see docs/config.md"));
    }
    let mut seen_codes = std::collections::HashSet::new();
    let mut seen_prefix = std::collections::HashSet::new();
    for (i, s) in q.services.iter().enumerate() {
        let key = |f: &str| format!("queue.services[{i}].{f}");
        if s.code.is_empty() || !seen_codes.insert(s.code.clone()) {
            out.push(issue(&key("code"), "must be non-empty and unique", "e.g. \"HT\""));
        }
        if s.prefix.len() != 1
            || !s.prefix.chars().all(|c| c.is_ascii_uppercase())
            || !seen_prefix.insert(s.prefix.clone())
        {
            out.push(issue(&key("prefix"), "must be one unique upper-case letter", "e.g. \"A\""));
        }
        if s.name_vi.trim().is_empty() {
            out.push(issue(&key("name_vi"), "must not be empty", "the service name citizens see"));
        }
        for (j, h) in s.hours.iter().enumerate() {
            if parse_period(h).is_none() {
                out.push(issue(
                    &format!("queue.services[{i}].hours[{j}]"),
                    format!("`{h}` is not HH:MM-HH:MM"),
                    "\"07:30-11:30\"",
                ));
            }
        }
        if s.days.iter().any(|d| !(1..=7).contains(d)) {
            out.push(issue(&key("days"), "weekdays are 1 (Monday) to 7 (Sunday)", "[1, 2, 3, 4, 5]"));
        }
        if s.counters.is_empty() {
            out.push(issue(&key("counters"), "at least one counter must serve the service", "[1, 2]"));
        }
    }
    for (i, g) in q.priority_groups.iter().enumerate() {
        if crate::domain::ticket::PriorityGroup::from_key(g).is_none() {
            out.push(issue(
                &format!("queue.priority_groups[{i}]"),
                format!("`{g}` is not a priority group"),
                "elderly, disabled, pregnant, revolutionary_merit",
            ));
        }
    }
    if !(1..=20).contains(&q.priority_streak) {
        out.push(issue("queue.priority_streak", "must be 1-20", "2"));
    }
    let mut seen_officer_counters = std::collections::HashSet::new();
    for (i, o) in q.counter_officers.iter().enumerate() {
        let key = |f: &str| format!("queue.counter_officers[{i}].{f}");
        if o.counter == 0 || !seen_officer_counters.insert(o.counter) {
            out.push(issue(&key("counter"), "must be a counter number (1 or more), once per counter", "1"));
        }
        let name = o.name.trim();
        if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
            out.push(issue(&key("name"), "must be 1-60 printable characters", "\"Trần Thị B.\""));
        }
    }
    if crate::domain::announce::VoiceRegion::from_key(&c.display.voice_region).is_none() {
        out.push(issue(
            "display.voice_region",
            format!("`{}` is not a reading the voice knows", c.display.voice_region),
            "\"north\" (linh, nghìn) or \"south\" (lẻ, ngàn)",
        ));
    }
    for (i, code) in c.catalog.popular.iter().enumerate() {
        if !crate::domain::procedure::is_valid_code(code) {
            out.push(issue(
                &format!("catalog.popular[{i}]"),
                format!("`{code}` is not a procedure code d.dddddd"),
                "\"1.001193\"",
            ));
        }
    }
    out.extend(validate_devices(c));
    if !super::security::is_loopback_listen(&ce.listen) {
        out.extend(super::security::lan_serving_issues(c));
    }
    for p in crate::domain::calendar::check(&c.dossier.holidays, &c.dossier.make_up_working_days) {
        out.push(issue(&p.path(), p.message.clone(), p.hint));
    }
    super::net::validate(&c.tls, &c.limits, &mut out);
    out
}

/// `[[centre.devices]]`: ids, roles, tokens and what each role is bound to.
/// `display.counters` and `display.services`: real counter numbers, codes
/// once each; and on a board that follows the centre built from this very
/// file (`centre.url` empty, `centre.listen` on this machine), only counters
/// and services its `[queue]` has (a typo would leave the board empty).
fn validate_display_filter(c: &Config) -> Vec<ConfigIssue> {
    let mut out = Vec::new();
    let d = &c.display;
    let mut seen = std::collections::HashSet::new();
    for (i, n) in d.counters.iter().enumerate() {
        if *n == 0 || !seen.insert(*n) {
            out.push(issue(
                &format!("display.counters[{i}]"),
                format!("`{n}` is not a counter number, or is listed twice"),
                "e.g. [1, 2, 3]; [] for all",
            ));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (i, s) in d.services.iter().enumerate() {
        if s.trim().is_empty() || !seen.insert(s.as_str()) {
            out.push(issue(
                &format!("display.services[{i}]"),
                format!("`{s}` is empty or listed twice"),
                "e.g. [\"HT\", \"CT\"]; [] for all",
            ));
        }
    }
    let local = c.centre.url.is_empty()
        && c.centre
            .listen
            .parse::<std::net::SocketAddr>()
            .is_ok_and(|a| a.ip().is_loopback() || a.ip().is_unspecified());
    if !local || c.queue.services.is_empty() {
        return out;
    }
    let codes: Vec<&str> = c.queue.services.iter().map(|s| s.code.as_str()).collect();
    for (i, s) in d.services.iter().enumerate() {
        if !s.trim().is_empty() && !codes.contains(&s.as_str()) {
            out.push(issue(
                &format!("display.services[{i}]"),
                format!("`{s}` is not a service of this centre"),
                format!("one of {}", codes.join(", ")),
            ));
        }
    }
    let mut counters: Vec<u32> = c.queue.services.iter().flat_map(|s| s.counters.iter().copied()).collect();
    counters.sort_unstable();
    counters.dedup();
    for (i, n) in d.counters.iter().enumerate() {
        if *n != 0 && !counters.contains(n) {
            let list: Vec<String> = counters.iter().map(u32::to_string).collect();
            out.push(issue(
                &format!("display.counters[{i}]"),
                format!("counter {n} serves no service of this centre"),
                format!("one of {}", list.join(", ")),
            ));
        }
    }
    out
}

fn validate_devices(c: &Config) -> Vec<ConfigIssue> {
    use crate::domain::access::{ranges_overlap, Role};
    let mut out = Vec::new();
    let centre_range = (c.offline.range_start, c.offline.range_end);
    let served: std::collections::HashSet<u32> =
        c.queue.services.iter().flat_map(|s| s.counters.iter().copied()).collect();
    let mut ids = std::collections::HashSet::new();
    let mut tokens = std::collections::HashSet::new();
    if !c.centre.token.is_empty() {
        tokens.insert(c.centre.token.expose().to_string());
    }
    let mut kiosk_ranges: Vec<(usize, (u32, u32))> = Vec::new();
    for (i, d) in c.centre.devices.iter().enumerate() {
        let key = |f: &str| format!("centre.devices[{i}].{f}");
        if d.id.trim().is_empty() || d.id.chars().count() > 64 || d.id.chars().any(char::is_control) {
            out.push(issue(
                &key("id"),
                "must be 1-64 printable characters",
                "e.g. \"display-1\"; a kiosk's kiosk.id",
            ));
        } else if !ids.insert(d.id.as_str()) {
            out.push(issue(&key("id"), format!("`{}` is listed twice", d.id), "one entry per device"));
        }
        let role = Role::parse(&d.role);
        if role.is_none() {
            out.push(issue(
                &key("role"),
                format!("`{}` is not a role", d.role),
                "kiosk, display, counter or admin (docs/security.md)",
            ));
        }
        match (d.token.is_empty(), d.token_sha256.is_empty()) {
            (true, true) | (false, false) => out.push(issue(
                &key("token"),
                "give exactly one of token and token_sha256",
                "token_sha256 keeps the secret out of this file: `printf %s TOKEN | sha256sum`",
            )),
            (false, true) => {
                if d.token.chars().count() < super::security::MIN_TOKEN_LEN {
                    out.push(issue(
                        &key("token"),
                        format!("is shorter than {} characters", super::security::MIN_TOKEN_LEN),
                        "a random token: `motcua-kiosk devices add` makes one",
                    ));
                } else if !tokens.insert(d.token.expose().to_string()) {
                    out.push(issue(
                        &key("token"),
                        "is also another device's token or centre.token",
                        "every device needs its own token (a shared one carries the rights of both)",
                    ));
                }
            }
            (true, false) => {
                let t = d.token_sha256.trim();
                if t.len() != 64 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
                    out.push(issue(
                        &key("token_sha256"),
                        "must be 64 hex characters (a SHA-256)",
                        "`printf %s TOKEN | sha256sum`",
                    ));
                } else if !tokens.insert(t.to_ascii_lowercase()) {
                    out.push(issue(
                        &key("token_sha256"),
                        "is also another device's",
                        "every device needs its own token",
                    ));
                }
            }
        }
        if role == Some(Role::Counter) {
            if d.counters.is_empty() {
                out.push(issue(&key("counters"), "a counter device needs its counters", "[1, 2]"));
            }
            for n in d.counters.iter().filter(|n| !served.contains(n)) {
                out.push(issue(
                    &key("counters"),
                    format!("no service is served at counter {n}"),
                    "see queue.services[].counters",
                ));
            }
        } else if !d.counters.is_empty() {
            out.push(issue(&key("counters"), "only counter devices have counters", "remove it"));
        }
        if role == Some(Role::Kiosk) {
            let range = match d.offline_range.as_slice() {
                [] => Some(centre_range),
                [a, b] if 1 <= *a && a <= b && *b <= 9999 => Some((*a, *b)),
                _ => {
                    out.push(issue(
                        &key("offline_range"),
                        "must be [first, last] with 1 <= first <= last <= 9999",
                        "[800, 899]",
                    ));
                    None
                }
            };
            if let Some(r) = range {
                if r.0 < centre_range.0 || r.1 > centre_range.1 {
                    out.push(issue(
                        &key("offline_range"),
                        format!(
                            "{}-{} is not inside the centre's offline range {}-{}",
                            r.0, r.1, centre_range.0, centre_range.1
                        ),
                        "the centre skips only offline.range_start..range_end in its own numbering",
                    ));
                }
                if let Some((j, _)) = kiosk_ranges.iter().find(|(_, o)| ranges_overlap(*o, r)) {
                    out.push(issue(
                        &key("offline_range"),
                        format!("overlaps centre.devices[{j}]'s range"),
                        "give each kiosk its own part of the offline range, e.g. [900, 949] and [950, 999]",
                    ));
                }
                kiosk_ranges.push((i, r));
            }
        } else if !d.offline_range.is_empty() {
            out.push(issue(&key("offline_range"), "only kiosks have an offline range", "remove it"));
        }
    }
    out
}
