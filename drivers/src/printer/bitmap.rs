//! A 1-bit canvas laid out exactly as ESC/POS raster data wants it: rows of
//! `stride = ceil(width / 8)` bytes, leftmost dot in the most significant bit,
//! 1 = black. Padding bits at the end of a row stay 0 (white).

use image::{DynamicImage, GrayImage, ImageFormat, Luma};

#[derive(Clone, PartialEq, Eq)]
pub struct Bitmap {
    width: u32,
    height: u32,
    stride: usize,
    data: Vec<u8>,
}

impl std::fmt::Debug for Bitmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bitmap({}x{}, {} black dots)", self.width, self.height, self.ink())
    }
}

/// How grey levels become black or white.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Halftone {
    /// Darker than the level (0-255) is black: crisp logos and line art.
    Threshold(u8),
    /// Floyd–Steinberg error diffusion: photos and gradients.
    Dither,
}

impl Bitmap {
    /// A white canvas.
    pub fn new(width: u32, height: u32) -> Self {
        let stride = width.div_ceil(8) as usize;
        Self { width, height, stride, data: vec![0; stride * height as usize] }
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// Bytes per row.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// All rows, packed.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    pub fn row(&self, y: u32) -> &[u8] {
        let start = y as usize * self.stride;
        &self.data[start..start + self.stride]
    }

