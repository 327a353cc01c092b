//! `sitewatch detect` and `sitewatch eval` with the exact names and keys the benchmarks use.

mod common;
use common::run_ok;
use testkit::{data_file, run_tool};

#[test]
fn detect_on_georeferenced_scenes_writes_maps_and_lonlat_polygons() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.gpkg");
    let imagery = dir.path().join("imagery");
    let synth = common::synth_site(&db, &imagery, 3);
    let path = |i: usize| {
        synth["acquisitions"][i]["path"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let out = dir.path().join("changes");
    let report: serde_json::Value = serde_json::from_str(&run_ok(
        &db,
        &[
            "detect",
            &path(1),
            &path(2),
            "-o",
            out.to_str().unwrap(),
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(report["registration"]["aligned"], true, "{report}");

    let info: serde_json::Value = serde_json::from_str(&run_tool(
        "gdalinfo",
        &[
            "-json",
            "-stats",
            out.join("probability.tif").to_str().unwrap(),
        ],
    ))
    .unwrap();
    assert_eq!(info["bands"][0]["type"], "Float32");
    let max = info["bands"][0]["maximum"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&max));
    let mask: serde_json::Value = serde_json::from_str(&run_tool(
        "gdalinfo",
        &["-json", "-stats", out.join("mask.tif").to_str().unwrap()],
    ))
    .unwrap();
    assert_eq!(mask["bands"][0]["type"], "Byte");
    assert_eq!(mask["bands"][0]["maximum"].as_f64().unwrap(), 1.0);

    let changes: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("changes.geojson")).unwrap())
            .unwrap();
    let features = changes["features"].as_array().unwrap();
    assert!(!features.is_empty());
    for f in features {
        let p = &f["properties"];
        assert!(p["area_m2"].as_f64().unwrap() > 0.0);
        assert!(p["mean_prob"].as_f64().unwrap() <= 1.0);
        assert!(
            ["appeared", "removed", "surface_changed"].contains(&p["direction"].as_str().unwrap())
        );
        // Longitude/latitude of the generated site in Nevada.
        let first = &f["geometry"]["coordinates"][0][0];
        assert!((first[0].as_f64().unwrap() + 116.1).abs() < 0.1, "{first}");
        assert!((first[1].as_f64().unwrap() - 37.04).abs() < 0.1, "{first}");
    }
    // GDAL reads the polygons as valid EPSG:4326 features.
    let ogr = run_tool(
        "ogrinfo",
        &["-so", "-al", out.join("changes.geojson").to_str().unwrap()],
    );
    assert!(
        ogr.contains(&format!("Feature Count: {}", features.len())),
        "{ogr}"
    );
}

#[test]
fn detect_on_png_pairs_reports_pixels() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.gpkg");
    let a = data_file("changepairs/levir/A/test_102_0512_0000.png");
    let b = data_file("changepairs/levir/B/test_102_0512_0000.png");
    let out = dir.path().join("png");
    run_ok(
        &db,
        &[
            "detect",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert!(out.join("probability.png").is_file() && out.join("mask.png").is_file());
    let changes: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("changes.geojson")).unwrap())
            .unwrap();
    let features = changes["features"].as_array().unwrap();
    assert!(!features.is_empty());
    let mut object_px = 0;
    for f in features {
        object_px += f["properties"]["area_px"].as_u64().unwrap();
        assert!(f["properties"].get("area_m2").is_none());
    }
    // The mask is exactly the objects' pixels (after clean-up), as `eval` scores it.
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(out.join("mask.png")).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut mask = vec![0; reader.output_buffer_size().unwrap()];
    reader.next_frame(&mut mask).unwrap();
    let mask_px = mask.iter().filter(|&&m| m == 255).count() as u64;
    assert_eq!(mask_px, object_px);
}

