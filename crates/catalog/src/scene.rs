//! Scenes: image acquisitions of a site, the `scenes` layer of the catalog, with their files
//! (bands or tiles, each with its sha256) in the `scene_files` table.

use std::collections::HashMap;
use std::io::Read;
use std::ops::RangeInclusive;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use geo_types::Polygon;
use raster::Grid;
use rusqlite::{named_params, Connection, OptionalExtension, Row};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::catalog::Catalog;
use crate::columns::{check_grid, datetime_text, grid_values, read_datetime, read_grid};
use crate::error::{CatalogError, CatalogErrorKind};
use crate::geometry::{check_lon_lat_polygon, decode_polygon, encode_polygon, WGS84_SRS_ID};
use crate::geopackage::record_change;
use crate::site::{find_site, Site};

/// One file of a scene: a band, a tile, or the whole scene.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SceneFile {
    /// What the file is within the scene, unique per scene: "B04", "band 1", "tile 0_1".
    pub role: String,
    /// Where the file is, as given when the scene was added.
    pub path: PathBuf,
    /// The SHA-256 of the file's bytes, 64 lowercase hex digits.
    pub sha256: String,
}

/// A file could not be read to compute its SHA-256.
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot read the file to hash it: {source}", path.display())]
pub struct FileHashError {
    /// The file.
    pub path: PathBuf,
    /// Why it could not be read.
    #[source]
    pub source: std::io::Error,
}

impl SceneFile {
    /// The scene file at `path` with role `role`, its SHA-256 computed from the file's bytes
    /// (read in a stream, so memory stays small for any file size).
    pub fn hash(
        path: impl Into<PathBuf>,
        role: impl Into<String>,
    ) -> Result<SceneFile, FileHashError> {
        let path = path.into();
        let digest = sha256_of_file(&path).map_err(|source| FileHashError {
            path: path.clone(),
            source,
        })?;
        Ok(SceneFile {
            role: role.into(),
            path,
            sha256: digest,
        })
    }
}

/// The SHA-256 of the file at `path`, 64 lowercase hex digits, read in a stream.
pub(crate) fn sha256_of_file(path: &std::path::Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// One acquisition of a site as the catalog holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scene {
    /// The scene's feature id in the `scenes` layer.
    pub id: i64,
    /// The name of the site the scene shows.
    pub site: String,
    /// When the image was taken (UTC, to the millisecond).
    pub acquired: DateTime<Utc>,
    /// The satellite or camera, e.g. "Sentinel-2A MSI".
    pub sensor: String,
    /// Ground sample distance in metres.
    pub gsd_m: f64,
    /// How many bands the scene has, over all its files.
    pub band_count: usize,
    /// The credit and licence line every figure made from the scene must carry.
    pub credit: String,
    /// Sun elevation above the horizon, degrees.
    pub sun_elevation_deg: Option<f64>,
    /// Sun azimuth, degrees clockwise from north.
    pub sun_azimuth_deg: Option<f64>,
    /// Off-nadir view angle, degrees.
    pub off_nadir_deg: Option<f64>,
    /// Fraction of the scene covered by cloud, 0 to 1.
    pub cloud_fraction: Option<f64>,
    /// What the scene covers, longitude/latitude (EPSG:4326).
    pub footprint: Polygon<f64>,
    /// The scene's native grid (its own CRS, transform and size).
    pub grid: Grid,
    /// The scene's files, in the order they were given.
    pub files: Vec<SceneFile>,
    /// When the scene was added to the catalog.
    pub created: DateTime<Utc>,
}

/// A scene to add: everything but the id and creation time, which the catalog assigns.
#[derive(Debug, Clone, PartialEq)]
pub struct NewScene {
    /// The name or an alias of the site the scene shows.
    pub site: String,
    /// When the image was taken (stored to the millisecond).
    pub acquired: DateTime<Utc>,
    /// The satellite or camera.
    pub sensor: String,
    /// Ground sample distance in metres (positive).
    pub gsd_m: f64,
    /// How many bands the scene has (at least 1).
    pub band_count: usize,
    /// The credit and licence line (required).
    pub credit: String,
    /// Sun elevation, -90 to 90 degrees.
    pub sun_elevation_deg: Option<f64>,
    /// Sun azimuth, 0 to 360 degrees clockwise from north.
    pub sun_azimuth_deg: Option<f64>,
    /// Off-nadir view angle, 0 to 90 degrees.
    pub off_nadir_deg: Option<f64>,
    /// Cloud fraction, 0 to 1.
    pub cloud_fraction: Option<f64>,
    /// What the scene covers, longitude/latitude (EPSG:4326).
    pub footprint: Polygon<f64>,
    /// The scene's native grid.
    pub grid: Grid,
    /// At least one file; roles and paths unique within the scene.
    pub files: Vec<SceneFile>,
}

