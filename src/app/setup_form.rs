//! The settings a technician changes on the kiosk's setup pages, as a draft
//! next to what the config says: which keys changed (only those are written,
//! so the rest of the file stays as the technician left it), one value per
//! field as the page shows it, and the choices offered for the reader and
//! the printer. Plain data, no I/O.

use crate::config::edit::Change;
use crate::config::{Config, Language, ThemeVariant};

/// The fields of the setup pages, by their config key.
pub const FIELDS: &[&str] = &[
    "centre.url",
    "kiosk.id",
    "offline.range_start",
    "offline.range_end",
    "scanner.ports",
    "printer.uri",
    "kiosk.language",
    "kiosk.theme",
    "kiosk.idle_timeout_secs",
    "kiosk.idle_warning_secs",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub centre_url: String,
    pub kiosk_id: String,
    pub range_start: u32,
    pub range_end: u32,
    /// The one barcode reader port ("" for none).
    pub reader: String,
    pub printer: String,
    pub language: Language,
    pub theme: ThemeVariant,
    pub idle_timeout: u32,
    pub idle_warning: u32,
}

impl Draft {
    pub fn of(cfg: &Config) -> Draft {
        Draft {
            centre_url: cfg.centre.url.clone(),
            kiosk_id: cfg.kiosk.id.clone(),
            range_start: cfg.offline.range_start,
            range_end: cfg.offline.range_end,
            reader: cfg.scanner.ports.first().cloned().unwrap_or_default(),
            printer: cfg.printer.uri.clone(),
            language: cfg.kiosk.language,
            theme: cfg.kiosk.theme,
            idle_timeout: cfg.kiosk.idle_timeout_secs,
            idle_warning: cfg.kiosk.idle_warning_secs,
        }
    }

    /// The field's value as the page shows and edits it.
    pub fn get(&self, key: &str) -> String {
        match key {
            "centre.url" => self.centre_url.clone(),
            "kiosk.id" => self.kiosk_id.clone(),
            "offline.range_start" => self.range_start.to_string(),
            "offline.range_end" => self.range_end.to_string(),
            "scanner.ports" => self.reader.clone(),
            "printer.uri" => self.printer.clone(),
            "kiosk.language" => self.language.code().into(),
            "kiosk.theme" => self.theme.name().into(),
            "kiosk.idle_timeout_secs" => self.idle_timeout.to_string(),
            "kiosk.idle_warning_secs" => self.idle_warning.to_string(),
            _ => String::new(),
        }
    }

    /// Sets a field from the page's text; false when the text is not a
    /// value of that field at all (a number field given letters).
    pub fn set(&mut self, key: &str, value: &str) -> bool {
        let value = value.trim();
        let num = || value.parse::<u32>().ok();
        match key {
            "centre.url" => self.centre_url = value.into(),
            "kiosk.id" => self.kiosk_id = value.into(),
            "scanner.ports" => self.reader = value.into(),
            "printer.uri" => self.printer = value.into(),
            "offline.range_start" => match num() {
                Some(n) => self.range_start = n,
                None => return false,
            },
            "offline.range_end" => match num() {
                Some(n) => self.range_end = n,
                None => return false,
            },
            "kiosk.idle_timeout_secs" => match num() {
                Some(n) => self.idle_timeout = n,
                None => return false,
            },
            "kiosk.idle_warning_secs" => match num() {
                Some(n) => self.idle_warning = n,
                None => return false,
            },
            "kiosk.language" => match Language::parse(value) {
                Some(l) => self.language = l,
                None => return false,
            },
            "kiosk.theme" => match ThemeVariant::parse(value) {
                Some(t) => self.theme = t,
                None => return false,
            },
            _ => return false,
        }
        true
    }

    /// Steps a number field by `delta` (the page's − / + buttons), never below 0.
    pub fn step(&mut self, key: &str, delta: i64) {
        let n = self.get(key).parse::<i64>().unwrap_or(0);
        let next = (n + delta).clamp(0, i64::from(u32::MAX));
        self.set(key, &next.to_string());
    }

    /// The keys whose value differs from `base`, as config changes.
    pub fn changes(&self, base: &Draft) -> Vec<Change> {
        FIELDS
            .iter()
            .filter(|k| self.get(k) != base.get(k))
            .map(|k| match *k {
                "scanner.ports" => {
                    let ports: toml_edit::Array = if self.reader.is_empty() {
                        toml_edit::Array::new()
                    } else {
                        [self.reader.as_str()].into_iter().collect()
                    };
                    Change::new(k, ports)
                }
                "offline.range_start"
                | "offline.range_end"
                | "kiosk.idle_timeout_secs"
                | "kiosk.idle_warning_secs" => Change::new(k, self.get(k).parse::<i64>().unwrap_or(0)),
                _ => Change::new(k, self.get(k)),
            })
            .collect()
    }

