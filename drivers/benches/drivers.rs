//! Driver benchmarks. Prints `BENCH <name> <value> <unit>` lines.
//!
//! - frame_latency_*: last byte written on a pty → Frame event received on the channel
//!   (reader thread, framing, UTF-8 + NFC decode, channel), over 1000 ID-card frames;
//! - ticket_raster_*: rendering a full ticket (header, number, texts, QR, footer);
//! - ticket_job_bytes_*: size of the ESC/POS job of that ticket.
//!
//! Run: `cargo bench -p motcua-drivers`.

use std::io::Write;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use motcua_drivers::printer::{escpos_job, render_ticket, TicketPrint};
use motcua_drivers::serial::{ReaderConfig, ReaderEvent, SerialReader};
use serialport::{SerialPort, TTYPort};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn frame_latency(frames: usize) {
    let (mut master, slave) = TTYPort::pair().expect("pty pair");
    master.set_timeout(Duration::from_secs(2)).unwrap();
    let path = slave.name().expect("pty path");
    let (tx, rx) = mpsc::channel();
    let reader = SerialReader::spawn(ReaderConfig::new(&path, 9600), tx).expect("reader");
    match rx.recv_timeout(Duration::from_secs(2)) {
        Ok(ReaderEvent::Connected { .. }) => {}
        other => panic!("reader did not connect: {other:?}"),
    }
    let body = "]Q1048095000123|201234567|Nguyễn Văn An|15031995|Nam|Tổ 5, Phường Hải Châu, Thành phố Đà Nẵng|20062021";
    let mut lat = Vec::with_capacity(frames);
    for _ in 0..frames {
        master.write_all(body.as_bytes()).unwrap();
        // Let the body arrive first, as with a real reader at line speed.
        std::thread::sleep(Duration::from_micros(200));
        let t0 = Instant::now();
        master.write_all(b"\r\n").unwrap();
        match rx.recv_timeout(Duration::from_secs(2)) {
            Ok(ReaderEvent::Frame { .. }) => lat.push(t0.elapsed()),
            other => panic!("expected a frame, got {other:?}"),
        }
    }
    reader.stop();
    lat.sort();
    println!("BENCH frame_latency_p50 {:.3} ms", ms(percentile(&lat, 0.50)));
    println!("BENCH frame_latency_p99 {:.3} ms", ms(percentile(&lat, 0.99)));
    println!("BENCH frame_latency_max {:.3} ms", ms(*lat.last().unwrap()));
    println!("BENCH frame_latency_samples {} frames", lat.len());
}

fn ticket(width: u32, runs: usize) {
    let t = TicketPrint::sample("29/11/2026 09:41");
    // Warm-up: font parsing happens once per process.
    let bmp = render_ticket(&t, width).unwrap();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t0 = Instant::now();
        let b = render_ticket(&t, width).unwrap();
        times.push(t0.elapsed());
        std::hint::black_box(b);
    }
    times.sort();
    println!("BENCH ticket_raster_{width}_p50 {:.3} ms", ms(percentile(&times, 0.50)));
    println!("BENCH ticket_raster_{width}_max {:.3} ms", ms(*times.last().unwrap()));
    let t0 = Instant::now();
    let job = escpos_job(&bmp);
    let job_time = t0.elapsed();
    println!("BENCH ticket_job_bytes_{width} {} bytes", job.len());
    println!("BENCH ticket_job_build_{width} {:.3} ms", ms(job_time));
    println!("BENCH ticket_height_{width} {} dots", bmp.height());
}

fn main() {
    frame_latency(1000);
    ticket(576, 200);
    ticket(384, 200);
}
