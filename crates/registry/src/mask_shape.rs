//! The measured shape of a pixel mask, for the size and shape rules of the registry.

use detect::{polygonize, Components};
use raster::{Grid, Window};

use crate::equal_area::EqualArea;
use crate::error::RegistryError;
use crate::footprint::{measure_footprint, OutlineOptions};
use crate::tracking::TrackingRules;

/// The measured shape of a pixel mask, for the size and shape rules.
pub(crate) struct Shape {
    pub area_m2: f64,
    pub rectangularity: f64,
    pub elongation: f64,
}

impl Shape {
    pub fn of(
        pixels: &[bool],
        grid: &Grid,
        basis: &EqualArea,
        rules: &TrackingRules,
    ) -> Result<Shape, RegistryError> {
        let Some(outline) = largest_outline(pixels, grid.width) else {
            return Ok(Shape {
                area_m2: 0.0,
                rectangularity: 0.0,
                elongation: f64::INFINITY,
            });
        };
        let m = measure_footprint(
            &outline,
            grid,
            basis,
            rules.coreg_rmse_px,
            &OutlineOptions::default(),
        )?;
        let (length, width) = (m.length_m.value, m.width_m.value.max(f64::MIN_POSITIVE));
        Ok(Shape {
            area_m2: m.area_m2.value,
            rectangularity: m.area_m2.value / (length * width),
            elongation: length / width,
        })
    }

    pub fn is_building(&self, rules: &TrackingRules) -> bool {
        self.rectangularity >= rules.min_rectangularity && self.elongation <= rules.max_elongation
    }
}

/// The outline (in pixel corners) of the largest 4-connected region of `mask`. The regions are
/// found in the window around the set pixels (a building's mask on a site's grid is mostly
/// unset), and the outline moved back onto the grid.
pub(crate) fn largest_outline(mask: &[bool], w: usize) -> Option<detect::Polygon> {
    let window = Window::around(mask, w)?;
    let part: Vec<bool> = window.indices(w).map(|p| mask[p]).collect();
    let components = Components::label(&part, window.width, window.height);
    let largest = (0..components.count()).max_by_key(|&k| components.areas[k])?;
    let mut outline = polygonize(&components).into_iter().nth(largest)?;
    let (dx, dy) = (window.col_off as f64, window.row_off as f64);
    for ring in std::iter::once(&mut outline.exterior).chain(outline.holes.iter_mut()) {
        for (x, y) in ring.iter_mut() {
            *x += dx;
            *y += dy;
        }
    }
    Some(outline)
}
