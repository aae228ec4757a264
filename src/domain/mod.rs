//! Plain domain types and rules: no I/O, no UI, unit-tested. Nothing here
//! imports from config, store, centre or app (they convert into these types).

pub mod access;
pub mod announce;
pub mod board;
pub mod calendar;
pub mod catalog_age;
pub mod catalog_rules;
pub mod citizen_id;
pub mod clock;
pub mod counter_screen;
pub mod dossier;
pub mod figures;
pub mod fleet;
pub mod localtime;
pub mod pin_lockout;
pub mod procedure;
pub mod provenance;
pub mod provision;
pub mod queue_rules;
pub mod rating;
pub mod scan;
pub mod text;
pub mod ticket;
pub mod time_limit;
pub mod vn_input;
