//! Footprints: building outlines that are inputs to the registry, imported from a file
//! (GeoJSON or GeoPackage) or drawn by an analyst, kept in the `footprints` layer.
//!
//! An import is all or nothing: every polygon of the file is read, checked and stored in one
//! transaction, or, when any feature is bad, none is and the error names the file and the
//! feature. A footprint must lie within the site's AOI or its ring; the same file (by
//! SHA-256) is imported once per site.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use geo::{Distance, Euclidean};
use geo_types::{Coord, LineString, Polygon};
use raster::{CoordTransform, Crs};
use rusqlite::{named_params, Connection, OpenFlags, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::Catalog;
use crate::columns::{datetime_text, read_datetime};
use crate::error::{CatalogError, CatalogErrorKind};
use crate::geometry::{
    check_lon_lat_polygon, decode_polygon, decode_polygons, encode_polygon, WGS84_SRS_ID,
};
use crate::geopackage::record_change;
use crate::scene::sha256_of_file;
use crate::site::{find_site, Site};

/// Where a footprint comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum FootprintOrigin {
    /// Read from a file.
    Imported {
        /// The file, as given when it was imported.
        file: PathBuf,
        /// The SHA-256 of the file's bytes.
        sha256: String,
        /// The feature within the file: the GeoJSON feature's `id` (or `#N`, its position
        /// from 0, when it has none) or `layer:fid` in a GeoPackage, with ` part N` (from 1)
        /// for each part of a multipolygon.
        feature: Option<String>,
    },
    /// Drawn by an analyst.
    Drawn {
        /// Who drew it.
        by: String,
    },
}

/// A footprint's origin as the catalog's columns hold it (`origin`, `source_file`,
/// `source_sha256`, `source_feature`, `drawn_by`): what is stored and what is exported.
pub(crate) struct OriginColumns<'a> {
    pub kind: &'static str,
    pub file: Option<&'a Path>,
    pub sha256: Option<&'a str>,
    pub feature: Option<&'a str>,
    pub drawn_by: Option<&'a str>,
}

impl FootprintOrigin {
    /// The origin split into the catalog's columns.
    pub(crate) fn columns(&self) -> OriginColumns<'_> {
        match self {
            FootprintOrigin::Imported {
                file,
                sha256,
                feature,
            } => OriginColumns {
                kind: "imported",
                file: Some(file),
                sha256: Some(sha256),
                feature: feature.as_deref(),
                drawn_by: None,
            },
            FootprintOrigin::Drawn { by } => OriginColumns {
                kind: "drawn",
                file: None,
                sha256: None,
                feature: None,
                drawn_by: Some(by),
            },
        }
    }
}

/// A footprint to add.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewFootprint {
    /// The outline, longitude/latitude (EPSG:4326).
    pub outline_lonlat: Polygon<f64>,
    /// Where it comes from.
    pub origin: FootprintOrigin,
    /// The code of the registered building whose outline it corrects, if any.
    pub replaces: Option<String>,
    /// A remark.
    pub note: Option<String>,
}

/// A stored footprint: the footprint as it was given, where and when it was added.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredFootprint {
    /// The footprint's feature id in the `footprints` layer.
    pub id: i64,
    /// The name of the site.
    pub site: String,
    /// The footprint as it was given.
    #[serde(flatten)]
    pub footprint: NewFootprint,
    /// When it was added.
    pub created: DateTime<Utc>,
}

