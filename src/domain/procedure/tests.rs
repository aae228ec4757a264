//! Unit tests of the procedure types (the catalog rules are tested in
//! `catalog_rules`).

use super::fixtures::*;
use super::*;

#[test]
fn money_is_formatted_with_dots() {
    assert_eq!(format_dong(0), "0 đ");
    assert_eq!(format_dong(999), "999 đ");
    assert_eq!(format_dong(1000), "1.000 đ");
    assert_eq!(format_dong(10_000), "10.000 đ");
    assert_eq!(format_dong(400_000), "400.000 đ");
    assert_eq!(format_dong(1_234_567), "1.234.567 đ");
    assert_eq!(format_fee(0), "Miễn phí");
    assert_eq!(format_fee(2000), "2.000 đ");
}

#[test]
fn fee_display_prefers_the_amount() {
    let mut m = method();
    assert_eq!(m.fee_display(), "Miễn phí");
    m.fee_amount = None;
    m.fee = "Theo quy định của HĐND tỉnh".into();
    assert_eq!(m.fee_display(), "Theo quy định của HĐND tỉnh");
    m.fee.clear();
    assert_eq!(m.fee_display(), "Không quy định");
}

#[test]
fn duration_is_short_when_the_limit_is_known() {
    let mut m = method();
    assert_eq!(m.duration_display(), "Trong ngày");
    m.time = Some(TimeLimit::calendar_days(30));
    assert_eq!(m.duration_display(), "30 ngày (kể cả ngày nghỉ)");
    assert_eq!(m.duration_display_en(), "30 calendar days (weekends included)");
    // A format-1 catalog gives working days.
    m.time = None;
    m.working_days = Some(7);
    assert_eq!(m.duration_display(), "7 ngày làm việc");
    m.working_days = Some(0);
    assert_eq!(m.limit(), Some(TimeLimit::same_day(None)));
    m.working_days = None;
    m.processing_time = "Theo kế hoạch rà soát hằng năm".into();
    assert_eq!(m.duration_display(), "Theo kế hoạch rà soát hằng năm");
    assert_eq!(m.duration_display_en(), "Theo kế hoạch rà soát hằng năm");
}

#[test]
fn verified_unless_listed() {
    let mut p = procedure("1.001193", "Đăng ký khai sinh");
    assert!(Fact::ALL.iter().all(|f| p.is_verified(*f)));
    p.unverified = vec![Fact::Fee];
    assert!(!p.is_verified(Fact::Fee) && p.is_verified(Fact::Time));
    assert_eq!(p.last_checked(), None);
    let src = |d: &str| Source {
        url: None,
        document: Some("Luật Hộ tịch".into()),
        checked: d.into(),
        covers: vec![],
        note: String::new(),
    };
    p.sources = vec![src("2026-11-30"), src("2026-12-02"), src("bad")];
    assert_eq!(p.last_checked(), chrono::NaiveDate::from_ymd_opt(2026, 12, 2));
}

#[test]
fn quantity_reads_like_the_portal() {
    let d = Document { name: "Tờ khai".into(), form: None, originals: 1, copies: 2 };
    assert_eq!(d.quantity_text(), "Bản chính: 1 - Bản sao: 2");
}

#[test]
fn level_keys_round_trip_and_match_json() {
    for l in Level::ALL {
        assert_eq!(Level::from_key(l.key()), Some(l));
        assert_eq!(serde_json::to_string(&l).unwrap(), format!("\"{}\"", l.key()));
    }
    assert_eq!(Level::Tinh.label_en(), "Provincial level");
    assert_eq!(Level::Xa.label_vi(), "Cấp xã");
}

#[test]
fn codes_are_checked() {
    assert!(is_valid_code("1.001193"));
    assert!(is_valid_code("2.000815"));
    assert!(!is_valid_code("1.00119"));
    assert!(!is_valid_code("1001193"));
    assert!(!is_valid_code("1.00119a"));
    assert!(!is_valid_code("1.001193.000.00.00.H56"));
}

#[test]
fn versions_compare_numerically() {
    let v = |s| CatalogVersion::parse(s).unwrap();
    assert!(v("2026.11.10") > v("2026.11.9"));
    assert!(v("2027.1.1") > v("2026.12.31"));
    assert_eq!(v("2026.11"), v("2026.11.0"));
    assert_eq!(v("2026.11.1").to_string(), "2026.11.1");
    assert!(CatalogVersion::parse("").is_none());
    assert!(CatalogVersion::parse("2026.x").is_none());
    assert!(CatalogVersion::parse("2026..1").is_none());
    assert!(CatalogVersion::parse("v1").is_none());
}

#[test]
fn documents_are_required_conditional_or_shown_only() {
    // Must hold (issue 14, point 5): a document whose name states its case is
    // conditional; nothing to hand in reads "show only", never "bring nothing".
    let doc = |name: &str, originals, copies| Document { name: name.into(), form: None, originals, copies };
    let birth = doc("Tờ khai đăng ký khai sinh theo mẫu", 1, 0);
    assert_eq!(birth.need(), DocumentNeed::Required);
    assert_eq!(birth.hand_in(false), "Nộp 1 bản chính");
    assert_eq!(birth.hand_in(true), "Hand in 1 original");
    let abandoned = doc("Biên bản xác nhận việc trẻ bị bỏ rơi (trường hợp trẻ bị bỏ rơi)", 1, 0);
    assert_eq!(abandoned.need(), DocumentNeed::Conditional);
    let shown = doc("Giấy chứng sinh", 0, 0);
    assert_eq!(shown.need(), DocumentNeed::ShowOnly);
    assert_eq!(shown.hand_in(false), "Chỉ xuất trình, không nộp");
    assert_eq!(doc("Sổ hộ khẩu", 1, 2).hand_in(true), "Hand in 1 original, 2 copies");
    assert_eq!(DocumentNeed::Conditional.label_vi(), "Trong một số trường hợp");
}
