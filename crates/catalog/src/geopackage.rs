//! The GeoPackage container of a catalog: the required GeoPackage tables and SRS rows, the
//! sitewatch layers registered in `gpkg_contents`, the checks that tell a sitewatch catalog
//! from any other file, and the layer bookkeeping (extent, last change) every write updates.

use rusqlite::{Connection, OptionalExtension};

use crate::error::CatalogErrorKind;
use crate::geometry::{self, Envelope, GEOMETRY_TYPE_NAME, WGS84_SRS_ID};

/// `PRAGMA application_id` of a GeoPackage: the ASCII bytes "GPKG".
pub(crate) const APPLICATION_ID: u32 = 0x4750_4B47;
/// `PRAGMA user_version` of GeoPackage 1.3: the version this file follows.
const USER_VERSION: u32 = 10300;
/// The version of the sitewatch tables in this crate, stored in `sitewatch_catalog`.
const SCHEMA_VERSION: i64 = 4;

/// The GeoPackage core tables (spec annex C), without the tile tables a vector-only file needs
/// not have.
const GPKG_TABLES: &str = "
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL,
  srs_id INTEGER PRIMARY KEY,
  organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL,
  description TEXT
);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY,
  data_type TEXT NOT NULL,
  identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE,
  min_y DOUBLE,
  max_x DOUBLE,
  max_y DOUBLE,
  srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL,
  m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined',
   'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined',
   'undefined geographic coordinate reference system'),
  ('WGS 84 geodetic', 4326, 'EPSG', 4326,
   'GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,AUTHORITY[\"EPSG\",\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\",0.0174532925199433,AUTHORITY[\"EPSG\",\"9122\"]],AXIS[\"Latitude\",NORTH],AXIS[\"Longitude\",EAST],AUTHORITY[\"EPSG\",\"4326\"]]',
   'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
";

/// The sitewatch tables. Names resolve case-insensitively (ASCII), lists and transforms are
/// JSON text so that QGIS shows them, and times are GeoPackage DATETIME text
/// (`YYYY-MM-DDTHH:MM:SS.SSSZ`, UTC).
const SITEWATCH_TABLES: &str = "
CREATE TABLE sitewatch_catalog (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  value TEXT NOT NULL
);
CREATE TABLE sites (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  geom POLYGON NOT NULL,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  aliases TEXT NOT NULL DEFAULT '[]',
  parent TEXT,
  makes TEXT,
  ring_m DOUBLE NOT NULL,
  grid_epsg INTEGER,
  grid_proj4 TEXT NOT NULL,
  grid_transform TEXT NOT NULL,
  grid_width INTEGER NOT NULL,
  grid_height INTEGER NOT NULL,
  gsd_from_scenes BOOLEAN NOT NULL DEFAULT 0,
  notes TEXT,
  created DATETIME NOT NULL
);
CREATE TABLE scenes (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  geom POLYGON NOT NULL,
  site_fid INTEGER NOT NULL REFERENCES sites(fid),
  acquired DATETIME NOT NULL,
  sensor TEXT NOT NULL,
  gsd_m DOUBLE NOT NULL,
  band_count INTEGER NOT NULL,
  credit TEXT NOT NULL,
  sun_elevation_deg DOUBLE,
  sun_azimuth_deg DOUBLE,
  off_nadir_deg DOUBLE,
  cloud_fraction DOUBLE,
  grid_epsg INTEGER,
  grid_proj4 TEXT NOT NULL,
  grid_transform TEXT NOT NULL,
  grid_width INTEGER NOT NULL,
  grid_height INTEGER NOT NULL,
  created DATETIME NOT NULL
);
CREATE INDEX scenes_site_acquired ON scenes(site_fid, acquired);
CREATE TABLE scene_files (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  scene_fid INTEGER NOT NULL REFERENCES scenes(fid),
  role TEXT NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  UNIQUE (scene_fid, role)
);
CREATE INDEX scene_files_sha256 ON scene_files(sha256);
CREATE TABLE alignments (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  scene_fid INTEGER NOT NULL UNIQUE REFERENCES scenes(fid),
  reference_scene_fid INTEGER REFERENCES scenes(fid),
  status TEXT NOT NULL CHECK (status IN ('aligned', 'refused')),
  dx_px DOUBLE,
  dy_px DOUBLE,
  model TEXT NOT NULL,
  tie_points_used INTEGER NOT NULL,
  tie_points_rejected INTEGER NOT NULL,
  rmse_px DOUBLE,
  rmse_m DOUBLE,
  reason TEXT,
  created DATETIME NOT NULL
);
";

/// The `events` table, added in schema 2. Dates are ISO 8601 text, a day (`2021-04-11`) or an
/// instant (`2021-04-11T05:42:00.000Z`), so the column is TEXT: GeoPackage DATE and DATETIME
/// each allow only one of the two.
const EVENTS_TABLE: &str = "
CREATE TABLE events (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  site_fid INTEGER NOT NULL REFERENCES sites(fid),
  date TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('visit', 'media', 'report', 'construction', 'other')),
  source TEXT NOT NULL CHECK (length(trim(source)) > 0),
  note TEXT,
  created DATETIME NOT NULL
);
CREATE INDEX events_site_date ON events(site_fid, date);
";

