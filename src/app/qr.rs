//! QR codes as Slint images (ticket tracking URL, procedure portal link).

use qrcode::{Color, EcLevel, QrCode};
use slint::{Image, Rgb8Pixel, SharedPixelBuffer};

/// Renders `payload` as a QR image with `scale` pixels per module and the
/// standard 4-module quiet zone. An empty or oversized payload gives an empty image.
pub fn qr_image(payload: &str, scale: u32) -> Image {
    let Ok(code) = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M) else {
        return Image::default();
    };
    let modules = code.width() as u32;
    let quiet = 4;
    let side = (modules + 2 * quiet) * scale;
    let colors = code.to_colors();
    let mut buf = SharedPixelBuffer::<Rgb8Pixel>::new(side, side);
    let white = Rgb8Pixel { r: 255, g: 255, b: 255 };
    let black = Rgb8Pixel { r: 0, g: 0, b: 0 };
    let pixels = buf.make_mut_slice();
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = ((x / scale) as i64 - quiet as i64, (y / scale) as i64 - quiet as i64);
            let dark = mx >= 0
                && my >= 0
                && (mx as u32) < modules
                && (my as u32) < modules
                && colors[(my as u32 * modules + mx as u32) as usize] == Color::Dark;
            pixels[(y * side + x) as usize] = if dark { black } else { white };
        }
    }
    Image::from_rgb8(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_has_quiet_zone_and_dark_modules() {
        let img = qr_image("http://127.0.0.1:8700/t/ABCDEFGHJK", 4);
        let size = img.size();
        assert!(size.width >= 29 * 4 && size.width == size.height, "{size:?}");
    }
}