impl Catalog {
    /// Imports every polygon of a file as footprints of a site (by name or alias): a GeoJSON
    /// FeatureCollection (EPSG:4326; a MultiPolygon gives one footprint per part) or the
    /// polygon, multipolygon and generic geometry layers of a GeoPackage (any EPSG CRS,
    /// transformed to
    /// longitude/latitude). All or nothing: a bad feature, a footprint wholly outside the
    /// site's AOI and ring, or a file already imported for the site is an error, and the
    /// catalog is left unchanged.
    pub fn import_footprints(
        &mut self,
        site: &str,
        path: &Path,
    ) -> Result<Vec<StoredFootprint>, CatalogError> {
        self.write(|conn| {
            let site = find_site(conn, site)?;
            let fail = |why: String| CatalogErrorKind::FootprintFile {
                file: path.to_path_buf(),
                why,
            };
            let file = path
                .to_str()
                .ok_or_else(|| fail("the path is not valid UTF-8".into()))?;
            let sha256 = sha256_of_file(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
            let imported: Option<String> = conn
                .query_row(
                    "SELECT source_file FROM footprints WHERE site_fid = ?1 AND source_sha256 = ?2
                     LIMIT 1",
                    (site.id, &sha256),
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(imported) = imported {
                return Err(CatalogErrorKind::DuplicateFootprintFile {
                    file: path.to_path_buf(),
                    sha256,
                    site: site.name,
                    imported,
                });
            }
            let features = read_footprint_file(path).map_err(fail)?;
            if features.is_empty() {
                return Err(fail("it holds no polygons".into()));
            }
            let ring =
                SiteRing::of(&site).map_err(|why| CatalogErrorKind::invalid("site AOI", why))?;
            let mut ids = HashSet::with_capacity(features.len());
            for (feature, outline) in features {
                check_lon_lat_polygon(&outline)
                    .and_then(|()| ring.check(&outline))
                    .map_err(|why| fail(format!("feature {feature}: {why}")))?;
                let footprint = NewFootprint {
                    outline_lonlat: outline,
                    origin: FootprintOrigin::Imported {
                        file: PathBuf::from(file),
                        sha256: sha256.clone(),
                        feature: Some(feature),
                    },
                    replaces: None,
                    note: None,
                };
                ids.insert(store_footprint(conn, site.id, &footprint)?);
            }
            record_change(conn, "footprints")?;
            let mut stored = read_footprints(conn, &site)?;
            stored.retain(|f| ids.contains(&f.id));
            Ok(stored)
        })
    }

    /// Adds one footprint to a site (by name or alias), typically one an analyst drew. It
    /// must lie within the site's AOI or ring; a footprint that corrects a building must
    /// name a building in the site's registry.
    pub fn add_footprint(
        &mut self,
        site: &str,
        footprint: &NewFootprint,
    ) -> Result<StoredFootprint, CatalogError> {
        self.write(|conn| {
            let site = find_site(conn, site)?;
            let invalid = |why: String| CatalogErrorKind::invalid("footprint", why);
            check_lon_lat_polygon(&footprint.outline_lonlat)
                .and_then(|()| SiteRing::of(&site)?.check(&footprint.outline_lonlat))
                .map_err(invalid)?;
            match &footprint.origin {
                FootprintOrigin::Drawn { by } if by.trim().is_empty() => {
                    return Err(invalid("it does not say who drew it".into()))
                }
                FootprintOrigin::Imported { sha256, .. }
                    if !(sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit())) =>
                {
                    return Err(invalid(format!("sha256 '{sha256}' is not 64 hex digits")))
                }
                _ => {}
            }
            if let Some(code) = &footprint.replaces {
                let known: bool = conn.query_row(
                    "SELECT EXISTS (SELECT 1 FROM buildings WHERE site_fid = ?1 AND code = ?2)",
                    (site.id, code.trim()),
                    |row| row.get(0),
                )?;
                if !known {
                    return Err(CatalogErrorKind::BuildingNotFound {
                        site: site.name,
                        code: code.clone(),
                    });
                }
            }
            let id = store_footprint(conn, site.id, footprint)?;
            record_change(conn, "footprints")?;
            read_footprints(conn, &site)?
                .into_iter()
                .find(|f| f.id == id)
                .ok_or_else(|| CatalogErrorKind::Damaged(format!("footprint {id} vanished")))
        })
    }

    /// The footprints of a site (by name or alias), in the order they were added.
    pub fn footprints(&self, site: &str) -> Result<Vec<StoredFootprint>, CatalogError> {
        self.read(|conn| {
            let site = find_site(conn, site)?;
            read_footprints(conn, &site)
        })
    }
}

/// A site's AOI and ring in metres (its UTM zone), to tell footprints near the site from
/// footprints elsewhere.
struct SiteRing {
    to_metres: CoordTransform,
    aoi_m: Polygon<f64>,
    ring_m: f64,
}

impl SiteRing {
    fn of(site: &Site) -> Result<SiteRing, String> {
        let first = site.aoi.exterior().0[0];
        let to_metres = CoordTransform::new(&Crs::wgs84(), &Crs::utm_for_lonlat(first.x, first.y))
            .map_err(|e| e.to_string())?;
        Ok(SiteRing {
            aoi_m: to_metres
                .transform_polygon(&site.aoi)
                .map_err(|e| e.to_string())?,
            to_metres,
            ring_m: site.ring_m,
        })
    }

