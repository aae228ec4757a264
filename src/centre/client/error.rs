//! Why talking to the centre failed, with the sentence the citizen sees.

use crate::centre::api::ApiError;
use crate::centre::core::CentreError;
use crate::domain::localtime::{time_on_day_en, time_on_day_vi};
use crate::store::{SharedStoreError, StoreError};
use chrono::{DateTime, Utc};
use reqwest::StatusCode;

/// Why talking to the centre failed, in terms the kiosk can act on.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinkError {
    #[error("centre unreachable: {0}")]
    Unreachable(String),
    #[error("the centre did not answer in time")]
    Timeout,
    #[error("bad response from the centre: {0}")]
    BadResponse(String),
    #[error("the centre does not accept this device's token")]
    Unauthorized,
    /// The token is accepted but its role or scope does not allow this (a
    /// display calling a counter, a kiosk under another id or outside its
    /// offline range): a configuration problem at the centre or the device.
    #[error("the centre does not allow this device to do that: {0}")]
    Forbidden(String),
    #[error("the service is closed now")]
    Closed { next_open: Option<DateTime<Utc>> },
    #[error("no numbers left today for this service")]
    CapReached { next_open: Option<DateTime<Utc>> },
    #[error("unknown service")]
    UnknownService,
    #[error("the centre is unreachable and this kiosk's offline number range is used up")]
    OfflineRangeExhausted,
    #[error("the centre refused the request: {code} ({message})")]
    Rejected { status: u16, code: String, message: String },
    /// A local failure without an error to keep (a bad centre URL, an
    /// unreadable outbox item).
    #[error("local storage failed: {0}")]
    Local(String),
    /// The kiosk's database (or the built-in centre's) failed; the store's error
    /// is kept as the source, for the log.
    #[error("local storage failed: {0}")]
    Storage(#[source] SharedStoreError),
}

fn when(t: &Option<DateTime<Utc>>) -> Option<String> {
    t.map(time_on_day_vi)
}

fn when_en(t: &Option<DateTime<Utc>>) -> Option<String> {
    t.map(time_on_day_en)
}

