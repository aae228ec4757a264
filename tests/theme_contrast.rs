//! WCAG contrast of every colour pair the citizen-facing screens draw,
//! computed from the .slint sources' own palettes:
//! - the kiosk Theme (ui/theme.slint), normal and high-contrast;
//! - the display board (ui/display.slint `Colors`) and the counter screen
//!   (ui/counter.slint `Palette`).
//!
//! Targets (issue 14): text 4.5:1; UI boundaries (card borders, chip
//! outlines, notice edges, icons) 3:1; the board's newest call and the
//! counter screen's number 7:1 (read from 5–8 m). The screens name colours
//! only through these palettes (checked below), so the tables cover what is
//! drawn. `-- --nocapture` prints the tables docs/accessibility.md shows.

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

/// `#rrggbbaa` drawn over opaque `#rrggbb`, as the renderer blends it.
fn over(top: &str, under: &str) -> String {
    let (t, u) = (top.trim_start_matches('#'), under.trim_start_matches('#'));
    let ch = |s: &str, i: usize| u8::from_str_radix(&s[i..i + 2], 16).unwrap() as f64;
    let a = if t.len() == 8 { ch(t, 6) / 255.0 } else { 1.0 };
    let mix = |i: usize| (ch(t, i) * a + ch(u, i) * (1.0 - a)).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(0), mix(2), mix(4))
}

fn ui(rel: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui").join(rel)).unwrap()
}

/// `name: #hex` lines of a block (`#rrggbb` or `#rrggbbaa`).
fn colours_in(block: &str) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for line in block.lines() {
        let line = line.trim().trim_end_matches([',', ';']);
        if let Some((k, v)) = line.split_once(": #") {
            let k = k.trim().rsplit(' ').next().unwrap();
            let hex: String = v.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
            map.insert(k.to_string(), format!("#{hex}"));
        }
    }
    map
}

/// The two palettes of theme.slint (high contrast first, then normal), name → `#rrggbb`.
fn kiosk_palettes() -> Vec<(&'static str, HashMap<String, String>)> {
    let src = ui("theme.slint");
    let start = src.find("out property <Palette> palette").expect("palette in theme.slint");
    let body = &src[start..];
    let end = body.find("};").expect("end of the palette");
    let out: Vec<_> = ["high-contrast", "normal"]
        .into_iter()
        .zip(body[..end].split("} : {"))
        .map(|(name, block)| (name, colours_in(block)))
        .collect();
    assert_eq!(out.len(), 2, "two palettes");
    out
}

/// The `global NAME { … }` palette of a window file.
fn global_palette(file: &str, global: &str) -> HashMap<String, String> {
    let src = ui(file);
    let start = src.find(&format!("global {global} {{")).unwrap_or_else(|| panic!("{global} in {file}"));
    let end = start + src[start..].find("\n}").unwrap();
    colours_in(&src[start..end])
}

/// What a pair is held to.
#[derive(Clone, Copy)]
enum Target {
    Text,
    Boundary,
    Call,
}

impl Target {
    fn min(self) -> f64 {
        match self {
            Target::Text => 4.5,
            Target::Boundary => 3.0,
            Target::Call => 7.0,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Target::Text => "text",
            Target::Boundary => "boundary",
            Target::Call => "newest call",
        }
    }
}

use Target::{Boundary, Call, Text};

