//! `sitewatch run` on a generated site, as an analyst uses it: scenes arrive over time, each
//! run does only the new work, and the registry it leaves is listed, compared and exported.

mod common;
use common::{assert_refused, run_ok};
use serde_json::Value;

fn json(db: &std::path::Path, args: &[&str]) -> Value {
    serde_json::from_str(&run_ok(db, args)).expect("--json prints JSON")
}

#[test]
fn the_pipeline_is_incremental_and_its_registry_is_listed_compared_and_exported() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("site.gpkg");
    let imagery = dir.path().join("imagery");
    let synth = common::catalogued_site(&db, &imagery, 3, 4);
    let acquisitions = synth["acquisitions"].as_array().unwrap();
    let first = json(&db, &["run", "Plant", "--json"]);
    assert_eq!(first["compared"].as_array().unwrap().len(), 5, "{first}");
    assert_eq!(first["aligned"].as_array().unwrap().len(), 4);
    assert!(first["registry"].is_object());

    // A new scene adds only its own two comparisons (with the one before it, with the first).
    common::add_scene(&db, &acquisitions[4]);
    let second = json(&db, &["run", "Plant", "--json"]);
    let compared = second["compared"].as_array().unwrap();
    assert_eq!(compared.len(), 2, "{second}");
    assert_eq!(second["kept"], 5);
    assert!(
        compared.iter().all(|c| c["after"] == "2023-05-30"),
        "{second}"
    );
    assert_eq!(
        second["aligned"].as_array().unwrap().len(),
        1,
        "only the new scene is aligned: {second}"
    );
    // And nothing new is no work.
    let third = json(&db, &["run", "Plant", "--json"]);
    assert!(third["compared"].as_array().unwrap().is_empty());
    assert!(third["registry"].is_null());
    assert!(run_ok(&db, &["run", "Plant"]).contains("nothing to do"));

    let buildings = json(&db, &["buildings", "Plant", "--json"]);
    let buildings = buildings.as_array().unwrap();
    assert!(buildings.len() >= 5, "{buildings:?}");
    for b in buildings {
        for key in [
            "id", "lat", "lon", "mgrs", "history", "length_m", "width_m", "outline",
        ] {
            assert!(!b[key].is_null(), "{key} missing in {b}");
        }
        let area = &b["area_m2"];
        let (low, value, high) = (
            area["low"].as_f64().unwrap(),
            area["value"].as_f64().unwrap(),
            area["high"].as_f64().unwrap(),
        );
        assert!(low < value && value < high, "{area}");
    }
    let (a, b) = (
        buildings[0]["id"].as_str().unwrap(),
        buildings[1]["id"].as_str().unwrap(),
    );
    let ratio = json(&db, &["compare", "Plant", a, b, "--json"]);
    let area = |i: usize| buildings[i]["area_m2"]["value"].as_f64().unwrap();
    assert!((ratio["ratio"].as_f64().unwrap() - area(0) / area(1)).abs() < 1e-9);
    assert!(ratio["low"].as_f64().unwrap() < ratio["ratio"].as_f64().unwrap());
    assert_eq!(ratio["level"], 0.95);
    let plain = run_ok(&db, &["compare", "Plant", a, b]);
    assert!(
        plain.trim().ends_with(']') && plain.contains(" ["),
        "{plain}"
    );
    assert_refused(&db, &["compare", "Plant", a, "B9999"], &["B9999"]);

    // A detection the analyst rejects is left out of the registry at the next run (which
    // rebuilds only the registry), and back in when everything is asked for.
    {
        let mut catalog = catalog::Catalog::open(&db).unwrap();
        let appeared = catalog
            .changes("Plant", None)
            .unwrap()
            .into_iter()
            .find(|c| c.change.direction == "appeared" && c.change.area_m2 > 500.0)
            .expect("a large appeared change");
        catalog
            .add_review(
                "Plant",
                &catalog::NewReview {
                    target: catalog::ReviewTarget::Change(appeared.id),
                    verdict: Some(catalog::Verdict::Rejected),
                    comment: Some("a heap of gravel".into()),
                    reviewer: "test".into(),
                },
            )
            .unwrap();
    }
    let reviewed = json(&db, &["run", "Plant", "--json"]);
    assert!(reviewed["compared"].as_array().unwrap().is_empty());
    assert_eq!(reviewed["registry"]["excluded_by_review"], 1, "{reviewed}");
    let all = json(&db, &["run", "Plant", "--findings", "all", "--json"]);
    assert_eq!(all["registry"]["excluded_by_review"], 0, "{all}");

    // An outline an analyst drew to correct a building replaces the measured one.
    let target = &buildings[2];
    let code = target["id"].as_str().unwrap();
    let (lon, lat) = (
        target["lon"].as_f64().unwrap(),
        target["lat"].as_f64().unwrap(),
    );
    let (dx, dy) = (0.0002, 0.0001); // about 18 m x 11 m around the centre
    let drawn = geo_types::Polygon::new(
        geo_types::LineString::from(vec![
            (lon - dx, lat - dy),
            (lon + dx, lat - dy),
            (lon + dx, lat + dy),
            (lon - dx, lat + dy),
            (lon - dx, lat - dy),
        ]),
        vec![],
    );
    catalog::Catalog::open(&db)
        .unwrap()
        .add_footprint(
            "Plant",
            &catalog::NewFootprint {
                outline_lonlat: drawn.clone(),
                origin: catalog::FootprintOrigin::Drawn { by: "test".into() },
                replaces: Some(code.to_string()),
                note: None,
            },
        )
        .unwrap();
    let corrected = json(&db, &["run", "Plant", "--json"]);
    assert_eq!(
        corrected["registry"]["corrections_applied"], 1,
        "{corrected}"
    );
    let listed = json(&db, &["buildings", "Plant", "--json"]);
    let building = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == code)
        .unwrap();
    assert_eq!(building["origin"], "drawn");
    let drawn_m2 = geo::GeodesicArea::geodesic_area_unsigned(&drawn);
    let area = &building["area_m2"];
    assert!(
        area["low"].as_f64().unwrap() <= drawn_m2 && drawn_m2 <= area["high"].as_f64().unwrap(),
        "drawn {drawn_m2:.0} m² outside {area}"
    );

    // Exports that a GIS reads.
    let gpkg = dir.path().join("export.gpkg");
    run_ok(
        &db,
        &["buildings", "export", "Plant", "-o", gpkg.to_str().unwrap()],
    );
    let info = testkit::run_tool("ogrinfo", &["-so", "-al", gpkg.to_str().unwrap()]);
    assert!(info.contains("Layer name: buildings"), "{info}");
    assert!(
        info.contains(&format!("Feature Count: {}", buildings.len())),
        "{info}"
    );
    let geojson = dir.path().join("changes.geojson");
    run_ok(
        &db,
        &[
            "buildings",
            "export",
            "Plant",
            "--layer",
            "changes",
            "-o",
            geojson.to_str().unwrap(),
        ],
    );
    let info = testkit::run_tool("ogrinfo", &["-so", "-al", geojson.to_str().unwrap()]);
    assert!(info.contains("Feature Count:"), "{info}");

    // A footprint file that is not one is refused, naming it, and changes nothing.
    let bad = dir.path().join("bad.geojson");
    std::fs::write(&bad, r#"{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [0, 0]}, "properties": {}}]}"#).unwrap();
    assert_refused(
        &db,
        &["buildings", "import", "Plant", bad.to_str().unwrap()],
        &["bad.geojson"],
    );

    // Other bands are other comparisons: all of them are made again, with those bands.
    let rebanded = json(&db, &["run", "Plant", "--bands", "3,2,1", "--json"]);
    assert_eq!(
        rebanded["compared"].as_array().unwrap().len(),
        7,
        "{rebanded}"
    );
    let stored = catalog::Catalog::open(&db)
        .unwrap()
        .comparisons("Plant")
        .unwrap();
    assert!(
        stored
            .iter()
            .all(|c| c.run.parameters["bands"] == serde_json::json!([3, 2, 1])),
        "{:?}",
        stored.iter().map(|c| &c.run.parameters).collect::<Vec<_>>()
    );
    let same = json(&db, &["run", "Plant", "--bands", "3,2,1", "--json"]);
    assert!(same["compared"].as_array().unwrap().is_empty(), "{same}");
    // Finding that nothing is stale reads no imagery: with the bands named, no file is opened
    // to learn which bands are red, green and blue.
    std::fs::rename(&imagery, dir.path().join("moved")).unwrap();
    let unread = json(&db, &["run", "Plant", "--bands", "3,2,1", "--json"]);
    assert!(
        unread["compared"].as_array().unwrap().is_empty(),
        "{unread}"
    );
}
