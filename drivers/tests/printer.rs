//! ESC/POS bytes, raster packing, and the printer connections against fake printers:
//! a TCP server on 127.0.0.1, a pseudo-terminal (serial:// and file:// of a character
//! device) and plain files.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use motcua_drivers::printer::escpos::{self, Cut, QrCommandError, QrEcc};
use motcua_drivers::printer::{Bitmap, Printer, PrinterError, PrinterOptions, PrinterStatus};
use serialport::{SerialPort, TTYPort};

const READY: [u8; 3] = [0x12, 0x12, 0x12];
const PAPER_OUT: [u8; 3] = [0x1A, 0x32, 0x7E];

fn opts(timeout_ms: u64) -> PrinterOptions {
    PrinterOptions { timeout: Duration::from_millis(timeout_ms), write_stall_timeout: Duration::from_secs(2) }
}

#[test]
fn command_builders_give_exact_bytes() {
    // Must hold: each builder returns the documented ESC/POS sequence byte for byte.
    assert_eq!(escpos::init(), [0x1B, 0x40]);
    assert_eq!(escpos::feed(5), [0x1B, 0x64, 5]);
    assert_eq!(escpos::cut(Cut::Full), [0x1D, 0x56, 0]);
    assert_eq!(escpos::cut(Cut::Partial), [0x1D, 0x56, 1]);
    assert_eq!(escpos::feed_and_cut(Cut::Partial, 3), [0x1D, 0x56, 66, 3]);
    assert_eq!(escpos::status_request(1), [0x10, 0x04, 1]);
    assert_eq!(escpos::status_request(4), [0x10, 0x04, 4]);
    assert_eq!(escpos::align_center(), [0x1B, 0x61, 1]);
}

#[test]
fn qr_command_is_model2_size_ecc_store_print() {
    // Must hold: GS ( k functions 165 (model 2), 167 (size), 169 (ECC M = 49), 180 (store,
    // pL pH = data + 3), 181 (print), in that order; bad inputs are refused.
    let got = escpos::qr(b"ABC", 6, QrEcc::M).unwrap();
    let want: Vec<u8> = [
        &[0x1D, 0x28, 0x6B, 4, 0, 0x31, 0x41, 0x32, 0][..],
        &[0x1D, 0x28, 0x6B, 3, 0, 0x31, 0x43, 6],
        &[0x1D, 0x28, 0x6B, 3, 0, 0x31, 0x45, 0x31],
        &[0x1D, 0x28, 0x6B, 6, 0, 0x31, 0x50, 0x30, b'A', b'B', b'C'],
        &[0x1D, 0x28, 0x6B, 3, 0, 0x31, 0x51, 0x30],
    ]
    .concat();
    assert_eq!(got, want);
    let long = vec![b'9'; 300];
    let got = escpos::qr(&long, 8, QrEcc::H).unwrap();
    assert_eq!(&got[25..33], &[0x1D, 0x28, 0x6B, 0x2F, 0x01, 0x31, 0x50, 0x30], "303 = 0x012F little-endian");
    assert_eq!(got[24], 0x33, "ECC H");
    assert_eq!(escpos::qr(b"", 6, QrEcc::M), Err(QrCommandError::Empty));
    assert_eq!(escpos::qr(b"x", 17, QrEcc::M), Err(QrCommandError::BadModuleSize(17)));
    assert_eq!(escpos::qr(&vec![b'1'; 7090], 3, QrEcc::L), Err(QrCommandError::TooLong { len: 7090 }));
}

