//! Binary morphology on change masks with a square structuring element: opening removes
//! specks and slivers narrower than the square, closing fills pinholes and narrow gaps.
//!
//! Outside the image counts as background for dilation and as foreground for erosion, so an
//! object cut by the image edge is not eaten away from that edge by an opening; a closing
//! works on a canvas padded with background, so it does not grow objects out to the edge.

use raster::Window;

/// Dilation by a `(2 radius + 1)²` square: a pixel is set when any pixel of its square is.
pub fn dilate(mask: &[bool], width: usize, height: usize, radius: usize) -> Vec<bool> {
    around_set_pixels(mask, width, height, radius, |m, w, h| {
        spread_columns(&spread_rows(m, w, h, radius), w, h, radius)
    })
}

/// Erosion by a `(2 radius + 1)²` square: a pixel stays set when its whole square is.
pub fn erode(mask: &[bool], width: usize, height: usize, radius: usize) -> Vec<bool> {
    around_set_pixels(mask, width, height, radius, |m, w, h| {
        let inverse: Vec<bool> = m.iter().map(|m| !m).collect();
        spread_columns(&spread_rows(&inverse, w, h, radius), w, h, radius)
            .into_iter()
            .map(|m| !m)
            .collect()
    })
}

/// `operation` (a dilation or erosion by `radius`) applied only to the window around the set
/// pixels grown by `radius`, the rest left unset: neither sets a pixel farther than `radius`
/// from a set one, and a set pixel's square lies inside that window, or beyond the image's
/// edge where the window's edge is the image's, so the result is the whole image's. A mask of
/// one building on a site's grid is then worked on around the building, not over the site.
fn around_set_pixels(
    mask: &[bool],
    width: usize,
    height: usize,
    radius: usize,
    operation: impl Fn(&[bool], usize, usize) -> Vec<bool>,
) -> Vec<bool> {
    let Some(set) = Window::around(mask, width) else {
        return vec![false; mask.len()];
    };
    let window = set.grown(radius, width, height);
    if window.len() == mask.len() {
        return operation(mask, width, height);
    }
    let part: Vec<bool> = window.indices(width).map(|p| mask[p]).collect();
    let done = operation(&part, window.width, window.height);
    let mut out = vec![false; mask.len()];
    for (p, value) in window.indices(width).zip(done) {
        out[p] = value;
    }
    out
}

/// Opening (erosion then dilation).
pub fn open(mask: &[bool], width: usize, height: usize, radius: usize) -> Vec<bool> {
    dilate(&erode(mask, width, height, radius), width, height, radius)
}

/// Closing (dilation then erosion), on a canvas padded by `radius` pixels of background.
pub fn close(mask: &[bool], width: usize, height: usize, radius: usize) -> Vec<bool> {
    let (pw, ph) = (width + 2 * radius, height + 2 * radius);
    let mut padded = vec![false; pw * ph];
    for r in 0..height {
        let start = (r + radius) * pw + radius;
        padded[start..start + width].copy_from_slice(&mask[r * width..(r + 1) * width]);
    }
    let closed = erode(&dilate(&padded, pw, ph, radius), pw, ph, radius);
    (0..height)
        .flat_map(|r| {
            let start = (r + radius) * pw + radius;
            closed[start..start + width].iter().copied()
        })
        .collect()
}

/// Horizontal pass: set where any of the `2 radius + 1` pixels centred in the row is set.
fn spread_rows(mask: &[bool], width: usize, height: usize, radius: usize) -> Vec<bool> {
    let mut out = vec![false; mask.len()];
    for r in 0..height {
        let row = &mask[r * width..(r + 1) * width];
        let mut last_set: Option<usize> = None;
        // Forward: nearest set pixel at or left of c; backward: at or right of c.
        for c in 0..width {
            if row[c] {
                last_set = Some(c);
            }
            out[r * width + c] = last_set.is_some_and(|s| c - s <= radius);
        }
        let mut next_set: Option<usize> = None;
        for c in (0..width).rev() {
            if row[c] {
                next_set = Some(c);
            }
            if next_set.is_some_and(|s| s - c <= radius) {
                out[r * width + c] = true;
            }
        }
    }
    out
}

