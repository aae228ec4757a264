//! The setup PIN's wrong attempts and lockout, kept in the kiosk database's
//! `meta` table (two keys, no migration), so that neither the end of a
//! session nor a restart of the kiosk resets them.

use super::meta::{meta_get, meta_set};
use super::{from_ms, to_ms, StoreError};
use crate::domain::pin_lockout::PinLockout;
use rusqlite::Connection;

const FAILURES: &str = "setup_pin.failures";
const LOCKED_UNTIL: &str = "setup_pin.locked_until_ms";

pub fn load(c: &Connection) -> Result<PinLockout, StoreError> {
    let failures = meta_get(c, FAILURES)?.and_then(|v| v.parse().ok()).unwrap_or(0);
    let locked_until =
        meta_get(c, LOCKED_UNTIL)?.and_then(|v| v.parse().ok()).filter(|ms| *ms > 0).map(from_ms);
    Ok(PinLockout { failures, locked_until })
}

pub fn save(c: &Connection, s: &PinLockout) -> Result<(), StoreError> {
    let tx = c.unchecked_transaction()?;
    meta_set(&tx, FAILURES, &s.failures.to_string())?;
    meta_set(&tx, LOCKED_UNTIL, &s.locked_until.map_or(0, to_ms).to_string())?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn the_lockout_survives_reopening_the_file() {
        // What must hold: what was saved is what a fresh connection to the
        // same file (a restarted kiosk) reads; a fresh database reads as none.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kiosk.sqlite3");
        let s = Store::open(&path).unwrap();
        assert_eq!(load(s.conn()).unwrap(), PinLockout::default());
        let until = from_ms(1_772_438_460_000);
        save(s.conn(), &PinLockout { failures: 5, locked_until: Some(until) }).unwrap();
        drop(s);
        let s = Store::open(&path).unwrap();
        assert_eq!(load(s.conn()).unwrap(), PinLockout { failures: 5, locked_until: Some(until) });
        save(s.conn(), &PinLockout::default()).unwrap();
        assert_eq!(load(s.conn()).unwrap(), PinLockout::default());
    }
}
