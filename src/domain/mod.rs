//! Plain domain types and rules: no I/O, no UI, unit-tested.

pub mod board;
pub mod localtime;
pub mod ticket;
