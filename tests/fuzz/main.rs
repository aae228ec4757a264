//! Fuzzing on stable Rust: bounded, seeded harnesses for every parser of
//! outside input (see `driver` for how cases are made). `cargo test --test
//! fuzz` runs a few thousand cases per target; the long run, a million per
//! target:
//!
//! ```sh
//! FUZZ_CASES=1000000 cargo test --release --test fuzz -- --nocapture
//! ```
//!
//! Each target prints `FUZZ <name> <cases> cases ...`.

#[path = "../common/mod.rs"]
mod common;

mod api;
mod driver;
mod parsers;
mod printer;
