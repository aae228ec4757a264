//! Dossier status lookup and import on the centre, and the sample dossiers of
//! the built-in centre.

use super::{Centre, CentreError, Setup};
use crate::centre::api::*;
use crate::domain::citizen_id::mask_name;
use crate::domain::dossier::{
    appointment_after_pauses, next_step, pauses, Deadline, NextStepFacts, WorkCalendar,
};
use crate::domain::localtime::{service_day, vn_offset};
use crate::domain::scan::DossierCode;
use crate::domain::time_limit::TimeLimit;
use crate::store::dossiers::{self as d, DossierRow, HistoryRow};
use crate::store::{from_ms, to_ms, StoreError};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use rusqlite::{Connection, TransactionBehavior};
use std::collections::HashSet;

/// Most dossiers in one import file.
pub const MAX_IMPORT: usize = 100_000;
const MAX_TEXT: usize = 300;
const MAX_HISTORY: usize = 200;
const MAX_DOCUMENTS: usize = 30;

impl Centre {
    /// The status of a dossier. `code` is what the citizen typed or scanned
    /// (trimmed, case-insensitive).
    pub async fn dossier(&self, code: &str) -> Result<DossierView, CentreError> {
        let parsed =
            DossierCode::parse(code).ok_or_else(|| CentreError::MalformedDossierCode(code.trim().into()))?;
        let code = parsed.as_str().to_string();
        self.read(move |c, setup, today, _| {
            let row = d::dossier(c, &code)?.ok_or_else(|| CentreError::DossierNotFound(code.clone()))?;
            let history = d::history(c, &code)?;
            dossier_view(row, history, &setup.calendar, today)
        })
        .await
    }

    /// Every dossier (the `dossiers list` command), by code.
    pub async fn dossiers(&self) -> Result<Vec<DossierView>, CentreError> {
        self.read(|c, setup, today, _| {
            d::all(c)?
                .into_iter()
                .map(|row| {
                    let history = d::history(c, &row.code)?;
                    dossier_view(row, history, &setup.calendar, today)
                })
                .collect()
        })
        .await
    }

    /// Inserts or replaces dossiers (all or nothing). Every problem of the
    /// batch is reported at once, with its JSON path.
    pub async fn import_dossiers(&self, records: Vec<DossierRecord>) -> Result<ImportReport, CentreError> {
        let problems = validate_records(&records);
        if !problems.is_empty() {
            return Err(CentreError::InvalidImport(problems));
        }
        self.write(move |w, now| {
            let mut report = ImportReport { inserted: 0, updated: 0 };
            for r in &records {
                let (row, history) = record_to_row(r, false, now)?;
                if d::upsert(w.c(), &row, &history)? {
                    report.inserted += 1;
                } else {
                    report.updated += 1;
                }
            }
            Ok(report)
        })
        .await
    }
}

/// Checks an import batch; the messages start with the JSON path of the value
/// (`dossiers[3].appointment: ...`).
pub fn validate_records(records: &[DossierRecord]) -> Vec<String> {
    let mut out = Vec::new();
    if records.len() > MAX_IMPORT {
        out.push(format!("dossiers: at most {MAX_IMPORT} dossiers per file, not {}", records.len()));
        return out;
    }
    let mut seen = HashSet::new();
    for (i, r) in records.iter().enumerate() {
        let at = |f: &str| format!("dossiers[{i}].{f}");
        let mut text = |f: &str, v: &str, required: bool| {
            let v = v.trim();
            if (required && v.is_empty()) || v.chars().count() > MAX_TEXT || v.chars().any(char::is_control) {
                out.push(format!(
                    "{}: must be {}at most {MAX_TEXT} printable characters",
                    at(f),
                    if required { "1 to " } else { "" }
                ));
            }
        };
        text("procedure_code", &r.procedure_code, true);
        text("procedure_name_vi", &r.procedure_name_vi, true);
        text("procedure_name_en", &r.procedure_name_en, false);
        text("applicant", &r.applicant, true);
        for (j, doc) in r.missing_documents.iter().enumerate() {
            text(&format!("missing_documents[{j}]"), doc, true);
        }
        for (j, h) in r.history.iter().enumerate() {
            text(&format!("history[{j}].agency"), &h.agency, true);
            text(&format!("history[{j}].action"), &h.action, true);
        }
        match DossierCode::parse(&r.code) {
            None => out.push(format!(
                "{}: `{}` is not a dossier code {{agency}}-{{yyMMdd}}-{{NNNN}} (e.g. 000.00.06.H56-231027-0361)",
                at("code"),
                r.code
            )),
            Some(c) => {
                if !seen.insert(c.as_str().to_string()) {
                    out.push(format!("{}: `{}` appears more than once in the file", at("code"), c.as_str()));
                }
            }
        }
        if r.missing_documents.len() > MAX_DOCUMENTS {
            out.push(format!("{}: at most {MAX_DOCUMENTS} documents", at("missing_documents")));
        }
        if r.history.len() > MAX_HISTORY {
            out.push(format!("{}: at most {MAX_HISTORY} entries", at("history")));
        }
        if r.counter == Some(0) {
            out.push(format!("{}: counters are numbered from 1", at("counter")));
        }
        if r.fee_vnd.is_some_and(|f| f > 1_000_000_000_000) {
            out.push(format!("{}: implausible amount", at("fee_vnd")));
        }
        if r.appointment < service_day(r.received_at) {
            out.push(format!(
                "{}: {} is before the day the dossier was received ({})",
                at("appointment"),
                r.appointment,
                service_day(r.received_at)
            ));
        }
    }
    out
}

