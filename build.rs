//! Compiles the Slint UI. Debug info (element ids for the testing backend) is
//! emitted in debug/test builds only; translations are bundled into the binary
//! so the kiosk needs no gettext files at run time.

fn main() {
    let debug = std::env::var("PROFILE").map(|p| p != "release").unwrap_or(true);
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("ui/translations")
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        .with_debug_info(debug);
    slint_build::compile_with_config("ui/kiosk.slint", config).expect("Slint UI compiles");
    println!("cargo:rerun-if-changed=ui");
}
