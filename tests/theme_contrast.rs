//! WCAG contrast of the kiosk Theme, computed from ui/theme.slint's own
//! colours for each palette: every text/background pair the screens use is
//! at least 4.5:1 and every UI boundary (card borders, chip outlines, notice
//! edges, icons) at least 3:1. Run with `--nocapture` to print the table.

use std::collections::HashMap;

/// Relative luminance of `#rrggbb` (WCAG 2.x).
fn luminance(hex: &str) -> f64 {
    let h = hex.trim_start_matches('#');
    let c = |i: usize| {
        let v = u8::from_str_radix(&h[i..i + 2], 16).unwrap() as f64 / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * c(0) + 0.7152 * c(2) + 0.0722 * c(4)
}

fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The two palettes of theme.slint (high contrast first, then normal), name → `#rrggbb`.
fn palettes() -> Vec<(&'static str, HashMap<String, String>)> {
    let src = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/ui/theme.slint")).unwrap();
    let start = src.find("out property <Palette> palette").expect("palette in theme.slint");
    let body = &src[start..];
    let end = body.find("};").expect("end of the palette");
    let mut out = Vec::new();
    for (name, block) in ["high-contrast", "normal"].into_iter().zip(body[..end].split("} : {")) {
        let mut map = HashMap::new();
        for line in block.lines() {
            let line = line.trim().trim_end_matches(',');
            if let Some((k, v)) = line.split_once(": #") {
                let k = k.trim().trim_start_matches(|c: char| !c.is_ascii_alphabetic());
                map.insert(k.to_string(), format!("#{}", &v[..6]));
            }
        }
        out.push((name, map));
    }
    assert_eq!(out.len(), 2, "two palettes");
    out
}

/// Text colour on background, as the screens pair them.
const TEXT: &[(&str, &str)] = &[
    ("text", "background"),
    ("text", "surface"),
    ("text", "surface-alt"),
    ("text-muted", "background"),
    ("text-muted", "surface"),
    ("text-muted", "surface-alt"),
    ("primary", "surface"),
    ("primary", "background"),
    ("primary", "surface-alt"),
    ("on-primary", "primary"),
    ("on-primary", "primary-pressed"),
    ("on-primary", "text-muted"),
    ("on-accent", "accent"),
    ("accent", "surface"),
    ("on-status", "success"),
    ("on-status", "warning"),
    ("on-status", "danger"),
    ("success", "surface"),
    ("danger", "surface"),
    ("danger", "surface-alt"),
];

/// Boundaries and graphics against what they sit on.
const BOUNDARY: &[(&str, &str)] = &[
    ("border", "surface"),
    ("border", "background"),
    ("border", "surface-alt"),
    ("primary", "surface"),
    ("warning", "surface"),
    ("danger", "surface"),
    ("success", "surface"),
    ("on-primary", "tile-dossier"),
    ("on-primary", "tile-rating"),
    ("tile-dossier", "surface"),
    ("tile-rating", "surface"),
];

#[test]
fn every_theme_pair_meets_wcag() {
    let mut failures = Vec::new();
    for (theme, p) in palettes() {
        for (kind, pairs, min) in [("text", TEXT, 4.5), ("boundary", BOUNDARY, 3.0)] {
            for (fg, bg) in pairs {
                let (f, b) = (&p[*fg], &p[*bg]);
                let c = contrast(f, b);
                println!("CONTRAST {theme} {kind} {fg} {f} on {bg} {b}: {c:.2}:1");
                if c < min {
                    failures.push(format!("{theme}: {kind} {fg} on {bg} is {c:.2}:1 < {min}:1"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn contrast_matches_known_values() {
    assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
    assert!((contrast("#767676", "#ffffff") - 4.54).abs() < 0.01);
}
