//! Plain domain types and rules: no I/O, no UI, unit-tested.

pub mod localtime;
pub mod ticket;
