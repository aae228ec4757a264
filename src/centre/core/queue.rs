//! The queue operations: issue a ticket (live or an offline number a kiosk
//! printed) and kiosk heartbeats (the counter actions are in `counter.rs`).
//! Each runs as a job of the writer.

use super::views::issued_view;
use super::writer::Writer;
use super::{Centre, CentreError, Setup};
use crate::centre::api::*;
use crate::domain::localtime::service_day;
use crate::domain::queue_rules;
use crate::domain::ticket::TicketNumber;
use crate::store::queue::{self as q, CitizenRow, TicketRow};
use crate::store::{kiosks, to_ms};
use chrono::{DateTime, NaiveDate, Utc};

/// A ticket and whether this request created it (`false`: idempotent replay).
#[derive(Debug, Clone, PartialEq)]
pub struct IssueOutcome {
    pub ticket: IssuedTicket,
    pub created: bool,
}

impl Centre {
    /// Issues a ticket (idempotent on `idempotency_key`).
    pub async fn issue(&self, req: IssueTicketRequest) -> Result<IssueOutcome, CentreError> {
        self.write(move |w, now| w.issue(now, req)).await
    }

    pub async fn heartbeat(
        &self,
        kiosk_id: &str,
        req: HeartbeatRequest,
    ) -> Result<HeartbeatAck, CentreError> {
        validate_kiosk_id(kiosk_id)?;
        let id = kiosk_id.to_string();
        self.write(move |w, now| w.heartbeat(now, id, req)).await
    }
}

impl Writer {
    pub(super) fn issue(
        &mut self,
        now: DateTime<Utc>,
        req: IssueTicketRequest,
    ) -> Result<IssueOutcome, CentreError> {
        let setup = self.setup.clone();
        let today = self.today();
        validate_issue(&setup, &req)?;
        let svc =
            setup.service(&req.service).ok_or_else(|| CentreError::UnknownService(req.service.clone()))?;
        if let Some(existing) = q::ticket_by_key(self.c(), &req.idempotency_key)? {
            if existing.service != req.service {
                return Err(CentreError::IdempotencyConflict);
            }
            let row = self.adopt_offline_number(existing, &req)?;
            let ticket = issued_view(self.c(), &setup, today, &row, None)?;
            return Ok(IssueOutcome { ticket, created: false });
        }
        let prefix = svc.prefix.chars().next().unwrap_or('X');
        let at = to_ms(now);
        let (day, seq, issued_at, offline) = match &req.offline_number {
            Some(printed) => {
                let n = parse_offline_number(printed, prefix)?;
                let issued_at = req.issued_at.map(|t| t.min(now)).unwrap_or(now);
                (service_day(issued_at).min(today), n.seq, issued_at, true)
            }
            None => {
                let sd = q::service_day(self.c(), today, &svc.code)?;
                match setup.rules[&svc.code].availability(now, sd.issued, setup.always_open) {
                    Availability::Open => {}
                    Availability::Closed { next_open } => return Err(CentreError::Closed { next_open }),
                    Availability::CapReached { next_open } => {
                        return Err(CentreError::CapReached { next_open })
                    }
                }
                (today, self.allocate_seq(today, prefix, sd.next_seq)?, now, false)
            }
        };
        let status = if day < today { TicketStatus::Expired } else { TicketStatus::Waiting };
        let number = TicketNumber::new(prefix, seq).to_string();
        if offline && q::number_taken(self.c(), day, &number)? {
            // Only kiosks with overlapping ranges (refused by `config check` and
            // `devices add`) or an admin replaying by hand get here.
            tracing::error!(%number, kiosk = %req.kiosk_id, "offline number already taken that day; refused");
            return Err(CentreError::OfflineNumberTaken(number));
        }
        let tracking = match &req.tracking_code {
            Some(code) if !q::tracking_code_taken(self.c(), code)? => code.clone(),
            _ => self.fresh_tracking_code()?,
        };
        let citizen = req.citizen.as_ref().map(|c| CitizenRow {
            id_number: c.id_number.clone(),
            full_name: c.full_name.trim().to_string(),
            birth_date: c.birth_date.to_string(),
        });
        let mut sd = q::service_day(self.c(), day, &svc.code)?;
        let prio = req.priority.is_some();
        let (same_before, other) = if prio {
            (sd.waiting_priority, sd.waiting_normal)
        } else {
            (sd.waiting_normal, sd.waiting_priority)
        };
        let id = q::insert_ticket(
            self.c(),
            &q::NewTicket {
                day,
                service: &svc.code,
                seq,
                number: &number,
                priority_group: req.priority.map(|p| p.key()),
                status,
                issued_at: to_ms(issued_at),
                received_at: at,
                offline,
                kiosk_id: &req.kiosk_id,
                idempotency_key: &req.idempotency_key,
                tracking_code: &tracking,
                citizen: citizen.as_ref(),
            },
        )?;
        sd.issued += 1;
        if !offline {
            sd.next_seq = seq + 1;
        }
        if status == TicketStatus::Waiting {
            sd.add_waiting(prio, 1);
        }
        q::save_service_day(self.c(), day, &svc.code, &sd)?;
        let row = q::ticket_by_id(self.c(), id)?
            .ok_or_else(|| CentreError::Internal("inserted ticket vanished".into()))?;
        // A live ticket is the newest: everyone waiting in its class is ahead.
        let ahead = (!offline && status == TicketStatus::Waiting)
            .then(|| queue_rules::people_ahead(prio, same_before, other, setup.priority_streak));
        let ticket = issued_view(self.c(), &setup, today, &row, ahead)?;
        self.emit(
            now,
            EventBody::TicketIssued(TicketIssuedData {
                number: row.number.clone(),
                service: row.service.clone(),
                priority: prio,
                issued_at,
                offline,
                waiting: sd.waiting(),
            }),
        )?;
        Ok(IssueOutcome { ticket, created: true })
    }

