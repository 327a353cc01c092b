//! A whole report on the synthetic plant complex: written, verified against its manifest, and
//! opened in headless Chromium to see that the page shows every figure without the network.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate};
use raster::{warp, CoordTransform, Crs, GeoTransform, Grid, Raster, Resampling, WarpOptions};
use report::{
    BuildingRow, Finding, ImageryRow, IndicatorPoint, ManifestInput, NamedQuantity, Outline,
    OutlineStyle, Panel, Panels, Provenance, Quantity, ReportInput, SiteDossier, TimelineEntry,
};
use synth::{ChangeKind, Rect, Scenario, TruthEvent};

/// The crops' pixel size, the plant's main sensor's.
const GSD: f64 = 0.5;
/// The ground shown around the buildings of a finding.
const PAD_M: f64 = 30.0;

/// The scenario's images, rendered once each and put on their true grids (the synthetic
/// georeferencing error is what co-registration removes; the report starts after it).
struct Images<'a> {
    scenario: &'a Scenario,
    rendered: HashMap<usize, Raster>,
}

impl Images<'_> {
    /// Image `index` warped onto `grid`.
    fn crop(&mut self, index: usize, grid: &Grid) -> Raster {
        let scenario = self.scenario;
        let image = self.rendered.entry(index).or_insert_with(|| {
            let mut image = synth::render(scenario, index).unwrap();
            image.grid = synth::true_grid(scenario, &scenario.acquisitions[index]).unwrap();
            image
        });
        warp(&*image, grid, Resampling::Bilinear, &WarpOptions::default())
            .unwrap()
            .raster
    }
}

fn date(scenario: &Scenario, index: usize) -> NaiveDate {
    DateTime::parse_from_rfc3339(&scenario.acquisitions[index].datetime)
        .unwrap()
        .date_naive()
}

fn parts<'a>(scenario: &'a Scenario, building: &str, index: usize) -> &'a [Rect] {
    let b = scenario
        .buildings
        .iter()
        .find(|b| b.id == building)
        .unwrap();
    &b.states[index].as_ref().unwrap().footprint.parts
}

fn area(rects: &[Rect]) -> Quantity {
    let value: f64 = rects.iter().map(Rect::area).sum();
    // Half a pixel of edge position all round: the interval a 0.5 m outline gives.
    let edge: f64 = rects.iter().map(|r| (r.length + r.width) * GSD).sum();
    Quantity {
        value,
        low: value - edge,
        high: value + edge,
        level: 0.95,
        unit: "m²".into(),
    }
}

fn length(metres: f64) -> Quantity {
    Quantity {
        value: metres,
        low: metres - GSD,
        high: metres + GSD,
        level: 0.95,
        unit: "m".into(),
    }
}

fn outline(rect: &Rect, style: OutlineStyle, on: Panels) -> Outline {
    Outline {
        ring: rect.corners().to_vec(),
        style,
        on,
    }
}

/// A north-up crop grid of [`GSD`] around `rects`, [`PAD_M`] wider on every side.
fn crop_grid(scenario: &Scenario, rects: &[&Rect]) -> Grid {
    let (x0, y0, x1, y1) = rects
        .iter()
        .map(|r| r.bounds())
        .fold((f64::MAX, f64::MAX, f64::MIN, f64::MIN), |a, b| {
            (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3))
        });
    let left = ((x0 - PAD_M) / GSD).floor() * GSD;
    let top = ((y1 + PAD_M) / GSD).ceil() * GSD;
    Grid::new(
        Crs::from_epsg(scenario.epsg).unwrap(),
        GeoTransform::north_up(left, top, GSD, GSD),
        ((x1 + PAD_M - left) / GSD).ceil() as usize,
        ((top - (y0 - PAD_M)) / GSD).ceil() as usize,
    )
}

fn lonlat(scenario: &Scenario, rect: &Rect) -> (f64, f64) {
    CoordTransform::new(&Crs::from_epsg(scenario.epsg).unwrap(), &Crs::wgs84())
        .unwrap()
        .transform_point(rect.cx, rect.cy)
        .unwrap()
}

fn panel(scenario: &Scenario, images: &mut Images, index: usize, grid: &Grid) -> Panel {
    let acquisition = &scenario.acquisitions[index];
    Panel {
        crop: images.crop(index, grid),
        sensor: acquisition.sensor.clone(),
        credit: acquisition.credit.clone(),
        acquired: date(scenario, index),
    }
}

