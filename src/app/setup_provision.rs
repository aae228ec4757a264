//! Setup page "Cấp phép / Provision": the technician scans the QR that
//! `motcua-kiosk provision` printed (with this kiosk's own reader), or types
//! its short code and the centre's address. The kiosk redeems the code at the
//! centre (`POST /api/v1/provision`), writes what it got — centre address,
//! token, id, offline range, certificate pin — into its config file (comments
//! and key order kept, validated, atomic) and restarts itself to go online.
//!
//! The code and the token never reach a log or the screen: the page shows the
//! typed code as the technician types it, nothing of a scanned one.

use super::context::KioskContext;
use super::i18n::pick;
use crate::centre::api::{ProvisionRequest, Provisioned};
use crate::centre::client::LinkError;
use crate::centre::tls::{pinned_client, ClientTrust};
use crate::centre::ApiClient;
use crate::config::edit::{self, Change, EditError};
use crate::config::{parse_pin, Config, Language};
use crate::domain::provision::{valid_centre_url, ProvisionCode, ProvisionPayload};
use crate::ui::{KioskWindow, SetupAdapter};
use slint::ComponentHandle;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Typed {
    code: String,
    url: String,
}

pub struct Provisioning {
    ctx: Arc<KioskContext>,
    typed: Mutex<Typed>,
}

/// How a redemption ended, for the page.
enum Outcome {
    Done { device_id: String, range: Option<(u32, u32)> },
    Refused { vi: String, en: String },
}

fn refused(vi: impl Into<String>, en: impl Into<String>) -> Outcome {
    Outcome::Refused { vi: vi.into(), en: en.into() }
}

/// The config keys a redeemed code sets on a kiosk.
pub fn config_changes(url: &str, pin: Option<&str>, r: &Provisioned) -> Vec<Change> {
    let mut out = vec![
        Change::new("centre.url", url),
        Change::new("centre.token", r.token.as_str()),
        Change::new("kiosk.id", r.device_id.as_str()),
    ];
    if let Some(range) = r.offline_range {
        out.push(Change::new("offline.range_start", i64::from(range.start)));
        out.push(Change::new("offline.range_end", i64::from(range.end)));
    }
    if let Some(p) = pin {
        out.push(Change::new("tls.pin", p));
    }
    out
}

/// The plain message for a refusal or failure at the centre.
fn link_outcome(e: &LinkError, url: &str) -> Outcome {
    match e {
        LinkError::Rejected { code, message, .. } => match code.as_str() {
            "provision_code_used" => refused(
                "Mã cấp phép này đã được dùng. Hãy tạo mã mới trên máy trung tâm (motcua-kiosk provision).",
                "This provisioning code was already used. Make a new one on the centre (motcua-kiosk provision).",
            ),
            "provision_code_expired" => refused(
                "Mã cấp phép này đã hết hạn. Hãy tạo mã mới trên máy trung tâm.",
                "This provisioning code has expired. Make a new one on the centre.",
            ),
            "provision_code_unknown" => refused(
                "Trung tâm không có mã cấp phép này. Kiểm tra lại mã và địa chỉ trung tâm.",
                "The centre has no such provisioning code. Check the code and the centre address.",
            ),
            "provision_role_mismatch" => refused(
                "Mã này dành cho loại thiết bị khác (màn hình hoặc quầy), không phải ki-ốt.",
                "This code is for another kind of device (a display or a counter), not a kiosk.",
            ),
            "too_many_attempts" => refused(
                "Đã nhập sai quá nhiều lần. Vui lòng thử lại sau 5 phút.",
                "Too many wrong codes. Please try again in 5 minutes.",
            ),
            _ => refused(format!("Trung tâm từ chối: {message}"), format!("The centre refused: {message}")),
        },
        LinkError::Unreachable(_) | LinkError::Timeout => refused(
            format!("Không kết nối được trung tâm tại {url}."),
            format!("Cannot reach the centre at {url}."),
        ),
        other => refused(format!("Chưa cấp phép được: {other}"), format!("Not provisioned: {other}")),
    }
}

impl Provisioning {
    pub fn new(ctx: Arc<KioskContext>) -> Arc<Provisioning> {
        Arc::new(Provisioning { ctx, typed: Mutex::default() })
    }

