//! The SpaceNet Atlanta tile as referee: its 43 building footprints are burnt into the image's
//! 0.5 m grid (pixel centre inside), traced back with `detect::polygonize` and compared with the
//! footprints as given. Six footprints are clipped at the tile edge: the truth is the clipped
//! footprint (what the tile shows), not the unclipped `origarea`. IoU is computed exactly with
//! polygon boolean operations (`geo::BooleanOps`).
//!
//! `cargo test --release -p registry --test spacenet_roundtrip -- --nocapture` prints the
//! figures. GDAL's `gdal_rasterize` is the referee of the burning itself.

use detect::{polygonize, Components};
use geo::{Area, BooleanOps};
use geo_types::{Geometry, LineString, MultiPolygon, Polygon};
use raster::{GeoTiff, Grid, RasterSource, Window};
use registry::{burn, measure_footprint, EqualArea, OutlineOptions, Regularisation};

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        0.5 * (values[n / 2 - 1] + values[n / 2])
    }
}

/// Each footprint of the file with its `origarea`, as polygons in the file's CRS (EPSG:32616).
fn footprints() -> Vec<(MultiPolygon<f64>, f64)> {
    let path = testkit::data_file("spacenet-atlanta/buildings.geojson");
    let text = std::fs::read_to_string(&path).unwrap();
    let collection: geojson::FeatureCollection = text.parse().unwrap();
    assert!(
        text.contains("urn:ogc:def:crs:EPSG::32616"),
        "{} should declare EPSG:32616",
        path.display()
    );
    collection
        .features
        .into_iter()
        .map(|f| {
            let origarea = f.property("origarea").and_then(|v| v.as_f64()).unwrap();
            let geometry: Geometry<f64> = f.geometry.unwrap().value.try_into().unwrap();
            let polygons = match geometry {
                Geometry::Polygon(p) => MultiPolygon(vec![p]),
                Geometry::MultiPolygon(m) => m,
                other => panic!("a footprint that is no polygon: {other:?}"),
            };
            (polygons, origarea)
        })
        .collect()
}

