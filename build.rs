fn main() {
    let config = slint_build::CompilerConfiguration::new();
    slint_build::compile_with_config("ui/kiosk.slint", config).expect("Slint UI compiles");
}