const SCENE_COLUMNS: &str = "scenes.fid, scenes.geom, sites.name AS site_name, scenes.acquired, \
    scenes.sensor, scenes.gsd_m, scenes.band_count, scenes.credit, scenes.sun_elevation_deg, \
    scenes.sun_azimuth_deg, scenes.off_nadir_deg, scenes.cloud_fraction, scenes.grid_epsg, \
    scenes.grid_proj4, scenes.grid_transform, scenes.grid_width, scenes.grid_height, \
    scenes.created";

impl Catalog {
    /// Adds a scene of a site. A file whose SHA-256 is already part of a scene of the same
    /// site is refused, so the same image is never counted twice.
    pub fn add_scene(&mut self, scene: NewScene) -> Result<Scene, CatalogError> {
        self.write(|conn| {
            let site = find_site(conn, &scene.site)?;
            let scene = scene.normalised()?;
            for file in &scene.files {
                check_file_is_new(conn, file, site.id)?;
            }
            let geom = encode_polygon(&scene.footprint, WGS84_SRS_ID);
            let (grid_epsg, grid_proj4, grid_transform, grid_width, grid_height) =
                grid_values(&scene.grid);
            conn.execute(
                "INSERT INTO scenes (geom, site_fid, acquired, sensor, gsd_m, band_count, credit,
                   sun_elevation_deg, sun_azimuth_deg, off_nadir_deg, cloud_fraction, grid_epsg,
                   grid_proj4, grid_transform, grid_width, grid_height, created)
                 VALUES (:geom, :site_fid, :acquired, :sensor, :gsd_m, :band_count, :credit,
                   :sun_elevation_deg, :sun_azimuth_deg, :off_nadir_deg, :cloud_fraction,
                   :grid_epsg, :grid_proj4, :grid_transform, :grid_width, :grid_height, :created)",
                named_params! {
                    ":geom": geom,
                    ":site_fid": site.id,
                    ":acquired": datetime_text(&scene.acquired),
                    ":sensor": scene.sensor,
                    ":gsd_m": scene.gsd_m,
                    ":band_count": scene.band_count as i64,
                    ":credit": scene.credit,
                    ":sun_elevation_deg": scene.sun_elevation_deg,
                    ":sun_azimuth_deg": scene.sun_azimuth_deg,
                    ":off_nadir_deg": scene.off_nadir_deg,
                    ":cloud_fraction": scene.cloud_fraction,
                    ":grid_epsg": grid_epsg,
                    ":grid_proj4": grid_proj4,
                    ":grid_transform": grid_transform,
                    ":grid_width": grid_width,
                    ":grid_height": grid_height,
                    ":created": datetime_text(&Utc::now()),
                },
            )?;
            let id = conn.last_insert_rowid();
            let mut insert_file = conn.prepare(
                "INSERT INTO scene_files (scene_fid, role, path, sha256) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for file in &scene.files {
                insert_file.execute((id, &file.role, path_text(&file.path)?, &file.sha256))?;
            }
            record_change(conn, "scenes")?;
            record_change(conn, "scene_files")?;
            read_scenes(conn, Some(id), None)?
                .pop()
                .ok_or_else(|| CatalogErrorKind::Damaged(format!("scene {id} vanished")))
        })
    }

    /// The scenes of the site named or aliased `site`, or of every site when `None`, by
    /// acquisition time.
    pub fn scenes(&self, site: Option<&str>) -> Result<Vec<Scene>, CatalogError> {
        self.read(|conn| {
            let site_id = site
                .map(|name| find_site(conn, name))
                .transpose()?
                .map(|s| s.id);
            read_scenes(conn, None, site_id)
        })
    }

    /// The scene with id `id`.
    pub fn scene(&self, id: i64) -> Result<Scene, CatalogError> {
        self.read(|conn| {
            read_scenes(conn, Some(id), None)?
                .pop()
                .ok_or(CatalogErrorKind::SceneNotFound(id))
        })
    }
}

