//! Harnesses for the parsers of bytes that come from outside: the barcode
//! reader's frames, scanned texts (CCCD), the display's event stream, the
//! config file, catalog and dossier imports, printer status answers.

use crate::driver::{chunks, run, seeds};
use chrono::NaiveDate;
use motcua_drivers::serial::{Assembled, FrameAssembler};
use motcua_kiosk::catalog::store::parse_catalog;
use motcua_kiosk::centre::sse::{SseError, SseParser};
use motcua_kiosk::domain::citizen_id::CitizenId;
use motcua_kiosk::domain::scan::{classify, ScanKind};
use std::time::{Duration, Instant};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
}

#[test]
fn serial_frame_assembler() {
    // Must hold: for any byte stream cut anywhere into reads, the assembler
    // gives exactly the frames of the stream as a whole (split at CR/LF,
    // empty ones dropped, longer than the limit reported as oversize once),
    // never holds more than its limit, and the pending tail is the stream's
    // unterminated end.
    let seeds = seeds(&[
        "048095000123|201234567|Nguyễn Văn An|15031995|Nam|Hải Châu|20062021\r\n",
        "000.00.06.H56-231027-0361\n\nhttp://10.0.0.2:8700/t/ABCDEFGHJK23MNPQ\r",
        "\r\n\r\n\n\rabc",
    ]);
    let max = 40;
    run("serial_frame_assembler", 20_000, &seeds, |input, rng| {
        let at = Instant::now();
        let mut a = FrameAssembler::new(max, Duration::from_secs(3600));
        let mut got = Vec::new();
        for c in chunks(input, rng) {
            a.push(c, at, &mut got);
            assert!(a.pending_len() <= max);
        }
        let mut pieces: Vec<&[u8]> = input.split(|b| *b == b'\r' || *b == b'\n').collect();
        let tail = pieces.pop().unwrap_or_default();
        let want: Vec<Assembled> = pieces
            .into_iter()
            .filter(|p| !p.is_empty())
            .map(|p| {
                if p.len() > max {
                    Assembled::Oversize { limit: max }
                } else {
                    Assembled::Frame { bytes: p.to_vec(), first_byte_at: at, ended_at: at }
                }
            })
            .collect();
        let tail_over = tail.len() > max;
        let mut want = want;
        if tail_over {
            want.push(Assembled::Oversize { limit: max });
        }
        assert_eq!(got, want);
        assert_eq!(a.pending_len(), if tail_over { 0 } else { tail.len() });
        // Silence drops the tail, reported unless it was oversize (already reported).
        let dropped = a.poll_timeout(at + Duration::from_secs(3601));
        match dropped {
            Some(Assembled::PartialDropped { len }) => assert_eq!(len, tail.len()),
            None => assert!(tail.is_empty() || tail_over),
            other => panic!("unexpected {other:?}"),
        }
        assert!(!a.in_frame());
    });
}

fn check_scan(text: &str, symbology: Option<&str>) {
    match classify(text, symbology, today()) {
        ScanKind::CitizenCard(id) => {
            assert!(id.number().len() == 12 && id.number().bytes().all(|b| b.is_ascii_digit()));
            assert!(!id.full_name().trim().is_empty());
            assert!(id.birth_date() <= today());
            let shown = format!("{id:?}{}{}", id.masked_number(), id.masked_name());
            assert!(!shown.contains(id.number()), "the number in clear: {shown}");
            // The same card parses to the same value again (no hidden state).
            assert_eq!(CitizenId::parse(text, today()).as_ref(), Ok(&id));
        }
        ScanKind::InvalidCitizenCard(e) => {
            assert!(!e.message_vi().is_empty() && !e.message_en().is_empty());
        }
        ScanKind::TicketTracking(code) => assert!(!code.is_empty() && code.is_ascii()),
        ScanKind::DossierReceipt(code) => assert!(code.as_str().contains(code.agency())),
        kind => {
            // The other kinds (unknown, health insurance) carry no data, only a refusal text.
            let _ = (kind.name(), kind.refusal_vi(), kind.refusal_en());
        }
    }
}

