//! Help requests from kiosks (see `api::help`): one open request per kiosk;
//! a second press while one is open answers with that one and announces
//! nothing, so a citizen cannot flood the console.

use super::{Centre, CentreError};
use crate::centre::api::{EventBody, HelpList, HelpRequest};
use crate::store::help::{self, HelpRow};
use crate::store::{from_ms, to_ms};

fn view(r: HelpRow) -> HelpRequest {
    HelpRequest {
        id: r.id as u64,
        kiosk_id: r.kiosk_id,
        requested_at: from_ms(r.requested_at),
        resolved_at: r.resolved_at.map(from_ms),
        resolved_by: r.resolved_by,
    }
}

impl Centre {
    /// Raises a help request at `kiosk_id`; `(request, true)` when it is new
    /// (and `help_requested` was announced), `(open one, false)` otherwise.
    pub async fn request_help(&self, kiosk_id: &str) -> Result<(HelpRequest, bool), CentreError> {
        super::queue::validate_kiosk_id(kiosk_id)?;
        let id = kiosk_id.to_string();
        self.write(move |w, now| {
            if let Some(open) = help::open_of(w.c(), &id)? {
                return Ok((view(open), false));
            }
            let req = view(help::insert(w.c(), &id, to_ms(now))?);
            tracing::info!(kiosk = %req.kiosk_id, id = req.id, "help requested at a kiosk");
            w.emit(now, EventBody::HelpRequested(req.clone()))?;
            Ok((req, true))
        })
        .await
    }

    /// Acknowledges help request `id` as `by`; announces `help_resolved` the
    /// first time (a second acknowledgement answers with the first one).
    pub async fn resolve_help(&self, id: u64, by: &str) -> Result<HelpRequest, CentreError> {
        let by = by.to_string();
        self.write(move |w, now| {
            let id = i64::try_from(id).map_err(|_| CentreError::HelpNotFound)?;
            if help::resolve(w.c(), id, to_ms(now), &by)? {
                let r = view(help::get(w.c(), id)?.ok_or(CentreError::HelpNotFound)?);
                w.emit(now, EventBody::HelpResolved(r.clone()))?;
                return Ok(r);
            }
            help::get(w.c(), id)?.map(view).ok_or(CentreError::HelpNotFound)
        })
        .await
    }

    /// The open help requests, oldest first.
    pub async fn open_help(&self) -> Result<HelpList, CentreError> {
        self.read(|c, _, _, now| {
            Ok(HelpList { server_time: now, open: help::open(c)?.into_iter().map(view).collect() })
        })
        .await
    }
}
