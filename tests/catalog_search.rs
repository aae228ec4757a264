//! Catalog search on the bundled catalog, import validation, version rules and
//! crash safety of the import (a child process is SIGKILLed in the middle).

use motcua_kiosk::catalog::usage::Usage;
use motcua_kiosk::catalog::{
    self, store, synth, Catalog, CatalogError, ImportOptions, ImportStage, MatchedIn,
};
use motcua_kiosk::config::Config;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use unicode_normalization::UnicodeNormalization;

fn bundled() -> Catalog {
    Catalog::bundled().expect("bundled catalog is valid")
}

/// The bundled catalog ranked as a fresh kiosk ranks it: no counts yet, the
/// default list of popular procedures.
fn kiosk_catalog() -> Catalog {
    let c = bundled();
    c.set_popularity(&HashMap::new(), &Config::default().catalog.popular);
    c
}

/// (query, expected top result, what the query exercises)
const TABLE: &[(&str, &str, &str)] = &[
    ("Đăng ký khai sinh", "1.001193", "exact name"),
    ("dang ky khai sinh", "1.001193", "no diacritics"),
    ("DANG KY KHAI SINH", "1.001193", "upper case"),
    ("ĐĂNG KÝ KẾT HÔN", "1.000894", "upper case with diacritics, Đ"),
    ("dang ky ket hon", "1.000894", "đ typed as d"),
    ("ket hon", "1.000894", "shortest name wins among names containing the words"),
    ("dangw kys khai sinh", "1.001193", "Telex leftovers"),
    ("ddawngf kys keets hoon", "1.000894", "Telex dd, ee, oo, tones"),
    ("chuwngs thuwcj chuwx kys", "2.000884", "Telex uw"),
    ("dang9 ky1 khai sinh", "1.001193", "VNI leftovers"),
    ("chu71ng thu75c ba3n sao", "2.000815", "VNI with horn and tones"),
    ("dang ky khai sihn", "1.001193", "typo: transposition"),
    ("dang ky thuogn tru", "1.004222", "typo in a 6-letter word"),
    ("chung thuc ban saoo", "2.000815", "typo: extra letter"),
    ("dang ky kh", "1.001193", "prefix while typing"),
    ("chung thuc chu k", "2.000884", "prefix of the last word"),
    ("1.001193", "1.001193", "code"),
    ("2.001263", "2.001263", "code"),
    ("1.00119", "1.001193", "partial code"),
    ("001193", "1.001193", "code without the leading digit"),
    ("1.004222.000.00.00.H56", "1.004222", "localised code"),
    ("giấy khai sinh", "1.001193", "keyword"),
    ("sổ đỏ", "1.013978", "keyword"),
    ("so do", "1.013978", "keyword without diacritics"),
    ("hộ khẩu", "1.004222", "keyword"),
    ("cat ho khau", "1.003197", "keyword"),
    ("sang ten so do", "1.013831", "keyword"),
    ("mo quan", "1.001612", "keyword"),
    ("giay phep kinh doanh", "1.001612", "whole keyword beats keyword containing it"),
    ("xac nhan doc than", "1.004873", "keyword"),
    ("rut bhxh mot lan", "1.001613", "keyword with an acronym"),
    ("dang ky tam tru", "1.004194", "name"),
    ("gia han tam tru", "1.002755", "name"),
    ("xoa dang ky thuong tru", "1.003197", "name"),
    ("tach ho", "1.010038", "name"),
    ("nuoi con nuoi", "2.001263", "name"),
    ("ket hon nuoc ngoai", "2.000806", "scattered words of one name"),
    ("khai tu", "1.000656", "shortest name"),
    ("chung thuc di chuc", "2.001019", "name"),
    ("cap giay phep xay dung", "1.013225", "phrase at the start of the name"),
    ("gia han giay phep xay dung", "1.013227", "name"),
    ("hoa giai tranh chap dat dai", "1.012812", "name"),
    ("xac nhan tinh trang hon nhan", "1.004873", "name"),
    ("trich luc khai sinh", "2.000635", "keyword beats name words"),
    ("lam lai giay khai sinh", "1.004884", "keyword"),
    ("tro cap nguoi cao tuoi", "1.001776", "keyword"),
    ("dang ky tam tru cho sinh vien", "1.004194", "long query"),
    ("giay chung sinh", "1.001193", "document name"),
    // i and y after a consonant are one spelling (kí/ký, lí/lý, qui/quy, sĩ/sỹ).
    ("dang ki khai sinh", "1.001193", "i/y: kí for ký, no marks"),
    ("đăng kí kết hôn", "1.000894", "i/y: kí for ký, with marks"),
    ("chung thuc chu ki", "2.000884", "i/y: chữ kí"),
    ("li lich tu phap", "3.000333", "i/y: lí lịch for lý lịch"),
    ("lý lịch tư pháp", "3.000333", "the catalog's own spelling still matches"),
    ("giay chung nhan quien su dung dat", "1.013978", "i/y: qui for quy inside a word"),
    ("con liet sy", "1.010833", "i/y: sỹ where the catalog writes sĩ"),
    // A swapped pair of neighbouring letters is one typo, also in short words.
    ("ket hno", "1.000894", "swap in a 3-letter word"),
    ("tma tru", "1.004194", "swap in a 3-letter word, first letters"),
    ("dang ky khia sinh", "1.001193", "swap in a 4-letter word"),
    ("tahc ho", "1.010038", "swap in the first word"),
    ("chugn thuc ban sao", "2.000815", "swap at the end of a word"),
    // A query covering every meaningful word of a short name ranks it above
    // longer names that merely contain those words.
    ("tam tru", "1.004194", "whole short name beats Gia hạn / Xóa đăng ký tạm trú"),
    ("thuong tru", "1.004222", "whole short name beats Xóa đăng ký thường trú"),
    ("giam ho", "1.004837", "whole short name beats Đăng ký chấm dứt giám hộ"),
    ("khai sinh", "1.001193", "whole short name beats Đăng ký lại khai sinh"),
    ("tam vang", "1.003677", "whole name"),
    ("tach ho", "1.010038", "whole name of two words"),
    // Near-ties go to the procedure most people mean (popularity prior).
    ("chung thuc", "2.000815", "popular: certified copies over signatures and wills"),
    ("dang ky", "1.001193", "popular: birth among the many Đăng ký"),
    ("cap ban sao", "2.000635", "popular: civil status copy over register and contract copies"),
    ("xac nhan", "1.004873", "popular: marital status over other confirmations"),
    // English names and keywords.
    ("birth registration", "1.001193", "English name"),
    ("marriage certificate", "1.000894", "English keyword"),
    ("criminal record", "3.000333", "English keyword"),
    ("building permit", "1.013225", "English keyword"),
    ("temporary residence", "1.004194", "English name, whole name beats extension/removal"),
    ("certified copy", "2.000815", "English keyword"),
    ("household business", "1.001612", "English name, popular first"),
    ("adoption", "2.001263", "English keyword"),
];