    /// Fails when `outline` lies wholly outside the AOI and its ring.
    fn check(&self, outline: &Polygon<f64>) -> Result<(), String> {
        let distance = Euclidean.distance(
            &self.aoi_m,
            &self
                .to_metres
                .transform_polygon(outline)
                .map_err(|e| e.to_string())?,
        );
        if distance > self.ring_m {
            return Err(format!(
                "it lies {distance:.0} m from the site's AOI, outside its {:.0} m ring",
                self.ring_m
            ));
        }
        Ok(())
    }
}

/// Every polygon of the GeoJSON or GeoPackage file at `path`, in longitude/latitude, each
/// with the name of its feature. The error names the feature at fault.
fn read_footprint_file(path: &Path) -> Result<Vec<(String, Polygon<f64>)>, String> {
    let cannot_read = |e: std::io::Error| format!("cannot read it: {e}");
    let mut magic = Vec::with_capacity(16);
    std::fs::File::open(path)
        .and_then(|file| file.take(16).read_to_end(&mut magic))
        .map_err(cannot_read)?;
    if magic == b"SQLite format 3\0" {
        read_geopackage(path)
    } else {
        let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => {
                "it is neither a GeoPackage nor GeoJSON text (not UTF-8)".to_string()
            }
            _ => cannot_read(e),
        })?;
        read_geojson(&text)
    }
}

/// The polygons of a GeoJSON FeatureCollection in EPSG:4326.
fn read_geojson(text: &str) -> Result<Vec<(String, Polygon<f64>)>, String> {
    let json: Value = serde_json::from_str(text).map_err(|e| format!("it is not GeoJSON: {e}"))?;
    if json["type"] != "FeatureCollection" {
        return Err(format!(
            "it is GeoJSON of type {}, not a FeatureCollection",
            json["type"]
        ));
    }
    if let Some(name) = json["crs"]["properties"]["name"].as_str() {
        // A 2008-GeoJSON CRS member; RFC 7946 GeoJSON is always longitude/latitude.
        if !(name.ends_with("CRS84") || name.ends_with("4326")) {
            return Err(format!(
                "its CRS is {name}; GeoJSON footprints must be EPSG:4326 longitude/latitude"
            ));
        }
    }
    let features = json["features"]
        .as_array()
        .ok_or_else(|| "its FeatureCollection has no features array".to_string())?;
    let mut polygons = Vec::new();
    for (index, feature) in features.iter().enumerate() {
        let name = match &feature["id"] {
            Value::String(id) => id.clone(),
            Value::Number(id) => id.to_string(),
            _ => format!("#{index}"),
        };
        let parts = geojson_polygons(&feature["geometry"])
            .map_err(|why| format!("feature {name}: {why}"))?;
        polygons.extend(named_parts(&name, parts));
    }
    Ok(polygons)
}

/// The parts of a feature named `name`, each named; parts of a multipolygon get ` part N`.
fn named_parts(name: &str, parts: Vec<Polygon<f64>>) -> Vec<(String, Polygon<f64>)> {
    let several = parts.len() > 1;
    parts
        .into_iter()
        .enumerate()
        .map(|(i, polygon)| {
            let label = if several {
                format!("{name} part {}", i + 1)
            } else {
                name.to_string()
            };
            (label, polygon)
        })
        .collect()
}

/// The polygons of a GeoJSON geometry: Polygon or MultiPolygon.
fn geojson_polygons(geometry: &Value) -> Result<Vec<Polygon<f64>>, String> {
    let coordinates = &geometry["coordinates"];
    match geometry["type"].as_str() {
        Some("Polygon") => Ok(vec![geojson_polygon(coordinates)?]),
        Some("MultiPolygon") => coordinates
            .as_array()
            .ok_or_else(|| "its MultiPolygon has no coordinates array".to_string())?
            .iter()
            .map(geojson_polygon)
            .collect(),
        Some(other) => Err(format!("it is a {other}, not a Polygon or MultiPolygon")),
        None if geometry.is_null() => Err("it has no geometry".into()),
        None => Err("its geometry has no type".into()),
    }
}

