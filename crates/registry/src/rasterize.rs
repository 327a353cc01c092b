//! Burning a polygon into a grid: a pixel belongs to the polygon when its centre lies inside
//! (even-odd over all rings), which is GDAL's default rule for `gdal_rasterize`.

use geo_types::Polygon;
use raster::Grid;

/// The mask of `polygon` (in `grid`'s CRS) on `grid`: `true` where the pixel centre is inside,
/// row-major (see [`burn`]). A grid without an inverse transform gives an empty mask.
///
/// ```
/// use geo_types::polygon;
/// use raster::{Crs, GeoTransform, Grid};
/// let grid = Grid::new(Crs::wgs84(), GeoTransform::north_up(0.0, 4.0, 1.0, 1.0), 4, 4);
/// let square = polygon![(x: 0.4, y: 0.4), (x: 2.6, y: 0.4), (x: 2.6, y: 2.6), (x: 0.4, y: 2.6)];
/// let mask = registry::rasterize(&square, &grid);
/// assert_eq!(mask.iter().filter(|&&m| m).count(), 9); // centres 0.5, 1.5, 2.5 each way
/// ```
pub fn rasterize(polygon: &Polygon<f64>, grid: &Grid) -> Vec<bool> {
    let mut mask = vec![false; grid.width * grid.height];
    burn(polygon, grid, &mut mask, true);
    mask
}

/// Sets `value` in `cells` (row-major on `grid`) wherever a pixel centre lies inside `polygon`
/// (in `grid`'s CRS), and returns how many cells it set; for burning many polygons into one
/// raster, e.g. numbered buildings. Scanline fill over the polygon's rows only: each pixel
/// row's centre line is cut by every ring edge that crosses it (half-open in y, so a vertex on
/// the line counts once) and pixels between alternate crossings are set. A grid without an
/// inverse transform sets nothing.
///
/// ```
/// use geo_types::polygon;
/// use raster::{Crs, GeoTransform, Grid};
/// let grid = Grid::new(Crs::wgs84(), GeoTransform::north_up(0.0, 4.0, 1.0, 1.0), 4, 4);
/// let mut numbers = vec![0u32; 16];
/// let left = polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 4.0), (x: 0.0, y: 4.0)];
/// let right = polygon![(x: 2.0, y: 0.0), (x: 4.0, y: 0.0), (x: 4.0, y: 4.0), (x: 2.0, y: 4.0)];
/// assert_eq!(registry::burn(&left, &grid, &mut numbers, 1), 8);
/// assert_eq!(registry::burn(&right, &grid, &mut numbers, 2), 8);
/// assert_eq!(&numbers[..4], &[1, 1, 2, 2]);
/// ```
pub fn burn<T: Copy>(polygon: &Polygon<f64>, grid: &Grid, cells: &mut [T], value: T) -> usize {
    let (w, h) = (grid.width, grid.height);
    let Some(to_pixel) = grid.transform.inverse() else {
        return 0;
    };
    let rings: Vec<Vec<(f64, f64)>> = std::iter::once(polygon.exterior())
        .chain(polygon.interiors())
        .map(|ring| ring.0.iter().map(|c| to_pixel.apply(c.x, c.y)).collect())
        .collect();
    // Rows whose centre line y = row + 0.5 can cross an edge (none for an empty polygon).
    let (low, high) = rings
        .iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(_, y)| {
            (lo.min(y), hi.max(y))
        });
    let first_row = (low - 0.5).ceil().clamp(0.0, h as f64) as usize;
    let end_row = ((high - 0.5).floor() + 1.0).clamp(0.0, h as f64) as usize;
    let mut set = 0;
    let mut crossings = Vec::new();
    for row in first_row..end_row {
        let yc = row as f64 + 0.5;
        crossings.clear();
        for ring in &rings {
            for edge in ring.windows(2) {
                let ((x0, y0), (x1, y1)) = (edge[0], edge[1]);
                if (y0 <= yc) != (y1 <= yc) {
                    crossings.push(x0 + (yc - y0) * (x1 - x0) / (y1 - y0));
                }
            }
        }
        crossings.sort_by(f64::total_cmp);
        for span in crossings.chunks_exact(2) {
            // Pixels whose centre c + 0.5 lies in [span[0], span[1]).
            let first = (span[0] - 0.5).ceil().max(0.0) as usize;
            let end = ((span[1] - 0.5).ceil().max(0.0) as usize).min(w);
            let span_cells = &mut cells[row * w + first.min(end)..row * w + end];
            set += span_cells.len();
            span_cells.fill(value);
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{polygon, Coord, LineString};
    use raster::{Crs, GeoTransform};

    fn pixel_grid(w: usize, h: usize) -> Grid {
        // Map y up, one unit per pixel: pixel (c, r) has its centre at (c + 0.5, h - r - 0.5).
        Grid::new(
            Crs::wgs84(),
            GeoTransform::north_up(0.0, h as f64, 1.0, 1.0),
            w,
            h,
        )
    }

    #[test]
    fn a_pixel_is_in_exactly_when_its_centre_is() {
        let grid = pixel_grid(20, 20);
        let triangle = polygon![(x: 1.37, y: 2.13), (x: 17.81, y: 4.64), (x: 6.23, y: 18.92)];
        let mask = rasterize(&triangle, &grid);
        use geo::Contains;
        for r in 0..20 {
            for c in 0..20 {
                let (x, y) = grid.pixel_center(c, r);
                let inside = triangle.contains(&Coord { x, y });
                assert_eq!(mask[r * 20 + c], inside, "pixel ({c}, {r})");
            }
        }
    }

    #[test]
    fn holes_are_left_out_and_the_grid_edge_clips() {
        let grid = pixel_grid(10, 10);
        let outer = LineString::from(vec![(-5.0, -5.0), (8.0, -5.0), (8.0, 8.0), (-5.0, 8.0)]);
        let hole = LineString::from(vec![(2.0, 2.0), (4.0, 2.0), (4.0, 4.0), (2.0, 4.0)]);
        let mask = rasterize(&Polygon::new(outer, vec![hole]), &grid);
        // 8 x 8 pixels of the grid are inside the outer ring, 2 x 2 of them in the hole.
        assert_eq!(mask.iter().filter(|&&m| m).count(), 64 - 4);
    }
}
