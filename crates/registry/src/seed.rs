//! Buildings known before any change: footprints an analyst imports (OpenStreetMap, a
//! cadastre, an earlier study), each taken as standing from the first date and then tracked
//! like any other. An import is traced by hand and off by a metre or so, so its outline is
//! only where the registry starts looking: the roof edges are found again on the image
//! ([`crate::refine_edges`]).

use std::path::Path;

use geo_types::{Coord, LineString, Polygon};
use raster::{CoordTransform, Crs};

use crate::error::RegistryError;

/// A building known before the first date.
#[derive(Debug, Clone, PartialEq)]
pub struct Seed {
    /// Its outline in the site grid's CRS (map coordinates).
    pub outline: Polygon<f64>,
    /// What the import calls it (e.g. OSM `name`), if anything.
    pub label: Option<String>,
}

/// Reads the seeds of a GeoJSON file of longitude/latitude (EPSG:4326) footprints, as an
/// OpenStreetMap extract gives them, into `crs`: every Polygon and every part of a
/// MultiPolygon is one seed, labelled by its `name` property (or `building` when that is a
/// kind rather than `yes`).
pub fn read_seeds(path: &Path, crs: &Crs) -> Result<Vec<Seed>, RegistryError> {
    let bad = |problem: String| RegistryError::Footprints {
        path: path.to_path_buf(),
        problem,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let geojson: geojson::GeoJson = text
        .parse()
        .map_err(|e: geojson::Error| bad(e.to_string()))?;
    let features = match geojson {
        geojson::GeoJson::FeatureCollection(c) => c.features,
        geojson::GeoJson::Feature(f) => vec![f],
        geojson::GeoJson::Geometry(_) => {
            return Err(bad("a bare geometry: expected features".into()))
        }
    };
    let to_map =
        CoordTransform::new(&Crs::wgs84(), crs).map_err(|source| RegistryError::Projection {
            from: "EPSG:4326".into(),
            to: crs.name(),
            source,
        })?;
    let mut seeds = Vec::new();
    for feature in features {
        let label = feature
            .property("name")
            .and_then(|v| v.as_str())
            .or_else(|| {
                feature
                    .property("building")
                    .and_then(|v| v.as_str())
                    .filter(|&k| k != "yes")
            })
            .map(str::to_string);
        let polygons = match feature.geometry.map(|g| g.value) {
            Some(geojson::GeometryValue::Polygon { coordinates }) => vec![coordinates],
            Some(geojson::GeometryValue::MultiPolygon { coordinates }) => coordinates,
            _ => continue,
        };
        for rings in polygons {
            let mut map_rings = Vec::with_capacity(rings.len());
            for ring in rings {
                let mut points: Vec<(f64, f64)> = ring
                    .iter()
                    .filter(|p| p.len() >= 2)
                    .map(|p| (p[0], p[1]))
                    .collect();
                to_map.transform_points(&mut points).map_err(|source| {
                    RegistryError::Projection {
                        from: "EPSG:4326".into(),
                        to: crs.name(),
                        source,
                    }
                })?;
                map_rings.push(LineString(
                    points.into_iter().map(|(x, y)| Coord { x, y }).collect(),
                ));
            }
            if map_rings.first().is_some_and(|r| r.0.len() >= 4) {
                let exterior = map_rings.remove(0);
                seeds.push(Seed {
                    outline: Polygon::new(exterior, map_rings),
                    label: label.clone(),
                });
            }
        }
    }
    Ok(seeds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area;

    #[test]
    fn osm_like_footprints_become_seeds_in_map_coordinates() {
        let dir = std::env::temp_dir().join(format!("registry-seeds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.geojson");
        // A 0.0002° square at 15°E 45°N (about 15.7 m x 22.2 m) and a point, which is skipped.
        let text = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"building":"industrial"},
           "geometry":{"type":"Polygon","coordinates":[[[15,45],[15.0002,45],[15.0002,45.0002],[15,45.0002],[15,45]]]}},
          {"type":"Feature","properties":{"name":"gate"},
           "geometry":{"type":"Point","coordinates":[15,45]}}]}"#;
        std::fs::write(&path, text).unwrap();
        let crs = Crs::from_epsg(32633).unwrap();
        let seeds = read_seeds(&path, &crs).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(seeds.len(), 1);
        assert_eq!(seeds[0].label.as_deref(), Some("industrial"));
        let area = seeds[0].outline.unsigned_area();
        assert!((area - 15.74 * 22.24).abs() < 5.0, "{area}");
        assert!((seeds[0].outline.exterior().0[0].x - 500_000.0).abs() < 1.0);
    }

    #[test]
    fn an_unreadable_file_is_named_in_the_error() {
        let err = read_seeds(Path::new("/nonexistent/osm.geojson"), &Crs::wgs84()).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/osm.geojson"),
            "{err}"
        );
    }
}