/// A polygon from GeoJSON polygon coordinates: rings of [longitude, latitude] positions.
fn geojson_polygon(coordinates: &Value) -> Result<Polygon<f64>, String> {
    let bad = || "its polygon coordinates are not rings of [longitude, latitude]".to_string();
    let mut rings = coordinates
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|ring| {
            ring.as_array()
                .ok_or_else(bad)?
                .iter()
                .map(|position| match position.as_array().map(Vec::as_slice) {
                    Some([x, y, ..]) => Ok(Coord {
                        x: x.as_f64().ok_or_else(bad)?,
                        y: y.as_f64().ok_or_else(bad)?,
                    }),
                    _ => Err(bad()),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(LineString)
        })
        .collect::<Result<Vec<_>, _>>()?
        .into_iter();
    let exterior = rings.next().ok_or("its polygon has no rings")?;
    Ok(Polygon::new(exterior, rings.collect()))
}

/// The polygons of every polygon, multipolygon and generic geometry layer of a GeoPackage
/// (GDAL makes a generic one of mixed polygons and multipolygons), transformed from the
/// layer's EPSG CRS to longitude/latitude. Any other geometry in a generic layer is an error.
fn read_geopackage(path: &Path) -> Result<Vec<(String, Polygon<f64>)>, String> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("cannot open it as a GeoPackage: {e}"))?;
    let sql_error = |e: rusqlite::Error| format!("cannot read it as a GeoPackage: {e}");
    let mut statement = conn
        .prepare(
            "SELECT g.table_name, g.column_name, s.srs_id, s.organization,
               s.organization_coordsys_id
             FROM gpkg_geometry_columns g JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id
             WHERE upper(g.geometry_type_name) IN ('POLYGON', 'MULTIPOLYGON', 'GEOMETRY')
             ORDER BY g.table_name",
        )
        .map_err(sql_error)?;
    let layers = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, i64>(4)?,
            ))
        })
        .map_err(sql_error)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(sql_error)?;
    if layers.is_empty() {
        return Err("it has no polygon layers (POLYGON, MULTIPOLYGON or GEOMETRY)".into());
    }
    let mut polygons = Vec::new();
    for (table, column, srs_id, organization, code) in layers {
        let crs = u32::try_from(code)
            .ok()
            .filter(|_| organization.eq_ignore_ascii_case("EPSG"))
            .and_then(|code| Crs::from_epsg(code).ok())
            .ok_or_else(|| {
                format!(
                    "layer {table}: its SRS {srs_id} ({organization} {code}) is not an EPSG CRS sitewatch knows"
                )
            })?;
        let to_lon_lat =
            CoordTransform::new(&crs, &Crs::wgs84()).map_err(|e| format!("layer {table}: {e}"))?;
        let quote = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
        let mut rows = conn
            .prepare(&format!(
                "SELECT rowid, {} FROM {} ORDER BY rowid",
                quote(&column),
                quote(&table)
            ))
            .map_err(sql_error)?;
        let mut rows = rows.query([]).map_err(sql_error)?;
        while let Some(row) = rows.next().map_err(sql_error)? {
            let fid: i64 = row.get(0).map_err(sql_error)?;
            let name = format!("{table}:{fid}");
            let blob: Option<Vec<u8>> = row.get(1).map_err(sql_error)?;
            let parts = blob
                .ok_or_else(|| "it has no geometry".to_string())
                .and_then(|blob| decode_polygons(&blob))
                .and_then(|parts| {
                    parts
                        .iter()
                        .map(|p| to_lon_lat.transform_polygon(p).map_err(|e| e.to_string()))
                        .collect::<Result<Vec<_>, _>>()
                })
                .map_err(|why| format!("feature {name}: {why}"))?;
            polygons.extend(named_parts(&name, parts));
        }
    }
    Ok(polygons)
}

