//! Plain domain types and rules: no I/O, no UI, unit-tested.

pub mod board;
pub mod citizen_id;
pub mod localtime;
pub mod procedure;
pub mod scan;
pub mod text;
pub mod ticket;
