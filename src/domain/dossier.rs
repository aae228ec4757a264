//! Dossiers (hồ sơ): the national status codes, what the citizen must do next,
//! and whether the dossier is late against its appointment date (ngày hẹn trả),
//! counted in working days.
//!
//! Pure: dates come in as local (UTC+7) calendar days.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Status codes of the national public-service portal (DVCQG), 1 to 10.
/// "Overdue" is not a status: see [`Deadline`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DossierStatus {
    /// 1 Mới đăng ký
    Registered,
    /// 2 Được tiếp nhận
    Accepted,
    /// 3 Không được tiếp nhận
    NotAccepted,
    /// 4 Đang xử lý
    Processing,
    /// 5 Yêu cầu bổ sung giấy tờ
    SupplementRequested,
    /// 6 Yêu cầu thực hiện nghĩa vụ tài chính
    PaymentRequested,
    /// 7 Công dân yêu cầu rút hồ sơ
    Withdrawn,
    /// 8 Dừng xử lý
    Stopped,
    /// 9 Đã xử lý xong
    Completed,
    /// 10 Đã trả kết quả
    Returned,
}

impl DossierStatus {
    pub const ALL: [DossierStatus; 10] = [
        DossierStatus::Registered,
        DossierStatus::Accepted,
        DossierStatus::NotAccepted,
        DossierStatus::Processing,
        DossierStatus::SupplementRequested,
        DossierStatus::PaymentRequested,
        DossierStatus::Withdrawn,
        DossierStatus::Stopped,
        DossierStatus::Completed,
        DossierStatus::Returned,
    ];

    /// The national code, 1 to 10.
    pub fn code(self) -> u8 {
        Self::ALL.iter().position(|s| *s == self).expect("in ALL") as u8 + 1
    }

    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.get(usize::from(code).checked_sub(1)?).copied()
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            DossierStatus::Registered => "Mới đăng ký",
            DossierStatus::Accepted => "Được tiếp nhận",
            DossierStatus::NotAccepted => "Không được tiếp nhận",
            DossierStatus::Processing => "Đang xử lý",
            DossierStatus::SupplementRequested => "Yêu cầu bổ sung giấy tờ",
            DossierStatus::PaymentRequested => "Yêu cầu thực hiện nghĩa vụ tài chính",
            DossierStatus::Withdrawn => "Công dân yêu cầu rút hồ sơ",
            DossierStatus::Stopped => "Dừng xử lý",
            DossierStatus::Completed => "Đã xử lý xong",
            DossierStatus::Returned => "Đã trả kết quả",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            DossierStatus::Registered => "Newly registered",
            DossierStatus::Accepted => "Accepted",
            DossierStatus::NotAccepted => "Not accepted",
            DossierStatus::Processing => "Being processed",
            DossierStatus::SupplementRequested => "Additional documents requested",
            DossierStatus::PaymentRequested => "Fees to be paid",
            DossierStatus::Withdrawn => "Withdrawn at the applicant's request",
            DossierStatus::Stopped => "Processing stopped",
            DossierStatus::Completed => "Processed, result ready",
            DossierStatus::Returned => "Result returned",
        }
    }

    /// Still on its way to a result: the appointment date binds the agency.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            DossierStatus::Registered
                | DossierStatus::Accepted
                | DossierStatus::Processing
                | DossierStatus::SupplementRequested
                | DossierStatus::PaymentRequested
        )
    }
}

impl Serialize for DossierStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.code())
    }
}

impl<'de> Deserialize<'de> for DossierStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = u8::deserialize(d)?;
        DossierStatus::from_code(code)
            .ok_or_else(|| serde::de::Error::custom(format!("status must be 1-10, not {code}")))
    }
}

/// How the dossier was submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// 1 trực tiếp
    InPerson,
    /// 2 trực tuyến
    Online,
    /// 3 bưu chính công ích
    Post,
}

impl Channel {
    pub fn code(self) -> u8 {
        match self {
            Channel::InPerson => 1,
            Channel::Online => 2,
            Channel::Post => 3,
        }
    }

    pub fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Channel::InPerson),
            2 => Some(Channel::Online),
            3 => Some(Channel::Post),
            _ => None,
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Channel::InPerson => "Trực tiếp",
            Channel::Online => "Trực tuyến",
            Channel::Post => "Bưu chính công ích",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Channel::InPerson => "In person",
            Channel::Online => "Online",
            Channel::Post => "Public postal service",
        }
    }
}

