//! The dashboard's device table: every device of the fleet (kiosks, boards,
//! counter screens), not only the kiosks that send heartbeats — a board or a
//! counter screen is "seen" through its event stream, which re-authenticates
//! every few seconds. Codes are put in the manager's words here.

use super::texts::Lang;
use crate::centre::api::DeviceStatus;
use crate::domain::fleet::skew_text;
use crate::domain::localtime::format_time_date;

pub(super) struct DeviceView {
    pub id: String,
    pub role: &'static str,
    pub state: &'static str,
    /// `ok`, `bad` (silent, or something to act on) or `off` (revoked / never seen).
    pub class: &'static str,
    pub printer: String,
    pub reader: &'static str,
    pub outbox: String,
    pub skew: String,
    pub last_seen: String,
    pub version: String,
    /// PIN lock, alerts: what a technician must act on.
    pub notes: String,
}

fn pick(lang: Lang, vi: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::En {
        en
    } else {
        vi
    }
}

fn role(lang: Lang, key: &str) -> &'static str {
    match key {
        "kiosk" => pick(lang, "Ki-ốt", "Kiosk"),
        "display" => pick(lang, "Bảng gọi số", "Display board"),
        "counter" => pick(lang, "Màn hình quầy", "Counter screen"),
        "admin" => pick(lang, "Quản trị", "Admin"),
        _ => "—",
    }
}

/// The printer codes of the heartbeat (`PrinterProblem::code`, plus `none`
/// and `unknown`).
fn printer(lang: Lang, code: &str) -> String {
    let s = match code {
        "ok" => pick(lang, "Sẵn sàng", "Ready"),
        "none" => pick(lang, "Không có", "None"),
        "unknown" => pick(lang, "Chưa in lần nào", "Not used yet"),
        "paper_low" => pick(lang, "Sắp hết giấy", "Paper low"),
        "out_of_paper" => pick(lang, "HẾT GIẤY", "OUT OF PAPER"),
        "cover_open" => pick(lang, "MỞ NẮP", "COVER OPEN"),
        "offline" => pick(lang, "MẤT KẾT NỐI", "OFFLINE"),
        "error" => pick(lang, "LỖI", "FAULT"),
        "no_status" => pick(lang, "Không báo trạng thái", "No status"),
        other => return other.to_string(),
    };
    s.to_string()
}

/// The alert codes devices report (app/setup.rs, app/procedures.rs).
fn alert(lang: Lang, code: &str) -> String {
    let s = match code {
        "cannot_issue" => pick(lang, "không cấp được số", "cannot issue numbers"),
        "reader_disconnected" => pick(lang, "đầu đọc bị rút", "reader unplugged"),
        "catalog_missing" => pick(lang, "thiếu danh mục thủ tục", "procedure catalog missing"),
        "catalog_outdated" => pick(lang, "danh mục thủ tục cũ", "procedure catalog outdated"),
        c if c.starts_with("printer_") => {
            return format!("{} {}", pick(lang, "máy in:", "printer:"), printer(lang, &c["printer_".len()..]))
        }
        other => return other.to_string(),
    };
    s.to_string()
}

pub(super) fn device_view(lang: Lang, d: DeviceStatus) -> DeviceView {
    let (state, class) = if d.revoked {
        (pick(lang, "Đã thu hồi", "Revoked"), "off")
    } else if d.online {
        (pick(lang, "Trực tuyến", "Online"), "ok")
    } else if d.last_seen.is_some() {
        (pick(lang, "MẤT KẾT NỐI", "OFFLINE"), "bad")
    } else {
        (pick(lang, "Chưa thấy", "Never seen"), "off")
    };
    let mut notes = Vec::new();
    if let Some(until) = d.pin_locked_until {
        notes.push(format!(
            "{} {}",
            pick(lang, "PIN bị khóa đến", "PIN locked until"),
            format_time_date(until, " ")
        ));
    } else if let Some(n) = d.pin_failures.filter(|n| *n > 0) {
        notes.push(format!("{n} {}", pick(lang, "lần nhập sai PIN", "wrong PIN attempts")));
    }
    notes.extend(d.alerts.iter().map(|a| alert(lang, a)));
    let something_wrong = !notes.is_empty()
        || d.printer_status.as_deref().is_some_and(|p| !matches!(p, "ok" | "none" | "unknown" | "paper_low"))
        || d.scanner_connected == Some(false);
    let dash = || "—".to_string();
    DeviceView {
        role: role(lang, &d.role),
        state,
        class: if class == "ok" && something_wrong { "bad" } else { class },
        printer: d.printer_status.as_deref().map(|p| printer(lang, p)).unwrap_or_else(dash),
        reader: match d.scanner_connected {
            Some(true) => pick(lang, "có", "yes"),
            Some(false) => pick(lang, "KHÔNG", "NO"),
            None => "—",
        },
        outbox: d.outbox_len.map(|n| n.to_string()).unwrap_or_else(dash),
        skew: d.clock_skew_ms.map(skew_text).unwrap_or_else(dash),
        last_seen: d.last_seen.map(|t| format_time_date(t, " ")).unwrap_or_else(dash),
        version: d.app_version.unwrap_or_else(dash),
        notes: notes.join(", "),
        id: d.id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(role: &str) -> DeviceStatus {
        DeviceStatus {
            id: "x".into(),
            role: role.into(),
            source: "config".into(),
            revoked: false,
            last_seen: Some(chrono::Utc::now()),
            online: true,
            app_version: None,
            printer_status: None,
            scanner_connected: None,
            outbox_len: None,
            clock_skew_ms: None,
            pin_failures: None,
            pin_locked_until: None,
            alerts: Vec::new(),
        }
    }

    #[test]
    fn a_board_is_listed_in_words_and_a_kiosk_out_of_paper_is_flagged() {
        let board = device_view(Lang::Vi, status("display"));
        assert_eq!(
            (board.role, board.state, board.class, board.printer.as_str()),
            ("Bảng gọi số", "Trực tuyến", "ok", "—")
        );
        let mut k = status("kiosk");
        k.printer_status = Some("out_of_paper".into());
        k.alerts = vec!["printer_out_of_paper".into(), "weird_code".into()];
        let v = device_view(Lang::En, k);
        assert_eq!((v.role, v.class, v.printer.as_str()), ("Kiosk", "bad", "OUT OF PAPER"));
        assert_eq!(v.notes, "printer: OUT OF PAPER, weird_code");
        let mut gone = status("counter");
        gone.online = false;
        assert_eq!(device_view(Lang::Vi, gone).state, "MẤT KẾT NỐI");
    }
}
