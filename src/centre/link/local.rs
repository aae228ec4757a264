//! The link to the built-in centre in this process: every call goes straight
//! to the centre (no outbox, never offline).

use super::{DeviceHealth, LinkMode, LinkStatus};
use super::{RatingLookup, RatingResult, RatingSubmission, TicketRef, TicketRequest};
use crate::centre::api::*;
use crate::centre::client::LinkError;
use crate::centre::core::{Centre, CentreError};
use std::sync::Arc;
use tokio::sync::watch;

/// The built-in centre used in process.
#[derive(Clone)]
pub struct LocalLink {
    centre: Centre,
    kiosk_id: Arc<str>,
    status: Arc<watch::Sender<LinkStatus>>,
}

impl LocalLink {
    pub fn new(centre: Centre, kiosk_id: &str) -> Self {
        let status =
            LinkStatus { mode: LinkMode::Local, since: centre.now(), outbox_len: 0, last_error: None };
        LocalLink { centre, kiosk_id: kiosk_id.into(), status: Arc::new(watch::channel(status).0) }
    }

    pub(super) fn has_services(&self) -> bool {
        self.centre.has_services()
    }

    pub fn centre(&self) -> &Centre {
        &self.centre
    }

    pub(super) async fn services(&self) -> Result<Vec<ServiceInfo>, LinkError> {
        Ok(self.centre.services().await?.services)
    }

    pub(super) async fn issue_ticket(&self, req: &TicketRequest) -> Result<IssuedTicket, LinkError> {
        Ok(self.centre.issue(req.to_api(&self.kiosk_id)).await?.ticket)
    }

    pub(super) async fn heartbeat(&self, health: &DeviceHealth) -> Result<(), LinkError> {
        let req = HeartbeatRequest {
            printer_status: health.printer_status.clone(),
            scanner_connected: health.scanner_connected,
            outbox_len: 0,
            app_version: health.app_version.clone(),
            sent_at: Some(self.centre.now()),
            alerts: health.alerts.clone(),
            clock: Some(self.centre.now()),
            pin_failures: health.pin_failures,
            pin_locked_until: health.pin_locked_until,
        };
        self.centre.heartbeat(&self.kiosk_id, req).await?;
        Ok(())
    }

    pub(super) async fn request_help(&self) -> Result<(HelpRequest, bool), LinkError> {
        Ok(self.centre.request_help(&self.kiosk_id).await?)
    }

    pub(super) async fn dossier(&self, code: &str) -> Result<DossierView, LinkError> {
        Ok(self.centre.dossier(code).await?)
    }

    pub(super) async fn rating_context(&self, ticket: &TicketRef) -> Result<RatingLookup, LinkError> {
        Ok(RatingLookup::Found(self.centre.rating_context(ticket.query()).await?))
    }

    pub(super) async fn rate(&self, sub: &RatingSubmission) -> Result<RatingResult, LinkError> {
        match self.centre.rate(sub.to_api(&self.kiosk_id, self.centre.now())).await {
            Ok(out) => Ok(RatingResult::Recorded { receipt: Some(out.receipt), queued: false }),
            Err(CentreError::AlreadyRated) => Ok(RatingResult::AlreadyRated),
            Err(e) => Err(e.into()),
        }
    }

    pub(super) fn status(&self) -> LinkStatus {
        self.status.borrow().clone()
    }

    pub(super) fn watch_status(&self) -> watch::Receiver<LinkStatus> {
        self.status.subscribe()
    }
}
