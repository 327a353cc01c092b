//! Connected components of a mask, with 4-connectivity: pixels that share an edge belong to
//! one region, pixels that only touch at a corner do not.

/// The connected regions of a mask: a label per pixel (0 = background, regions numbered from 1
/// in scan order) and each region's pixel count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Components {
    /// Grid width in pixels.
    pub width: usize,
    /// Grid height in pixels.
    pub height: usize,
    /// Region label per pixel, row-major; 0 is background.
    pub labels: Vec<u32>,
    /// Pixel count of region `label` at index `label - 1`.
    pub areas: Vec<usize>,
}

impl Components {
    /// Labels the 4-connected regions of `mask` (`width * height` pixels, row-major).
    pub fn label(mask: &[bool], width: usize, height: usize) -> Components {
        assert_eq!(
            mask.len(),
            width * height,
            "mask size does not match its grid"
        );
        let mut labels = vec![0u32; mask.len()];
        let mut areas = Vec::new();
        let mut stack = Vec::new();
        for seed in 0..mask.len() {
            if !mask[seed] || labels[seed] != 0 {
                continue;
            }
            let label = areas.len() as u32 + 1;
            let mut area = 0;
            labels[seed] = label;
            stack.push(seed);
            while let Some(i) = stack.pop() {
                area += 1;
                let (c, r) = (i % width, i / width);
                let neighbours = [
                    (c > 0).then(|| i - 1),
                    (c + 1 < width).then(|| i + 1),
                    (r > 0).then(|| i - width),
                    (r + 1 < height).then(|| i + width),
                ];
                for j in neighbours.into_iter().flatten() {
                    if mask[j] && labels[j] == 0 {
                        labels[j] = label;
                        stack.push(j);
                    }
                }
            }
            areas.push(area);
        }
        Components {
            width,
            height,
            labels,
            areas,
        }
    }

    /// How many regions there are.
    pub fn count(&self) -> usize {
        self.areas.len()
    }

    /// The mask of the regions of at least `min_pixels` pixels.
    pub fn mask_at_least(&self, min_pixels: usize) -> Vec<bool> {
        self.labels
            .iter()
            .map(|&l| l != 0 && self.areas[l as usize - 1] >= min_pixels)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corner_touching_pixels_are_separate_regions() {
        let mask = [
            true, false, true, //
            false, true, false, //
            true, true, false,
        ];
        let c = Components::label(&mask, 3, 3);
        assert_eq!(c.count(), 3);
        assert_eq!(c.areas, vec![1, 1, 3]);
        assert_eq!(c.labels, vec![1, 0, 2, 0, 3, 0, 3, 3, 0]);
        assert_eq!(
            c.mask_at_least(2),
            vec![false, false, false, false, true, false, true, true, false]
        );
    }
}
