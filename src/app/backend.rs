//! The seam between the kiosk screens and whatever issues tickets: the
//! built-in centre in this process, or the central backend over HTTP (with the
//! offline fallback). Screens only see these view types.

use crate::domain::localtime::{time_on_day_en, time_on_day_vi};
use crate::domain::queue_rules::Availability;
use crate::domain::rating::{IndexScores, RatingLevel};
use crate::domain::ticket::{PriorityGroup, TicketStatus};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::future::BoxFuture;

/// Why a service takes no number now, and when it opens again, as the
/// service tile says it (Vietnamese, English); empty when it is open.
pub fn availability_note(a: &Availability) -> (String, String) {
    let again = |t: &Option<DateTime<Utc>>| match t {
        Some(t) => (
            format!(" Mở lại lúc {}.", time_on_day_vi(*t)),
            format!(" Opens again at {}.", time_on_day_en(*t)),
        ),
        None => (String::new(), String::new()),
    };
    let (why_vi, why_en, next_open) = match a {
        Availability::Open => return (String::new(), String::new()),
        Availability::Closed { next_open } => ("Ngoài giờ làm việc.", "Closed now.", next_open),
        Availability::CapReached { next_open } => ("Đã hết số hôm nay.", "No numbers left today.", next_open),
    };
    let (vi, en) = again(next_open);
    (format!("{why_vi}{vi}"), format!("{why_en}{en}"))
}

/// A queue service as the kiosk shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceView {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub prefix: String,
    pub counters: Vec<u32>,
    pub waiting: u32,
    pub wait_minutes: u32,
    pub available: bool,
    /// Why it is not available ([`availability_note`]).
    pub note_vi: String,
    pub note_en: String,
    /// `waiting` and `wait_minutes` are the centre's figures of now; false
    /// offline, where the kiosk shows no figures rather than invent them.
    pub live: bool,
}

/// Whether the kiosk can give a number now (the home status line, the take
/// a number page, and an alert in the heartbeat when it cannot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issuing {
    /// The centre answers (or is built in).
    Normal,
    /// The centre is unreachable: numbers from this kiosk's offline range.
    Offline,
    /// Nothing to offer: no service configured nor remembered.
    Unavailable,
}

/// What the centre needs from an ID-card scan (only this leaves the kiosk).
#[derive(Clone, PartialEq)]
pub struct CitizenRef {
    pub id_number: String,
    pub full_name: String,
    pub birth_date: String,
}

impl std::fmt::Debug for CitizenRef {
    // Personal data never reaches logs in clear.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CitizenRef(<masked>)")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct IssueRequest {
    pub service: String,
    pub priority: Option<PriorityGroup>,
    pub citizen: Option<CitizenRef>,
}

/// An issued ticket as the kiosk shows and prints it (the centre's API
/// answers with `centre::api::TicketView`; this is what the screens need of it).
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedTicket {
    pub number: String,
    pub service_code: String,
    pub service_name_vi: String,
    pub service_name_en: String,
    pub counters: Vec<u32>,
    pub issued_at: DateTime<Utc>,
    pub people_ahead: u32,
    pub wait_minutes: u32,
    pub tracking_url: String,
    /// 4 digits printed under the number (see `centre::api::check_code`).
    pub check_code: String,
    pub offline: bool,
    pub priority: Option<PriorityGroup>,
}

/// A failure the citizen is told about in plain words.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{en}")]
pub struct BackendError {
    pub vi: String,
    pub en: String,
}

impl BackendError {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Self { vi: vi.into(), en: en.into() }
    }
}

/// A dossier as the kiosk shows it (from `centre::api::DossierView`, both
/// languages side by side): nothing personal beyond the masked name.
#[derive(Debug, Clone, PartialEq)]
pub struct DossierDetails {
    pub code: String,
    pub procedure_vi: String,
    pub procedure_en: String,
    /// Masked, e.g. `Nguyễn V. A.`.
    pub applicant: String,
    pub received_at: DateTime<Utc>,
    pub appointment: NaiveDate,
    /// 1-10.
    pub status_code: u8,
    pub status_vi: String,
    pub status_en: String,
    pub overdue: bool,
    /// Waiting for the citizen (status 5/6): the clock is paused.
    pub paused: bool,
    pub deadline_vi: String,
    pub deadline_en: String,
    pub next_step_vi: String,
    pub next_step_en: String,
    /// Oldest first.
    pub history: Vec<DossierStep>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DossierStep {
    pub at: DateTime<Utc>,
    pub agency: String,
    pub action: String,
}

/// Why a dossier could not be shown; the screen tells each case apart.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DossierLookupError {
    #[error("not a dossier code")]
    Malformed,
    #[error("no such dossier")]
    NotFound,
    #[error("the centre is unreachable")]
    Unreachable,
    #[error("the centre did not answer in time")]
    Timeout,
    #[error("{0}")]
    Failed(BackendError),
}