/// The window of `grid` around `shape`, two pixels wider each side, clipped to the grid.
fn window_around(shape: &MultiPolygon<f64>, grid: &Grid) -> Window {
    let to_pixel = grid.transform.inverse().unwrap();
    let (mut c0, mut r0, mut c1, mut r1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for p in &shape.0 {
        for c in &p.exterior().0 {
            let (col, row) = to_pixel.apply(c.x, c.y);
            (c0, r0, c1, r1) = (c0.min(col), r0.min(row), c1.max(col), r1.max(row));
        }
    }
    let clamp = |v: f64, max: usize| v.max(0.0).min(max as f64) as usize;
    let (c0, r0) = (
        clamp(c0.floor() - 2.0, grid.width),
        clamp(r0.floor() - 2.0, grid.height),
    );
    let (c1, r1) = (
        clamp(c1.ceil() + 2.0, grid.width),
        clamp(r1.ceil() + 2.0, grid.height),
    );
    Window::new(c0, r0, c1 - c0, r1 - r0)
}

fn as_geo(p: &detect::Polygon) -> Polygon<f64> {
    Polygon::new(
        LineString::from(p.exterior.clone()),
        p.holes
            .iter()
            .map(|h| LineString::from(h.clone()))
            .collect(),
    )
}

fn iou(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> f64 {
    a.intersection(b).unsigned_area() / a.union(b).unsigned_area()
}

#[test]
fn burnt_and_traced_footprints_match_the_spacenet_truth() {
    let image = GeoTiff::open(testkit::data_file("spacenet-atlanta/image.tif")).unwrap();
    let grid = image.grid().clone();
    assert_eq!(grid.crs.epsg, Some(32616));
    let basis = EqualArea::for_grid(&grid).unwrap();
    let tile = {
        let c = grid.corners();
        MultiPolygon(vec![Polygon::new(LineString::from(c.to_vec()), vec![])])
    };
    let squared = OutlineOptions {
        regularisation: Regularisation::RightAngles,
        ..OutlineOptions::default()
    };

    let (mut area_errors, mut ious, mut squared_ious, mut changes) =
        (vec![], vec![], vec![], vec![]);
    let (mut clipped, mut inside, mut squared_inside, mut declined) = (0, 0, 0, 0);
    let all = footprints();
    for (shape, origarea) in &all {
        // The truth is what the tile shows: the footprint clipped to the tile.
        let truth = shape.intersection(&tile);
        let truth_area = truth.unsigned_area();
        if (origarea - truth_area).abs() > 0.01 * origarea {
            clipped += 1;
        }
        let window = window_around(shape, &grid);
        let wgrid = grid.window_grid(&window);
        let mut mask = vec![false; window.len()];
        for p in &shape.0 {
            burn(p, &wgrid, &mut mask, true);
        }
        let components = Components::label(&mask, wgrid.width, wgrid.height);
        let outlines = polygonize(&components);
        let traced = MultiPolygon(
            outlines
                .iter()
                .map(|o| as_geo(&o.transformed(&wgrid.transform)))
                .collect(),
        );
        area_errors.push((traced.unsigned_area() - truth_area).abs() / truth_area);
        ious.push(iou(&traced, &truth));

        // The measures: intervals against the true (equal-area) area, and what squaring does.
        let true_m2: f64 = truth.0.iter().map(|p| basis.area_m2(p).unwrap()).sum();
        let measured: Vec<_> = outlines
            .iter()
            .map(|o| measure_footprint(o, &wgrid, &basis, 0.0, &OutlineOptions::default()).unwrap())
            .collect();
        let squares: Vec<_> = outlines
            .iter()
            .map(|o| measure_footprint(o, &wgrid, &basis, 0.0, &squared).unwrap())
            .collect();
        let (value, half) = measured.iter().fold((0.0, 0.0), |(v, h), m| {
            (v + m.area_m2.value, h + m.area_m2.half_width())
        });
        inside += ((value - true_m2).abs() <= half) as usize;
        let (value, half) = squares.iter().fold((0.0, 0.0), |(v, h), m| {
            (v + m.area_m2.value, h + m.area_m2.half_width())
        });
        squared_inside += ((value - true_m2).abs() <= half) as usize;
        declined += squares
            .iter()
            .filter(|m| m.regularisation == Regularisation::PixelEdges)
            .count();
        let change: f64 = squares.iter().map(|m| m.regularisation_change_m2).sum();
        changes.push(change / true_m2);
        let squared_outline = MultiPolygon(squares.iter().map(|m| m.outline.clone()).collect());
        squared_ious.push(iou(&squared_outline, &truth));
    }
    let n = all.len();
    let (median_error, median_iou) = (median(area_errors.clone()), median(ious.clone()));
    println!(
        "{n} footprints, {clipped} clipped at the tile edge (compared with the clipped truth)"
    );
    println!(
        "pixel edges: median |area error| {:.3}%, mean {:.3}%, median IoU {:.4}, min IoU {:.4}",
        100.0 * median_error,
        100.0 * area_errors.iter().sum::<f64>() / n as f64,
        median_iou,
        ious.iter().copied().fold(1.0, f64::min),
    );
    println!("95% area intervals holding the true area: pixel edges {inside}/{n}, squared {squared_inside}/{n}");
    println!("right-angle regularisation declined (no right-angle form) for {declined} outlines");
    println!(
        "right-angle regularisation: median area change {:+.3}%, median |change| {:.3}%, max |change| {:.3}%, median IoU {:.4}",
        100.0 * median(changes.clone()),
        100.0 * median(changes.iter().map(|c| c.abs()).collect()),
        100.0 * changes.iter().map(|c| c.abs()).fold(0.0, f64::max),
        median(squared_ious),
    );
    assert_eq!(n, 43);
    assert_eq!(
        clipped, 6,
        "the data's README says 6 footprints are clipped"
    );
    assert!(median_error <= 0.005, "median area error {median_error}");
    assert!(median_iou >= 0.96, "median IoU {median_iou}");
    assert!(
        inside as f64 >= 0.9 * n as f64,
        "{inside}/{n} intervals hold the truth"
    );
}

#[test]
fn burning_agrees_with_gdal_rasterize_pixel_for_pixel() {
    let image = GeoTiff::open(testkit::data_file("spacenet-atlanta/image.tif")).unwrap();
    let grid = image.grid().clone();
    let mut ours = vec![false; grid.width * grid.height];
    for (shape, _) in footprints() {
        for p in &shape.0 {
            burn(p, &grid, &mut ours, true);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gdal_burnt.tif");
    let (x0, y0, x1, y1) = grid.bounds();
    let te = [x0, y0, x1, y1].map(|v| v.to_string());
    let size = [grid.width, grid.height].map(|v| v.to_string());
    let geojson = testkit::data_file("spacenet-atlanta/buildings.geojson");
    testkit::run_tool(
        "gdal_rasterize",
        &[
            "-q",
            "-burn",
            "1",
            "-ot",
            "Byte",
            "-te",
            &te[0],
            &te[1],
            &te[2],
            &te[3],
            "-ts",
            &size[0],
            &size[1],
            geojson.to_str().unwrap(),
            out.to_str().unwrap(),
        ],
    );
    let gdal = GeoTiff::open(&out).unwrap();
    assert_eq!(gdal.grid().transform, grid.transform);
    let theirs = gdal.read_window(&grid.full_window()).unwrap();
    let disagree = ours
        .iter()
        .zip(theirs.band(0))
        .filter(|(&a, &b)| a != (b > 0.0))
        .count();
    let burnt = ours.iter().filter(|&&m| m).count();
    println!("gdal_rasterize: {burnt} pixels burnt, {disagree} disagree");
    assert_eq!(
        disagree, 0,
        "{disagree} of {burnt} pixels differ from gdal_rasterize"
    );
}
