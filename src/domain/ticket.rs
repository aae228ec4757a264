//! Queue tickets: numbers, priority groups.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A ticket number as printed and called: the service prefix and a daily
/// sequence, e.g. `A-023`. Offline numbers come from the kiosk's reserved range
/// (e.g. `A-901`), so they never collide with the centre's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TicketNumber {
    pub prefix: char,
    pub seq: u32,
}

impl TicketNumber {
    pub fn new(prefix: char, seq: u32) -> Self {
        Self { prefix, seq }
    }

    /// Parses `A-023`, `a023` or `A 23` (what people type on a keypad).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let mut chars = s.chars();
        let prefix = chars.next()?.to_ascii_uppercase();
        if !prefix.is_ascii_uppercase() {
            return None;
        }
        let rest = chars.as_str().trim_start_matches(['-', ' ']);
        if rest.is_empty() || rest.len() > 6 || !rest.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Self { prefix, seq: rest.parse().ok()? })
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:03}", self.prefix, self.seq)
    }
}

/// Groups served ahead of the normal queue. The set offered at a kiosk is
/// configuration; these are the groups Vietnamese offices commonly prioritise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorityGroup {
    /// Người cao tuổi
    Elderly,
    /// Người khuyết tật
    Disabled,
    /// Phụ nữ mang thai
    Pregnant,
    /// Người có công với cách mạng
    RevolutionaryMerit,
}

impl PriorityGroup {
    pub const ALL: [PriorityGroup; 4] = [
        PriorityGroup::Elderly,
        PriorityGroup::Disabled,
        PriorityGroup::Pregnant,
        PriorityGroup::RevolutionaryMerit,
    ];

    pub fn label_vi(self) -> &'static str {
        match self {
            PriorityGroup::Elderly => "Người cao tuổi",
            PriorityGroup::Disabled => "Người khuyết tật",
            PriorityGroup::Pregnant => "Phụ nữ mang thai",
            PriorityGroup::RevolutionaryMerit => "Người có công với cách mạng",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            PriorityGroup::Elderly => "Elderly",
            PriorityGroup::Disabled => "Person with disability",
            PriorityGroup::Pregnant => "Pregnant woman",
            PriorityGroup::RevolutionaryMerit => "Person with revolutionary merit",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            PriorityGroup::Elderly => "elderly",
            PriorityGroup::Disabled => "disabled",
            PriorityGroup::Pregnant => "pregnant",
            PriorityGroup::RevolutionaryMerit => "revolutionary_merit",
        }
    }

    pub fn from_key(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.key() == s)
    }
}

/// Where a ticket is in its life. `Expired` marks tickets still waiting (or at a
/// counter) when their service day ended; rows are kept, never deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    Waiting,
    Called,
    Served,
    NoShow,
    Expired,
}

impl TicketStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Waiting => "waiting",
            TicketStatus::Called => "called",
            TicketStatus::Served => "served",
            TicketStatus::NoShow => "no_show",
            TicketStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Waiting, Self::Called, Self::Served, Self::NoShow, Self::Expired]
            .into_iter()
            .find(|t| t.as_str() == s)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            TicketStatus::Waiting => "Đang chờ",
            TicketStatus::Called => "Đang được gọi",
            TicketStatus::Served => "Đã phục vụ",
            TicketStatus::NoShow => "Vắng mặt",
            TicketStatus::Expired => "Hết hiệu lực",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_displays_with_three_digits() {
        assert_eq!(TicketNumber::new('A', 23).to_string(), "A-023");
        assert_eq!(TicketNumber::new('B', 1234).to_string(), "B-1234");
    }

    #[test]
    fn number_parses_what_people_type() {
        assert_eq!(TicketNumber::parse("A-023"), Some(TicketNumber::new('A', 23)));
        assert_eq!(TicketNumber::parse("a23"), Some(TicketNumber::new('A', 23)));
        assert_eq!(TicketNumber::parse(" B 7 "), Some(TicketNumber::new('B', 7)));
        assert_eq!(TicketNumber::parse("023"), None);
        assert_eq!(TicketNumber::parse("A-"), None);
        assert_eq!(TicketNumber::parse("A-12x"), None);
    }

    #[test]
    fn status_strings_round_trip() {
        for t in [
            TicketStatus::Waiting,
            TicketStatus::Called,
            TicketStatus::Served,
            TicketStatus::NoShow,
            TicketStatus::Expired,
        ] {
            assert_eq!(TicketStatus::parse(t.as_str()), Some(t));
            assert_eq!(serde_json::to_value(t).unwrap(), serde_json::json!(t.as_str()));
        }
        assert_eq!(TicketStatus::parse("gone"), None);
    }

    #[test]
    fn priority_keys_round_trip() {
        for g in PriorityGroup::ALL {
            assert_eq!(PriorityGroup::from_key(g.key()), Some(g));
        }
    }
}
