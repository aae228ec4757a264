//! A rating given on a counter's own screen (`POST /api/v1/counters/{n}/rating`):
//! the counter device saw the ticket served, so no check code is asked; in
//! exchange it may rate only a ticket served at its own counter (the server
//! checks the device may act for counter `n`), only once, and only soon after.

use super::ratings::{receipt, served_by, RateOutcome};
use super::{Centre, CentreError};
use crate::centre::api::CounterRatingRequest;
use crate::domain::localtime::service_day;
use crate::domain::ticket::{TicketNumber, TicketStatus};
use crate::store::queue as q;
use crate::store::ratings::{self as r, RatingRow};
use crate::store::{from_ms, to_ms};
use chrono::Duration;

/// A counter screen asks right after "Hoàn thành"; a rating for a ticket
/// served longer ago than this is refused (a device cannot rate the day's
/// tickets afterwards).
pub const COUNTER_RATING_WINDOW_MINUTES: i64 = 15;

impl Centre {
    /// Stores the rating of `req.ticket_number`, served today at counter `n`,
    /// sent by `device`. The same key again returns the same rating.
    pub async fn rate_at_counter(
        &self,
        n: u32,
        device: String,
        req: CounterRatingRequest,
    ) -> Result<RateOutcome, CentreError> {
        let k = &req.idempotency_key;
        if k.is_empty() || k.len() > 128 || !k.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(CentreError::BadRequest(
                "idempotency_key must be 1-128 visible ASCII characters".into(),
            ));
        }
        let number = TicketNumber::parse(&req.ticket_number).ok_or_else(|| {
            CentreError::BadRequest(format!("`{}` is not a ticket number like A-023", req.ticket_number))
        })?;
        self.write(move |w, now| {
            let setup = w.setup.clone();
            if let Some(existing) = r::by_key(w.c(), &req.idempotency_key)? {
                if existing.level != req.level.value() || existing.kiosk_id != device {
                    return Err(CentreError::AlreadyRated);
                }
                return Ok(RateOutcome { receipt: receipt(w.c(), &existing)?, created: false });
            }
            let found = q::tickets_by_number(w.c(), service_day(now), &number.to_string())?;
            if found.is_empty() {
                return Err(CentreError::TicketNotFound);
            }
            let t = found.into_iter().rfind(|t| t.counter == Some(n)).ok_or_else(|| {
                CentreError::Forbidden(format!("ticket {number} was not served at counter {n}"))
            })?;
            if t.status != TicketStatus::Served {
                return Err(CentreError::TicketNotServed);
            }
            let served_at = t.finished_at.map(from_ms).unwrap_or(now);
            if now - served_at > Duration::minutes(COUNTER_RATING_WINDOW_MINUTES) {
                return Err(CentreError::Forbidden(format!(
                    "ticket {number} was served more than {COUNTER_RATING_WINDOW_MINUTES} minutes ago"
                )));
            }
            if r::by_ticket(w.c(), t.id)?.is_some() {
                return Err(CentreError::AlreadyRated);
            }
            let mut row = RatingRow {
                id: 0,
                ticket_id: Some(t.id),
                day: service_day(now),
                service: Some(t.service.clone()),
                counter: Some(n),
                officer: served_by(&setup, &t),
                level: req.level.value(),
                indices: None,
                comment: None,
                rated_at: to_ms(now),
                received_at: to_ms(now),
                kiosk_id: device.clone(),
                idempotency_key: req.idempotency_key.clone(),
            };
            row.id = r::insert(w.c(), &row)?;
            Ok(RateOutcome { receipt: receipt(w.c(), &row)?, created: true })
        })
        .await
    }
}
