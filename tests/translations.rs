//! Every `@tr("…")` string in ui/ has an English translation.

use std::collections::HashSet;

fn slint_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            slint_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "slint") {
            out.push(p);
        }
    }
}

fn po_msgids(text: &str) -> HashSet<String> {
    let mut ids = HashSet::new();
    let mut lines = text.lines().peekable();
    while let Some(l) = lines.next() {
        if let Some(id) = l.strip_prefix("msgid \"").and_then(|s| s.strip_suffix('"')) {
            let translated =
                lines.peek().and_then(|n| n.strip_prefix("msgstr \"")).is_some_and(|s| s != "\"");
            if !id.is_empty() && translated {
                ids.insert(id.replace("\\\"", "\""));
            }
        }
    }
    ids
}

#[test]
fn every_ui_string_is_translated_to_english() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let po = std::fs::read_to_string(root.join("ui/translations/en/LC_MESSAGES/motcua-kiosk.po")).unwrap();
    let ids = po_msgids(&po);
    let mut files = Vec::new();
    slint_files(&root.join("ui"), &mut files);
    let mut missing = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for part in text.split("@tr(\"").skip(1) {
            let end = part.find("\"").unwrap();
            let id = &part[..end];
            if !ids.contains(id) {
                missing.push(format!("{}: {id}", f.display()));
            }
        }
    }
    assert!(missing.is_empty(), "untranslated strings:\n{}", missing.join("\n"));
}
