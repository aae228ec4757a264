//! Adding and revoking devices in the centre's `devices` table, with the
//! checks that keep roles meaningful: one id per device, a kiosk's offline
//! range inside the centre's and apart from every other kiosk's, a counter
//! device bound to counters that exist. Used by `motcua-kiosk devices` on the
//! centre machine (and by provisioning).

use crate::centre::server::auth::configured_devices;
use crate::centre::tokens::{new_token, token_hash_hex};
use crate::config::Config;
use crate::domain::access::{ranges_overlap, Device, Role};
use crate::store::devices::{self as table, DeviceRow};
use crate::store::StoreError;
use rusqlite::Connection;

/// What `devices add` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDevice {
    pub id: String,
    pub role: Role,
    /// Counter role: its counters.
    pub counters: Vec<u32>,
    /// Kiosk role: its offline range; `None`: the centre's whole range (only
    /// sensible with a single kiosk).
    pub offline_range: Option<(u32, u32)>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn invalid(m: impl Into<String>) -> DeviceError {
    DeviceError::Invalid(m.into())
}

/// What the checks need besides the table: the config file's devices, the
/// centre's offline range, and the counters its services are served at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rules {
    pub configured: Vec<Device>,
    pub centre_range: (u32, u32),
    pub served: Vec<u32>,
}

impl Rules {
    pub fn of(cfg: &Config) -> Rules {
        Rules {
            configured: configured_devices(cfg).iter().map(|c| c.device().clone()).collect(),
            centre_range: (cfg.offline.range_start, cfg.offline.range_end),
            served: cfg.queue.services.iter().flat_map(|s| s.counters.iter().copied()).collect(),
        }
    }
}

/// A kiosk's id and its offline range.
pub type KioskRange = (String, (u32, u32));

/// The offline ranges of every kiosk but `except` (active in the table, or
/// in the config file), each with its id.
pub fn taken_ranges(c: &Connection, rules: &Rules, except: &str) -> Result<Vec<KioskRange>, StoreError> {
    let centre = rules.centre_range;
    Ok(table::active(c)?
        .into_iter()
        .filter(|o| o.role == Role::Kiosk && o.id != except)
        .map(|o| (o.id, o.offline_range.unwrap_or(centre)))
        .chain(
            rules
                .configured
                .iter()
                .filter(|d| d.id != except)
                .filter_map(|d| d.offline_range.map(|r| (d.id.clone(), r))),
        )
        .collect())
}

/// Checks a new device against the config and the devices already there.
pub fn check(c: &Connection, rules: &Rules, d: &NewDevice) -> Result<(), DeviceError> {
    if d.id.trim() != d.id
        || d.id.is_empty()
        || d.id.chars().count() > 64
        || d.id.chars().any(char::is_control)
    {
        return Err(invalid("the device id must be 1-64 printable characters without spaces around it"));
    }
    if rules.configured.iter().any(|c| c.id == d.id) {
        return Err(invalid(format!(
            "device `{}` is declared in the config file ([[centre.devices]])",
            d.id
        )));
    }
    if table::by_id(c, &d.id)?.is_some_and(|r| r.revoked_at.is_none()) {
        return Err(invalid(format!(
            "device `{}` already exists; revoke it first to give it a new token",
            d.id
        )));
    }
    match d.role {
        Role::Counter => {
            if d.counters.is_empty() {
                return Err(invalid("a counter device needs --counters (e.g. --counters 1,2)"));
            }
            if let Some(n) = d.counters.iter().find(|n| !rules.served.contains(n)) {
                return Err(invalid(format!(
                    "no service is served at counter {n} (queue.services[].counters)"
                )));
            }
        }
        _ if !d.counters.is_empty() => return Err(invalid("only counter devices have --counters")),
        _ => {}
    }
    match (d.role, d.offline_range) {
        (Role::Kiosk, range) => {
            let centre = rules.centre_range;
            let r = range.unwrap_or(centre);
            if r.0 < centre.0 || r.1 > centre.1 {
                return Err(invalid(format!(
                    "--range {}-{} is not inside the centre's offline range {}-{} (offline.range_start/range_end)",
                    r.0, r.1, centre.0, centre.1
                )));
            }
            for (id, o) in taken_ranges(c, rules, &d.id)? {
                if ranges_overlap(o, r) {
                    return Err(invalid(format!(
                        "--range {}-{} overlaps kiosk `{id}`'s range {}-{}: give each kiosk its own part",
                        r.0, r.1, o.0, o.1
                    )));
                }
            }
        }
        (_, Some(_)) => return Err(invalid("only kiosks have an offline --range")),
        (_, None) => {}
    }
    Ok(())
}

/// Adds a device (or gives a revoked one a new token) and returns its token:
/// the only time it exists outside the device's own config.
pub fn add(c: &Connection, cfg: &Config, d: &NewDevice, now: i64) -> Result<String, DeviceError> {
    add_with(c, &Rules::of(cfg), d, now)
}

/// [`add`] with the rules already gathered (the centre's provisioning endpoint).
pub fn add_with(c: &Connection, rules: &Rules, d: &NewDevice, now: i64) -> Result<String, DeviceError> {
    check(c, rules, d)?;
    let token = new_token();
    let row = DeviceRow {
        id: d.id.clone(),
        role: d.role,
        counters: d.counters.clone(),
        offline_range: d.offline_range,
        token_sha256: token_hash_hex(&token),
        created_at: now,
        revoked_at: None,
        last_seen: None,
    };
    if !table::add(c, &row)? {
        return Err(invalid(format!("device `{}` already exists", d.id)));
    }
    Ok(token)
}

/// Revokes a device's token at once (the centre stops accepting it within a second).
pub fn revoke(c: &Connection, cfg: &Config, id: &str, now: i64) -> Result<(), DeviceError> {
    if configured_devices(cfg).iter().any(|c| c.device().id == id) {
        return Err(invalid(format!("device `{id}` is declared in the config file: remove it there")));
    }
    match table::by_id(c, id)? {
        None => Err(invalid(format!("no device `{id}`"))),
        Some(r) if r.revoked_at.is_some() => Err(invalid(format!("device `{id}` is already revoked"))),
        Some(_) => {
            table::revoke(c, id, now)?;
            Ok(())
        }
    }
}
