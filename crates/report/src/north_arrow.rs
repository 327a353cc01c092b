//! The north arrow printed on every figure panel. It points to true north, not grid north:
//! away from a UTM zone's central meridian the two differ by the grid convergence (about half
//! a degree 80 km off the meridian at 37° N, several degrees at the zone's edge in the north),
//! and a rotated crop differs by its rotation too.

use raster::{CoordTransform, Crs, CrsError, Grid};

use crate::canvas::{Canvas, BLACK, WHITE};
use crate::text::Lettering;

/// How far north of the crop's centre the direction is sampled, in degrees of latitude
/// (about 11 m: far enough for a clean difference, near enough to be local).
const STEP_DEG: f64 = 1e-4;

/// Which way true north lies on a crop's picture, at the crop's centre.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TrueNorth {
    /// The unit vector towards true north in pixel space (column right, row down).
    pub direction: (f64, f64),
}

impl TrueNorth {
    /// True north at the centre of `grid`: the direction in which latitude increases there,
    /// found by stepping north in longitude/latitude and mapping the step back onto the
    /// grid's pixels.
    pub fn of(grid: &Grid) -> Result<TrueNorth, CrsError> {
        let to_lonlat = CoordTransform::new(&grid.crs, &Crs::wgs84())?;
        let to_pixel = grid.transform.inverse().ok_or_else(|| {
            CrsError::Transform("the crop's geotransform is singular".to_string())
        })?;
        let centre = grid
            .transform
            .apply(grid.width as f64 / 2.0, grid.height as f64 / 2.0);
        let (lon, lat) = to_lonlat.transform_point(centre.0, centre.1)?;
        // Near the pole, step south and turn the result round.
        let (step, sign) = if lat + STEP_DEG <= 90.0 {
            (STEP_DEG, 1.0)
        } else {
            (-STEP_DEG, -1.0)
        };
        let from_lonlat = to_lonlat.inverse();
        let a = from_lonlat.transform_point(lon, lat)?;
        let b = from_lonlat.transform_point(lon, lat + step)?;
        let (pa, pb) = (to_pixel.apply(a.0, a.1), to_pixel.apply(b.0, b.1));
        let (dx, dy) = (sign * (pb.0 - pa.0), sign * (pb.1 - pa.1));
        let norm = dx.hypot(dy);
        Ok(TrueNorth {
            direction: (dx / norm, dy / norm),
        })
    }

    /// The angle from the picture's up to true north, in degrees, clockwise positive: the
    /// negative of the grid convergence on a north-up grid.
    pub fn angle_from_up_deg(&self) -> f64 {
        self.direction.0.atan2(-self.direction.1).to_degrees()
    }