#[test]
fn scan_classifier_and_cccd_parser() {
    // Must hold: any scanned text (as the reader decodes it: UTF-8, lossy)
    // is classified without panicking; a citizen card that parses has a
    // 12-digit number, a name and a past birth date, never shows the number
    // in clear in Debug or the masked forms, and parses the same again; a
    // refused card has a message in both languages.
    let addr = "Tổ 5, Phường Hải Châu, Thành phố Đà Nẵng";
    let seeds = seeds(&[
        &format!("048095000123|201234567|Nguyễn Văn An|15031995|Nam|{addr}|20062021"),
        &format!("001301012345||Trần Thị Bích|01012001|Nữ|{addr}|05052022|extra"),
        "048185000777||Nguye\u{302}\u{303}n Thi\u{323} Lan|02021985|Nu\u{31b}\u{303}|x|20062021",
        "DN4797915000211|4e677579|15/03/1995|1|4861|48 - 017|01/01/2026|-|01/01/2021|xyz|$",
        "https://dichvucong.danang.gov.vn/tra-cuu-ho-so?ma=000.00.06.H56-231027-0361&x=1",
        "http://127.0.0.1:8700/t/7K3M9Q2XRT5VW8YZ0ABC",
    ]);
    let symbologies = [None, Some("]Q1"), Some("]C0"), Some("]d2"), Some(""), Some("]")];
    run("scan_classifier_and_cccd_parser", 20_000, &seeds, |input, rng| {
        let text = String::from_utf8_lossy(input);
        check_scan(&text, symbologies[rng.usize(..symbologies.len())]);
        let _ = CitizenId::parse(&text, today());
    });
}

#[test]
fn sse_parser() {
    // Must hold: any byte stream, cut anywhere, gives the same messages (or
    // the same error) as when fed whole; messages and lines stay within the
    // bound; an error is one of the two named ones. Round trip: messages the
    // centre writes parse back to themselves.
    let seeds = seeds(&[
        "id: 7\nevent: ticket_called\ndata: {\"number\":\"A-023\",\"counter\":3}\n\n",
        ": keep-alive\r\n\r\nretry: 2000\r\ndata: a\r\ndata: b\r\n\r\n",
        "data\n\nevent:x\rdata:y\r\r:comment\nid\n\n",
    ]);
    let max = 256;
    run("sse_parser", 20_000, &seeds, |input, rng| {
        let whole = SseParser::new(max).push(input);
        let mut p = SseParser::new(max);
        let mut pieces = Ok(Vec::new());
        for c in chunks(input, rng) {
            match p.push(c) {
                Ok(m) => pieces.as_mut().unwrap().extend(m),
                Err(e) => {
                    pieces = Err(e);
                    break;
                }
            }
        }
        match (&whole, &pieces) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a, b);
                assert!(a.iter().all(|m| m.data.len() <= max));
            }
            (Err(a), Err(b)) => {
                assert_eq!(a, b);
                assert!(matches!(a, SseError::TooLarge(_) | SseError::NotUtf8));
                assert!(!a.to_string().is_empty());
            }
            _ => panic!("whole {whole:?} vs in pieces {pieces:?}"),
        }
    });
    run("sse_round_trip", 5_000, &[], |input, rng| {
        // Data lines without CR/LF, as the centre writes them (one JSON document).
        let data: String = String::from_utf8_lossy(input).replace(['\r', '\n'], " ");
        let id = rng.u64(..).to_string();
        let wire = format!("id: {id}\nevent: ticket_called\ndata: {data}\n\n");
        let mut p = SseParser::new(4096);
        let mut got = Vec::new();
        for c in chunks(wire.as_bytes(), rng) {
            got.extend(p.push(c).unwrap());
        }
        assert_eq!(got.len(), 1, "{wire:?}");
        assert_eq!(got[0].id.as_deref(), Some(id.as_str()));
        assert_eq!(got[0].event, "ticket_called");
        // One leading space after the colon belongs to the syntax.
        assert_eq!(got[0].data, data.strip_prefix(' ').map(|d| format!(" {d}")).unwrap_or(data.clone()));
    });
}

