//! The counter actions: call next by the fair interleaving rule, recall,
//! start, transfer, no-show, complete, pause, resume. Each runs as a job of
//! the writer; with an idempotency key, a repeated request (a retry after a
//! lost answer) gets the first answer back instead of acting twice.

use super::views::{counter_message, counter_ticket, counter_view};
use super::writer::Writer;
use super::{Centre, CentreError, Setup};
use crate::centre::api::*;
use crate::domain::queue_rules::{self, Class};
use crate::store::officers as o;
use crate::store::queue::{self as q, TicketRow};
use crate::store::to_ms;
use chrono::{DateTime, NaiveDate, Utc};

/// The officer acting at a counter (their console session).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActingOfficer {
    pub id: i64,
    pub name: String,
}

/// Who asks for a counter action. With no officer (a device token, the CLI)
/// the ticket is put on the officer signed in at that counter, if any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    pub officer: Option<ActingOfficer>,
}

impl Centre {
    pub async fn counter_action(
        &self,
        counter: u32,
        cmd: CounterCommand,
    ) -> Result<CounterActionResponse, CentreError> {
        self.counter_action_as(counter, cmd, Actor::default(), None).await
    }

    /// A counter action by `actor`; `key` (1-128 visible ASCII) makes it
    /// idempotent: the same key again answers the stored response.
    pub async fn counter_action_as(
        &self,
        counter: u32,
        cmd: CounterCommand,
        actor: Actor,
        key: Option<String>,
    ) -> Result<CounterActionResponse, CentreError> {
        if let Some(k) = &key {
            if k.is_empty() || k.len() > MAX_KEY_LEN || !k.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(CentreError::BadRequest(
                    "Idempotency-Key must be 1-128 visible ASCII characters".into(),
                ));
            }
        }
        self.write(move |w, now| w.keyed_counter_action(now, counter, cmd, &actor, key.as_deref())).await
    }

    pub async fn call_next(&self, counter: u32) -> Result<CounterActionResponse, CentreError> {
        self.counter_action(counter, CounterCommand::CallNext).await
    }

    pub async fn recall(&self, counter: u32) -> Result<CounterActionResponse, CentreError> {
        self.counter_action(counter, CounterCommand::Recall).await
    }

    pub async fn no_show(&self, counter: u32) -> Result<CounterActionResponse, CentreError> {
        self.counter_action(counter, CounterCommand::NoShow).await
    }

    pub async fn complete(&self, counter: u32) -> Result<CounterActionResponse, CentreError> {
        self.counter_action(counter, CounterCommand::Complete).await
    }

    pub async fn pause(&self, counter: u32, reason: &str) -> Result<CounterActionResponse, CentreError> {
        self.counter_action(counter, CounterCommand::Pause { reason: reason.to_string() }).await
    }

    pub async fn resume(&self, counter: u32) -> Result<CounterActionResponse, CentreError> {
        self.counter_action(counter, CounterCommand::Resume).await
    }

    pub async fn start_service(&self, counter: u32) -> Result<CounterActionResponse, CentreError> {
        self.counter_action(counter, CounterCommand::Start).await
    }

    pub async fn transfer(
        &self,
        counter: u32,
        to: TransferRequest,
    ) -> Result<CounterActionResponse, CentreError> {
        self.counter_action(counter, CounterCommand::Transfer(to)).await
    }
}

/// Where a transfer sends the ticket: `(service, only this counter)`.
fn transfer_target(
    setup: &Setup,
    t: &TicketRow,
    from: u32,
    req: &TransferRequest,
) -> Result<(String, Option<u32>), CentreError> {
    let (service, counter) = match (&req.service, req.counter) {
        (None, None) => {
            return Err(CentreError::BadRequest("a transfer needs a service or a counter".into()))
        }
        (Some(code), counter) => {
            let svc = setup.service(code).ok_or_else(|| CentreError::UnknownService(code.clone()))?;
            if let Some(c) = counter {
                if !svc.counters.contains(&c) {
                    return Err(CentreError::BadRequest(format!("counter {c} does not serve {code}")));
                }
            }
            (svc.code.clone(), counter)
        }
        (None, Some(c)) => {
            let served = setup
                .counters
                .get(&c)
                .ok_or_else(|| CentreError::BadRequest(format!("counter {c} serves no service")))?;
            let code = if served.contains(&t.service) { t.service.clone() } else { served[0].clone() };
            (code, Some(c))
        }
    };
    if counter == Some(from) {
        return Err(CentreError::BadRequest("the ticket is already at this counter".into()));
    }
    if counter.is_none() && service == t.service {
        return Err(CentreError::BadRequest(format!(
            "the ticket already waits for {service}; choose another service or a counter"
        )));
    }
    Ok((service, counter))
}

