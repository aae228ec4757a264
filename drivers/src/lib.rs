//! Kiosk hardware, without any UI dependency:
//!
//! - [`serial`]: barcode / QR readers on serial ports (USB-CDC or RS-232), one thread
//!   per port sending [`serial::ReaderEvent`]s over a channel;
//! - [`printer`]: ESC/POS thermal printers over serial, USB device file or TCP, and
//!   the queue ticket rendered to a raster so Vietnamese prints on any printer.

pub mod printer;
pub mod serial;
