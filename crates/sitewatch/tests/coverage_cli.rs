//! A site's grid often reaches beyond a scene (its ring, or a narrower later acquisition):
//! there the scene has no data, which must not read as a dark image where every building went.

mod common;
use common::{add_scene_files, run_ok, tiles};
use raster::{write_geotiff, GeoTiff, RasterSource, WriteOptions};

#[test]
fn a_scene_that_covers_half_the_site_shows_no_change_where_it_has_no_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("site.gpkg");
    // Around the corner where the four Joplin `pre/` tiles meet (UTM 15N 367257, 4103897).
    run_ok(
        &db,
        &[
            "site",
            "add",
            "Corner",
            "--bbox=-94.4950,37.0706,-94.4916,37.0733",
            "--ring",
            "50",
        ],
    );
    let tiles = tiles("joplin/pre");
    add_scene_files(&db, &tiles, &["--date", "2011-05-20"]);
    // The next "acquisition": the same pixels, but only the western tiles (copies, so that
    // they are new files): the site's eastern half has no data on that date.
    let west: Vec<_> = tiles
        .iter()
        .filter(|t| t.to_str().unwrap().contains("tile_337-"))
        .enumerate()
        .map(|(i, tile)| {
            let source = GeoTiff::open(tile).unwrap();
            let raster = source.read_window(&source.grid().full_window()).unwrap();
            let copy = dir.path().join(format!("west-{i}.tif"));
            write_geotiff(&copy, &raster, &WriteOptions::default()).unwrap();
            copy
        })
        .collect();
    assert_eq!(west.len(), 2);
    add_scene_files(&db, &west, &["--date", "2011-05-21"]);

    let run: serde_json::Value =
        serde_json::from_str(&run_ok(&db, &["run", "Corner", "--json"])).unwrap();
    let compared = &run["compared"][0];
    assert_eq!(compared["changes"], 0, "{run}");
    assert_eq!(run["registry"]["buildings"], 0, "{run}");
}