#[test]
fn query_table_on_the_bundled_catalog() {
    let c = kiosk_catalog();
    let mut failures = Vec::new();
    for (q, expected, what) in TABLE {
        let hits = c.search(q, 5);
        let got: Vec<&str> = hits.iter().map(|h| h.code.as_str()).collect();
        if got.first() != Some(expected) {
            failures.push(format!("{q:?} ({what}): expected {expected}, got {got:?}"));
        }
        assert!(c.get(expected).is_some(), "{expected} is not in the bundled catalog");
    }
    assert!(TABLE.len() >= 78, "{}", TABLE.len());
    assert!(
        failures.is_empty(),
        "{} of {} queries failed:\n{}",
        failures.len(),
        TABLE.len(),
        failures.join("\n")
    );
}

#[test]
fn popularity_decides_near_ties_only() {
    // This centre certifies signatures far more than copies: its own counts win the tie…
    let c = bundled();
    let mut counts = HashMap::new();
    counts.insert("2.000884".to_string(), Usage { lookups: 40, tickets: 120 });
    counts.insert("1.001193".to_string(), Usage { lookups: 500, tickets: 900 });
    c.set_popularity(&counts, &Config::default().catalog.popular);
    assert_eq!(c.search("chung thuc", 1)[0].code, "2.000884");
    assert!(c.popularity("1.001193") > c.popularity("2.000815"));
    // …but never outranks a clear match: the most popular procedure does not
    // take the first place of another one's whole name or code.
    assert_eq!(c.search("dang ky ket hon", 1)[0].code, "1.000894");
    assert_eq!(c.search("khai tu", 1)[0].code, "1.000656");
    assert_eq!(c.search("2.000815", 1)[0].code, "2.000815");
    // Without any prior, the same near-tie falls to the text alone.
    let plain = bundled();
    assert_eq!(plain.popularity("2.000815"), 0.0);
}

