//! Who may do what at the centre. Every caller of the API is a [`Principal`]:
//! today a device with a role (kiosk, display, counter, admin); an officer's
//! session at a counter can join as a second kind. A principal is asked for an
//! [`Action`] in a [`Scope`] (which kiosk, which counter) and answers with
//! `Ok` or the reason it is [`Denied`]. The table of which role may do what is
//! [`Role::grants`]; docs/security.md shows the same table.

use std::fmt;

/// What a device is for; it decides what its token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A citizen kiosk: tickets, heartbeats, ratings, dossier lookups, the catalog.
    Kiosk,
    /// A queue board: reads the state and the event stream, nothing else.
    Display,
    /// A counter terminal: the counter actions of its own counters.
    Counter,
    /// The centre's administrator: everything, reports, devices.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Kiosk, Role::Display, Role::Counter, Role::Admin];

    pub fn key(self) -> &'static str {
        match self {
            Role::Kiosk => "kiosk",
            Role::Display => "display",
            Role::Counter => "counter",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == s)
    }

    /// Whether this role may perform `action` at all (its scope is checked
    /// separately: a kiosk acts only as itself, a counter only at its counters).
    pub fn grants(self, action: Action) -> bool {
        use Action::*;
        match self {
            Role::Admin => true,
            Role::Kiosk => matches!(
                action,
                ReadServices
                    | IssueTicket
                    | KioskReport
                    | RatingContext
                    | Rate
                    | LookupDossier
                    | DownloadCatalog
            ),
            Role::Display => matches!(action, ReadServices | ReadQueue),
            Role::Counter => {
                matches!(
                    action,
                    ReadServices | ReadQueue | CounterAction | SeeCitizen | RateAtCounter | AnswerHelp
                )
            }
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Everything a caller can ask of the centre's API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// The service list with live figures.
    ReadServices,
    /// The queue as displays show it: state snapshot, event stream, counters.
    ReadQueue,
    /// Issue a ticket (scope: the kiosk it is issued at, and its offline number).
    IssueTicket,
    /// A kiosk reporting about itself: heartbeats (scope: that kiosk).
    KioskReport,
    /// Find the ticket a citizen wants to rate.
    RatingContext,
    /// Store a rating (scope: the kiosk it was given at).
    Rate,
    /// A dossier's status.
    LookupDossier,
    /// The procedure catalog.
    DownloadCatalog,
    /// Call, recall, complete, no-show, pause, resume (scope: the counter).
    CounterAction,
    /// See the citizen's identity on the ticket at a counter (scope: the counter).
    SeeCitizen,
    /// Store the citizen's rating of the ticket just served, given on the
    /// counter's own screen (scope: the counter). Never an officer's session:
    /// officers do not rate their own service.
    RateAtCounter,
    /// Every kiosk's last heartbeat (the fleet).
    ReadKiosks,
    /// Reports for officials (rating summaries).
    Reports,
    /// Add, revoke and list devices.
    ManageDevices,
    /// Acknowledge a citizen's help request from a kiosk.
    AnswerHelp,
}

impl Action {
    pub const ALL: [Action; 15] = [
        Action::ReadServices,
        Action::ReadQueue,
        Action::IssueTicket,
        Action::KioskReport,
        Action::RatingContext,
        Action::Rate,
        Action::LookupDossier,
        Action::DownloadCatalog,
        Action::CounterAction,
        Action::SeeCitizen,
        Action::RateAtCounter,
        Action::ReadKiosks,
        Action::Reports,
        Action::ManageDevices,
        Action::AnswerHelp,
    ];

    /// What it is, for the reason of a refusal ("a display may not issue tickets").
    pub fn describe(self) -> &'static str {
        match self {
            Action::ReadServices => "read the service list",
            Action::ReadQueue => "read the queue state and events",
            Action::IssueTicket => "issue tickets",
            Action::KioskReport => "send kiosk heartbeats and help requests",
            Action::RatingContext => "look up tickets to rate",
            Action::Rate => "send ratings",
            Action::LookupDossier => "look up dossiers",
            Action::DownloadCatalog => "download the procedure catalog",
            Action::CounterAction => "act at counters",
            Action::SeeCitizen => "see citizens' identity",
            Action::RateAtCounter => "send ratings from a counter screen",
            Action::ReadKiosks => "read the kiosks' health",
            Action::Reports => "read reports",
            Action::ManageDevices => "manage devices",
            Action::AnswerHelp => "answer help requests",
        }
    }
}

/// What an action is about, when that decides who may do it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Nothing particular (or not known yet: the role alone is checked, and the
    /// handler checks the scope once it has read the request body).
    Any,
    /// On behalf of a kiosk; `offline_seq` is the sequence of an offline number
    /// it printed (e.g. 901 for `A-901`), which must lie in its range.
    Kiosk { id: &'a str, offline_seq: Option<u32> },
    /// At a counter; `None` when the path does not name a valid counter.
    Counter(Option<u32>),
}

/// Why a principal may not do something (the 403 message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied(pub String);

