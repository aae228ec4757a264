//! The `meta` key-value table, in both roles' databases (the centre's current
//! service day, a kiosk's cached service list).

use super::StoreError;
use rusqlite::{Connection, OptionalExtension};

pub fn meta_get(c: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(c.prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

pub fn meta_set(c: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    c.prepare_cached("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")?
        .execute([key, value])?;
    Ok(())
}
