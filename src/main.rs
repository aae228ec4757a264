fn main() -> std::process::ExitCode {
    motcua_kiosk::cli::main()
}
