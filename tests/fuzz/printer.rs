//! ESC/POS status decoding: every answer byte triple, and a real TCP
//! "printer" on 127.0.0.1 that answers `DLE EOT n` with fuzzed bytes (stale
//! bytes, automatic status blocks, garbage, silence).

use crate::driver::{case_count, mutate, run};
use motcua_drivers::printer::status::{is_status_byte, PrinterStatus};
use motcua_drivers::printer::{Printer, PrinterError, PrinterOptions, PrinterUri};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

#[test]
fn status_bytes_decode_to_one_consistent_state() {
    // Must hold: for every triple of answer bytes (all 2^24), the decoded
    // state is consistent: ready iff no problem worse than "paper nearly
    // out", and the problem is named in both languages or in neither.
    let mut cases = 0u64;
    for p in 0..=255u8 {
        for o in 0..=255u8 {
            for r in (0..=255u8).filter(|b| is_status_byte(*b) || *b == 0xff) {
                let s = PrinterStatus::decode(p, o, r);
                assert_eq!(s.problem_en().is_some(), s.problem_vi().is_some());
                assert_eq!(
                    s.ready(),
                    s.problem_en().is_none()
                        || (s.paper_near_end && s.problem_en() == Some("paper nearly out"))
                );
                cases += 1;
            }
        }
    }
    println!("FUZZ escpos_status_decode {cases} cases (exhaustive over answer bytes)");
}

#[test]
fn printer_uri_parser() {
    // Must hold: any printer address from the config parses or is refused
    // with a message; one that parses writes back to an address that parses
    // to the same thing.
    let seeds: Vec<Vec<u8>> = [
        "tcp://192.168.1.50:9100",
        "serial:///dev/ttyUSB0?baud=19200",
        "file:///dev/usb/lp0",
        "tcp://[fe80::1]:9100",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    run("printer_uri", 20_000, &seeds, |input, _| {
        let text = String::from_utf8_lossy(input);
        match PrinterUri::parse(&text) {
            Ok(u) => {
                let again = u.to_string();
                assert_eq!(PrinterUri::parse(&again).as_ref().ok(), Some(&u), "{again}");
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    });
}

/// What `Printer::status` must answer for `answers[i]` sent after query i:
/// the first status byte of what is unread after each query, or a timeout.
fn model(answers: &[Vec<u8>; 3]) -> Option<PrinterStatus> {
    let mut unread: Vec<u8> = Vec::new();
    let mut got = [0u8; 3];
    for (i, a) in answers.iter().enumerate() {
        unread.extend(a);
        let at = unread.iter().position(|b| is_status_byte(*b))?;
        got[i] = unread[at];
        unread.drain(..=at);
    }
    Some(PrinterStatus::decode(got[0], got[1], got[2]))
}

#[test]
fn status_over_tcp_from_a_fuzzed_printer() {
    // Must hold: whatever a network printer answers to the three status
    // questions, `status()` returns the state decoded from the first status
    // byte after each question (skipping any other byte), or a timeout when
    // one never comes; never a panic, never a hang past the timeout. Each
    // case is a real TCP exchange, so the count is at most 2,000 even in the
    // long run.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seeds: Vec<Vec<u8>> = vec![vec![0x12], vec![0x1a, 0x32, 0x7e], vec![0x00, 0x12, 0xff], vec![]];
    let (tx, rx) = std::sync::mpsc::channel::<[Vec<u8>; 3]>();
    // The printer: for each connection, answer the three questions with the case's bytes.
    let printer = std::thread::spawn(move || {
        for answers in rx {
            let (mut s, _) = listener.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
            for a in answers.iter() {
                let mut q = [0u8; 3];
                if s.read_exact(&mut q).is_err() {
                    break;
                }
                assert_eq!(q, [0x10, 0x04, q[2]]);
                let _ = s.write_all(a);
            }
            // Wait for the client to hang up.
            let _ = s.read(&mut [0u8; 16]);
        }
    });
    let cases = case_count(150).min(2_000);
    let mut rng = fastrand::Rng::with_seed(7);
    let opts = PrinterOptions { timeout: Duration::from_millis(150), ..PrinterOptions::default() };
    let (mut ok, mut timeouts) = (0, 0);
    for _ in 0..cases {
        let answers =
            [mutate(&mut rng, &seeds), mutate(&mut rng, &seeds), mutate(&mut rng, &seeds)].map(|mut a| {
                a.truncate(64);
                a
            });
        tx.send(answers.clone()).unwrap();
        let mut p = Printer::connect(&format!("tcp://127.0.0.1:{port}"), opts).unwrap();
        let started = std::time::Instant::now();
        match (p.status(), model(&answers)) {
            (Ok(s), Some(want)) => {
                assert_eq!(s, want, "{answers:?}");
                ok += 1;
            }
            (Err(PrinterError::Timeout(_)), None) => timeouts += 1,
            (got, want) => panic!("{answers:?}: got {got:?}, want {want:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    drop(tx);
    printer.join().unwrap();
    println!("FUZZ escpos_status_tcp {cases} cases ({ok} answered, {timeouts} timed out)");
}
