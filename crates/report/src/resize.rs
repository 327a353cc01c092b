//! Resizing a stretched crop to the size it is printed at: small crops are enlarged so that
//! buildings of a few dozen pixels are visible on the page.

use crate::canvas::Canvas;

/// `picture` resized to `width` x `height` by bilinear interpolation between pixel centres
/// (edges clamp), so an enlarged crop shows smooth edges rather than blocks.
pub(crate) fn resize_bilinear(picture: &Canvas, width: usize, height: usize) -> Canvas {
    let mut out = Canvas::new(width, height, [0, 0, 0]);
    let sx = picture.width as f64 / width as f64;
    let sy = picture.height as f64 / height as f64;
    let at = |col: usize, row: usize| picture.pixels[row * picture.width + col];
    for row in 0..height {
        let y = ((row as f64 + 0.5) * sy - 0.5).clamp(0.0, (picture.height - 1) as f64);
        let (r0, fy) = (y.floor() as usize, y.fract());
        let r1 = (r0 + 1).min(picture.height - 1);
        for col in 0..width {
            let x = ((col as f64 + 0.5) * sx - 0.5).clamp(0.0, (picture.width - 1) as f64);
            let (c0, fx) = (x.floor() as usize, x.fract());
            let c1 = (c0 + 1).min(picture.width - 1);
            let pixel = &mut out.pixels[row * width + col];
            for (ch, value) in pixel.iter_mut().enumerate() {
                let top = at(c0, r0)[ch] as f64 * (1.0 - fx) + at(c1, r0)[ch] as f64 * fx;
                let bottom = at(c0, r1)[ch] as f64 * (1.0 - fx) + at(c1, r1)[ch] as f64 * fx;
                *value = (top * (1.0 - fy) + bottom * fy).round() as u8;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enlarging_keeps_the_ends_and_interpolates_between() {
        let mut picture = Canvas::new(2, 1, [0, 0, 0]);
        picture.pixels[1] = [200, 100, 0];
        let big = resize_bilinear(&picture, 8, 2);
        assert_eq!(big.pixels[0], [0, 0, 0]);
        assert_eq!(big.pixels[7], [200, 100, 0]);
        assert_eq!(big.pixels[8 + 7], [200, 100, 0]);
        let reds: Vec<u8> = big.pixels[..8].iter().map(|p| p[0]).collect();
        assert!(reds.windows(2).all(|w| w[0] <= w[1]), "{reds:?}");
        assert!(reds[3] > 0 && reds[4] < 200, "{reds:?}");
    }
}
