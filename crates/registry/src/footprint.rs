//! The measurement of a building footprint from its pixel-edge outline: area, length and width
//! on a true equal-area basis, each with its interval and named sources.
//!
//! # The uncertainty model (intervals at 95%)
//!
//! * **Edge position.** A pixel-edge outline puts each edge on the pixel boundary nearest the
//!   true edge, so each stretch of edge is off by at most half a pixel. The whole outline
//!   moved out (or in) by half a pixel changes the area by `perimeter × GSD / 2`: that is the
//!   bound when the offset is the same all round (a threshold or blur that grows every edge
//!   alike, the usual case in detected outlines), and it is taken as the 95% half-width.
//!   Where the offsets are independent along the perimeter (pure pixel quantisation of a
//!   sharp outline) they partly cancel and the bound is conservative. The perimeter is that
//!   of the simplified outline: a pixel staircase along a slanted edge is up to √2 too long.
//! * **Co-registration residual.** A residual of `rmse` pixels after alignment moves edges by
//!   about that much: a pure translation leaves the area alone, but a residual that differs
//!   across the building (scale, shear, local misfit) moves edges in or out, by at most
//!   `rmse × GSD × perimeter` in area, taken as its 95% half-width.
//! * **Outline regularisation.** Squaring or fitting a rectangle to an outline changes its
//!   area; the change `|A_regularised - A_pixel edges|` is the term of that choice.
//!
//! The edge and residual terms come from separate causes and are taken as independent: their
//! half-widths combine in quadrature. The regularisation change is no random error but a
//! known difference between two outlines of the same pixels (a rectangle on a convex hull only
//! ever grows), so it is added in full ([`Source::added`]).
//!
//! **Length and width.** The minimum rotated rectangle (rotating calipers on the convex hull)
//! of the pixel-edge outline gives the building's direction, but its sides touch the outer
//! pixel corners: on a slanted edge these stick out by `(|cos| + |sin| - 1) / 2` pixels on
//! average (0.15 px at 23°, 0.2 px at 45°), a bias. The sides are therefore placed where the
//! right-angle regularisation puts them (the line through the middle of each staircase) and
//! length and width are that outline's extents along and across the direction; the
//! rectangle's own sides are the fallback where no right-angle form exists. Each extent has two
//! ends, and under the same model as the area (an offset the same all round) both move
//! together: the half-widths are `2 × GSD / 2 = GSD` for the edge position and `2 × rmse × GSD`
//! for the residual.

use geo::{Area, ConvexHull, Euclidean, Length, MinimumRotatedRect, Simplify};
use geo_types::{Coord, LineString, Polygon};
use raster::Grid;
use serde::Serialize;

use crate::equal_area::EqualArea;
use crate::error::RegistryError;
use crate::measure::{Measure, Source};
use crate::regularise::regularise_right_angles;

/// How the delivered outline is drawn from the pixel-edge outline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Regularisation {
    /// The exact pixel-edge outline (its area is the pixel count times the pixel area).
    PixelEdges,
    /// Simplified and squared to the building's dominant direction
    /// ([`regularise_right_angles`]), where the squared outline's area stays within the edge
    /// term (`perimeter × GSD / 2`) of the pixel-edge outline's; elsewhere the building has
    /// no right-angle form and the pixel-edge outline is delivered (and reported as such).
    RightAngles,
    /// The minimum rotated rectangle (rotating calipers on the convex hull).
    MinimumRectangle,
    /// A rectangle whose sides were placed on the image's roof edges
    /// ([`crate::refine_edges`]): a new measurement of the building, not a redrawing of its
    /// pixels, so its area change against the pixel edges is reported but is no term of the
    /// interval; the scatter of the edge positions is.
    RefinedEdges,
}

/// The choices of outline measurement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OutlineOptions {
    /// Douglas-Peucker tolerance in pixels. The corners of a pixel staircase along a straight
    /// edge lie in a band `|cos| + |sin|` pixels wide (at most √2), so 1 px removes nearly all
    /// stairs while keeping real corners of more than a pixel.
    pub simplify_tolerance_px: f64,
    /// How the delivered outline is drawn.
    pub regularisation: Regularisation,
}

impl Default for OutlineOptions {
    fn default() -> Self {
        OutlineOptions {
            simplify_tolerance_px: 1.0,
            regularisation: Regularisation::PixelEdges,
        }
    }
}