    /// The next free number of the centre's own sequence: skips the offline range
    /// and numbers already taken (offline tickets synced earlier).
    fn allocate_seq(&self, day: NaiveDate, prefix: char, from: u32) -> Result<u32, CentreError> {
        let (lo, hi) = self.setup.offline_range;
        let mut seq = from.max(1);
        loop {
            if (lo..=hi).contains(&seq) {
                seq = hi + 1;
                continue;
            }
            if q::number_taken(self.c(), day, &TicketNumber::new(prefix, seq).to_string())? {
                seq += 1;
                continue;
            }
            return Ok(seq);
        }
    }

    fn fresh_tracking_code(&self) -> Result<String, CentreError> {
        loop {
            let code = new_tracking_code();
            if !q::tracking_code_taken(self.c(), &code)? {
                return Ok(code);
            }
        }
    }

    /// A replay carrying an offline number for a ticket the centre stored under
    /// another number: the kiosk never saw the centre's answer and printed the
    /// offline number, so the citizen holds that one. While the ticket still
    /// waits, it takes the printed number and tracking code (one ticket, not
    /// two). Once called it is left alone.
    fn adopt_offline_number(
        &mut self,
        row: TicketRow,
        req: &IssueTicketRequest,
    ) -> Result<TicketRow, CentreError> {
        let Some(printed) = &req.offline_number else { return Ok(row) };
        if &row.number == printed && row.offline {
            return Ok(row);
        }
        if row.status != TicketStatus::Waiting {
            tracing::warn!(ticket = %row.number, printed = %printed, "offline replay for a ticket already called; kept as is");
            return Ok(row);
        }
        let prefix = row.number.chars().next().unwrap_or('X');
        let n = parse_offline_number(printed, prefix)?;
        if q::number_taken(self.c(), row.day, &n.to_string())? {
            tracing::error!(ticket = %row.number, printed = %printed, "printed offline number already taken; kept as is");
            return Ok(row);
        }
        let issued_at = req.issued_at.map(to_ms).unwrap_or(row.issued_at).min(row.issued_at);
        q::renumber(self.c(), row.id, n.seq, &n.to_string(), issued_at)?;
        if let Some(code) = &req.tracking_code {
            if !q::tracking_code_taken(self.c(), code)? {
                self.c().execute(
                    "UPDATE tickets SET tracking_code = ?2 WHERE id = ?1",
                    rusqlite::params![row.id, code],
                )?;
            }
        }
        tracing::info!(from = %row.number, to = %n, "ticket renumbered to its printed offline number");
        q::ticket_by_id(self.c(), row.id)?
            .ok_or_else(|| CentreError::Internal("renumbered ticket vanished".into()))
    }

