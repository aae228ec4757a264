//! Application layer. The kiosk: a shared [`context::KioskContext`] and one
//! [`context::Feature`] per screen or device, each feeding its Slint adapter
//! global ([`kiosk`] loops over them). The display board: [`display`] fed by
//! [`display_feed`]. [`poster`] carries results back to the UI thread.

pub mod appliance;
pub mod audio;
pub mod backend;
pub mod board;
pub mod board_setup;
pub mod board_setup_draft;
pub mod context;
pub mod counter;
pub mod display;
pub mod display_feed;
pub mod dossier;
pub mod help;
pub mod i18n;
pub mod idle;
pub mod keypad;
pub mod kiosk;
pub mod link_backend;
pub mod poster;
pub mod printing;
pub mod procedures;
pub mod prompts;
pub mod qr;
pub mod queue;
pub mod rating;
pub mod sample_backend;
pub mod scan;
pub mod setup;
pub mod setup_form;
pub mod setup_pin;
pub mod setup_pin_change;
pub mod setup_provision;
pub mod setup_settings;
pub mod test_call;
pub mod voice;
