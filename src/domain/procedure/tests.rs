//! Unit tests of `procedure`.

use super::*;

fn method() -> Method {
    Method {
        channel: Channel::TrucTiep,
        processing_time: "Ngay trong ngày".into(),
        working_days: Some(0),
        fee: String::new(),
        fee_amount: Some(0),
        description: String::new(),
    }
}

fn procedure(code: &str, name: &str) -> Procedure {
    Procedure {
        code: code.into(),
        name: name.into(),
        field: "Hộ tịch".into(),
        level: Level::Xa,
        kind: String::new(),
        agency: "UBND cấp xã".into(),
        subjects: vec![],
        steps: vec!["Nộp hồ sơ".into()],
        methods: vec![method()],
        documents: vec![Document {
            name: "Tờ khai".into(),
            form: Some("Tờ khai đăng ký khai sinh".into()),
            originals: 1,
            copies: 0,
        }],
        conditions: vec![],
        legal_basis: vec![],
        result: String::new(),
        online_level: Some(OnlineLevel::ToanTrinh),
        queue_service: "HT".into(),
        keywords: vec![],
    }
}

fn file(procs: Vec<Procedure>) -> CatalogFile {
    CatalogFile {
        format: 1,
        version: "2026.11.1".into(),
        sample: true,
        note: String::new(),
        procedures: procs,
    }
}

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
fn duration_is_short_when_days_are_known() {
    let mut m = method();
    assert_eq!(m.duration_display(), "Trong ngày");
    m.working_days = Some(7);
    assert_eq!(m.duration_display(), "7 ngày làm việc");
    m.working_days = None;
    m.processing_time = "Theo kế hoạch rà soát hằng năm".into();
    assert_eq!(m.duration_display(), "Theo kế hoạch rà soát hằng năm");
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
fn a_good_catalog_has_no_issues() {
    assert_eq!(validate(&file(vec![procedure("1.001193", "Đăng ký khai sinh")])), vec![]);
}

#[test]
fn issues_name_the_json_path() {
    let mut a = procedure("1.001193", "Đăng ký khai sinh");
    let mut b = procedure("1.001193", " ");
    b.methods[0].fee_amount = Some(MAX_FEE + 1);
    b.methods.push(method());
    b.documents[0].copies = 99;
    b.queue_service = "ht".into();
    a.keywords = vec!["--".into()];
    let mut f = file(vec![a, b]);
    f.version = "latest".into();
    f.format = 2;
    let paths: Vec<String> = validate(&f).into_iter().map(|i| i.path).collect();
    for p in [
        "format",
        "version",
        "procedures[0].keywords[0]",
        "procedures[1].code",
        "procedures[1].name",
        "procedures[1].queue_service",
        "procedures[1].methods[0].fee_amount",
        "procedures[1].methods[1].channel",
        "procedures[1].documents[0].copies",
    ] {
        assert!(paths.iter().any(|x| x == p), "missing {p} in {paths:?}");
    }
}

#[test]
fn empty_catalog_is_refused() {
    let issues = validate(&file(vec![]));
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].path, "procedures");
}

#[test]
fn json_round_trip_keeps_every_field() {
    let mut p = procedure("1.000894", "Đăng ký kết hôn");
    p.keywords = vec!["lấy vợ".into()];
    p.methods[0].fee_amount = None;
    p.methods[0].fee = "Theo HĐND tỉnh".into();
    let f = file(vec![p]);
    let text = serde_json::to_string(&f).unwrap();
    assert!(text.contains("\"type\":\"\""), "{text}");
    assert!(text.contains("\"level\":\"xa\""), "{text}");
    assert!(text.contains("\"channel\":\"truc_tiep\""), "{text}");
    let back: CatalogFile = serde_json::from_str(&text).unwrap();
    assert_eq!(back, f);
}

#[test]
fn unknown_keys_are_refused() {
    let text = r#"{"format":1,"version":"1","procedures":[],"extra":1}"#;
    assert!(serde_json::from_str::<CatalogFile>(text).is_err());
}