impl Writer {
    fn keyed_counter_action(
        &mut self,
        now: DateTime<Utc>,
        n: u32,
        cmd: CounterCommand,
        actor: &Actor,
        key: Option<&str>,
    ) -> Result<CounterActionResponse, CentreError> {
        let action = cmd.path();
        if let Some(key) = key {
            if let Some((counter, stored_action, response)) = o::counter_request(self.c(), key)? {
                if counter != n || stored_action != action {
                    return Err(CentreError::KeyReused);
                }
                return serde_json::from_str(&response)
                    .map_err(|e| CentreError::Internal(format!("stored counter response unreadable: {e}")));
            }
        }
        let r = self.counter_action(now, n, cmd, actor)?;
        if let Some(key) = key {
            let json = serde_json::to_string(&r).expect("responses serialise");
            o::save_counter_request(self.c(), key, n, action, &json, to_ms(now))?;
        }
        Ok(r)
    }

    fn counter_action(
        &mut self,
        now: DateTime<Utc>,
        n: u32,
        cmd: CounterCommand,
        actor: &Actor,
    ) -> Result<CounterActionResponse, CentreError> {
        let setup = self.setup.clone();
        let services = setup.counters.get(&n).ok_or(CentreError::UnknownCounter(n))?.clone();
        let today = self.today();
        let at = to_ms(now);
        let mut row = q::counter(self.c(), n)?;
        let current = match row.current_ticket {
            Some(id) => q::ticket_by_id(self.c(), id)?.filter(|t| t.status == TicketStatus::Called),
            None => None,
        };
        let (outcome, ticket_id) = match cmd {
            CounterCommand::CallNext => {
                if row.paused {
                    return Err(CentreError::CounterPaused(n));
                }
                if let Some(t) = &current {
                    self.finish(now, n, t, TicketStatus::Served)?;
                }
                match self.pick_next(today, &services, n, row.priority_streak)? {
                    None => {
                        row.current_ticket = None;
                        (CounterOutcome::QueueEmpty, None)
                    }
                    Some((t, class)) => {
                        let officer = match &actor.officer {
                            Some(a) => Some((a.id, a.name.clone())),
                            None => o::officer_at_counter(self.c(), n, at)?.map(|r| (r.id, r.name)),
                        };
                        q::mark_called(
                            self.c(),
                            t.id,
                            n,
                            at,
                            officer.as_ref().map(|(id, name)| (*id, name.as_str())),
                        )?;
                        let mut sd = q::service_day(self.c(), t.day, &t.service)?;
                        sd.add_waiting(t.prio, -1);
                        q::save_service_day(self.c(), t.day, &t.service, &sd)?;
                        row.current_ticket = Some(t.id);
                        row.priority_streak = queue_rules::next_streak(row.priority_streak, class);
                        self.emit(
                            now,
                            EventBody::TicketCalled(TicketCallData {
                                number: t.number.clone(),
                                service: t.service.clone(),
                                counter: n,
                                calls: 1,
                                called_at: now,
                            }),
                        )?;
                        (CounterOutcome::Called, Some(t.id))
                    }
                }
            }
            CounterCommand::Recall => {
                let t = current.ok_or(CentreError::NoCurrentTicket(n))?;
                if setup.max_recalls > 0 && t.calls >= setup.max_recalls {
                    self.finish(now, n, &t, TicketStatus::NoShow)?;
                    row.current_ticket = None;
                    (CounterOutcome::NoShow, Some(t.id))
                } else {
                    q::mark_recalled(self.c(), t.id, at)?;
                    self.emit(
                        now,
                        EventBody::TicketRecalled(TicketCallData {
                            number: t.number.clone(),
                            service: t.service.clone(),
                            counter: n,
                            calls: t.calls + 1,
                            called_at: now,
                        }),
                    )?;
                    (CounterOutcome::Recalled, Some(t.id))
                }
            }
            CounterCommand::Start => {
                let t = current.ok_or(CentreError::NoCurrentTicket(n))?;
                // A second start changes nothing (the first time counts).
                if q::mark_started(self.c(), t.id, at)? {
                    self.emit(
                        now,
                        EventBody::TicketStarted(TicketStartData {
                            number: t.number.clone(),
                            service: t.service.clone(),
                            counter: n,
                            started_at: now,
                        }),
                    )?;
                }
                (CounterOutcome::Started, Some(t.id))
            }
            CounterCommand::Transfer(req) => {
                let t = current.ok_or(CentreError::NoCurrentTicket(n))?;
                let (service, to_counter) = transfer_target(&setup, &t, n, &req)?;
                q::requeue(self.c(), t.id, &service, to_counter)?;
                let mut sd = q::service_day(self.c(), t.day, &service)?;
                sd.add_waiting(t.prio, 1);
                q::save_service_day(self.c(), t.day, &service, &sd)?;
                o::insert_transfer(
                    self.c(),
                    &o::TransferRow {
                        ticket_id: t.id,
                        at,
                        from_service: &t.service,
                        from_counter: n,
                        to_service: &service,
                        to_counter,
                        officer_name: t.officer_name.as_deref(),
                    },
                )?;
                row.current_ticket = None;
                self.emit(
                    now,
                    EventBody::TicketTransferred(TicketTransferData {
                        number: t.number.clone(),
                        service,
                        counter: to_counter,
                        from_service: t.service.clone(),
                        from_counter: n,
                        waiting: sd.waiting(),
                    }),
                )?;
                (CounterOutcome::Transferred, Some(t.id))
            }
            CounterCommand::NoShow | CounterCommand::Complete => {
                let t = current.ok_or(CentreError::NoCurrentTicket(n))?;
                let (status, outcome) = if cmd == CounterCommand::NoShow {
                    (TicketStatus::NoShow, CounterOutcome::NoShow)
                } else {
                    (TicketStatus::Served, CounterOutcome::Completed)
                };
                self.finish(now, n, &t, status)?;
                row.current_ticket = None;
                (outcome, Some(t.id))
            }
            CounterCommand::Pause { reason } => {
                if reason.trim().is_empty()
                    || reason.chars().count() > 200
                    || reason.chars().any(char::is_control)
                {
                    return Err(CentreError::BadRequest("a pause needs a reason of 1-200 characters".into()));
                }
                row.paused = true;
                row.pause_reason = Some(reason.trim().to_string());
                (CounterOutcome::Paused, None)
            }
            CounterCommand::Resume => {
                row.paused = false;
                row.pause_reason = None;
                (CounterOutcome::Resumed, None)
            }
        };
        row.number = n;
        row.updated_at = at;
        q::save_counter(self.c(), &row)?;
        let view = counter_view(self.c(), &setup, today, n, now)?;
        self.emit(now, EventBody::CounterState(view.clone()))?;
        let ticket = match ticket_id {
            Some(id) => q::ticket_by_id(self.c(), id)?.map(|t| counter_ticket(&setup, &t)),
            None => None,
        };
        let message_vi = counter_message(n, outcome, ticket.as_ref(), view.pause_reason.as_deref());
        Ok(CounterActionResponse { outcome, counter: view, ticket, message_vi })
    }

