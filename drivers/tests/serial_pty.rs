//! The serial reader against real pseudo-terminals: the test holds the master end
//! (playing the barcode reader) and the reader thread opens the slave by its path,
//! exactly as it opens /dev/ttyACM0 on a kiosk.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use motcua_drivers::serial::{
    DisconnectReason, ReaderConfig, ReaderEvent, ReaderWarning, SerialReader, UnreadableReason,
};
use serialport::{SerialPort, TTYPort};

const WAIT: Duration = Duration::from_secs(3);

/// A fake reader: the master end of a pty. The slave stays open in `_slave` so the pty
/// lives until the master is dropped ("unplug").
struct FakeScanner {
    master: TTYPort,
    _slave: TTYPort,
    path: String,
}

impl FakeScanner {
    fn new() -> Self {
        let (mut master, slave) = TTYPort::pair().expect("pty pair");
        master.set_timeout(Duration::from_secs(5)).unwrap();
        let path = slave.name().expect("slave path");
        Self { master, _slave: slave, path }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).expect("write to pty master");
    }
}

fn config(path: &str) -> ReaderConfig {
    let mut c = ReaderConfig::new(path, 9600);
    c.frame_timeout = Duration::from_millis(300);
    c.reconnect_min = Duration::from_millis(20);
    c.reconnect_max = Duration::from_millis(200);
    c.poll_interval = Duration::from_millis(50);
    c
}

/// Receives events until `pred` matches one; returns it. Panics after `WAIT`.
fn wait_for(rx: &Receiver<ReaderEvent>, what: &str, pred: impl Fn(&ReaderEvent) -> bool) -> ReaderEvent {
    let deadline = Instant::now() + WAIT;
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(ev) if pred(&ev) => return ev,
            Ok(ev) => seen.push(ev),
            Err(_) => panic!("timed out waiting for {what}; saw {seen:?}"),
        }
    }
}

/// Events up to and including the first matching `pred`. Panics after `WAIT`.
fn collect_until(rx: &Receiver<ReaderEvent>, pred: impl Fn(&ReaderEvent) -> bool) -> Vec<ReaderEvent> {
    let deadline = Instant::now() + WAIT;
    let mut seen = Vec::new();
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(ev) => {
                let done = pred(&ev);
                seen.push(ev);
                if done {
                    return seen;
                }
            }
            Err(_) => panic!("timed out; saw {seen:?}"),
        }
    }
}

/// All events arriving within `d`.
fn collect_for(rx: &Receiver<ReaderEvent>, d: Duration) -> Vec<ReaderEvent> {
    let deadline = Instant::now() + d;
    let mut v = Vec::new();
    while let Ok(ev) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        v.push(ev);
    }
    v
}

fn is_connected(ev: &ReaderEvent) -> bool {
    matches!(ev, ReaderEvent::Connected { .. })
}

fn frame_text(ev: &ReaderEvent) -> Option<&str> {
    match ev {
        ReaderEvent::Frame { text, .. } => Some(text),
        _ => None,
    }
}

fn start(path: &str) -> (SerialReader, Receiver<ReaderEvent>) {
    let (tx, rx) = mpsc::channel();
    let reader = SerialReader::spawn(config(path), tx).unwrap();
    wait_for(&rx, "Connected", is_connected);
    (reader, rx)
}

#[test]
fn frame_split_inside_a_letter_arrives_whole_in_nfc_with_aim_id() {
    // Must hold: two writes cutting 'ễ' in half (with a pause between them) give one
    // Frame whose text is the whole payload, AIM prefix split off, NFD composed to NFC,
    // raw_len counting the bytes received, and first_byte_to_end covering the pause.
    let mut sc = FakeScanner::new();
    let (_reader, rx) = start(&sc.path);
    let payload = "]Q1048095000123||Nguye\u{302}\u{303}n Văn An|15031995|Nam|Tổ 5, Hải Châu|20062021";
    let bytes = payload.as_bytes();
    let cut = payload.find('\u{302}').unwrap() + 1; // inside the 2-byte combining mark
    sc.send(&bytes[..cut]);
    thread::sleep(Duration::from_millis(60));
    sc.send(&bytes[cut..]);
    sc.send(b"\r\n");
    let ev = wait_for(&rx, "Frame", |e| frame_text(e).is_some());
    let ReaderEvent::Frame { symbology, text, raw_len, first_byte_to_end, port } = ev else { unreachable!() };
    assert_eq!(port, sc.path);
    assert_eq!(symbology.as_deref(), Some("]Q1"));
    assert_eq!(text, "048095000123||Nguyễn Văn An|15031995|Nam|Tổ 5, Hải Châu|20062021");
    assert_eq!(raw_len, bytes.len());
    assert!(first_byte_to_end >= Duration::from_millis(50), "{first_byte_to_end:?}");
    assert!(first_byte_to_end < Duration::from_millis(1000), "{first_byte_to_end:?}");
}