/// The `api_tokens` table, added in schema 3: the SHA-256 of each token that may write
/// through `sitewatch serve` (the tokens themselves are never stored).
const API_TOKENS_TABLE: &str = "
CREATE TABLE api_tokens (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  sha256 TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
  created DATETIME NOT NULL
);
";

/// The tables added in schema 4: what sitewatch finds in imagery (comparisons of scene pairs
/// and the changes they found, the building registry with its per-scene outlines and
/// history), the footprints analysts import or draw, and the analysts' reviews of changes
/// and buildings. Reviews name their target by change id or building code rather than by a
/// foreign key: they are the audit trail and outlive the changes and registries they judged.
const FINDINGS_TABLES: &str = "
CREATE TABLE comparisons (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  site_fid INTEGER NOT NULL REFERENCES sites(fid),
  before_scene_fid INTEGER NOT NULL REFERENCES scenes(fid),
  after_scene_fid INTEGER NOT NULL REFERENCES scenes(fid),
  method TEXT NOT NULL CHECK (length(trim(method)) > 0),
  model_version TEXT,
  parameters TEXT NOT NULL,
  threshold DOUBLE NOT NULL,
  created DATETIME NOT NULL,
  UNIQUE (site_fid, before_scene_fid, after_scene_fid, method)
);
CREATE TABLE changes (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  geom POLYGON NOT NULL,
  comparison_fid INTEGER NOT NULL REFERENCES comparisons(fid),
  site_fid INTEGER NOT NULL REFERENCES sites(fid),
  before_scene_fid INTEGER NOT NULL REFERENCES scenes(fid),
  after_scene_fid INTEGER NOT NULL REFERENCES scenes(fid),
  area_m2 DOUBLE NOT NULL,
  mean_prob DOUBLE NOT NULL,
  direction TEXT NOT NULL CHECK (direction IN ('appeared', 'removed', 'surface_changed'))
);
CREATE INDEX changes_comparison ON changes(comparison_fid);
CREATE INDEX changes_site ON changes(site_fid);
CREATE TABLE buildings (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  geom POLYGON NOT NULL,
  site_fid INTEGER NOT NULL REFERENCES sites(fid),
  code TEXT NOT NULL CHECK (length(trim(code)) > 0),
  origin TEXT NOT NULL CHECK (origin IN ('detected', 'imported', 'drawn')),
  standing BOOLEAN NOT NULL,
  first_seen_scene_fid INTEGER NOT NULL REFERENCES scenes(fid),
  last_seen_scene_fid INTEGER NOT NULL REFERENCES scenes(fid),
  area_m2 DOUBLE NOT NULL,
  area_m2_low DOUBLE NOT NULL,
  area_m2_high DOUBLE NOT NULL,
  area_m2_level DOUBLE NOT NULL,
  length_m DOUBLE NOT NULL,
  length_m_low DOUBLE NOT NULL,
  length_m_high DOUBLE NOT NULL,
  length_m_level DOUBLE NOT NULL,
  width_m DOUBLE NOT NULL,
  width_m_low DOUBLE NOT NULL,
  width_m_high DOUBLE NOT NULL,
  width_m_level DOUBLE NOT NULL,
  lon DOUBLE NOT NULL,
  lat DOUBLE NOT NULL,
  mgrs TEXT NOT NULL,
  housing BOOLEAN NOT NULL,
  UNIQUE (site_fid, code)
);
CREATE TABLE building_outlines (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  geom POLYGON NOT NULL,
  building_fid INTEGER NOT NULL REFERENCES buildings(fid),
  scene_fid INTEGER NOT NULL REFERENCES scenes(fid),
  UNIQUE (building_fid, scene_fid)
);
CREATE TABLE building_events (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  building_fid INTEGER NOT NULL REFERENCES buildings(fid),
  kind TEXT NOT NULL CHECK (kind IN ('appeared', 'expanded', 'surface_changed', 'demolished')),
  before_scene_fid INTEGER NOT NULL REFERENCES scenes(fid),
  after_scene_fid INTEGER NOT NULL REFERENCES scenes(fid)
);
CREATE INDEX building_events_building ON building_events(building_fid);
CREATE TABLE footprints (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  geom POLYGON NOT NULL,
  site_fid INTEGER NOT NULL REFERENCES sites(fid),
  origin TEXT NOT NULL CHECK (origin IN ('imported', 'drawn')),
  source_file TEXT,
  source_sha256 TEXT,
  source_feature TEXT,
  drawn_by TEXT,
  replaces TEXT,
  note TEXT,
  created DATETIME NOT NULL,
  CHECK ((origin = 'imported') = (source_file IS NOT NULL AND source_sha256 IS NOT NULL)),
  CHECK ((origin = 'drawn') = (drawn_by IS NOT NULL))
);
CREATE INDEX footprints_site_sha256 ON footprints(site_fid, source_sha256);
CREATE TABLE reviews (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  site_fid INTEGER NOT NULL REFERENCES sites(fid),
  change_fid INTEGER,
  building_code TEXT,
  verdict TEXT CHECK (verdict IN ('accepted', 'rejected')),
  comment TEXT,
  reviewer TEXT NOT NULL CHECK (length(trim(reviewer)) > 0),
  at DATETIME NOT NULL,
  CHECK ((change_fid IS NULL) <> (building_code IS NULL)),
  CHECK (verdict IS NOT NULL OR comment IS NOT NULL)
);
CREATE INDEX reviews_site ON reviews(site_fid, fid);
";