    /// Rows `y0..y1`, packed (for raster bands).
    pub fn rows(&self, y0: u32, y1: u32) -> &[u8] {
        &self.data[y0 as usize * self.stride..y1 as usize * self.stride]
    }

    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        self.data[y as usize * self.stride + (x / 8) as usize] & (0x80 >> (x % 8)) != 0
    }

    /// Sets a dot; dots outside the canvas are ignored (clipping).
    pub fn set(&mut self, x: i64, y: i64, black: bool) {
        if x < 0 || y < 0 || x >= self.width as i64 || y >= self.height as i64 {
            return;
        }
        let i = y as usize * self.stride + (x / 8) as usize;
        let mask = 0x80u8 >> (x % 8);
        if black {
            self.data[i] |= mask;
        } else {
            self.data[i] &= !mask;
        }
    }

    /// Fills a rectangle (clipped to the canvas).
    pub fn fill_rect(&mut self, x: i64, y: i64, w: u32, h: u32, black: bool) {
        let x0 = x.max(0);
        let y0 = y.max(0);
        let x1 = (x + w as i64).min(self.width as i64);
        let y1 = (y + h as i64).min(self.height as i64);
        for yy in y0..y1 {
            for xx in x0..x1 {
                self.set(xx, yy, black);
            }
        }
    }

    /// Draws the black dots of `src` with its top-left corner at (`x`, `y`).
    pub fn blit(&mut self, src: &Bitmap, x: i64, y: i64) {
        for sy in 0..src.height {
            for sx in 0..src.width {
                if src.get(sx, sy) {
                    self.set(x + sx as i64, y + sy as i64, true);
                }
            }
        }
    }

    /// Appends `n` white rows at the bottom.
    pub fn grow(&mut self, n: u32) {
        self.height += n;
        self.data.resize(self.stride * self.height as usize, 0);
    }

    /// Keeps only the first `height` rows (no-op if the canvas is not taller).
    pub fn truncate(&mut self, height: u32) {
        if height < self.height {
            self.height = height;
            self.data.truncate(self.stride * height as usize);
        }
    }

    /// Number of black dots.
    pub fn ink(&self) -> usize {
        self.data.iter().map(|b| b.count_ones() as usize).sum()
    }

    /// Number of black dots in a rectangle (clipped).
    pub fn ink_in(&self, x: u32, y: u32, w: u32, h: u32) -> usize {
        let mut n = 0;
        for yy in y..(y + h).min(self.height) {
            for xx in x..(x + w).min(self.width) {
                n += self.get(xx, yy) as usize;
            }
        }
        n
    }

    /// Converts an image: transparent parts become white (not black, as a naive
    /// conversion would print them), then grey is halftoned.
    pub fn from_image(img: &DynamicImage, halftone: Halftone) -> Self {
        let rgba = img.to_rgba8();
        let (w, h) = rgba.dimensions();
        // Luma of the colour composited over white, as f32 for error diffusion.
        let mut lum: Vec<f32> = rgba
            .pixels()
            .map(|p| {
                let [r, g, b, a] = p.0;
                let y = 0.299 * r as f32 + 0.587 * g as f32 + 0.114 * b as f32;
                let a = a as f32 / 255.0;
                y * a + 255.0 * (1.0 - a)
            })
            .collect();
        let mut out = Bitmap::new(w, h);
        let (wu, hu) = (w as usize, h as usize);
        for y in 0..hu {
            for x in 0..wu {
                let i = y * wu + x;
                let old = lum[i];
                match halftone {
                    Halftone::Threshold(t) => {
                        if old < t as f32 {
                            out.set(x as i64, y as i64, true);
                        }
                    }
                    Halftone::Dither => {
                        let black = old < 128.0;
                        out.set(x as i64, y as i64, black);
                        let err = old - if black { 0.0 } else { 255.0 };
                        if x + 1 < wu {
                            lum[i + 1] += err * 7.0 / 16.0;
                        }
                        if y + 1 < hu {
                            if x > 0 {
                                lum[i + wu - 1] += err * 3.0 / 16.0;
                            }
                            lum[i + wu] += err * 5.0 / 16.0;
                            if x + 1 < wu {
                                lum[i + wu + 1] += err / 16.0;
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// Black on white greyscale image (0 = black dot).
    pub fn to_gray_image(&self) -> GrayImage {
        GrayImage::from_fn(self.width, self.height, |x, y| Luma([if self.get(x, y) { 0 } else { 255 }]))
    }

    /// PNG of the raster as it will print.
    pub fn to_png(&self) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        self.to_gray_image()
            .write_to(&mut out, ImageFormat::Png)
            .expect("encoding a greyscale PNG into memory cannot fail");
        out.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgba, RgbaImage};

    #[test]
    fn leftmost_dot_is_the_most_significant_bit() {
        // Must hold: dot 0 is 0x80 of byte 0, dot 9 is 0x40 of byte 1, padding stays white.
        let mut b = Bitmap::new(10, 2);
        assert_eq!(b.stride(), 2);
        b.set(0, 0, true);
        b.set(9, 1, true);
        assert_eq!(b.data(), &[0x80, 0x00, 0x00, 0x40]);
        b.fill_rect(0, 0, 100, 1, true);
        assert_eq!(b.row(0), &[0xFF, 0xC0], "padding bits of a 10-dot row stay 0");
        assert!(b.get(9, 0) && !b.get(10, 0));
    }

    #[test]
    fn transparent_pixels_print_white_and_dark_ones_black() {
        // Must hold: alpha 0 is white whatever its colour; opaque black is black.
        let mut img = RgbaImage::new(2, 1);
        img.put_pixel(0, 0, Rgba([0, 0, 0, 0]));
        img.put_pixel(1, 0, Rgba([0, 0, 0, 255]));
        let b = Bitmap::from_image(&DynamicImage::ImageRgba8(img), Halftone::Threshold(128));
        assert!(!b.get(0, 0));
        assert!(b.get(1, 0));
    }

    #[test]
    fn dithering_mid_grey_gives_about_half_ink() {
        // Must hold: 50% grey dithers to roughly half black dots (not all or nothing).
        let img = GrayImage::from_pixel(64, 64, Luma([128]));
        let b = Bitmap::from_image(&DynamicImage::ImageLuma8(img), Halftone::Dither);
        let ink = b.ink();
        assert!((1700..2400).contains(&ink), "ink {ink} of 4096");
    }

    #[test]
    fn png_round_trips_dots() {
        // Must hold: the PNG shows black exactly where dots are set.
        let mut b = Bitmap::new(9, 3);
        b.set(8, 2, true);
        let png = image::load_from_memory(&b.to_png()).unwrap().to_luma8();
        assert_eq!(png.dimensions(), (9, 3));
        assert_eq!(png.get_pixel(8, 2).0[0], 0);
        assert_eq!(png.get_pixel(0, 0).0[0], 255);
    }

    #[test]
    fn grow_and_blit_keep_content() {
        // Must hold: growing appends white rows; blit copies black dots with clipping.
        let mut b = Bitmap::new(8, 1);
        b.set(3, 0, true);
        b.grow(2);
        assert_eq!(b.height(), 3);
        assert!(b.get(3, 0));
        let mut dot = Bitmap::new(2, 2);
        dot.fill_rect(0, 0, 2, 2, true);
        b.blit(&dot, 7, 2); // partly outside
        assert_eq!(b.ink(), 2);
        assert!(b.get(7, 2));
    }
}