#[test]
fn eval_prints_the_keys_scripts_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.gpkg");
    let levir = data_file("changepairs/levir");
    let report: serde_json::Value =
        serde_json::from_str(&run_ok(&db, &["eval", levir.to_str().unwrap(), "--json"])).unwrap();
    assert_eq!(report["pairs"], 11);
    for key in ["precision", "recall", "f1", "iou"] {
        assert!(report[key].as_f64().is_some(), "{key} missing: {report}");
    }
    let (p, r, f1) = (
        report["precision"].as_f64().unwrap(),
        report["recall"].as_f64().unwrap(),
        report["f1"].as_f64().unwrap(),
    );
    if p + r > 0.0 {
        assert!((f1 - 2.0 * p * r / (p + r)).abs() < 1e-9);
    }
    let per_pair = report["per_pair"].as_object().unwrap();
    assert_eq!(per_pair.len(), 11);
    // The pair with an empty label and no prediction has no F1.
    assert!(per_pair.contains_key("train_386_0512_0768.png"));
    let city = data_file("oscd/paris");
    let oscd: serde_json::Value =
        serde_json::from_str(&run_ok(&db, &["eval", city.to_str().unwrap(), "--json"])).unwrap();
    assert_eq!(oscd["pairs"], 1);
}

#[test]
fn eval_gives_the_network_an_oscd_citys_true_colour_bands() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.gpkg");
    let bercy = data_file("oscd/bercy");
    let eval = |method: &str| -> serde_json::Value {
        let args = [
            "eval",
            bercy.to_str().unwrap(),
            "--method",
            method,
            "--json",
        ];
        serde_json::from_str(&run_ok(&db, &args)).unwrap()
    };
    let net = eval("net");
    assert_eq!(net["pairs"], 1);
    assert_eq!(net["bands"], serde_json::json!([3, 2, 1]), "{net}");
    assert!(net["f1"].as_f64().is_some(), "{net}");
    // iMAD takes every band.
    assert!(eval("imad")["bands"].is_null());
    // The union runs both on the network's bands and keeps every pixel the network found
    // (clean-up only removes what is too small, and a union's regions hold the network's).
    let union = eval("union");
    assert_eq!(union["method"], "union");
    assert_eq!(union["bands"], serde_json::json!([3, 2, 1]), "{union}");
    let found = |report: &serde_json::Value| report["confusion"]["true_positive"].as_u64();
    assert!(found(&union) >= found(&net), "union {union}\nnet {net}");
    assert!(union["recall"].as_f64() > net["recall"].as_f64(), "{union}");
}

#[test]
fn detect_gives_the_network_the_red_green_blue_a_geotiff_declares() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.gpkg");
    // NAIP: red, green, blue and an undeclared fourth band (near infrared).
    let naip = data_file("geotiff-fixtures/m_3607824_se_17_1_20160620_sub.tif");
    let naip = naip.to_str().unwrap();
    let detect = |method: &str, out: &str| -> serde_json::Value {
        let out = dir.path().join(out);
        let args = [
            "detect",
            naip,
            naip,
            "--method",
            method,
            "-o",
            out.to_str().unwrap(),
            "--json",
        ];
        serde_json::from_str(&run_ok(&db, &args)).unwrap()
    };
    let net = detect("net", "net");
    assert_eq!(net["bands"], serde_json::json!([1, 2, 3]), "{net}");
    // A scene against itself: nothing changed, and no "-0" m² (an empty f64 sum is -0.0).
    assert_eq!(net["changes"], 0, "{net}");
    assert_eq!(net["changed_area_m2"].to_string(), "0.0", "{net}");
    assert!(detect("imad", "imad")["bands"].is_null());

    // The NAIP stack declares its bands grey and undefined: the analyst must name them.
    let stack = data_file("naip-stack");
    let dates = [
        stack.join("m_4709963_se_14_1_20090818.tif"),
        stack.join("m_4709963_se_14_1_20100629.tif"),
    ];
    let out = dir.path().join("stack");
    let refused = common::run(
        &db,
        &[
            "detect",
            dates[0].to_str().unwrap(),
            dates[1].to_str().unwrap(),
            "--method",
            "net",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("4 bands") && stderr.contains("--bands"),
        "{stderr}"
    );
}