/// The tables each schema version after 1 added: a catalog of an older schema gets them when
/// it is opened, so its sites and scenes stay usable.
const UPGRADES: [(i64, &str); 3] = [
    (2, EVENTS_TABLE),
    (3, API_TOKENS_TABLE),
    (4, FINDINGS_TABLES),
];

/// A table of the catalog as `gpkg_contents` lists it.
struct Layer {
    table: &'static str,
    /// A feature layer with a `geom` polygon column in EPSG:4326, else an attribute table.
    spatial: bool,
    description: &'static str,
    /// The schema version that added the table.
    since: i64,
}

const LAYERS: [Layer; 14] = [
    Layer {
        table: "sites",
        spatial: true,
        description:
            "Sites of interest: AOI polygon, names and aliases, ring distance, analysis grid",
        since: 1,
    },
    Layer {
        table: "scenes",
        spatial: true,
        description:
            "Image acquisitions: footprint polygon, time, sensor, GSD, credit, native grid",
        since: 1,
    },
    Layer {
        table: "scene_files",
        spatial: false,
        description: "The files of each scene (bands or tiles) with their sha256",
        since: 1,
    },
    Layer {
        table: "alignments",
        spatial: false,
        description: "How each scene was brought onto its site grid, and how well",
        since: 1,
    },
    Layer {
        table: "sitewatch_catalog",
        spatial: false,
        description: "Marks the file as a sitewatch catalog and records its schema version",
        since: 1,
    },
    Layer {
        table: "events",
        spatial: false,
        description: "Dated, sourced facts about each site: visits, media, reports, construction",
        since: 2,
    },
    Layer {
        table: "api_tokens",
        spatial: false,
        description: "SHA-256 hashes of the tokens that may write through sitewatch serve",
        since: 3,
    },
    Layer {
        table: "comparisons",
        spatial: false,
        description: "Runs of a change method on a pair of scenes: method, model, parameters",
        since: 4,
    },
    Layer {
        table: "changes",
        spatial: true,
        description: "Changes a comparison found: outline, area, mean probability, direction",
        since: 4,
    },
    Layer {
        table: "buildings",
        spatial: true,
        description:
            "The building registry: current outline, status, first and last seen, measures with intervals",
        since: 4,
    },
    Layer {
        table: "building_outlines",
        spatial: true,
        description: "The outline of each registered building in each scene it was seen in",
        since: 4,
    },
    Layer {
        table: "building_events",
        spatial: false,
        description: "What happened to each building between two scenes: appeared, expanded, ...",
        since: 4,
    },
    Layer {
        table: "footprints",
        spatial: true,
        description: "Building outlines imported from files or drawn by analysts",
        since: 4,
    },
    Layer {
        table: "reviews",
        spatial: false,
        description: "Analysts' verdicts and comments on changes and buildings (audit trail)",
        since: 4,
    },
];

