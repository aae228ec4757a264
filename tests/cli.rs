//! The real binary, as a technician runs it.

use std::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_motcua-kiosk"));
    c.env_remove("MOTCUA_CONFIG").env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY");
    c
}

#[test]
fn snapshot_writes_every_screen_in_both_languages() {
    // What must hold: `snapshot --screen all` writes every kiosk screen in
    // Vietnamese and English at 1080x1920 and every board screen at
    // 1920x1080, none of them blank. One process per language, side by side
    // (each renders on one core; this is the slowest test of the suite).
    let dir = tempfile::tempdir().unwrap();
    let children: Vec<_> = ["vi", "en"]
        .iter()
        .map(|lang| {
            let out = dir.path().join(lang);
            let child = bin()
                .args(["snapshot", "--screen", "all", "--lang", lang, "--out"])
                .arg(&out)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            (lang, out, child)
        })
        .collect();
    for (lang, out, child) in children {
        let done = child.wait_with_output().unwrap();
        assert!(done.status.success(), "{lang}: {}", String::from_utf8_lossy(&done.stderr));
        for screen in motcua_kiosk::snapshot::KIOSK_SCREENS {
            let path = out.join(format!("kiosk-{screen}.{lang}.png"));
            let img = image::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).to_rgb8();
            assert_eq!(img.dimensions(), (1080, 1920), "{}", path.display());
            // Not blank: a real screen has many colours (text anti-aliasing, tiles).
            assert!(more_colours_than(&img, 20), "{} looks blank", path.display());
        }
        for screen in motcua_kiosk::snapshot::DISPLAY_SCREENS {
            let path = out.join(format!("{screen}.png"));
            let img = image::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).to_rgb8();
            assert_eq!(img.dimensions(), (1920, 1080), "{}", path.display());
        }
    }
}

/// Whether more than `n` colours appear among every 7th pixel; stops as soon
/// as they do (this test crate is not optimised: counting them all was slow).
fn more_colours_than(img: &image::RgbImage, n: usize) -> bool {
    let mut seen = std::collections::HashSet::new();
    img.pixels().step_by(7).any(|p| seen.insert(p.0) && seen.len() > n)
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
