//! An 8-bit RGB picture to draw figures on, and its PNG file.

use std::path::Path;

use crate::error::ReportError;

/// A colour as 8-bit red, green, blue.
pub(crate) type Rgb = [u8; 3];

/// White.
pub(crate) const WHITE: Rgb = [255, 255, 255];
/// Black.
pub(crate) const BLACK: Rgb = [0, 0, 0];

/// An RGB picture, rows top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Canvas {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<Rgb>,
}

/// How a line is drawn: its width in pixels and, when dashed, its dash and gap lengths.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stroke {
    pub color: Rgb,
    pub width: f64,
    pub dash: Option<(f64, f64)>,
}

impl Canvas {
    /// A picture of `width` x `height` pixels, all `background`.
    pub fn new(width: usize, height: usize, background: Rgb) -> Canvas {
        Canvas {
            width,
            height,
            pixels: vec![background; width * height],
        }
    }

    /// Sets pixel `(x, y)` to `color`; points off the picture are ignored.
    pub fn put(&mut self, x: i64, y: i64, color: Rgb) {
        if x >= 0 && y >= 0 && (x as usize) < self.width && (y as usize) < self.height {
            self.pixels[y as usize * self.width + x as usize] = color;
        }
    }

    /// Mixes `color` into pixel `(x, y)` with opacity `alpha` (0-1).
    pub fn blend(&mut self, x: i64, y: i64, color: Rgb, alpha: f64) {
        if x >= 0 && y >= 0 && (x as usize) < self.width && (y as usize) < self.height {
            let p = &mut self.pixels[y as usize * self.width + x as usize];
            for (c, new) in p.iter_mut().zip(color) {
                *c = (*c as f64 * (1.0 - alpha) + new as f64 * alpha).round() as u8;
            }
        }
    }

    /// Fills the rectangle of `w` x `h` pixels from `(x, y)`, mixing `color` in with opacity
    /// `alpha` (1 paints over).
    pub fn fill_rect(&mut self, x: i64, y: i64, w: usize, h: usize, color: Rgb, alpha: f64) {
        for row in y..y + h as i64 {
            for col in x..x + w as i64 {
                self.blend(col, row, color, alpha);
            }
        }
    }

    /// Copies `other` onto this picture with its top-left corner at `(x, y)`.
    pub fn paste(&mut self, other: &Canvas, x: i64, y: i64) {
        for row in 0..other.height {
            for col in 0..other.width {
                self.put(
                    x + col as i64,
                    y + row as i64,
                    other.pixels[row * other.width + col],
                );
            }
        }
    }

    /// Paints a filled disc of diameter `width` centred on `(x, y)`.
    fn dot(&mut self, x: f64, y: f64, width: f64, color: Rgb) {
        let r = width / 2.0;
        for row in (y - r).floor() as i64..=(y + r).ceil() as i64 {
            for col in (x - r).floor() as i64..=(x + r).ceil() as i64 {
                let (dx, dy) = (col as f64 + 0.5 - x, row as f64 + 0.5 - y);
                if dx * dx + dy * dy <= r * r {
                    self.put(col, row, color);
                }
            }
        }
    }

    /// Draws the open polyline through `points` (pixel coordinates) with `stroke`; a dashed
    /// stroke keeps its rhythm across vertices.
    pub fn polyline(&mut self, points: &[(f64, f64)], stroke: &Stroke) {
        let mut along = 0.0;
        for pair in points.windows(2) {
            let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
            let length = (x1 - x0).hypot(y1 - y0);
            // Stamps every quarter pixel: dense enough that a line shows no gaps.
            let steps = (length * 4.0).ceil().max(1.0) as usize;
            for i in 0..=steps {
                let t = i as f64 / steps as f64;
                let on = match stroke.dash {
                    Some((dash, gap)) => (along + t * length) % (dash + gap) < dash,
                    None => true,
                };
                if on {
                    self.dot(
                        x0 + t * (x1 - x0),
                        y0 + t * (y1 - y0),
                        stroke.width,
                        stroke.color,
                    );
                }
            }
            along += length;
        }
    }

    /// Fills the polygon `points` (pixel coordinates) by the even-odd rule.
    pub fn fill_polygon(&mut self, points: &[(f64, f64)], color: Rgb) {
        let (top, bottom) = points
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |a, p| {
                (a.0.min(p.1), a.1.max(p.1))
            });
        for row in top.floor() as i64..=bottom.ceil() as i64 {
            let y = row as f64 + 0.5;
            let mut crossings: Vec<f64> = Vec::new();
            for i in 0..points.len() {
                let (a, b) = (points[i], points[(i + 1) % points.len()]);
                if (a.1 <= y) != (b.1 <= y) {
                    crossings.push(a.0 + (y - a.1) / (b.1 - a.1) * (b.0 - a.0));
                }
            }
            crossings.sort_by(f64::total_cmp);
            for span in crossings.chunks_exact(2) {
                for col in (span[0] - 0.5).ceil() as i64..=(span[1] - 0.5).floor() as i64 {
                    self.put(col, row, color);
                }
            }
        }
    }

    /// Writes the picture as an 8-bit RGB PNG file.
    pub fn write_png(&self, path: &Path) -> Result<(), ReportError> {
        let png_error = |source| ReportError::Png {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::create(path).map_err(ReportError::io(path))?;
        let mut encoder = png::Encoder::new(
            std::io::BufWriter::new(file),
            self.width as u32,
            self.height as u32,
        );
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(png_error)?;
        writer
            .write_image_data(self.pixels.as_flattened())
            .map_err(png_error)?;
        writer.finish().map_err(png_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(canvas: &Canvas, color: Rgb) -> usize {
        canvas.pixels.iter().filter(|p| **p == color).count()
    }

    #[test]
    fn a_filled_square_covers_its_area() {
        let mut canvas = Canvas::new(20, 20, BLACK);
        canvas.fill_polygon(&[(2.0, 2.0), (12.0, 2.0), (12.0, 12.0), (2.0, 12.0)], WHITE);
        assert_eq!(count(&canvas, WHITE), 100);
    }

    #[test]
    fn a_dashed_line_paints_about_its_dash_share() {
        let solid = Stroke {
            color: WHITE,
            width: 1.0,
            dash: None,
        };
        let dashed = Stroke {
            dash: Some((6.0, 6.0)),
            ..solid
        };
        let line = [(0.0, 5.5), (96.0, 5.5)];
        let mut a = Canvas::new(100, 10, BLACK);
        a.polyline(&line, &solid);
        let mut b = Canvas::new(100, 10, BLACK);
        b.polyline(&line, &dashed);
        let share = count(&b, WHITE) as f64 / count(&a, WHITE) as f64;
        assert!((share - 0.5).abs() < 0.1, "dashed/solid = {share}");
    }

    #[test]
    fn a_png_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.png");
        let mut canvas = Canvas::new(3, 2, BLACK);
        canvas.put(2, 1, [10, 20, 30]);
        canvas.write_png(&path).unwrap();
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (3, 2));
        assert_eq!(&buf[15..18], &[10, 20, 30]);
    }
}