/// Stores `footprint` for the site with feature id `site_id`; returns its id.
fn store_footprint(
    conn: &Connection,
    site_id: i64,
    footprint: &NewFootprint,
) -> Result<i64, CatalogErrorKind> {
    let columns = footprint.origin.columns();
    let file = columns
        .file
        .map(|file| {
            file.to_str().ok_or_else(|| {
                CatalogErrorKind::invalid(
                    "footprint file",
                    format!("{} is not UTF-8", file.display()),
                )
            })
        })
        .transpose()?;
    let text = |t: &Option<String>| {
        t.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    };
    conn.execute(
        "INSERT INTO footprints (geom, site_fid, origin, source_file, source_sha256,
           source_feature, drawn_by, replaces, note, created)
         VALUES (:geom, :site, :origin, :file, :sha256, :feature, :by, :replaces, :note, :created)",
        named_params! {
            ":geom": encode_polygon(&footprint.outline_lonlat, WGS84_SRS_ID),
            ":site": site_id,
            ":origin": columns.kind,
            ":file": file,
            ":sha256": columns.sha256.map(str::to_ascii_lowercase),
            ":feature": columns.feature,
            ":by": columns.drawn_by.map(str::trim),
            ":replaces": text(&footprint.replaces),
            ":note": text(&footprint.note),
            ":created": datetime_text(&Utc::now()),
        },
    )?;
    Ok(conn.last_insert_rowid())
}

/// The footprints of `site`, in the order they were added.
fn read_footprints(
    conn: &Connection,
    site: &Site,
) -> Result<Vec<StoredFootprint>, CatalogErrorKind> {
    let mut statement =
        conn.prepare("SELECT * FROM footprints WHERE site_fid = ?1 ORDER BY fid")?;
    let mut rows = statement.query([site.id])?;
    let mut footprints = Vec::new();
    while let Some(row) = rows.next()? {
        footprints.push(footprint_from_row(row, site)?);
    }
    Ok(footprints)
}