/// A measured building footprint: the delivered outline and its measures.
#[derive(Debug, Clone, Serialize)]
pub struct FootprintMeasure {
    /// Area of the delivered outline on the equal-area basis, m².
    pub area_m2: Measure,
    /// The extent along the building's direction (the longer), m.
    pub length_m: Measure,
    /// The extent across the building's direction (the shorter), m.
    pub width_m: Measure,
    /// Perimeter of the simplified outline, m: the length the edge terms run along.
    pub perimeter_m: f64,
    /// The pixel size on the equal-area basis, m (the square root of a pixel's true area).
    pub gsd_m: f64,
    /// The co-registration residual assumed, pixels.
    pub coreg_rmse_px: f64,
    /// How the delivered outline was actually drawn (squaring can be declined, see
    /// [`Regularisation::RightAngles`]).
    pub regularisation: Regularisation,
    /// Area of the delivered outline minus area of the pixel-edge outline, m² (zero for
    /// [`Regularisation::PixelEdges`]): what regularisation or refinement changed.
    pub regularisation_change_m2: f64,
    /// The delivered outline, in the grid's CRS.
    pub outline: Polygon<f64>,
}

/// Measures the footprint whose pixel-edge outline is `outline` (pixel corners of `grid`, as
/// [`detect::polygonize()`] gives them), on the equal-area `basis` (made for `grid`'s CRS),
/// with a co-registration residual of `coreg_rmse_px` pixels.
pub fn measure_footprint(
    outline: &detect::Polygon,
    grid: &Grid,
    basis: &EqualArea,
    coreg_rmse_px: f64,
    options: &OutlineOptions,
) -> Result<FootprintMeasure, RegistryError> {
    let in_map = to_geo(&outline.transformed(&grid.transform));
    let pixel_edges = basis.project(&in_map)?;
    let pixel_edge_area = pixel_edges.unsigned_area();
    let map_area = in_map.unsigned_area();
    if pixel_edge_area <= 0.0 || map_area <= 0.0 {
        return Err(RegistryError::EmptyOutline {
            vertices: outline.exterior.len(),
        });
    }
    // The true pixel size here: the grid's GSD scaled by the local area distortion of its CRS.
    let gsd = grid.gsd() * (pixel_edge_area / map_area).sqrt();
    let simplified = pixel_edges.simplify(options.simplify_tolerance_px * gsd);
    let perimeter = std::iter::once(simplified.exterior())
        .chain(simplified.interiors())
        .map(|ring| Euclidean.length(ring))
        .sum::<f64>();
    let rectangle =
        pixel_edges
            .convex_hull()
            .minimum_rotated_rect()
            .ok_or(RegistryError::EmptyOutline {
                vertices: outline.exterior.len(),
            })?;
    let (mut length, mut width, angle) = sides(rectangle.exterior());
    let squared = regularise_right_angles(&pixel_edges, angle, options.simplify_tolerance_px * gsd);
    if let Some(squared) = &squared {
        (length, width) = extents(squared.exterior(), angle);
    }

    let edge_term = perimeter * gsd / 2.0;
    let (delivered, regularisation) = match options.regularisation {
        // Refinement needs the image ([`measure_refined`]): from pixels alone the pixel
        // edges are delivered, and reported as such.
        Regularisation::PixelEdges | Regularisation::RefinedEdges => {
            (pixel_edges.clone(), Regularisation::PixelEdges)
        }
        // Squaring is kept only where the pixels allow it: a change of area beyond the edge
        // term means the building has no right-angle form (a slanted or curved wall).
        Regularisation::RightAngles => match squared {
            Some(squared) if (squared.unsigned_area() - pixel_edge_area).abs() <= edge_term => {
                (squared, Regularisation::RightAngles)
            }
            _ => (pixel_edges.clone(), Regularisation::PixelEdges),
        },
        Regularisation::MinimumRectangle => (rectangle, Regularisation::MinimumRectangle),
    };
    let area = delivered.unsigned_area();
    let change = area - pixel_edge_area;

    let mut area_sources = vec![
        Source::new(
            format!("edge position ±½ pixel along the perimeter (GSD {gsd:.2} m, perimeter {perimeter:.1} m)"),
            edge_term,
        ),
        Source::new(
            format!("co-registration residual {coreg_rmse_px:.2} px"),
            coreg_rmse_px * gsd * perimeter,
        ),
    ];
    if regularisation != Regularisation::PixelEdges {
        area_sources.push(Source::added("outline regularisation", change));
    }
    let extent = |value: f64| Measure::new(value, extent_sources(gsd, coreg_rmse_px));
    Ok(FootprintMeasure {
        area_m2: Measure::new(area, area_sources),
        length_m: extent(length),
        width_m: extent(width),
        perimeter_m: perimeter,
        gsd_m: gsd,
        coreg_rmse_px,
        regularisation,
        regularisation_change_m2: change,
        outline: basis.unproject(&delivered)?,
    })
}