    pub(super) fn heartbeat(
        &mut self,
        now: DateTime<Utc>,
        kiosk_id: String,
        req: HeartbeatRequest,
    ) -> Result<HeartbeatAck, CentreError> {
        if req.printer_status.chars().count() > 64 || req.app_version.chars().count() > 64 {
            return Err(CentreError::BadRequest(
                "printer_status and app_version are at most 64 characters".into(),
            ));
        }
        if req.alerts.len() > 16 || req.alerts.iter().any(|a| a.chars().count() > 64) {
            return Err(CentreError::BadRequest("at most 16 alerts of at most 64 characters".into()));
        }
        if !req.alerts.is_empty() {
            // The technician's signal (e.g. a kiosk that cannot issue numbers).
            tracing::warn!(kiosk = %kiosk_id, alerts = ?req.alerts, "kiosk reports alerts");
        }
        let prev = kiosks::get_kiosk(self.c(), &kiosk_id)?;
        // A late heartbeat (from an outbox) changes nothing, so it says nothing.
        let late = match (req.sent_at, prev.as_ref().and_then(|p| p.reported_at)) {
            (Some(sent), Some(stored)) => to_ms(sent.min(now)) < stored,
            _ => false,
        };
        if !late {
            self.heartbeat_fleet(now, &kiosk_id, prev.as_ref(), &req)?;
        }
        kiosks::upsert_kiosk(
            self.c(),
            &kiosks::KioskRow {
                kiosk_id: kiosk_id.clone(),
                last_seen: to_ms(now),
                // A time in the future would make every later report look
                // older and freeze the row: it counts as now.
                reported_at: req.sent_at.map(|t| to_ms(t.min(now))),
                printer_status: req.printer_status,
                scanner_connected: req.scanner_connected,
                outbox_len: req.outbox_len,
                app_version: req.app_version,
            },
        )?;
        Ok(HeartbeatAck { kiosk_id, server_time: now })
    }
}

/// The printed offline number: malformed is a bad request; well formed with
/// another letter than the service's (its prefix changed while the kiosk was
/// offline) is a conflict with the centre's setup.
fn parse_offline_number(printed: &str, prefix: char) -> Result<TicketNumber, CentreError> {
    let n =
        TicketNumber::parse(printed).filter(|n| n.seq > 0 && printed.trim() == printed).ok_or_else(|| {
            CentreError::BadRequest(format!("offline_number `{printed}` must look like {prefix}-901"))
        })?;
    if n.prefix != prefix {
        return Err(CentreError::OfflineNumberMismatch(printed.to_string()));
    }
    Ok(n)
}

pub(super) fn validate_kiosk_id(id: &str) -> Result<(), CentreError> {
    if id.is_empty() || id.chars().count() > MAX_KIOSK_ID_LEN || id.chars().any(char::is_control) {
        return Err(CentreError::BadRequest(format!(
            "kiosk_id must be 1-{MAX_KIOSK_ID_LEN} printable characters"
        )));
    }
    Ok(())
}

pub(super) fn validate_issue(setup: &Setup, req: &IssueTicketRequest) -> Result<(), CentreError> {
    let bad = |m: &str| Err(CentreError::BadRequest(m.to_string()));
    let k = &req.idempotency_key;
    if k.is_empty() || k.len() > MAX_KEY_LEN || !k.bytes().all(|b| b.is_ascii_graphic()) {
        return bad("idempotency_key must be 1-128 visible ASCII characters");
    }
    validate_kiosk_id(&req.kiosk_id)?;
    if let Some(p) = req.priority {
        if !setup.priority_groups.contains(&p) {
            return Err(CentreError::BadRequest(format!("priority group `{}` is not offered here", p.key())));
        }
    }
    if req.offline_number.is_none() && (req.issued_at.is_some() || req.tracking_code.is_some()) {
        return bad("issued_at and tracking_code are only accepted with offline_number");
    }
    if let Some(code) = &req.tracking_code {
        if !is_tracking_code(code) {
            return bad("tracking_code must be 20 Crockford base32 characters");
        }
    }
    if let Some(c) = &req.citizen {
        if !(c.id_number.len() == 9 || c.id_number.len() == 12)
            || !c.id_number.bytes().all(|b| b.is_ascii_digit())
        {
            return bad("citizen.id_number must be 9 or 12 digits");
        }
        // Lengths count as sent (not trimmed): the bound docs/openapi.yaml states.
        let name = &c.full_name;
        if name.trim().is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return bad("citizen.full_name must be 1-100 characters");
        }
        // A fixed range the contract can state; the kiosk's card parser has
        // already refused a birth date after the card's issue.
        let first = NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date");
        let last = NaiveDate::from_ymd_opt(2099, 12, 31).expect("valid date");
        if !(first..=last).contains(&c.birth_date) {
            return bad("citizen.birth_date must be between 1900-01-01 and 2099-12-31");
        }
    }
    Ok(())
}
