//! Finding serial ports for a technician. Without libudev, serialport's own scan of
//! `/sys/class/tty` may find little (and is absent in some containers), so the
//! `/dev/serial/by-id` links and the usual `/dev/ttyACM*` / `/dev/ttyUSB*` nodes are
//! listed too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One serial device and the stable names that point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortInfo {
    /// Device node, e.g. `/dev/ttyACM0`.
    pub device: String,
    /// `/dev/serial/by-id/...` links to it: use one of these in the configuration.
    pub by_id: Vec<String>,
    /// "usb", "pci", "bluetooth" or "unknown".
    pub kind: &'static str,
    /// USB details when known: `vid:pid manufacturer product`.
    pub usb: Option<String>,
}

impl PortInfo {
    /// The path to put in the configuration: the first by-id link, else the device.
    pub fn recommended_path(&self) -> &str {
        self.by_id.first().map(String::as_str).unwrap_or(&self.device)
    }
}

/// Lists serial ports from all sources, merged by device node, sorted.
pub fn list_ports() -> Vec<PortInfo> {
    list_ports_in(Path::new("/dev"), Path::new("/sys/class/tty"))
}

fn list_ports_in(dev: &Path, sys_class_tty: &Path) -> Vec<PortInfo> {
    let mut ports: BTreeMap<String, PortInfo> = BTreeMap::new();
    fn add<'a>(
        ports: &'a mut BTreeMap<String, PortInfo>,
        device: String,
        kind: &'static str,
        usb: Option<String>,
    ) -> &'a mut PortInfo {
        let e =
            ports.entry(device.clone()).or_insert(PortInfo { device, by_id: Vec::new(), kind, usb: None });
        if e.kind == "unknown" {
            e.kind = kind;
        }
        if e.usb.is_none() {
            e.usb = usb;
        }
        e
    }
    // serialport's scan panics when /sys/class/tty is missing: check first.
    if sys_class_tty.is_dir() && dev == Path::new("/dev") {
        if let Ok(found) = serialport::available_ports() {
            for p in found {
                let (kind, usb) = match p.port_type {
                    serialport::SerialPortType::UsbPort(u) => (
                        "usb",
                        Some(
                            format!(
                                "{:04x}:{:04x} {} {}",
                                u.vid,
                                u.pid,
                                u.manufacturer.unwrap_or_default(),
                                u.product.unwrap_or_default()
                            )
                            .trim()
                            .to_owned(),
                        ),
                    ),
                    serialport::SerialPortType::PciPort => ("pci", None),
                    serialport::SerialPortType::BluetoothPort => ("bluetooth", None),
                    serialport::SerialPortType::Unknown => ("unknown", None),
                };
                add(&mut ports, p.port_name, kind, usb);
            }
        }
    }
    if let Ok(rd) = std::fs::read_dir(dev) {
        for entry in rd.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("ttyACM") || name.starts_with("ttyUSB") {
                add(&mut ports, dev.join(&name).to_string_lossy().into_owned(), "usb", None);
            }
        }
    }
    let by_id_dir = dev.join("serial/by-id");
    let mut links: Vec<PathBuf> =
        std::fs::read_dir(&by_id_dir).map(|rd| rd.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    links.sort();
    for link in links {
        let Ok(target) = std::fs::canonicalize(&link) else { continue };
        add(&mut ports, target.to_string_lossy().into_owned(), "usb", None)
            .by_id
            .push(link.to_string_lossy().into_owned());
    }
    ports.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_id_links_are_attached_to_their_device() {
        // Must hold: a by-id symlink is listed under the node it points to, nodes are found
        // by name, and unrelated nodes are ignored.
        let dir = tempfile::tempdir().unwrap();
        let dev_buf = dir.path().canonicalize().unwrap();
        let dev = dev_buf.as_path();
        std::fs::write(dev.join("ttyACM0"), b"").unwrap();
        std::fs::write(dev.join("ttyUSB3"), b"").unwrap();
        std::fs::write(dev.join("null"), b"").unwrap();
        std::fs::create_dir_all(dev.join("serial/by-id")).unwrap();
        std::os::unix::fs::symlink("../../ttyACM0", dev.join("serial/by-id/usb-Honeywell_1900-if00"))
            .unwrap();
        let ports = list_ports_in(dev, &dev.join("no-sys"));
        assert_eq!(ports.len(), 2, "{ports:?}");
        let acm = ports.iter().find(|p| p.device.ends_with("ttyACM0")).unwrap();
        assert_eq!(acm.by_id.len(), 1);
        assert!(acm.recommended_path().ends_with("usb-Honeywell_1900-if00"));
        let usb = ports.iter().find(|p| p.device.ends_with("ttyUSB3")).unwrap();
        assert_eq!(usb.recommended_path(), usb.device);
    }
}
