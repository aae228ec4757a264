//! Unit tests of `citizen_id`.

use super::*;
use CitizenIdError as E;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
}

const ADDR: &str = "Tổ 5, Phường Hải Châu, Thành phố Đà Nẵng";

#[test]
fn parser_table() {
    // Must hold: each payload parses to the expected (number, name, gender, birth, old
    // id, extra count) or fails with exactly the expected error.
    type Want = Result<(&'static str, &'static str, Gender, (i32, u32, u32), Option<&'static str>, usize), E>;
    let rows: Vec<(&str, String, Want)> = vec![
        (
            "standard chip card",
            format!("048095000123|201234567|Nguyễn Văn An|15031995|Nam|{ADDR}|20062021"),
            Ok(("048095000123", "Nguyễn Văn An", Gender::Male, (1995, 3, 15), Some("201234567"), 0)),
        ),
        (
            "empty OLDID, woman born 2001",
            format!("001301012345||Trần Thị Bích|01012001|Nữ|{ADDR}|05052022"),
            Ok(("001301012345", "Trần Thị Bích", Gender::Female, (2001, 1, 1), None, 0)),
        ),
        (
            "NFD name and gender",
            format!(
                "048185000777||Nguye\u{302}\u{303}n Thi\u{323} Lan|02021985|Nu\u{31b}\u{303}|{ADDR}|20062021"
            ),
            Ok(("048185000777", "Nguyễn Thị Lan", Gender::Female, (1985, 2, 2), None, 0)),
        ),
        (
            "upper-case ASCII, NAM",
            "079090001234||NGUYEN VAN BINH|10101990|NAM|QUAN 1, TP HO CHI MINH|01012022".into(),
            Ok(("079090001234", "NGUYEN VAN BINH", Gender::Male, (1990, 10, 10), None, 0)),
        ),
        (
            "upper-case ASCII, NU",
            "036185001111||LE THI HOA|02021985|NU|NAM DINH|01012022".into(),
            Ok(("036185001111", "LE THI HOA", Gender::Female, (1985, 2, 2), None, 0)),
        ),
        (
            "2024 card with extra trailing fields",
            format!("048095000123||Nguyễn Văn An|15031995|Nam|{ADDR}|01072024|Nguyễn Văn Cha|Trần Thị Mẹ|"),
            Ok(("048095000123", "Nguyễn Văn An", Gender::Male, (1995, 3, 15), None, 3)),
        ),
        (
            "6 fields, no issue date",
            format!("048095000123|201234567|Nguyễn Văn An|15031995|Nam|{ADDR}"),
            Ok(("048095000123", "Nguyễn Văn An", Gender::Male, (1995, 3, 15), Some("201234567"), 0)),
        ),
        (
            "6 fields, no OLDID field",
            format!("048095000123|Nguyễn Văn An|15031995|Nam|{ADDR}|20062021"),
            Ok(("048095000123", "Nguyễn Văn An", Gender::Male, (1995, 3, 15), None, 0)),
        ),
        (
            "29/02 of a leap year, born 2000",
            format!("031200000001||Phạm Minh|29022000|Nam|{ADDR}|01032016"),
            Ok(("031200000001", "Phạm Minh", Gender::Male, (2000, 2, 29), None, 0)),
        ),
        (
            "surrounding whitespace and CRLF",
            format!("  096095000123||Lê An|15031995|Nam|{ADDR}|20062021\r\n"),
            Ok(("096095000123", "Lê An", Gender::Male, (1995, 3, 15), None, 0)),
        ),
        (
            "province 003 does not exist",
            format!("003095000123||Nguyễn Văn An|15031995|Nam|{ADDR}|20062021"),
            Err(E::UnknownProvince { code: "003".into() }),
        ),
        (
            "G says male, card says Nữ",
            format!("048095000123||Nguyễn Thị An|15031995|Nữ|{ADDR}|20062021"),
            Err(E::GenderCenturyDigit),
        ),
        (
            "G says 2000s, born 1995",
            format!("048295000123||Nguyễn Văn An|15031995|Nam|{ADDR}|20062021"),
            Err(E::GenderCenturyDigit),
        ),
        (
            "YY 94, born 1995",
            format!("048094000123||Nguyễn Văn An|15031995|Nam|{ADDR}|20062021"),
            Err(E::BirthYearDigits),
        ),
        (
            "31 February",
            format!("048095000123||Nguyễn Văn An|31021995|Nam|{ADDR}|20062021"),
            Err(E::BadBirthDate),
        ),
        (
            "29 February of a common year",
            format!("048201000123||Nguyễn Văn An|29022001|Nam|{ADDR}|20062021"),
            Err(E::BadBirthDate),
        ),
        (
            "birth in the future",
            format!("048227000123||Nguyễn Văn An|01012027|Nam|{ADDR}|"),
            Err(E::BirthInFuture),
        ),
        (
            "issued before birth",
            format!("048095000123||Nguyễn Văn An|15031995|Nam|{ADDR}|01011990"),
            Err(E::IssuedBeforeBirth),
        ),
        (
            "issued in the future",
            format!("048095000123||Nguyễn Văn An|15031995|Nam|{ADDR}|01012030"),
            Err(E::IssuedInFuture),
        ),
        (
            "issue date garbage",
            format!("048095000123||Nguyễn Văn An|15031995|Nam|{ADDR}|2021"),
            Err(E::BadIssueDate),
        ),
        (
            "11-digit number",
            format!("04809500012||Nguyễn Văn An|15031995|Nam|{ADDR}|20062021"),
            Err(E::BadNumber),
        ),
        (
            "8-digit OLDID",
            format!("048095000123|20123456|Nguyễn Văn An|15031995|Nam|{ADDR}|20062021"),
            Err(E::BadOldId),
        ),
        (
            "gender Khác",
            format!("048095000123||Nguyễn Văn An|15031995|Khác|{ADDR}|20062021"),
            Err(E::BadGender),
        ),
        ("empty name", format!("048095000123|||15031995|Nam|{ADDR}|20062021"), Err(E::BadName)),
        (
            "five fields",
            "048095000123||Nguyễn Văn An|15031995|Nam".into(),
            Err(E::NotEnoughFields { found: 5 }),
        ),
        ("just pipes", "|||||||".into(), Err(E::BadNumber)),
    ];
    assert!(rows.len() >= 15);
    for (what, payload, want) in rows {
        let got = CitizenId::parse(&payload, today()).map(|c| {
            let b = c.birth_date();
            (
                c.number().to_owned(),
                c.full_name().to_owned(),
                c.gender(),
                (b.year(), b.month(), b.day()),
                c.old_id().map(str::to_owned),
                c.extra_fields().len(),
            )
        });
        let want =
            want.map(|(n, name, g, d, o, x)| (n.to_owned(), name.to_owned(), g, d, o.map(str::to_owned), x));
        assert_eq!(got, want, "{what}");
    }
}

#[test]
fn address_issue_date_and_extras_are_kept() {
    // Must hold: the fields the table does not compare come out right too.
    let id = CitizenId::parse(
        &format!("048095000123||Nguyễn Văn An|15031995|Nam|{ADDR}|01072024|Nguyễn Văn Cha|"),
        today(),
    )
    .unwrap();
    assert_eq!(id.address(), ADDR);
    assert_eq!(id.issue_date(), NaiveDate::from_ymd_opt(2024, 7, 1));
    assert_eq!(id.extra_fields(), ["Nguyễn Văn Cha".to_string(), String::new()]);
    assert_eq!(id.province_name(), Some("Đà Nẵng"));
    assert_eq!(id.age_on(today()), 31);
}

#[test]
fn province_list_is_the_63_official_codes() {
    // Must hold: 63 distinct 3-digit codes from 001 Hà Nội to 096 Cà Mau.
    let mut codes: Vec<&str> = PROVINCES.iter().map(|(c, _)| *c).collect();
    codes.sort();
    codes.dedup();
    assert_eq!(codes.len(), 63);
    assert!(codes.iter().all(|c| is_digits(c, 3)));
    assert_eq!(PROVINCES[0], ("001", "Hà Nội"));
    assert_eq!(PROVINCES[62], ("096", "Cà Mau"));
    assert_eq!(province_name("048"), Some("Đà Nẵng"));
    assert_eq!(province_name("003"), None);
}

#[test]
fn debug_and_display_never_show_number_birth_or_address() {
    // Must hold: neither format prints the full number, the full name, the birth date,
    // the old ID or any part of the address; both show the masked forms.
    let id = CitizenId::parse(
        &format!("048095000123|201234567|Nguyễn Văn An|15031995|Nam|{ADDR}|20062021"),
        today(),
    )
    .unwrap();
    for s in [format!("{id:?}"), id.to_string(), format!("{:?}", Some(id.clone())), format!("{id:#?}")] {
        for secret in [
            "048095000123",
            "095000",
            "Nguyễn Văn An",
            "Văn",
            "15031995",
            "1995",
            "201234567",
            "Hải Châu",
            "Tổ 5",
        ] {
            assert!(!s.contains(secret), "{secret:?} leaked in {s}");
        }
        assert!(s.contains("048*******23") && s.contains("Nguyễn V. A."), "{s}");
    }
}

#[test]
fn errors_carry_no_personal_data_and_explain_in_two_languages() {
    // Must hold: every error's Debug/Display is free of the number, and each has a
    // Vietnamese and an English screen message.
    let payloads = [
        format!("048094000123||Nguyễn Văn An|15031995|Nam|{ADDR}|20062021"),
        format!("048095000123||Nguyễn Thị An|15031995|Nữ|{ADDR}|20062021"),
        format!("003095000123||Nguyễn Văn An|15031995|Nam|{ADDR}|20062021"),
    ];
    for p in payloads {
        let e = CitizenId::parse(&p, today()).unwrap_err();
        for s in [format!("{e:?}"), e.to_string()] {
            assert!(!s.contains("095000123") && !s.contains("094000123"), "{s}");
        }
        assert!(e.message_vi().contains("cán bộ"));
        assert!(e.message_en().contains("staff"));
    }
}

#[test]
fn masking_helpers() {
    // Must hold: 3 first and 2 last digits shown; family name kept, others as initials.
    assert_eq!(mask_number("048095000123"), "048*******23");
    assert_eq!(mask_number("201234567"), "201****67");
    assert_eq!(mask_number("123"), "***");
    assert_eq!(mask_name("Nguyễn Văn An"), "Nguyễn V. A.");
    assert_eq!(mask_name("NGUYEN VAN AN"), "NGUYEN V. A.");
    assert_eq!(mask_name("Đặng  đình   ánh"), "Đặng Đ. Á.");
    assert_eq!(mask_name("An"), "A.");
    assert_eq!(mask_name(""), "");
}

#[test]
fn gender_spellings() {
    // Must hold: Nam/Nữ in any case, NFD, ASCII NU; nothing else.
    for s in ["Nam", "NAM", "nam", " Nam "] {
        assert_eq!(Gender::parse(s), Some(Gender::Male), "{s}");
    }
    for s in ["Nữ", "NỮ", "nữ", "Nu\u{31b}\u{303}", "NU", "Nu"] {
        assert_eq!(Gender::parse(s), Some(Gender::Female), "{s}");
    }
    for s in ["", "Male", "N", "Nữa", "Khác"] {
        assert_eq!(Gender::parse(s), None, "{s}");
    }
}

#[test]
fn arbitrary_input_never_panics() {
    // Must hold: odd and multi-byte inputs give errors, not panics.
    for p in ["", "|", "ữữữữữữữữữữữữ|||||", "048095000123|ữ|ữ|ữ|ữ|ữ", "\u{0}|\u{0}|\u{0}|\u{0}|\u{0}|\u{0}"]
    {
        assert!(CitizenId::parse(p, today()).is_err(), "{p:?}");
    }
}