/// Makes the empty database behind `conn` a GeoPackage 1.3 with no layers yet.
pub(crate) fn create_geopackage(conn: &Connection) -> Result<(), CatalogErrorKind> {
    conn.pragma_update(None, "application_id", APPLICATION_ID as i32)?;
    conn.pragma_update(None, "user_version", USER_VERSION as i32)?;
    conn.execute_batch(GPKG_TABLES)?;
    Ok(())
}

/// Creates a new catalog in the empty database behind `conn` (inside the caller's
/// transaction, so a failure leaves nothing half made).
pub(crate) fn create(conn: &Connection) -> Result<(), CatalogErrorKind> {
    create_geopackage(conn)?;
    conn.execute_batch(SITEWATCH_TABLES)?;
    for (_, tables) in UPGRADES {
        conn.execute_batch(tables)?;
    }
    for layer in &LAYERS {
        register_layer(conn, layer)?;
    }
    conn.execute(
        "INSERT INTO sitewatch_catalog (key, value) VALUES ('schema_version', ?1), ('created_by', ?2)",
        (
            SCHEMA_VERSION.to_string(),
            concat!("sitewatch catalog ", env!("CARGO_PKG_VERSION")),
        ),
    )?;
    Ok(())
}

/// Lists `layer` in `gpkg_contents` (and, for a feature layer, `gpkg_geometry_columns`).
fn register_layer(conn: &Connection, layer: &Layer) -> Result<(), CatalogErrorKind> {
    register_table(conn, layer.table, layer.spatial, layer.description)
}

/// Lists `table` in `gpkg_contents` as a feature layer with a `geom` polygon column in
/// EPSG:4326 when `spatial`, else as an attribute table (and, for a feature layer, in
/// `gpkg_geometry_columns`).
pub(crate) fn register_table(
    conn: &Connection,
    table: &str,
    spatial: bool,
    description: &str,
) -> Result<(), CatalogErrorKind> {
    let (data_type, srs_id) = if spatial {
        ("features", Some(WGS84_SRS_ID))
    } else {
        ("attributes", None)
    };
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
         VALUES (?1, ?2, ?1, ?3, ?4)",
        (table, data_type, description, srs_id),
    )?;
    if spatial {
        conn.execute(
            "INSERT INTO gpkg_geometry_columns VALUES (?1, 'geom', ?2, ?3, 0, 0)",
            (table, GEOMETRY_TYPE_NAME, WGS84_SRS_ID),
        )?;
    }
    Ok(())
}

