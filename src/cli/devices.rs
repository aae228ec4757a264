//! `devices add|revoke|list`: the devices allowed to use the built-in centre,
//! on the machine that runs it (same data directory). The clap definitions
//! are in `cli/mod.rs`.

use crate::centre::devices::{self, NewDevice};
use crate::centre::server::auth::configured_devices;
use crate::config::Config;
use crate::domain::access::{parse_range, Role};
use crate::domain::localtime::format_time_date;
use crate::store::{self, devices as table, from_ms, to_ms, Store};
use anyhow::Context;

fn open(cfg: &Config) -> anyhow::Result<Store> {
    let path = store::centre_db_path(&cfg.data_dir());
    Store::open(&path).with_context(|| format!("cannot open the centre's database {}", path.display()))
}

/// Adds a device and prints its token once, with the lines for its config.
pub fn add(
    cfg: &Config,
    id: &str,
    role: &str,
    range: Option<&str>,
    counters: &[u32],
) -> anyhow::Result<String> {
    let role = Role::parse(role)
        .ok_or_else(|| anyhow::anyhow!("--role must be kiosk, display, counter or admin, not `{role}`"))?;
    let offline_range = match range {
        None => None,
        Some(r) => Some(parse_range(r).ok_or_else(|| {
            anyhow::anyhow!(
                "--range must be FIRST-LAST with 1 <= FIRST <= LAST <= 9999 (e.g. 800-899), not `{r}`"
            )
        })?),
    };
    let new = NewDevice { id: id.to_string(), role, counters: counters.to_vec(), offline_range };
    let db = open(cfg)?;
    let token = devices::add(db.conn(), cfg, &new, to_ms(chrono::Utc::now()))?;
    println!(
        "Đã thêm thiết bị `{id}` ({role}). Mã (token) chỉ hiện một lần — chép vào cấu hình của thiết bị:"
    );
    println!(
        "Device `{id}` added ({role}). The token is shown only this once — put it in the device's config:"
    );
    println!();
    if role == Role::Kiosk {
        println!("[kiosk]\nid = \"{id}\"");
        let (a, b) = offline_range.unwrap_or((cfg.offline.range_start, cfg.offline.range_end));
        println!("[offline]\nrange_start = {a}\nrange_end = {b}");
    }
    println!("[centre]\ntoken = \"{token}\"");
    Ok(token)
}

pub fn revoke(cfg: &Config, id: &str) -> anyhow::Result<()> {
    let db = open(cfg)?;
    devices::revoke(db.conn(), cfg, id, to_ms(chrono::Utc::now()))?;
    println!("Đã thu hồi mã của thiết bị `{id}`: trung tâm từ chối nó trong vòng 1 giây.");
    Ok(())
}

fn scope(role: Role, counters: &[u32], range: Option<(u32, u32)>) -> String {
    match role {
        Role::Counter => {
            format!("quầy {}", counters.iter().map(u32::to_string).collect::<Vec<_>>().join(","))
        }
        Role::Kiosk => range.map(|(a, b)| format!("số {a}-{b}")).unwrap_or_default(),
        _ => String::new(),
    }
}

/// One line per device: from the config file first, then the database.
pub fn list(cfg: &Config) -> anyhow::Result<()> {
    let db = open(cfg)?;
    let rows = table::list(db.conn())?;
    let configured = configured_devices(cfg);
    println!(
        "{:<20} {:<8} {:<16} {:<8} {:<20} {:<20} trạng thái",
        "id", "role", "phạm vi", "nguồn", "tạo lúc", "lần cuối"
    );
    for c in &configured {
        let d = c.device();
        println!(
            "{:<20} {:<8} {:<16} {:<8} {:<20} {:<20} hoạt động",
            d.id,
            d.role,
            scope(d.role, &d.counters, d.offline_range),
            "config",
            "",
            ""
        );
    }
    let time = |ms: Option<i64>| ms.map(|m| format_time_date(from_ms(m), " ")).unwrap_or_default();
    for r in &rows {
        let state = match r.revoked_at {
            Some(at) => format!("đã thu hồi {}", time(Some(at))),
            None => "hoạt động".to_string(),
        };
        println!(
            "{:<20} {:<8} {:<16} {:<8} {:<20} {:<20} {state}",
            r.id,
            r.role,
            scope(r.role, &r.counters, r.offline_range),
            "database",
            time(Some(r.created_at)),
            time(r.last_seen)
        );
    }
    println!("{} thiết bị", configured.len() + rows.len());
    Ok(())
}