fn record_to_row(
    r: &DossierRecord,
    sample: bool,
    now: DateTime<Utc>,
) -> Result<(DossierRow, Vec<HistoryRow>), CentreError> {
    let code =
        DossierCode::parse(&r.code).ok_or_else(|| CentreError::MalformedDossierCode(r.code.clone()))?;
    let missing: Vec<String> = r.missing_documents.iter().map(|s| s.trim().to_string()).collect();
    let row = DossierRow {
        code: code.as_str().to_string(),
        procedure_code: r.procedure_code.trim().to_string(),
        procedure_name_vi: r.procedure_name_vi.trim().to_string(),
        procedure_name_en: r.procedure_name_en.trim().to_string(),
        applicant_masked: mask_name(r.applicant.trim()),
        channel: r.channel.code(),
        received_at: to_ms(r.received_at),
        appointment: r.appointment,
        status: r.status.code(),
        missing_documents: serde_json::to_string(&missing).expect("strings serialise"),
        fee_vnd: r.fee_vnd.map(|f| f as i64),
        counter: r.counter,
        sample,
        updated_at: to_ms(now),
    };
    let history = r
        .history
        .iter()
        .map(|h| HistoryRow {
            at: to_ms(h.at),
            agency: h.agency.trim().to_string(),
            action: h.action.trim().to_string(),
            status: h.status.map(DossierStatus::code),
        })
        .collect();
    Ok((row, history))
}

/// How the centre would show an import record on `today` (sample data for
/// headless screens and tests without a store).
pub fn record_view(
    r: &DossierRecord,
    cal: &WorkCalendar,
    today: NaiveDate,
) -> Result<DossierView, CentreError> {
    let (row, history) = record_to_row(r, false, r.received_at)?;
    dossier_view(row, history, cal, today)
}

fn dossier_view(
    row: DossierRow,
    history: Vec<HistoryRow>,
    calendar: &WorkCalendar,
    today: NaiveDate,
) -> Result<DossierView, CentreError> {
    let corrupt =
        |what: &str| CentreError::from(StoreError::Corrupt(format!("dossier {}: invalid {what}", row.code)));
    let status = DossierStatus::from_code(row.status).ok_or_else(|| corrupt("status"))?;
    let channel = Channel::from_code(row.channel).ok_or_else(|| corrupt("channel"))?;
    let missing: Vec<String> =
        serde_json::from_str(&row.missing_documents).map_err(|_| corrupt("missing_documents"))?;
    // Finished waits for the citizen (status 5/6 in the history) do not count
    // against the agency; a wait still open pauses the clock (Deadline::Paused).
    let steps: Vec<(NaiveDate, Option<DossierStatus>)> = history
        .iter()
        .map(|h| (service_day(from_ms(h.at)), h.status.and_then(DossierStatus::from_code)))
        .collect();
    let due = appointment_after_pauses(row.appointment, &pauses(&steps), calendar);
    let deadline = Deadline::evaluate(status, due, today, calendar);
    let fee_vnd = row.fee_vnd.and_then(|f| u64::try_from(f).ok());
    let step = next_step(
        status,
        &NextStepFacts {
            missing_documents: &missing,
            fee_vnd,
            counter: row.counter,
            channel: Some(channel),
            appointment: Some(due),
            overdue: deadline.is_overdue(),
        },
    );
    Ok(DossierView {
        procedure_code: row.procedure_code,
        procedure_name_en: if row.procedure_name_en.is_empty() {
            row.procedure_name_vi.clone()
        } else {
            row.procedure_name_en
        },
        procedure_name_vi: row.procedure_name_vi,
        applicant: row.applicant_masked,
        channel,
        received_at: from_ms(row.received_at),
        appointment: row.appointment,
        status: DossierStatusView {
            code: status.code(),
            label_vi: status.label_vi().into(),
            label_en: status.label_en().into(),
        },
        deadline: DeadlineView {
            overdue: deadline.is_overdue(),
            working_days_late: deadline.working_days_late(),
            working_days_left: match deadline {
                Deadline::OnTime { working_days_left } => Some(working_days_left),
                Deadline::Due => Some(0),
                _ => None,
            },
            note_vi: deadline.note_vi(due),
            note_en: deadline.note_en(due),
            paused: deadline.is_paused(),
            due: Some(due),
        },
        next_step: NextStepView {
            kind: step.kind,
            text_vi: step.text_vi,
            text_en: step.text_en,
            counter: row.counter,
        },
        missing_documents: missing,
        fee_vnd,
        history: history
            .into_iter()
            .map(|h| DossierHistoryEntry {
                at: from_ms(h.at),
                agency: h.agency,
                action: h.action,
                status: h.status,
            })
            .collect(),
        updated_at: from_ms(row.updated_at),
        code: row.code,
    })
}

