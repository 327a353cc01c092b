//! A building's mask kept over its own extent. The registry holds one or more per building
//! across the dates; on the site's whole grid each would take the site's area, and a site of a
//! few hundred buildings would take gigabytes.

use raster::Window;

/// A mask of a grid, stored over the window of its set cells.
#[derive(Debug, Clone)]
pub(crate) struct ExtentMask {
    window: Option<Window>,
    cells: Vec<bool>,
    set: usize,
}

impl ExtentMask {
    /// The set cells of `mask` (row-major, `grid_width` cells a row).
    pub fn new(mask: &[bool], grid_width: usize) -> ExtentMask {
        let window = Window::around(mask, grid_width);
        let cells: Vec<bool> = window.map_or_else(Vec::new, |w| {
            w.indices(grid_width).map(|p| mask[p]).collect()
        });
        let set = cells.iter().filter(|&&c| c).count();
        ExtentMask { window, cells, set }
    }

    /// The window of the set cells (`None`: none is set).
    pub fn window(&self) -> Option<Window> {
        self.window
    }

    /// How many cells are set.
    pub fn count(&self) -> usize {
        self.set
    }

    /// Whether the cell at row-major index `p` of a grid `grid_width` cells wide is set.
    pub fn contains(&self, p: usize, grid_width: usize) -> bool {
        let Some(w) = self.window else {
            return false;
        };
        let (col, row) = (p % grid_width, p / grid_width);
        let inside = (w.col_off..w.col_off + w.width).contains(&col)
            && (w.row_off..w.row_off + w.height).contains(&row);
        inside && self.cells[(row - w.row_off) * w.width + (col - w.col_off)]
    }

    /// Sets, in a whole-grid mask, every cell this mask has set.
    pub fn or_into(&self, grid: &mut [bool], grid_width: usize) {
        if let Some(w) = self.window {
            for (p, &cell) in w.indices(grid_width).zip(&self.cells) {
                grid[p] |= cell;
            }
        }
    }

    /// The mask on the whole `grid_width` x `grid_height` grid.
    pub fn to_grid(&self, grid_width: usize, grid_height: usize) -> Vec<bool> {
        let mut grid = vec![false; grid_width * grid_height];
        self.or_into(&mut grid, grid_width);
        grid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mask_comes_back_whole_from_its_extent() {
        let (w, h) = (7, 5);
        let mut mask = vec![false; w * h];
        for p in [w + 2, w + 3, 2 * w + 5, 3 * w + 2] {
            mask[p] = true;
        }
        let kept = ExtentMask::new(&mask, w);
        assert_eq!(kept.window(), Some(Window::new(2, 1, 4, 3)));
        assert_eq!(kept.count(), 4);
        assert_eq!(kept.to_grid(w, h), mask);
        assert!((0..w * h).all(|p| kept.contains(p, w) == mask[p]));
        let empty = ExtentMask::new(&[false; 35], w);
        assert_eq!((empty.window(), empty.count()), (None, 0));
        assert_eq!(empty.to_grid(w, h), vec![false; 35]);
    }
}
