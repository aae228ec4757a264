//! Command line (filled next).
pub fn main() -> std::process::ExitCode {
    std::process::ExitCode::SUCCESS
}