#[test]
fn nfd_input_searches_like_nfc() {
    let c = bundled();
    let nfd: String = "Đăng ký kết hôn".nfd().collect();
    let nfc: String = "Đăng ký kết hôn".nfc().collect();
    assert_ne!(nfd, nfc);
    assert_eq!(c.search(&nfd, 10), c.search(&nfc, 10));
    assert_eq!(c.search(&nfd, 1)[0].code, "1.000894");
}

#[test]
fn matched_in_tells_where_the_hit_came_from() {
    let c = bundled();
    assert_eq!(c.search("1.001193", 1)[0].matched_in, MatchedIn::Code);
    assert_eq!(c.search("dang ky khai sinh", 1)[0].matched_in, MatchedIn::Name);
    assert_eq!(c.search("bia do", 1)[0].matched_in, MatchedIn::Keywords);
    assert_eq!(c.search("giay chung sinh", 1)[0].matched_in, MatchedIn::Documents);
}

#[test]
fn name_matches_rank_above_document_matches() {
    let c = bundled();
    // "Tờ khai" (documents) is everywhere in hộ tịch; "khai" in a name must come first.
    let hits = c.search("khai", 20);
    let first_doc_only = hits.iter().position(|h| h.matched_in != MatchedIn::Name).unwrap_or(hits.len());
    assert!(first_doc_only >= 5, "{hits:?}");
    assert!(hits[first_doc_only..].iter().all(|h| h.matched_in != MatchedIn::Name), "{hits:?}");
}

#[test]
fn every_keystroke_of_a_query_gives_results() {
    let c = bundled();
    let q = "đăng ký khai sinh";
    let mut typed = String::new();
    for ch in q.chars() {
        typed.push(ch);
        if typed.trim().is_empty() {
            continue;
        }
        let hits = c.search(&typed, 10);
        assert!(!hits.is_empty(), "no result for {typed:?}");
    }
    assert_eq!(c.search(&typed, 1)[0].code, "1.001193");
}

#[test]
fn partial_code_lists_only_codes_under_it() {
    let c = bundled();
    let hits = c.search("1.0011", 50);
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h.code.starts_with("1.0011")), "{hits:?}");
    let expected = c.procedures().iter().filter(|p| p.code.starts_with("1.0011")).count();
    assert_eq!(hits.len(), expected);
}

// ---------------------------------------------------------------- import

fn bundled_file() -> motcua_kiosk::domain::procedure::CatalogFile {
    catalog::parse_catalog(catalog::BUNDLED_JSON.as_bytes()).unwrap()
}

fn write_json(dir: &Path, name: &str, value: &impl serde::Serialize) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    p
}

