//! ESC/POS thermal printers: command builders ([`escpos`]), status decoding
//! ([`PrinterStatus`]), connections chosen by URI ([`Printer`], [`PrinterUri`]) and the
//! queue ticket rendered to a 1-bit raster ([`ticket`], [`Bitmap`]).

pub mod bitmap;
pub mod checklist;
pub mod device;
pub mod escpos;
pub mod status;
pub mod text;
pub mod ticket;
pub mod uri;

pub use bitmap::{Bitmap, Halftone};
pub use checklist::{render_checklist, ChecklistItem, ChecklistPrint};
pub use device::{Printer, PrinterError, PrinterOptions};
pub use status::PrinterStatus;
pub use ticket::{
    escpos_job, escpos_job_with, render as render_ticket, JobOptions, TicketError, TicketPrint,
};
pub use uri::{Flow, PrinterUri, UriError};
