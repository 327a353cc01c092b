//! Exports of a site's findings for other tools: a GeoJSON FeatureCollection of one layer,
//! or a new GeoPackage holding the site's AOI, buildings, changes and footprints.
//!
//! Both are made from one flat table per layer: the stored struct's fields as properties,
//! intervals spread over `area_m2`, `area_m2_low`, `area_m2_high`, `area_m2_level`, a current
//! verdict over `review_*` fields, lists (building history, site aliases) as JSON. GeoJSON
//! keeps the JSON values; the GeoPackage stores lists as JSON text and booleans as 0/1.

use std::path::Path;

use geo_types::{LineString, Polygon};
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::building::{Interval, StoredBuilding};
use crate::catalog::Catalog;
use crate::change::StoredChange;
use crate::columns::datetime_text;
use crate::error::{CatalogError, CatalogErrorKind};
use crate::footprint::StoredFootprint;
use crate::geometry::{encode_polygon, WGS84_SRS_ID};
use crate::geopackage::{create_geopackage, register_table, update_contents};
use crate::review::Review;
use crate::site::Site;

/// A layer of a site's findings to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportLayer {
    /// The building registry, each building at its current outline.
    Buildings,
    /// The changes of every comparison.
    Changes,
    /// The imported and drawn footprints.
    Footprints,
}

/// The SQL type of an exported field.
#[derive(Debug, Clone, Copy)]
enum FieldType {
    Text,
    Real,
    Integer,
    Boolean,
}

use FieldType::{Boolean, Integer, Real, Text};

impl FieldType {
    fn sql(self) -> &'static str {
        match self {
            FieldType::Text => "TEXT",
            FieldType::Real => "DOUBLE",
            FieldType::Integer => "INTEGER",
            FieldType::Boolean => "BOOLEAN",
        }
    }
}

/// One layer flattened for export: named, typed fields and, per feature, an outline and
/// one value per field.
struct FlatLayer {
    name: &'static str,
    description: &'static str,
    fields: &'static [(&'static str, FieldType)],
    features: Vec<(Polygon<f64>, Vec<Value>)>,
}

impl FlatLayer {
    /// The layer `name` of `items`, each giving its outline and its values of `fields`.
    fn of<T>(
        name: &'static str,
        description: &'static str,
        fields: &'static [(&'static str, FieldType)],
        items: &[T],
        feature: impl Fn(&T) -> (&Polygon<f64>, Vec<Value>),
    ) -> FlatLayer {
        let features = items
            .iter()
            .map(|item| {
                let (outline, values) = feature(item);
                assert_eq!(values.len(), fields.len(), "one value per {name} field");
                (outline.clone(), values)
            })
            .collect();
        FlatLayer {
            name,
            description,
            fields,
            features,
        }
    }

    /// The layer as a GeoJSON FeatureCollection.
    fn geojson(&self) -> Value {
        let features: Vec<Value> = self
            .features
            .iter()
            .map(|(outline, values)| {
                let properties: serde_json::Map<String, Value> = self
                    .fields
                    .iter()
                    .map(|(name, _)| name.to_string())
                    .zip(values.iter().cloned())
                    .collect();
                json!({
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": polygon_coordinates(outline)},
                    "properties": properties,
                })
            })
            .collect();
        json!({"type": "FeatureCollection", "name": self.name, "features": features})
    }

    /// Writes the layer as a feature table of the GeoPackage behind `conn`.
    fn write_gpkg(&self, conn: &Connection) -> Result<(), CatalogErrorKind> {
        let columns: Vec<String> = self
            .fields
            .iter()
            .map(|(name, kind)| format!("{name} {}", kind.sql()))
            .collect();
        conn.execute_batch(&format!(
            "CREATE TABLE {} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
               geom POLYGON NOT NULL, {})",
            self.name,
            columns.join(", ")
        ))?;
        register_table(conn, self.name, true, self.description)?;
        let names: Vec<&str> = self.fields.iter().map(|(n, _)| *n).collect();
        let marks: Vec<String> = (2..self.fields.len() + 2)
            .map(|i| format!("?{i}"))
            .collect();
        let mut insert = conn.prepare(&format!(
            "INSERT INTO {} (geom, {}) VALUES (?1, {})",
            self.name,
            names.join(", "),
            marks.join(", ")
        ))?;
        for (outline, values) in &self.features {
            let mut row: Vec<rusqlite::types::Value> =
                vec![encode_polygon(outline, WGS84_SRS_ID).into()];
            row.extend(values.iter().map(sql_value));
            insert.execute(rusqlite::params_from_iter(row))?;
        }
        update_contents(conn, self.name, true)
    }
}

