//! The buildings of a scenario as an analyst imports them before any change is seen: an
//! OpenStreetMap-like footprint file, traced by hand and therefore not exact.
//!
//! Each footprint part standing on a date is one polygon whose corners are each displaced by
//! a random error of up to [`TRACING_ERROR_M`] (uniform over a disc): OSM outlines traced over
//! imagery are typically off by about a metre, and that is what the registry must not trust
//! blindly.

use std::path::{Path, PathBuf};

use raster::{CoordTransform, Crs};
use serde::Serialize;

use crate::files::SynthError;
use crate::rng::{mix, Rng};
use crate::scenario::Scenario;

/// The largest displacement of a traced corner, metres.
pub const TRACING_ERROR_M: f64 = 1.0;

/// One traced footprint: a building part as a hand-traced polygon.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TracedFootprint {
    /// The scenario's building id (the truth's, for checking; an import would not have it).
    pub building: String,
    /// What the building is, as a mapper would tag it.
    pub label: String,
    /// The traced corners in map coordinates, counter-clockwise, not closed.
    pub corners: Vec<(f64, f64)>,
}

/// The footprints standing on `date`, each corner displaced by up to `max_error_m` metres
/// (reproducible from the scenario's seed).
pub fn traced_footprints(
    scenario: &Scenario,
    date: usize,
    max_error_m: f64,
) -> Vec<TracedFootprint> {
    let mut rng = Rng::new(mix(scenario.seed ^ 0x05_11_7A_CE));
    let mut out = Vec::new();
    for building in &scenario.buildings {
        let Some(state) = &building.states[date] else {
            continue;
        };
        for part in &state.footprint.parts {
            let corners = part
                .corners()
                .iter()
                .map(|&(x, y)| {
                    // Uniform over the disc: the radius goes with the square root.
                    let r = max_error_m * rng.unit().sqrt();
                    let a = rng.range(0.0, std::f64::consts::TAU);
                    (x + r * a.cos(), y + r * a.sin())
                })
                .collect();
            out.push(TracedFootprint {
                building: building.id.clone(),
                label: building.label.clone(),
                corners,
            });
        }
    }
    out
}

/// Writes `footprints.geojson` into `dir`: the buildings standing on the first date as an
/// OpenStreetMap-like import (EPSG:4326 longitude/latitude polygons tagged `building`, `name`),
/// traced with up to [`TRACING_ERROR_M`] of error per corner. Returns the file's path.
pub fn write_footprints(scenario: &Scenario, dir: &Path) -> Result<PathBuf, SynthError> {
    let to_lonlat = CoordTransform::new(&Crs::from_epsg(scenario.epsg)?, &Crs::wgs84())?;
    let mut features = Vec::new();
    for traced in traced_footprints(scenario, 0, TRACING_ERROR_M) {
        let mut ring = traced.corners.clone();
        ring.push(ring[0]);
        to_lonlat.transform_points(&mut ring)?;
        let ring: Vec<[f64; 2]> = ring.iter().map(|&(lon, lat)| [lon, lat]).collect();
        features.push(serde_json::json!({
            "type": "Feature",
            "properties": {"building": "yes", "name": traced.label, "ref": traced.building},
            "geometry": {"type": "Polygon", "coordinates": [ring]},
        }));
    }
    let collection = serde_json::json!({"type": "FeatureCollection", "features": features});
    let path = dir.join("footprints.geojson");
    let text = serde_json::to_string_pretty(&collection).expect("serialisable footprints");
    std::fs::write(&path, text).map_err(|source| SynthError::Io {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plant::plant_complex;

    #[test]
    fn traced_corners_are_within_the_error_and_not_exact() {
        let site = plant_complex(4);
        let traced = traced_footprints(&site, 0, TRACING_ERROR_M);
        let standing: usize = site
            .buildings
            .iter()
            .filter_map(|b| b.states[0].as_ref())
            .map(|s| s.footprint.parts.len())
            .sum();
        assert_eq!(traced.len(), standing);
        let mut largest: f64 = 0.0;
        for t in &traced {
            let b = site.buildings.iter().find(|b| b.id == t.building).unwrap();
            let part = &b.states[0].as_ref().unwrap().footprint.parts[0];
            for (&(x, y), &(tx, ty)) in part.corners().iter().zip(&t.corners) {
                let d = (x - tx).hypot(y - ty);
                assert!(d <= TRACING_ERROR_M, "{d}");
                largest = largest.max(d);
            }
        }
        assert!(largest > 0.5 * TRACING_ERROR_M, "{largest}");
    }

    #[test]
    fn the_file_holds_lonlat_polygons_of_the_first_date() {
        let site = plant_complex(2);
        let dir = std::env::temp_dir().join(format!("synth-footprints-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = write_footprints(&site, &dir).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let features = json["features"].as_array().unwrap();
        assert!(features
            .iter()
            .any(|f| f["properties"]["ref"] == "hall-original"));
        assert!(!features
            .iter()
            .any(|f| f["properties"]["ref"] == "hall-new"));
        let ring = features[0]["geometry"]["coordinates"][0]
            .as_array()
            .unwrap();
        assert_eq!(ring.len(), 5);
        // Zone 11N near its centre meridian (-117°), mid-latitudes.
        let lon = ring[0][0].as_f64().unwrap();
        let lat = ring[0][1].as_f64().unwrap();
        assert!(
            (-118.0..-116.0).contains(&lon) && (30.0..45.0).contains(&lat),
            "{lon} {lat}"
        );
    }
}
