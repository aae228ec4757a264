//! The real binary, as a technician runs it.

use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_motcua-kiosk"));
    c.env_remove("MOTCUA_CONFIG").env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
    c
}

#[test]
fn snapshot_writes_every_screen_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin().args(["snapshot", "--screen", "all", "--out"]).arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for screen in motcua_kiosk::snapshot::KIOSK_SCREENS {
        for lang in ["vi", "en"] {
            let path = dir.path().join(format!("kiosk-{screen}.{lang}.png"));
            let img = image::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).to_rgb8();
            assert_eq!(img.dimensions(), (1080, 1920), "{}", path.display());
            // Not blank: a real screen has many colours (text anti-aliasing, tiles).
            let mut colours: Vec<[u8; 3]> = img.pixels().step_by(7).map(|p| p.0).collect();
            colours.sort_unstable();
            colours.dedup();
            assert!(colours.len() > 20, "{} looks blank ({} colours)", path.display(), colours.len());
        }
    }
    for screen in motcua_kiosk::snapshot::DISPLAY_SCREENS {
        let path = dir.path().join(format!("{screen}.png"));
        let img = image::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).to_rgb8();
        assert_eq!(img.dimensions(), (1920, 1080), "{}", path.display());
    }
}

#[test]
fn snapshot_small_portrait_and_themes() {
    let dir = tempfile::tempdir().unwrap();
    for theme in ["large-text", "high-contrast"] {
        let out = bin()
            .args([
                "snapshot", "--screen", "home", "--lang", "vi", "--size", "768x1366", "--theme", theme,
                "--out",
            ])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let img = image::open(dir.path().join(format!("kiosk-home.vi.{theme}.768x1366.png"))).unwrap();
        assert_eq!((img.width(), img.height()), (768, 1366));
    }
}

#[test]
fn snapshot_rejects_unknown_screen_in_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin().args(["snapshot", "--screen", "nope", "--out"]).arg(dir.path()).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown screen `nope`"), "{err}");
}

#[test]
fn config_check_names_the_bad_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.toml");
    std::fs::write(&path, "[kiosk]\nidle_timeout_secs = 5\nlanguag = \"vi\"\n").unwrap();
    let out = bin().args(["config", "check", "--config"]).arg(&path).output().unwrap();
    assert!(!out.status.success(), "a bad config must fail the check");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("kiosk.idle_timeout_secs"), "{text}");
    assert!(text.contains("kiosk.languag") && text.contains("kiosk.language"), "{text}");
}

#[test]
fn config_from_environment_variable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kiosk.toml");
    std::fs::write(&path, "[kiosk]\nid = \"kiosk-07\"\n").unwrap();
    let out = bin().args(["config", "show"]).env("MOTCUA_CONFIG", &path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("id = \"kiosk-07\""));
}

#[test]
fn run_without_a_display_says_what_to_do() {
    let out = bin().output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no display found") && err.contains("snapshot"), "{err}");
}

#[test]
fn catalog_search_ranks_what_citizens_type() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["catalog", "search", "giay khai sinh", "--json", "--limit", "3"])
        .env("MOTCUA_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().expect("at least one result");
    assert!(first.contains("1.001193"), "top result should be Đăng ký khai sinh: {text}");
}