#[test]
fn raster_packs_msb_first_in_bands() {
    // Must hold: GS v 0 0 xL xH yL yH header with width in bytes and height in dots, the
    // leftmost dot in the MSB, 1 = black, and a tall image split into bands that together
    // carry every row once.
    let mut b = Bitmap::new(12, 5);
    b.set(0, 0, true); // byte 0 = 0x80
    b.set(11, 0, true); // byte 1 = 0x10
    b.set(7, 4, true); // last row, byte 0 = 0x01
    let one = escpos::raster(&b, 256);
    let mut want = vec![0x1D, 0x76, 0x30, 0, 2, 0, 5, 0];
    want.extend_from_slice(&[0x80, 0x10, 0, 0, 0, 0, 0, 0, 0x01, 0x00]);
    assert_eq!(one, want);

    let banded = escpos::raster(&b, 2);
    assert_eq!(banded.len(), 3 * 8 + 10, "three bands of 2, 2 and 1 rows");
    assert_eq!(&banded[..8], &[0x1D, 0x76, 0x30, 0, 2, 0, 2, 0]);
    assert_eq!(&banded[12..20], &[0x1D, 0x76, 0x30, 0, 2, 0, 2, 0]);
    assert_eq!(&banded[24..32], &[0x1D, 0x76, 0x30, 0, 2, 0, 1, 0]);
    assert_eq!(&banded[32..], &[0x01, 0x00]);

    // 576 dots = 72 bytes: xL = 72, xH = 0; 300 rows = 0x012C.
    let wide = escpos::raster(&Bitmap::new(576, 300), 300);
    assert_eq!(&wide[..8], &[0x1D, 0x76, 0x30, 0, 72, 0, 0x2C, 0x01]);
}

/// A network printer: records every byte, answers each DLE EOT n with `answers[n]`
/// (or stays silent when `answers` is None). Ends when the client disconnects.
struct FakeTcpPrinter {
    port: u16,
    received: Arc<Mutex<Vec<u8>>>,
    thread: JoinHandle<()>,
}

impl FakeTcpPrinter {
    fn start(answers: Option<[u8; 3]>, junk_first: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let rec = received.clone();
        let thread = thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 4096];
            let mut answered = 0;
            loop {
                let n = match s.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                let mut all = rec.lock().unwrap();
                all.extend_from_slice(&buf[..n]);
                // Answer every complete DLE EOT n not yet answered.
                if let Some(ans) = answers {
                    let asked = all.windows(3).filter(|w| w[0] == 0x10 && w[1] == 0x04).count();
                    for w in all.windows(3).filter(|w| w[0] == 0x10 && w[1] == 0x04).skip(answered) {
                        let idx = match w[2] {
                            1 => 0,
                            2 => 1,
                            _ => 2,
                        };
                        if junk_first {
                            s.write_all(&[0x00]).unwrap();
                        }
                        s.write_all(&[ans[idx]]).unwrap();
                    }
                    answered = asked;
                }
            }
        });
        Self { port, received, thread }
    }

    fn uri(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    fn finish(self) -> Vec<u8> {
        self.thread.join().unwrap();
        Arc::try_unwrap(self.received).unwrap().into_inner().unwrap()
    }
}

#[test]
fn tcp_printer_status_and_print_reach_the_wire() {
    // Must hold: status() sends DLE EOT 1, 2, 4 and decodes a ready printer; print()
    // delivers the job byte for byte after them.
    let fake = FakeTcpPrinter::start(Some(READY), false);
    let mut p = Printer::connect(&fake.uri(), opts(1000)).unwrap();
    assert_eq!(
        p.status().unwrap(),
        PrinterStatus {
            online: true,
            cover_open: false,
            paper_near_end: false,
            paper_out: false,
            error: false
        }
    );
    let job = [escpos::init(), escpos::feed(2), escpos::cut(Cut::Full)].concat();
    p.print(&job).unwrap();
    drop(p);
    let got = fake.finish();
    let want = [&[0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 4][..], &job].concat();
    assert_eq!(got, want);
}

#[test]
fn tcp_printer_out_of_paper_is_decoded_and_stray_bytes_skipped() {
    // Must hold: real paper-out answers (0x1A, 0x32, 0x7E) decode as offline + paper out +
    // near end, even when each answer is preceded by a byte that is not a status byte.
    let fake = FakeTcpPrinter::start(Some(PAPER_OUT), true);
    let mut p = Printer::connect(&fake.uri(), opts(1000)).unwrap();
    let st = p.status().unwrap();
    assert!(!st.online && st.paper_out && st.paper_near_end && !st.cover_open && !st.error, "{st:?}");
    assert!(!st.ready());
    drop(p);
    fake.finish();
}