impl Serialize for Channel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.code())
    }
}

impl<'de> Deserialize<'de> for Channel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = u8::deserialize(d)?;
        Channel::from_code(code).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "channel must be 1 (trực tiếp), 2 (trực tuyến) or 3 (bưu chính), not {code}"
            ))
        })
    }
}

pub use crate::domain::calendar::{WorkCalendar, DEFAULT_HOLIDAYS_2026, DEFAULT_MAKE_UP_DAYS_2026};

/// Where a dossier stands against its appointment date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// Finished, withdrawn, stopped or refused: the appointment no longer binds.
    Closed,
    /// Waiting for the citizen (status 5: papers to supplement, 6: a fee to
    /// pay): the clock is paused, the dossier is neither late nor "on time".
    Paused { for_payment: bool },
    /// Open, `working_days_left` (at least 1) working days until the appointment.
    OnTime { working_days_left: u32 },
    /// Open and due now: the appointment is today, or passed with no working day since.
    Due,
    /// Open and past the appointment by this many working days (at least 1).
    Overdue { working_days: u32 },
}

/// A period the dossier waited for the citizen: from the day it entered
/// status 5 or 6 to the day it left it (`None`: still waiting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

/// The pauses in a dossier's history (local day and status of each entry,
/// oldest first; entries without a status do not change it).
pub fn pauses(history: &[(NaiveDate, Option<DossierStatus>)]) -> Vec<Pause> {
    let waiting =
        |s: DossierStatus| matches!(s, DossierStatus::SupplementRequested | DossierStatus::PaymentRequested);
    let mut out: Vec<Pause> = Vec::new();
    let mut open: Option<NaiveDate> = None;
    for (day, status) in history {
        let Some(s) = status else { continue };
        match (open, waiting(*s)) {
            (None, true) => open = Some(*day),
            (Some(from), false) => {
                out.push(Pause { from, until: Some(*day) });
                open = None;
            }
            _ => {}
        }
    }
    if let Some(from) = open {
        out.push(Pause { from, until: None });
    }
    out
}

/// The appointment moved later by the working days of the finished pauses:
/// the days after the request up to and including the day the citizen
/// answered do not count against the agency (a pause from Monday to Wednesday
/// moves the appointment by 2 working days). A pause still open is shown as
/// [`Deadline::Paused`] instead.
pub fn appointment_after_pauses(appointment: NaiveDate, pauses: &[Pause], cal: &WorkCalendar) -> NaiveDate {
    let paused: u32 =
        pauses.iter().filter_map(|p| p.until.map(|until| cal.working_days_between(p.from, until))).sum();
    cal.add_working_days(appointment, paused)
}

impl Deadline {
    /// A day past the appointment only counts once it is a working day: a
    /// dossier due on Friday is not late on Saturday, and is 1 working day late
    /// on Monday. Statuses 5 and 6 pause the clock.
    pub fn evaluate(
        status: DossierStatus,
        appointment: NaiveDate,
        today: NaiveDate,
        cal: &WorkCalendar,
    ) -> Self {
        match status {
            DossierStatus::SupplementRequested => return Deadline::Paused { for_payment: false },
            DossierStatus::PaymentRequested => return Deadline::Paused { for_payment: true },
            s if !s.is_open() => return Deadline::Closed,
            _ => {}
        }
        if today <= appointment {
            return match cal.working_days_between(today, appointment) {
                0 => Deadline::Due,
                n => Deadline::OnTime { working_days_left: n },
            };
        }
        match cal.working_days_between(appointment, today) {
            0 => Deadline::Due,
            n => Deadline::Overdue { working_days: n },
        }
    }

    pub fn is_overdue(self) -> bool {
        matches!(self, Deadline::Overdue { .. })
    }

    pub fn is_paused(self) -> bool {
        matches!(self, Deadline::Paused { .. })
    }

    pub fn working_days_late(self) -> u32 {
        match self {
            Deadline::Overdue { working_days } => working_days,
            _ => 0,
        }
    }

