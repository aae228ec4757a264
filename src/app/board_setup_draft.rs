//! The display board's setup as plain data: the `[display]` keys a
//! technician changes on the board (which counters and services it shows,
//! how a call sounds), the choices offered (what the centre has), the sample
//! test call, and the config changes a save writes (only the changed keys,
//! so the rest of the file stays as the technician left it). No I/O.

use crate::config::edit::Change;
use crate::config::{Config, Language};
use crate::domain::announce::{Announcement, VoiceRegion};

/// The `[display]` keys of the board's setup.
pub const FIELDS: &[&str] = &[
    "display.counters",
    "display.services",
    "display.volume",
    "display.chime",
    "display.voice",
    "display.voice_region",
];

/// One service the board can be limited to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceChoice {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub prefix: String,
    pub counters: Vec<u32>,
}

/// What the centre has: the counters and services offered as chips.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choices {
    pub counters: Vec<u32>,
    pub services: Vec<ServiceChoice>,
    /// Read from the centre (else from the config's `[queue]`).
    pub from_centre: bool,
}

impl Choices {
    /// The choices a standalone board (or one whose centre does not answer)
    /// takes from its own config: the queue's services and their counters.
    pub fn of_config(cfg: &Config) -> Choices {
        let services: Vec<ServiceChoice> = cfg
            .queue
            .services
            .iter()
            .map(|s| ServiceChoice {
                code: s.code.clone(),
                name_vi: s.name_vi.clone(),
                name_en: s.name_en.clone(),
                prefix: s.prefix.clone(),
                counters: s.counters.clone(),
            })
            .collect();
        Choices::new(services, [], false)
    }

    /// Counters: those listed plus every counter a service names, sorted.
    pub fn new(
        services: Vec<ServiceChoice>,
        counters: impl IntoIterator<Item = u32>,
        from_centre: bool,
    ) -> Self {
        let mut all: Vec<u32> =
            counters.into_iter().chain(services.iter().flat_map(|s| s.counters.clone())).collect();
        all.sort_unstable();
        all.dedup();
        all.retain(|c| *c > 0);
        let mut services = services;
        services.sort_by(|a, b| a.prefix.cmp(&b.prefix).then(a.code.cmp(&b.code)));
        Choices { counters: all, services, from_centre }
    }

    /// Keeps the configured picks on offer even when the centre does not
    /// list them (so they can be unpicked).
    pub fn keeping(mut self, d: &DisplayDraft) -> Choices {
        for c in &d.counters {
            if !self.counters.contains(c) {
                self.counters.push(*c);
            }
        }
        self.counters.sort_unstable();
        for s in &d.services {
            if !self.services.iter().any(|x| &x.code == s) {
                self.services.push(ServiceChoice {
                    code: s.clone(),
                    name_vi: s.clone(),
                    name_en: s.clone(),
                    prefix: String::new(),
                    counters: Vec::new(),
                });
            }
        }
        self
    }

    /// A service chip's text: its letter and name.
    pub fn service_label(s: &ServiceChoice, lang: Language) -> String {
        let name = match lang {
            Language::Vi => &s.name_vi,
            Language::En => &s.name_en,
        };
        if s.prefix.is_empty() {
            name.clone()
        } else {
            format!("{} · {name}", s.prefix)
        }
    }
}

/// The board's settings as the page shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayDraft {
    /// Picked counters, sorted (empty: all).
    pub counters: Vec<u32>,
    /// Picked service codes, in the order of the choices (empty: all).
    pub services: Vec<String>,
    pub volume: u32,
    pub chime: bool,
    pub voice: bool,
    pub region: VoiceRegion,
}

impl DisplayDraft {
    pub fn of(cfg: &Config) -> DisplayDraft {
        let d = &cfg.display;
        DisplayDraft {
            counters: d.counters.clone(),
            services: d.services.clone(),
            volume: d.volume,
            chime: d.chime,
            voice: d.voice,
            region: VoiceRegion::from_key(&d.voice_region).unwrap_or_default(),
        }
    }

    /// Picks or unpicks counter `c`; `None` picks none (all are shown).
    pub fn toggle_counter(&mut self, c: Option<u32>) {
        match c {
            None => self.counters.clear(),
            Some(c) => {
                if let Some(i) = self.counters.iter().position(|x| *x == c) {
                    self.counters.remove(i);
                } else {
                    self.counters.push(c);
                    self.counters.sort_unstable();
                }
            }
        }
    }

    /// Picks or unpicks service `code`; `None` picks none (all are shown).
    pub fn toggle_service(&mut self, code: Option<&str>) {
        match code {
            None => self.services.clear(),
            Some(code) => {
                if let Some(i) = self.services.iter().position(|x| x == code) {
                    self.services.remove(i);
                } else {
                    self.services.push(code.to_string());
                }
            }
        }
    }

    /// The volume − / + buttons: steps of `delta`, kept within 0-100.
    pub fn step_volume(&mut self, delta: i32) {
        self.volume = (i64::from(self.volume) + i64::from(delta)).clamp(0, 100) as u32;
    }

    /// `chime` / `voice` = `on` | `off`, `region` = `north` | `south`;
    /// false for anything else.
    pub fn choose(&mut self, key: &str, value: &str) -> bool {
        match (key, value) {
            ("chime", v) if v == "on" || v == "off" => self.chime = v == "on",
            ("voice", v) if v == "on" || v == "off" => self.voice = v == "on",
            ("region", v) => match VoiceRegion::from_key(v) {
                Some(r) => self.region = r,
                None => return false,
            },
            _ => return false,
        }
        true
    }

