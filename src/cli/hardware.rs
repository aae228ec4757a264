//! Technician commands for the kiosk hardware: list serial ports, watch what a
//! barcode reader sends, print (or save) a sample ticket. Personal data read from ID
//! cards is printed masked only.

use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use motcua_drivers::printer::{self, Printer, PrinterError, PrinterOptions, TicketPrint};
use motcua_drivers::serial::{self, ReaderConfig, ReaderEvent, SerialReader};
use serde_json::{json, Value};

use crate::domain::localtime;
use crate::domain::scan::{classify, ScanKind};

/// Lists serial ports: serialport's scan, `/dev/serial/by-id` links and the usual
/// `/dev/ttyACM*` / `/dev/ttyUSB*` nodes.
pub fn ports() -> anyhow::Result<()> {
    let ports = serial::list_ports();
    if ports.is_empty() {
        println!("No serial ports found.");
        println!("Check the reader's USB cable. USB-CDC readers appear as /dev/ttyACM0, USB-serial");
        println!("adapters as /dev/ttyUSB0; `dmesg | tail` shows what the kernel saw when plugging in.");
        return Ok(());
    }
    for p in &ports {
        let usb = p.usb.as_deref().map(|u| format!("  [{u}]")).unwrap_or_default();
        println!("{}  ({}){usb}", p.device, p.kind);
        for link in &p.by_id {
            println!("    by-id: {link}");
        }
    }
    println!();
    println!(
        "Put a /dev/serial/by-id/... path in scanner.ports: it stays the same when the reader is replugged."
    );
    Ok(())
}

/// Reads `port` and prints one JSON line per event (frames classified, personal data
/// masked) until interrupted. Reconnects by itself when the reader is replugged.
pub fn scan_test(port: &str, baud: u32, frame_timeout_ms: u64) -> anyhow::Result<()> {
    let (tx, rx) = mpsc::channel();
    let config =
        ReaderConfig::new(port, baud).with_frame_timeout(Duration::from_millis(frame_timeout_ms.max(1)));
    let _reader = SerialReader::spawn(config, tx).context("cannot start the reader thread")?;
    eprintln!("Reading {port} at {baud} baud; scan a code, Ctrl-C to stop.");
    for ev in rx {
        let today = localtime::service_day(Utc::now());
        println!("{}", event_json(&ev, today));
    }
    Ok(())
}