impl DossierLookupError {
    pub fn message_vi(&self, code: &str) -> String {
        match self {
            DossierLookupError::Malformed => format!(
                "“{code}” không phải là mã hồ sơ. Mã hồ sơ in trên giấy hẹn trả kết quả, có dạng 000.00.06.H56-231027-0361."
            ),
            DossierLookupError::NotFound => format!(
                "Không tìm thấy hồ sơ mã {code}. Vui lòng kiểm tra lại mã trên giấy hẹn, hoặc hỏi cán bộ tại quầy hướng dẫn."
            ),
            DossierLookupError::Unreachable => {
                "Không kết nối được với hệ thống tra cứu hồ sơ. Vui lòng thử lại sau ít phút hoặc hỏi cán bộ tại quầy hướng dẫn.".into()
            }
            DossierLookupError::Timeout => {
                "Hệ thống tra cứu hồ sơ đang phản hồi chậm. Vui lòng thử lại sau ít phút.".into()
            }
            DossierLookupError::Failed(e) => e.vi.clone(),
        }
    }

    pub fn message_en(&self, code: &str) -> String {
        match self {
            DossierLookupError::Malformed => format!(
                "“{code}” is not a dossier code. The code is printed on your appointment receipt and looks like 000.00.06.H56-231027-0361."
            ),
            DossierLookupError::NotFound => format!(
                "No dossier has the code {code}. Please check the code on your receipt, or ask at the information desk."
            ),
            DossierLookupError::Unreachable => {
                "The dossier system cannot be reached. Please try again in a few minutes or ask at the information desk.".into()
            }
            DossierLookupError::Timeout => {
                "The dossier system is answering slowly. Please try again in a few minutes.".into()
            }
            DossierLookupError::Failed(e) => e.en.clone(),
        }
    }
}

/// The ticket a citizen rates: scanned (tracking code) or typed (number and
/// the check code printed under it, day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RatingTicket {
    Tracking(String),
    Number { number: String, check_code: String, day: NaiveDate },
}

/// What the rating screen shows before the three choices.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingContextView {
    /// `A-023`; `None` when offline and only the tracking code is known.
    pub ticket_number: Option<String>,
    pub counter: Option<u32>,
    pub officer: Option<String>,
    /// `None` when the centre could not be asked.
    pub status: Option<TicketStatus>,
    pub can_rate: bool,
    pub already_rated: bool,
    /// The centre is unreachable: the rating will be queued.
    pub offline: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RatingVote {
    /// `None`: anonymous.
    pub ticket: Option<RatingTicket>,
    pub level: RatingLevel,
    pub indices: Option<IndexScores>,
}

/// How a rating vote ended, as the rating screen tells it (the centre's own
/// record of it is `centre::core::ratings::RateOutcome`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteOutcome {
    /// Stored, or queued to be sent when the centre is back.
    Thanks {
        queued: bool,
    },
    AlreadyRated,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RatingError {
    #[error("no such ticket")]
    NotFound,
    #[error("several tickets have this number")]
    Ambiguous,
    #[error("the ticket was not served")]
    NotServed,
    #[error("anonymous ratings are not accepted")]
    AnonymousNotAllowed,
    #[error("{0}")]
    Failed(BackendError),
}

pub trait QueueBackend: Send + Sync + 'static {
    fn services(&self) -> BoxFuture<'_, Result<Vec<ServiceView>, BackendError>>;
    fn issue(&self, req: IssueRequest) -> BoxFuture<'_, Result<IssuedTicket, BackendError>>;
    /// A dossier's status by its code (as typed or scanned).
    fn dossier(&self, code: String) -> BoxFuture<'_, Result<DossierDetails, DossierLookupError>>;
    /// The ticket a citizen wants to rate.
    fn rating_context(&self, ticket: RatingTicket) -> BoxFuture<'_, Result<RatingContextView, RatingError>>;
    /// Records a rating (queued when the centre is unreachable).
    fn rate(&self, vote: RatingVote) -> BoxFuture<'_, Result<VoteOutcome, RatingError>>;
    /// Asks for an officer at this kiosk: `Ok(true)` when the centre took a
    /// new request, `Ok(false)` when one from this kiosk was already open
    /// (someone is coming either way). Never queued: offline it fails.
    fn request_help(&self) -> BoxFuture<'_, Result<bool, BackendError>> {
        Box::pin(async {
            Err(BackendError::new("Máy này không gọi được nhân viên", "This kiosk cannot call staff"))
        })
    }
    /// Whether the central backend answered recently (drives the home footer).
    fn online(&self) -> bool {
        true
    }
    /// Whether a number can be issued now.
    fn issuing(&self) -> Issuing {
        if self.online() {
            Issuing::Normal
        } else {
            Issuing::Offline
        }
    }
}