impl fmt::Display for Denied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A device known to the centre (from the config or the `devices` table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// For a kiosk, its `kiosk.id`.
    pub id: String,
    pub role: Role,
    /// Counter role: the counters it may act at.
    pub counters: Vec<u32>,
    /// Kiosk role: the sequences of its offline numbers (`None`: it may not
    /// issue offline numbers).
    pub offline_range: Option<(u32, u32)>,
}

impl Device {
    pub fn check(&self, action: Action, scope: Scope<'_>) -> Result<(), Denied> {
        if !self.role.grants(action) {
            return Err(Denied(format!("a {} device may not {}", self.role, action.describe())));
        }
        match (self.role, scope) {
            (Role::Admin, _) | (_, Scope::Any) => Ok(()),
            (Role::Kiosk, Scope::Kiosk { id, offline_seq }) => {
                if id != self.id {
                    return Err(Denied(format!("this token belongs to kiosk `{}`, not `{id}`", self.id)));
                }
                match (offline_seq, self.offline_range) {
                    (None, _) => Ok(()),
                    (Some(seq), Some((lo, hi))) if (lo..=hi).contains(&seq) => Ok(()),
                    (Some(seq), Some((lo, hi))) => Err(Denied(format!(
                        "offline number {seq} is outside kiosk `{}`'s range {lo}-{hi}",
                        self.id
                    ))),
                    (Some(_), None) => {
                        Err(Denied(format!("kiosk `{}` has no offline number range at this centre", self.id)))
                    }
                }
            }
            (Role::Counter, Scope::Counter(n)) => match n {
                Some(n) if self.counters.contains(&n) => Ok(()),
                _ => Err(Denied(format!(
                    "this token acts at counter(s) {} only",
                    self.counters.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
                ))),
            },
            // A scope that does not fit the role (never asked by the server).
            (role, scope) => Err(Denied(format!("a {role} device cannot act on {scope:?}"))),
        }
    }
}

/// A browser session of the officer console (bound to one counter) or of a
/// manager's dashboard: what the console and the dashboard need, nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    /// For logs: `officer:<login>` or the device it was opened with.
    pub id: String,
    /// The counter the officer signed in at.
    pub counter: Option<u32>,
    /// May read reports, rating summaries and the kiosks' health.
    pub manager: bool,
}

impl ConsoleSession {
    pub fn check(&self, action: Action, scope: Scope<'_>) -> Result<(), Denied> {
        use Action::*;
        let own_counter = matches!(scope, Scope::Counter(Some(n)) if self.counter == Some(n));
        let ok = match action {
            // Any officer or manager may go to a citizen who asked for help.
            ReadServices | ReadQueue | AnswerHelp => true,
            CounterAction | SeeCitizen => own_counter,
            Reports | ReadKiosks => self.manager,
            _ => false,
        };
        if ok {
            return Ok(());
        }
        Err(Denied(match (action, self.counter) {
            (CounterAction | SeeCitizen, Some(n)) => format!("this session is for counter {n}"),
            (CounterAction | SeeCitizen, None) => "this session has no counter".to_string(),
            (Reports | ReadKiosks, _) => "only a manager's session may read reports".to_string(),
            (a, _) => format!("a console session may not {}", a.describe()),
        }))
    }
}

/// Whoever made a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Device(Device),
    /// An officer's (or manager's) browser session.
    Session(ConsoleSession),
}

impl Principal {
    /// Stable id (device id), for logs and per-caller limits.
    pub fn id(&self) -> &str {
        match self {
            Principal::Device(d) => &d.id,
            Principal::Session(s) => &s.id,
        }
    }

    pub fn check(&self, action: Action, scope: Scope<'_>) -> Result<(), Denied> {
        match self {
            Principal::Device(d) => d.check(action, scope),
            Principal::Session(s) => s.check(action, scope),
        }
    }

    pub fn allows(&self, action: Action, scope: Scope<'_>) -> bool {
        self.check(action, scope).is_ok()
    }
}

/// Whether two offline ranges share a number.
pub fn ranges_overlap(a: (u32, u32), b: (u32, u32)) -> bool {
    a.0 <= b.1 && b.0 <= a.1
}

