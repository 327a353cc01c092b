//! The review page in a real browser: a generated site (three dates of synthetic imagery, one
//! change and one building where the scenario planted a new building) is served on a free
//! loopback port, and `web/tests/viewer.mjs` drives headless Chromium through it (tiles load,
//! the date slider, the swipe, accepting the change with the token, drawing an outline, the
//! read-only page). The review and the outline must then be in the catalog. Screenshots go to `target/browser-artifacts/`.
//!
//! Needs Chromium at /usr/bin/chromium (or `SITEWATCH_CHROMIUM`), Node.js, and
//! `npm ci --prefix crates/server/web`; without them the test fails saying what to install.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use catalog::{
    BuildingOrigin, Catalog, FootprintOrigin, Interval, NewBuilding, NewBuildingEvent, NewChange,
    NewComparison, NewScene, NewSite, ReviewTarget, SceneFile, Verdict,
};
use geo_types::{Coord, LineString, Polygon};
use raster::{CoordTransform, Crs, GeoTiff, RasterSource};
use server::{first_token, router, Access, AppState};

const SITE: &str = "Example Aerospace Plant";
/// How many of the scenario's dates the fixture images.
const DATES: usize = 3;

fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("web")
}

/// Fails, saying what to install, when the browser, Node.js or the npm packages are missing.
fn check_prerequisites() -> PathBuf {
    let chromium = testkit::browser::chromium();
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|o| o.status.success()),
        "the browser test needs Node.js (`node` on PATH): install it with `apt-get install -y nodejs npm`"
    );
    assert!(
        web_dir().join("node_modules/playwright-core").exists(),
        "the browser test needs playwright-core: run `npm ci --prefix crates/server/web`"
    );
    chromium
}

/// A polygon in longitude/latitude from corners in `crs`.
fn lonlat_polygon(corners: &[(f64, f64)], crs: &Crs) -> Polygon<f64> {
    let mut points = corners.to_vec();
    points.push(corners[0]);
    CoordTransform::new(crs, &Crs::wgs84())
        .unwrap()
        .transform_points(&mut points)
        .unwrap();
    Polygon::new(
        LineString::from(points.into_iter().map(Coord::from).collect::<Vec<_>>()),
        vec![],
    )
}

fn interval(value: f64) -> Interval {
    Interval {
        value,
        low: value * 0.9,
        high: value * 1.1,
        level: 0.95,
    }
}

/// The synthetic site on three dates, with the scenario's first new building between two of
/// them recorded as a change and as a building of the registry. Returns the catalog's path,
/// the write token and the change's id.
fn fixture(dir: &Path) -> (PathBuf, String, i64) {
    let scenario = synth::plant_complex(1);
    let imagery = dir.join("imagery");
    std::fs::create_dir_all(&imagery).unwrap();
    let db = dir.join("sitewatch.gpkg");
    let mut catalog = Catalog::open(&db).unwrap();
    let token = first_token(&mut catalog).unwrap().unwrap();

    let aoi_ring = synth::aoi_lonlat(&scenario).unwrap();
    let aoi = Polygon::new(LineString::from(aoi_ring.clone()), vec![]);
    let gsd = scenario.acquisitions[..DATES]
        .iter()
        .map(|a| a.gsd_m)
        .fold(f64::INFINITY, f64::min);
    let grid = raster::site_grid(&aoi_ring, gsd, scenario.ring_m).unwrap();
    catalog
        .add_site(NewSite {
            name: SITE.into(),
            aliases: vec!["EAP".into()],
            parent: None,
            makes: None,
            aoi,
            ring_m: scenario.ring_m,
            grid,
            gsd_from_scenes: false,
            notes: None,
        })
        .unwrap();
    let mut scene_ids = Vec::new();
    for index in 0..DATES {
        let file = synth::write_acquisition(&scenario, index, &imagery).unwrap();
        let scene_grid = GeoTiff::open(&file.path).unwrap().grid().clone();
        let scene = catalog
            .add_scene(NewScene {
                site: SITE.into(),
                acquired: file.datetime.parse().unwrap(),
                sensor: file.sensor.clone(),
                gsd_m: file.gsd_m,
                band_count: 4,
                credit: file.credit.clone(),
                sun_elevation_deg: Some(file.sun_elevation_deg),
                sun_azimuth_deg: Some(file.sun_azimuth_deg),
                off_nadir_deg: None,
                cloud_fraction: None,
                footprint: lonlat_polygon(&scene_grid.corners(), &scene_grid.crs),
                grid: scene_grid,
                files: vec![SceneFile::hash(&file.path, "image").unwrap()],
            })
            .unwrap();
        scene_ids.push(scene.id);
    }

    let event = synth::events(&scenario)
        .into_iter()
        .find(|e| e.kind == synth::ChangeKind::Appeared && e.after < DATES)
        .expect("the scenario plants a new building among the first dates");
    let building = scenario
        .buildings
        .iter()
        .find(|b| b.id == event.building)
        .unwrap();
    let rect = building.states[event.after]
        .as_ref()
        .unwrap()
        .footprint
        .parts[0];
    let outline = lonlat_polygon(&rect.corners(), &Crs::from_epsg(scenario.epsg).unwrap());
    let (before, after) = (scene_ids[event.before], scene_ids[event.after]);
    catalog
        .record_comparison(
            SITE,
            &NewComparison {
                before_scene: before,
                after_scene: after,
                method: "planted truth".into(),
                model_version: None,
                parameters: serde_json::json!({}),
                threshold: 0.5,
            },
            &[NewChange {
                outline_lonlat: outline.clone(),
                area_m2: rect.area(),
                mean_prob: 0.9,
                direction: "appeared".into(),
            }],
        )
        .unwrap();
    let centre = outline.exterior().0[0];
    catalog
        .replace_buildings(
            SITE,
            &[NewBuilding {
                code: "B0001".into(),
                origin: BuildingOrigin::Detected,
                outline_lonlat: outline.clone(),
                standing: true,
                first_seen_scene: after,
                last_seen_scene: *scene_ids.last().unwrap(),
                area_m2: interval(rect.area()),
                length_m: interval(rect.length),
                width_m: interval(rect.width),
                lon: centre.x,
                lat: centre.y,
                mgrs: "11SNA0000000000".into(),
                housing: false,
                measures: serde_json::json!({}),
                history: vec![NewBuildingEvent {
                    kind: "appeared".into(),
                    before_scene: before,
                    after_scene: after,
                }],
                outlines: vec![(after, outline)],
            }],
        )
        .unwrap();
    let change = catalog.changes(SITE, None).unwrap()[0].id;
    (db, token, change)
}