    /// One line for the citizen (empty for closed dossiers).
    pub fn note_vi(self, appointment: NaiveDate) -> String {
        let date = crate::domain::localtime::format_date(appointment);
        match self {
            Deadline::Closed => String::new(),
            Deadline::Paused { for_payment: false } => {
                "Thời hạn giải quyết tạm dừng trong khi chờ bạn bổ sung \
                 giấy tờ; ngày hẹn trả được tính lại sau khi bạn bổ sung."
                    .into()
            }
            Deadline::Paused { for_payment: true } => {
                "Thời hạn giải quyết tạm dừng trong khi chờ bạn nộp phí, \
                 lệ phí; ngày hẹn trả được tính lại sau khi bạn nộp."
                    .into()
            }
            Deadline::Due => format!("Đã đến ngày hẹn trả kết quả ({date})"),
            Deadline::OnTime { working_days_left } => {
                format!("Đúng hạn: còn {working_days_left} ngày làm việc đến ngày hẹn trả {date}")
            }
            Deadline::Overdue { working_days } => {
                format!("Trễ hạn {working_days} ngày làm việc so với ngày hẹn trả {date}")
            }
        }
    }

    pub fn note_en(self, appointment: NaiveDate) -> String {
        let date = crate::domain::localtime::format_date(appointment);
        let plural = |n: u32| if n == 1 { "" } else { "s" };
        match self {
            Deadline::Closed => String::new(),
            Deadline::Paused { for_payment: false } => {
                "The processing time is paused until you bring the papers; the appointment is set again then."
                    .into()
            }
            Deadline::Paused { for_payment: true } => {
                "The processing time is paused until you pay; the appointment is set again then.".into()
            }
            Deadline::Due => format!("The result is due now (appointment {date})"),
            Deadline::OnTime { working_days_left: n } => {
                format!("On time: {n} working day{} left until the appointment on {date}", plural(n))
            }
            Deadline::Overdue { working_days: n } => {
                format!("Overdue by {n} working day{} (appointment {date})", plural(n))
            }
        }
    }
}

/// What the citizen should do next, by kind (stable for programs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextStepKind {
    /// Nothing to do but wait (for the appointment date).
    Wait,
    /// Bring the missing papers.
    BringDocuments,
    /// Pay a fee or charge.
    PayFee,
    /// Collect the result at a counter.
    CollectResult,
    /// The result comes by post.
    AwaitPost,
    /// Ask at the desk (refused, stopped).
    AskDesk,
    /// Collect the papers of a withdrawn dossier.
    CollectPapers,
    /// Nothing left to do.
    Done,
}

/// What the next step depends on besides the status.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NextStepFacts<'a> {
    pub missing_documents: &'a [String],
    pub fee_vnd: Option<u64>,
    /// The counter where papers, fees and results are handled.
    pub counter: Option<u32>,
    pub channel: Option<Channel>,
    pub appointment: Option<NaiveDate>,
    /// Past the appointment (see [`Deadline`]).
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextStep {
    pub kind: NextStepKind,
    pub text_vi: String,
    pub text_en: String,
}

/// `10.000 đ` (dot as thousands separator).
pub fn format_vnd(amount: u64) -> String {
    let digits = amount.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out + " đ"
}

/// `VND 10,000`.
fn format_vnd_en(amount: u64) -> String {
    format_vnd(amount).trim_end_matches(" đ").replace('.', ",") + " VND"
}