#[test]
fn silent_tcp_printer_times_out_in_time() {
    // Must hold: a printer that accepts but never answers gives Err(Timeout) after the
    // configured 200 ms, never a hang (the error itself proves the wait ended; no upper
    // bound on the time is asserted).
    let fake = FakeTcpPrinter::start(None, false);
    let mut p = Printer::connect(&fake.uri(), opts(200)).unwrap();
    let t = Instant::now();
    let r = p.status();
    let took = t.elapsed();
    assert!(matches!(r, Err(PrinterError::Timeout(d)) if d == Duration::from_millis(200)), "{r:?}");
    assert!(took >= Duration::from_millis(190), "gave up before the timeout: {took:?}");
    drop(p);
    fake.finish();
}

#[test]
fn refused_tcp_connection_names_the_address() {
    // Must hold: nothing listening gives a Connect error naming host:port.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(); // freed at once
    let r = Printer::connect(&format!("tcp://127.0.0.1:{port}"), opts(300));
    match r {
        Err(e @ PrinterError::Connect { .. }) => {
            assert!(e.to_string().contains(&format!("127.0.0.1:{port}")))
        }
        other => panic!("expected Connect error, got {other:?}"),
    }
}

/// A pty whose master end plays a printer; returns (master, slave path). The slave
/// handle is returned too so the pty stays alive.
fn pty_printer() -> (TTYPort, TTYPort, String) {
    let (mut master, slave) = TTYPort::pair().unwrap();
    master.set_timeout(Duration::from_millis(2000)).unwrap();
    let path = slave.name().unwrap();
    (master, slave, path)
}

/// Answers DLE EOT requests on the pty master with `answers`, returns all bytes read
/// until `until` bytes were seen.
fn serve_pty(mut master: TTYPort, answers: [u8; 3], until: usize) -> JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut all = Vec::new();
        let mut answered = 0;
        let mut buf = [0u8; 256];
        let deadline = Instant::now() + Duration::from_secs(3);
        while all.len() < until && Instant::now() < deadline {
            if let Ok(n) = master.read(&mut buf) {
                all.extend_from_slice(&buf[..n]);
            }
            let reqs: Vec<u8> =
                all.windows(3).filter(|w| w[0] == 0x10 && w[1] == 0x04).map(|w| w[2]).collect();
            for n in reqs.iter().skip(answered) {
                let i = if *n == 1 {
                    0
                } else if *n == 2 {
                    1
                } else {
                    2
                };
                master.write_all(&[answers[i]]).unwrap();
            }
            answered = reqs.len();
        }
        all
    })
}

#[test]
fn serial_printer_on_a_pty_answers_status_and_prints() {
    // Must hold: serial:// opens the device, status() works over a tty (answers 0x12 x3
    // = ready), and print() delivers the job.
    let (master, _slave, path) = pty_printer();
    let job = [escpos::init(), escpos::raster(&Bitmap::new(16, 2), 256), escpos::cut(Cut::Partial)].concat();
    let server = serve_pty(master, READY, 9 + job.len());
    let mut p = Printer::connect(&format!("serial://{path}?baud=19200"), opts(1000)).unwrap();
    assert!(p.status().unwrap().ready());
    p.print(&job).unwrap();
    let got = server.join().unwrap();
    assert_eq!(&got[9..], &job[..]);
}

#[test]
fn usb_class_device_file_answers_status_through_poll() {
    // Must hold: file:// of a character device (here a pty, like /dev/usb/lp0) is read
    // with poll: paper-out answers decode, and the job is written.
    let (master, _slave, path) = pty_printer();
    let server = serve_pty(master, PAPER_OUT, 9 + 2);
    let mut p = Printer::connect(&format!("file://{path}"), opts(1000)).unwrap();
    let st = p.status().unwrap();
    assert!(st.paper_out && !st.online, "{st:?}");
    p.print(&escpos::init()).unwrap();
    let got = server.join().unwrap();
    assert_eq!(&got[9..], &[0x1B, 0x40]);
}

#[test]
fn silent_device_file_times_out() {
    // Must hold: a character device that never answers gives Err(Timeout) after the
    // configured 150 ms, never a hang.
    let (_master, _slave, path) = pty_printer();
    let mut p = Printer::connect(&format!("file://{path}"), opts(150)).unwrap();
    let t = Instant::now();
    let r = p.status();
    assert!(matches!(r, Err(PrinterError::Timeout(_))), "{r:?}");
    assert!(t.elapsed() >= Duration::from_millis(140), "gave up before the timeout: {:?}", t.elapsed());
}

