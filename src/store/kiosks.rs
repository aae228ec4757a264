//! Kiosk heartbeats on the centre: one row per kiosk, the latest report wins.

use super::StoreError;
use rusqlite::{params, Connection};

/// Version 2: kiosk device health, one row per kiosk (last heartbeat wins).
pub const SCHEMA_V2: &str = r#"
CREATE TABLE kiosks (
    kiosk_id TEXT PRIMARY KEY NOT NULL,
    last_seen INTEGER NOT NULL,
    reported_at INTEGER,
    printer_status TEXT NOT NULL,
    scanner_connected INTEGER NOT NULL CHECK (scanner_connected IN (0, 1)),
    outbox_len INTEGER NOT NULL,
    app_version TEXT NOT NULL
) STRICT;
"#;

/// The latest heartbeat of a kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskRow {
    pub kiosk_id: String,
    pub last_seen: i64,
    pub reported_at: Option<i64>,
    pub printer_status: String,
    pub scanner_connected: bool,
    pub outbox_len: u32,
    pub app_version: String,
}

/// Stores a heartbeat. A heartbeat older than the stored one (delivered late
/// from an outbox) does not overwrite a newer report.
pub fn upsert_kiosk(c: &Connection, k: &KioskRow) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO kiosks (kiosk_id, last_seen, reported_at, printer_status, scanner_connected, outbox_len, app_version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (kiosk_id) DO UPDATE SET last_seen = excluded.last_seen,
             reported_at = excluded.reported_at, printer_status = excluded.printer_status,
             scanner_connected = excluded.scanner_connected, outbox_len = excluded.outbox_len,
             app_version = excluded.app_version
         WHERE kiosks.reported_at IS NULL OR excluded.reported_at IS NULL OR excluded.reported_at >= kiosks.reported_at",
    )?
    .execute(params![
        k.kiosk_id,
        k.last_seen,
        k.reported_at,
        k.printer_status,
        k.scanner_connected,
        k.outbox_len,
        k.app_version
    ])?;
    Ok(())
}

/// One kiosk's latest heartbeat.
pub fn get_kiosk(c: &Connection, id: &str) -> Result<Option<KioskRow>, StoreError> {
    Ok(list_kiosks(c)?.into_iter().find(|k| k.kiosk_id == id))
}

pub fn list_kiosks(c: &Connection) -> Result<Vec<KioskRow>, StoreError> {
    let mut st = c.prepare_cached(
        "SELECT kiosk_id, last_seen, reported_at, printer_status, scanner_connected, outbox_len, app_version
         FROM kiosks ORDER BY kiosk_id",
    )?;
    let v = st
        .query_map([], |r| {
            Ok(KioskRow {
                kiosk_id: r.get(0)?,
                last_seen: r.get(1)?,
                reported_at: r.get(2)?,
                printer_status: r.get(3)?,
                scanner_connected: r.get(4)?,
                outbox_len: r.get(5)?,
                app_version: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn late_heartbeat_does_not_overwrite_a_newer_one() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path().join("q.sqlite3")).unwrap();
        let c = s.conn();
        let mut k = KioskRow {
            kiosk_id: "k1".into(),
            last_seen: 100,
            reported_at: Some(100),
            printer_status: "ok".into(),
            scanner_connected: true,
            outbox_len: 0,
            app_version: "1".into(),
        };
        upsert_kiosk(c, &k).unwrap();
        k.reported_at = Some(50);
        k.printer_status = "out_of_paper".into();
        upsert_kiosk(c, &k).unwrap();
        assert_eq!(list_kiosks(c).unwrap()[0].printer_status, "ok");
    }
}