    /// The config these settings make (the test call plays with it before saving).
    pub fn apply_to(&self, cfg: &Config) -> Config {
        let mut c = cfg.clone();
        c.display.counters = self.counters.clone();
        c.display.services = self.services.clone();
        c.display.volume = self.volume;
        c.display.chime = self.chime;
        c.display.voice = self.voice;
        c.display.voice_region = self.region.key().to_string();
        c
    }

    /// The keys that differ from `base`, as config changes.
    pub fn changes(&self, base: &DisplayDraft) -> Vec<Change> {
        let mut out = Vec::new();
        if self.counters != base.counters {
            let a: toml_edit::Array = self.counters.iter().map(|c| i64::from(*c)).collect();
            out.push(Change::new("display.counters", a));
        }
        if self.services != base.services {
            let a: toml_edit::Array = self.services.iter().map(String::as_str).collect();
            out.push(Change::new("display.services", a));
        }
        if self.volume != base.volume {
            out.push(Change::new("display.volume", i64::from(self.volume)));
        }
        if self.chime != base.chime {
            out.push(Change::new("display.chime", self.chime));
        }
        if self.voice != base.voice {
            out.push(Change::new("display.voice", self.voice));
        }
        if self.region != base.region {
            out.push(Change::new("display.voice_region", self.region.key()));
        }
        out
    }

    /// The test call: ticket 001 of the first picked service (else the
    /// first service on offer), at the first picked counter (else the first
    /// counter serving that service, else the first counter).
    pub fn sample_call(&self, choices: &Choices) -> Announcement {
        let service = self
            .services
            .first()
            .and_then(|code| choices.services.iter().find(|s| &s.code == code))
            .or_else(|| choices.services.first());
        let prefix = service.map(|s| s.prefix.as_str()).filter(|p| !p.is_empty()).unwrap_or("A");
        let counter = self
            .counters
            .first()
            .copied()
            .or_else(|| service.and_then(|s| s.counters.first().copied()))
            .or_else(|| choices.counters.first().copied())
            .unwrap_or(1);
        Announcement { ticket: format!("{prefix}-001"), counter }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_become_only_the_changed_keys_and_all_means_none() {
        // Must hold: picking counters 3 then 1 writes `counters = [1, 3]`;
        // "all" writes an empty list; untouched keys are not written.
        let cfg = Config::default();
        let base = DisplayDraft::of(&cfg);
        let mut d = base.clone();
        d.toggle_counter(Some(3));
        d.toggle_counter(Some(1));
        d.toggle_service(Some("CT"));
        d.step_volume(50);
        assert!(d.choose("voice", "off") && d.choose("region", "south"));
        assert!(!d.choose("region", "west") && !d.choose("chime", "loud"));
        let keys: Vec<String> = d.changes(&base).iter().map(|c| c.key.clone()).collect();
        assert_eq!(
            keys,
            [
                "display.counters",
                "display.services",
                "display.volume",
                "display.voice",
                "display.voice_region"
            ]
        );
        let (text, cfg2) = crate::config::edit::apply("", &d.changes(&base)).unwrap();
        assert!(text.contains("counters = [1, 3]"), "{text}");
        assert_eq!(cfg2.display.volume, 100, "clamped at 100");
        assert_eq!(d.apply_to(&cfg), cfg2);
        d.toggle_counter(None);
        d.toggle_service(Some("CT"));
        assert!(d.counters.is_empty() && d.services.is_empty());
    }

    #[test]
    fn the_sample_call_follows_the_filter() {
        // Must hold: the test call reads a ticket of the first picked service
        // at the first picked counter, else something the centre really has.
        let cfg = Config::default();
        let choices = Choices::of_config(&cfg);
        let mut d = DisplayDraft::of(&cfg);
        let first = &choices.services[0];
        let a = d.sample_call(&choices);
        assert_eq!(a.ticket, format!("{}-001", first.prefix));
        assert_eq!(a.counter, first.counters[0]);
        d.toggle_service(Some("CT"));
        assert_eq!(d.sample_call(&choices), Announcement { ticket: "B-001".into(), counter: 3 });
        d.toggle_counter(Some(7));
        assert_eq!(d.sample_call(&choices).counter, 7);
        assert_eq!(DisplayDraft::of(&cfg).sample_call(&Choices::default()).ticket, "A-001");
    }

    #[test]
    fn a_pick_config_check_refuses_is_refused_before_writing() {
        // Must hold: on a board of the built-in centre (centre.url empty,
        // listen on this machine) a service or counter the [queue] does not
        // have, a counter 0 or a service listed twice is refused by the same
        // check as `config check`, naming the key; a remote centre's own
        // codes are not second-guessed.
        let refused = |extra: &str| -> Vec<String> {
            let text = format!("[centre]\nlisten = \"127.0.0.1:8700\"\n[display]\n{extra}\n");
            match crate::config::edit::apply(&text, &[]) {
                Err(Err(issues)) => issues.into_iter().map(|i| i.key).collect(),
                other => panic!("{extra}: {:?}", other.map(|_| ())),
            }
        };
        assert_eq!(refused("services = [\"XX\"]"), ["display.services[0]"]);
        assert_eq!(refused("counters = [3, 99]"), ["display.counters[1]"]);
        assert_eq!(refused("counters = [0]"), ["display.counters[0]"]);
        assert_eq!(refused("services = [\"CT\", \"CT\"]"), ["display.services[1]"]);
        let ok =
            "[centre]\nurl = \"http://10.0.0.5:8700\"\n[display]\nservices = [\"XX\"]\ncounters = [99]\n";
        assert!(crate::config::edit::apply(ok, &[]).is_ok());
        assert!(crate::config::edit::apply("[display]\nservices = [\"CT\"]\ncounters = [3]\n", &[]).is_ok());
    }
}