/// Vertical pass, as [`spread_rows`] along columns.
fn spread_columns(mask: &[bool], width: usize, height: usize, radius: usize) -> Vec<bool> {
    let mut out = vec![false; mask.len()];
    for c in 0..width {
        let mut last_set: Option<usize> = None;
        for r in 0..height {
            if mask[r * width + c] {
                last_set = Some(r);
            }
            out[r * width + c] = last_set.is_some_and(|s| r - s <= radius);
        }
        let mut next_set: Option<usize> = None;
        for r in (0..height).rev() {
            if mask[r * width + c] {
                next_set = Some(r);
            }
            if next_set.is_some_and(|s| s - r <= radius) {
                out[r * width + c] = true;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(rows: &[&str]) -> (Vec<bool>, usize, usize) {
        let mask = rows
            .iter()
            .flat_map(|r| r.chars().map(|c| c == '#'))
            .collect();
        (mask, rows[0].len(), rows.len())
    }

    #[test]
    fn opening_removes_specks_and_keeps_blocks() {
        let (m, w, h) = parse(&[
            "#.......", //
            "...###..", //
            "...###..", //
            "...###.#", //
            "........",
        ]);
        let (want, _, _) = parse(&[
            "........", //
            "...###..", //
            "...###..", //
            "...###..", //
            "........",
        ]);
        assert_eq!(open(&m, w, h, 1), want);
    }

    #[test]
    fn closing_fills_pinholes_and_keeps_edges() {
        let (m, w, h) = parse(&[
            "#####...", //
            "##.##...", //
            "#####...", //
            "........",
        ]);
        let (want, _, _) = parse(&[
            "#####...", //
            "#####...", //
            "#####...", //
            "........",
        ]);
        assert_eq!(close(&m, w, h, 1), want);
    }

    /// Dilation and erosion by their definitions: every pixel's whole square, outside the
    /// image background for dilation and foreground for erosion.
    fn by_definition(mask: &[bool], w: usize, h: usize, radius: usize, erosion: bool) -> Vec<bool> {
        let r = radius as isize;
        (0..w * h)
            .map(|p| {
                let (c, row) = ((p % w) as isize, (p / w) as isize);
                let mut square = (-r..=r).flat_map(|dy| (-r..=r).map(move |dx| (c + dx, row + dy)));
                let at = |(x, y): (isize, isize)| {
                    let inside = x >= 0 && y >= 0 && (x as usize) < w && (y as usize) < h;
                    if inside {
                        mask[y as usize * w + x as usize]
                    } else {
                        erosion
                    }
                };
                if erosion {
                    square.all(at)
                } else {
                    square.any(at)
                }
            })
            .collect()
    }

    #[test]
    fn dilation_and_erosion_near_a_few_set_pixels_are_the_whole_images() {
        // Sparse blobs, some touching the image's edges, where the work is done in the window
        // around them; and a dense mask, where it covers the image.
        let (w, h) = (23, 17);
        let mut state = 12345u32;
        for density in [3u32, 40, 90] {
            let mut mask = vec![false; w * h];
            for (p, m) in mask.iter_mut().enumerate() {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let near_corner = p % w < 9 && p / w < 7;
                *m = near_corner && (state >> 24) % 100 < density;
            }
            for radius in 1..=3 {
                let dilated = by_definition(&mask, w, h, radius, false);
                let eroded = by_definition(&mask, w, h, radius, true);
                assert_eq!(dilate(&mask, w, h, radius), dilated, "dilate r {radius}");
                assert_eq!(erode(&mask, w, h, radius), eroded, "erode r {radius}");
                // The same blobs away from every edge: the window is interior.
                let shifted: Vec<bool> = (0..w * h)
                    .map(|p| p % w >= 6 && p / w >= 5 && mask[(p / w - 5) * w + p % w - 6])
                    .collect();
                let dilated = by_definition(&shifted, w, h, radius, false);
                let eroded = by_definition(&shifted, w, h, radius, true);
                assert_eq!(
                    dilate(&shifted, w, h, radius),
                    dilated,
                    "interior r {radius}"
                );
                assert_eq!(erode(&shifted, w, h, radius), eroded, "interior r {radius}");
            }
        }
        assert_eq!(erode(&[false; 12], 4, 3, 1), vec![false; 12]);
        assert_eq!(dilate(&[true; 12], 4, 3, 1), vec![true; 12]);
    }
}
