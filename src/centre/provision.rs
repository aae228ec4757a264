//! One-time provisioning codes on the centre: made by `motcua-kiosk
//! provision` (on the centre machine, same database), redeemed once by the
//! new device through `POST /api/v1/provision`, which makes the device (its
//! role token, via [`devices`](super::devices)) and, for a kiosk, allocates
//! its offline number range apart from every other kiosk's.
//!
//! Only a code's SHA-256 is stored. A fast hash is enough here (unlike the
//! PIN): a code has 55 random bits, works once, and expires within days.

use super::devices::{self, DeviceError, NewDevice, Rules};
use super::tokens::token_hash_hex;
use crate::domain::access::Role;
use crate::domain::provision::{allocate_range, ProvisionCode};
use crate::store::provision::{self as table, CodeRow};
use crate::store::StoreError;
use rusqlite::Connection;

/// How long a code works unless `--valid` says otherwise.
pub const DEFAULT_VALID_HOURS: i64 = 24;
/// Longest validity accepted.
pub const MAX_VALID_HOURS: i64 = 7 * 24;
/// Numbers in a kiosk's offline range when the centre allocates it.
pub const DEFAULT_RANGE_SIZE: u32 = 25;

/// What `provision` asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCode {
    pub device_id: String,
    pub role: Role,
    pub counters: Vec<u32>,
    /// Kiosk: the range asked for; `None`: `range_size` numbers allocated on use.
    pub offline_range: Option<(u32, u32)>,
    pub range_size: u32,
    pub valid_ms: i64,
}

/// What a redeemed code gives the device (its token exists only here).
#[derive(Clone, PartialEq, Eq)]
pub struct Redeemed {
    pub device_id: String,
    pub role: Role,
    pub token: String,
    pub counters: Vec<u32>,
    pub offline_range: Option<(u32, u32)>,
}

impl std::fmt::Debug for Redeemed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redeemed")
            .field("device_id", &self.device_id)
            .field("role", &self.role)
            .field("offline_range", &self.offline_range)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// `provision` refused what it was asked (the message says why).
    #[error("{0}")]
    Invalid(String),
    #[error("no provisioning code is like this one")]
    Unknown,
    #[error("this provisioning code was already used")]
    Used,
    #[error("this provisioning code has expired")]
    Expired,
    #[error("this provisioning code is for a {code} device, not a {asked}")]
    WrongRole { code: Role, asked: Role },
    /// The device cannot be made now (its id is taken meanwhile, no range left).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ProvisionError {
    /// The API error code.
    pub fn code(&self) -> &'static str {
        match self {
            ProvisionError::Invalid(_) => "bad_request",
            ProvisionError::Unknown => "provision_code_unknown",
            ProvisionError::Used => "provision_code_used",
            ProvisionError::Expired => "provision_code_expired",
            ProvisionError::WrongRole { .. } => "provision_role_mismatch",
            ProvisionError::Conflict(_) => "provision_conflict",
            ProvisionError::Store(_) => "store_error",
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            ProvisionError::Invalid(_) => 400,
            ProvisionError::Unknown => 404,
            ProvisionError::Used | ProvisionError::WrongRole { .. } | ProvisionError::Conflict(_) => 409,
            ProvisionError::Expired => 410,
            ProvisionError::Store(_) => 500,
        }
    }
}

fn hash_of(code: &ProvisionCode) -> String {
    token_hash_hex(code.normalised())
}

/// Ranges a new kiosk must stay apart from: every kiosk's (table and config
/// file) and those asked for by other codes still pending.
fn taken(c: &Connection, rules: &Rules, device_id: &str, now: i64) -> Result<Vec<(u32, u32)>, StoreError> {
    let mut out: Vec<(u32, u32)> =
        devices::taken_ranges(c, rules, device_id)?.into_iter().map(|(_, r)| r).collect();
    out.extend(
        table::pending(c, now)?
            .into_iter()
            .filter(|p| p.device_id != device_id)
            .filter_map(|p| p.offline_range),
    );
    Ok(out)
}

