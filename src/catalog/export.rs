//! The catalog as a spreadsheet for the centre's staff to review: one row per
//! procedure with its code, name, field, time limit and fee, and whether those
//! were checked against a source.
//!
//! CSV (RFC 4180, CRLF) with a UTF-8 byte order mark, so Excel and LibreOffice
//! open the Vietnamese text correctly by double-click. No XLSX: the pure-Rust
//! writer crates would add a dependency tree and build time to the kiosk
//! firmware for what a CSV already gives the staff.

use crate::domain::procedure::{Fact, Method, Procedure};
use std::io::{self, Write};

/// The header row.
pub const COLUMNS: [&str; 11] = [
    "Mã thủ tục",
    "Tên thủ tục",
    "Lĩnh vực",
    "Cấp",
    "Thời hạn giải quyết",
    "Thời hạn đã xác minh",
    "Phí, lệ phí",
    "Phí đã xác minh",
    "Giá trị chưa xác minh",
    "Ngày đối chiếu nguồn",
    "Dịch vụ lấy số",
];

/// Quotes a field when it holds a separator, a quote or a line break.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One value for all channels when they agree, else "Trực tiếp: …; Trực tuyến: …".
fn per_channel(methods: &[Method], f: impl Fn(&Method) -> String) -> String {
    let values: Vec<String> = methods.iter().map(&f).collect();
    if values.windows(2).all(|w| w[0] == w[1]) {
        values.into_iter().next().unwrap_or_default()
    } else {
        methods
            .iter()
            .zip(values)
            .map(|(m, v)| format!("{}: {v}", m.channel.label_vi()))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "có"
    } else {
        "không"
    }
}

/// The row of one procedure, fields in [`COLUMNS`] order.
pub fn row(p: &Procedure) -> Vec<String> {
    vec![
        p.code.clone(),
        p.name.clone(),
        p.field.clone(),
        p.level.label_vi().to_string(),
        per_channel(&p.methods, Method::duration_display),
        yes_no(p.is_verified(Fact::Time)).to_string(),
        per_channel(&p.methods, Method::fee_display),
        yes_no(p.is_verified(Fact::Fee)).to_string(),
        p.unverified.iter().map(|f| f.label_vi()).collect::<Vec<_>>().join(", "),
        p.last_checked().map(crate::domain::localtime::format_date).unwrap_or_default(),
        p.queue_service.clone(),
    ]
}

/// Writes the whole catalog as CSV.
pub fn write_csv(procedures: &[Procedure], out: &mut dyn Write) -> io::Result<()> {
    out.write_all("\u{feff}".as_bytes())?;
    let line = |cells: Vec<String>, out: &mut dyn Write| -> io::Result<()> {
        let joined: Vec<String> = cells.iter().map(|c| field(c)).collect();
        out.write_all(joined.join(",").as_bytes())?;
        out.write_all(b"\r\n")
    };
    line(COLUMNS.iter().map(|c| c.to_string()).collect(), out)?;
    for p in procedures {
        line(row(p), out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::procedure::fixtures::procedure;
    use crate::domain::procedure::{Channel, TimeLimit};

    #[test]
    fn csv_quotes_and_keeps_vietnamese() {
        let mut p = procedure("2.000815", "Chứng thực bản sao, \"bản chính\"");
        p.methods[0].fee_amount = None;
        p.methods[0].fee = "2.000 đồng/trang; từ trang thứ ba 1.000 đồng/trang".into();
        let mut online = p.methods[0].clone();
        online.channel = Channel::TrucTuyen;
        online.time = Some(TimeLimit::working_days(1));
        p.methods.push(online);
        p.unverified = vec![Fact::Fee];
        let mut out = Vec::new();
        write_csv(&[p], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with('\u{feff}'));
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines[0], COLUMNS.map(field).join(","));
        assert!(lines[0].contains(",\"Phí, lệ phí\","), "{}", lines[0]);
        assert_eq!(
            lines[1],
            "2.000815,\"Chứng thực bản sao, \"\"bản chính\"\"\",Hộ tịch,Cấp xã,\
             Trực tiếp: Trong ngày; Trực tuyến: 1 ngày làm việc,có,\
             2.000 đồng/trang; từ trang thứ ba 1.000 đồng/trang,không,\"phí, lệ phí\",,HT"
        );
        assert_eq!(lines[2], "");
    }
}
