//! The fleet: every device the centre knows, its last heartbeat or request,
//! and the `device` events (offline, back online, printer, reader, PIN).
//!
//! What is not in the database (the clock skew, PIN state and alerts of the
//! last heartbeat, the version other devices send as User-Agent, the last
//! request of devices declared in the config file, what was last announced)
//! lives in memory: a restarted centre knows it again from the next
//! heartbeat (every minute) or request.

use super::writer::Writer;
use super::{Centre, CentreError};
use crate::centre::api::*;
use crate::domain::access::{Device, Role};
use crate::domain::fleet::{self, DeviceChange, Reported};
use crate::store::devices::{self as table, DeviceRow};
use crate::store::kiosks::{self, KioskRow};
use crate::store::{from_ms, StoreError};
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// How often the server looks for devices gone offline or back.
pub const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// What the centre keeps in memory about one device.
#[derive(Debug, Clone, Default)]
pub(crate) struct Live {
    role: Option<Role>,
    /// Last authenticated request.
    seen: Option<DateTime<Utc>>,
    version: Option<String>,
    skew_ms: Option<i64>,
    pin_failures: Option<u32>,
    pin_locked_until: Option<DateTime<Utc>>,
    alerts: Vec<String>,
    /// `Online` or `Offline`, as last announced.
    announced: Option<DeviceChange>,
}

pub(super) type LiveMap = Mutex<HashMap<String, Live>>;

impl Centre {
    /// Records an authenticated request of a device (the version from its
    /// User-Agent, `motcua-kiosk/0.1.0`, when it sends one).
    pub fn saw_device(&self, id: &str, role: Role, user_agent: Option<&str>) {
        let now = self.now();
        let mut live = self.engine.fleet.lock().unwrap_or_else(|p| p.into_inner());
        let l = live.entry(id.to_string()).or_default();
        l.role = Some(role);
        l.seen = Some(now);
        if let Some(v) = user_agent.and_then(|ua| ua.strip_prefix("motcua-kiosk/")) {
            l.version = Some(v.chars().take(64).collect());
        }
    }

    /// Announces devices gone offline (silent for more than two minutes) or
    /// back; the server runs it every [`SWEEP_EVERY`]. Returns how many events.
    pub async fn sweep_fleet(&self) -> Result<usize, CentreError> {
        self.write(|w, now| w.sweep_fleet(now)).await
    }

    /// The fleet view; `configured` are the devices of the centre's config file.
    pub async fn fleet(&self, configured: Vec<Device>) -> Result<DevicesResponse, CentreError> {
        let live = self.engine.fleet.lock().unwrap_or_else(|p| p.into_inner()).clone();
        self.read(move |c, _, _, now| Ok(fleet_view(c, &configured, &live, now)?)).await
    }
}

/// The fleet view from the database alone (the `devices` command when the
/// centre is not running: no skew, PIN or alerts).
pub fn fleet_from_store(
    c: &Connection,
    configured: &[Device],
    now: DateTime<Utc>,
) -> Result<DevicesResponse, StoreError> {
    fleet_view(c, configured, &HashMap::new(), now)
}

fn fleet_view(
    c: &Connection,
    configured: &[Device],
    live: &HashMap<String, Live>,
    now: DateTime<Utc>,
) -> Result<DevicesResponse, StoreError> {
    let rows = table::list(c)?;
    let beats: HashMap<String, KioskRow> =
        kiosks::list_kiosks(c)?.into_iter().map(|k| (k.kiosk_id.clone(), k)).collect();
    let mut out: BTreeMap<String, DeviceStatus> = BTreeMap::new();
    let blank = |id: &str, role: Role, source: &str| DeviceStatus {
        id: id.to_string(),
        role: role.to_string(),
        source: source.to_string(),
        revoked: false,
        last_seen: None,
        online: false,
        app_version: None,
        printer_status: None,
        scanner_connected: None,
        outbox_len: None,
        clock_skew_ms: None,
        pin_failures: None,
        pin_locked_until: None,
        alerts: Vec::new(),
    };
    for d in configured {
        out.insert(d.id.clone(), blank(&d.id, d.role, "config"));
    }
    for r in &rows {
        out.entry(r.id.clone()).or_insert_with(|| DeviceStatus {
            revoked: r.revoked_at.is_some(),
            last_seen: r.last_seen.map(from_ms),
            ..blank(&r.id, r.role, "database")
        });
    }
    for id in beats.keys() {
        out.entry(id.clone()).or_insert_with(|| blank(id, Role::Kiosk, "heartbeat"));
    }
    for (id, s) in out.iter_mut() {
        if let Some(k) = beats.get(id) {
            s.last_seen = s.last_seen.max(Some(from_ms(k.last_seen)));
            s.app_version = Some(k.app_version.clone());
            s.printer_status = Some(k.printer_status.clone());
            s.scanner_connected = Some(k.scanner_connected);
            s.outbox_len = Some(k.outbox_len);
        }
        if let Some(l) = live.get(id) {
            s.last_seen = s.last_seen.max(l.seen);
            if s.app_version.is_none() {
                s.app_version = l.version.clone();
            }
            s.clock_skew_ms = l.skew_ms;
            s.pin_failures = l.pin_failures;
            s.pin_locked_until = l.pin_locked_until.filter(|t| *t > now);
            s.alerts = l.alerts.clone();
        }
        s.online = !s.revoked && s.last_seen.is_some_and(|t| !fleet::is_offline(t, now));
    }
    Ok(DevicesResponse {
        server_time: now,
        offline_after_secs: fleet::OFFLINE_AFTER.num_seconds() as u32,
        devices: out.into_values().collect(),
    })
}