/// Runs `detect` on two shared-data files, checks that it fails with every one of `texts`
/// in its error and leaves no output folder behind.
fn detect_is_refused(before: &str, after: &str, texts: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    let out = common::run(
        &dir.path().join("unused.gpkg"),
        &[
            "detect",
            data_file(before).to_str().unwrap(),
            data_file(after).to_str().unwrap(),
            "-o",
            out_dir.to_str().unwrap(),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    for text in texts {
        assert!(stderr.contains(text), "{text} missing from: {stderr}");
    }
    assert!(
        !out_dir.exists(),
        "a refused pair left {}",
        out_dir.display()
    );
}

#[test]
fn scenes_that_do_not_overlap_are_refused_naming_both() {
    detect_is_refused(
        "joplin/pre/tile_1361-9136.tif",
        "joplin/post/tile_31500-5137.tif",
        &[
            "tile_1361-9136.tif",
            "tile_31500-5137.tif",
            "0 pixels have data",
        ],
    );
}

#[test]
fn dates_with_different_bands_are_refused_naming_both_and_their_bands() {
    detect_is_refused(
        "oscd/beihai/t1/B04.tif",
        "naip-stack/m_4709963_se_14_1_20090818.tif",
        &[
            "B04.tif has 1 band but",
            "m_4709963_se_14_1_20090818.tif has 4 bands",
            "the same bands",
        ],
    );
}

#[test]
fn eval_reads_tiff_and_jpeg_sets_as_it_reads_png_ones() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("unused.gpkg");
    let dsifn = data_file("changepairs/dsifn");
    // Two DSIFN pairs as given (PNG), as TIFFs, and as JPEG images with PNG labels, written
    // by GDAL.
    let pairs = ["0_2", "1_1"];
    let (png, tif, jpg) = (
        dir.path().join("png"),
        dir.path().join("tif"),
        dir.path().join("jpg"),
    );
    for folder in ["A", "B", "label"] {
        for set in [&png, &tif, &jpg] {
            std::fs::create_dir_all(set.join(folder)).unwrap();
        }
        for pair in pairs {
            let source = dsifn.join(folder).join(format!("{pair}.png"));
            std::fs::copy(&source, png.join(folder).join(format!("{pair}.png"))).unwrap();
            let convert = |format: &str, target: std::path::PathBuf| {
                let (source, target) = (source.to_str().unwrap(), target.to_str().unwrap());
                run_tool("gdal_translate", &["-q", "-of", format, source, target]);
            };
            convert("GTiff", tif.join(folder).join(format!("{pair}.tif")));
            if folder == "label" {
                std::fs::copy(&source, jpg.join(folder).join(format!("{pair}.png"))).unwrap();
            } else {
                convert("JPEG", jpg.join(folder).join(format!("{pair}.jpg")));
            }
        }
    }
    let f1 = |set: &std::path::Path| {
        let report: serde_json::Value =
            serde_json::from_str(&run_ok(&db, &["eval", set.to_str().unwrap(), "--json"])).unwrap();
        assert_eq!(report["pairs"], 2, "{report}");
        report["f1"].as_f64().unwrap()
    };
    let (from_png, from_tif, from_jpg) = (f1(&png), f1(&tif), f1(&jpg));
    assert!(from_png > 0.0);
    assert_eq!(from_tif, from_png, "the same pixels give the same figure");
    // JPEG's loss moves a few pixels of iMAD's map, not the figure.
    assert!(
        (from_jpg - from_png).abs() < 0.05,
        "{from_jpg} against {from_png}"
    );

    // A 4-band TIFF that declares red, green and blue (and a fourth band, as RGB and
    // near-infrared tiles do): the three-band network is given those three.
    let rgbn = dir.path().join("rgbn");
    for folder in ["A", "B", "label"] {
        std::fs::create_dir_all(rgbn.join(folder)).unwrap();
        for pair in pairs {
            let source = dsifn.join(folder).join(format!("{pair}.png"));
            let target = rgbn.join(folder).join(format!("{pair}.tif"));
            let bands: &[&str] = if folder == "label" {
                &[]
            } else {
                &[
                    "-b",
                    "1",
                    "-b",
                    "2",
                    "-b",
                    "3",
                    "-b",
                    "1",
                    "-co",
                    "PHOTOMETRIC=RGB",
                ]
            };
            let (source, target) = (source.to_str().unwrap(), target.to_str().unwrap());
            run_tool(
                "gdal_translate",
                &[&["-q"], bands, &[source, target]].concat(),
            );
        }
    }
    let net = |set: &std::path::Path| -> serde_json::Value {
        let set = set.to_str().unwrap();
        serde_json::from_str(&run_ok(&db, &["eval", set, "--method", "net", "--json"])).unwrap()
    };
    let (four_bands, three_bands) = (net(&rgbn), net(&png));
    assert_eq!(
        four_bands["bands"],
        serde_json::json!([1, 2, 3]),
        "{four_bands}"
    );
    assert_eq!(four_bands["f1"], three_bands["f1"]);
}