#[test]
fn cr_lf_and_crlf_terminators_give_one_frame_each() {
    // Must hold: "A\r", "B\n", "C\r\n", "D\r\n" are exactly four frames; no empty frame
    // follows a CRLF, even when CR and LF arrive in separate writes. A last frame "END"
    // marks the end: the reader handles bytes in order, so an empty frame from the lone
    // LF would come before it.
    let mut sc = FakeScanner::new();
    let (_reader, rx) = start(&sc.path);
    sc.send(b"A\rB\nC\r\nD\r");
    thread::sleep(Duration::from_millis(30)); // CR and LF in separate reads
    sc.send(b"\n");
    sc.send(b"END\r");
    let evs = collect_until(&rx, |e| frame_text(e) == Some("END"));
    let texts: Vec<_> = evs.iter().filter_map(frame_text).collect();
    assert_eq!(texts, ["A", "B", "C", "D", "END"], "{evs:?}");
    assert_eq!(evs.len(), 5, "no other event: {evs:?}");
}

#[test]
fn megabyte_without_terminator_is_discarded_once_then_stream_resyncs() {
    // Must hold: 1 MB without CR/LF produces a single TooLong(4096) Unreadable event (the
    // reader keeps at most 4096 bytes, see the FrameAssembler tests), and the frame after
    // the next terminator arrives intact.
    let mut sc = FakeScanner::new();
    let (_reader, rx) = start(&sc.path);
    let chunk = vec![b'x'; 64 * 1024];
    for _ in 0..16 {
        sc.send(&chunk);
    }
    sc.send(b"\rOK\r");
    let evs = collect_until(&rx, |e| frame_text(e).is_some());
    assert_eq!(evs.len(), 2, "{evs:?}");
    assert_eq!(
        evs[0],
        ReaderEvent::Unreadable { port: sc.path.clone(), reason: UnreadableReason::TooLong { limit: 4096 } }
    );
    assert!(matches!(&evs[1], ReaderEvent::Frame { text, raw_len: 2, .. } if text == "OK"), "{evs:?}");
}

#[test]
fn invalid_utf8_is_reported_and_the_reader_keeps_going() {
    // Must hold: a Latin-1 frame gives Unreadable(InvalidUtf8) (no panic, no lossy text)
    // and the next frame is still delivered.
    let mut sc = FakeScanner::new();
    let (_reader, rx) = start(&sc.path);
    sc.send(b"Nguy\xean\rOK\r");
    let evs = collect_until(&rx, |e| frame_text(e) == Some("OK"));
    assert_eq!(
        evs[0],
        ReaderEvent::Unreadable {
            port: sc.path.clone(),
            reason: UnreadableReason::InvalidUtf8 { valid_up_to: 4 }
        }
    );
    assert_eq!(evs.iter().filter_map(frame_text).collect::<Vec<_>>(), ["OK"]);
}

#[test]
fn partial_frame_followed_by_silence_is_dropped() {
    // Must hold: bytes without terminator followed by more than frame_timeout (300 ms) of
    // silence give a Warning and are not glued to the next frame.
    let mut sc = FakeScanner::new();
    let (_reader, rx) = start(&sc.path);
    sc.send(b"stale");
    let ev = wait_for(&rx, "partial warning", |e| matches!(e, ReaderEvent::Warning { .. }));
    assert_eq!(
        ev,
        ReaderEvent::Warning {
            port: sc.path.clone(),
            warning: ReaderWarning::PartialFrameDropped { len: 5 }
        }
    );
    sc.send(b"fresh\r");
    let ev = wait_for(&rx, "frame", |e| frame_text(e).is_some());
    assert_eq!(frame_text(&ev), Some("fresh"));
}

/// Points `link` at `target` atomically, as udev does for /dev/serial/by-id.
fn repoint(link: &Path, target: &str) {
    let tmp = link.with_extension("new");
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp).unwrap();
    std::fs::rename(&tmp, link).unwrap();
}