    /// The config the draft makes (for tests of the connection, the reader
    /// and the printer before saving).
    pub fn apply_to(&self, cfg: &Config) -> Config {
        let mut c = cfg.clone();
        c.centre.url = self.centre_url.clone();
        c.kiosk.id = self.kiosk_id.clone();
        c.offline.range_start = self.range_start;
        c.offline.range_end = self.range_end;
        c.scanner.ports = if self.reader.is_empty() { Vec::new() } else { vec![self.reader.clone()] };
        c.printer.uri = self.printer.clone();
        c.kiosk.language = self.language;
        c.kiosk.theme = self.theme;
        c.kiosk.idle_timeout_secs = self.idle_timeout;
        c.kiosk.idle_warning_secs = self.idle_warning;
        c
    }
}

/// The reader ports to offer: `/dev/serial/by-id/...` names first (they
/// survive replugging), then bare device nodes, the configured one kept
/// even when it is not plugged in now.
pub fn reader_choices(ports: &[(String, Vec<String>)], configured: &str) -> Vec<String> {
    let mut by_id: Vec<String> = ports.iter().filter_map(|(_, ids)| ids.first().cloned()).collect();
    let mut bare: Vec<String> =
        ports.iter().filter(|(_, ids)| ids.is_empty()).map(|(dev, _)| dev.clone()).collect();
    by_id.sort();
    bare.sort();
    let mut out: Vec<String> = by_id.into_iter().chain(bare).collect();
    if !configured.is_empty() && !out.iter().any(|p| p == configured) {
        out.insert(0, configured.to_string());
    }
    out
}

/// The printers to offer: each serial port as `serial://PATH?baud=BAUD`,
/// each USB printer node as `file://PATH`; the configured one first when it
/// is not among them (a TCP printer is typed: `tcp://IP:PORT`).
pub fn printer_choices(serial: &[String], usb_nodes: &[String], baud: u32, configured: &str) -> Vec<String> {
    let mut out: Vec<String> = usb_nodes.iter().map(|p| format!("file://{p}")).collect();
    out.extend(serial.iter().map(|p| format!("serial://{p}?baud={baud}")));
    if !configured.is_empty() && !out.iter().any(|p| p == configured) {
        out.insert(0, configured.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_keys_become_changes() {
        let cfg = Config::default();
        let base = Draft::of(&cfg);
        let mut d = base.clone();
        assert!(d.changes(&base).is_empty());
        assert!(d.set("kiosk.language", "en") && d.set("scanner.ports", "/dev/serial/by-id/usb-X"));
        d.step("kiosk.idle_timeout_secs", 30);
        assert!(!d.set("offline.range_start", "nine"), "letters in a number field");
        let keys: Vec<String> = d.changes(&base).iter().map(|c| c.key.clone()).collect();
        assert_eq!(keys, ["scanner.ports", "kiosk.language", "kiosk.idle_timeout_secs"]);
        let (text, cfg2) = crate::config::edit::apply("", &d.changes(&base)).unwrap();
        assert!(text.contains("ports = [\"/dev/serial/by-id/usb-X\"]"), "{text}");
        assert_eq!(cfg2.kiosk.idle_timeout_secs, 90);
        assert_eq!(d.apply_to(&cfg), cfg2);
    }

    #[test]
    fn by_id_names_come_first_and_the_configured_port_stays() {
        let ports = vec![
            ("/dev/ttyS0".to_string(), vec![]),
            ("/dev/ttyACM0".to_string(), vec!["/dev/serial/by-id/usb-Honeywell-if00".to_string()]),
        ];
        assert_eq!(reader_choices(&ports, ""), ["/dev/serial/by-id/usb-Honeywell-if00", "/dev/ttyS0"]);
        assert_eq!(reader_choices(&ports, "/dev/ttyUSB3")[0], "/dev/ttyUSB3");
        let p = printer_choices(
            &["/dev/ttyUSB0".into()],
            &["/dev/usb/lp0".into()],
            115200,
            "tcp://10.0.0.9:9100",
        );
        assert_eq!(p, ["tcp://10.0.0.9:9100", "file:///dev/usb/lp0", "serial:///dev/ttyUSB0?baud=115200"]);
    }
}
