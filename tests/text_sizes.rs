//! The smallest text a citizen must read on each kiosk screen (issue 14:
//! nothing below ~26 px at arm's length), read from the UI sources the
//! screens are compiled from: every `font-size` of a page and of the widgets
//! it uses, resolved against ui/theme.slint's type scale in the normal and
//! large-text themes. Fails when a citizen screen's smallest text drops below
//! 26 px, or when a `Text` has no `font-size` (Slint's default is 12 px).
//! `cargo test --test text_sizes -- --nocapture` prints the table
//! docs/accessibility.md shows.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Nothing a citizen must read is smaller (issue 14).
const MIN_PX: f64 = 26.0;
/// Pages only a technician sees (behind the PIN).
const TECHNICIAN: &[&str] =
    &["setup", "setup-centre", "setup-devices", "setup-provision", "setup-screen", "setup-widgets"];

fn ui(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ui").join(rel)).unwrap()
}

/// `Theme.font.NAME` → (px in the normal theme, scales with large text).
fn type_scale() -> HashMap<String, (f64, bool)> {
    let src = ui("theme.slint");
    let start = src.find("out property <Typography> font").expect("font scale in theme.slint");
    let body = &src[start..start + src[start..].find("};").unwrap()];
    let mut out = HashMap::new();
    for line in body.lines().skip(1) {
        let line = line.trim().trim_end_matches(',');
        if let Some((name, value)) = line.split_once(':') {
            let value = value.trim();
            let px: f64 = value.split("px").next().unwrap().trim().parse().unwrap();
            out.insert(name.trim().to_string(), (px, value.contains("text-scale")));
        }
    }
    assert!(out.contains_key("small") && out.len() >= 6, "{out:?}");
    out
}

/// Text scale of the large-text theme.
fn large_scale() -> f64 {
    let src = ui("theme.slint");
    let line = src.lines().find(|l| l.contains("property <float> text-scale")).unwrap();
    line.split('?').nth(1).unwrap().split(':').next().unwrap().trim().parse().unwrap()
}

/// One `font-size` a file sets: its smallest value (normal, large text) and the expression.
#[derive(Clone, Debug)]
struct Size {
    normal: f64,
    large: f64,
    expr: String,
    file: String,
    line: usize,
}

/// The smallest size an expression can take: the least of the type-scale
/// names and pixel literals it names (`min(…)`, `a ? b : c`). Terms that
/// depend on the window (`root.width / 4.2`) are left to the screenshots.
fn resolve(expr: &str, scale: &HashMap<String, (f64, bool)>, large: f64) -> Option<(f64, f64)> {
    let mut best: Option<(f64, f64)> = None;
    let mut take = |n: f64, l: f64| {
        best = Some(best.map_or((n, l), |(bn, bl)| (bn.min(n), bl.min(l))));
    };
    for (i, _) in expr.match_indices("Theme.font.") {
        let name: String =
            expr[i + 11..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        let (px, scales) = scale[&name];
        take(px, if scales { px * large } else { px });
    }
    for tok in expr.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == 'p' || c == 'x')) {
        if let Some(n) = tok.strip_suffix("px").and_then(|n| n.parse::<f64>().ok()) {
            // `root.width < 900px` compares a width, it is not a size.
            if !expr.contains(&format!("< {tok}")) && !expr.contains(&format!("> {tok}")) {
                take(n, n);
            }
        }
    }
    best
}

/// The `font-size` values a file sets, and its `Text` elements without one.
fn sizes_in(file: &str, scale: &HashMap<String, (f64, bool)>, large: f64) -> (Vec<Size>, Vec<usize>) {
    let src = ui(file);
    let mut sizes = Vec::new();
    for (n, line) in src.lines().enumerate() {
        let mut rest = line;
        while let Some(i) = rest.find("font-size:") {
            let expr = rest[i + 10..].split(';').next().unwrap().trim().to_string();
            rest = &rest[i + 10..];
            if expr == "root.font-size" {
                continue; // the component's own property, counted where it is declared or set
            }
            if let Some((normal, large)) = resolve(&expr, scale, large) {
                sizes.push(Size { normal, large, expr, file: file.into(), line: n + 1 });
            }
        }
    }
    (sizes, bare_texts(&src))
}

/// Lines of the `Text { … }` blocks (to the matching brace) without a
/// font-size at their own level.
fn bare_texts(src: &str) -> Vec<usize> {
    let mut bare = Vec::new();
    let bytes = src.as_bytes();
    for (i, _) in src.match_indices("Text {") {
        if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'-') {
            continue; // `VText {`, `my-Text {`
        }
        let mut depth = 0;
        let mut has = false;
        for (j, c) in src[i + 5..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ if depth == 1 && src[i + 5 + j..].starts_with("font-size:") => has = true,
                _ => {}
            }
        }
        if !has {
            bare.push(src[..i].lines().count());
        }
    }
    bare
}