/// Measures a rectangle placed on the roof edges ([`Regularisation::RefinedEdges`]):
/// `outline` in `grid`'s CRS, `pixel_edge_area_m2` the area of the pixel outline it was
/// refined from, and `refinement_se_px2` the standard error of its area in square pixels (the
/// scatter of the edge positions found). The interval has the edge term and the residual term
/// of [`measure_footprint`] and the refinement's scatter at 95% (×1.96), all independent.
pub fn measure_refined(
    outline: &Polygon<f64>,
    pixel_edge_area_m2: f64,
    refinement_se_px2: f64,
    grid: &Grid,
    basis: &EqualArea,
    coreg_rmse_px: f64,
) -> Result<FootprintMeasure, RegistryError> {
    let projected = basis.project(outline)?;
    let area = projected.unsigned_area();
    let map_area = outline.unsigned_area();
    if area <= 0.0 || map_area <= 0.0 {
        return Err(RegistryError::EmptyOutline {
            vertices: outline.exterior().0.len(),
        });
    }
    let gsd = grid.gsd() * (area / map_area).sqrt();
    let perimeter = Euclidean.length(projected.exterior());
    let (length, width, _) = sides(projected.exterior());
    let refinement = 1.96 * refinement_se_px2 * gsd * gsd;
    let sources = vec![
        Source::new(
            format!("edge position ±½ pixel along the perimeter (GSD {gsd:.2} m, perimeter {perimeter:.1} m)"),
            perimeter * gsd / 2.0,
        ),
        Source::new(
            format!("co-registration residual {coreg_rmse_px:.2} px"),
            coreg_rmse_px * gsd * perimeter,
        ),
        Source::new("roof edges refined on the image (scatter of the edge profiles and dates)", refinement),
    ];
    // Each extent's share of the refinement scatter, as the area's relative share.
    let extent = |value: f64| {
        let mut sources = extent_sources(gsd, coreg_rmse_px);
        sources.push(Source::new(
            "roof edges refined on the image",
            value * refinement / area,
        ));
        Measure::new(value, sources)
    };
    Ok(FootprintMeasure {
        area_m2: Measure::new(area, sources),
        length_m: extent(length),
        width_m: extent(width),
        perimeter_m: perimeter,
        gsd_m: gsd,
        coreg_rmse_px,
        regularisation: Regularisation::RefinedEdges,
        regularisation_change_m2: area - pixel_edge_area_m2,
        outline: outline.clone(),
    })
}

/// The longer and shorter side of a rectangle ring and the direction of the longer (radians).
fn sides(ring: &LineString<f64>) -> (f64, f64, f64) {
    let c = &ring.0;
    let side =
        |a: Coord<f64>, b: Coord<f64>| ((b.x - a.x).hypot(b.y - a.y), (b.y - a.y).atan2(b.x - a.x));
    let (first, a1) = side(c[0], c[1]);
    let (second, a2) = side(c[1], c[2]);
    if first >= second {
        (first, second, a1)
    } else {
        (second, first, a2)
    }
}

/// The longer and shorter extent of `ring` along the direction `angle` and across it.
fn extents(ring: &LineString<f64>, angle: f64) -> (f64, f64) {
    let (sin, cos) = angle.sin_cos();
    let span = |values: Vec<f64>| {
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        max - min
    };
    let along = span(ring.0.iter().map(|c| c.x * cos + c.y * sin).collect());
    let across = span(ring.0.iter().map(|c| -c.x * sin + c.y * cos).collect());
    (along.max(across), along.min(across))
}

/// The contributions to a length or width: the edge position and the co-registration
/// residual, each at both ends of the extent.
fn extent_sources(gsd: f64, coreg_rmse_px: f64) -> Vec<Source> {
    vec![
        Source::new(
            format!("edge position ±½ pixel at both ends (GSD {gsd:.2} m)"),
            gsd,
        ),
        Source::new(
            format!("co-registration residual {coreg_rmse_px:.2} px at both ends"),
            2.0 * coreg_rmse_px * gsd,
        ),
    ]
}

