//! Binary morphology on change masks with a square structuring element: opening removes
//! specks and slivers narrower than the square, closing fills pinholes and narrow gaps.
//!
//! Outside the image counts as background for dilation and as foreground for erosion, so an
//! object cut by the image edge is not eaten away from that edge by an opening; a closing
//! works on a canvas padded with background, so it does not grow objects out to the edge.

/// Dilation by a `(2 radius + 1)²` square: a pixel is set when any pixel of its square is.
pub fn dilate(mask: &[bool], width: usize, height: usize, radius: usize) -> Vec<bool> {
    let rows = spread_rows(mask, width, height, radius);
    spread_columns(&rows, width, height, radius)
}

/// Erosion by a `(2 radius + 1)²` square: a pixel stays set when its whole square is.
pub fn erode(mask: &[bool], width: usize, height: usize, radius: usize) -> Vec<bool> {
    let inverse: Vec<bool> = mask.iter().map(|m| !m).collect();
    dilate(&inverse, width, height, radius)
        .into_iter()
        .map(|m| !m)
        .collect()
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
}
