//! From a change map to changes: threshold, clean-up, connected regions, exact outlines, and
//! per change its area, mean probability and direction.
//!
//! Direction rule (stated, simple, and only as good as its premise): built structures add
//! edges. For each change the mean local contrast (texture) inside the region is compared
//! between the dates, each relative to its own scene's mean contrast so that a global gain
//! does not count: `ratio = (region_after / scene_after) / (region_before / scene_before)`.
//! `ratio >= 1.5` is [`Direction::Appeared`] (structure appeared), `ratio <= 1/1.5` is
//! [`Direction::Removed`], anything between is [`Direction::SurfaceChanged`] (the surface
//! changed colour or material but not its structure).

use serde::Serialize;

use raster::{Grid, Raster, RasterSource};

use crate::change_map::{ChangeMap, DetectError};
use crate::components::Components;
use crate::morphology::{close, open};
use crate::polygonize::{polygonize, Polygon};
use crate::strips::for_each_strip;

/// The texture ratio at or above which a change is [`Direction::Appeared`] (its inverse or
/// below: [`Direction::Removed`]).
pub const DIRECTION_RATIO: f64 = 1.5;

/// The smallest change kept, in pixels or in square metres of the grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MinArea {
    /// A pixel count.
    Pixels(usize),
    /// A ground area; needs a projected grid.
    SquareMetres(f64),
}

/// How a thresholded change mask is cleaned before it becomes objects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CleanupRules {
    /// Opening by a `(2r + 1)²` square (0: none): removes specks and slivers.
    pub opening_radius: usize,
    /// Closing by a `(2r + 1)²` square (0: none): fills pinholes and narrow gaps.
    pub closing_radius: usize,
    /// Regions smaller than this (after opening and closing) are dropped.
    pub min_area: MinArea,
}

impl Default for CleanupRules {
    /// Opening and closing by 3x3, and at least 25 pixels (a 5x5 block).
    fn default() -> Self {
        CleanupRules {
            opening_radius: 1,
            closing_radius: 1,
            min_area: MinArea::Pixels(25),
        }
    }
}

/// Which way a change went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Something was built or placed: the region gained structure.
    Appeared,
    /// Something was demolished or cleared: the region lost structure.
    Removed,
    /// The surface changed without a change of structure (material, colour, crops).
    SurfaceChanged,
}

/// One change: a region of changed pixels with its outline and measures.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The exact outline in pixel corners of the map's grid; map it with
    /// `polygon.transformed(&grid.transform)`.
    pub polygon: Polygon,
    /// Area in pixels (equal to the polygon's area in pixel units).
    pub area_px: usize,
    /// Area in m², when the grid's CRS is projected (None for geographic or unknown CRSs).
    pub area_m2: Option<f64>,
    /// Mean change probability over the region's pixels.
    pub mean_probability: f64,
    /// Which way it changed (see the module doc for the rule).
    pub direction: Direction,
    /// The relative texture ratio the direction was decided from (see the module doc).
    pub texture_ratio: f64,
}

/// The ground area of one pixel in m², when the grid's CRS is projected in metres or feet.
pub fn pixel_area_m2(grid: &Grid) -> Option<f64> {
    let proj4 = &grid.crs.proj4;
    if proj4.trim().is_empty() || grid.crs.is_geographic() {
        return None;
    }
    let t = &grid.transform.0;
    let area = (t[1] * t[5] - t[2] * t[4]).abs();
    let metres_per_unit = if proj4.contains("+units=us-ft") {
        1200.0 / 3937.0
    } else if proj4.contains("+units=ft") {
        0.3048
    } else {
        1.0
    };
    Some(area * metres_per_unit * metres_per_unit)
}

impl MinArea {
    /// The minimum area in pixels of `grid`.
    pub fn pixels(&self, grid: &Grid) -> Result<usize, DetectError> {
        match *self {
            MinArea::Pixels(px) => Ok(px),
            MinArea::SquareMetres(m2) => {
                let pixel = pixel_area_m2(grid).ok_or_else(|| DetectError::NoMetricPixelArea {
                    crs: grid.crs.name(),
                })?;
                Ok((m2 / pixel).ceil() as usize)
            }
        }
    }
}