/// Parses `800-899` (the `--range` of `devices add`).
pub fn parse_range(s: &str) -> Option<(u32, u32)> {
    let (a, b) = s.split_once('-')?;
    let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (a >= 1 && a <= b && b <= 9999).then_some((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dev(role: Role) -> Device {
        Device {
            id: "kiosk-03".into(),
            role,
            counters: if role == Role::Counter { vec![1, 2] } else { vec![] },
            offline_range: (role == Role::Kiosk).then_some((800, 899)),
        }
    }

    #[test]
    fn each_role_gets_exactly_its_actions() {
        // Must hold: the role table of docs/security.md.
        use Action::*;
        let table: &[(Role, &[Action])] = &[
            (
                Role::Kiosk,
                &[
                    ReadServices,
                    IssueTicket,
                    KioskReport,
                    RatingContext,
                    Rate,
                    LookupDossier,
                    DownloadCatalog,
                ],
            ),
            (Role::Display, &[ReadServices, ReadQueue]),
            (Role::Counter, &[ReadServices, ReadQueue, CounterAction, SeeCitizen, RateAtCounter, AnswerHelp]),
            (Role::Admin, &Action::ALL),
        ];
        for (role, allowed) in table {
            for a in Action::ALL {
                assert_eq!(role.grants(a), allowed.contains(&a), "{role} {a:?}");
            }
        }
    }

    #[test]
    fn a_kiosk_acts_only_as_itself_and_inside_its_range() {
        let k = dev(Role::Kiosk);
        let me = |seq| Scope::Kiosk { id: "kiosk-03", offline_seq: seq };
        assert!(k.check(Action::IssueTicket, me(None)).is_ok());
        assert!(k.check(Action::IssueTicket, me(Some(800))).is_ok());
        assert!(k.check(Action::IssueTicket, me(Some(899))).is_ok());
        let e = k.check(Action::IssueTicket, me(Some(900))).unwrap_err();
        assert!(e.0.contains("800-899"), "{e}");
        let e = k.check(Action::KioskReport, Scope::Kiosk { id: "kiosk-01", offline_seq: None }).unwrap_err();
        assert!(e.0.contains("kiosk-01"), "{e}");
        let no_range = Device { offline_range: None, ..k.clone() };
        assert!(no_range.check(Action::IssueTicket, me(Some(800))).is_err());
        assert!(no_range.check(Action::IssueTicket, me(None)).is_ok());
        let e = k.check(Action::CounterAction, Scope::Counter(Some(1))).unwrap_err();
        assert_eq!(e.0, "a kiosk device may not act at counters");
    }

    #[test]
    fn a_console_session_reaches_only_its_own_counter_and_managers_the_reports() {
        let s =
            Principal::Session(ConsoleSession { id: "officer:lan".into(), counter: Some(3), manager: false });
        assert!(s.allows(Action::CounterAction, Scope::Counter(Some(3))));
        assert!(s.allows(Action::SeeCitizen, Scope::Counter(Some(3))));
        assert!(!s.allows(Action::CounterAction, Scope::Counter(Some(4))));
        assert!(!s.allows(Action::CounterAction, Scope::Counter(None)));
        assert!(s.allows(Action::ReadQueue, Scope::Any));
        assert!(
            !s.allows(Action::RateAtCounter, Scope::Counter(Some(3))),
            "an officer does not rate their own service"
        );
        for a in
            [Action::IssueTicket, Action::Rate, Action::Reports, Action::ReadKiosks, Action::ManageDevices]
        {
            assert!(!s.allows(a, Scope::Any), "{a:?}");
        }
        let m = Principal::Session(ConsoleSession { id: "officer:hoa".into(), counter: None, manager: true });
        assert!(m.allows(Action::Reports, Scope::Any) && m.allows(Action::ReadKiosks, Scope::Any));
        assert!(
            !m.allows(Action::CounterAction, Scope::Counter(Some(3))),
            "a manager without a counter acts nowhere"
        );
        assert!(!m.allows(Action::ManageDevices, Scope::Any));
        assert_eq!(m.id(), "officer:hoa");
    }

    #[test]
    fn a_counter_acts_only_at_its_counters_and_admin_anywhere() {
        let c = dev(Role::Counter);
        assert!(c.check(Action::CounterAction, Scope::Counter(Some(2))).is_ok());
        assert!(c.check(Action::SeeCitizen, Scope::Counter(Some(1))).is_ok());
        assert!(c.check(Action::CounterAction, Scope::Counter(Some(3))).is_err());
        assert!(c.check(Action::CounterAction, Scope::Counter(None)).is_err());
        assert!(c.check(Action::RateAtCounter, Scope::Counter(Some(2))).is_ok());
        assert!(c.check(Action::RateAtCounter, Scope::Counter(Some(3))).is_err());
        assert!(c.check(Action::IssueTicket, Scope::Any).is_err());
        let a = dev(Role::Admin);
        assert!(a.check(Action::CounterAction, Scope::Counter(Some(99))).is_ok());
        assert!(a.check(Action::IssueTicket, Scope::Kiosk { id: "any", offline_seq: Some(5) }).is_ok());
        let d = Principal::Device(dev(Role::Display));
        assert!(d.allows(Action::ReadQueue, Scope::Any));
        assert!(!d.allows(Action::ReadServices, Scope::Counter(Some(1))));
        assert_eq!(d.id(), "kiosk-03");
    }

    #[test]
    fn ranges_parse_and_overlap() {
        assert_eq!(parse_range("800-899"), Some((800, 899)));
        assert_eq!(parse_range(" 1 - 9999 "), Some((1, 9999)));
        for bad in ["0-5", "9-8", "1-10000", "800", "a-b"] {
            assert_eq!(parse_range(bad), None, "{bad}");
        }
        assert!(ranges_overlap((800, 899), (899, 950)));
        assert!(!ranges_overlap((800, 899), (900, 999)));
    }
}
