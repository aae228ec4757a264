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

// ---- The display board with many counters (issue 14, point 12). ----

/// Digits read at 5 m on a 55" 1080p board (docs/accessibility.md: 100 px
/// digits read at 8 m, so ~62 px at 5 m).
const BOARD_DIGITS_PX: f64 = 62.0;

/// Height of Noto Sans Bold's digits per em: its cap height (`OS/2`
/// sCapHeight over `head` unitsPerEm; lining figures are cap-height tall),
/// read from the font the board bundles.
fn digit_height_per_em() -> f64 {
    let f = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/fonts/NotoSans-Bold.ttf")).unwrap();
    let u16_at = |o: usize| u16::from_be_bytes([f[o], f[o + 1]]);
    let u32_at = |o: usize| u32::from_be_bytes([f[o], f[o + 1], f[o + 2], f[o + 3]]) as usize;
    let table = |tag: &[u8]| {
        (0..u16_at(4) as usize)
            .map(|i| 12 + 16 * i)
            .find(|r| &f[*r..*r + 4] == tag)
            .map(|r| u32_at(r + 8))
            .unwrap_or_else(|| panic!("no {} table", String::from_utf8_lossy(tag)))
    };
    let (os2, head) = (table(b"OS/2"), table(b"head"));
    assert!(u16_at(os2) >= 2, "OS/2 version 2+ carries sCapHeight");
    f64::from(u16_at(os2 + 88)) / f64::from(u16_at(head + 18))
}

/// Shows `page` of `state` on a `w` x `h` board at `display.scale`
/// `scale` (always open, connected): the counters on that page.
fn show_page(
    ui: &motcua_kiosk::ui::DisplayWindow,
    state: &motcua_kiosk::domain::board::BoardState,
    page: usize,
    (w, h): (u32, u32),
    scale: f32,
) -> Vec<i32> {
    use motcua_kiosk::app::board::{show, BoardView};
    use slint::{ComponentHandle, Model};
    let hours =
        motcua_kiosk::domain::counter_screen::OpeningHours { always_open: true, ..Default::default() };
    let view = BoardView {
        state,
        names: &motcua_kiosk::domain::board::ServiceNames::new(),
        disconnected_since: None,
        now: chrono::Utc::now(),
        hours: &hours,
        page,
        size: (w as f32, h as f32),
        scale,
    };
    show(ui, &view);
    ui.global::<motcua_kiosk::ui::Board>().get_counters().iter().map(|c| c.number).collect()
}

#[test]
fn a_30_counter_board_is_read_from_5_m_in_both_orientations() {
    // Must hold: with 30 counters, at 1920x1080 and 1080x1920, every tile's
    // counter and ticket numbers have digits >= 62 px (the size the window
    // lays out, times the font's digit height), the tiles page in a stable
    // order with every counter on some page, and the state words of a dense
    // tile are >= 26 px.
    use motcua_kiosk::domain::board::{BoardFilter, BoardState};
    use motcua_kiosk::ui::{Board, DisplayWindow};
    use slint::ComponentHandle;

    i_slint_backend_testing::init_no_event_loop();
    let per_em = digit_height_per_em();
    assert!((0.6..0.8).contains(&per_em), "{per_em}");
    let mut state = BoardState::new(BoardFilter::default(), 8);
    state.set_counters(1..=30);
    for (w, h) in [(1920, 1080), (1080, 1920)] {
        let ui = DisplayWindow::new().unwrap();
        ui.window().set_size(slint::PhysicalSize::new(w, h));
        ui.show().unwrap();
        let mut seen = Vec::new();
        for page in 0..4 {
            let shown = show_page(&ui, &state, page, (w, h), 1.0);
            let b = ui.global::<Board>();
            assert!(b.get_dense(), "{w}x{h}: 30 counters take the dense layout");
            if page < b.get_pages() as usize {
                seen.extend(shown);
            }
        }
        let b = ui.global::<Board>();
        let digits = f64::from(ui.get_dense_type()) * per_em;
        println!(
            "board {w}x{h}, 30 counters: {} tiles a page, {} pages, numbers {:.1} px type = {digits:.1} px digits",
            ui.get_tiles_per_page(),
            b.get_pages(),
            ui.get_dense_type()
        );
        assert!(digits >= BOARD_DIGITS_PX, "{w}x{h}: {digits:.1} px digits < {BOARD_DIGITS_PX}");
        assert_eq!(seen, (1..=30).collect::<Vec<_>>(), "{w}x{h}: every counter once, in order");
        assert!(b.get_pages() <= 2, "{w}x{h}: {} pages (a citizen waits a page turn at most)", b.get_pages());
    }
    // The words of a dense tile ("Quầy", "Sẵn sàng", the service): fixed
    // sizes in the source, none below 26 px ("Tạm dừng", "Đóng cửa": half
    // the numbers' type).
    let src = ui("display.slint");
    let start = src.find("component DenseTile").unwrap();
    let end = src[start..].find("\nexport component").unwrap() + start;
    let scale = type_scale();
    for (i, _) in src[start..end].match_indices("font-size:") {
        let expr = src[start + i + 10..].split(';').next().unwrap().trim();
        if let Some((px, _)) = resolve(expr, &scale, 1.0) {
            assert!(px >= MIN_PX, "DenseTile `{expr}`: {px} px");
        }
    }
}