    /// Ends the ticket at a counter as served or no-show and announces it.
    fn finish(
        &mut self,
        now: DateTime<Utc>,
        counter: u32,
        t: &TicketRow,
        status: TicketStatus,
    ) -> Result<(), CentreError> {
        q::finish_ticket(self.c(), t.id, status, to_ms(now))?;
        if t.citizen.is_some() {
            self.erased_identity = true;
        }
        let data = TicketDoneData { number: t.number.clone(), service: t.service.clone(), counter };
        let body = if status == TicketStatus::NoShow {
            EventBody::TicketNoShow(data)
        } else {
            EventBody::TicketCompleted(data)
        };
        self.emit(now, body)?;
        Ok(())
    }

    /// The ticket a counter calls next: the oldest of the class chosen by the
    /// fair interleaving rule, across the services the counter serves (tickets
    /// transferred to another counter excluded).
    fn pick_next(
        &self,
        today: NaiveDate,
        services: &[String],
        counter: u32,
        streak: u32,
    ) -> Result<Option<(TicketRow, Class)>, CentreError> {
        let oldest = |prio: bool| -> Result<Option<i64>, CentreError> {
            let mut best: Option<(i64, i64)> = None;
            for s in services {
                if let Some((id, issued)) = q::oldest_waiting(self.c(), today, s, prio, counter)? {
                    if best.is_none_or(|(bid, bissued)| (issued, id) < (bissued, bid)) {
                        best = Some((id, issued));
                    }
                }
            }
            Ok(best.map(|(id, _)| id))
        };
        let (p, n) = (oldest(true)?, oldest(false)?);
        let Some(class) =
            queue_rules::pick_class(p.is_some(), n.is_some(), streak, self.setup.priority_streak)
        else {
            return Ok(None);
        };
        let id = match class {
            Class::Priority => p,
            Class::Normal => n,
        }
        .expect("pick_class only picks a class that has a ticket");
        let row = q::ticket_by_id(self.c(), id)?
            .ok_or_else(|| CentreError::Internal("picked ticket vanished".into()))?;
        Ok(Some((row, class)))
    }
}