/// Stores a new code for `new` (checked as `devices add` checks a device).
/// A code still pending for the same device stops working: the newest wins.
pub fn create(
    c: &Connection,
    rules: &Rules,
    new: &NewCode,
    code: &ProvisionCode,
    now: i64,
) -> Result<(), ProvisionError> {
    if new.role == Role::Admin {
        return Err(ProvisionError::Invalid("--role must be kiosk, display or counter".into()));
    }
    if !(1..=MAX_VALID_HOURS * 3_600_000).contains(&new.valid_ms) {
        return Err(ProvisionError::Invalid(format!("--valid must be between 1 ms and {MAX_VALID_HOURS} h")));
    }
    let device = NewDevice {
        id: new.device_id.clone(),
        role: new.role,
        counters: new.counters.clone(),
        // The check of a range the centre allocates happens when it is allocated.
        offline_range: if new.role == Role::Kiosk {
            Some(new.offline_range.unwrap_or(rules.centre_range))
        } else {
            None
        },
    };
    let range_check = if new.offline_range.is_some() || new.role != Role::Kiosk {
        devices::check(c, rules, &device)
    } else {
        devices::check(c, rules, &NewDevice { offline_range: None, ..device.clone() }).or_else(|e| match e {
            // Without a range the check compares the whole centre range; only the id matters here.
            DeviceError::Invalid(m) if m.contains("overlaps") => Ok(()),
            e => Err(e),
        })
    };
    range_check.map_err(|e| match e {
        DeviceError::Invalid(m) => ProvisionError::Invalid(m),
        DeviceError::Store(s) => ProvisionError::Store(s),
    })?;
    if new.role == Role::Kiosk {
        let taken = taken(c, rules, &new.device_id, now)?;
        match new.offline_range {
            Some(r) => {
                if let Some(t) = taken.iter().find(|t| crate::domain::access::ranges_overlap(**t, r)) {
                    return Err(ProvisionError::Invalid(format!(
                        "--offline-range {}-{} overlaps {}-{}, asked for by another pending code",
                        r.0, r.1, t.0, t.1
                    )));
                }
            }
            None if allocate_range(rules.centre_range, &taken, new.range_size).is_none() => {
                return Err(ProvisionError::Invalid(format!(
                    "no free block of {} numbers is left in the centre's offline range {}-{}: \
                     widen offline.range_start/range_end, or give --offline-size or --offline-range",
                    new.range_size, rules.centre_range.0, rules.centre_range.1
                )));
            }
            None => {}
        }
    }
    let tx = c.unchecked_transaction().map_err(StoreError::from)?;
    tx.execute(
        "UPDATE provision_codes SET expires_at = ?2 WHERE device_id = ?1 AND used_at IS NULL AND expires_at > ?2",
        rusqlite::params![new.device_id, now],
    )
    .map_err(StoreError::from)?;
    table::insert(
        &tx,
        &CodeRow {
            code_sha256: hash_of(code),
            device_id: new.device_id.clone(),
            role: new.role,
            counters: new.counters.clone(),
            offline_range: new.offline_range,
            range_size: (new.role == Role::Kiosk && new.offline_range.is_none()).then_some(new.range_size),
            created_at: now,
            expires_at: now + new.valid_ms,
            used_at: None,
        },
    )?;
    tx.commit().map_err(StoreError::from)?;
    Ok(())
}