#[test]
fn unplug_then_replug_at_the_same_by_id_path_reconnects() {
    // Must hold: closing the master end gives Disconnected(Unplugged); failures while
    // unplugged are reported at most once per reason (no event storm); once the by-id
    // symlink points at a new device the reader reconnects by itself and frames flow.
    let dir = tempfile::tempdir().unwrap();
    let link: PathBuf = dir.path().join("usb-Honeywell_Scanner-if00");
    let mut first = FakeScanner::new();
    repoint(&link, &first.path);
    let link_s = link.to_string_lossy().into_owned();
    let (_reader, rx) = start(&link_s);

    first.send(b"before\r");
    assert_eq!(frame_text(&wait_for(&rx, "frame", |e| frame_text(e).is_some())), Some("before"));

    drop(first); // unplug
    let ev = wait_for(&rx, "Disconnected", |e| matches!(e, ReaderEvent::Disconnected { .. }));
    assert_eq!(ev, ReaderEvent::Disconnected { port: link_s.clone(), reason: DisconnectReason::Unplugged });

    // Stay unplugged for a while: retries happen every 20..200 ms, events must not.
    let during = collect_for(&rx, Duration::from_millis(600));
    assert!(during.len() <= 2, "at most one event per distinct failure: {during:?}");
    assert!(during.iter().all(|e| matches!(e, ReaderEvent::Disconnected { .. })), "{during:?}");

    let mut second = FakeScanner::new();
    repoint(&link, &second.path);
    let ev = wait_for(&rx, "Connected again", is_connected);
    assert_eq!(ev, ReaderEvent::Connected { port: link_s.clone() });
    second.send(b"after\r\n");
    assert_eq!(frame_text(&wait_for(&rx, "frame", |e| frame_text(e).is_some())), Some("after"));
}

/// CPU ticks (user + system) used so far by the thread whose name starts with `prefix`.
fn thread_cpu_ticks(prefix: &str) -> u64 {
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim_end().starts_with(prefix) {
            let stat = std::fs::read_to_string(task.path().join("stat")).unwrap();
            // Fields after the ")" of the command: state is field 3, utime 14, stime 15.
            let after = &stat[stat.rfind(')').unwrap() + 2..];
            let f: Vec<&str> = after.split_whitespace().collect();
            return f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
        }
    }
    panic!("no thread named {prefix}*");
}

#[test]
fn unplugged_reader_does_not_spin() {
    // Must hold: after the device disappears the thread sleeps between reopen attempts;
    // over 1 s it uses under 10 % of a core (a busy loop would use all of it).
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("spinchk");
    let sc = FakeScanner::new();
    repoint(&link, &sc.path);
    let (_reader, rx) = start(&link.to_string_lossy());
    drop(sc);
    wait_for(&rx, "Disconnected", |e| matches!(e, ReaderEvent::Disconnected { .. }));
    let ticks_per_sec = 100; // USER_HZ on Linux
    let before = thread_cpu_ticks("scanner:spinchk");
    thread::sleep(Duration::from_secs(1));
    let used = thread_cpu_ticks("scanner:spinchk") - before;
    assert!(used < ticks_per_sec / 10, "reader thread used {used} ticks in 1 s");
}

#[test]
fn second_opener_is_told_the_port_is_busy() {
    // Must hold: a port already open by one reader is reported to a second one as Busy,
    // with a message saying another program uses it.
    let sc = FakeScanner::new();
    let (_first, _rx1) = start(&sc.path);
    let (tx, rx) = mpsc::channel();
    let _second = SerialReader::spawn(config(&sc.path), tx).unwrap();
    let ev = wait_for(&rx, "Disconnected(Busy)", |e| matches!(e, ReaderEvent::Disconnected { .. }));
    let ReaderEvent::Disconnected { reason, .. } = ev else { unreachable!() };
    assert_eq!(reason, DisconnectReason::Busy);
    assert!(reason.to_string().contains("in use by another program"));
}

#[test]
fn missing_port_is_reported_once_and_retried_quietly() {
    // Must hold: a path that does not exist gives one Disconnected(NotFound), not one per
    // retry.
    let (tx, rx) = mpsc::channel();
    let _r = SerialReader::spawn(config("/dev/serial/by-id/usb-not-plugged-in"), tx).unwrap();
    let evs = collect_for(&rx, Duration::from_millis(500));
    assert_eq!(
        evs,
        vec![ReaderEvent::Disconnected {
            port: "/dev/serial/by-id/usb-not-plugged-in".into(),
            reason: DisconnectReason::NotFound
        }]
    );
}

#[test]
fn stop_closes_the_port_and_joins_promptly() {
    // Must hold: stop() returns within a few poll intervals, a final Disconnected(Stopped)
    // is sent, and the port is free again afterwards (a new reader connects).
    let sc = FakeScanner::new();
    let (reader, rx) = start(&sc.path);
    let t = Instant::now();
    reader.stop();
    assert!(t.elapsed() < Duration::from_millis(500), "stop took {:?}", t.elapsed());
    let ev = wait_for(&rx, "Stopped", |e| matches!(e, ReaderEvent::Disconnected { .. }));
    assert_eq!(ev, ReaderEvent::Disconnected { port: sc.path.clone(), reason: DisconnectReason::Stopped });
    let (_again, _rx) = start(&sc.path);
}