impl NewScene {
    /// The scene with trimmed texts and lowercase hashes, checked for what the catalog needs.
    fn normalised(self) -> Result<NewScene, CatalogErrorKind> {
        let sensor = required_text(self.sensor, "scene sensor")?;
        let credit = required_text(self.credit, "scene credit line")?;
        if !(self.gsd_m.is_finite() && self.gsd_m > 0.0) {
            return Err(CatalogErrorKind::invalid(
                "scene GSD",
                format!("{} m; it must be a positive number of metres", self.gsd_m),
            ));
        }
        if self.band_count == 0 {
            return Err(CatalogErrorKind::invalid("scene band count", "it is 0"));
        }
        check_range(self.sun_elevation_deg, "sun elevation", -90.0..=90.0)?;
        check_range(self.sun_azimuth_deg, "sun azimuth", 0.0..=360.0)?;
        check_range(self.off_nadir_deg, "off-nadir angle", 0.0..=90.0)?;
        check_range(self.cloud_fraction, "cloud fraction", 0.0..=1.0)?;
        check_lon_lat_polygon(&self.footprint)
            .map_err(|why| CatalogErrorKind::invalid("scene footprint", why))?;
        check_grid(&self.grid, "scene grid")?;
        if self.files.is_empty() {
            return Err(CatalogErrorKind::invalid("scene files", "there are none"));
        }
        let mut files: Vec<SceneFile> = Vec::with_capacity(self.files.len());
        for file in self.files {
            let file = SceneFile {
                role: required_text(file.role, "scene file role")?,
                sha256: file.sha256.trim().to_ascii_lowercase(),
                path: file.path,
            };
            path_text(&file.path)?;
            if file.sha256.len() != 64 || !file.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(CatalogErrorKind::invalid(
                    "scene file sha256",
                    format!(
                        "'{}' of {} is not 64 hex digits",
                        file.sha256,
                        file.path.display()
                    ),
                ));
            }
            if let Some(twin) = files
                .iter()
                .find(|f| f.role == file.role || f.path == file.path)
            {
                return Err(CatalogErrorKind::invalid(
                    "scene files",
                    format!(
                        "{} ({}) and {} ({}) share a role or a path",
                        twin.path.display(),
                        twin.role,
                        file.path.display(),
                        file.role
                    ),
                ));
            }
            files.push(file);
        }
        Ok(NewScene {
            sensor,
            credit,
            files,
            ..self
        })
    }
}

fn required_text(text: String, what: &'static str) -> Result<String, CatalogErrorKind> {
    let text = text.trim();
    if text.is_empty() {
        return Err(CatalogErrorKind::invalid(what, "it is empty"));
    }
    Ok(text.to_string())
}

fn check_range(
    value: Option<f64>,
    what: &'static str,
    range: RangeInclusive<f64>,
) -> Result<(), CatalogErrorKind> {
    match value {
        Some(v) if !range.contains(&v) => Err(CatalogErrorKind::invalid(
            what,
            format!("{v} is outside {} to {}", range.start(), range.end()),
        )),
        _ => Ok(()),
    }
}

/// The path as the UTF-8 text the catalog stores.
fn path_text(path: &std::path::Path) -> Result<&str, CatalogErrorKind> {
    let text = path.to_str().ok_or_else(|| {
        CatalogErrorKind::invalid(
            "scene file path",
            format!("{} is not UTF-8", path.display()),
        )
    })?;
    if text.is_empty() {
        return Err(CatalogErrorKind::invalid("scene file path", "it is empty"));
    }
    Ok(text)
}