/// Uses a code once: checks it, makes the device with a new token and, for
/// a kiosk, its offline range. Nothing changes unless it all succeeds (the
/// caller runs it in one transaction).
pub fn redeem(
    c: &Connection,
    rules: &Rules,
    code: &ProvisionCode,
    role: Role,
    now: i64,
) -> Result<Redeemed, ProvisionError> {
    let hash = hash_of(code);
    let row = table::by_hash(c, &hash)?.ok_or(ProvisionError::Unknown)?;
    if row.used_at.is_some() {
        return Err(ProvisionError::Used);
    }
    if row.expires_at <= now {
        return Err(ProvisionError::Expired);
    }
    if row.role != role {
        return Err(ProvisionError::WrongRole { code: row.role, asked: role });
    }
    let offline_range = match (row.role, row.offline_range) {
        (Role::Kiosk, Some(r)) => Some(r),
        (Role::Kiosk, None) => {
            let size = row.range_size.unwrap_or(DEFAULT_RANGE_SIZE);
            let taken = taken(c, rules, &row.device_id, now)?;
            Some(allocate_range(rules.centre_range, &taken, size).ok_or_else(|| {
                ProvisionError::Conflict(format!(
                    "no free block of {size} numbers is left in the centre's offline range {}-{}",
                    rules.centre_range.0, rules.centre_range.1
                ))
            })?)
        }
        _ => None,
    };
    let device = NewDevice {
        id: row.device_id.clone(),
        role: row.role,
        counters: row.counters.clone(),
        offline_range,
    };
    let token = devices::add_with(c, rules, &device, now).map_err(|e| match e {
        DeviceError::Invalid(m) => ProvisionError::Conflict(m),
        DeviceError::Store(s) => ProvisionError::Store(s),
    })?;
    if !table::mark_used(c, &hash, now)? {
        return Err(ProvisionError::Used);
    }
    Ok(Redeemed { device_id: row.device_id, role: row.role, token, counters: row.counters, offline_range })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn rules() -> Rules {
        Rules { configured: vec![], centre_range: (900, 999), served: vec![1, 2] }
    }

    fn kiosk(id: &str) -> NewCode {
        NewCode {
            device_id: id.into(),
            role: Role::Kiosk,
            counters: vec![],
            offline_range: None,
            range_size: DEFAULT_RANGE_SIZE,
            valid_ms: 3_600_000,
        }
    }

    fn code(n: u8) -> ProvisionCode {
        ProvisionCode::from_random([n; 11])
    }

    #[test]
    fn a_code_works_once_then_is_used() {
        // Must hold: the first redeem makes the device (its token accepted by
        // the table), the second is refused as used, and the ranges of two
        // kiosks do not overlap.
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("c.sqlite3")).unwrap();
        let c = s.conn();
        create(c, &rules(), &kiosk("kiosk-03"), &code(1), 0).unwrap();
        create(c, &rules(), &kiosk("kiosk-04"), &code(2), 0).unwrap();
        let a = redeem(c, &rules(), &code(1), Role::Kiosk, 10).unwrap();
        assert_eq!((a.device_id.as_str(), a.offline_range), ("kiosk-03", Some((900, 924))));
        let row = crate::store::devices::by_id(c, "kiosk-03").unwrap().unwrap();
        assert_eq!(row.token_sha256, token_hash_hex(&a.token));
        assert!(matches!(redeem(c, &rules(), &code(1), Role::Kiosk, 11), Err(ProvisionError::Used)));
        let b = redeem(c, &rules(), &code(2), Role::Kiosk, 12).unwrap();
        assert_eq!(b.offline_range, Some((925, 949)));
        assert!(!format!("{b:?}").contains(&b.token), "the token is never in Debug");
    }

    #[test]
    fn expired_unknown_and_wrong_role_codes_are_refused_without_a_trace() {
        // Must hold: an expired code is refused as expired, an unknown one as
        // unknown, a display code used by a kiosk as a role mismatch — and
        // none of them makes a device or uses the code up.
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("c.sqlite3")).unwrap();
        let c = s.conn();
        create(c, &rules(), &kiosk("kiosk-03"), &code(1), 0).unwrap();
        assert!(matches!(
            redeem(c, &rules(), &code(1), Role::Kiosk, 3_600_000),
            Err(ProvisionError::Expired)
        ));
        assert!(matches!(redeem(c, &rules(), &code(9), Role::Kiosk, 1), Err(ProvisionError::Unknown)));
        let display = NewCode { role: Role::Display, ..kiosk("display-1") };
        create(c, &rules(), &display, &code(3), 0).unwrap();
        let e = redeem(c, &rules(), &code(3), Role::Kiosk, 1).unwrap_err();
        assert_eq!((e.code(), e.status()), ("provision_role_mismatch", 409));
        assert!(crate::store::devices::list(c).unwrap().is_empty());
        assert!(redeem(c, &rules(), &code(3), Role::Display, 2).unwrap().offline_range.is_none());
    }

    #[test]
    fn creation_refuses_what_devices_add_refuses_and_a_new_code_replaces_the_old() {
        // Must hold: an admin role, an unserved counter, an explicit range
        // outside the centre's or over a pending code's are refused; a second
        // code for the same device cancels the first.
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("c.sqlite3")).unwrap();
        let c = s.conn();
        let r = rules();
        assert!(create(c, &r, &NewCode { role: Role::Admin, ..kiosk("a") }, &code(1), 0).is_err());
        let counter = NewCode { role: Role::Counter, counters: vec![7], ..kiosk("c7") };
        let e = create(c, &r, &counter, &code(1), 0).unwrap_err().to_string();
        assert!(e.contains("counter 7"), "{e}");
        let outside = NewCode { offline_range: Some((100, 120)), ..kiosk("k1") };
        assert!(create(c, &r, &outside, &code(1), 0).is_err());
        create(c, &r, &NewCode { offline_range: Some((950, 999)), ..kiosk("k1") }, &code(1), 0).unwrap();
        let over = NewCode { offline_range: Some((990, 995)), ..kiosk("k2") };
        assert!(create(c, &r, &over, &code(2), 0).unwrap_err().to_string().contains("pending"));
        create(c, &r, &kiosk("k1"), &code(4), 5).unwrap();
        assert!(matches!(redeem(c, &r, &code(1), Role::Kiosk, 6), Err(ProvisionError::Expired)));
        assert_eq!(redeem(c, &r, &code(4), Role::Kiosk, 6).unwrap().offline_range, Some((900, 924)));
        let full = NewCode { range_size: 200, ..kiosk("k3") };
        assert!(create(c, &r, &full, &code(5), 7).unwrap_err().to_string().contains("no free block"));
    }
}
