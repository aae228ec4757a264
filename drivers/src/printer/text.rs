//! Text on a 1-bit canvas with the bundled Noto Sans (full Vietnamese coverage),
//! so tickets print the same on any printer whatever its code pages.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, GlyphId, PxScale, ScaleFont};
use unicode_normalization::UnicodeNormalization;

use super::bitmap::Bitmap;

static REGULAR_TTF: &[u8] = include_bytes!("../../../ui/fonts/NotoSans-Regular.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../../ui/fonts/NotoSans-Bold.ttf");

/// Coverage from which an anti-aliased glyph pixel prints black. A little under half
/// keeps thin strokes of small text visible on thermal paper.
const INK_COVERAGE: f32 = 0.45;

pub struct Fonts {
    pub regular: FontRef<'static>,
    pub bold: FontRef<'static>,
}

/// The bundled fonts, parsed once.
pub fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts {
        regular: FontRef::try_from_slice(REGULAR_TTF).expect("bundled NotoSans-Regular.ttf is a valid font"),
        bold: FontRef::try_from_slice(BOLD_TTF).expect("bundled NotoSans-Bold.ttf is a valid font"),
    })
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub bold: bool,
    pub px: f32,
}

impl Style {
    pub fn regular(px: f32) -> Self {
        Self { bold: false, px }
    }

    pub fn bold(px: f32) -> Self {
        Self { bold: true, px }
    }

    fn font(&self) -> &'static FontRef<'static> {
        let f = fonts();
        if self.bold {
            &f.bold
        } else {
            &f.regular
        }
    }

    fn scaled(&self) -> ab_glyph::PxScaleFont<&'static FontRef<'static>> {
        self.font().as_scaled(PxScale::from(self.px))
    }

    /// Baseline offset from the top of a line box.
    pub fn ascent(&self) -> f32 {
        self.scaled().ascent()
    }

    /// Distance between baselines of consecutive lines.
    pub fn line_height(&self) -> f32 {
        let s = self.scaled();
        s.ascent() - s.descent() + s.line_gap()
    }

    /// Advance width of `text` (NFC), kerning included.
    pub fn width(&self, text: &str) -> f32 {
        let s = self.scaled();
        let mut w = 0.0;
        let mut prev: Option<GlyphId> = None;
        for c in text.nfc() {
            let id = s.glyph_id(c);
            if let Some(p) = prev {
                w += s.kern(p, id);
            }
            w += s.h_advance(id);
            prev = Some(id);
        }
        w
    }

    /// Splits `text` into lines no wider than `max_width`: at spaces, and inside a
    /// word only when the word alone is too wide. Explicit newlines are kept.
    pub fn wrap(&self, text: &str, max_width: f32) -> Vec<String> {
        let text: String = text.nfc().collect();
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split_whitespace() {
                let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
                if self.width(&candidate) <= max_width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                // The word alone: break it by characters if it still does not fit.
                for c in word.chars() {
                    line.push(c);
                    if self.width(&line) > max_width && line.chars().count() > 1 {
                        line.pop();
                        lines.push(std::mem::take(&mut line));
                        line.push(c);
                    }
                }
            }
            if !line.is_empty() {
                lines.push(line);
            }
        }
        lines
    }

    /// Draws one line with its baseline at `baseline` and its pen starting at `x`.
    pub fn draw(&self, canvas: &mut Bitmap, text: &str, x: f32, baseline: f32) {
        let s = self.scaled();
        let mut caret = x;
        let mut prev: Option<GlyphId> = None;
        for c in text.nfc() {
            let id = s.glyph_id(c);
            if let Some(p) = prev {
                caret += s.kern(p, id);
            }
            let glyph = id.with_scale_and_position(self.px, ab_glyph::point(caret, baseline));
            caret += s.h_advance(id);
            prev = Some(id);
            if let Some(outline) = self.font().outline_glyph(glyph) {
                let b = outline.px_bounds();
                let (ox, oy) = (b.min.x as i64, b.min.y as i64);
                outline.draw(|gx, gy, cov| {
                    if cov >= INK_COVERAGE {
                        canvas.set(ox + gx as i64, oy + gy as i64, true);
                    }
                });
            }
        }
    }

    /// Vertical extent of the ink of `text` relative to the baseline: (top, bottom),
    /// top negative. `None` for text without ink (spaces).
    pub fn ink_extent(&self, text: &str) -> Option<(f32, f32)> {
        let s = self.scaled();
        let mut ext: Option<(f32, f32)> = None;
        for c in text.nfc() {
            let g = s.scaled_glyph(c);
            if let Some(o) = self.font().outline_glyph(g) {
                let b = o.px_bounds();
                ext = Some(match ext {
                    None => (b.min.y, b.max.y),
                    Some((t, bt)) => (t.min(b.min.y), bt.max(b.max.y)),
                });
            }
        }
        ext
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fonts_cover_vietnamese_letters() {
        // Must hold: every Vietnamese letter used in names and labels has a real glyph
        // (not .notdef), so nothing prints as boxes.
        let letters = "ĂÂĐÊÔƠƯăâđêôơư ÀÁẢÃẠẰẮẲẴẶẦẤẨẪẬÈÉẺẼẸỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌỒỐỔỖỘỜỚỞỠỢÙÚỦŨỤỪỨỬỮỰỲÝỶỸỴ\
                       àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ";
        for f in [&fonts().regular, &fonts().bold] {
            for c in letters.chars().filter(|c| !c.is_whitespace()) {
                assert_ne!(f.glyph_id(c).0, 0, "missing glyph for {c}");
            }
        }
    }

    #[test]
    fn wrap_breaks_at_spaces_and_inside_overlong_words() {
        // Must hold: no line is wider than the limit, words are kept whole when they fit,
        // and nothing is lost.
        let st = Style::regular(24.0);
        let text = "Trung tâm Phục vụ hành chính công thành phố Đà Nẵng";
        let max = 200.0;
        let lines = st.wrap(text, max);
        assert!(lines.len() >= 2, "{lines:?}");
        for l in &lines {
            assert!(st.width(l) <= max, "{l} too wide");
        }
        assert_eq!(lines.join(" "), text);
        let long = "A".repeat(60);
        let lines = st.wrap(&long, max);
        assert!(lines.len() > 1 && lines.iter().all(|l| st.width(l) <= max));
        assert_eq!(lines.concat(), long);
    }

    #[test]
    fn nfd_text_measures_like_nfc() {
        // Must hold: decomposed input is composed before shaping (same width, same glyphs).
        let st = Style::bold(30.0);
        assert_eq!(st.width("Nguye\u{302}\u{303}n"), st.width("Nguyễn"));
    }
}