/// The finding of a truth event: the building's new parts outlined in red, its parts before
/// the change dashed, and `reference` (another building to compare with) in cyan.
fn finding(
    scenario: &Scenario,
    images: &mut Images,
    event: &TruthEvent,
    title: &str,
    reference: Option<&str>,
) -> Finding {
    let after = parts(scenario, &event.building, event.after);
    let before = match event.kind {
        ChangeKind::Appeared => &[][..],
        _ => parts(scenario, &event.building, event.before),
    };
    let reference = reference.map_or(&[][..], |id| parts(scenario, id, event.after));
    let new: Vec<&Rect> = after.iter().filter(|r| !before.contains(r)).collect();
    let shown: Vec<&Rect> = after.iter().chain(reference).collect();
    let grid = crop_grid(scenario, &shown);
    let mut outlines: Vec<Outline> = new
        .iter()
        .map(|r| outline(r, OutlineStyle::New, Panels::Both))
        .collect();
    outlines.extend(
        before
            .iter()
            .map(|r| outline(r, OutlineStyle::Previous, Panels::Both)),
    );
    outlines.extend(
        reference
            .iter()
            .map(|r| outline(r, OutlineStyle::Reference, Panels::Both)),
    );
    let new_owned: Vec<Rect> = new.iter().map(|r| **r).collect();
    Finding {
        title: title.to_string(),
        building_codes: vec![event.building.clone()],
        kind: format!("{:?}", event.kind).to_lowercase(),
        not_before: date(scenario, event.before),
        by: date(scenario, event.after),
        lonlat: lonlat(scenario, new[0]),
        mgrs: format!(
            "{}S (synthetic) {:.0} {:.0}",
            scenario.epsg % 100,
            new[0].cx,
            new[0].cy
        ),
        measures: vec![
            NamedQuantity {
                label: "new roofed area".into(),
                quantity: area(&new_owned),
            },
            NamedQuantity {
                label: "length".into(),
                quantity: length(new[0].length),
            },
            NamedQuantity {
                label: "width".into(),
                quantity: length(new[0].width),
            },
        ],
        before: panel(scenario, images, event.before, &grid),
        after: panel(scenario, images, event.after, &grid),
        outlines,
    }
}

fn input(scenario: &Scenario, inputs: Vec<ManifestInput>) -> ReportInput {
    let events = synth::events(scenario);
    let event = |building: &str, kind: ChangeKind| {
        events
            .iter()
            .find(|e| e.building == building && e.kind == kind)
            .unwrap()
            .clone()
    };
    let mut images = Images {
        scenario,
        rendered: HashMap::new(),
    };
    let findings = vec![
        finding(
            scenario,
            &mut images,
            &event("hall-new", ChangeKind::Appeared),
            "New final-assembly hall appeared beside the original",
            Some("hall-original"),
        ),
        finding(
            scenario,
            &mut images,
            &event("workshop", ChangeKind::Expanded),
            "Workshop enlarged by an annex",
            None,
        ),
    ];
    let last = scenario.acquisitions.len() - 1;
    let buildings = scenario
        .buildings
        .iter()
        .filter_map(|b| Some((b, b.states[last].as_ref()?)))
        .map(|(b, state)| {
            let main = &state.footprint.parts[0];
            BuildingRow {
                code: b.id.clone(),
                kind: b.label.clone(),
                area: Some(area(&state.footprint.parts)),
                length: Some(length(main.length)),
                width: Some(length(main.width)),
                lonlat: lonlat(scenario, main),
                mgrs: format!("{}S (synthetic)", scenario.epsg % 100),
                history: format!("standing on {}", date(scenario, last)),
                review: "unreviewed".into(),
            }
        })
        .collect();
    let timeline = events
        .iter()
        .map(|e| TimelineEntry {
            date: date(scenario, e.after),
            kind: "detected change".into(),
            text: format!("{} {:?}", e.building, e.kind).to_lowercase(),
            source: format!(
                "images of {} and {}; see https://example.org/sitewatch/{}",
                date(scenario, e.before),
                date(scenario, e.after),
                e.building
            ),
        })
        .collect();
    let indicators = (0..scenario.acquisitions.len())
        .map(|i| {
            let standing = |kind: Option<synth::BuildingUse>| -> Vec<Rect> {
                scenario
                    .buildings
                    .iter()
                    .filter(|b| kind.is_none_or(|k| b.building_use == k))
                    .filter_map(|b| b.states[i].as_ref())
                    .flat_map(|s| s.footprint.parts.clone())
                    .collect()
            };
            let new: Vec<Rect> = scenario
                .buildings
                .iter()
                .filter(|b| b.states[0].is_none())
                .filter_map(|b| b.states[i].as_ref())
                .flat_map(|s| s.footprint.parts.clone())
                .collect();
            let housing = standing(Some(synth::BuildingUse::Residential));
            IndicatorPoint {
                date: date(scenario, i),
                roofed_area: area(&standing(None)),
                new_buildings: scenario
                    .buildings
                    .iter()
                    .filter(|b| b.states[0].is_none() && b.states[i].is_some())
                    .count(),
                new_building_area: area(&new),
                housing_blocks: housing.len(),
                housing_area: area(&housing),
            }
        })
        .collect();
    let aoi = synth::aoi_lonlat(scenario).unwrap();
    ReportInput {
        site: SiteDossier {
            name: "Plant complex (synthetic)".into(),
            aliases: vec!["Factory 1".into(), "Works <No. 7>".into()],
            parent_complex: Some("Synthetic Machine-Building Association".into()),
            products: "final assembly of vehicles".into(),
            notes: "A synthetic site: every building, date and change is made up.".into(),
            aoi_lonlat: aoi,
            ring_m: scenario.ring_m,
        },
        findings,
        buildings,
        timeline,
        indicators,
        imagery: (0..scenario.acquisitions.len())
            .map(|index| ImageryRow {
                scene: index as i64 + 1,
                date: date(scenario, index),
                sensor: "synthetic camera".into(),
                gsd_m: 0.5,
                band_count: 3,
                credit: "generated by sitewatch".into(),
                coregistration: if index == 0 {
                    "the reference".into()
                } else {
                    "REFUSED: tie points <disagree> & residual 0.81 px".into()
                },
            })
            .collect(),
        provenance: Provenance {
            inputs,
            parameters: serde_json::json!({"scenario": "plant_complex", "seed": scenario.seed}),
            sitewatch_version: "0.1.0-test".into(),
            model_version: Some("synthetic-truth".into()),
        },
    }
}

