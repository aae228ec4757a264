//! The fleet at the centre: when a device counts as offline, and which changes
//! of its reported health are worth telling a dashboard (paper out, reader
//! unplugged, PIN locked, gone, back).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A device not heard from for longer than this is offline.
pub const OFFLINE_AFTER: Duration = Duration::seconds(120);

/// After a centre restart, devices already offline are announced again only
/// if they were seen this recently (not every retired kiosk at each start).
pub const REANNOUNCE_WITHIN: Duration = Duration::hours(24);

/// What changed about a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceChange {
    /// Not heard from for more than two minutes.
    Offline,
    /// Heard from again after being offline.
    Online,
    /// The printer's status changed (e.g. to `out_of_paper`, or back to `ok`).
    Printer,
    /// The barcode reader was unplugged or came back.
    Reader,
    /// The setup PIN locked after wrong attempts.
    PinLocked,
}

/// What a kiosk's heartbeat reports that a change is detected on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub printer_status: String,
    pub scanner_connected: bool,
    pub pin_locked: bool,
}

/// The changes from the previous heartbeat to this one; none for the first
/// heartbeat a centre hears unless something is already wrong with it.
pub fn heartbeat_changes(prev: Option<&Reported>, now: &Reported) -> Vec<DeviceChange> {
    let mut out = Vec::new();
    match prev {
        Some(p) => {
            if p.printer_status != now.printer_status {
                out.push(DeviceChange::Printer);
            }
            if p.scanner_connected != now.scanner_connected {
                out.push(DeviceChange::Reader);
            }
            if now.pin_locked && !p.pin_locked {
                out.push(DeviceChange::PinLocked);
            }
        }
        None => {
            if now.printer_status != "ok" {
                out.push(DeviceChange::Printer);
            }
            if now.pin_locked {
                out.push(DeviceChange::PinLocked);
            }
        }
    }
    out
}

/// A clock skew as technicians read it: tenths of a second when small.
pub fn skew_text(ms: i64) -> String {
    let s = ms as f64 / 1000.0;
    if s.abs() < 10.0 {
        format!("{s:+.1} s")
    } else {
        format!("{:+} s", ms / 1000)
    }
}

/// Whether a device last seen at `last_seen` is offline at `now`.
pub fn is_offline(last_seen: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - last_seen > OFFLINE_AFTER
}

/// What the sweep announces for one device: `announced` is what the centre
/// last said about it (`None`: nothing since it started).
pub fn presence_change(
    last_seen: DateTime<Utc>,
    now: DateTime<Utc>,
    announced: Option<DeviceChange>,
) -> Option<DeviceChange> {
    let offline = is_offline(last_seen, now);
    match (announced, offline) {
        (Some(DeviceChange::Offline), false) => Some(DeviceChange::Online),
        (Some(DeviceChange::Offline), true) => None,
        (_, true) if announced.is_some() || now - last_seen <= REANNOUNCE_WITHIN => {
            Some(DeviceChange::Offline)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn rep(printer: &str, reader: bool, pin: bool) -> Reported {
        Reported { printer_status: printer.into(), scanner_connected: reader, pin_locked: pin }
    }

    #[test]
    fn heartbeat_changes_name_what_changed() {
        let ok = rep("ok", true, false);
        assert!(heartbeat_changes(Some(&ok), &ok).is_empty());
        assert!(heartbeat_changes(None, &ok).is_empty(), "a healthy first heartbeat says nothing");
        assert_eq!(heartbeat_changes(Some(&ok), &rep("out_of_paper", true, false)), [DeviceChange::Printer]);
        assert_eq!(heartbeat_changes(Some(&rep("out_of_paper", true, false)), &ok), [DeviceChange::Printer]);
        assert_eq!(
            heartbeat_changes(Some(&ok), &rep("ok", false, true)),
            [DeviceChange::Reader, DeviceChange::PinLocked]
        );
        assert!(heartbeat_changes(Some(&rep("ok", true, true)), &rep("ok", true, true)).is_empty());
        assert_eq!(heartbeat_changes(None, &rep("cover_open", true, false)), [DeviceChange::Printer]);
    }

    #[test]
    fn offline_after_two_minutes_then_online_once() {
        let t = Utc.with_ymd_and_hms(2026, 12, 2, 3, 0, 0).unwrap();
        let seen = t - Duration::seconds(120);
        assert_eq!(presence_change(seen, t, None), None, "exactly two minutes is still online");
        let seen = t - Duration::seconds(121);
        assert_eq!(presence_change(seen, t, None), Some(DeviceChange::Offline));
        assert_eq!(presence_change(seen, t, Some(DeviceChange::Offline)), None, "said once");
        assert_eq!(presence_change(t, t, Some(DeviceChange::Offline)), Some(DeviceChange::Online));
        assert_eq!(presence_change(t, t, Some(DeviceChange::Online)), None);
        assert_eq!(presence_change(t, t, None), None);
        let long_gone = t - Duration::days(3);
        assert_eq!(presence_change(long_gone, t, None), None, "not re-announced after a restart");
        assert_eq!(presence_change(long_gone, t, Some(DeviceChange::Online)), Some(DeviceChange::Offline));
    }
}
