//! Application layer: one controller per feature feeding a Slint adapter global.

pub mod audio;
pub mod backend;
pub mod board;
pub mod display;
pub mod display_feed;
pub mod dossier;
pub mod i18n;
pub mod idle;
pub mod keypad;
pub mod kiosk;
pub mod link_backend;
pub mod poster;
pub mod printing;
pub mod procedures;
pub mod qr;
pub mod queue;
pub mod rating;
pub mod sample_backend;
pub mod scan;
pub mod setup;
