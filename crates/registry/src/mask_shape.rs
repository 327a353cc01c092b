//! The measured shape of a pixel mask, for the size and shape rules of the registry.

use detect::{polygonize, Components};
use raster::Grid;

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
        let Some(outline) = largest_outline(pixels, grid.width, grid.height) else {
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

/// The outline (in pixel corners) of the largest 4-connected region of `mask`.
pub(crate) fn largest_outline(mask: &[bool], w: usize, h: usize) -> Option<detect::Polygon> {
    let components = Components::label(mask, w, h);
    let largest = (0..components.count()).max_by_key(|&k| components.areas[k])?;
    polygonize(&components).into_iter().nth(largest)
}