/// Whether a catalog of schema `found` lacks tables this crate writes.
pub(crate) fn needs_upgrade(found: i64) -> bool {
    found < SCHEMA_VERSION
}

/// Brings a catalog of schema `found` (checked by [`check_sitewatch`]) up to this crate's
/// schema: creates and registers the tables added since, inside the caller's transaction.
pub(crate) fn upgrade(conn: &Connection, found: i64) -> Result<(), CatalogErrorKind> {
    for (version, tables) in UPGRADES.iter().filter(|(v, _)| *v > found) {
        conn.execute_batch(tables)?;
        for layer in LAYERS.iter().filter(|l| l.since == *version) {
            register_layer(conn, layer)?;
        }
    }
    conn.execute(
        "UPDATE sitewatch_catalog SET value = ?1 WHERE key = 'schema_version'",
        [SCHEMA_VERSION.to_string()],
    )?;
    Ok(())
}

/// Checks the 100-byte SQLite header of an existing file: an SQLite database whose
/// application id says GeoPackage. Reading the bytes ourselves, before SQLite opens the file,
/// guarantees that a foreign file is never touched.
pub(crate) fn check_header(header: &[u8]) -> Result<(), CatalogErrorKind> {
    if header.is_empty() {
        return Err(CatalogErrorKind::NotGeoPackage("the file is empty".into()));
    }
    if header.len() < 100 || !header.starts_with(b"SQLite format 3\0") {
        return Err(CatalogErrorKind::NotGeoPackage(
            "it is not an SQLite database".into(),
        ));
    }
    let application_id = u32::from_be_bytes(header[68..72].try_into().expect("4 bytes"));
    if application_id != APPLICATION_ID {
        return Err(CatalogErrorKind::NotGeoPackage(format!(
            "an SQLite database with application_id {application_id:#010x}, not 0x47504b47 'GPKG'"
        )));
    }
    Ok(())
}