/// (foreground, background, target, where the screens draw it). A background
/// `a/b` is colour `a` (with alpha) over `b`.
type Pair = (&'static str, &'static str, Target, &'static str);

const KIOSK: &[Pair] = &[
    ("text", "background", Text, "page text"),
    ("text", "surface", Text, "card text"),
    ("text", "surface-alt", Text, "text on shaded rows, pressed tiles"),
    ("text-muted", "background", Text, "hints on the page"),
    ("text-muted", "surface", Text, "subtitles, status line, captions"),
    ("text-muted", "surface-alt", Text, "disabled button labels"),
    ("primary", "surface", Text, "secondary buttons, links, headings in cards"),
    ("primary", "background", Text, "headings on the page"),
    ("primary", "surface-alt", Text, "quiet buttons"),
    ("on-primary", "primary", Text, "primary buttons, top bar, required tags, light buttons pressed"),
    ("primary", "on-primary", Text, "the chosen language / text size on the top bar"),
    ("on-primary", "primary-pressed", Text, "a primary button pressed"),
    ("on-primary", "text-muted", Text, "tags on muted fills"),
    ("on-accent", "accent", Text, "accent buttons"),
    ("on-accent", "accent-pressed", Text, "an accent button pressed"),
    ("accent", "surface", Text, "priority line, idle countdown, conditional tags"),
    ("on-status", "success", Text, "status bars, selected rating face"),
    ("on-status", "warning", Text, "\"must act\" dossier bar"),
    ("on-status", "danger", Text, "overdue bar"),
    ("on-status", "primary", Text, "selected \"Hài lòng\" face"),
    ("success", "surface", Text, "citizen note on the ticket"),
    ("danger", "surface", Text, "service closed, overdue note"),
    ("danger", "surface-alt", Text, "errors on shaded rows"),
    ("border", "surface", Boundary, "card, tile, chip outlines"),
    ("border", "background", Boundary, "card outlines on the page"),
    ("border", "surface-alt", Boundary, "keyboard keys, shaded cards"),
    ("primary", "surface", Boundary, "button outlines, focus, info notices"),
    ("primary", "surface-alt", Boundary, "special keyboard keys"),
    ("on-primary", "primary", Boundary, "language and text size buttons on the top bar"),
    ("text-muted", "surface", Boundary, "\"show only\" document tag edge"),
    ("accent", "surface", Boundary, "conditional tags, idle banner edge, ticket tile badge"),
    ("warning", "surface", Boundary, "offline notice edge, warning icons"),
    ("danger", "surface", Boundary, "problem notice edge"),
    ("success", "surface", Boundary, "identified badge, rating face"),
    ("success", "background", Boundary, "status dot: issuing"),
    ("warning", "background", Boundary, "status dot: offline"),
    ("danger", "background", Boundary, "status dot: not issuing"),
    ("on-primary", "tile-dossier", Boundary, "dossier tile icon"),
    ("on-primary", "tile-rating", Boundary, "rating tile icon"),
    ("on-primary", "accent", Boundary, "\"Lấy số thứ tự\" tile icon"),
    ("tile-dossier", "surface", Boundary, "dossier tile badge"),
    ("tile-rating", "surface", Boundary, "rating tile badge"),
];

const BOARD: &[Pair] = &[
    ("text", "call", Call, "newest call banner \"F-034 → Quầy 9\""),
    ("on-flash", "flash", Call, "newest call banner, flashing"),
    ("call", "card", Call, "newest call's number on its tile"),
    ("text", "panel", Text, "header, recent calls, waiting counts, notice"),
    ("text", "row-highlight/panel", Text, "newest row of recent calls"),
    ("muted", "panel", Text, "headings, times, date, \"Quầy\" on the badge"),
    ("muted", "background", Text, "\"Các quầy · Counters\" on the hall"),
    ("letter", "panel", Text, "waiting list letters"),
    ("letter", "background", Text, "page indicator \"Trang 1/2 · Page 1/2\" on the hall"),
    ("text-dark", "card", Text, "tile number (called, serving), service"),
    ("text-dark-muted", "card", Text, "last number of an idle counter"),
    ("paused-text", "paused-bg", Text, "\"Tạm dừng\" tile"),
    ("closed-text", "closed-bg", Text, "\"Đóng cửa\" tile"),
    ("text", "badge-dark", Text, "counter number on a paused/closed tile"),
    ("muted", "badge-dark", Text, "\"Quầy\" on a paused/closed tile"),
    ("on-warning", "warning", Text, "offline mark"),
    ("call", "card", Boundary, "newest tile's border (inside)"),
    ("card", "background", Boundary, "tile edge on the hall"),
    ("paused-border", "paused-bg", Boundary, "paused tile border (inside)"),
    ("paused-border", "background", Boundary, "paused tile border (outside)"),
    ("closed-border", "closed-bg", Boundary, "closed tile border (inside)"),
    ("closed-border", "background", Boundary, "closed tile border (outside)"),
];

const COUNTER: &[Pair] = &[
    ("yellow", "navy", Call, "the number called / served"),
    ("ink", "yellow", Call, "the number and label, flashing"),
    ("white", "navy", Text, "service, idle, \"connecting\", question"),
    ("muted", "navy", Text, "\"Mời số\" label, hints"),
    ("white", "band", Text, "\"Quầy 3\" band"),
    ("muted", "band", Text, "clock"),
    ("white", "band-closed", Text, "band of a closed counter"),
    ("paused-text", "paused-bg", Text, "paused"),
    ("closed-text", "closed-bg", Text, "closed"),
    ("white", "good", Text, "\"Rất hài lòng\" button"),
    ("white", "fair", Text, "\"Hài lòng\" button"),
    ("white", "poor", Text, "\"Không hài lòng\" button"),
    ("on-offline", "offline", Text, "offline strip"),
    ("rate-edge", "navy", Boundary, "rating buttons' outline (their fills are ~2:1 on navy)"),
];

/// One measured pair: (foreground hex, background hex, ratio).
type Measured = (String, String, f64);

/// Measures `pairs` in palette `p`; adds what falls short of its target to `failures`.
fn measure(
    theme: &str,
    p: &HashMap<String, String>,
    pairs: &[Pair],
    failures: &mut Vec<String>,
) -> Vec<Measured> {
    let get = |name: &str| -> String {
        match name.split_once('/') {
            Some((top, under)) => over(&p[top], &p[under]),
            None => p.get(name).unwrap_or_else(|| panic!("{theme}: no colour {name}")).clone(),
        }
    };
    pairs
        .iter()
        .map(|&(fg, bg, target, place)| {
            let (f, b) = (get(fg), get(bg));
            let c = contrast(&f, &b);
            if c < target.min() {
                failures.push(format!("{theme}: {place}: {fg} on {bg} is {c:.2}:1 < {}:1", target.min()));
            }
            (f, b, c)
        })
        .collect()
}

fn cell((f, b, c): &Measured, target: Target) -> String {
    let mark = if *c < target.min() { " **below**" } else { "" };
    format!("{c:.1}:1{mark} (`{f}` on `{b}`)")
}

/// Prints (markdown) one table: a row per pair, a ratio column per palette.
fn table(title: &str, columns: &[&str], pairs: &[Pair], measured: &[Vec<Measured>]) {
    println!("\n{title}:\n");
    println!("| where | foreground on background | {} | target |", columns.join(" | "));
    println!("|---|---|{}---|", "---|".repeat(columns.len()));
    for (i, &(fg, bg, target, place)) in pairs.iter().enumerate() {
        let cells: Vec<String> = measured.iter().map(|m| cell(&m[i], target)).collect();
        println!("| {place} | {fg} on {bg} | {} | {} {}:1 |", cells.join(" | "), target.name(), target.min());
    }
}

#[test]
fn every_kiosk_theme_pair_meets_wcag() {
    // Must hold: every pair in both kiosk palettes meets its target.
    let mut failures = Vec::new();
    let palettes = kiosk_palettes();
    let mut measured = Vec::new();
    let mut names = Vec::new();
    // Normal first in the table.
    for (theme, p) in palettes.iter().rev() {
        measured.push(measure(&format!("kiosk {theme}"), p, KIOSK, &mut failures));
        names.push(*theme);
    }
    table("Kiosk (ui/theme.slint)", &names, KIOSK, &measured);
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_board_and_counter_pair_meets_wcag() {
    // Must hold: the board's and counter screen's pairs meet their targets,
    // the newest call 7:1.
    let mut failures = Vec::new();
    let board = measure("display board", &global_palette("display.slint", "Colors"), BOARD, &mut failures);
    table("Display board (ui/display.slint)", &["ratio"], BOARD, &[board]);
    let counter =
        measure("counter screen", &global_palette("counter.slint", "Palette"), COUNTER, &mut failures);
    table("Counter screen (ui/counter.slint)", &["ratio"], COUNTER, &[counter]);
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn screens_name_colours_only_through_their_palettes() {
    // Must hold: no literal colour outside the palettes these tables read,
    // so a colour cannot reach the screen without being measured here.
    // Every .slint file under ui/ is read (windows, globals, the board's
    // setup, pages, widgets); theme.slint may write colours in its palette only.
    let mut files = Vec::new();
    for d in ["", "pages", "widgets"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui").join(d);
        for e in std::fs::read_dir(dir).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().to_string();
            if name.ends_with(".slint") {
                files.push(if d.is_empty() { name } else { format!("{d}/{name}") });
            }
        }
    }
    files.sort();
    for f in ["display-setup.slint", "display.slint", "counter.slint", "kiosk.slint", "theme.slint"] {
        assert!(files.iter().any(|x| x == f), "{f} is checked");
    }
    let mut found = Vec::new();
    for f in &files {
        let src = ui(f);
        // theme.slint's two palettes: `name: #hex,` lines of the `palette` property.
        let palette = (f == "theme.slint").then(|| {
            let start = src.find("out property <Palette> palette").expect("palette in theme.slint");
            let end = start + src[start..].find("};").expect("end of the palette");
            (src[..start].matches('\n').count(), src[..end].matches('\n').count())
        });
        for (n, line) in src.lines().enumerate() {
            let t = line.trim();
            let in_palette = t.starts_with("out property <color>")
                || palette.is_some_and(|(from, to)| (from..=to).contains(&n));
            if !in_palette && literal_colour(t) {
                found.push(format!("{f}:{}: {t}", n + 1));
            }
        }
    }
    assert!(found.is_empty(), "colours outside the measured palettes: {found:#?}");
}

/// `top` at `alpha` over opaque `under` (both `#rrggbb`).
fn fade(top: &str, alpha: f64, under: &str) -> String {
    over(&format!("{top}{:02x}", (alpha * 255.0).round() as u8), under)
}

#[test]
fn counter_rating_buttons_pressed_keep_their_contrast() {
    // Must hold: pressed, a rating button of the counter screen is drawn at
    // 0.8 opacity over the navy screen (ui/counter.slint RateButton), and its
    // label still reads at 4.5:1 on the faded fill, its outline at 3:1 on
    // navy. Computed both ways a renderer may apply an opacity: the whole
    // button as one layer (the label over navy), or each part faded in turn
    // (the label over the faded fill) — the worse counts.
    let src = ui("counter.slint");
    let button = &src[src.find("component RateButton").unwrap()..];
    let button = &button[..button.find("\n}").unwrap()];
    assert!(button.contains("opacity: touch.pressed ? 0.8 : 1.0;"), "the pressed opacity is 0.8");
    let a = 0.8;
    let p = global_palette("counter.slint", "Palette");
    let navy = &p["navy"];
    let mut failures = Vec::new();
    println!("\nCounter screen, rating buttons pressed (0.8 opacity over navy):\n");
    println!("| button | label on fill, pressed | outline on navy, pressed |");
    println!("|---|---|---|");
    for (fill, place) in
        [("good", "\"Rất hài lòng\""), ("fair", "\"Hài lòng\""), ("poor", "\"Không hài lòng\"")]
    {
        let f = fade(&p[fill], a, navy);
        let layer = fade(&p["white"], a, navy);
        let parts = fade(&p["white"], a, &f);
        let text = contrast(&layer, &f).min(contrast(&parts, &f));
        let edge = fade(&p["rate-edge"], a, navy);
        let boundary = contrast(&edge, navy);
        println!(
            "| {place} | {text:.1}:1 (`{layer}`/`{parts}` on `{f}`) | {boundary:.1}:1 (`{edge}` on `{navy}`) |"
        );
        if text < Text.min() {
            failures.push(format!("{place} pressed: label {text:.2}:1"));
        }
        if boundary < Boundary.min() {
            failures.push(format!("{place} pressed: outline {boundary:.2}:1"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A `#rgb…` colour literal, or a colour computed from a palette colour
/// (`.darker(…)` and the like), outside a comment.
fn literal_colour(line: &str) -> bool {
    let code = line.split("//").next().unwrap();
    let derived = [".darker(", ".brighter(", ".transparentize(", ".mix(", ".with-alpha("];
    if derived.iter().any(|d| code.contains(d)) {
        return true;
    }
    code.match_indices('#').any(|(i, _)| {
        let hex = code[i + 1..].chars().take_while(|c| c.is_ascii_hexdigit()).count();
        matches!(hex, 3 | 4 | 6 | 8) && !code[..i].ends_with('"') && !code[..i].trim_end().ends_with("text:")
    })
}

#[test]
fn contrast_matches_known_values() {
    assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
    assert!((contrast("#767676", "#ffffff") - 4.54).abs() < 0.01);
    assert_eq!(over("#ffffff80", "#000000"), "#808080");
    assert_eq!(over("#123456", "#ffffff"), "#123456");
    // The literal finder sees a colour in code, not in a comment or a string.
    assert!(literal_colour("border-color: #5b6573;"));
    assert!(!literal_colour("// was #5b6573"));
    assert!(!literal_colour("text: \"#12\";"));
    assert!(literal_colour("background: touch.pressed ? base.darker(25%) : base;"));
}