/// Serves `db` with `access` on a free loopback port, on a runtime of its own thread.
fn serve(db: &Path, access: Access) -> SocketAddr {
    let app = router(AppState::new(Catalog::open(db).unwrap(), access));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    addr
}

#[test]
fn an_analyst_reviews_a_change_in_the_browser() {
    let chromium = check_prerequisites();
    let dir = tempfile::tempdir().unwrap();
    let (db, token, change) = fixture(dir.path());
    let writable = serve(&db, Access::TokenWrites);
    let read_only = serve(&db, Access::ReadOnly);
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("browser-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();

    let output = Command::new("node")
        .arg(web_dir().join("tests/viewer.mjs"))
        .env("VIEWER_URL", format!("http://{writable}/"))
        .env("VIEWER_READ_ONLY_URL", format!("http://{read_only}/"))
        .env("VIEWER_TOKEN", &token)
        .env("VIEWER_ARTIFACTS", &artifacts)
        .env("VIEWER_CHROMIUM", &chromium)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "viewer.mjs failed ({}); screenshots in {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status,
        artifacts.display()
    );
    assert!(
        stdout.contains(&format!("reviewed change:{change}")),
        "the script reviewed another detection than change {change}:\n{stdout}"
    );

    let catalog = Catalog::open(&db).unwrap();
    let reviews = catalog.reviews(SITE).unwrap();
    assert_eq!(reviews.len(), 1, "{reviews:?}");
    assert_eq!(reviews[0].target, ReviewTarget::Change(change));
    assert_eq!(reviews[0].verdict, Some(Verdict::Accepted));
    assert!(
        reviews[0].reviewer.starts_with("analyst-"),
        "{}",
        reviews[0].reviewer
    );
    let stored = catalog.changes(SITE, None).unwrap();
    assert_eq!(
        stored[0].review.as_ref().and_then(|r| r.verdict),
        Some(Verdict::Accepted)
    );
    let footprints = catalog.footprints(SITE).unwrap();
    assert_eq!(footprints.len(), 1, "{footprints:?}");
    assert_eq!(footprints[0].footprint.outline_lonlat.exterior().0.len(), 5);
    assert!(
        matches!(&footprints[0].footprint.origin, FootprintOrigin::Drawn { by } if *by == reviews[0].reviewer),
        "{:?}",
        footprints[0].footprint.origin
    );
    for shot in [
        "1-loaded",
        "2-date",
        "3-swipe",
        "4-accepted",
        "5-drawn",
        "6-read-only",
    ] {
        assert!(
            artifacts.join(format!("{shot}.png")).exists(),
            "no screenshot {shot}.png"
        );
    }
}