/// The size of a PNG file and how many distinct colours it has.
fn png_stats(path: &Path) -> ((u32, u32), usize) {
    let file = std::io::BufReader::new(std::fs::File::open(path).unwrap());
    let mut reader = png::Decoder::new(file).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let colours: std::collections::HashSet<&[u8]> =
        buf[..info.buffer_size()].chunks(channels).collect();
    ((info.width, info.height), colours.len())
}

/// Where a copy of the report is kept for a person to look at after the test.
fn kept() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-in-a-browser")
}

#[test]
fn a_report_on_the_plant_complex_verifies_and_shows_every_figure_in_chromium() {
    let scenario = synth::plant_complex(1);
    let outside = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let scenario_file = outside.path().join("scenario.json");
    std::fs::write(&scenario_file, serde_json::to_vec(&scenario).unwrap()).unwrap();
    let scenario_input =
        ManifestInput::hash(dir.path(), &scenario_file, "synthetic scenario").unwrap();
    let input = input(&scenario, vec![scenario_input]);

    let files = report::write_report(&input, dir.path()).unwrap();
    assert_eq!(files.page, dir.path().join("index.html"));
    assert_eq!(files.figures.len(), 2);
    for figure in &files.figures {
        let ((w, h), colours) = png_stats(figure);
        assert!(w >= 2 * 400 && h >= 400, "{}: {w} x {h}", figure.display());
        assert!(colours > 1000, "{}: {colours} colours", figure.display());
    }
    let check = report::verify(dir.path()).unwrap();
    assert!(check.is_intact(), "{:?}", check.problems);
    assert_eq!(check.inputs, 1 + 2 + 1, "scenario, two figures, the page");

    let page = std::fs::read_to_string(&files.page).unwrap();
    for expected in [
        "Plant complex (synthetic)",
        "Works &lt;No. 7&gt;",
        "New final-assembly hall appeared beside the original",
        "src=\"figures/finding-01.png\"",
        "<a href=\"https://example.org/sitewatch/hall-new\"",
        "<svg class=\"chart\"",
        "hall-original",
        "synthetic-truth",
        "<h2>Imagery</h2>",
        "REFUSED: tie points &lt;disagree&gt; &amp; residual 0.81 px",
    ] {
        assert!(page.contains(expected), "the page lacks {expected}");
    }
    assert!(
        !page.contains("src=\"http"),
        "the page loads nothing from the network"
    );

    let profile = tempfile::tempdir().unwrap();
    let (loaded, total) = testkit::browser::images_loaded(profile.path(), &files.page);
    assert_eq!((loaded, total), (2, 2), "images loaded / on the page");

    let screenshot = profile.path().join("screenshot.png");
    testkit::browser::headless(
        profile.path(),
        &files.page,
        &[
            &format!("--screenshot={}", screenshot.display()),
            "--window-size=1280,2000",
            "--hide-scrollbars",
        ],
    );
    let ((w, h), colours) = png_stats(&screenshot);
    assert_eq!((w, h), (1280, 2000));
    assert!(colours > 1000, "the screenshot has only {colours} colours");

    let keep = kept();
    let _ = std::fs::remove_dir_all(&keep);
    std::fs::create_dir_all(keep.join("figures")).unwrap();
    std::fs::copy(&screenshot, keep.join("screenshot.png")).unwrap();
    for path in files.figures.iter().chain([&files.page, &files.manifest]) {
        let relative = path.strip_prefix(dir.path()).unwrap();
        std::fs::copy(path, keep.join(relative)).unwrap();
    }

    // A figure touched up after the fact is caught.
    let mut bytes = std::fs::read(&files.figures[1]).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&files.figures[1], bytes).unwrap();
    let check = report::verify(dir.path()).unwrap();
    assert_eq!(check.problems.len(), 1);
    assert_eq!(check.problems[0].path, Path::new("figures/finding-02.png"));
}
