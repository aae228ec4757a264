//! Command line (filled next).

pub mod centre;

pub fn main() -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