/// The cleaned change mask: `p >= threshold`, opened, closed, small regions removed.
pub fn clean_mask(
    map: &ChangeMap,
    threshold: f32,
    rules: &CleanupRules,
) -> Result<Vec<bool>, DetectError> {
    clean(map.mask(threshold), &map.grid, rules)
}

/// `mask` (row-major on `grid`) opened, closed and without regions smaller than the rules'
/// minimum area.
pub fn clean(
    mut mask: Vec<bool>,
    grid: &Grid,
    rules: &CleanupRules,
) -> Result<Vec<bool>, DetectError> {
    let (w, h) = (grid.width, grid.height);
    if rules.opening_radius > 0 {
        mask = open(&mask, w, h, rules.opening_radius);
    }
    if rules.closing_radius > 0 {
        mask = close(&mask, w, h, rules.closing_radius);
    }
    let min_px = rules.min_area.pixels(grid)?;
    Ok(Components::label(&mask, w, h).mask_at_least(min_px))
}

/// The changes of `map` at `threshold` after clean-up, with outlines, areas, mean probability
/// and direction (from the `before` and `after` rasters the map was made from).
pub fn extract_changes(
    map: &ChangeMap,
    before: &Raster,
    after: &Raster,
    threshold: f32,
    rules: &CleanupRules,
) -> Result<Vec<Change>, DetectError> {
    let mask = clean_mask(map, threshold, rules)?;
    changes_of_mask(&mask, &map.grid, &map.probability_raster(), before, after)
}

/// The changes of a cleaned change mask (row-major on `grid`), with outlines, areas, mean
/// probability (from `probability`, a one-band source on `grid`) and direction (from `before`
/// and `after`). The sources are read a strip at a time, so memory follows the mask and its
/// region labels, not the images.
pub fn changes_of_mask(
    mask: &[bool],
    grid: &Grid,
    probability: &dyn RasterSource,
    before: &dyn RasterSource,
    after: &dyn RasterSource,
) -> Result<Vec<Change>, DetectError> {
    let (w, h) = (grid.width, grid.height);
    let components = Components::label(mask, w, h);
    let polygons = polygonize(&components);
    let count = components.count();
    let texture_before = Texture::of(before, &components)?;
    let texture_after = Texture::of(after, &components)?;
    let mut probability_sum = vec![0.0f64; count];
    for_each_strip(probability, |row, strip: &Raster| {
        let labels = &components.labels[row * w..row * w + strip.data.len()];
        for (&label, &p) in labels.iter().zip(&strip.data) {
            if label > 0 {
                probability_sum[label as usize - 1] += f64::from(p);
            }
        }
        Ok::<(), DetectError>(())
    })?;
    let pixel_m2 = pixel_area_m2(grid);
    Ok(polygons
        .into_iter()
        .enumerate()
        .map(|(k, polygon)| {
            let area_px = components.areas[k];
            let n = area_px as f64;
            let relative_before = texture_before.region_sum[k] / n / texture_before.scene_mean;
            let relative_after = texture_after.region_sum[k] / n / texture_after.scene_mean;
            let texture_ratio = relative_after / relative_before;
            let direction = if texture_ratio >= DIRECTION_RATIO {
                Direction::Appeared
            } else if texture_ratio <= 1.0 / DIRECTION_RATIO {
                Direction::Removed
            } else {
                Direction::SurfaceChanged
            };
            Change {
                polygon,
                area_px,
                area_m2: pixel_m2.map(|a| a * n),
                mean_probability: probability_sum[k] / n,
                direction,
                texture_ratio,
            }
        })
        .collect())
}

/// Local contrast of an image's brightness (mean over bands): per pixel the mean absolute
/// difference to its 4 neighbours inside the image, summed per region, and the scene mean.
struct Texture {
    region_sum: Vec<f64>,
    scene_mean: f64,
}