    fn typed(&self) -> std::sync::MutexGuard<'_, Typed> {
        self.typed.lock().expect("provision lock")
    }

    /// The typed field's text (`provision.code`, `provision.url`).
    pub fn get(&self, key: &str) -> String {
        let t = self.typed();
        match key {
            "provision.code" => t.code.clone(),
            "provision.url" => t.url.clone(),
            _ => String::new(),
        }
    }

    pub fn set(&self, ui: &KioskWindow, key: &str, text: &str) {
        {
            let mut t = self.typed();
            match key {
                "provision.code" => t.code = text.trim().to_ascii_uppercase(),
                "provision.url" => t.url = text.trim().trim_end_matches('/').to_string(),
                _ => {}
            }
        }
        self.show(ui);
    }

    /// The page was opened or locked: nothing typed is kept.
    pub fn clear(&self, ui: &KioskWindow) {
        *self.typed() = Typed::default();
        let a = ui.global::<SetupAdapter>();
        a.set_provision_report("".into());
        a.set_provision_busy(false);
        self.show(ui);
    }

    fn show(&self, ui: &KioskWindow) {
        let t = self.typed();
        let a = ui.global::<SetupAdapter>();
        a.set_provision_code(t.code.as_str().into());
        a.set_provision_url(t.url.as_str().into());
    }

    fn report(&self, ui: &KioskWindow, ok: bool, vi: &str, en: &str) {
        let a = ui.global::<SetupAdapter>();
        a.set_provision_ok(ok);
        a.set_provision_report(pick(self.ctx.lang(), vi, en).into());
    }

    /// A provisioning QR was scanned while setup is open.
    pub fn scanned(&self, ui: &KioskWindow, payload: ProvisionPayload) {
        tracing::info!(centre = %payload.url, "provisioning QR scanned");
        ui.global::<SetupAdapter>().set_tab(4);
        self.redeem(ui, payload);
    }

    /// "Cấp phép" with the typed code and address.
    pub fn submit_typed(&self, ui: &KioskWindow) {
        let (code, url) = {
            let t = self.typed();
            (t.code.clone(), t.url.clone())
        };
        let url = if url.is_empty() { self.ctx.cfg.centre.url.clone() } else { url };
        let code = match ProvisionCode::parse(&code) {
            Ok(c) => c,
            Err(e) => return self.report(ui, false, e.message_vi(), e.message_en()),
        };
        if !valid_centre_url(&url) {
            return self.report(
                ui,
                false,
                "Hãy nhập địa chỉ trung tâm, ví dụ https://10.0.0.5:8700",
                "Type the centre address, e.g. https://10.0.0.5:8700",
            );
        }
        self.redeem(ui, ProvisionPayload { code, url, pin: None });
    }

    fn redeem(&self, ui: &KioskWindow, payload: ProvisionPayload) {
        let a = ui.global::<SetupAdapter>();
        if a.get_provision_busy() {
            return;
        }
        let Some(path) = self.ctx.cfg.source.clone() else {
            return self.report(
                ui,
                false,
                "Máy đang chạy không có tệp cấu hình (chế độ thử): không cấp phép được. Chạy với --config TỆP.",
                "This kiosk runs without a config file (demo): it cannot be provisioned. Run it with --config FILE.",
            );
        };
        a.set_provision_busy(true);
        self.report(ui, true, "Đang cấp phép…", "Provisioning…");
        let cfg = self.ctx.cfg.clone();
        let work = async move { redeem_and_save(&cfg, &path, payload).await };
        let ctx = self.ctx.clone();
        self.ctx.spawn(ui, work, move |ui, outcome| {
            let a = ui.global::<SetupAdapter>();
            a.set_provision_busy(false);
            let lang = ctx.lang();
            match outcome {
                Outcome::Done { device_id, range } => {
                    let range = range.map(|(s, e)| format!(" {s}–{e}")).unwrap_or_default();
                    a.set_provision_ok(true);
                    a.set_provision_report(
                        match lang {
                            Language::Vi => format!(
                                "Đã cấp phép: thiết bị {device_id}, dải số ngoại tuyến{range}. Máy khởi động lại để kết nối…"
                            ),
                            Language::En => format!(
                                "Provisioned: device {device_id}, offline numbers{range}. Restarting to connect…"
                            ),
                        }
                        .into(),
                    );
                    tracing::info!(device = %device_id, "provisioned; restarting to go online");
                    ctx.request_restart();
                }
                Outcome::Refused { vi, en } => {
                    a.set_provision_ok(false);
                    a.set_provision_report(pick(lang, &vi, &en).into());
                }
            }
        });
    }
}

