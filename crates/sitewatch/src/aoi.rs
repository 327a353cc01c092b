//! Reading an area of interest from the command line: a GeoJSON polygon file or a bounding box.

use std::path::Path;

use anyhow::{bail, Context, Result};
use geo_types::{Coord, LineString, Polygon};

/// The polygon in a GeoJSON file: a Polygon geometry, a Feature holding one, or a
/// FeatureCollection with exactly one polygon feature. Coordinates must be longitude/latitude.
pub fn read_geojson_polygon(path: &Path) -> Result<Polygon<f64>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the AOI file", path.display()))?;
    let geojson: geojson::GeoJson = text
        .parse()
        .with_context(|| format!("{}: not valid GeoJSON", path.display()))?;
    let mut geometries: Vec<geojson::Geometry> = match geojson {
        geojson::GeoJson::Geometry(g) => vec![g],
        geojson::GeoJson::Feature(f) => f.geometry.into_iter().collect(),
        geojson::GeoJson::FeatureCollection(fc) => {
            fc.features.into_iter().filter_map(|f| f.geometry).collect()
        }
    };
    if geometries.len() != 1 {
        bail!(
            "{}: the AOI file must hold exactly one polygon, it holds {} geometries",
            path.display(),
            geometries.len()
        );
    }
    let geometry = geometries.remove(0);
    let polygon = match geometry.value {
        geojson::GeometryValue::Polygon { coordinates } => rings_to_polygon(&coordinates),
        geojson::GeometryValue::MultiPolygon { mut coordinates } if coordinates.len() == 1 => {
            rings_to_polygon(&coordinates.remove(0))
        }
        other => bail!(
            "{}: the AOI must be a Polygon, this is a {}",
            path.display(),
            other.type_name()
        ),
    };
    check_lon_lat(&polygon).with_context(|| format!("{}: bad AOI polygon", path.display()))?;
    Ok(polygon)
}

/// The polygon of a `W,S,E,N` longitude/latitude bounding box.
pub fn parse_bbox(text: &str) -> Result<Polygon<f64>> {
    let values: Vec<f64> = text
        .split(',')
        .map(|v| v.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .with_context(|| format!("--bbox '{text}': expected four numbers W,S,E,N"))?;
    let [w, s, e, n] = values[..] else {
        bail!(
            "--bbox '{text}': expected four numbers W,S,E,N, got {}",
            values.len()
        );
    };
    if !(w < e && s < n) {
        bail!("--bbox '{text}': west must be less than east and south less than north");
    }
    let polygon = Polygon::new(
        LineString::from(vec![(w, s), (e, s), (e, n), (w, n), (w, s)]),
        vec![],
    );
    check_lon_lat(&polygon).with_context(|| format!("--bbox '{text}'"))?;
    Ok(polygon)
}

fn rings_to_polygon(rings: &[Vec<geojson::Position>]) -> Polygon<f64> {
    let ring = |r: &Vec<geojson::Position>| {
        LineString::new(
            r.iter()
                .map(|p| Coord {
                    x: p.as_slice().first().copied().unwrap_or(f64::NAN),
                    y: p.as_slice().get(1).copied().unwrap_or(f64::NAN),
                })
                .collect(),
        )
    };
    let exterior = rings
        .first()
        .map(ring)
        .unwrap_or_else(|| LineString::new(vec![]));
    Polygon::new(exterior, rings.iter().skip(1).map(ring).collect())
}

fn check_lon_lat(polygon: &Polygon<f64>) -> Result<()> {
    if polygon.exterior().0.len() < 4 {
        bail!("the polygon needs at least three distinct corners");
    }
    for c in polygon.exterior().coords() {
        if !(-180.0..=180.0).contains(&c.x) || !(-90.0..=90.0).contains(&c.y) {
            bail!(
                "coordinate ({}, {}) is not longitude/latitude (EPSG:4326, as GeoJSON requires)",
                c.x,
                c.y
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bbox_parses_and_checks() {
        let p = parse_bbox("51.7,33.7,51.75,33.74").unwrap();
        assert_eq!(p.exterior().0.len(), 5);
        assert!(parse_bbox("51.7,33.7,51.75").is_err());
        assert!(parse_bbox("51.75,33.7,51.7,33.74").is_err());
        assert!(parse_bbox("500000,4000000,500100,4000100").is_err());
    }

    #[test]
    fn geojson_must_be_one_polygon() {
        let dir = tempfile::tempdir().unwrap();
        let line = dir.path().join("line.geojson");
        std::fs::write(
            &line,
            r#"{"type":"LineString","coordinates":[[0,0],[1,1]]}"#,
        )
        .unwrap();
        let err = read_geojson_polygon(&line).unwrap_err().to_string();
        assert!(
            err.contains("line.geojson") && err.contains("LineString"),
            "{err}"
        );
        let poly = dir.path().join("aoi.geojson");
        std::fs::write(
            &poly,
            r#"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[10,50],[10.1,50],[10.1,50.1],[10,50]]]}}"#,
        )
        .unwrap();
        assert_eq!(read_geojson_polygon(&poly).unwrap().exterior().0.len(), 4);
    }
}
