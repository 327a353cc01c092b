//! The site analysis grid: the one UTM grid every scene of a site is warped onto.
//!
//! The grid is in the WGS 84 / UTM zone of the AOI's centre, north-up, with square pixels of
//! the chosen GSD, and its origin on a multiple of the GSD so that two sites (or two runs) at
//! the same GSD share pixel boundaries. It covers the AOI plus a margin in metres (the site's
//! ring distance, where housing and support facilities are looked for).

use crate::crs::{Crs, CrsError};
use crate::grid::{GeoTransform, Grid};
use crate::transform::CoordTransform;

/// Why a site grid could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SiteGridError {
    #[error("the AOI has no points")]
    EmptyAoi,
    #[error("the GSD must be a positive number of metres, not {0}")]
    BadGsd(f64),
    #[error("the margin must be zero or a positive number of metres, not {0}")]
    BadMargin(f64),
    #[error("AOI point ({lon}, {lat}) is not a longitude/latitude in degrees")]
    BadPoint { lon: f64, lat: f64 },
    #[error(
        "the AOI spans {span:.1} degrees of longitude: an AOI across the antimeridian must be \
         given with longitudes on one side of it (e.g. 179.5 and 180.5)"
    )]
    TooWide { span: f64 },
    #[error("cannot project the AOI to UTM: {0}")]
    Crs(#[from] CrsError),
}

/// How many points each AOI edge is cut into before projecting, so that an edge that bows in
/// UTM (long edges, far from the central meridian) is still covered.
const EDGE_STEPS: usize = 16;

/// The analysis grid for an AOI given as polygon vertices `(lon, lat)` in degrees (WGS 84;
/// a bounding box is its four corners, see [`bounds_ring`]). `gsd_m` is the pixel size and
/// `margin_m` the buffer around the AOI, both in metres.
///
/// ```
/// use raster::{bounds_ring, site_grid};
///
/// // A block of Joplin, Missouri, with a 500 m ring, at 0.5 m.
/// let grid = site_grid(&bounds_ring(-94.51, 37.05, -94.49, 37.07), 0.5, 500.0)?;
/// assert_eq!(grid.crs.epsg, Some(32615));
/// assert_eq!(grid.transform.0[0] % 0.5, 0.0);
/// # Ok::<(), raster::SiteGridError>(())
/// ```
pub fn site_grid(
    aoi_lonlat: &[(f64, f64)],
    gsd_m: f64,
    margin_m: f64,
) -> Result<Grid, SiteGridError> {
    if aoi_lonlat.is_empty() {
        return Err(SiteGridError::EmptyAoi);
    }
    if !(gsd_m > 0.0 && gsd_m.is_finite()) {
        return Err(SiteGridError::BadGsd(gsd_m));
    }
    if !(margin_m >= 0.0 && margin_m.is_finite()) {
        return Err(SiteGridError::BadMargin(margin_m));
    }
    if let Some(&(lon, lat)) = aoi_lonlat
        .iter()
        .find(|(lon, lat)| !(lon.abs() <= 360.0 && lat.abs() <= 90.0))
    {
        return Err(SiteGridError::BadPoint { lon, lat });
    }

    let (min_lon, min_lat, max_lon, max_lat) = extent(aoi_lonlat.iter().copied());
    // A site is a few kilometres across; more than 6 degrees is a mistake (most often an AOI
    // across the antimeridian written as -179.9 .. 179.9), and far outside one UTM zone.
    if max_lon - min_lon > 6.0 {
        return Err(SiteGridError::TooWide {
            span: max_lon - min_lon,
        });
    }
    let crs = Crs::utm_for_lonlat(0.5 * (min_lon + max_lon), 0.5 * (min_lat + max_lat));
    let to_utm = CoordTransform::new(&Crs::wgs84(), &crs)?;

    let mut points = Vec::with_capacity(aoi_lonlat.len() * EDGE_STEPS);
    for (i, &a) in aoi_lonlat.iter().enumerate() {
        let b = aoi_lonlat[(i + 1) % aoi_lonlat.len()];
        for s in 0..EDGE_STEPS {
            let t = s as f64 / EDGE_STEPS as f64;
            points.push((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)));
        }
    }
    to_utm.transform_points(&mut points)?;
    let (min_x, min_y, max_x, max_y) = extent(points.into_iter());

    let x0 = ((min_x - margin_m) / gsd_m).floor() * gsd_m;
    let y0 = ((max_y + margin_m) / gsd_m).ceil() * gsd_m;
    let x1 = ((max_x + margin_m) / gsd_m).ceil() * gsd_m;
    let y1 = ((min_y - margin_m) / gsd_m).floor() * gsd_m;
    let width = (((x1 - x0) / gsd_m).round() as usize).max(1);
    let height = (((y0 - y1) / gsd_m).round() as usize).max(1);
    Ok(Grid::new(
        crs,
        GeoTransform::north_up(x0, y0, gsd_m, gsd_m),
        width,
        height,
    ))
}