impl Writer {
    /// The `device` events a heartbeat causes, and what it reports that the
    /// database does not keep. `prev` is the stored row before this one.
    pub(super) fn heartbeat_fleet(
        &mut self,
        now: DateTime<Utc>,
        id: &str,
        prev: Option<&KioskRow>,
        req: &HeartbeatRequest,
    ) -> Result<(), CentreError> {
        let locked = req.pin_locked_until.is_some_and(|t| t > now);
        let (was_locked, announced) = {
            let mut live = self.fleet.lock().unwrap_or_else(|p| p.into_inner());
            let l = live.entry(id.to_string()).or_default();
            let was_locked = l.pin_locked_until.is_some_and(|t| t > now);
            l.skew_ms = req.clock.map(|t| (t - now).num_milliseconds());
            l.pin_failures = Some(req.pin_failures);
            l.pin_locked_until = req.pin_locked_until;
            l.alerts = req.alerts.clone();
            let announced = l.announced;
            if announced == Some(DeviceChange::Offline) {
                l.announced = Some(DeviceChange::Online);
            }
            (was_locked, announced)
        };
        let reported = Reported {
            printer_status: req.printer_status.clone(),
            scanner_connected: req.scanner_connected,
            pin_locked: locked,
        };
        let before = prev.map(|p| Reported {
            printer_status: p.printer_status.clone(),
            scanner_connected: p.scanner_connected,
            pin_locked: was_locked,
        });
        let mut changes = fleet::heartbeat_changes(before.as_ref(), &reported);
        if announced == Some(DeviceChange::Offline) {
            changes.insert(0, DeviceChange::Online);
        }
        for change in changes {
            self.emit(
                now,
                EventBody::Device(DeviceEventData {
                    device: id.to_string(),
                    role: Role::Kiosk.to_string(),
                    change,
                    last_seen: Some(now),
                    printer_status: Some(req.printer_status.clone()),
                    scanner_connected: Some(req.scanner_connected),
                }),
            )?;
        }
        Ok(())
    }

    fn sweep_fleet(&mut self, now: DateTime<Utc>) -> Result<usize, CentreError> {
        // Every device heard from: the latest of its heartbeat, its request
        // recorded in the devices table, and its request seen in memory.
        let mut seen: BTreeMap<String, (String, DateTime<Utc>)> = BTreeMap::new();
        let mut note = |id: &str, role: String, at: DateTime<Utc>| {
            let e = seen.entry(id.to_string()).or_insert((role, at));
            e.1 = e.1.max(at);
        };
        let rows: Vec<DeviceRow> = table::list(self.c())?;
        for r in rows.iter().filter(|r| r.revoked_at.is_none()) {
            if let Some(at) = r.last_seen {
                note(&r.id, r.role.to_string(), from_ms(at));
            }
        }
        for k in kiosks::list_kiosks(self.c())? {
            note(&k.kiosk_id, Role::Kiosk.to_string(), from_ms(k.last_seen));
        }
        let revoked: Vec<&str> =
            rows.iter().filter(|r| r.revoked_at.is_some()).map(|r| r.id.as_str()).collect();
        let mut events = Vec::new();
        {
            let mut live = self.fleet.lock().unwrap_or_else(|p| p.into_inner());
            for (id, l) in live.iter() {
                if let (Some(role), Some(at)) = (l.role, l.seen) {
                    note(id, role.to_string(), at);
                }
            }
            for (id, (role, at)) in seen {
                if revoked.contains(&id.as_str()) {
                    continue;
                }
                let l = live.entry(id.clone()).or_default();
                if let Some(change) = fleet::presence_change(at, now, l.announced) {
                    l.announced = Some(change);
                    events.push(DeviceEventData {
                        device: id,
                        role,
                        change,
                        last_seen: Some(at),
                        printer_status: None,
                        scanner_connected: None,
                    });
                } else if l.announced.is_none() {
                    // The first sweep after a start: what it is now, said or
                    // not, so that only a later change is announced.
                    l.announced = Some(if fleet::is_offline(at, now) {
                        DeviceChange::Offline
                    } else {
                        DeviceChange::Online
                    });
                }
            }
        }
        let n = events.len();
        for e in events {
            if e.change == DeviceChange::Offline {
                tracing::warn!(device = %e.device, role = %e.role, "device offline for more than two minutes");
            } else {
                tracing::info!(device = %e.device, role = %e.role, "device back online");
            }
            self.emit(now, EventBody::Device(e))?;
        }
        Ok(n)
    }
}