/// Components each widget file exports.
fn exports(file: &str) -> Vec<String> {
    ui(file)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("export component "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
fn no_citizen_text_is_smaller_than_26_px() {
    let scale = type_scale();
    let large = large_scale();
    let dir = |d: &str| {
        let mut v: Vec<String> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("ui").join(d))
            .unwrap()
            .map(|e| format!("{d}/{}", e.unwrap().file_name().to_string_lossy()))
            .filter(|f| f.ends_with(".slint"))
            .collect();
        v.sort();
        v
    };
    let widgets = dir("widgets");
    let pages = dir("pages");
    let mut problems = Vec::new();
    let mut per_file: HashMap<String, Vec<Size>> = HashMap::new();
    for f in widgets.iter().chain(&pages).chain(std::iter::once(&"kiosk.slint".to_string())) {
        let (sizes, bare) = sizes_in(f, &scale, large);
        for line in bare {
            problems.push(format!("{f}:{line}: a Text without font-size (12 px)"));
        }
        per_file.insert(f.clone(), sizes);
    }
    // The widgets a file uses, transitively.
    let widget_names: Vec<(String, Vec<String>)> = widgets.iter().map(|w| (w.clone(), exports(w))).collect();
    let uses = |file: &str| -> Vec<String> {
        let mut seen: Vec<String> = vec![file.to_string()];
        let mut i = 0;
        while i < seen.len() {
            let src = ui(&seen[i]);
            for (w, names) in &widget_names {
                if !seen.contains(w) && names.iter().any(|n| src.contains(&format!("{n} {{"))) {
                    seen.push(w.clone());
                }
            }
            i += 1;
        }
        seen
    };
    let mut table = BTreeMap::new();
    for page in pages.iter().chain(std::iter::once(&"kiosk.slint".to_string())) {
        let name = page.trim_start_matches("pages/").trim_end_matches(".slint").to_string();
        let all: Vec<Size> = uses(page).iter().flat_map(|f| per_file[f].clone()).collect();
        let smallest = all
            .iter()
            .min_by(|a, b| a.normal.partial_cmp(&b.normal).unwrap())
            .unwrap_or_else(|| panic!("{page}: no text sizes found"))
            .clone();
        let technician = TECHNICIAN.contains(&name.as_str());
        if !technician && smallest.normal < MIN_PX {
            problems.push(format!(
                "{name}: {} px text ({}:{} `{}`) < {MIN_PX} px",
                smallest.normal, smallest.file, smallest.line, smallest.expr
            ));
        }
        let count_smallest = all.iter().filter(|s| s.normal == smallest.normal).count();
        table.insert(name, (smallest, count_smallest, technician));
    }
    println!("| screen (file) | smallest text, normal | large-text | set by | texts at that size |");
    println!("|---|---|---|---|---|");
    for (name, (s, n, technician)) in &table {
        let who = if *technician { " (technician)" } else { "" };
        println!(
            "| {name}{who} | {} px | {} px | `{}` ({}:{}) | {n} |",
            s.normal, s.large, s.expr, s.file, s.line
        );
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_reader_resolves_what_the_ui_writes() {
    // Must hold: the resolver reads the forms ui/*.slint uses; a 12 px
    // literal or a smaller theme size would be caught.
    let scale = type_scale();
    assert_eq!(resolve("Theme.font.small", &scale, 1.25), Some((26.0, 32.5)));
    assert_eq!(resolve("min(Theme.font.title, root.tile-width / 11)", &scale, 1.25), Some((40.0, 50.0)));
    assert_eq!(
        resolve("root.width < 900px ? Theme.font.body : Theme.font.title", &scale, 1.25),
        Some((28.0, 35.0))
    );
    assert_eq!(resolve("12px", &scale, 1.25), Some((12.0, 12.0)));
    assert_eq!(resolve("Theme.font.huge", &scale, 1.25), Some((200.0, 200.0)));
    // A Text without a font-size (Slint's 12 px default) is found, nested or not.
    let src = "A {\n  Text { text: \"a\"; font-size: Theme.font.body; }\n  Text {\n    text: \"b\";\n    Rectangle { font-size: 1px; }\n  }\n  VText { }\n}";
    assert_eq!(bare_texts(src), vec![3]);
}