    /// Draws the arrow, on a pale disc of `radius` pixels centred on `(cx, cy)`: a two-tone
    /// arrowhead pointing to true north with an "N" at its tip.
    pub fn draw(&self, canvas: &mut Canvas, cx: f64, cy: f64, radius: f64) {
        for row in (cy - radius) as i64..=(cy + radius) as i64 {
            for col in (cx - radius) as i64..=(cx + radius) as i64 {
                let (dx, dy) = (col as f64 + 0.5 - cx, row as f64 + 0.5 - cy);
                if dx * dx + dy * dy <= radius * radius {
                    canvas.blend(col, row, WHITE, 0.8);
                }
            }
        }
        let (ux, uy) = self.direction;
        // (px, py) is the arrow's right-hand side, a quarter turn clockwise from north.
        let (px, py) = (-uy, ux);
        let at = |along: f64, across: f64| {
            (cx + ux * along + px * across, cy + uy * along + py * across)
        };
        let tip = at(0.45 * radius, 0.0);
        let left = at(-0.75 * radius, -0.32 * radius);
        let right = at(-0.75 * radius, 0.32 * radius);
        let notch = at(-0.45 * radius, 0.0);
        canvas.fill_polygon(&[tip, left, notch], BLACK);
        canvas.fill_polygon(&[tip, notch, right], [110, 110, 110]);
        let lettering = Lettering {
            scale: 2,
            color: BLACK,
        };
        let n = at(0.72 * radius, 0.0);
        let half = lettering.height() as f64 / 2.0;
        lettering.draw(
            canvas,
            (n.0 - half).round() as i64,
            (n.1 - half).round() as i64,
            "N",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raster::GeoTransform;

    /// A 400 x 400 north-up grid of 0.5 m pixels in UTM `epsg` centred on `(x, y)`.
    fn grid(epsg: u32, x: f64, y: f64) -> Grid {
        Grid::new(
            Crs::from_epsg(epsg).unwrap(),
            GeoTransform::north_up(x - 100.0, y + 100.0, 0.5, 0.5),
            400,
            400,
        )
    }

    /// The textbook grid convergence of UTM at `(lon, lat)` for the zone of `epsg`:
    /// atan(tan(lon - lon0) sin(lat)), positive when grid north is east of true north.
    fn textbook_convergence_deg(epsg: u32, x: f64, y: f64) -> f64 {
        let zone = (epsg % 100) as f64;
        let lon0 = -183.0 + 6.0 * zone;
        let to_lonlat = CoordTransform::new(&Crs::from_epsg(epsg).unwrap(), &Crs::wgs84()).unwrap();
        let (lon, lat) = to_lonlat.transform_point(x, y).unwrap();
        ((lon - lon0).to_radians().tan() * lat.to_radians().sin())
            .atan()
            .to_degrees()
    }

    #[test]
    fn east_of_the_central_meridian_true_north_leans_west_by_the_convergence() {
        // 80 km east of the meridian of zone 11 at about 37° N.
        let (x, y) = (580_000.0, 4_100_000.0);
        let north = TrueNorth::of(&grid(32611, x, y)).unwrap();
        let angle = north.angle_from_up_deg();
        let convergence = textbook_convergence_deg(32611, x, y);
        assert!(convergence > 0.3, "{convergence}");
        assert!(angle < 0.0, "true north is left of up, got {angle}");
        assert!(
            (angle + convergence).abs() < 0.01,
            "{angle} vs -{convergence}"
        );
    }

    #[test]
    fn west_of_the_meridian_and_south_of_the_equator_the_sign_turns() {
        let west = TrueNorth::of(&grid(32611, 380_000.0, 4_100_000.0)).unwrap();
        assert!(west.angle_from_up_deg() > 0.3, "{west:?}");
        let convergence = textbook_convergence_deg(32611, 380_000.0, 4_100_000.0);
        assert!((west.angle_from_up_deg() + convergence).abs() < 0.01);
        // Southern hemisphere, east of the meridian: sin(lat) < 0.
        let south = TrueNorth::of(&grid(32756, 620_000.0, 6_250_000.0)).unwrap();
        let convergence = textbook_convergence_deg(32756, 620_000.0, 6_250_000.0);
        assert!(south.angle_from_up_deg() > 0.3, "{south:?}");
        assert!((south.angle_from_up_deg() + convergence).abs() < 0.01);
    }

    #[test]
    fn on_the_meridian_true_north_is_up_and_a_rotated_crop_turns_the_arrow() {
        let on = TrueNorth::of(&grid(32611, 500_000.0, 4_100_000.0)).unwrap();
        assert!(on.angle_from_up_deg().abs() < 1e-6, "{on:?}");
        // A crop turned a quarter: its columns run north (y grows with the column), so true
        // north is to the picture's right.
        let mut rotated = grid(32611, 500_000.0, 4_100_000.0);
        let (x0, y0) = (rotated.transform.0[0], rotated.transform.0[3]);
        rotated.transform = GeoTransform([x0, 0.0, 0.5, y0, 0.5, 0.0]);
        let turned = TrueNorth::of(&rotated).unwrap();
        assert!(
            (turned.angle_from_up_deg() - 90.0).abs() < 1e-6,
            "{turned:?}"
        );
    }
}
