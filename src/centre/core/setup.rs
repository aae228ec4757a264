//! What the centre takes from its config when it opens (fixed while it runs).

use crate::centre::api::PriorityGroup;
use crate::config::{Config, ServiceConfig};
use crate::domain::dossier::WorkCalendar;
use crate::domain::queue_rules::ServiceRules;
use std::collections::{BTreeMap, HashMap};

/// What the centre knows from its config (fixed while it runs).
#[derive(Debug)]
pub(super) struct Setup {
    pub(super) services: Vec<ServiceConfig>,
    /// Service code -> its opening hours and daily cap.
    pub(super) rules: HashMap<String, ServiceRules>,
    /// Counter number -> codes of the services it serves (config order).
    pub(super) counters: BTreeMap<u32, Vec<String>>,
    pub(super) priority_groups: Vec<PriorityGroup>,
    pub(super) priority_streak: u32,
    pub(super) max_recalls: u32,
    pub(super) always_open: bool,
    /// The centre's own numbers skip this range (kiosks print offline numbers from it).
    pub(super) offline_range: (u32, u32),
    pub(super) tracking_base_url: String,
    /// Working days for dossier deadlines.
    pub(super) calendar: WorkCalendar,
    /// Counter number -> officer name.
    pub(super) officers: BTreeMap<u32, String>,
    pub(super) allow_anonymous: bool,
    pub(super) sample_dossiers: bool,
    /// `centre.name`, for printed reports.
    pub(super) centre_name: String,
}

impl Setup {
    pub(super) fn new(cfg: &Config) -> Setup {
        let mut counters: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for s in &cfg.queue.services {
            for c in &s.counters {
                let list = counters.entry(*c).or_default();
                if !list.contains(&s.code) {
                    list.push(s.code.clone());
                }
            }
        }
        Setup {
            services: cfg.queue.services.clone(),
            rules: cfg.queue.services.iter().map(|s| (s.code.clone(), ServiceRules::from(s))).collect(),
            counters,
            priority_groups: cfg
                .queue
                .priority_groups
                .iter()
                .filter_map(|g| PriorityGroup::from_key(g))
                .collect(),
            priority_streak: cfg.queue.priority_streak.max(1),
            max_recalls: cfg.queue.max_recalls,
            always_open: cfg.queue.always_open,
            offline_range: (cfg.offline.range_start, cfg.offline.range_end),
            tracking_base_url: cfg.centre.tracking_base_url.clone(),
            calendar: cfg.dossier.calendar(),
            officers: cfg
                .queue
                .counter_officers
                .iter()
                .map(|o| (o.counter, o.name.trim().to_string()))
                .collect(),
            allow_anonymous: cfg.rating.allow_anonymous,
            sample_dossiers: cfg.dossier.sample_data,
            centre_name: cfg.centre.name.clone(),
        }
    }

    pub(super) fn service(&self, code: &str) -> Option<&ServiceConfig> {
        self.services.iter().find(|s| s.code == code)
    }

    pub(super) fn tracking_url(&self, code: &str) -> String {
        format!("{}{}", self.tracking_base_url, code)
    }
}