/// One JSON object for a reader event. Frames are classified; ID card data is masked.
fn event_json(ev: &ReaderEvent, today: chrono::NaiveDate) -> Value {
    match ev {
        ReaderEvent::Connected { port } => json!({ "event": "connected", "port": port }),
        ReaderEvent::Disconnected { port, reason } => {
            json!({ "event": "disconnected", "port": port, "reason": reason.to_string() })
        }
        ReaderEvent::Unreadable { port, reason } => {
            json!({ "event": "unreadable", "port": port, "reason": reason.to_string() })
        }
        ReaderEvent::Warning { port, warning } => {
            json!({ "event": "warning", "port": port, "warning": warning.to_string() })
        }
        ReaderEvent::Frame { port, symbology, text, raw_len, first_byte_to_end } => {
            let kind = classify(text, symbology.as_deref(), today);
            json!({
                "event": "frame",
                "port": port,
                "symbology": symbology,
                "kind": kind.name(),
                "fields": kind_fields(&kind, text),
                "raw_len": raw_len,
                "ms_since_first_byte": (first_byte_to_end.as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
            })
        }
    }
}

fn kind_fields(kind: &ScanKind, text: &str) -> Value {
    match kind {
        ScanKind::CitizenCard(id) => json!({
            "number": id.masked_number(),
            "name": id.masked_name(),
            "gender": id.gender().label_vi(),
            "birth_province": id.province_name(),
            "has_old_id": id.old_id().is_some(),
            "extra_fields": id.extra_fields().len(),
        }),
        ScanKind::InvalidCitizenCard(e) => json!({ "error": e.to_string(), "message_vi": e.message_vi() }),
        ScanKind::HealthInsuranceCard => json!({ "message_vi": kind.refusal_vi() }),
        ScanKind::DossierReceipt(code) => json!({
            "code": code.as_str(),
            "agency": code.agency(),
            "received": localtime::format_date(code.received()),
            "seq": code.seq(),
        }),
        ScanKind::TicketTracking(code) => json!({ "tracking_code": code }),
        // The one-time code is a secret: never printed.
        ScanKind::Provisioning(p) => json!({ "centre_url": p.url, "pinned": p.pin.is_some() }),
        // Not parsed, so not known to be personal: a short preview helps set up readers.
        ScanKind::Unknown => json!({ "preview": text.chars().take(20).collect::<String>() }),
    }
}

/// The sample ticket, issued now, marked as a test print.
pub fn sample_ticket() -> TicketPrint {
    TicketPrint {
        offline_note: Some("IN THỬ – PHIẾU KHÔNG CÓ GIÁ TRỊ".into()),
        ..TicketPrint::sample(localtime::format_date_time(Utc::now()))
    }
}

/// Renders the sample ticket `width` dots wide and prints it to `printer_uri`, and/or
/// writes its ESC/POS bytes to `out_bin` and its raster to `out_png`.
pub fn print_test(
    printer_uri: Option<&str>,
    width: u32,
    out_bin: Option<&Path>,
    out_png: Option<&Path>,
) -> anyhow::Result<()> {
    if printer_uri.is_none() && out_bin.is_none() && out_png.is_none() {
        anyhow::bail!(
            "nothing to do: give a printer (e.g. file:///dev/usb/lp0, tcp://192.168.1.50:9100), an output .bin or an output .png"
        );
    }
    let bitmap = printer::render_ticket(&sample_ticket(), width)?;
    let job = printer::escpos_job(&bitmap);
    if let Some(path) = out_png {
        std::fs::write(path, bitmap.to_png()).with_context(|| format!("cannot write {}", path.display()))?;
        println!("raster {}x{} written to {}", bitmap.width(), bitmap.height(), path.display());
    }
    if let Some(path) = out_bin {
        std::fs::write(path, &job).with_context(|| format!("cannot write {}", path.display()))?;
        println!("ESC/POS job ({} bytes) written to {}", job.len(), path.display());
    }
    if let Some(uri) = printer_uri {
        let mut p = Printer::connect(uri, PrinterOptions::default())?;
        match p.status() {
            Ok(st) => {
                println!(
                    "status: online={} cover_open={} paper_near_end={} paper_out={} error={}",
                    st.online, st.cover_open, st.paper_near_end, st.paper_out, st.error
                );
                if !st.ready() {
                    anyhow::bail!("printer not ready: {}", st.problem_en().unwrap_or("unknown problem"));
                }
            }
            Err(PrinterError::StatusUnsupported(_)) => println!("status: not available for a plain file"),
            Err(PrinterError::Timeout(d)) => {
                println!("status: no answer within {d:?} (printer without DLE EOT support?); printing anyway")
            }
            Err(e) => return Err(e.into()),
        }
        p.print(&job)?;
        println!("sent {} bytes to {uri}", job.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
    }

    #[test]
    fn frame_json_masks_id_card_data() {
        // Must hold: an ID card frame prints its kind, masked number and name, raw length
        // and timing, and never the full number, name or address.
        let text = "048095000123|201234567|Nguyễn Văn An|15031995|Nam|Tổ 5, Hải Châu|20062021";
        let ev = ReaderEvent::Frame {
            port: "/dev/ttyACM0".into(),
            symbology: Some("]Q1".into()),
            text: text.into(),
            raw_len: text.len() + 3,
            first_byte_to_end: Duration::from_micros(12_340),
        };
        let v = event_json(&ev, today());
        assert_eq!(v["kind"], "citizen_card");
        assert_eq!(v["fields"]["number"], "048*******23");
        assert_eq!(v["fields"]["name"], "Nguyễn V. A.");
        assert_eq!(v["raw_len"], text.len() + 3);
        assert_eq!(v["ms_since_first_byte"], 12.3);
        let line = v.to_string();
        for secret in ["048095000123", "Văn An", "Hải Châu", "15031995", "201234567"] {
            assert!(!line.contains(secret), "{secret} leaked: {line}");
        }
    }

    #[test]
    fn other_events_have_plain_reasons() {
        // Must hold: disconnects and unreadable frames carry their human-readable reason.
        let v = event_json(
            &ReaderEvent::Disconnected { port: "p".into(), reason: serial::DisconnectReason::Busy },
            today(),
        );
        assert_eq!(v["event"], "disconnected");
        assert!(v["reason"].as_str().unwrap().contains("in use by another program"));
        let v = event_json(
            &ReaderEvent::Frame {
                port: "p".into(),
                symbology: None,
                text: "000.00.06.H56-231027-0361".into(),
                raw_len: 25,
                first_byte_to_end: Duration::ZERO,
            },
            today(),
        );
        assert_eq!(v["kind"], "dossier_receipt");
        assert_eq!(v["fields"]["received"], "27/10/2023");
    }

    #[test]
    fn print_test_writes_bin_and_png_and_prints_to_a_file_uri() {
        // Must hold: the .bin is a complete ESC/POS job (init ... cut), the .png decodes at
        // the requested width, and a file:// printer receives the same job.
        let dir = tempfile::tempdir().unwrap();
        let (bin, png, dev) = (dir.path().join("t.bin"), dir.path().join("t.png"), dir.path().join("lp0"));
        let uri = format!("file://{}", dev.display());
        print_test(Some(&uri), 384, Some(&bin), Some(&png)).unwrap();
        let job = std::fs::read(&bin).unwrap();
        assert_eq!(&job[..2], &[0x1B, 0x40]);
        assert_eq!(&job[job.len() - 3..], &[0x1D, 0x56, 1]);
        assert_eq!(std::fs::read(&dev).unwrap(), job);
        let img = image::load_from_memory(&std::fs::read(&png).unwrap()).unwrap();
        assert_eq!(img.width(), 384);
        assert!(print_test(None, 576, None, None).is_err());
        assert!(print_test(Some("lp0"), 576, None, None).is_err());
    }
}
