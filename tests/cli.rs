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
            // The board is bilingual (one file); its setup is in the technician's language.
            let l = motcua_kiosk::config::Language::parse(lang).unwrap();
            let name = motcua_kiosk::snapshot::file_name(screen, l, (1920, 1080), Default::default());
            assert_eq!(name.contains(&format!(".{lang}.")), screen.starts_with("display-setup"), "{name}");
            let path = out.join(name);
            let img = image::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).to_rgb8();
            assert_eq!(img.dimensions(), (1920, 1080), "{}", path.display());
        }
        // The counter screen's states at its default 1024x600.
        for screen in motcua_kiosk::snapshot::COUNTER_SCREENS {
            let path = out.join(format!("{screen}.{lang}.png"));
            let img = image::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).to_rgb8();
            assert_eq!(img.dimensions(), (1024, 600), "{}", path.display());
            assert!(more_colours_than(&img, 4), "{} looks blank", path.display());
        }
    }
}

#[test]
fn counter_screen_snapshots_in_portrait() {
    // What must hold: the counter screen renders turned (600x1024) too.
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["snapshot", "--screen", "counter-rating", "--lang", "en", "--size", "600x1024", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let img = image::open(dir.path().join("counter-rating.en.600x1024.png")).unwrap();
    assert_eq!((img.width(), img.height()), (600, 1024));
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
fn calendar_show_counts_make_up_saturdays_and_config_check_refuses_an_impossible_day() {
    // What must hold: `calendar show 2026` prints the defaults of the 2026 notices
    // (Fri 2 Jan off, Sat 10 Jan and Sat 22 Aug worked; 261 weekdays − 13 + 2 = 250
    // working days); a make-up day on a weekday and a day in both lists are refused by
    // `config check` and by `calendar show`, each naming its key.
    let out = bin().args(["calendar", "show", "2026", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["working_days"], 250);
    assert_eq!(v["make_up_working_days"], serde_json::json!(["2026-01-10", "2026-08-22"]));
    assert!(v["holidays"].as_array().unwrap().contains(&serde_json::json!("2026-01-02")));
    // January: 22 weekdays − 1 and 2 Jan + Sat 10 Jan = 21.
    assert_eq!(v["working_days_by_month"][0], 21);
    let text = bin().args(["calendar", "show", "2026"]).output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Thứ Bảy 10/01/2026") && text.contains("Thứ Sáu 02/01/2026"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("centre.toml");
    std::fs::write(
        &path,
        "[dossier]\nholidays = [\"2026-08-22\"]\nmake_up_working_days = [\"2026-01-13\", \"2026-08-22\"]\n",
    )
    .unwrap();
    let out = bin().args(["config", "check", "--config"]).arg(&path).output().unwrap();
    assert!(!out.status.success(), "an impossible calendar must fail the check");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("dossier.make_up_working_days[0]") && text.contains("Tuesday"), "{text}");
    assert!(text.contains("dossier.make_up_working_days[1]") && text.contains("both"), "{text}");
    let out = bin().args(["calendar", "show", "2026", "--config"]).arg(&path).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("dossier.make_up_working_days[0]"));
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

#[test]
fn catalog_show_prints_the_procedure_as_the_kiosk_shows_it() {
    // What must hold: `catalog show CODE` prints the checked values as they are,
    // the unchecked ones as "Hỏi tại quầy", and the sources with their dates;
    // --json gives the same view; an unknown code is one clear error.
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| bin().args(args).env("MOTCUA_DATA_DIR", dir.path()).output().unwrap();
    let out = run(&["catalog", "show", "1.000894"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("1.000894  Đăng ký kết hôn\n"), "{text}");
    assert!(text.contains("phí, lệ phí Miễn phí"), "marriage is free: {text}");
    assert!(text.contains("Cơ quan thực hiện: Ủy ban nhân dân cấp xã"), "checked: {text}");
    assert!(text.contains("Kết quả: Hỏi tại quầy"), "unchecked: {text}");
    assert!(text.contains("(đọc ngày 02/12/2026)"), "{text}");
    assert!(text.contains("Chưa xác minh (kiosk hiển thị \"Hỏi tại quầy\"):"), "{text}");

    let out = run(&["catalog", "show", "2.001263", "--json", "--lang", "en"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["name"], "Domestic adoption registration");
    assert_eq!(v["methods"][0]["fee"], "400.000 đ");
    assert_eq!(v["methods"][0]["duration"], "Ask at the counter", "adoption time unverified: {v}");
    assert!(v["sources"].as_array().is_some_and(|s| !s.is_empty()));

    let out = run(&["catalog", "show", "9.999999"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no procedure 9.999999"), "{err}");
}

#[test]
fn catalog_import_reports_changes_and_export_writes_a_spreadsheet() {
    // What must hold: an import prints what it adds, removes and changes before
    // installing (and --dry-run installs nothing); export writes a CSV with a
    // row per procedure that a spreadsheet opens (UTF-8 with BOM).
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| bin().args(args).env("MOTCUA_DATA_DIR", dir.path()).output().unwrap();
    // Install the bundled catalog, then offer a newer one with changes.
    assert!(run(&["catalog", "search", "khai sinh"]).status.success());
    let mut v: serde_json::Value = serde_json::from_str(motcua_kiosk::catalog::BUNDLED_JSON).unwrap();
    v["version"] = "2100.1.1".into();
    let procs = v["procedures"].as_array_mut().unwrap();
    let removed = procs.remove(procs.len() - 1);
    procs[0]["methods"][0]["fee"] = "Thu theo mức mới".into();
    let mut added = procs[1].clone();
    added["code"] = "1.999999".into();
    added["name"] = "Thủ tục thử nghiệm".into();
    procs.push(added);
    let count = procs.len();
    let file = dir.path().join("new.json");
    std::fs::write(&file, serde_json::to_vec(&v).unwrap()).unwrap();
    let file = file.to_str().unwrap();

    let out = run(&["catalog", "import", file, "--dry-run"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 added, 1 removed, 1 changed"), "{text}");
    assert!(text.contains("  + 1.999999  Thủ tục thử nghiệm"), "{text}");
    assert!(text.contains(&format!("  - {}", removed["code"].as_str().unwrap())), "{text}");
    assert!(text.contains("  ~ 1.001193  Đăng ký khai sinh: fee"), "{text}");
    assert!(text.contains("Dry run: nothing installed."), "{text}");
    let shown = run(&["catalog", "show", "1.999999"]);
    assert!(!shown.status.success(), "the dry run installed nothing");

    let out = run(&["catalog", "import", file]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Installed catalog 2100.1.1"));
    assert!(run(&["catalog", "show", "1.999999"]).status.success());

    let csv = dir.path().join("review.csv");
    let out = run(&["catalog", "export", "--out", csv.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("\u{feff}Mã thủ tục,Tên thủ tục,Lĩnh vực,"), "{}", &text[..80]);
    let rows: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert_eq!(rows.len(), 1 + count, "a header and a row per procedure");
    assert!(rows.iter().any(|r| r.starts_with("1.999999,Thủ tục thử nghiệm,")));
}
