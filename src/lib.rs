//! motcua-kiosk: kiosk, queue display and built-in centre for Vietnamese one-stop
//! administrative centres. The binary in `main.rs` is a thin wrapper around [`cli`].

pub mod app;
pub mod catalog;
pub mod centre;
pub mod cli;
pub mod config;
pub mod domain;
pub mod snapshot;
pub mod store;

/// The Slint UI compiled by `build.rs` (all roles).
pub mod ui {
    slint::include_modules!();
}
