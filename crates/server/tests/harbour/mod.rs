//! The catalog that the HTTP tests and the load example serve: the site "Test Harbour" (alias
//! "harbour") on the grid of the `geotiff-fixtures/RGB.byte.tif` fixture, with one scene of
//! that file.

use std::path::Path;

use catalog::{Catalog, NewScene, NewSite, SceneFile};
use geo_types::polygon;
use raster::{GeoTiff, RasterSource};

/// Opens (creating) the catalog at `path` and adds the harbour site and its scene.
pub fn harbour_catalog(path: &Path) -> Result<Catalog, Box<dyn std::error::Error>> {
    let mut catalog = Catalog::open(path)?;
    let image = testkit::data_file("geotiff-fixtures/RGB.byte.tif");
    let grid = GeoTiff::open(&image)?.grid().clone();
    let area = polygon![(x: -78.9, y: 23.5), (x: -76.9, y: 23.5), (x: -76.9, y: 25.0), (x: -78.9, y: 25.0)];
    catalog.add_site(NewSite {
        name: "Test Harbour".into(),
        aliases: vec!["harbour".into()],
        parent: None,
        makes: None,
        aoi: area.clone(),
        ring_m: 1000.0,
        grid: grid.clone(),
        gsd_from_scenes: false,
        notes: None,
    })?;
    catalog.add_scene(NewScene {
        site: "Test Harbour".into(),
        acquired: "2021-04-11T07:05:30Z".parse()?,
        sensor: "Landsat-7 ETM+".into(),
        gsd_m: grid.gsd(),
        band_count: 3,
        credit: "rasterio test data".into(),
        sun_elevation_deg: None,
        sun_azimuth_deg: None,
        off_nadir_deg: None,
        cloud_fraction: None,
        footprint: area,
        grid,
        files: vec![SceneFile::hash(&image, "image")?],
    })?;
    Ok(catalog)
}
