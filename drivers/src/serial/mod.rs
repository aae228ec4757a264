//! Serial barcode readers: framing ([`FrameAssembler`]), one reader thread per port
//! ([`SerialReader`]) sending [`ReaderEvent`]s, and port discovery ([`list_ports`]).

pub mod frame;
pub mod ports;
pub mod reader;

pub use frame::{Assembled, FrameAssembler, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_FRAME_LEN};
pub use ports::{list_ports, PortInfo};
pub use reader::{
    decode_frame, probe_port, DecodedFrame, DisconnectReason, ReaderConfig, ReaderEvent, ReaderWarning,
    SerialReader, UnreadableReason,
};
