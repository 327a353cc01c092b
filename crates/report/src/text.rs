//! Lettering on figures, from the public-domain 8x8 bitmap font (font8x8), so a figure looks
//! the same on every machine and needs no system font.

use font8x8::{UnicodeFonts, BASIC_FONTS, LATIN_FONTS};

use crate::canvas::{Canvas, Rgb};

/// The side of one glyph cell of the font, in font pixels.
const CELL: usize = 8;

/// The 8x8 bitmap of `c`: ASCII and Latin-1 (°, ², ·) as the font has them, typographic
/// dashes as a hyphen, anything else as a question mark.
fn glyph(c: char) -> [u8; 8] {
    let c = match c {
        '\u{2013}' | '\u{2014}' | '\u{2212}' => '-',
        c => c,
    };
    BASIC_FONTS
        .get(c)
        .or_else(|| LATIN_FONTS.get(c))
        .or_else(|| BASIC_FONTS.get('?'))
        .expect("the basic font has '?'")
}

/// How text is lettered: the font scaled `scale` times, in `color`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Lettering {
    pub scale: usize,
    pub color: Rgb,
}

impl Lettering {
    /// The width in pixels of `text` in this lettering.
    pub fn width(&self, text: &str) -> usize {
        text.chars().count() * CELL * self.scale
    }

    /// The height in pixels of one line.
    pub fn height(&self) -> usize {
        CELL * self.scale
    }

    /// The height in pixels from one line's top to the next's, with a little leading.
    pub fn line_step(&self) -> usize {
        (CELL + 3) * self.scale
    }

    /// How many characters fit on a line `width` pixels wide.
    pub fn chars_in(&self, width: usize) -> usize {
        (width / (CELL * self.scale)).max(1)
    }

    /// Letters `text` with its top-left corner at `(x, y)`.
    pub fn draw(&self, canvas: &mut Canvas, x: i64, y: i64, text: &str) {
        let s = self.scale as i64;
        for (i, c) in text.chars().enumerate() {
            let left = x + (i * CELL) as i64 * s;
            for (row, bits) in glyph(c).iter().enumerate() {
                for col in 0..CELL {
                    // font8x8 keeps the leftmost pixel in the lowest bit.
                    if bits >> col & 1 == 1 {
                        for dy in 0..s {
                            for dx in 0..s {
                                canvas.put(
                                    left + col as i64 * s + dx,
                                    y + row as i64 * s + dy,
                                    self.color,
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    /// Letters `text` wrapped at word boundaries to `width` pixels from `(x, y)`; returns the
    /// height it took.
    pub fn draw_wrapped(
        &self,
        canvas: &mut Canvas,
        x: i64,
        y: i64,
        width: usize,
        text: &str,
    ) -> usize {
        let lines = wrap(text, self.chars_in(width));
        for (i, line) in lines.iter().enumerate() {
            self.draw(canvas, x, y + (i * self.line_step()) as i64, line);
        }
        lines.len() * self.line_step()
    }

    /// The height [`Lettering::draw_wrapped`] would take for `text` in `width` pixels.
    pub fn wrapped_height(&self, width: usize, text: &str) -> usize {
        wrap(text, self.chars_in(width)).len() * self.line_step()
    }
}

/// `text` broken into lines of at most `max_chars` characters at spaces; a word longer than a
/// line is cut.
pub(crate) fn wrap(text: &str, max_chars: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > max_chars {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(word.drain(..max_chars).collect());
        }
        let word: String = word.into_iter().collect();
        if line.is_empty() {
            line = word;
        } else if line.chars().count() + 1 + word.chars().count() <= max_chars {
            line.push(' ');
            line.push_str(&word);
        } else {
            lines.push(std::mem::replace(&mut line, word));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canvas::{BLACK, WHITE};

    #[test]
    fn wrapping_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("abcdefgh ij", 3), ["abc", "def", "gh", "ij"]);
        assert!(wrap("   ", 5).is_empty());
    }

    #[test]
    fn letters_are_drawn_at_their_scale_and_symbols_have_glyphs() {
        let lettering = Lettering {
            scale: 2,
            color: WHITE,
        };
        let mut canvas = Canvas::new(64, 16, BLACK);
        lettering.draw(&mut canvas, 0, 0, "I");
        let lit: Vec<usize> = (0..canvas.pixels.len())
            .filter(|&i| canvas.pixels[i] == WHITE)
            .collect();
        assert!(!lit.is_empty());
        assert!(
            lit.iter().all(|i| i % 64 < 16),
            "the I stays in its 16 px cell"
        );
        // Every lit run is an even number of pixels wide: each font pixel is 2 x 2.
        assert_eq!(lit.len() % 4, 0);
        assert_ne!(glyph('°'), glyph('?'));
        assert_ne!(glyph('²'), glyph('?'));
        assert_eq!(glyph('–'), glyph('-'));
        assert_eq!(lettering.width("abc"), 48);
    }
}