/// Fails when a file with the same SHA-256 is already part of a scene of site `site_id`.
fn check_file_is_new(
    conn: &Connection,
    file: &SceneFile,
    site_id: i64,
) -> Result<(), CatalogErrorKind> {
    let known: Option<(i64, String, String)> = conn
        .query_row(
            "SELECT scenes.fid, scene_files.path, sites.name FROM scene_files
               JOIN scenes ON scenes.fid = scene_files.scene_fid
               JOIN sites ON sites.fid = scenes.site_fid
             WHERE scene_files.sha256 = ?1 AND scenes.site_fid = ?2",
            (&file.sha256, site_id),
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?;
    match known {
        Some((scene, path, site)) => Err(CatalogErrorKind::DuplicateSceneFile {
            path: format!("{} (catalogued as {path})", file.path.display()),
            sha256: file.sha256.clone(),
            scene,
            site,
        }),
        None => Ok(()),
    }
}

/// The scenes of one site by id, with their acquisition times: what findings (comparisons,
/// buildings) check the scenes they cite against.
pub(crate) struct SiteScenes {
    site: String,
    acquired: HashMap<i64, DateTime<Utc>>,
}

impl SiteScenes {
    /// The scenes of `site`.
    pub fn of(conn: &Connection, site: &Site) -> Result<SiteScenes, CatalogErrorKind> {
        let mut statement = conn.prepare("SELECT fid, acquired FROM scenes WHERE site_fid = ?1")?;
        let mut rows = statement.query([site.id])?;
        let mut acquired = HashMap::new();
        while let Some(row) = rows.next()? {
            acquired.insert(row.get("fid")?, read_datetime(row, "acquired")?);
        }
        Ok(SiteScenes {
            site: site.name.clone(),
            acquired,
        })
    }

    /// When scene `id` was acquired; an error when it is not a scene of the site.
    pub fn acquired(&self, id: i64) -> Result<DateTime<Utc>, CatalogErrorKind> {
        self.acquired
            .get(&id)
            .copied()
            .ok_or_else(|| CatalogErrorKind::SceneNotOfSite {
                scene: id,
                site: self.site.clone(),
            })
    }

    /// Checks that `before` and `after` are two scenes of the site, `before` acquired first.
    pub fn check_pair(&self, before: i64, after: i64) -> Result<(), CatalogErrorKind> {
        let (from, to) = (self.acquired(before)?, self.acquired(after)?);
        if before == after || from > to {
            return Err(CatalogErrorKind::invalid(
                "scene pair",
                format!(
                    "scene {before} ({}) is not acquired before scene {after} ({})",
                    datetime_text(&from),
                    datetime_text(&to)
                ),
            ));
        }
        Ok(())
    }
}

/// The scenes with id `id` and/or of site `site_id` (either or both may be `None` for any),
/// by acquisition time.
fn read_scenes(
    conn: &Connection,
    id: Option<i64>,
    site_id: Option<i64>,
) -> Result<Vec<Scene>, CatalogErrorKind> {
    let mut statement = conn.prepare(&format!(
        "SELECT {SCENE_COLUMNS} FROM scenes JOIN sites ON sites.fid = scenes.site_fid
         WHERE (?1 IS NULL OR scenes.fid = ?1) AND (?2 IS NULL OR scenes.site_fid = ?2)
         ORDER BY scenes.acquired, scenes.fid"
    ))?;
    let mut rows = statement.query((id, site_id))?;
    let mut scenes = Vec::new();
    while let Some(row) = rows.next()? {
        let id: i64 = row.get("fid")?;
        scenes.push(scene_from_row(row, read_files(conn, id)?)?);
    }
    Ok(scenes)
}

fn read_files(conn: &Connection, scene_id: i64) -> Result<Vec<SceneFile>, CatalogErrorKind> {
    let mut statement = conn
        .prepare("SELECT role, path, sha256 FROM scene_files WHERE scene_fid = ?1 ORDER BY fid")?;
    let files = statement
        .query_map([scene_id], |row| {
            Ok(SceneFile {
                role: row.get(0)?,
                path: PathBuf::from(row.get::<_, String>(1)?),
                sha256: row.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(files)
}

fn scene_from_row(row: &Row, files: Vec<SceneFile>) -> Result<Scene, CatalogErrorKind> {
    let id: i64 = row.get("fid")?;
    let geom: Vec<u8> = row.get("geom")?;
    let footprint = decode_polygon(&geom)
        .map_err(|why| CatalogErrorKind::Damaged(format!("the footprint of scene {id}: {why}")))?;
    let band_count: i64 = row.get("band_count")?;
    Ok(Scene {
        id,
        site: row.get("site_name")?,
        acquired: read_datetime(row, "acquired")?,
        sensor: row.get("sensor")?,
        gsd_m: row.get("gsd_m")?,
        band_count: usize::try_from(band_count).map_err(|_| {
            CatalogErrorKind::Damaged(format!("scene {id} has band count {band_count}"))
        })?,
        credit: row.get("credit")?,
        sun_elevation_deg: row.get("sun_elevation_deg")?,
        sun_azimuth_deg: row.get("sun_azimuth_deg")?,
        off_nadir_deg: row.get("off_nadir_deg")?,
        cloud_fraction: row.get("cloud_fraction")?,
        footprint,
        grid: read_grid(row)?,
        files,
        created: read_datetime(row, "created")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{fordow, lon_lat_box, natanz, scene, temp_catalog};

    fn footprint() -> Polygon<f64> {
        lon_lat_box(51.6, 33.6, 51.9, 33.9)
    }

    #[test]
    fn scenes_are_listed_by_acquisition_time_per_site() {
        let (_dir, mut catalog) = temp_catalog();
        catalog.add_site(natanz()).unwrap();
        catalog.add_site(fordow()).unwrap();
        let late = catalog
            .add_scene(scene("Natanz", "2024-03-01T07:10:00Z", footprint(), 1))
            .unwrap();
        let early = catalog
            .add_scene(scene("fep", "2019-09-12T07:05:30.250Z", footprint(), 2))
            .unwrap();
        let other = catalog
            .add_scene(scene("Fordow", "2020-01-01T00:00:00Z", footprint(), 3))
            .unwrap();
        assert_eq!(early.site, "Natanz");
        assert_eq!(early.acquired.to_rfc3339(), "2019-09-12T07:05:30.250+00:00");
        let ids = |scenes: Vec<Scene>| scenes.into_iter().map(|s| s.id).collect::<Vec<_>>();
        assert_eq!(
            ids(catalog.scenes(Some("kashan enrichment plant")).unwrap()),
            [early.id, late.id]
        );
        assert_eq!(
            ids(catalog.scenes(None).unwrap()),
            [early.id, other.id, late.id]
        );
        let error = catalog.scenes(Some("Arak")).unwrap_err();
        assert!(matches!(error.kind, CatalogErrorKind::SiteNotFound(_)));
    }

    #[test]
    fn a_scene_reads_back_as_added() {
        let (_dir, mut catalog) = temp_catalog();
        catalog.add_site(natanz()).unwrap();
        let mut wanted = scene("Natanz", "2023-05-04T06:58:01Z", footprint(), 7);
        wanted.files[0].sha256 = wanted.files[0].sha256.to_uppercase();
        let added = catalog.add_scene(wanted.clone()).unwrap();
        assert_eq!(catalog.scene(added.id).unwrap(), added);
        assert_eq!(added.footprint, wanted.footprint);
        assert_eq!(added.grid, wanted.grid);
        assert_eq!(added.files[0].sha256, wanted.files[0].sha256.to_lowercase());
        assert_eq!(added.files[1], wanted.files[1]);
        assert_eq!(
            (
                added.sun_elevation_deg,
                added.off_nadir_deg,
                added.cloud_fraction
            ),
            (wanted.sun_elevation_deg, None, wanted.cloud_fraction)
        );
        let error = catalog.scene(added.id + 1).unwrap_err();
        assert!(matches!(error.kind, CatalogErrorKind::SceneNotFound(_)));
    }

    #[test]
    fn the_same_file_is_not_catalogued_twice_for_a_site() {
        let (_dir, mut catalog) = temp_catalog();
        catalog.add_site(natanz()).unwrap();
        catalog.add_site(fordow()).unwrap();
        let first = catalog
            .add_scene(scene("Natanz", "2023-05-04T06:58:01Z", footprint(), 7))
            .unwrap();
        let mut again = scene("Natanz", "2023-05-05T06:58:01Z", footprint(), 8);
        // The same bytes under another name.
        again.files[1].sha256 = first.files[1].sha256.clone();
        let error = catalog.add_scene(again.clone()).unwrap_err();
        assert!(
            matches!(error.kind, CatalogErrorKind::DuplicateSceneFile { scene, .. } if scene == first.id),
            "{error}"
        );
        assert_eq!(catalog.scenes(None).unwrap().len(), 1);
        // A large scene may cover two sites.
        again.site = "Fordow".into();
        catalog.add_scene(again).unwrap();
    }

    #[test]
    fn invalid_scenes_are_refused_with_the_reason() {
        let (_dir, mut catalog) = temp_catalog();
        catalog.add_site(natanz()).unwrap();
        /// A change that makes the input invalid.
        type Spoil = fn(&mut NewScene);
        let cases: [(Spoil, &str); 6] = [
            (|s| s.credit = " ".into(), "credit"),
            (|s| s.cloud_fraction = Some(1.5), "cloud fraction"),
            (|s| s.files[0].sha256 = "abc".into(), "64 hex digits"),
            (
                |s| s.files[1].role = s.files[0].role.clone(),
                "share a role",
            ),
            (|s| s.files.clear(), "there are none"),
            (|s| s.gsd_m = 0.0, "GSD"),
        ];
        for (spoil, reason) in cases {
            let mut new = scene("Natanz", "2023-05-04T06:58:01Z", footprint(), 7);
            spoil(&mut new);
            let message = catalog.add_scene(new).unwrap_err().to_string();
            assert!(message.contains(reason), "{message}");
        }
        assert!(catalog.scenes(None).unwrap().is_empty());
    }

    #[test]
    fn hash_is_the_sha256_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("band.tif");
        std::fs::write(&path, "abc").unwrap();
        let file = SceneFile::hash(&path, "B04").unwrap();
        // The FIPS 180-2 test vector for "abc".
        assert_eq!(
            file.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let error = SceneFile::hash(dir.path().join("gone.tif"), "B08").unwrap_err();
        assert!(error.to_string().contains("gone.tif"));
    }
}
