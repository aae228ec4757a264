//! `devices add|revoke|list`: the devices allowed to use the built-in centre,
//! on the machine that runs it (same data directory). The clap definitions
//! are in `cli/mod.rs`.

use crate::centre::api::DevicesResponse;
use crate::centre::core::fleet_from_store;
use crate::centre::devices::{self, NewDevice};
use crate::centre::server::auth::configured_devices;
use crate::centre::ApiClient;
use crate::config::Config;
use crate::domain::access::{parse_range, Device, Role};
use crate::domain::fleet::skew_text;
use crate::domain::localtime::format_time_date;
use crate::store::{self, devices as table, from_ms, to_ms, Store};
use anyhow::Context;
use std::collections::HashMap;

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

/// The fleet: from the running centre (`GET /api/v1/devices` with this
/// machine's admin token), or from its database when it does not answer.
fn fleet(cfg: &Config) -> anyhow::Result<(DevicesResponse, Option<String>)> {
    let configured: Vec<Device> = configured_devices(cfg).iter().map(|c| c.device().clone()).collect();
    let from_db = |why: String| -> anyhow::Result<(DevicesResponse, Option<String>)> {
        let db = open(cfg)?;
        Ok((fleet_from_store(db.conn(), &configured, chrono::Utc::now())?, Some(why)))
    };
    if cfg.centre.listen.trim().is_empty() || cfg.centre.token.is_empty() {
        return from_db("the centre serves no network (centre.listen or centre.token empty)".into());
    }
    let url = crate::cli::centre::counter_url(cfg, None);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let live = rt.block_on(async { ApiClient::for_url(cfg, &url)?.devices().await });
    match live {
        Ok(v) => Ok((v, None)),
        Err(e) => from_db(format!("{url}: {e}")),
    }
}

/// Prints the fleet as a table (or JSON): the config file's devices, the
/// database's (with their counters or number range), and kiosks known only by
/// their heartbeats.
pub fn list(cfg: &Config, json: bool) -> anyhow::Result<()> {
    let (view, offline_note) = fleet(cfg)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&view)?);
        if let Some(why) = offline_note {
            eprintln!("(from the database; the centre did not answer: {why})");
        }
        return Ok(());
    }
    let db = open(cfg)?;
    let mut scopes: HashMap<String, String> = table::list(db.conn())?
        .iter()
        .map(|r| (r.id.clone(), scope(r.role, &r.counters, r.offline_range)))
        .collect();
    for c in configured_devices(cfg) {
        let d = c.device();
        scopes.insert(d.id.clone(), scope(d.role, &d.counters, d.offline_range));
    }
    let revoked_at: HashMap<String, i64> =
        table::list(db.conn())?.into_iter().filter_map(|r| Some((r.id, r.revoked_at?))).collect();
    let time =
        |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| format_time_date(t, " ")).unwrap_or_default();
    let dash = |s: Option<String>| s.unwrap_or_else(|| "-".into());
    println!(
        "{:<16} {:<8} {:<12} {:<9} {:<21} {:<17} {:<8} {:<13} {:<7} {:<6} {:<8} PIN / cảnh báo",
        "id",
        "role",
        "phạm vi",
        "nguồn",
        "trạng thái",
        "lần cuối",
        "bản",
        "máy in",
        "đầu đọc",
        "outbox",
        "lệch giờ"
    );
    for d in &view.devices {
        let state = if d.revoked {
            format!("đã thu hồi {}", time(revoked_at.get(&d.id).map(|m| from_ms(*m))))
        } else if d.online {
            "trực tuyến".into()
        } else if d.last_seen.is_some() {
            "MẤT KẾT NỐI".into()
        } else {
            "chưa thấy".into()
        };
        let mut notes = Vec::new();
        if let Some(until) = d.pin_locked_until {
            notes.push(format!("PIN KHÓA đến {}", format_time_date(until, " ")));
        } else if let Some(n) = d.pin_failures.filter(|n| *n > 0) {
            notes.push(format!("PIN sai {n} lần"));
        }
        notes.extend(d.alerts.iter().cloned());
        let line = format!(
            "{:<16} {:<8} {:<12} {:<9} {:<21} {:<17} {:<8} {:<13} {:<7} {:<6} {:<8} {}",
            d.id,
            d.role,
            scopes.get(&d.id).map(String::as_str).unwrap_or(""),
            d.source,
            state,
            time(d.last_seen),
            dash(d.app_version.clone()),
            dash(d.printer_status.clone()),
            dash(d.scanner_connected.map(|c| if c { "có" } else { "KHÔNG" }.to_string())),
            dash(d.outbox_len.map(|n| n.to_string())),
            dash(d.clock_skew_ms.map(skew_text)),
            notes.join(", ")
        );
        println!("{}", line.trim_end());
    }
    let offline = view.devices.iter().filter(|d| !d.revoked && !d.online && d.last_seen.is_some()).count();
    println!(
        "{} thiết bị, {offline} mất kết nối (quá {} s không liên lạc)",
        view.devices.len(),
        view.offline_after_secs
    );
    if let Some(why) = offline_note {
        println!("(theo cơ sở dữ liệu: trung tâm không trả lời — {why}; lệch giờ, PIN và cảnh báo không có)");
    }
    Ok(())
}