/// Creates the sample dossiers on first start when `dossier.sample_data` is
/// on (dates relative to that day), removes them when it is off.
pub(super) fn prepare_samples(
    c: &mut Connection,
    setup: &Setup,
    now: DateTime<Utc>,
) -> Result<(), CentreError> {
    let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if !setup.sample_dossiers {
        let n = d::delete_samples(&tx)?;
        if n > 0 {
            tracing::info!(removed = n, "sample dossiers removed (dossier.sample_data = false)");
        }
    } else if d::count_samples(&tx)? == 0 {
        let records = sample_records(&setup.calendar, service_day(now));
        for r in &records {
            if d::dossier(&tx, &DossierCode::parse(&r.code).expect("valid sample code").to_string())?
                .is_some()
            {
                continue; // an imported dossier with the same code wins
            }
            let (row, history) = record_to_row(r, true, now)?;
            d::upsert(&tx, &row, &history)?;
        }
        tracing::info!(count = records.len(), "sample dossiers created");
    }
    tx.commit()?;
    Ok(())
}

fn local(day: NaiveDate, h: u32, m: u32) -> DateTime<Utc> {
    vn_offset()
        .from_local_datetime(&day.and_hms_opt(h, m, 0).expect("valid time"))
        .single()
        .expect("fixed offset")
        .with_timezone(&Utc)
}

fn sample_code(agency: &str, received: NaiveDate, seq: u32) -> String {
    format!("{agency}-{}-{seq:04}", received.format("%y%m%d"))
}