#[test]
fn import_errors_name_the_json_path_and_keep_the_old_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let before = Catalog::open(dir.path()).unwrap();
    let installed = std::fs::read(store::db_path(dir.path())).unwrap();
    let opts = ImportOptions::default();

    // A type error, found by the JSON parser.
    let mut v: serde_json::Value = serde_json::from_str(catalog::BUNDLED_JSON).unwrap();
    v["version"] = "2100.1.1".into();
    v["procedures"][12]["methods"][0]["fee_amount"] = "mười nghìn".into();
    let f = write_json(dir.path(), "type.json", &v);
    let e = catalog::import_file(dir.path(), &f, &opts).unwrap_err();
    assert!(matches!(e, CatalogError::Json { .. }), "{e}");
    assert_eq!(e.paths(), vec!["procedures[12].methods[0].fee_amount"]);
    assert!(e.to_string().contains("procedures[12].methods[0].fee_amount"), "{e}");

    // An unknown key (a typo in the producer) is named too.
    let mut v: serde_json::Value = serde_json::from_str(catalog::BUNDLED_JSON).unwrap();
    v["procedures"][3]["documents"][0]["copy"] = 1.into();
    let e = catalog::import_bytes(dir.path(), v.to_string().as_bytes(), "t", &opts).unwrap_err();
    assert_eq!(e.paths(), vec!["procedures[3].documents[0].copy"], "{e}");
    assert!(e.to_string().contains("copy"), "{e}");

    // Rule violations, found by validation: every one is named.
    let mut file = bundled_file();
    file.version = "2100.1.1".into();
    file.procedures[12].methods[0].fee_amount = Some(5_000_000_000);
    file.procedures[20].code = "1.00119".into();
    file.procedures[21].code = file.procedures[0].code.clone();
    let f = write_json(dir.path(), "rules.json", &file);
    let e = catalog::import_file(dir.path(), &f, &opts).unwrap_err();
    let paths = e.paths();
    for p in ["procedures[12].methods[0].fee_amount", "procedures[20].code", "procedures[21].code"] {
        assert!(paths.contains(&p), "missing {p} in {paths:?}");
    }

    // Truncated and empty files.
    let text = serde_json::to_string(&bundled_file()).unwrap();
    let e = catalog::import_bytes(dir.path(), &text.as_bytes()[..text.len() / 2], "half", &opts).unwrap_err();
    assert!(matches!(e, CatalogError::Json { .. }), "{e}");
    assert!(catalog::import_bytes(dir.path(), b"", "empty", &opts).is_err());

    // Nothing of this touched the installed catalog.
    assert_eq!(std::fs::read(store::db_path(dir.path())).unwrap(), installed);
    let after = Catalog::open(dir.path()).unwrap();
    assert_eq!(after.version(), before.version());
    assert_eq!(after.len(), before.len());
}

#[test]
fn older_version_is_refused_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let bundled_version = Catalog::open(dir.path()).unwrap().version().to_string();
    let mut file = bundled_file();
    file.version = "2020.1.1".into();
    file.procedures.truncate(10);
    let f = write_json(dir.path(), "old.json", &file);
    let e = catalog::import_file(dir.path(), &f, &ImportOptions::default()).unwrap_err();
    match &e {
        CatalogError::Older { offered, installed } => {
            assert_eq!(offered, "2020.1.1");
            assert_eq!(installed, &bundled_version);
        }
        other => panic!("expected Older, got {other}"),
    }
    assert_eq!(Catalog::open(dir.path()).unwrap().version(), bundled_version);

    let forced = ImportOptions { force: true, progress: None };
    let out = catalog::import_file(dir.path(), &f, &forced).unwrap();
    assert_eq!(out.previous_version.as_deref(), Some(bundled_version.as_str()));
    let c = Catalog::load(&store::db_path(dir.path())).unwrap();
    assert_eq!(c.version(), "2020.1.1");
    assert_eq!(c.len(), 10);
    assert!(c.info().source.ends_with("old.json"), "{}", c.info().source);
}

#[test]
fn sync_decision_and_import_from_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let c = Catalog::open(dir.path()).unwrap();
    let mut file = bundled_file();
    file.version = "2100.1.1".into();
    file.procedures[0].name = "Đăng ký khai sinh (bản mới)".into();
    assert!(catalog::needs_update(c.version(), &file.version));
    assert!(!catalog::needs_update(&file.version, c.version()));
    let bytes = serde_json::to_vec(&file).unwrap();
    let out = catalog::import_bytes(
        dir.path(),
        &bytes,
        "http://centre/catalog ETag \"abc\"",
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(out.version, "2100.1.1");
    let c = Catalog::open(dir.path()).unwrap();
    assert_eq!(c.version(), "2100.1.1");
    assert_eq!(c.info().source, "http://centre/catalog ETag \"abc\"");
    assert_eq!(c.get("1.001193").unwrap().name, "Đăng ký khai sinh (bản mới)");
    assert_eq!(c.search("ban moi", 1)[0].code, "1.001193");
}

// ------------------------------------------------------- crash in the middle

const CHILD_DIR: &str = "MOTCUA_TEST_CHILD_DIR";
const CHILD_FILE: &str = "MOTCUA_TEST_CHILD_FILE";
const CHILD_STOP: &str = "MOTCUA_TEST_CHILD_STOP";
const PAUSED: &str = "CHILD-PAUSED";