impl Texture {
    /// Reads `source` a strip at a time (strips aligned with the strips other passes read, so
    /// that no tile is decoded twice), keeping the brightness of the rows above and below the
    /// row being measured.
    fn of(source: &dyn RasterSource, components: &Components) -> Result<Texture, DetectError> {
        let w = source.grid().width;
        let mut texture = Texture {
            region_sum: vec![0.0; components.count()],
            scene_mean: 0.0,
        };
        let (mut total, mut counted) = (0.0, 0usize);
        let mut measure =
            |row: usize, above: Option<&[f64]>, current: &[f64], below: Option<&[f64]>| {
                let labels = &components.labels[row * w..(row + 1) * w];
                for (c, &label) in labels.iter().enumerate() {
                    let neighbours = [
                        c.checked_sub(1).map(|j| current[j]),
                        current.get(c + 1).copied(),
                        above.map(|a| a[c]),
                        below.map(|b| b[c]),
                    ];
                    let (sum, k) = neighbours
                        .into_iter()
                        .flatten()
                        .map(|v| (v - current[c]).abs())
                        .filter(|d| d.is_finite())
                        .fold((0.0, 0usize), |(s, k), d| (s + d, k + 1));
                    if k > 0 {
                        let contrast = sum / k as f64;
                        total += contrast;
                        counted += 1;
                        if label > 0 {
                            texture.region_sum[label as usize - 1] += contrast;
                        }
                    }
                }
            };
        // The rows above and at the row waiting for its lower neighbour.
        let (mut above, mut pending): (Option<Vec<f64>>, Option<Vec<f64>>) = (None, None);
        let mut row = 0;
        for_each_strip(source, |_, strip: &Raster| {
            let brightness = brightness(strip);
            for next in brightness.chunks_exact(w) {
                if let Some(current) = &pending {
                    measure(row, above.as_deref(), current, Some(next));
                    row += 1;
                }
                above = pending.take();
                pending = Some(next.to_vec());
            }
            Ok::<(), DetectError>(())
        })?;
        if let Some(current) = &pending {
            measure(row, above.as_deref(), current, None);
        }
        texture.scene_mean = (total / counted.max(1) as f64).max(f64::MIN_POSITIVE);
        Ok(texture)
    }
}

/// The mean over bands of each pixel of `raster`.
fn brightness(raster: &Raster) -> Vec<f64> {
    let n = raster.grid.width * raster.grid.height;
    let bands = raster.band_count.max(1);
    (0..n)
        .map(|i| {
            (0..raster.band_count)
                .map(|b| f64::from(raster.data[b * n + i]))
                .sum::<f64>()
                / bands as f64
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change_map::ChangeDetector;
    use crate::imad::Imad;
    use crate::test_scenes::painted_square_pair;

    #[test]
    fn painted_square_is_one_appeared_change_of_the_right_area() {
        let (before, after) = painted_square_pair(3);
        let imad = Imad::default();
        let map = imad.probability(&before, &after).unwrap();
        let t = imad.default_threshold(&map);
        let changes = extract_changes(&map, &before, &after, t, &CleanupRules::default()).unwrap();
        assert_eq!(changes.len(), 1, "{changes:?}");
        let change = &changes[0];
        assert!(
            (380..=440).contains(&change.area_px),
            "area {}",
            change.area_px
        );
        assert_eq!(change.polygon.area(), change.area_px as f64);
        assert_eq!(change.direction, Direction::Appeared);
        assert!(change.mean_probability > 0.99);
        // The test grid is UTM with 0.5 m pixels.
        assert_eq!(change.area_m2, Some(change.area_px as f64 * 0.25));
    }

    #[test]
    fn square_gone_is_removed() {
        let (before, after) = painted_square_pair(3);
        let imad = Imad::default();
        let map = imad.probability(&after, &before).unwrap();
        let t = imad.default_threshold(&map);
        let changes = extract_changes(&map, &after, &before, t, &CleanupRules::default()).unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].direction, Direction::Removed);
    }

    #[test]
    fn gain_offset_change_yields_no_objects() {
        let (before, _) = painted_square_pair(4);
        let mut after = before.clone();
        after
            .data
            .iter_mut()
            .for_each(|v| *v = (*v * 0.8 + 20.0).round());
        let imad = Imad::default();
        let map = imad.probability(&before, &after).unwrap();
        let t = imad.default_threshold(&map);
        let changes = extract_changes(&map, &before, &after, t, &CleanupRules::default()).unwrap();
        assert!(changes.is_empty(), "{changes:?}");
    }

    #[test]
    fn min_area_in_square_metres_uses_the_grid() {
        let (before, _) = painted_square_pair(3);
        assert_eq!(
            MinArea::SquareMetres(10.0).pixels(&before.grid).unwrap(),
            40
        );
        let mut unreferenced = before.grid.clone();
        unreferenced.crs.proj4.clear();
        assert!(MinArea::SquareMetres(10.0).pixels(&unreferenced).is_err());
    }
}