#[test]
fn plain_file_receives_jobs_appended_and_has_no_status() {
    // Must hold: file:// of a regular path creates it, appends each job, and status()
    // says plainly that a file has no status.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ticket.bin");
    let uri = format!("file://{}", path.display());
    let mut p = Printer::connect(&uri, opts(100)).unwrap();
    p.print(&escpos::init()).unwrap();
    p.print(&escpos::cut(Cut::Full)).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), [0x1B, 0x40, 0x1D, 0x56, 0]);
    assert!(matches!(p.status(), Err(PrinterError::StatusUnsupported(_))));
    drop(p);
    let mut again = Printer::connect(&uri, opts(100)).unwrap();
    again.print(&escpos::feed(1)).unwrap();
    assert_eq!(std::fs::read(&path).unwrap().len(), 8, "appended, not truncated");
}

#[test]
fn missing_device_is_reported_as_not_found() {
    // Must hold: a missing USB printer or serial device gives NotFound with the path.
    let e = Printer::connect("file:///nonexistent-dir/usb/lp0", opts(100)).unwrap_err();
    assert!(matches!(&e, PrinterError::NotFound(p) if p == "/nonexistent-dir/usb/lp0"), "{e:?}");
    let e = Printer::connect("serial:///dev/ttyUSB-does-not-exist", opts(100)).unwrap_err();
    assert!(matches!(e, PrinterError::NotFound(_)), "{e:?}");
    let e = Printer::connect("lp0", opts(100)).unwrap_err();
    assert!(matches!(e, PrinterError::Uri(_)), "{e:?}");
}

#[test]
fn busy_serial_printer_is_reported_as_busy() {
    // Must hold: a serial printer port already open elsewhere is reported as Busy.
    let (_master, _slave, path) = pty_printer();
    let _first = Printer::connect(&format!("serial://{path}"), opts(100)).unwrap();
    let e = Printer::connect(&format!("serial://{path}"), opts(100)).unwrap_err();
    assert!(matches!(e, PrinterError::Busy(_)), "{e:?}");
    assert!(e.to_string().contains("in use by another program"));
}

#[test]
fn stale_bytes_do_not_shift_status_answers() {
    // Must hold: bytes the printer sent before the request (e.g. an automatic status
    // block) are discarded, so answers pair with their questions.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        // A stale "paper out" answer, sent before any request.
        s.write_all(&[0x7E]).unwrap();
        let mut buf = [0u8; 3];
        for _ in 0..3 {
            s.read_exact(&mut buf).unwrap();
            s.write_all(&[0x12]).unwrap();
        }
        let _ = s.read(&mut buf);
    });
    let mut p = Printer::connect(&format!("tcp://127.0.0.1:{port}"), opts(1000)).unwrap();
    // status() must meet the stale byte: wait until the kernel holds it unread
    // on the printer connection (0x7E taken as the first answer would read as
    // "offline", so a driver that kept it fails here).
    let deadline = Instant::now() + Duration::from_secs(5);
    while unread_bytes_from(port) != Some(1) {
        assert!(Instant::now() < deadline, "the stale byte never reached the connection");
        thread::sleep(Duration::from_millis(1));
    }
    assert!(p.status().unwrap().ready());
    drop(p);
    server.join().unwrap();
}

/// Bytes received but not yet read on the established TCP connection whose
/// peer is 127.0.0.1:`port` (the rx_queue column of /proc/net/tcp).
fn unread_bytes_from(port: u16) -> Option<u64> {
    let table = std::fs::read_to_string("/proc/net/tcp").expect("/proc/net/tcp (Linux)");
    table.lines().skip(1).find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        let (_, rem_port) = f.get(2)?.split_once(':')?;
        let established = f.get(3) == Some(&"01");
        if !established || u16::from_str_radix(rem_port, 16).ok()? != port {
            return None;
        }
        let (_, rx_queue) = f.get(4)?.split_once(':')?;
        u64::from_str_radix(rx_queue, 16).ok()
    })
}