/// A JSON property value as an SQLite value: lists and objects as JSON text.
fn sql_value(value: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as Sql;
    match value {
        Value::Null => Sql::Null,
        Value::Bool(b) => Sql::Integer(i64::from(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Sql::Integer(i),
            None => Sql::Real(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Sql::Text(s.clone()),
        other => Sql::Text(other.to_string()),
    }
}

/// GeoJSON coordinates of a polygon: its rings of [longitude, latitude].
fn polygon_coordinates(polygon: &Polygon<f64>) -> Value {
    let ring =
        |ring: &LineString<f64>| -> Value { ring.coords().map(|c| json!([c.x, c.y])).collect() };
    std::iter::once(polygon.exterior())
        .chain(polygon.interiors())
        .map(ring)
        .collect()
}

const BUILDING_FIELDS: &[(&str, FieldType)] = &[
    ("id", Integer),
    ("site", Text),
    ("code", Text),
    ("origin", Text),
    ("standing", Boolean),
    ("first_seen_scene", Integer),
    ("last_seen_scene", Integer),
    ("area_m2", Real),
    ("area_m2_low", Real),
    ("area_m2_high", Real),
    ("area_m2_level", Real),
    ("length_m", Real),
    ("length_m_low", Real),
    ("length_m_high", Real),
    ("length_m_level", Real),
    ("width_m", Real),
    ("width_m_low", Real),
    ("width_m_high", Real),
    ("width_m_level", Real),
    ("lon", Real),
    ("lat", Real),
    ("mgrs", Text),
    ("housing", Boolean),
    ("history", Text),
    ("review_verdict", Text),
    ("review_comment", Text),
    ("review_by", Text),
    ("review_at", Text),
];

fn building_values(b: &StoredBuilding) -> Vec<Value> {
    let mut values = vec![
        json!(b.id),
        json!(b.site),
        json!(b.building.code),
        json!(b.building.origin),
        json!(b.building.standing),
        json!(b.building.first_seen_scene),
        json!(b.building.last_seen_scene),
    ];
    for interval in [
        &b.building.area_m2,
        &b.building.length_m,
        &b.building.width_m,
    ] {
        values.extend(interval_values(interval));
    }
    values.extend([
        json!(b.building.lon),
        json!(b.building.lat),
        json!(b.building.mgrs),
        json!(b.building.housing),
        json!(b.building.history),
    ]);
    values.extend(review_values(b.review.as_ref()));
    values
}

const CHANGE_FIELDS: &[(&str, FieldType)] = &[
    ("id", Integer),
    ("comparison", Integer),
    ("before_scene", Integer),
    ("after_scene", Integer),
    ("area_m2", Real),
    ("mean_prob", Real),
    ("direction", Text),
    ("review_verdict", Text),
    ("review_comment", Text),
    ("review_by", Text),
    ("review_at", Text),
];

fn change_values(c: &StoredChange) -> Vec<Value> {
    let mut values = vec![
        json!(c.id),
        json!(c.comparison),
        json!(c.before_scene),
        json!(c.after_scene),
        json!(c.change.area_m2),
        json!(c.change.mean_prob),
        json!(c.change.direction),
    ];
    values.extend(review_values(c.review.as_ref()));
    values
}

const FOOTPRINT_FIELDS: &[(&str, FieldType)] = &[
    ("id", Integer),
    ("site", Text),
    ("origin", Text),
    ("source_file", Text),
    ("source_sha256", Text),
    ("source_feature", Text),
    ("drawn_by", Text),
    ("replaces", Text),
    ("note", Text),
    ("created", Text),
];

fn footprint_values(f: &StoredFootprint) -> Vec<Value> {
    let origin = f.footprint.origin.columns();
    vec![
        json!(f.id),
        json!(f.site),
        json!(origin.kind),
        json!(origin.file),
        json!(origin.sha256),
        json!(origin.feature),
        json!(origin.drawn_by),
        json!(f.footprint.replaces),
        json!(f.footprint.note),
        json!(datetime_text(&f.created)),
    ]
}

const AOI_FIELDS: &[(&str, FieldType)] = &[
    ("id", Integer),
    ("name", Text),
    ("aliases", Text),
    ("parent", Text),
    ("makes", Text),
    ("ring_m", Real),
    ("notes", Text),
];

fn aoi_values(s: &Site) -> Vec<Value> {
    vec![
        json!(s.id),
        json!(s.name),
        json!(s.aliases),
        json!(s.parent),
        json!(s.makes),
        json!(s.ring_m),
        json!(s.notes),
    ]
}

/// The value, low end, high end and level of an interval.
fn interval_values(interval: &Interval) -> [Value; 4] {
    [
        json!(interval.value),
        json!(interval.low),
        json!(interval.high),
        json!(interval.level),
    ]
}

/// The verdict, comment, reviewer and time of a current verdict, or four nulls.
fn review_values(review: Option<&Review>) -> [Value; 4] {
    match review {
        Some(r) => [
            json!(r.verdict),
            json!(r.comment),
            json!(r.reviewer),
            json!(datetime_text(&r.at)),
        ],
        None => [Value::Null, Value::Null, Value::Null, Value::Null],
    }
}

impl Catalog {
    /// One layer of a site's findings (site by name or alias) as a GeoJSON
    /// FeatureCollection in EPSG:4326 longitude/latitude.
    pub fn export_geojson(&self, site: &str, layer: ExportLayer) -> Result<String, CatalogError> {
        Ok(self.flat_layer(site, layer)?.geojson().to_string())
    }

    /// Writes a new GeoPackage at `path` with a site's (by name or alias) layers `aoi`,
    /// `buildings`, `changes` and `footprints`, all EPSG:4326. An existing file is never
    /// overwritten; a failed export leaves no file.
    pub fn export_geopackage(&self, site: &str, path: &Path) -> Result<(), CatalogError> {
        let aoi = FlatLayer::of(
            "aoi",
            "The site's area of interest, names and ring distance",
            AOI_FIELDS,
            &[self.site(site)?],
            |s| (&s.aoi, aoi_values(s)),
        );
        let layers = [
            aoi,
            self.flat_layer(site, ExportLayer::Buildings)?,
            self.flat_layer(site, ExportLayer::Changes)?,
            self.flat_layer(site, ExportLayer::Footprints)?,
        ];
        let fail = |why: String| {
            self.error(CatalogErrorKind::Export {
                file: path.to_path_buf(),
                why,
            })
        };
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(self.error(CatalogErrorKind::ExportExists(path.to_path_buf())))
            }
            Err(e) => return Err(fail(e.to_string())),
        }
        let written = (|| -> Result<(), CatalogErrorKind> {
            let mut conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            let tx = conn.transaction()?;
            create_geopackage(&tx)?;
            for layer in &layers {
                layer.write_gpkg(&tx)?;
            }
            tx.commit()?;
            Ok(())
        })();
        written.map_err(|e| {
            // The file was made by this export, so nothing of value is lost.
            let _ = std::fs::remove_file(path);
            fail(e.to_string())
        })
    }

    fn flat_layer(&self, site: &str, layer: ExportLayer) -> Result<FlatLayer, CatalogError> {
        Ok(match layer {
            ExportLayer::Buildings => FlatLayer::of(
                "buildings",
                "The building registry at each building's current outline",
                BUILDING_FIELDS,
                &self.buildings(site)?,
                |b| (&b.building.outline_lonlat, building_values(b)),
            ),
            ExportLayer::Changes => FlatLayer::of(
                "changes",
                "Changes found by comparisons of scene pairs",
                CHANGE_FIELDS,
                &self.changes(site, None)?,
                |c| (&c.change.outline_lonlat, change_values(c)),
            ),
            ExportLayer::Footprints => FlatLayer::of(
                "footprints",
                "Building outlines imported from files or drawn by analysts",
                FOOTPRINT_FIELDS,
                &self.footprints(site)?,
                |f| (&f.footprint.outline_lonlat, footprint_values(f)),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{bytes, findings_catalog, lon_lat_box};
    use crate::{FootprintOrigin, NewFootprint, NewReview, ReviewTarget, Verdict};

    /// The findings catalog with a verdict on B0001 and a drawn footprint.
    fn reviewed_findings() -> (tempfile::TempDir, Catalog) {
        let (dir, mut catalog, _) = findings_catalog();
        catalog
            .add_review(
                "Natanz",
                &NewReview {
                    target: ReviewTarget::Building("B0001".into()),
                    verdict: Some(Verdict::Accepted),
                    comment: Some("new hall".into()),
                    reviewer: "A. Analyst".into(),
                },
            )
            .unwrap();
        catalog
            .add_footprint(
                "Natanz",
                &NewFootprint {
                    outline_lonlat: lon_lat_box(51.74, 33.73, 51.741, 33.731),
                    origin: FootprintOrigin::Drawn {
                        by: "A. Analyst".into(),
                    },
                    replaces: None,
                    note: None,
                },
            )
            .unwrap();
        (dir, catalog)
    }

    #[test]
    fn geojson_export_carries_every_field_and_ogrinfo_reads_it() {
        let (dir, catalog) = reviewed_findings();
        let text = catalog
            .export_geojson("FEP", ExportLayer::Buildings)
            .unwrap();
        let json: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["type"], "FeatureCollection");
        let features = json["features"].as_array().unwrap();
        let buildings = catalog.buildings("Natanz").unwrap();
        assert_eq!(features.len(), buildings.len());
        let (feature, building) = (&features[0], &buildings[0].building);
        let properties = &feature["properties"];
        assert_eq!(properties["code"], "B0001");
        assert_eq!(properties["area_m2"], building.area_m2.value);
        assert_eq!(properties["area_m2_low"], building.area_m2.low);
        assert_eq!(properties["width_m_high"], building.width_m.high);
        assert_eq!(properties["standing"], true);
        assert_eq!(properties["review_verdict"], "accepted");
        assert_eq!(properties["history"][0]["kind"], "expanded");
        assert_eq!(
            feature["geometry"]["coordinates"],
            polygon_coordinates(&building.outline_lonlat)
        );

        let path = dir.path().join("buildings.geojson");
        std::fs::write(&path, &text).unwrap();
        let report = testkit::run_tool("ogrinfo", &["-al", path.to_str().unwrap()]);
        assert!(report.contains("Feature Count: 2"), "{report}");
        for field in [
            "code (String) = B0001",
            "area_m2_low (Real)",
            "review_verdict (String) = accepted",
        ] {
            assert!(report.contains(field), "{field} not in {report}");
        }
        for layer in [ExportLayer::Changes, ExportLayer::Footprints] {
            let json: Value =
                serde_json::from_str(&catalog.export_geojson("Natanz", layer).unwrap()).unwrap();
            let count = json["features"].as_array().unwrap().len();
            assert_eq!(
                count,
                if layer == ExportLayer::Changes { 2 } else { 1 },
                "{layer:?}"
            );
        }
    }

    #[test]
    fn geopackage_export_holds_the_four_layers_and_never_overwrites() {
        let (dir, catalog) = reviewed_findings();
        let path = dir.path().join("natanz-export.gpkg");
        catalog.export_geopackage("Natanz", &path).unwrap();
        let path_text = path.to_str().unwrap();
        let summary = testkit::run_tool("ogrinfo", &["-al", "-so", path_text]);
        for (layer, count, field) in [
            ("aoi", 1, "ring_m: Real"),
            ("buildings", 2, "area_m2_high: Real"),
            ("changes", 2, "mean_prob: Real"),
            ("footprints", 1, "drawn_by: String"),
        ] {
            let start = summary
                .find(&format!("Layer name: {layer}\n"))
                .unwrap_or_else(|| panic!("no layer {layer} in {summary}"));
            let section = &summary[start..];
            let section = &section[..section[1..]
                .find("Layer name: ")
                .map_or(section.len(), |e| e + 1)];
            assert!(
                section.contains(&format!("Feature Count: {count}\n")),
                "{section}"
            );
            assert!(
                section.contains("Geometry: Polygon") && section.contains("ID[\"EPSG\",4326]"),
                "{section}"
            );
            assert!(section.contains(field), "{field} not in {section}");
        }
        let quiet = std::process::Command::new("ogrinfo")
            .args(["-q", "-al", path_text])
            .output()
            .expect("ogrinfo runs (install gdal-bin)");
        let stderr = String::from_utf8_lossy(&quiet.stderr);
        assert!(
            quiet.status.success() && stderr.trim().is_empty(),
            "ogrinfo warns: {stderr}"
        );
        let standing = testkit::run_tool(
            "ogrinfo",
            &[
                "-q",
                path_text,
                "-sql",
                "SELECT code FROM buildings WHERE standing AND review_verdict = 'accepted'",
            ],
        );
        assert!(standing.contains("code (String) = B0001"), "{standing}");

        let before = bytes(&path);
        let error = catalog.export_geopackage("Natanz", &path).unwrap_err();
        assert!(
            matches!(error.kind, CatalogErrorKind::ExportExists(_)),
            "{error}"
        );
        assert_eq!(bytes(&path), before);
    }
}
