//! Change objects as the analyst's tools read them: GeoJSON in longitude/latitude.

use anyhow::Result;
use detect::Change;
use raster::{CoordTransform, Crs, Grid};

/// The changes (outlined in pixel corners of `grid`) as a GeoJSON FeatureCollection:
/// longitude/latitude (EPSG:4326) for georeferenced grids, pixel coordinates otherwise.
pub fn changes_geojson(grid: &Grid, changes: &[Change]) -> Result<String> {
    let to_lonlat = if grid.crs.proj4.trim().is_empty() {
        None
    } else {
        Some(CoordTransform::new(&grid.crs, &Crs::wgs84())?)
    };
    let mut features = Vec::with_capacity(changes.len());
    for change in changes {
        let outline = change.polygon.transformed(&grid.transform);
        let mut rings = vec![outline.exterior];
        rings.extend(outline.holes);
        if let Some(t) = &to_lonlat {
            for ring in &mut rings {
                t.transform_points(ring)?;
            }
        }
        let coordinates: Vec<Vec<Vec<f64>>> = rings
            .iter()
            .map(|r| r.iter().map(|&(x, y)| vec![x, y]).collect())
            .collect();
        let mut properties = serde_json::json!({
            "area_px": change.area_px,
            "mean_prob": change.mean_probability,
            "direction": change.direction,
        });
        if let Some(m2) = change.area_m2 {
            properties["area_m2"] = serde_json::json!(m2);
        }
        features.push(serde_json::json!({
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": coordinates},
            "properties": properties,
        }));
    }
    Ok(serde_json::to_string_pretty(&serde_json::json!({
        "type": "FeatureCollection",
        "features": features,
    }))?)
}
