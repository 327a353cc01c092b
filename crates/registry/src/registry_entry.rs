//! The registry entry of a finished track: every version of its outline measured on the
//! images of the dates it held (a rectangle's sides placed on the roof edges of each date and
//! the dates' rectangles combined by their median), placed by latitude, longitude and MGRS.

use geo::Area;
use geo_types::{Coord, Polygon};
use raster::{CoordTransform, Crs, Grid};

use crate::equal_area::EqualArea;
use crate::error::RegistryError;
use crate::footprint::{
    measure_footprint, measure_refined, to_geo, FootprintMeasure, OutlineOptions,
};
use crate::mask_shape::largest_outline;
use crate::mgrs::mgrs;
use crate::refine_edges::{refine_rectangle, PixelRectangle, RefinedRectangle};
use crate::tracking::{DatedOutline, Observations, Track, TrackedBuilding, TrackingRules};

/// The registry entry of `track`, the `k`-th kept, with `last_date` the last date index.
pub(crate) fn describe(
    k: usize,
    track: Track,
    last_date: usize,
    observations: &Observations,
    basis: &EqualArea,
    rules: &TrackingRules,
) -> Result<TrackedBuilding, RegistryError> {
    let grid = observations.grid;
    let last_seen = track.last_seen.unwrap_or(last_date);
    let lonlat = LonLat::new(grid)?;
    let mut outlines = Vec::new();
    let mut footprint = None;
    for (v, (from, mask)) in track.versions.iter().enumerate() {
        let start = (*from).max(track.first_seen);
        let end = track
            .versions
            .get(v + 1)
            .map_or(last_seen, |next| next.0.saturating_sub(1))
            .min(last_seen);
        let dates: Vec<usize> = (start..=end).collect();
        // A version that never held (grown and grown again in one pair) is measured on the
        // last date it could have.
        let measured_on = if dates.is_empty() {
            vec![end.min(last_seen)]
        } else {
            dates.clone()
        };
        let mask = mask.to_grid(grid.width, grid.height);
        let measure = measure_version(&mask, &measured_on, observations, basis, rules)?;
        let outline_lonlat = lonlat.polygon(&measure.outline)?;
        outlines.extend(dates.iter().map(|&date| DatedOutline {
            date,
            area_m2: measure.area_m2.clone(),
            outline: measure.outline.clone(),
            outline_lonlat: outline_lonlat.clone(),
        }));
        footprint = Some(measure);
    }
    let footprint = footprint.ok_or(RegistryError::EmptyOutline { vertices: 0 })?;
    let outline_lonlat = lonlat.polygon(&footprint.outline)?;
    let centroid = geo::Centroid::centroid(&footprint.outline)
        .ok_or(RegistryError::EmptyOutline { vertices: 0 })?;
    let centre = lonlat.point(&centroid.0)?;
    let mut history = track.history;
    history.sort_by_key(|e| e.before);
    Ok(TrackedBuilding {
        id: format!("B{:04}", k + 1),
        label: track.label,
        first_seen: track.first_seen,
        last_seen,
        standing: track.last_seen.is_none(),
        history,
        footprint,
        outline_lonlat,
        outlines,
        lon: centre.x,
        lat: centre.y,
        mgrs: mgrs(centre.x, centre.y)?,
        housing: false,
    })
}

