//! Deterministic sample content for the screens whose data sources come with
//! later issues (procedures, dossier status, rating), and for headless
//! snapshots. Replaced feature by feature as the real controllers land.

use super::kiosk::Inner;
use crate::ui::{
    DocumentRow, DossierAdapter, FieldRow, HistoryRow, KioskWindow, MethodRow, Nav, Page, ProcedureAdapter,
    ProcedureRow, RatingAdapter,
};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};
use std::sync::Arc;

fn model<T: Clone + 'static>(v: Vec<T>) -> ModelRc<T> {
    ModelRc::new(VecModel::from(v))
}

pub fn procedure_rows() -> Vec<ProcedureRow> {
    [
        ("1.001193", "Đăng ký khai sinh", "Hộ tịch", "Cấp xã"),
        ("1.000894", "Đăng ký kết hôn", "Hộ tịch", "Cấp xã"),
        ("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "Chứng thực", "Cấp xã"),
        ("2.000884", "Chứng thực chữ ký trong các giấy tờ, văn bản", "Chứng thực", "Cấp xã"),
        ("1.004222", "Đăng ký thường trú", "Cư trú", "Cấp xã"),
    ]
    .into_iter()
    .map(|(c, n, f, l)| ProcedureRow { code: c.into(), name: n.into(), field: f.into(), level: l.into() })
    .collect()
}

pub fn show_procedure_list(ui: &KioskWindow) {
    let p = ui.global::<ProcedureAdapter>();
    p.set_results(model(procedure_rows()));
    p.set_fields(model(vec![
        FieldRow { name: "Hộ tịch".into(), count: 2 },
        FieldRow { name: "Chứng thực".into(), count: 2 },
        FieldRow { name: "Cư trú".into(), count: 1 },
    ]));
    p.set_result_note("5 thủ tục".into());
}

pub fn show_procedure_detail(ui: &KioskWindow) {
    let p = ui.global::<ProcedureAdapter>();
    p.set_code("1.001193".into());
    p.set_name("Đăng ký khai sinh".into());
    p.set_field("Hộ tịch".into());
    p.set_level("Cấp xã".into());
    p.set_agency("Ủy ban nhân dân cấp xã".into());
    p.set_result("Giấy khai sinh (bản chính)".into());
    p.set_online_level("Toàn trình".into());
    p.set_documents(model(vec![
        DocumentRow {
            name: "Tờ khai đăng ký khai sinh".into(),
            quantity: "Bản chính: 1 - Bản sao: 0".into(),
            form: "Mẫu tờ khai".into(),
        },
        DocumentRow {
            name:
                "Giấy chứng sinh; nếu không có: văn bản của người làm chứng hoặc giấy cam đoan về việc sinh"
                    .into(),
            quantity: "Bản chính: 1 - Bản sao: 0".into(),
            form: "".into(),
        },
    ]));
    p.set_methods(model(vec![
        MethodRow {
            channel: "Trực tiếp".into(),
            duration: "Trong ngày; nhận sau 15 giờ thì trả ngày làm việc tiếp theo".into(),
            fee: "Miễn lệ phí khi đăng ký đúng hạn".into(),
        },
        MethodRow {
            channel: "Trực tuyến".into(),
            duration: "Trong ngày làm việc".into(),
            fee: "Miễn lệ phí khi đăng ký đúng hạn".into(),
        },
    ]));
    p.set_steps(model(vec![
        SharedString::from("Nộp tờ khai và giấy tờ tại Bộ phận một cửa"),
        "Công chức tư pháp - hộ tịch kiểm tra hồ sơ".into(),
        "Ghi vào Sổ hộ tịch, trình ký Giấy khai sinh".into(),
        "Trả kết quả cho người đi đăng ký".into(),
    ]));
    p.set_conditions("".into());
    p.set_service_code("HT".into());
    p.set_service_name("Hộ tịch".into());
    p.set_portal_qr(super::qr::qr_image(
        "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=1.001193",
        4,
    ));
}

pub fn show_dossier(ui: &KioskWindow) {
    let d = ui.global::<DossierAdapter>();
    d.set_code_input("000.00.06.H56-231027-0361".into());
    d.set_found(true);
    d.set_error("".into());
    d.set_code("000.00.06.H56-231027-0361".into());
    d.set_procedure("Đăng ký thường trú".into());
    d.set_applicant("Nguyễn V. A.".into());
    d.set_received("27/10/2026 09:15".into());
    d.set_appointment("05/11/2026".into());
    d.set_status("Yêu cầu bổ sung giấy tờ".into());
    d.set_status_code(5);
    d.set_overdue(false);
    d.set_overdue_note("Còn 3 ngày làm việc đến ngày hẹn trả".into());
    d.set_next_step("Mang bổ sung: Giấy tờ chứng minh chỗ ở hợp pháp (bản sao) đến quầy số 5".into());
    d.set_history(model(vec![
        HistoryRow {
            time: "27/10/2026 09:15".into(),
            step: "Bộ phận một cửa".into(),
            action: "Tiếp nhận hồ sơ".into(),
        },
        HistoryRow {
            time: "28/10/2026 14:02".into(),
            step: "Công an phường Hải Châu".into(),
            action: "Thẩm định hồ sơ".into(),
        },
        HistoryRow {
            time: "30/10/2026 10:40".into(),
            step: "Công an phường Hải Châu".into(),
            action: "Yêu cầu bổ sung giấy tờ chứng minh chỗ ở hợp pháp".into(),
        },
    ]));
}

pub fn wire_placeholders(ui: &KioskWindow, _inner: &Arc<Inner>) {
    show_procedure_list(ui);
    let p = ui.global::<ProcedureAdapter>();
    p.on_open({
        let weak = ui.as_weak();
        move |_code| {
            if let Some(ui) = weak.upgrade() {
                show_procedure_detail(&ui);
                ui.global::<Nav>().invoke_go(Page::ProcedureDetail);
            }
        }
    });
    p.on_take_number({
        let weak = ui.as_weak();
        move |_service| {
            if let Some(ui) = weak.upgrade() {
                ui.global::<Nav>().invoke_go(Page::TakeNumber);
            }
        }
    });
    p.on_key({
        let weak = ui.as_weak();
        move |k| {
            if let Some(ui) = weak.upgrade() {
                let p = ui.global::<ProcedureAdapter>();
                p.set_query(crate::domain::vn_input::apply_key(&p.get_query(), &k, 60).into());
            }
        }
    });
    let d = ui.global::<DossierAdapter>();
    d.on_key({
        let weak = ui.as_weak();
        move |k| {
            if let Some(ui) = weak.upgrade() {
                let d = ui.global::<DossierAdapter>();
                let allowed = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '-';
                d.set_code_input(super::keypad::apply_key(&d.get_code_input(), &k, 32, allowed).into());
            }
        }
    });
    let r = ui.global::<RatingAdapter>();
    r.set_state("ask-ticket".into());
    r.on_key({
        let weak = ui.as_weak();
        move |k| {
            if let Some(ui) = weak.upgrade() {
                let r = ui.global::<RatingAdapter>();
                let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-';
                r.set_ticket_input(super::keypad::apply_key(&r.get_ticket_input(), &k, 8, allowed).into());
            }
        }
    });
}

pub fn clear_placeholders(ui: &KioskWindow) {
    let p = ui.global::<ProcedureAdapter>();
    p.set_query("".into());
    p.set_field_filter("".into());
    p.set_keyboard_open(false);
    let d = ui.global::<DossierAdapter>();
    d.set_code_input("".into());
    d.set_found(false);
    d.set_error("".into());
    d.set_applicant("".into());
    d.set_history(ModelRc::default());
    let r = ui.global::<RatingAdapter>();
    r.set_state("ask-ticket".into());
    r.set_ticket_input("".into());
    r.set_ticket("".into());
}