impl LinkError {
    /// Stable code (same vocabulary as the API's error codes where they overlap).
    pub fn code(&self) -> &'static str {
        match self {
            LinkError::Unreachable(_) => "unreachable",
            LinkError::Timeout => "timeout",
            LinkError::BadResponse(_) => "bad_response",
            LinkError::Unauthorized => "unauthorized",
            LinkError::Forbidden(_) => "forbidden",
            LinkError::Closed { .. } => "closed",
            LinkError::CapReached { .. } => "cap_reached",
            LinkError::UnknownService => "unknown_service",
            LinkError::OfflineRangeExhausted => "offline_range_exhausted",
            LinkError::Rejected { .. } => "rejected",
            LinkError::Local(_) | LinkError::Storage(_) => "local_error",
        }
    }

    /// The centre could not be reached or could not answer (or asked to slow
    /// down, 429): a kiosk falls back to an offline number, and an outbox item
    /// is tried again later instead of being set aside as refused.
    pub fn is_connectivity(&self) -> bool {
        match self {
            LinkError::Unreachable(_) | LinkError::Timeout => true,
            LinkError::Rejected { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }

    /// A plain Vietnamese sentence for the citizen's screen.
    pub fn message_vi(&self) -> String {
        match self {
            LinkError::Unreachable(_) | LinkError::Rejected { status: 500.., .. } => {
                "Không kết nối được với trung tâm. Vui lòng thử lại hoặc liên hệ nhân viên.".into()
            }
            LinkError::Timeout => "Trung tâm phản hồi chậm. Vui lòng thử lại.".into(),
            LinkError::Rejected { status: 429, .. } => {
                "Máy đang gửi quá nhiều yêu cầu. Vui lòng thử lại sau ít phút.".into()
            }
            LinkError::BadResponse(_) => "Trung tâm trả lời không hợp lệ. Vui lòng liên hệ nhân viên.".into(),
            LinkError::Unauthorized => {
                "Máy chưa được trung tâm cho phép. Vui lòng liên hệ nhân viên kỹ thuật.".into()
            }
            LinkError::Forbidden(_) => {
                "Máy không được trung tâm cho phép làm việc này. Vui lòng liên hệ nhân viên kỹ thuật.".into()
            }
            LinkError::Closed { next_open } => match when(next_open) {
                Some(w) => format!("Dịch vụ hiện chưa nhận số. Mời quay lại lúc {w}."),
                None => "Dịch vụ hiện chưa nhận số.".into(),
            },
            LinkError::CapReached { next_open } => match when(next_open) {
                Some(w) => format!("Đã hết số thứ tự hôm nay cho dịch vụ này. Mời quay lại lúc {w}."),
                None => "Đã hết số thứ tự hôm nay cho dịch vụ này.".into(),
            },
            LinkError::UnknownService => {
                "Dịch vụ này hiện không được cung cấp. Vui lòng chọn dịch vụ khác.".into()
            }
            LinkError::OfflineRangeExhausted => {
                "Máy đang mất kết nối và đã hết số dự phòng. Vui lòng liên hệ nhân viên.".into()
            }
            // The centre's own message is technical (and English): it goes to the log only.
            LinkError::Rejected { .. } => {
                "Trung tâm chưa xử lý được yêu cầu này. Mời bạn hỏi nhân viên tại bàn hướng dẫn.".into()
            }
            LinkError::Local(_) | LinkError::Storage(_) => {
                "Máy đang gặp sự cố. Mời bạn hỏi nhân viên tại bàn hướng dẫn.".into()
            }
        }
    }

    /// The same in English.
    pub fn message_en(&self) -> String {
        match self {
            LinkError::Unreachable(_) | LinkError::Rejected { status: 500.., .. } => {
                "Cannot reach the centre. Please try again or ask a staff member.".into()
            }
            LinkError::Timeout => "The centre is answering slowly. Please try again.".into(),
            LinkError::Rejected { status: 429, .. } => {
                "This kiosk has sent too many requests. Please try again in a few minutes.".into()
            }
            LinkError::BadResponse(_) => {
                "The centre sent an invalid answer. Please ask a staff member.".into()
            }
            LinkError::Unauthorized => {
                "This kiosk is not authorised by the centre. Please call technical staff.".into()
            }
            LinkError::Forbidden(_) => {
                "The centre does not allow this kiosk to do that. Please call technical staff.".into()
            }
            LinkError::Closed { next_open } => match when_en(next_open) {
                Some(w) => format!("This service is not taking numbers now. Please come back at {w}."),
                None => "This service is not taking numbers now.".into(),
            },
            LinkError::CapReached { next_open } => match when_en(next_open) {
                Some(w) => format!("No numbers left today for this service. Please come back at {w}."),
                None => "No numbers left today for this service.".into(),
            },
            LinkError::UnknownService => "This service is not offered now. Please choose another one.".into(),
            LinkError::OfflineRangeExhausted => {
                "The kiosk is offline and has used all its reserve numbers. Please ask a staff member.".into()
            }
            LinkError::Rejected { .. } => {
                "The centre could not handle this request. Please ask at the information desk.".into()
            }
            LinkError::Local(_) | LinkError::Storage(_) => {
                "This kiosk has a problem. Please ask at the information desk.".into()
            }
        }
    }

    pub(super) fn from_api(status: StatusCode, e: ApiError) -> LinkError {
        match (status, e.code.as_str()) {
            (StatusCode::UNAUTHORIZED, _) => LinkError::Unauthorized,
            (StatusCode::FORBIDDEN, "forbidden") => LinkError::Forbidden(e.message),
            (_, "service_closed") => LinkError::Closed { next_open: e.next_open },
            (_, "cap_reached") => LinkError::CapReached { next_open: e.next_open },
            (_, "unknown_service") => LinkError::UnknownService,
            _ => LinkError::Rejected { status: status.as_u16(), code: e.code, message: e.message },
        }
    }

    pub(super) fn from_reqwest(e: &reqwest::Error) -> LinkError {
        if e.is_timeout() {
            LinkError::Timeout
        } else if e.is_decode() {
            LinkError::BadResponse(e.to_string())
        } else {
            // Connect failures, resets, broken pipes: the centre is not there for us.
            let mut msg = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(s) = src {
                msg = format!("{msg}: {s}");
                src = s.source();
            }
            LinkError::Unreachable(msg)
        }
    }
}

impl From<StoreError> for LinkError {
    /// The kiosk's own database.
    fn from(e: StoreError) -> Self {
        LinkError::Storage(e.into())
    }
}

impl From<CentreError> for LinkError {
    /// For the built-in centre called in process.
    fn from(e: CentreError) -> Self {
        match e {
            CentreError::UnknownService(_) => LinkError::UnknownService,
            CentreError::Closed { next_open } => LinkError::Closed { next_open },
            CentreError::CapReached { next_open } => LinkError::CapReached { next_open },
            CentreError::Unavailable => LinkError::Unreachable("the built-in centre has stopped".into()),
            CentreError::Store(e) => LinkError::Storage(e),
            CentreError::Internal(m) => LinkError::Local(m),
            other => LinkError::Rejected {
                status: other.status(),
                code: other.code().into(),
                message: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_map_to_link_errors() {
        let e = |code: &str| ApiError { code: code.into(), message: "m".into(), next_open: None };
        assert_eq!(LinkError::from_api(StatusCode::UNAUTHORIZED, e("unauthorized")), LinkError::Unauthorized);
        assert_eq!(
            LinkError::from_api(StatusCode::FORBIDDEN, e("forbidden")),
            LinkError::Forbidden("m".into())
        );
        assert_eq!(
            LinkError::from_api(StatusCode::FORBIDDEN, e("anonymous_not_allowed")).code(),
            "rejected",
            "other 403 codes keep their own meaning"
        );
        assert_eq!(
            LinkError::from_api(StatusCode::CONFLICT, e("service_closed")),
            LinkError::Closed { next_open: None }
        );
        assert_eq!(
            LinkError::from_api(StatusCode::CONFLICT, e("cap_reached")),
            LinkError::CapReached { next_open: None }
        );
        assert_eq!(
            LinkError::from_api(StatusCode::BAD_REQUEST, e("unknown_service")),
            LinkError::UnknownService
        );
        let r = LinkError::from_api(StatusCode::SERVICE_UNAVAILABLE, e("unavailable"));
        assert!(r.is_connectivity(), "5xx makes a kiosk fall back to offline numbers");
        let slow_down = LinkError::from_api(StatusCode::TOO_MANY_REQUESTS, e("rate_limited"));
        assert!(slow_down.is_connectivity(), "429: the outbox tries again later, the item is not buried");
        assert!(slow_down.message_vi().contains("quá nhiều yêu cầu"));
        assert!(!LinkError::UnknownService.is_connectivity());
    }

    #[test]
    fn screen_messages_are_plain_and_name_the_reopening_time() {
        let t = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 3, 3, 0, 30, 0).unwrap();
        let m = LinkError::Closed { next_open: Some(t) }.message_vi();
        assert!(m.contains("07:30 ngày 03/03/2026"), "{m}");
        assert!(LinkError::Unreachable("x".into()).message_vi().starts_with("Không kết nối"));
        assert!(LinkError::Timeout.message_en().contains("slowly"));
    }
}