/// One outline version's measure: where its pixels make a rectangle, the rectangle placed on
/// the roof edges of each of `dates` and combined; else its pixel edges.
fn measure_version(
    mask: &[bool],
    dates: &[usize],
    observations: &Observations,
    basis: &EqualArea,
    rules: &TrackingRules,
) -> Result<FootprintMeasure, RegistryError> {
    let grid = observations.grid;
    // Closing bridges the gap misregistration leaves between a building and its annex.
    let closed = detect::morphology::close(mask, grid.width, grid.height, rules.dilation_px);
    let outline =
        largest_outline(&closed, grid.width).ok_or(RegistryError::EmptyOutline { vertices: 0 })?;
    let pixel_edges = measure_footprint(
        &outline,
        grid,
        basis,
        rules.coreg_rmse_px,
        &OutlineOptions::default(),
    )?;
    let in_pixels = to_geo(&outline);
    let Some(start) = PixelRectangle::enclosing(&in_pixels)
        .filter(|r| in_pixels.unsigned_area() >= rules.refine_rectangularity * r.area())
    else {
        return Ok(pixel_edges);
    };
    let refined: Vec<RefinedRectangle> = dates
        .iter()
        .filter_map(|&d| observations.rasters.get(d))
        .filter_map(|image| refine_rectangle(&start, image, &rules.edges))
        .filter(|r| r.sides_found() >= 2)
        .collect();
    let Some((rectangle, se_px2)) = combine(&refined) else {
        return Ok(pixel_edges);
    };
    let in_map = map_polygon(&rectangle.polygon(), grid);
    measure_refined(
        &in_map,
        pixel_edges.area_m2.value,
        se_px2,
        grid,
        basis,
        rules.coreg_rmse_px,
    )
}

/// The dates' rectangles combined: each parameter's median, and the standard error of the
/// area in square pixels (the profiles' scatter of a typical date and the dates' scatter,
/// both over the number of dates).
fn combine(refined: &[RefinedRectangle]) -> Option<(PixelRectangle, f64)> {
    if refined.is_empty() {
        return None;
    }
    let median = |f: &dyn Fn(&RefinedRectangle) -> f64| {
        let mut v: Vec<f64> = refined.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            0.5 * (v[n / 2 - 1] + v[n / 2])
        }
    };
    let rectangle = PixelRectangle {
        cx: median(&|r| r.rectangle.cx),
        cy: median(&|r| r.rectangle.cy),
        angle: median(&|r| r.rectangle.angle),
        half_a: median(&|r| r.rectangle.half_a),
        half_b: median(&|r| r.rectangle.half_b),
    };
    let n = refined.len() as f64;
    let profiles = median(&|r| r.area_standard_error_px2());
    let areas: Vec<f64> = refined.iter().map(|r| r.rectangle.area()).collect();
    let mean = areas.iter().sum::<f64>() / n;
    let spread = if refined.len() > 1 {
        (areas.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    Some((
        rectangle,
        (profiles.powi(2) + spread.powi(2)).sqrt() / n.sqrt(),
    ))
}

/// A pixel-space polygon in the grid's map coordinates.
fn map_polygon(polygon: &Polygon<f64>, grid: &Grid) -> Polygon<f64> {
    use geo::MapCoords;
    polygon.map_coords(|c| {
        let (x, y) = grid.transform.apply(c.x, c.y);
        Coord { x, y }
    })
}

/// The grid's CRS to longitude/latitude.
struct LonLat {
    transform: CoordTransform,
    from: String,
}

impl LonLat {
    fn new(grid: &Grid) -> Result<LonLat, RegistryError> {
        let transform = CoordTransform::new(&grid.crs, &Crs::wgs84()).map_err(|source| {
            RegistryError::Projection {
                from: grid.crs.name(),
                to: "EPSG:4326".into(),
                source,
            }
        })?;
        Ok(LonLat {
            transform,
            from: grid.crs.name(),
        })
    }

    fn point(&self, c: &Coord<f64>) -> Result<Coord<f64>, RegistryError> {
        self.transform
            .transform_point(c.x, c.y)
            .map(|(x, y)| Coord { x, y })
            .map_err(|source| self.failed(source))
    }

    fn polygon(&self, polygon: &Polygon<f64>) -> Result<Polygon<f64>, RegistryError> {
        self.transform
            .transform_polygon(polygon)
            .map_err(|source| self.failed(source))
    }

    fn failed(&self, source: raster::CrsError) -> RegistryError {
        RegistryError::Projection {
            from: self.from.clone(),
            to: "EPSG:4326".into(),
            source,
        }
    }
}