/// Checks that an opened GeoPackage holds the sitewatch tables in a schema version this
/// crate reads, and returns that version.
pub(crate) fn check_sitewatch(conn: &Connection) -> Result<i64, CatalogErrorKind> {
    let has_table = |name: &str| -> Result<bool, rusqlite::Error> {
        conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [name],
            |row| row.get::<_, i64>(0),
        )
        .map(|n| n > 0)
    };
    if !has_table("gpkg_contents")? {
        return Err(CatalogErrorKind::NotGeoPackage(
            "it has no gpkg_contents table".into(),
        ));
    }
    if !has_table("sitewatch_catalog")? {
        return Err(CatalogErrorKind::NotSitewatchCatalog(
            "it has no sitewatch_catalog table".into(),
        ));
    }
    let version: Option<String> = conn
        .query_row(
            "SELECT value FROM sitewatch_catalog WHERE key = 'schema_version'",
            [],
            |row| row.get(0),
        )
        .optional()?;
    let found = version
        .as_deref()
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| {
            CatalogErrorKind::NotSitewatchCatalog(
                "its sitewatch_catalog table has no schema_version".into(),
            )
        })?;
    if found > SCHEMA_VERSION {
        return Err(CatalogErrorKind::NewerSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for layer in LAYERS.iter().filter(|l| l.since <= found) {
        if !has_table(layer.table)? {
            return Err(CatalogErrorKind::Damaged(format!(
                "the {} table is missing",
                layer.table
            )));
        }
    }
    Ok(found)
}

/// Records in `gpkg_contents` that `table` changed now; for a feature layer, also stores its
/// new extent (the union of its geometries' envelopes, or none when it is empty), which is
/// what GIS software zooms to.
pub(crate) fn record_change(
    conn: &Connection,
    table: &'static str,
) -> Result<(), CatalogErrorKind> {
    let layer = LAYERS
        .iter()
        .find(|l| l.table == table)
        .expect("record_change is called with catalog tables only");
    update_contents(conn, table, layer.spatial)
}

/// Records in `gpkg_contents` that `table` changed now and, when it is `spatial`, its extent.
pub(crate) fn update_contents(
    conn: &Connection,
    table: &str,
    spatial: bool,
) -> Result<(), CatalogErrorKind> {
    let extent = if spatial {
        let mut statement = conn.prepare(&format!("SELECT geom FROM {table}"))?;
        let mut rows = statement.query([])?;
        let mut extent: Option<Envelope> = None;
        while let Some(row) = rows.next()? {
            let blob: Vec<u8> = row.get(0)?;
            let envelope = geometry::envelope(&blob)
                .map_err(|why| CatalogErrorKind::Damaged(format!("{table}: {why}")))?;
            extent = Some(extent.map_or(envelope, |e| e.union(envelope)));
        }
        extent
    } else {
        None
    };
    conn.execute(
        "UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'),
           min_x = ?2, min_y = ?3, max_x = ?4, max_y = ?5 WHERE table_name = ?1",
        (
            table,
            extent.map(|e| e.min_x),
            extent.map(|e| e.min_y),
            extent.map(|e| e.max_x),
            extent.map(|e| e.max_y),
        ),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use geo_types::Polygon;

    use crate::fixtures::{fordow, lon_lat_box, natanz, scene, temp_catalog};
    use crate::geometry::Envelope;

    /// The part of `ogrinfo` output that describes layer `name`.
    fn layer_section<'a>(report: &'a str, name: &str) -> &'a str {
        let start = report
            .find(&format!("Layer name: {name}\n"))
            .unwrap_or_else(|| panic!("ogrinfo lists no layer {name}:\n{report}"));
        let rest = &report[start + 1..];
        &report[start..start + 1 + rest.find("Layer name: ").unwrap_or(rest.len())]
    }

    /// The extent line `ogrinfo -so` prints for a layer covering `polygons`.
    fn extent_line(polygons: &[&Polygon<f64>]) -> String {
        let e = polygons
            .iter()
            .map(|p| Envelope::of_polygon(p).unwrap())
            .reduce(Envelope::union)
            .unwrap();
        format!(
            "Extent: ({:.6}, {:.6}) - ({:.6}, {:.6})",
            e.min_x, e.min_y, e.max_x, e.max_y
        )
    }

    /// The WKT `ogrinfo` prints for a polygon with one ring.
    fn wkt(polygon: &Polygon<f64>) -> String {
        let points: Vec<String> = polygon
            .exterior()
            .coords()
            .map(|c| format!("{} {}", c.x, c.y))
            .collect();
        format!("POLYGON (({}))", points.join(","))
    }

    #[test]
    fn ogrinfo_reads_the_catalog_as_a_valid_geopackage() {
        let (dir, mut catalog) = temp_catalog();
        let site = natanz();
        let aoi = site.aoi.clone();
        catalog.add_site(site).unwrap();
        let west = lon_lat_box(51.55, 33.58, 51.80, 33.81);
        let east = lon_lat_box(51.68, 33.62, 51.95, 33.85);
        let target = catalog
            .add_scene(scene("Natanz", "2024-03-01T07:10:00Z", west.clone(), 1))
            .unwrap();
        let reference = catalog
            .add_scene(scene("FEP", "2019-09-12T07:05:30.250Z", east.clone(), 2))
            .unwrap();
        catalog
            .set_alignment(crate::NewAlignment {
                scene_id: target.id,
                reference_scene_id: Some(reference.id),
                status: crate::AlignmentStatus::Aligned,
                dx_px: Some(0.75),
                dy_px: Some(-1.5),
                model: serde_json::json!({"kind": "shift"}),
                tie_points_used: 40,
                tie_points_rejected: 2,
                rmse_px: Some(0.4),
                rmse_m: Some(4.0),
                reason: None,
            })
            .unwrap();
        catalog
            .add_event(crate::NewEvent {
                site: "Natanz".into(),
                date: "2021-04-11".parse().unwrap(),
                kind: crate::EventKind::Report,
                source: "https://example.org/natanz".into(),
                note: None,
            })
            .unwrap();
        let path = dir.path().join("dossier.gpkg");
        let path = path.to_str().unwrap();

        let summary = testkit::run_tool("ogrinfo", &["-al", "-so", path]);
        assert!(
            summary.contains("using driver `GPKG' successful"),
            "{summary}"
        );
        let sites = layer_section(&summary, "sites");
        let scenes = layer_section(&summary, "scenes");
        for (layer, count, extent) in [
            (sites, 1, extent_line(&[&aoi])),
            (scenes, 2, extent_line(&[&west, &east])),
        ] {
            assert!(layer.contains("Geometry: Polygon\n"), "{layer}");
            assert!(
                layer.contains(&format!("Feature Count: {count}\n")),
                "{layer}"
            );
            assert!(layer.contains(&extent), "{extent} not in {layer}");
            assert!(layer.contains("ID[\"EPSG\",4326]"), "{layer}");
        }
        let events = layer_section(&summary, "events");
        assert!(events.contains("Geometry: None") && events.contains("Feature Count: 1"));
        let files = layer_section(&summary, "scene_files");
        assert!(files.contains("Geometry: None") && files.contains("Feature Count: 4"));
        assert!(sites.contains("name: String"), "{sites}");
        assert!(scenes.contains("acquired: DateTime"), "{scenes}");

        let features = testkit::run_tool("ogrinfo", &["-al", path, "sites", "scenes"]);
        for polygon in [&aoi, &west, &east] {
            assert!(
                features.contains(&wkt(polygon)),
                "{} not in {features}",
                wkt(polygon)
            );
        }
        assert!(features.contains("name (String) = Natanz"), "{features}");
        assert!(features.contains("2019/09/12 07:05:30.25"), "{features}");

        // GDAL warns on stderr about whatever in the file breaks the GeoPackage spec.
        let quiet = std::process::Command::new("ogrinfo")
            .args(["-q", "-al", path])
            .output()
            .expect("ogrinfo runs (install gdal-bin)");
        assert!(quiet.status.success());
        let stderr = String::from_utf8_lossy(&quiet.stderr);
        assert!(stderr.trim().is_empty(), "ogrinfo warns: {stderr}");
    }

    #[test]
    fn ogrinfo_reads_the_findings_layers() {
        let (dir, _catalog, _) = crate::fixtures::findings_catalog();
        let path = dir.path().join("dossier.gpkg");
        let path = path.to_str().unwrap();
        let summary = testkit::run_tool("ogrinfo", &["-al", "-so", path]);
        for (layer, count, fields) in [
            ("changes", 2, &["direction: String", "mean_prob: Real"][..]),
            (
                "buildings",
                2,
                &[
                    "code: String",
                    "area_m2_low: Real",
                    "standing: Integer(Boolean)",
                ][..],
            ),
            ("building_outlines", 4, &["scene_fid: Integer"][..]),
            ("footprints", 0, &["origin: String"][..]),
        ] {
            let section = layer_section(&summary, layer);
            assert!(section.contains("Geometry: Polygon\n"), "{section}");
            assert!(section.contains("ID[\"EPSG\",4326]"), "{section}");
            assert!(
                section.contains(&format!("Feature Count: {count}\n")),
                "{section}"
            );
            for field in fields {
                assert!(section.contains(field), "{field} not in {section}");
            }
        }
        for (table, count) in [("comparisons", 1), ("building_events", 2), ("reviews", 0)] {
            let section = layer_section(&summary, table);
            assert!(section.contains("Geometry: None"), "{section}");
            assert!(
                section.contains(&format!("Feature Count: {count}\n")),
                "{section}"
            );
        }
        check_schema_with_ogrinfo(std::path::Path::new(path));
    }

    #[test]
    fn writes_keep_a_gdal_spatial_index_current() {
        let (dir, mut catalog) = temp_catalog();
        catalog.add_site(natanz()).unwrap();
        let path = dir.path().join("dossier.gpkg");
        let path_text = path.to_str().unwrap();
        // What QGIS or GDAL does when asked for a spatial index: an R-tree kept by triggers
        // that call ST_MinX and friends.
        testkit::run_tool(
            "ogrinfo",
            &[
                "-q",
                path_text,
                "-sql",
                "SELECT CreateSpatialIndex('sites', 'geom')",
            ],
        );
        let fordow = fordow();
        let fordow_box = Envelope::of_polygon(&fordow.aoi).unwrap();
        let added = catalog.add_site(fordow).unwrap();
        let edit = crate::SiteEdit {
            ring_m: Some(3000.0),
            ..crate::SiteEdit::default()
        };
        catalog.edit_site("Natanz", edit).unwrap();
        let indexed = testkit::run_tool(
            "ogrinfo",
            &[
                "-al",
                "-q",
                "-spat",
                &fordow_box.min_x.to_string(),
                &fordow_box.min_y.to_string(),
                &fordow_box.max_x.to_string(),
                &fordow_box.max_y.to_string(),
                path_text,
                "sites",
            ],
        );
        assert!(indexed.contains("name (String) = Fordow"), "{indexed}");
        assert!(!indexed.contains("Natanz"), "{indexed}");
        let (count, id): (i64, i64) = rusqlite::Connection::open(&path)
            .unwrap()
            .query_row("SELECT count(*), max(id) FROM rtree_sites_geom", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((count, id), (2, added.id));
    }

    /// Turns the catalog at `path` into what a sitewatch of schema `version` wrote: the
    /// tables added since are dropped and unregistered.
    fn downgrade(path: &std::path::Path, version: i64) {
        let conn = rusqlite::Connection::open(path).unwrap();
        for layer in super::LAYERS.iter().filter(|l| l.since > version) {
            conn.execute_batch(&format!(
                "DROP TABLE {0};
                 DELETE FROM gpkg_geometry_columns WHERE table_name = '{0}';
                 DELETE FROM gpkg_contents WHERE table_name = '{0}';",
                layer.table
            ))
            .unwrap();
        }
        conn.execute(
            "UPDATE sitewatch_catalog SET value = ?1 WHERE key = 'schema_version'",
            [version.to_string()],
        )
        .unwrap();
    }

    #[test]
    fn older_catalogs_get_the_newer_tables_when_opened() {
        for version in [1, 3] {
            let (dir, mut catalog) = temp_catalog();
            catalog.add_site(natanz()).unwrap();
            drop(catalog);
            let path = dir.path().join("dossier.gpkg");
            downgrade(&path, version);
            let mut catalog = crate::Catalog::open(&path).unwrap();
            catalog
                .add_event(crate::NewEvent {
                    site: "Natanz".into(),
                    date: "2021-04-11".parse().unwrap(),
                    kind: crate::EventKind::Visit,
                    source: "IAEA".into(),
                    note: None,
                })
                .unwrap();
            assert_eq!(catalog.events("Natanz").unwrap().len(), 1);
            catalog.replace_buildings("Natanz", &[]).unwrap();
            assert!(catalog.comparisons("Natanz").unwrap().is_empty());
            drop(catalog);
            check_schema_with_ogrinfo(&path);
        }
    }

    /// `ogrinfo` reads the catalog at `path` without a warning, and it has this crate's schema.
    fn check_schema_with_ogrinfo(path: &std::path::Path) {
        let path = path.to_str().unwrap();
        let quiet = std::process::Command::new("ogrinfo")
            .args(["-q", "-al", path])
            .output()
            .expect("ogrinfo runs (install gdal-bin)");
        let stderr = String::from_utf8_lossy(&quiet.stderr);
        assert!(stderr.trim().is_empty(), "ogrinfo warns: {stderr}");
        let version = testkit::run_tool(
            "ogrinfo",
            &[
                "-q",
                path,
                "-sql",
                "SELECT value FROM sitewatch_catalog WHERE key = 'schema_version'",
            ],
        );
        let expected = format!("value (String) = {}", super::SCHEMA_VERSION);
        assert!(version.contains(&expected), "{version}");
    }
}