fn footprint_from_row(row: &Row, site: &Site) -> Result<StoredFootprint, CatalogErrorKind> {
    let id: i64 = row.get("fid")?;
    let damaged = |why: String| CatalogErrorKind::Damaged(format!("footprint {id}: {why}"));
    let geom: Vec<u8> = row.get("geom")?;
    let origin: String = row.get("origin")?;
    let origin = match origin.as_str() {
        "imported" => FootprintOrigin::Imported {
            file: PathBuf::from(
                row.get::<_, Option<String>>("source_file")?
                    .ok_or_else(|| damaged("no source file".into()))?,
            ),
            sha256: row
                .get::<_, Option<String>>("source_sha256")?
                .ok_or_else(|| damaged("no sha256".into()))?,
            feature: row.get("source_feature")?,
        },
        "drawn" => FootprintOrigin::Drawn {
            by: row
                .get::<_, Option<String>>("drawn_by")?
                .ok_or_else(|| damaged("no author".into()))?,
        },
        other => return Err(damaged(format!("origin '{other}'"))),
    };
    Ok(StoredFootprint {
        id,
        site: site.name.clone(),
        footprint: NewFootprint {
            outline_lonlat: decode_polygon(&geom).map_err(damaged)?,
            origin,
            replaces: row.get("replaces")?,
            note: row.get("note")?,
        },
        created: read_datetime(row, "created")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{bytes, findings_catalog, lon_lat_box, natanz, temp_catalog};

    /// GeoJSON coordinates of a lon/lat box.
    fn ring(west: f64, south: f64, east: f64, north: f64) -> Value {
        serde_json::json!([[
            [west, south],
            [east, south],
            [east, north],
            [west, north],
            [west, south]
        ]])
    }

    /// A FeatureCollection of `features` written to `name` in `dir`.
    fn geojson_file(dir: &Path, name: &str, features: Vec<Value>) -> PathBuf {
        let path = dir.join(name);
        let collection = serde_json::json!({"type": "FeatureCollection", "features": features});
        std::fs::write(&path, collection.to_string()).unwrap();
        path
    }

    /// Three buildings in the AOI of Natanz: one Polygon with an id, and a MultiPolygon of
    /// two parts without one.
    fn buildings_geojson() -> Vec<Value> {
        vec![
            serde_json::json!({"type": "Feature", "id": "hall-a", "properties": {},
                "geometry": {"type": "Polygon", "coordinates": ring(51.720, 33.720, 51.721, 33.721)}}),
            serde_json::json!({"type": "Feature", "properties": {"name": "twin"},
                "geometry": {"type": "MultiPolygon", "coordinates": [
                    ring(51.730, 33.720, 51.731, 33.721), ring(51.732, 33.720, 51.733, 33.721)]}}),
        ]
    }

    #[test]
    fn geojson_polygons_and_multipolygon_parts_become_footprints() {
        let (dir, mut catalog) = temp_catalog();
        catalog.add_site(natanz()).unwrap();
        let file = geojson_file(dir.path(), "halls.geojson", buildings_geojson());
        let imported = catalog.import_footprints("FEP", &file).unwrap();
        let sha256 = sha256_of_file(&file).unwrap();
        let features: Vec<Option<&str>> = imported
            .iter()
            .map(|f| match &f.footprint.origin {
                FootprintOrigin::Imported {
                    feature,
                    sha256: s,
                    file: f,
                } => {
                    assert_eq!((s, f), (&sha256, &file));
                    feature.as_deref()
                }
                FootprintOrigin::Drawn { .. } => panic!("imported footprints are imported"),
            })
            .collect();
        assert_eq!(
            features,
            [Some("hall-a"), Some("#1 part 1"), Some("#1 part 2")]
        );
        assert_eq!(
            imported[0].footprint.outline_lonlat,
            lon_lat_box(51.720, 33.720, 51.721, 33.721)
        );
        assert_eq!(
            imported[2].footprint.outline_lonlat,
            lon_lat_box(51.732, 33.720, 51.733, 33.721)
        );
        assert_eq!(catalog.footprints("Natanz").unwrap(), imported);

        // The same bytes under another name are the same file.
        let copy = dir.path().join("copy.json");
        std::fs::copy(&file, &copy).unwrap();
        let error = catalog.import_footprints("Natanz", &copy).unwrap_err();
        assert!(
            matches!(error.kind, CatalogErrorKind::DuplicateFootprintFile { .. }),
            "{error}"
        );
        assert!(error.to_string().contains("halls.geojson"), "{error}");
        assert_eq!(catalog.footprints("Natanz").unwrap().len(), 3);
    }

    #[test]
    fn one_bad_feature_and_nothing_is_imported() {
        let (dir, mut catalog) = temp_catalog();
        catalog.add_site(natanz()).unwrap();
        let path = dir.path().join("dossier.gpkg");
        let before = bytes(&path);
        let good = buildings_geojson();
        let point = serde_json::json!({"type": "Feature", "id": 7, "properties": {},
            "geometry": {"type": "Point", "coordinates": [51.72, 33.72]}});
        let swapped = serde_json::json!({"type": "Feature", "properties": {},
            "geometry": {"type": "Polygon", "coordinates": ring(51.72, 133.72, 51.73, 133.73)}});
        let far = serde_json::json!({"type": "Feature", "id": "tehran", "properties": {},
            "geometry": {"type": "Polygon", "coordinates": ring(51.40, 35.70, 51.41, 35.71)}});
        let cases = [
            (point, "feature 7: it is a Point"),
            (swapped, "feature #2: the exterior ring has latitude 133.72"),
            (far, "feature tehran: it lies"),
        ];
        for (index, (bad, reason)) in cases.into_iter().enumerate() {
            let mut features = good.clone();
            features.push(bad);
            let name = format!("bad{index}.geojson");
            let file = geojson_file(dir.path(), &name, features);
            let error = catalog.import_footprints("Natanz", &file).unwrap_err();
            let message = error.to_string();
            assert!(
                message.contains(reason) && message.contains(&name),
                "{message}"
            );
        }
        let not_json = dir.path().join("notes.txt");
        std::fs::write(&not_json, "hall A is new").unwrap();
        let message = catalog
            .import_footprints("Natanz", &not_json)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("notes.txt") && message.contains("not GeoJSON"),
            "{message}"
        );
        assert_eq!(bytes(&path), before);
        assert!(catalog.footprints("Natanz").unwrap().is_empty());
    }

    #[test]
    fn a_geopackage_in_utm_is_imported_in_lon_lat() {
        // GDAL writes the GeoPackage, in UTM zone 39N, as other programs would hand it over:
        // with a MULTIPOLYGON layer when asked to, else a GEOMETRY layer of both kinds.
        for layer_type in [Some("MULTIPOLYGON"), None] {
            utm_geopackage_is_imported_in_lon_lat(layer_type);
        }
    }

    fn utm_geopackage_is_imported_in_lon_lat(layer_type: Option<&str>) {
        let (dir, mut catalog) = temp_catalog();
        catalog.add_site(natanz()).unwrap();
        let source = geojson_file(dir.path(), "halls.geojson", buildings_geojson());
        let utm = dir.path().join("halls_utm.gpkg");
        let (utm_text, source_text) = (utm.to_str().unwrap(), source.to_str().unwrap());
        let mut args = vec!["-f", "GPKG", "-t_srs", "EPSG:32639", "-nln", "halls"];
        if let Some(layer_type) = layer_type {
            args.extend(["-nlt", layer_type]);
        }
        args.extend([utm_text, source_text]);
        testkit::run_tool("ogr2ogr", &args);
        let info = testkit::run_tool("ogrinfo", &["-so", utm_text, "halls"]);
        let geometry = layer_type.map_or("Unknown (any)", |_| "Multi Polygon");
        assert!(info.contains(&format!("Geometry: {geometry}")), "{info}");
        let imported = catalog.import_footprints("Natanz", &utm).unwrap();
        let features: Vec<&str> = imported
            .iter()
            .map(|f| match &f.footprint.origin {
                FootprintOrigin::Imported { feature, .. } => feature.as_deref().unwrap(),
                FootprintOrigin::Drawn { .. } => panic!("imported footprints are imported"),
            })
            .collect();
        assert_eq!(features, ["halls:1", "halls:2 part 1", "halls:2 part 2"]);
        let wanted = [
            lon_lat_box(51.720, 33.720, 51.721, 33.721),
            lon_lat_box(51.730, 33.720, 51.731, 33.721),
            lon_lat_box(51.732, 33.720, 51.733, 33.721),
        ];
        for (footprint, wanted) in imported.iter().zip(&wanted) {
            for (got, want) in footprint
                .footprint
                .outline_lonlat
                .exterior()
                .coords()
                .zip(wanted.exterior().coords())
            {
                // 1e-8 degrees is about a millimetre: two PROJ implementations agree to that.
                assert!(
                    (got.x - want.x).abs() < 1e-8 && (got.y - want.y).abs() < 1e-8,
                    "{got:?} vs {want:?}"
                );
            }
        }
    }

    #[test]
    fn drawn_footprints_name_their_author_and_a_known_building() {
        let (_dir, mut catalog, _) = findings_catalog();
        let drawn = |replaces: Option<&str>, by: &str| NewFootprint {
            outline_lonlat: lon_lat_box(51.715, 33.72, 51.7155, 33.7204),
            origin: FootprintOrigin::Drawn { by: by.into() },
            replaces: replaces.map(str::to_string),
            note: Some(" includes the annex ".into()),
        };
        let stored = catalog
            .add_footprint("Natanz", &drawn(Some("B0001"), "A. Analyst"))
            .unwrap();
        assert_eq!(stored.footprint.replaces.as_deref(), Some("B0001"));
        assert_eq!(stored.footprint.note.as_deref(), Some("includes the annex"));
        assert_eq!(
            stored.footprint.origin,
            FootprintOrigin::Drawn {
                by: "A. Analyst".into()
            }
        );
        let unknown = catalog
            .add_footprint("Natanz", &drawn(Some("B0404"), "A"))
            .unwrap_err();
        assert!(
            matches!(unknown.kind, CatalogErrorKind::BuildingNotFound { .. }),
            "{unknown}"
        );
        let anonymous = catalog
            .add_footprint("Natanz", &drawn(None, " "))
            .unwrap_err();
        assert!(anonymous.to_string().contains("who drew it"), "{anonymous}");
        assert_eq!(catalog.footprints("Natanz").unwrap(), vec![stored]);
        let json = serde_json::to_value(&catalog.footprints("Natanz").unwrap()[0]).unwrap();
        assert_eq!(json["origin"]["kind"], "drawn");
    }
}
