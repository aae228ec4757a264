//! Dossier status lookup and the import file.

use super::{Channel, DossierStatus, NextStepKind};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A national status code with its labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierStatusView {
    /// 1-10, see `DossierStatus`.
    pub code: u8,
    pub label_vi: String,
    pub label_en: String,
}

/// The dossier against its appointment date, in working days (weekends and
/// `dossier.holidays` do not count, `dossier.make_up_working_days` do). While
/// the dossier waits for the citizen (status 5 or 6) the clock is paused:
/// `paused`, never overdue, no days left; finished waits move the date (`due`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadlineView {
    pub overdue: bool,
    /// Working days past the appointment date (0 when not overdue).
    pub working_days_late: u32,
    /// Working days until the appointment date while on time; `None` when
    /// overdue or when the dossier is closed (done, refused, withdrawn, stopped).
    pub working_days_left: Option<u32>,
    /// One line for the citizen; empty for closed dossiers.
    pub note_vi: String,
    pub note_en: String,
    /// Waiting for the citizen (status 5 or 6): the clock is paused.
    #[serde(default)]
    pub paused: bool,
    /// The appointment moved later by the working days the dossier waited for
    /// the citizen earlier (from the history); what `overdue` and the days are
    /// counted against. Older centres leave it out.
    #[serde(default)]
    pub due: Option<NaiveDate>,
}

/// What the citizen must do next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextStepView {
    pub kind: NextStepKind,
    pub text_vi: String,
    pub text_en: String,
    /// The counter concerned (papers, fees, results), when there is one.
    pub counter: Option<u32>,
}

/// One step of the processing history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierHistoryEntry {
    pub at: DateTime<Utc>,
    /// The agency or unit that acted, e.g. `Bộ phận một cửa`.
    pub agency: String,
    pub action: String,
    /// The status after this step, when the source says.
    pub status: Option<u8>,
}

/// `GET /api/v1/dossiers/{code}`. Nothing personal beyond the masked name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DossierView {
    pub code: String,
    pub procedure_code: String,
    pub procedure_name_vi: String,
    pub procedure_name_en: String,
    /// Masked, e.g. `Nguyễn V. A.`.
    pub applicant: String,
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    /// Ngày hẹn trả kết quả.
    pub appointment: NaiveDate,
    pub status: DossierStatusView,
    pub deadline: DeadlineView,
    pub next_step: NextStepView,
    pub missing_documents: Vec<String>,
    pub fee_vnd: Option<u64>,
    /// Oldest first.
    pub history: Vec<DossierHistoryEntry>,
    pub updated_at: DateTime<Utc>,
}

/// The file `motcua-kiosk dossiers import` reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DossierImportFile {
    pub dossiers: Vec<DossierRecord>,
}

/// One dossier as exported by an agency's system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DossierRecord {
    /// `{agency}-{yyMMdd}-{NNNN}`.
    pub code: String,
    /// National procedure code, e.g. `1.004222`.
    pub procedure_code: String,
    pub procedure_name_vi: String,
    #[serde(default)]
    pub procedure_name_en: String,
    /// The applicant's full name; the centre stores and shows it masked only.
    pub applicant: String,
    #[serde(default = "default_channel")]
    pub channel: Channel,
    pub received_at: DateTime<Utc>,
    pub appointment: NaiveDate,
    pub status: DossierStatus,
    #[serde(default)]
    pub missing_documents: Vec<String>,
    #[serde(default)]
    pub fee_vnd: Option<u64>,
    /// Where papers, fees and the result are handled.
    #[serde(default)]
    pub counter: Option<u32>,
    #[serde(default)]
    pub history: Vec<DossierHistoryRecord>,
}

fn default_channel() -> Channel {
    Channel::InPerson
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DossierHistoryRecord {
    pub at: DateTime<Utc>,
    pub agency: String,
    pub action: String,
    #[serde(default)]
    pub status: Option<DossierStatus>,
}

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub inserted: u32,
    pub updated: u32,
}
