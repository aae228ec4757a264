//! motcua-kiosk: kiosk, queue display and built-in centre for Vietnamese one-stop
//! administrative centres. The binary in `main.rs` is a thin wrapper around [`cli`].

pub mod app;
pub mod catalog;
pub mod centre;
pub mod cli;
pub mod config;
pub mod doctor;
pub mod domain;
pub mod snapshot;
pub mod store;
pub mod systemd;

/// The Slint UI compiled by `build.rs` (all roles).
pub mod ui {
    slint::include_modules!();
}