/// Redeems the code at the centre the payload names and writes the config.
async fn redeem_and_save(cfg: &Config, path: &std::path::Path, payload: ProvisionPayload) -> Outcome {
    let url = payload.url.clone();
    // A scanned QR brings the centre's pin: only that certificate is trusted.
    // A typed code relies on what the config already trusts.
    let trust = match payload.pin.as_deref().and_then(parse_pin) {
        Some(pin) => ClientTrust { tls: Some(pinned_client(pin)), insecure_http: cfg.tls.insecure_http },
        None => match ClientTrust::from_config(&cfg.tls) {
            Ok(t) => t,
            Err(e) => return refused(format!("Cấu hình TLS sai: {e}"), format!("Bad TLS settings: {e}")),
        },
    };
    let client = match ApiClient::with_trust(
        &url,
        "",
        Duration::from_millis(cfg.centre.connect_timeout_ms),
        Duration::from_millis(cfg.centre.request_timeout_ms.max(3000)),
        &trust,
    ) {
        Ok(c) => c,
        Err(e) => {
            return refused(
                format!("Địa chỉ trung tâm không dùng được: {e}"),
                format!("Unusable centre address: {e}"),
            )
        }
    };
    let req = ProvisionRequest { code: payload.code.grouped(), role: "kiosk".into() };
    let r = match client.provision(&req).await {
        Ok(r) => r,
        Err(e) => return link_outcome(&e, &url),
    };
    let pin = payload.pin.clone().or_else(|| r.tls_pin.clone().filter(|_| url.starts_with("https://")));
    let changes = config_changes(&url, pin.as_deref(), &r);
    let path = path.to_path_buf();
    let written = tokio::task::spawn_blocking(move || edit::edit_file(&path, &changes)).await;
    let range = r.offline_range.map(|o| (o.start, o.end));
    match written {
        Ok(Ok(_)) => Outcome::Done { device_id: r.device_id, range },
        Ok(Err(EditError::Invalid(issues))) => {
            let list: Vec<String> = issues.iter().map(|i| format!("{}: {}", i.key, i.message)).collect();
            refused(
                format!("Đã nhận mã nhưng chưa lưu được cấu hình: {}", list.join("; ")),
                format!("The code was accepted but the config was not saved: {}", list.join("; ")),
            )
        }
        Ok(Err(e)) => refused(
            format!("Đã nhận mã nhưng chưa lưu được cấu hình: {e}"),
            format!("The code was accepted but the config was not saved: {e}"),
        ),
        Err(e) => refused(format!("Lỗi nội bộ: {e}"), format!("Internal error: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::centre::api::OfflineRange;

    #[test]
    fn a_redeemed_kiosk_code_sets_address_token_id_range_and_pin() {
        // Must hold: exactly these keys are written, and the config they
        // make passes `config check`.
        let r = Provisioned {
            device_id: "kiosk-03".into(),
            role: "kiosk".into(),
            token: "a".repeat(64),
            offline_range: Some(OfflineRange { start: 925, end: 949 }),
            counters: vec![],
            tls_pin: None,
        };
        let pin = format!("sha256:{}", "0f".repeat(32));
        let changes = config_changes("https://10.0.0.5:8700", Some(&pin), &r);
        let keys: Vec<&str> = changes.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(
            keys,
            ["centre.url", "centre.token", "kiosk.id", "offline.range_start", "offline.range_end", "tls.pin"]
        );
        let (_, cfg) = edit::apply("[kiosk]\nid = \"old\"\n", &changes).unwrap();
        assert_eq!((cfg.offline.range_start, cfg.offline.range_end), (925, 949));
        assert_eq!((cfg.kiosk.id.as_str(), cfg.tls.pin.as_str()), ("kiosk-03", pin.as_str()));
    }
}
