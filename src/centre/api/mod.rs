//! Centre API v1: the JSON types shared by the server, the kiosk's HTTP client
//! and in-process callers. `docs/api.md` explains them; `docs/openapi.yaml` is
//! the machine-readable contract the tests check responses against.
//!
//! Compatibility: fields are only ever added. Clients ignore unknown fields
//! (serde's default), so a newer centre can serve older kiosks.

pub use crate::domain::dossier::{Channel, DossierStatus, NextStepKind};
pub use crate::domain::queue_rules::Availability;
pub use crate::domain::rating::RatingLevel;
pub use crate::domain::ticket::{PriorityGroup, TicketStatus};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

mod console;
mod dossiers;
mod events;
mod fleet;
mod help;
mod provision;
mod queue;
mod ratings;

pub use self::console::*;
pub use self::dossiers::*;
pub use self::events::*;
pub use self::fleet::*;
pub use self::help::*;
pub use self::provision::*;
pub use self::queue::*;
pub use self::ratings::*;

/// Path prefix of this API version.
pub const PREFIX: &str = "/api/v1";
/// Longest idempotency key accepted.
pub const MAX_KEY_LEN: usize = 128;
/// Longest kiosk id accepted (same bound as `kiosk.id` in the config).
pub const MAX_KIOSK_ID_LEN: usize = 64;
/// Length of a tracking code.
pub const TRACKING_CODE_LEN: usize = 20;
/// Crockford base32: no I, L, O, U, so a code read aloud or typed is unambiguous.
const TRACKING_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A new unguessable tracking code: 100 random bits from the OS generator (the
/// fully random bytes of a UUID v4) in Crockford base32.
pub fn new_tracking_code() -> String {
    let u = uuid::Uuid::new_v4();
    let b = u.as_bytes();
    // Bytes 6 and 8 hold the fixed version and variant bits; the other 13 are random.
    let bits = b[0..6].iter().chain(&b[9..16]).fold(0u128, |acc, x| (acc << 8) | u128::from(*x));
    (0..TRACKING_CODE_LEN).map(|i| TRACKING_ALPHABET[((bits >> (i * 5)) & 31) as usize] as char).collect()
}

/// Digits of a ticket's check code.
pub const CHECK_CODE_LEN: usize = 4;

/// The check code printed under a ticket's number: 4 digits derived from its
/// tracking code (so a kiosk computes it for an offline ticket too). With the
/// number it names the ticket when the citizen types instead of scanning the
/// QR: a guessed number alone (they are called aloud and shown on the board)
/// must not use up another citizen's one rating.
pub fn check_code(tracking_code: &str) -> String {
    let value = tracking_code.bytes().fold(0u128, |acc, b| {
        let digit = TRACKING_ALPHABET.iter().position(|a| *a == b).unwrap_or(0) as u128;
        (acc << 5) | digit
    });
    format!("{:0width$}", value % 10u128.pow(CHECK_CODE_LEN as u32), width = CHECK_CODE_LEN)
}

/// Whether `s` looks like a tracking code (cheap check before a lookup).
pub fn is_tracking_code(s: &str) -> bool {
    s.len() == TRACKING_CODE_LEN && s.bytes().all(|b| TRACKING_ALPHABET.contains(&b))
}

/// Every error response: a stable snake_case `code` for programs and a
/// `message` for people. `next_open` accompanies `service_closed` and `cap_reached`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_open: Option<DateTime<Utc>>,
}

/// `GET /api/v1/health` (public).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
    pub server_time: DateTime<Utc>,
    pub service_day: NaiveDate,
}

/// `GET /api/v1/health` with 503: an error body (`code` is `unhealthy`) that
/// also lists what is wrong (`writer_dead`, `data_dir_not_writable`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthProblem {
    pub code: String,
    pub message: String,
    pub status: String,
    pub problems: Vec<String>,
    pub version: String,
    pub server_time: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_codes_are_well_formed_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..2000 {
            let c = new_tracking_code();
            assert!(is_tracking_code(&c), "{c}");
            assert!(seen.insert(c));
        }
        assert!(!is_tracking_code("short"));
        assert!(!is_tracking_code("ILOU0000000000000000"));
    }

    #[test]
    fn check_codes_are_four_digits_that_follow_the_tracking_code() {
        assert_eq!(check_code("00000000000000000000"), "0000");
        let spread: std::collections::HashSet<String> =
            (0..200).map(|_| check_code(&new_tracking_code())).collect();
        assert!(spread.len() > 180, "codes spread over the 10,000 values: {}", spread.len());
        let code = new_tracking_code();
        let c = check_code(&code);
        assert_eq!(c.len(), 4);
        assert!(c.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(c, check_code(&code), "the same ticket, the same code");
    }

    #[test]
    fn citizen_debug_never_shows_identity_in_clear() {
        let c = CitizenInfo {
            id_number: "048095000123".into(),
            full_name: "Nguyễn Văn An".into(),
            birth_date: NaiveDate::from_ymd_opt(1995, 3, 15).unwrap(),
        };
        let s = format!("{c:?}");
        assert!(s.contains("048*******23"), "{s}");
        assert!(!s.contains("048095000123") && !s.contains("Nguyễn") && !s.contains("1995"), "{s}");
    }

    #[test]
    fn events_serialise_with_kind_and_data_and_round_trip_from_stored_parts() {
        let ev = CentreEvent {
            id: 7,
            at: DateTime::from_timestamp(1_772_000_000, 0).unwrap(),
            body: EventBody::TicketCalled(TicketCallData {
                number: "A-023".into(),
                service: "HT".into(),
                counter: 3,
                calls: 1,
                called_at: DateTime::from_timestamp(1_772_000_000, 0).unwrap(),
            }),
        };
        let v = serde_json::to_value(&ev).unwrap();
        assert_eq!(v["kind"], "ticket_called");
        assert_eq!(v["data"]["counter"], 3);
        assert_eq!(v["id"], 7);
        let back: CentreEvent = serde_json::from_value(v).unwrap();
        assert_eq!(back, ev);
        let body = EventBody::from_parts(ev.body.kind(), &ev.body.data_json()).unwrap();
        assert_eq!(body, ev.body);
    }

    #[test]
    fn replay_fields_are_optional_in_a_ticket_request() {
        let r: IssueTicketRequest =
            serde_json::from_str(r#"{"service":"HT","idempotency_key":"k","kiosk_id":"kiosk-01"}"#).unwrap();
        assert_eq!(r.priority, None);
        assert!(r.offline_number.is_none() && r.issued_at.is_none() && r.citizen.is_none());
    }
}