/// The next thing the citizen must do for a dossier in `status`.
pub fn next_step(status: DossierStatus, f: &NextStepFacts<'_>) -> NextStep {
    let at_vi = match f.counter {
        Some(n) => format!("quầy số {n}"),
        None => "Bộ phận một cửa".to_string(),
    };
    let at_en = match f.counter {
        Some(n) => format!("counter {n}"),
        None => "the one-stop desk".to_string(),
    };
    let date = f.appointment.map(crate::domain::localtime::format_date);
    let step = |kind, vi: String, en: String| NextStep { kind, text_vi: vi, text_en: en };
    match status {
        DossierStatus::Registered => step(
            NextStepKind::Wait,
            "Hồ sơ đang chờ cán bộ kiểm tra để tiếp nhận. Bạn chưa cần làm gì thêm.".into(),
            "The dossier is waiting to be checked and accepted. Nothing to do yet.".into(),
        ),
        DossierStatus::Accepted | DossierStatus::Processing if f.overdue => step(
            NextStepKind::Wait,
            format!("Hồ sơ đã quá ngày hẹn trả. Cơ quan giải quyết phải gửi phiếu xin lỗi và hẹn lại ngày trả kết quả; bạn có thể hỏi thêm tại {at_vi}."),
            format!("The dossier is past its appointment date. The agency must apologise in writing and set a new date; you can ask at {at_en}."),
        ),
        DossierStatus::Accepted | DossierStatus::Processing => match date {
            Some(d) => step(
                NextStepKind::Wait,
                format!("Hồ sơ đang được giải quyết. Bạn chưa cần làm gì thêm; mời quay lại nhận kết quả vào ngày hẹn trả {d}."),
                format!("The dossier is being processed. Nothing to do now; please come back for the result on {d}."),
            ),
            None => step(
                NextStepKind::Wait,
                "Hồ sơ đang được giải quyết. Bạn chưa cần làm gì thêm.".into(),
                "The dossier is being processed. Nothing to do now.".into(),
            ),
        },
        DossierStatus::SupplementRequested => {
            let (vi, en) = if f.missing_documents.is_empty() {
                (
                    format!("Mang giấy tờ bổ sung theo yêu cầu đến {at_vi}."),
                    format!("Bring the additional papers requested to {at_en}."),
                )
            } else {
                let list = f.missing_documents.join("; ");
                (format!("Mang bổ sung: {list} đến {at_vi}."), format!("Please bring: {list} to {at_en}."))
            };
            step(NextStepKind::BringDocuments, vi, en)
        }
        DossierStatus::PaymentRequested => {
            let (vi, en) = match f.fee_vnd {
                Some(fee) => (
                    format!("Nộp phí, lệ phí {} tại {at_vi} (hoặc thanh toán trực tuyến) để hồ sơ được tiếp tục giải quyết.", format_vnd(fee)),
                    format!("Pay the fee of {} at {at_en} (or online) so the dossier can go on.", format_vnd_en(fee)),
                ),
                None => (
                    format!("Nộp phí, lệ phí theo thông báo tại {at_vi} (hoặc thanh toán trực tuyến) để hồ sơ được tiếp tục giải quyết."),
                    format!("Pay the fees notified to you at {at_en} (or online) so the dossier can go on."),
                ),
            };
            step(NextStepKind::PayFee, vi, en)
        }
        DossierStatus::NotAccepted => step(
            NextStepKind::AskDesk,
            format!("Hồ sơ không được tiếp nhận. Mời đến {at_vi} để được hướng dẫn lý do và cách hoàn thiện hồ sơ."),
            format!("The dossier was not accepted. Please ask at {at_en} for the reason and how to complete it."),
        ),
        DossierStatus::Withdrawn => step(
            NextStepKind::CollectPapers,
            format!("Hồ sơ đã được rút theo yêu cầu của bạn. Mời mang giấy tiếp nhận và căn cước đến {at_vi} để nhận lại giấy tờ."),
            format!("The dossier was withdrawn at your request. Bring the receipt and your ID card to {at_en} to collect your papers."),
        ),
        DossierStatus::Stopped => step(
            NextStepKind::AskDesk,
            format!("Hồ sơ đã dừng xử lý. Mời đến {at_vi} để được giải thích lý do."),
            format!("Processing has stopped. Please ask at {at_en} for the reason."),
        ),
        DossierStatus::Completed if f.channel == Some(Channel::Post) => step(
            NextStepKind::AwaitPost,
            "Đã có kết quả. Kết quả được gửi qua bưu chính công ích đến địa chỉ bạn đã đăng ký.".into(),
            "The result is ready and is being sent by public postal service to the address you gave.".into(),
        ),
        DossierStatus::Completed => step(
            NextStepKind::CollectResult,
            format!("Đã có kết quả. Mời mang giấy hẹn trả kết quả và căn cước đến {at_vi} để nhận kết quả."),
            format!("The result is ready. Bring the appointment receipt and your ID card to {at_en} to collect it."),
        ),
        DossierStatus::Returned => step(
            NextStepKind::Done,
            "Đã trả kết quả. Bạn không cần làm gì thêm.".into(),
            "The result has been handed over. Nothing left to do.".into(),
        ),
    }
}

#[cfg(test)]
mod tests;