/// Run only as a child of `killed_import_*`: imports a file and stops at the
/// requested stage, printing a marker and waiting to be killed.
#[test]
#[ignore = "helper process for the kill tests; needs MOTCUA_TEST_CHILD_* variables"]
fn child_import_then_hang() {
    let dir = PathBuf::from(std::env::var(CHILD_DIR).expect("run by the kill tests only"));
    let file = PathBuf::from(std::env::var(CHILD_FILE).unwrap());
    let stop = std::env::var(CHILD_STOP).unwrap();
    let pause = || {
        println!("{PAUSED}");
        std::io::stdout().flush().unwrap();
        // The parent kills us now; if it died, give up eventually.
        std::thread::sleep(Duration::from_secs(120));
        panic!("parent did not kill the child");
    };
    let progress = |s: ImportStage| match (s, stop.as_str()) {
        (ImportStage::Writing { done, total }, "writing") if done * 2 >= total && done < total => pause(),
        (ImportStage::Synced, "synced") | (ImportStage::Installed, "installed") => pause(),
        _ => {}
    };
    let opts = ImportOptions { force: false, progress: Some(&progress) };
    catalog::import_file(&dir, &file, &opts).unwrap();
    panic!("import finished without reaching stage {stop}");
}

/// Starts the child import, waits until it reports the stage, SIGKILLs it.
fn kill_import_at(dir: &Path, file: &Path, stop: &str) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_import_then_hang", "--ignored", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR, dir)
        .env(CHILD_FILE, file)
        .env(CHILD_STOP, stop)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut paused = false;
    for line in BufReader::new(stdout).lines() {
        if line.unwrap().contains(PAUSED) {
            paused = true;
            break;
        }
    }
    assert!(paused, "child exited before reaching {stop}: {:?}", child.wait());
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success());
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(9), "{status:?}");
    }
}

fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("catalog.sqlite3.new-"))
        .collect()
}

/// Procedures in the catalog the kill tests import: enough for the write to
/// report progress several times (every 250) so the child can be killed half
/// way; more only made the tests slower (3,000 took 2-3 s in a debug build).
const BIG: usize = 1000;

fn big_newer_catalog(dir: &Path) -> PathBuf {
    let mut big = synth::generate(BIG, 42);
    big.version = "2100.1.1".into();
    write_json(dir, "big.json", &big)
}

#[test]
fn killed_import_while_writing_keeps_the_old_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let old = Catalog::open(dir.path()).unwrap();
    let installed = std::fs::read(store::db_path(dir.path())).unwrap();
    let file = big_newer_catalog(dir.path());

    kill_import_at(dir.path(), &file, "writing");

    // The child was killed mid-write: its temporary database is still there…
    assert_eq!(temp_files(dir.path()).len(), 1, "{:?}", temp_files(dir.path()));
    // …and the installed catalog is byte for byte the old one, and works.
    assert_eq!(std::fs::read(store::db_path(dir.path())).unwrap(), installed);
    let c = Catalog::open(dir.path()).unwrap();
    assert_eq!(c.version(), old.version());
    assert_eq!(c.len(), old.len());
    assert_eq!(c.search("dang ky khai sinh", 1)[0].code, "1.001193");

    // The next import cleans up and succeeds.
    catalog::import_file(dir.path(), &file, &ImportOptions::default()).unwrap();
    assert!(temp_files(dir.path()).is_empty());
    assert_eq!(Catalog::open(dir.path()).unwrap().len(), BIG);
}

#[test]
fn killed_import_before_the_swap_keeps_the_old_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let old = Catalog::open(dir.path()).unwrap();
    let file = big_newer_catalog(dir.path());

    kill_import_at(dir.path(), &file, "synced");

    let c = Catalog::open(dir.path()).unwrap();
    assert_eq!(c.version(), old.version());
    assert_eq!(c.search("1.000894", 1)[0].code, "1.000894");
}

#[test]
fn killed_after_the_swap_the_new_catalog_is_complete() {
    let dir = tempfile::tempdir().unwrap();
    Catalog::open(dir.path()).unwrap();
    let file = big_newer_catalog(dir.path());

    kill_import_at(dir.path(), &file, "installed");

    let c = Catalog::load(&store::db_path(dir.path())).unwrap();
    assert_eq!(c.version(), "2100.1.1");
    assert_eq!(c.len(), BIG);
    assert!(temp_files(dir.path()).is_empty());
}
