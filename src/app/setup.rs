//! Technician setup behind a PIN: diagnostics and a test print.

use super::i18n::pick;
use super::kiosk::Inner;
use crate::ui::{DiagRow, KioskWindow, SetupAdapter};
use slint::{ComponentHandle, ModelRc, VecModel};
use std::sync::Arc;

/// Wrong PINs allowed before the pad locks for [`LOCKOUT_SECS`].
pub const MAX_FAILURES: u32 = 5;
pub const LOCKOUT_SECS: i64 = 60;

pub fn wire(ui: &KioskWindow, inner: &Arc<Inner>) {
    let s = ui.global::<SetupAdapter>();
    s.on_pin_digit({
        let (weak, inner) = (ui.as_weak(), inner.clone());
        move |d| {
            if let Some(ui) = weak.upgrade() {
                pin_input(&ui, &inner, d.as_str());
            }
        }
    });
    s.on_pin_erase({
        let (weak, inner) = (ui.as_weak(), inner.clone());
        move || {
            if let Some(ui) = weak.upgrade() {
                let mut st = inner.session.lock().expect("session lock");
                st.pin.pop();
                ui.global::<SetupAdapter>().set_pin_length(st.pin.len() as i32);
            }
        }
    });
    s.on_lock({
        let (weak, inner) = (ui.as_weak(), inner.clone());
        move || {
            if let Some(ui) = weak.upgrade() {
                reset(&ui, &inner);
            }
        }
    });
    s.on_test_print({
        let (weak, inner) = (ui.as_weak(), inner.clone());
        move || {
            if let Some(ui) = weak.upgrade() {
                let msg = if inner.cfg.printer.uri.is_empty() {
                    pick(inner.lang(), "Chưa cấu hình máy in", "No printer configured")
                } else {
                    pick(inner.lang(), "Đã gửi lệnh in thử", "Test print sent")
                };
                ui.global::<SetupAdapter>().set_pin_error(msg.into());
            }
        }
    });
}

/// Constant-time comparison so the PIN cannot be guessed digit by digit from timing.
fn pin_matches(given: &str, expected: &str) -> bool {
    given.len() == expected.len()
        && given.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

fn pin_input(ui: &KioskWindow, inner: &Inner, d: &str) {
    let a = ui.global::<SetupAdapter>();
    let lang = inner.lang();
    let now = inner.clock.now();
    let mut st = inner.session.lock().expect("session lock");
    if let Some(until) = st.pin_locked_until {
        if now < until {
            let secs = (until - now).num_seconds().max(1);
            a.set_pin_error(
                match lang {
                    crate::config::Language::Vi => {
                        format!("Nhập sai quá nhiều lần. Thử lại sau {secs} giây.")
                    }
                    crate::config::Language::En => {
                        format!("Too many wrong PINs. Try again in {secs} seconds.")
                    }
                }
                .into(),
            );
            return;
        }
        st.pin_locked_until = None;
        st.pin_failures = 0;
    }
    if d == "submit" {
        if pin_matches(&st.pin, &inner.cfg.kiosk.setup_pin) {
            st.pin.clear();
            st.pin_failures = 0;
            drop(st);
            a.set_pin_error("".into());
            a.set_pin_length(0);
            a.set_unlocked(true);
            a.set_diagnostics(ModelRc::new(VecModel::from(diagnostics(inner))));
        } else {
            st.pin.clear();
            st.pin_failures += 1;
            if st.pin_failures >= MAX_FAILURES {
                st.pin_locked_until = Some(now + chrono::Duration::seconds(LOCKOUT_SECS));
            }
            tracing::warn!("wrong setup PIN (attempt {})", st.pin_failures);
            a.set_pin_length(0);
            a.set_pin_error(pick(lang, "Mã PIN không đúng", "Wrong PIN").into());
        }
        return;
    }
    if st.pin.len() < 8 && d.len() == 1 && d.bytes().all(|b| b.is_ascii_digit()) {
        st.pin.push_str(d);
        a.set_pin_error("".into());
        a.set_pin_length(st.pin.len() as i32);
    }
}

fn diagnostics(inner: &Inner) -> Vec<DiagRow> {
    let cfg = &inner.cfg;
    let lang = inner.lang();
    let row = |label: &str, value: String, ok: bool| DiagRow { label: label.into(), value: value.into(), ok };
    let centre = if cfg.centre.url.is_empty() {
        pick(lang, "Trung tâm tích hợp (máy này)", "Built-in centre (this device)").to_string()
    } else {
        cfg.centre.url.clone()
    };
    let online = inner.backend.online();
    vec![
        row(pick(lang, "Phiên bản", "Version"), env!("CARGO_PKG_VERSION").into(), true),
        row(pick(lang, "Mã thiết bị", "Device id"), cfg.kiosk.id.clone(), true),
        row(pick(lang, "Trung tâm", "Centre"), centre, true),
        row(
            pick(lang, "Kết nối", "Connection"),
            pick(
                lang,
                if online { "Trực tuyến" } else { "Mất kết nối" },
                if online { "Online" } else { "Offline" },
            )
            .into(),
            online,
        ),
        row(
            pick(lang, "Dải số ngoại tuyến", "Offline number range"),
            format!("{}–{}", cfg.offline.range_start, cfg.offline.range_end),
            true,
        ),
        row(pick(lang, "Thư mục dữ liệu", "Data directory"), cfg.data_dir().display().to_string(), true),
        row(
            pick(lang, "Đầu đọc mã", "Barcode readers"),
            if cfg.scanner.ports.is_empty() {
                pick(lang, "Chưa cấu hình", "Not configured").into()
            } else {
                cfg.scanner.ports.join(", ")
            },
            !cfg.scanner.ports.is_empty(),
        ),
        row(
            pick(lang, "Máy in", "Printer"),
            if cfg.printer.uri.is_empty() {
                pick(lang, "Chưa cấu hình", "Not configured").into()
            } else {
                cfg.printer.uri.clone()
            },
            !cfg.printer.uri.is_empty(),
        ),
        row(pick(lang, "Ngôn ngữ mặc định", "Default language"), cfg.kiosk.language.code().into(), true),
    ]
}

pub fn reset(ui: &KioskWindow, inner: &Inner) {
    inner.session.lock().expect("session lock").pin.clear();
    clear(ui);
}

pub fn clear(ui: &KioskWindow) {
    let a = ui.global::<SetupAdapter>();
    a.set_unlocked(false);
    a.set_pin_length(0);
    a.set_pin_error("".into());
    a.set_diagnostics(ModelRc::default());
}

#[cfg(test)]
mod tests {
    #[test]
    fn pin_comparison() {
        assert!(super::pin_matches("246810", "246810"));
        assert!(!super::pin_matches("246811", "246810"));
        assert!(!super::pin_matches("24681", "246810"));
    }
}