/// Demonstration dossiers relative to `today`: one overdue across a weekend,
/// one waiting for papers, one ready for pickup, one waiting for a fee, one
/// just received, one returned.
pub fn sample_records(cal: &WorkCalendar, today: NaiveDate) -> Vec<DossierRecord> {
    let ward = "000.00.06.H56";
    let city = "000.17.22.H56";
    let h = |at: DateTime<Utc>, agency: &str, action: &str, status: DossierStatus| DossierHistoryRecord {
        at,
        agency: agency.into(),
        action: action.into(),
        status: Some(status),
    };
    let one_stop = "Bộ phận một cửa";
    // Appointments as the receipt gives them: reception + the procedure's limit
    // in its unit (working or calendar days), counted with the calendar.
    let close = chrono::NaiveTime::from_hms_opt(17, 0, 0).expect("valid time");
    let due = |day: NaiveDate, h: u32, m: u32, limit: TimeLimit| {
        limit.due(day.and_hms_opt(h, m, 0).expect("valid time"), cal, close).date()
    };
    // Due on a Friday at least three days ago (a weekend lies between it and
    // today), and at least one working day ago (holidays may fill the gap).
    let mut due_friday = today - Duration::days(3);
    while due_friday.weekday() != Weekday::Fri {
        due_friday -= Duration::days(1);
    }
    while cal.working_days_between(due_friday, today) == 0 {
        due_friday -= Duration::days(7);
    }
    let overdue_received = cal.sub_working_days(due_friday, 7);
    let papers_received = cal.sub_working_days(today, 2);
    let ready_received = cal.sub_working_days(today, 5);
    let fee_received = cal.sub_working_days(today, 3);
    let returned_received = cal.sub_working_days(today, 20);
    vec![
        DossierRecord {
            code: sample_code(ward, overdue_received, 101),
            procedure_code: "1.004222".into(),
            procedure_name_vi: "Đăng ký thường trú".into(),
            procedure_name_en: "Permanent residence registration".into(),
            applicant: "Nguyễn Văn An".into(),
            channel: Channel::InPerson,
            received_at: local(overdue_received, 8, 40),
            appointment: due_friday,
            status: DossierStatus::Processing,
            missing_documents: vec![],
            fee_vnd: None,
            counter: Some(5),
            history: vec![
                h(local(overdue_received, 8, 40), one_stop, "Tiếp nhận hồ sơ", DossierStatus::Accepted),
                h(
                    local(cal.add_working_days(overdue_received, 1), 14, 5),
                    "Công an phường Hải Châu",
                    "Thẩm định hồ sơ, xác minh nơi cư trú",
                    DossierStatus::Processing,
                ),
            ],
        },
        DossierRecord {
            code: sample_code(ward, papers_received, 102),
            procedure_code: "1.004222".into(),
            procedure_name_vi: "Đăng ký thường trú".into(),
            procedure_name_en: "Permanent residence registration".into(),
            applicant: "Trần Thị Bích".into(),
            channel: Channel::InPerson,
            received_at: local(papers_received, 9, 15),
            appointment: due(papers_received, 9, 15, TimeLimit::working_days(7)),
            status: DossierStatus::SupplementRequested,
            missing_documents: vec!["Giấy tờ, tài liệu chứng minh chỗ ở hợp pháp (bản sao)".into()],
            fee_vnd: None,
            counter: Some(5),
            history: vec![
                h(local(papers_received, 9, 15), one_stop, "Tiếp nhận hồ sơ", DossierStatus::Accepted),
                h(
                    local(cal.add_working_days(papers_received, 1), 10, 40),
                    "Công an phường Hải Châu",
                    "Yêu cầu bổ sung giấy tờ chứng minh chỗ ở hợp pháp",
                    DossierStatus::SupplementRequested,
                ),
            ],
        },
        DossierRecord {
            code: sample_code(ward, ready_received, 103),
            procedure_code: "1.000894".into(),
            procedure_name_vi: "Đăng ký kết hôn".into(),
            procedure_name_en: "Marriage registration".into(),
            applicant: "Lê Minh Châu".into(),
            channel: Channel::InPerson,
            received_at: local(ready_received, 10, 5),
            // Kết hôn needing verification: at most 5 working days.
            appointment: due(ready_received, 10, 5, TimeLimit::working_days(5)),
            status: DossierStatus::Completed,
            missing_documents: vec![],
            fee_vnd: None,
            counter: Some(1),
            history: vec![
                h(local(ready_received, 10, 5), one_stop, "Tiếp nhận hồ sơ", DossierStatus::Accepted),
                h(
                    local(cal.add_working_days(ready_received, 1), 8, 30),
                    "Công chức tư pháp - hộ tịch",
                    "Kiểm tra hồ sơ, xác minh",
                    DossierStatus::Processing,
                ),
                h(
                    local(cal.add_working_days(ready_received, 4), 15, 20),
                    "Ủy ban nhân dân phường Hải Châu",
                    "Ký Giấy chứng nhận kết hôn; chuyển kết quả về Bộ phận một cửa",
                    DossierStatus::Completed,
                ),
            ],
        },
        DossierRecord {
            code: sample_code(ward, fee_received, 104),
            procedure_code: "2.001263".into(),
            procedure_name_vi: "Đăng ký nuôi con nuôi trong nước".into(),
            procedure_name_en: "Domestic adoption registration".into(),
            applicant: "Phạm Thị Dung".into(),
            channel: Channel::Online,
            received_at: local(fee_received, 14, 0),
            appointment: due(fee_received, 14, 0, TimeLimit::calendar_days(30)),
            status: DossierStatus::PaymentRequested,
            missing_documents: vec![],
            fee_vnd: Some(400_000),
            counter: Some(1),
            history: vec![
                h(
                    local(fee_received, 14, 0),
                    one_stop,
                    "Tiếp nhận hồ sơ trực tuyến",
                    DossierStatus::Accepted,
                ),
                h(
                    local(cal.add_working_days(fee_received, 1), 9, 0),
                    one_stop,
                    "Thông báo nộp lệ phí đăng ký nuôi con nuôi",
                    DossierStatus::PaymentRequested,
                ),
            ],
        },
        DossierRecord {
            code: sample_code(city, today, 105),
            procedure_code: "1.001612".into(),
            procedure_name_vi: "Đăng ký thành lập hộ kinh doanh".into(),
            procedure_name_en: "Household business registration".into(),
            applicant: "Hoàng Văn Em".into(),
            channel: Channel::InPerson,
            received_at: local(today, 8, 5),
            appointment: due(today, 8, 5, TimeLimit::working_days(3)),
            status: DossierStatus::Accepted,
            missing_documents: vec![],
            fee_vnd: None,
            counter: Some(8),
            history: vec![h(local(today, 8, 5), one_stop, "Tiếp nhận hồ sơ", DossierStatus::Accepted)],
        },
        DossierRecord {
            code: sample_code(city, returned_received, 106),
            procedure_code: "1.013225".into(),
            procedure_name_vi: "Cấp giấy phép xây dựng nhà ở riêng lẻ".into(),
            procedure_name_en: "Construction permit for a detached house".into(),
            applicant: "Võ Thị Giang".into(),
            channel: Channel::Post,
            received_at: local(returned_received, 9, 30),
            appointment: due(returned_received, 9, 30, TimeLimit::calendar_days(15)),
            status: DossierStatus::Returned,
            missing_documents: vec![],
            fee_vnd: None,
            counter: Some(6),
            history: vec![
                h(local(returned_received, 9, 30), one_stop, "Tiếp nhận hồ sơ", DossierStatus::Accepted),
                h(
                    local(cal.add_working_days(returned_received, 2), 10, 0),
                    "Phòng Quản lý đô thị",
                    "Thẩm định hồ sơ, kiểm tra hiện trạng",
                    DossierStatus::Processing,
                ),
                h(
                    local(cal.add_working_days(returned_received, 13), 16, 0),
                    "Phòng Quản lý đô thị",
                    "Cấp giấy phép xây dựng",
                    DossierStatus::Completed,
                ),
                h(
                    local(cal.add_working_days(returned_received, 14), 9, 0),
                    one_stop,
                    "Gửi kết quả qua bưu chính công ích",
                    DossierStatus::Returned,
                ),
            ],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dossier::DEFAULT_HOLIDAYS_2026;

    #[test]
    fn samples_validate_and_cover_the_promised_cases() {
        // Must hold: for any day of the year the samples pass the import checks and include
        // a dossier overdue across a weekend, one needing papers and one ready for pickup.
        let cal = WorkCalendar::from_strings(&DEFAULT_HOLIDAYS_2026);
        let mut day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        while day.year() == 2026 {
            let records = sample_records(&cal, day);
            assert_eq!(validate_records(&records), Vec::<String>::new(), "{day}");
            let overdue = &records[0];
            let deadline = Deadline::evaluate(overdue.status, overdue.appointment, day, &cal);
            assert!(deadline.is_overdue(), "{day}: {deadline:?}");
            assert!(
                overdue
                    .appointment
                    .iter_days()
                    .take_while(|d| *d < day)
                    .any(|d| matches!(d.weekday(), Weekday::Sat | Weekday::Sun)),
                "{day}: a weekend between the appointment and today"
            );
            assert!((day - overdue.appointment).num_days() as u32 > deadline.working_days_late(), "{day}");
            assert!(records
                .iter()
                .any(|r| r.status == DossierStatus::SupplementRequested && !r.missing_documents.is_empty()));
            assert!(records.iter().any(|r| r.status == DossierStatus::Completed && r.counter.is_some()));
            day += Duration::days(1);
        }
    }

    #[test]
    fn import_problems_name_their_json_path() {
        // Must hold: each bad value is reported with dossiers[i].field, all at once.
        let cal = WorkCalendar::default();
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let mut records = sample_records(&cal, today);
        records[1].code = "not a code".into();
        records[2].appointment = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
        records[3].history[0].agency = " ".into();
        records[4].code = records[0].code.to_lowercase();
        let problems = validate_records(&records);
        let paths: Vec<&str> = problems.iter().map(|p| p.split(':').next().unwrap()).collect();
        assert_eq!(
            paths,
            [
                "dossiers[1].code",
                "dossiers[2].appointment",
                "dossiers[3].history[0].agency",
                "dossiers[4].code"
            ],
            "{problems:?}"
        );
    }
}