/// The four corners of a longitude/latitude bounding box, as an AOI ring for [`site_grid`].
pub fn bounds_ring(min_lon: f64, min_lat: f64, max_lon: f64, max_lat: f64) -> [(f64, f64); 4] {
    [
        (min_lon, max_lat),
        (max_lon, max_lat),
        (max_lon, min_lat),
        (min_lon, min_lat),
    ]
}

fn extent(points: impl Iterator<Item = (f64, f64)>) -> (f64, f64, f64, f64) {
    points.fold(
        (
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ),
        |(a, b, c, d), (x, y)| (a.min(x), b.min(y), c.max(x), d.max(y)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small AOI in Joplin, Missouri.
    fn joplin() -> [(f64, f64); 4] {
        bounds_ring(-94.51, 37.05, -94.49, 37.07)
    }

    #[test]
    fn grid_is_utm_of_the_centre_snapped_to_the_gsd() {
        let g = site_grid(&joplin(), 0.5, 0.0).unwrap();
        assert_eq!(g.crs.epsg, Some(32615));
        assert!(g.transform.is_north_up());
        let [x0, sx, _, y0, _, sy] = g.transform.0;
        assert_eq!((sx, sy), (0.5, -0.5));
        assert_eq!((x0 / 0.5).fract(), 0.0);
        assert_eq!((y0 / 0.5).fract(), 0.0);
    }

    #[test]
    fn grid_covers_the_aoi_and_margin_with_less_than_a_pixel_to_spare() {
        let margin = 250.0;
        let gsd = 3.0;
        let g = site_grid(&joplin(), gsd, margin).unwrap();
        let to_utm = CoordTransform::new(&Crs::wgs84(), &g.crs).unwrap();
        let (gx0, gy0, gx1, gy1) = g.bounds();
        let mut corners = joplin().to_vec();
        to_utm.transform_points(&mut corners).unwrap();
        let (ax0, ay0, ax1, ay1) = extent(corners.into_iter());
        // Covered, with margin...
        assert!(gx0 <= ax0 - margin && gy0 <= ay0 - margin);
        assert!(gx1 >= ax1 + margin && gy1 >= ay1 + margin);
        // ...and no more than one pixel of snapping on each side.
        assert!(ax0 - margin - gx0 < gsd && ay0 - margin - gy0 < gsd);
        assert!(gx1 - (ax1 + margin) < gsd && gy1 - (ay1 + margin) < gsd);
    }

    #[test]
    fn southern_hemisphere_and_single_point() {
        let g = site_grid(&[(151.2, -33.9)], 10.0, 100.0).unwrap();
        assert_eq!(g.crs.epsg, Some(32756));
        // 200 m across at 10 m, plus at most one pixel of snapping.
        assert!((20..=21).contains(&g.width) && (20..=21).contains(&g.height));
    }

    #[test]
    fn an_aoi_across_the_antimeridian_written_on_one_side_works() {
        let g = site_grid(&bounds_ring(179.99, -16.8, 180.01, -16.7), 10.0, 0.0).unwrap();
        assert_eq!(g.crs.epsg, Some(32701));
        assert!(g.width < 300, "{}", g.width);
    }

    #[test]
    fn bad_inputs_are_refused() {
        assert!(matches!(
            site_grid(&[], 1.0, 0.0),
            Err(SiteGridError::EmptyAoi)
        ));
        assert!(matches!(
            site_grid(&joplin(), 0.0, 0.0),
            Err(SiteGridError::BadGsd(_))
        ));
        assert!(matches!(
            site_grid(&joplin(), 1.0, -5.0),
            Err(SiteGridError::BadMargin(_))
        ));
        assert!(matches!(
            site_grid(&[(361_000.0, 4_105_000.0)], 1.0, 0.0),
            Err(SiteGridError::BadPoint { .. })
        ));
        assert!(matches!(
            site_grid(&[(-179.9, 10.0), (179.9, 10.1)], 1.0, 0.0),
            Err(SiteGridError::TooWide { .. })
        ));
    }
}