#[test]
fn a_larger_display_scale_keeps_the_dense_board_to_two_pages() {
    // Must hold: a larger `display.scale` (a board read from further away)
    // never makes a 30-counter board longer than two pages nor its numbers
    // smaller than at 1.0 (the board lowers the scale as far as it must, not
    // below 1.0), every counter appears once, in order, and with fewer
    // counters the scale asked for is honoured (larger numbers). At both
    // orientations; `-- --nocapture` prints the table docs/displays.md shows.
    use motcua_kiosk::app::board::DENSE_MAX_PAGES;
    use motcua_kiosk::domain::board::{BoardFilter, BoardState};
    use motcua_kiosk::ui::{Board, DisplayWindow};
    use slint::ComponentHandle;

    i_slint_backend_testing::init_no_event_loop();
    for (w, h) in [(1920, 1080), (1080, 1920)] {
        for counters in [14u32, 30] {
            let mut state = BoardState::new(BoardFilter::default(), 8);
            state.set_counters(1..=counters);
            let mut at_one = 0.0;
            for wanted in [1.0f32, 1.2, 1.3, 1.5, 2.0] {
                let ui = DisplayWindow::new().unwrap();
                ui.window().set_size(slint::PhysicalSize::new(w, h));
                ui.show().unwrap();
                let mut seen = Vec::new();
                let mut page = 0;
                loop {
                    seen.extend(show_page(&ui, &state, page, (w, h), wanted));
                    let b = ui.global::<Board>();
                    assert_eq!(b.get_page(), page as i32 + 1, "{w}x{h} scale {wanted}: page shown");
                    page += 1;
                    if page >= b.get_pages() as usize {
                        break;
                    }
                }
                let b = ui.global::<Board>();
                let (used, pages, big) = (b.get_scale(), b.get_pages(), ui.get_dense_type());
                println!(
                    "board {w}x{h}, {counters} counters, display.scale {wanted}: drawn at {used:.2}, {} tiles a page, {pages} pages, {big:.1} px type",
                    ui.get_tiles_per_page()
                );
                let tag = format!("{w}x{h}, {counters} counters, scale {wanted}");
                assert_eq!(
                    seen,
                    (1..=counters as i32).collect::<Vec<_>>(),
                    "{tag}: every counter once, in order"
                );
                assert!(pages as usize <= DENSE_MAX_PAGES, "{tag}: {pages} pages");
                assert!((1.0..=wanted).contains(&used), "{tag}: drawn at {used}");
                if wanted == 1.0 {
                    at_one = big;
                }
                assert!(big >= at_one - 0.01, "{tag}: numbers {big:.1} px smaller than at 1.0 ({at_one:.1})");
                if counters == 14 && wanted == 1.5 {
                    assert!(big > at_one * 1.1, "{tag}: the scale asked for is not honoured ({big:.1} px)");
                }
            }
        }
    }
}