/// A pixel-edge polygon as a `geo` polygon.
pub(crate) fn to_geo(polygon: &detect::Polygon) -> Polygon<f64> {
    let ring = |r: &Vec<(f64, f64)>| LineString::from(r.clone());
    Polygon::new(
        ring(&polygon.exterior),
        polygon.holes.iter().map(ring).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rasterize::rasterize;
    use detect::{polygonize, Components};
    use geo::Rotate;
    use geo_types::polygon;
    use raster::{Crs, GeoTransform};

    /// A 0.5 m grid in UTM 16N and the pixel-edge outline of `shape` burnt into it.
    fn burnt(shape: &Polygon<f64>) -> (Grid, detect::Polygon) {
        let grid = Grid::new(
            Crs::from_epsg(32616).unwrap(),
            GeoTransform::north_up(733_500.0, 3_725_000.0, 0.5, 0.5),
            200,
            200,
        );
        let mask = rasterize(shape, &grid);
        let components = Components::label(&mask, grid.width, grid.height);
        assert_eq!(components.count(), 1);
        (grid, polygonize(&components).remove(0))
    }

    fn rotated_rectangle(length: f64, width: f64, angle_deg: f64) -> Polygon<f64> {
        let (cx, cy) = (733_550.3, 3_724_950.2);
        let rect = polygon![
            (x: cx - length / 2.0, y: cy - width / 2.0), (x: cx + length / 2.0, y: cy - width / 2.0),
            (x: cx + length / 2.0, y: cy + width / 2.0), (x: cx - length / 2.0, y: cy + width / 2.0)
        ];
        rect.rotate_around_point(angle_deg, geo_types::Point::new(cx, cy))
    }

    #[test]
    fn a_burnt_rectangle_is_measured_within_its_intervals() {
        let truth = rotated_rectangle(42.3, 17.6, 23.0);
        let (grid, outline) = burnt(&truth);
        let basis = EqualArea::for_grid(&grid).unwrap();
        let true_area = basis.area_m2(&truth).unwrap();
        for regularisation in [
            Regularisation::PixelEdges,
            Regularisation::RightAngles,
            Regularisation::MinimumRectangle,
        ] {
            let options = OutlineOptions {
                regularisation,
                ..OutlineOptions::default()
            };
            let m = measure_footprint(&outline, &grid, &basis, 0.3, &options).unwrap();
            assert!(
                m.area_m2.contains(true_area),
                "{regularisation:?}: {:?} vs {true_area}",
                m.area_m2
            );
            assert!(m.length_m.contains(42.3), "{:?}", m.length_m);
            assert!(m.width_m.contains(17.6), "{:?}", m.width_m);
            // The simplified perimeter is about the rectangle's (the staircase's is 31% longer).
            let true_perimeter = 2.0 * (42.3 + 17.6);
            assert!(
                (m.perimeter_m / true_perimeter - 1.0).abs() < 0.03,
                "{}",
                m.perimeter_m
            );
            let edge = m.perimeter_m * m.gsd_m / 2.0;
            let coreg = 0.3 * m.gsd_m * m.perimeter_m;
            let expected = (edge * edge + coreg * coreg).sqrt() + m.regularisation_change_m2.abs();
            assert!((m.area_m2.half_width() - expected).abs() < 1e-9);
        }
    }

    #[test]
    fn the_pixel_edge_area_is_the_pixel_count_on_the_equal_area_basis() {
        let truth = rotated_rectangle(20.0, 12.0, 61.0);
        let (grid, outline) = burnt(&truth);
        let basis = EqualArea::for_grid(&grid).unwrap();
        let m =
            measure_footprint(&outline, &grid, &basis, 0.0, &OutlineOptions::default()).unwrap();
        let pixels = outline.area();
        assert!((m.area_m2.value - pixels * m.gsd_m * m.gsd_m).abs() < 1e-6 * m.area_m2.value);
        assert_eq!(m.regularisation_change_m2, 0.0);
        // Back in the grid's CRS, the delivered outline is where it was burnt.
        let in_map = to_geo(&outline.transformed(&grid.transform));
        assert!((m.outline.unsigned_area() - in_map.unsigned_area()).abs() < 1e-6);
    }

    #[test]
    fn regularising_reports_its_area_change() {
        let truth = rotated_rectangle(30.0, 10.0, 35.0);
        let (grid, outline) = burnt(&truth);
        let basis = EqualArea::for_grid(&grid).unwrap();
        let options = OutlineOptions {
            regularisation: Regularisation::MinimumRectangle,
            ..OutlineOptions::default()
        };
        let m = measure_footprint(&outline, &grid, &basis, 0.0, &options).unwrap();
        let source = m
            .area_m2
            .sources
            .iter()
            .find(|s| s.name == "outline regularisation")
            .unwrap();
        assert!(
            m.regularisation_change_m2 > 0.0,
            "a hull-based rectangle only grows"
        );
        assert_eq!(source.half_width, m.regularisation_change_m2);
    }

    #[test]
    fn squaring_is_declined_where_the_building_has_no_right_angles() {
        let (cx, cy) = (733_550.3, 3_724_950.2);
        let triangle =
            polygon![(x: cx, y: cy), (x: cx + 30.0, y: cy + 4.0), (x: cx + 9.0, y: cy + 26.0)];
        let (grid, outline) = burnt(&triangle);
        let basis = EqualArea::for_grid(&grid).unwrap();
        let options = OutlineOptions {
            regularisation: Regularisation::RightAngles,
            ..OutlineOptions::default()
        };
        let m = measure_footprint(&outline, &grid, &basis, 0.0, &options).unwrap();
        assert_eq!(m.regularisation, Regularisation::PixelEdges);
        assert_eq!(m.regularisation_change_m2, 0.0);
        assert!(m.area_m2.contains(basis.area_m2(&triangle).unwrap()));
    }
}