#[test]
fn config_loader() {
    // Must hold: any config text gives a config, a list of problems each
    // naming a key and saying what is wrong, or one syntax/type error that
    // does; a config with no problems writes (to_toml) and reads back to
    // the same config.
    let etc = |f: &str| {
        std::fs::read_to_string(format!("{}/packaging/etc/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    };
    let seeds = seeds(&[
        &etc("kiosk.toml"),
        &etc("centre.toml"),
        &etc("display.toml"),
        "[kiosk]\nid = \"kiosk-01\"\nlanguage = \"vi\"\n[centre]\nurl = \"http://10.0.0.2:8700\"\n",
        "[[queue.services]]\ncode = \"HT\"\nprefix = \"A\"\nname_vi = \"Hộ tịch\"\ncounters = [1, 2]\n",
        "[offline]\nrange_start = 900\nrange_end = 949\n[limits]\nticket_per_minute = 0\n",
    ]);
    run("config_loader", 5_000, &seeds, |input, _| {
        let Ok(text) = std::str::from_utf8(input) else { return };
        match motcua_kiosk::config::parse(text) {
            Err(issue) => assert!(!issue.key.is_empty() && !issue.message.is_empty(), "{issue:?}"),
            Ok((cfg, issues)) => {
                for i in &issues {
                    assert!(!i.key.is_empty() && !i.message.is_empty(), "{i:?}");
                }
                if issues.is_empty() {
                    let again = cfg.to_toml();
                    let (back, more) = motcua_kiosk::config::parse(&again)
                        .unwrap_or_else(|e| panic!("to_toml wrote what parse refuses: {e}\n{again}"));
                    assert!(more.is_empty(), "{more:?}\n{again}");
                    assert_eq!(back, cfg, "{again}");
                }
            }
        }
    });
}

#[test]
fn catalog_json_import() {
    // Must hold: any bytes give a validated catalog or an error that names
    // where (JSON path) or what (the rule) is wrong; a catalog that passed
    // writes to JSON and passes again, unchanged.
    let full = parse_catalog(motcua_kiosk::catalog::BUNDLED_JSON.as_bytes()).unwrap();
    // Small seeds: mutating the whole 200 KB file would make each case slow.
    let small = |n: usize| {
        let mut f = full.clone();
        f.procedures.truncate(n);
        serde_json::to_string(&f).unwrap()
    };
    let seeds = seeds(&[&small(1), &small(2)]);
    run("catalog_json_import", 3_000, &seeds, |input, _| match parse_catalog(input) {
        Ok(file) => {
            let again = serde_json::to_vec(&file).unwrap();
            assert_eq!(parse_catalog(&again).expect("a valid catalog stays valid"), file);
        }
        Err(e) => assert!(!e.to_string().trim().is_empty()),
    });
}

#[test]
fn dossier_import() {
    // Must hold: any file gives the dossiers to import or an error naming
    // the file and the JSON path or the record at fault (nothing imported);
    // an accepted file writes back to JSON and is accepted again, unchanged.
    use motcua_kiosk::centre::api::DossierImportFile;
    use motcua_kiosk::domain::dossier::WorkCalendar;
    let records = motcua_kiosk::centre::core::sample_records(&WorkCalendar::new([]), today());
    let file = |n: usize| {
        serde_json::to_string(&DossierImportFile { dossiers: records[..n.min(records.len())].to_vec() })
            .unwrap()
    };
    let seeds = seeds(&[&file(1), &file(2)]);
    // The seeds once through the file, then the cases in memory (the same parser).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dossiers.json");
    for s in &seeds {
        std::fs::write(&path, s).unwrap();
        motcua_kiosk::cli::dossiers::read_import_file(&path).expect("the seeds are valid");
    }
    use motcua_kiosk::cli::dossiers::parse_import;
    run("dossier_import", 3_000, &seeds, |input, _| {
        let Ok(text) = std::str::from_utf8(input) else { return };
        match parse_import(text, "dossiers.json") {
            Ok(f) => assert_eq!(parse_import(&serde_json::to_string(&f).unwrap(), "again").unwrap(), f),
            Err(e) => {
                let msg = format!("{e:#}");
                assert!(msg.contains("dossiers.json: "), "the error names the file: {msg}");
            }
        }
    });
}
