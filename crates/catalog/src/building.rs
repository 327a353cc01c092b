//! The building registry of a site: every building sitewatch tracks, with its current
//! outline (the `buildings` layer), its outline in each scene it was seen in (the
//! `building_outlines` layer) and what happened to it between scenes (`building_events`).
//!
//! Each pipeline run recomputes the registry whole and replaces it in one transaction.
//! Buildings keep their codes ("B0001") across runs, and reviews name buildings by site and
//! code, so an analyst's verdicts survive the replacement.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;

use geo_types::Polygon;
use rusqlite::{named_params, Connection, Row};
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::error::{CatalogError, CatalogErrorKind};
use crate::geometry::{check_lon_lat_polygon, decode_polygon, encode_polygon, WGS84_SRS_ID};
use crate::geopackage::record_change;
use crate::review::{Review, Verdicts};
use crate::scene::SiteScenes;
use crate::site::{find_site, Site};

/// The kinds of building event, as stored in `building_events.kind`.
pub const BUILDING_EVENT_KINDS: [&str; 4] =
    ["appeared", "expanded", "surface_changed", "demolished"];

/// A measured figure with its interval: `value` lies in `[low, high]`, which holds the true
/// figure with probability `level` (e.g. 0.95).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The best estimate.
    pub value: f64,
    /// The interval's lower end.
    pub low: f64,
    /// The interval's upper end.
    pub high: f64,
    /// The interval's confidence level, between 0 and 1.
    pub level: f64,
}

impl Interval {
    /// The interval in columns `name`, `name_low`, `name_high` and `name_level` of `row`.
    pub(crate) fn read(row: &Row, name: &str) -> rusqlite::Result<Interval> {
        Ok(Interval {
            value: row.get(name)?,
            low: row.get(format!("{name}_low").as_str())?,
            high: row.get(format!("{name}_high").as_str())?,
            level: row.get(format!("{name}_level").as_str())?,
        })
    }

    pub(crate) fn check(&self, what: &str) -> Result<(), String> {
        let finite = [self.value, self.low, self.high, self.level]
            .iter()
            .all(|v| v.is_finite());
        if !(finite && self.low <= self.value && self.value <= self.high) {
            return Err(format!(
                "{what} {} [{}, {}] is not a finite value inside its interval",
                self.value, self.low, self.high
            ));
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(format!(
                "{what} has confidence level {}, not between 0 and 1",
                self.level
            ));
        }
        Ok(())
    }
}

/// Where a registered building's outline comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BuildingOrigin {
    /// Found in imagery by sitewatch.
    Detected,
    /// From an imported footprint file.
    Imported,
    /// Drawn by an analyst.
    Drawn,
}

impl BuildingOrigin {
    /// The origin's name as stored: "detected", "imported", "drawn".
    pub fn as_str(self) -> &'static str {
        match self {
            BuildingOrigin::Detected => "detected",
            BuildingOrigin::Imported => "imported",
            BuildingOrigin::Drawn => "drawn",
        }
    }
}

impl fmt::Display for BuildingOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for BuildingOrigin {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [
            BuildingOrigin::Detected,
            BuildingOrigin::Imported,
            BuildingOrigin::Drawn,
        ]
        .into_iter()
        .find(|o| o.as_str() == text)
        .ok_or_else(|| format!("'{text}' is not a building origin"))
    }
}

/// Something that happened to a building between two scenes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewBuildingEvent {
    /// "appeared", "expanded", "surface_changed" or "demolished" ([`BUILDING_EVENT_KINDS`]).
    pub kind: String,
    /// The last scene before it happened.
    pub before_scene: i64,
    /// The first scene after it happened.
    pub after_scene: i64,
}

/// A building of the registry to store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewBuilding {
    /// The building's code, unique per site, e.g. "B0001"; kept across registry runs.
    pub code: String,
    /// Where its outline comes from.
    pub origin: BuildingOrigin,
    /// Its current outline (in the last scene it was seen in), longitude/latitude.
    pub outline_lonlat: Polygon<f64>,
    /// Whether it still stands in the latest scene.
    pub standing: bool,
    /// The first scene it was seen in.
    pub first_seen_scene: i64,
    /// The last scene it was seen in.
    pub last_seen_scene: i64,
    /// Its footprint area, square metres.
    pub area_m2: Interval,
    /// Its length (long side of the minimum rotated rectangle), metres.
    pub length_m: Interval,
    /// Its width (short side of the minimum rotated rectangle), metres.
    pub width_m: Interval,
    /// Longitude of its centre, degrees.
    pub lon: f64,
    /// Latitude of its centre, degrees.
    pub lat: f64,
    /// Its centre as an MGRS reference.
    pub mgrs: String,
    /// Whether it is judged to be housing.
    pub housing: bool,
    /// What happened to it, between which scenes.
    pub history: Vec<NewBuildingEvent>,
    /// Its outline in each scene it was seen in: (scene id, longitude/latitude polygon).
    pub outlines: Vec<(i64, Polygon<f64>)>,
    /// The measures in full, as the registry made them: each with the named contributions to
    /// its interval (edge position, co-registration, regularisation), which a ratio of two
    /// buildings needs and the intervals above do not keep. JSON, opaque to the catalog.
    pub measures: serde_json::Value,
}

/// A building of a site's registry as stored: the building as the registry gave it, where
/// it is kept and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredBuilding {
    /// The building's feature id in the `buildings` layer; it changes with every registry
    /// run (the code does not).
    pub id: i64,
    /// The name of the site.
    pub site: String,
    /// The building as the registry gave it.
    #[serde(flatten)]
    pub building: NewBuilding,
    /// The current verdict: the latest review of the building's code that has one.
    pub review: Option<Review>,
}

impl Catalog {
    /// Replaces the building registry of a site (by name or alias) with `buildings`, in one
    /// transaction. Reviews name buildings by site and code, so they survive.
    pub fn replace_buildings(
        &mut self,
        site: &str,
        buildings: &[NewBuilding],
    ) -> Result<(), CatalogError> {
        self.write(|conn| {
            let site = find_site(conn, site)?;
            let scenes = SiteScenes::of(conn, &site)?;
            let mut codes = HashSet::new();
            for building in buildings {
                building.check(&scenes).map_err(|why| {
                    CatalogErrorKind::invalid("building", format!("{}: {why}", building.code))
                })?;
                if !codes.insert(building.code.trim()) {
                    return Err(CatalogErrorKind::invalid(
                        "building",
                        format!("code '{}' is given twice", building.code.trim()),
                    ));
                }
            }
            for table in ["building_events", "building_outlines"] {
                conn.execute(
                    &format!(
                        "DELETE FROM {table} WHERE building_fid IN
                           (SELECT fid FROM buildings WHERE site_fid = ?1)"
                    ),
                    [site.id],
                )?;
            }
            conn.execute("DELETE FROM buildings WHERE site_fid = ?1", [site.id])?;
            for building in buildings {
                store_building(conn, site.id, building)?;
            }
            for table in ["buildings", "building_outlines", "building_events"] {
                record_change(conn, table)?;
            }
            Ok(())
        })
    }

    /// The building registry of a site (by name or alias), by code, each building with its
    /// history, outlines and current verdict.
    pub fn buildings(&self, site: &str) -> Result<Vec<StoredBuilding>, CatalogError> {
        self.read(|conn| {
            let site = find_site(conn, site)?;
            read_buildings(conn, &site, None)
        })
    }

    /// The building with code `code` in the registry of a site (by name or alias).
    pub fn building(&self, site: &str, code: &str) -> Result<StoredBuilding, CatalogError> {
        self.read(|conn| {
            let site = find_site(conn, site)?;
            read_buildings(conn, &site, Some(code.trim()))?
                .pop()
                .ok_or_else(|| CatalogErrorKind::BuildingNotFound {
                    site: site.name.clone(),
                    code: code.to_string(),
                })
        })
    }
}

impl NewBuilding {
    /// Checks what the catalog needs; the error names the faulty field.
    fn check(&self, scenes: &SiteScenes) -> Result<(), String> {
        if self.code.trim().is_empty() {
            return Err("the code is empty".into());
        }
        check_lon_lat_polygon(&self.outline_lonlat).map_err(|why| format!("outline: {why}"))?;
        for (what, interval) in [
            ("area", &self.area_m2),
            ("length", &self.length_m),
            ("width", &self.width_m),
        ] {
            interval.check(what)?;
        }
        if !((-180.0..=180.0).contains(&self.lon) && (-90.0..=90.0).contains(&self.lat)) {
            return Err(format!(
                "centre ({}, {}) is not a longitude/latitude",
                self.lon, self.lat
            ));
        }
        if self.mgrs.trim().is_empty() {
            return Err("the MGRS reference is empty".into());
        }
        let scene = |id| scenes.acquired(id).map_err(|e| e.to_string());
        if scene(self.first_seen_scene)? > scene(self.last_seen_scene)? {
            return Err(format!(
                "first seen in scene {}, which is later than the last, scene {}",
                self.first_seen_scene, self.last_seen_scene
            ));
        }
        for event in &self.history {
            if !BUILDING_EVENT_KINDS.contains(&event.kind.as_str()) {
                return Err(format!(
                    "event kind '{}' is not one of {}",
                    event.kind,
                    BUILDING_EVENT_KINDS.join(", ")
                ));
            }
            scenes
                .check_pair(event.before_scene, event.after_scene)
                .map_err(|e| format!("{} event: {e}", event.kind))?;
        }
        let mut seen = HashSet::new();
        for (scene_id, outline) in &self.outlines {
            scene(*scene_id)?;
            if !seen.insert(scene_id) {
                return Err(format!("two outlines for scene {scene_id}"));
            }
            check_lon_lat_polygon(outline)
                .map_err(|why| format!("outline in scene {scene_id}: {why}"))?;
        }
        Ok(())
    }
}

fn store_building(
    conn: &Connection,
    site_id: i64,
    building: &NewBuilding,
) -> Result<(), CatalogErrorKind> {
    conn.execute(
        "INSERT INTO buildings (geom, site_fid, code, origin, standing, first_seen_scene_fid,
           last_seen_scene_fid, area_m2, area_m2_low, area_m2_high, area_m2_level,
           length_m, length_m_low, length_m_high, length_m_level,
           width_m, width_m_low, width_m_high, width_m_level, lon, lat, mgrs, housing, measures)
         VALUES (:geom, :site, :code, :origin, :standing, :first, :last,
           :area, :area_low, :area_high, :area_level,
           :length, :length_low, :length_high, :length_level,
           :width, :width_low, :width_high, :width_level, :lon, :lat, :mgrs, :housing, :measures)",
        named_params! {
            ":geom": encode_polygon(&building.outline_lonlat, WGS84_SRS_ID),
            ":site": site_id,
            ":code": building.code.trim(),
            ":origin": building.origin.as_str(),
            ":standing": building.standing,
            ":first": building.first_seen_scene,
            ":last": building.last_seen_scene,
            ":area": building.area_m2.value,
            ":area_low": building.area_m2.low,
            ":area_high": building.area_m2.high,
            ":area_level": building.area_m2.level,
            ":length": building.length_m.value,
            ":length_low": building.length_m.low,
            ":length_high": building.length_m.high,
            ":length_level": building.length_m.level,
            ":width": building.width_m.value,
            ":width_low": building.width_m.low,
            ":width_high": building.width_m.high,
            ":width_level": building.width_m.level,
            ":lon": building.lon,
            ":lat": building.lat,
            ":mgrs": building.mgrs.trim(),
            ":housing": building.housing,
            ":measures": building.measures.to_string(),
        },
    )?;
    let id = conn.last_insert_rowid();
    let mut event = conn.prepare(
        "INSERT INTO building_events (building_fid, kind, before_scene_fid, after_scene_fid)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for e in &building.history {
        event.execute((id, &e.kind, e.before_scene, e.after_scene))?;
    }
    let mut outline = conn.prepare(
        "INSERT INTO building_outlines (geom, building_fid, scene_fid) VALUES (?1, ?2, ?3)",
    )?;
    for (scene, polygon) in &building.outlines {
        outline.execute((encode_polygon(polygon, WGS84_SRS_ID), id, scene))?;
    }
    Ok(())
}

/// The buildings of `site`, all or only the one with code `code`, by code.
fn read_buildings(
    conn: &Connection,
    site: &Site,
    code: Option<&str>,
) -> Result<Vec<StoredBuilding>, CatalogErrorKind> {
    let mut history = read_history(conn, site.id, code)?;
    let mut outlines = read_outlines(conn, site.id, code)?;
    let verdicts = Verdicts::of_site(conn, site.id)?;
    let mut statement = conn.prepare(
        "SELECT * FROM buildings WHERE site_fid = ?1 AND (?2 IS NULL OR code = ?2)
         ORDER BY code",
    )?;
    let mut rows = statement.query((site.id, code))?;
    let mut buildings = Vec::new();
    while let Some(row) = rows.next()? {
        let id: i64 = row.get("fid")?;
        let mut stored = building_from_row(row, site)?;
        stored.building.history = history.remove(&id).unwrap_or_default();
        stored.building.outlines = outlines.remove(&id).unwrap_or_default();
        stored.review = verdicts.building(&stored.building.code);
        buildings.push(stored);
    }
    Ok(buildings)
}

/// A building's outline in one scene: (scene id, longitude/latitude polygon).
type SceneOutline = (i64, Polygon<f64>);

/// The rows `sql` selects for every building of the site with feature id `site_id` (or only
/// for the one with code `code`), each read by `read`, by building id. `sql` takes the site
/// as `?1` and the code as `?2`; its first column is the building's feature id.
fn per_building<T>(
    conn: &Connection,
    sql: &str,
    site_id: i64,
    code: Option<&str>,
    read: impl Fn(&Row) -> Result<T, CatalogErrorKind>,
) -> Result<HashMap<i64, Vec<T>>, CatalogErrorKind> {
    let mut statement = conn.prepare(sql)?;
    let mut rows = statement.query((site_id, code))?;
    let mut by_building: HashMap<i64, Vec<T>> = HashMap::new();
    while let Some(row) = rows.next()? {
        by_building.entry(row.get(0)?).or_default().push(read(row)?);
    }
    Ok(by_building)
}

/// The events of the buildings (see [`per_building`]), in the order they were stored.
fn read_history(
    conn: &Connection,
    site_id: i64,
    code: Option<&str>,
) -> Result<HashMap<i64, Vec<NewBuildingEvent>>, CatalogErrorKind> {
    per_building(
        conn,
        "SELECT e.building_fid, e.kind, e.before_scene_fid, e.after_scene_fid
         FROM building_events e JOIN buildings b ON b.fid = e.building_fid
         WHERE b.site_fid = ?1 AND (?2 IS NULL OR b.code = ?2) ORDER BY e.fid",
        site_id,
        code,
        |row| {
            Ok(NewBuildingEvent {
                kind: row.get(1)?,
                before_scene: row.get(2)?,
                after_scene: row.get(3)?,
            })
        },
    )
}

/// The per-scene outlines of the buildings (see [`per_building`]), in the order they were
/// stored.
fn read_outlines(
    conn: &Connection,
    site_id: i64,
    code: Option<&str>,
) -> Result<HashMap<i64, Vec<SceneOutline>>, CatalogErrorKind> {
    per_building(
        conn,
        "SELECT o.building_fid, o.scene_fid, o.geom, o.fid
         FROM building_outlines o JOIN buildings b ON b.fid = o.building_fid
         WHERE b.site_fid = ?1 AND (?2 IS NULL OR b.code = ?2) ORDER BY o.fid",
        site_id,
        code,
        |row| {
            let (geom, id): (Vec<u8>, i64) = (row.get(2)?, row.get(3)?);
            let polygon = decode_polygon(&geom).map_err(|why| {
                CatalogErrorKind::Damaged(format!("building outline {id}: {why}"))
            })?;
            Ok((row.get(1)?, polygon))
        },
    )
}

/// The building in `row` of `buildings`, without history, outlines or review.
fn building_from_row(row: &Row, site: &Site) -> Result<StoredBuilding, CatalogErrorKind> {
    let code: String = row.get("code")?;
    let damaged = |why: String| CatalogErrorKind::Damaged(format!("building {code}: {why}"));
    let geom: Vec<u8> = row.get("geom")?;
    let origin: String = row.get("origin")?;
    let interval = |name: &str| Interval::read(row, name);
    let building = NewBuilding {
        outline_lonlat: decode_polygon(&geom).map_err(damaged)?,
        origin: origin.parse().map_err(damaged)?,
        standing: row.get("standing")?,
        first_seen_scene: row.get("first_seen_scene_fid")?,
        last_seen_scene: row.get("last_seen_scene_fid")?,
        area_m2: interval("area_m2")?,
        length_m: interval("length_m")?,
        width_m: interval("width_m")?,
        lon: row.get("lon")?,
        lat: row.get("lat")?,
        mgrs: row.get("mgrs")?,
        housing: row.get("housing")?,
        measures: serde_json::from_str(&row.get::<_, String>("measures")?)
            .map_err(|e| damaged(format!("its measures are not JSON: {e}")))?,
        history: Vec::new(),
        outlines: Vec::new(),
        code,
    };
    Ok(StoredBuilding {
        id: row.get("fid")?,
        site: site.name.clone(),
        building,
        review: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{bytes, findings_catalog, lon_lat_box, new_building};
    use crate::{NewReview, ReviewTarget, Verdict};

    #[test]
    fn the_registry_reads_back_by_code_with_history_and_outlines() {
        let (_dir, catalog, findings) = findings_catalog();
        let buildings = catalog.buildings("FEP").unwrap();
        let codes: Vec<&str> = buildings.iter().map(|b| b.building.code.as_str()).collect();
        assert_eq!(codes, ["B0001", "B0002"]);
        let wanted = new_building("B0001", 51.715, findings.before, findings.after);
        let b = &buildings[0];
        assert_eq!(b.site, "Natanz");
        assert_eq!(b.building.outline_lonlat, wanted.outline_lonlat);
        assert_eq!(b.building.area_m2, wanted.area_m2);
        assert_eq!(b.building.width_m, wanted.width_m);
        assert_eq!(b.building.history, wanted.history);
        assert_eq!(b.building.outlines, wanted.outlines);
        assert_eq!(
            (b.building.origin, b.building.standing, &b.building.mgrs),
            (BuildingOrigin::Detected, true, &wanted.mgrs)
        );
        assert_eq!(catalog.building("natanz", " B0002 ").unwrap(), buildings[1]);
        let json = serde_json::to_value(b).unwrap();
        assert_eq!(json["origin"], "detected");
        assert_eq!(json["area_m2"]["level"], 0.95);
    }

    #[test]
    fn an_unknown_code_is_named_with_its_site() {
        let (_dir, catalog, _) = findings_catalog();
        let error = catalog.building("FEP", "B9999").unwrap_err();
        assert!(matches!(
            error.kind,
            CatalogErrorKind::BuildingNotFound { .. }
        ));
        let message = error.to_string();
        assert!(
            message.contains("'Natanz'") && message.contains("'B9999'"),
            "{message}"
        );
    }

    #[test]
    fn replacing_the_registry_keeps_reviews_by_code() {
        let (_dir, mut catalog, findings) = findings_catalog();
        let verdict = catalog
            .add_review(
                "Natanz",
                &NewReview {
                    target: ReviewTarget::Building("B0002".into()),
                    verdict: Some(Verdict::Rejected),
                    comment: Some("a shadow".into()),
                    reviewer: "A".into(),
                },
            )
            .unwrap();
        let old_id = catalog.building("Natanz", "B0002").unwrap().id;
        let mut moved = new_building("B0002", 51.725, findings.before, findings.after);
        moved.standing = false;
        let added = new_building("B0003", 51.735, findings.before, findings.after);
        catalog
            .replace_buildings("Natanz", &[moved.clone(), added])
            .unwrap();
        let buildings = catalog.buildings("Natanz").unwrap();
        let codes: Vec<&str> = buildings.iter().map(|b| b.building.code.as_str()).collect();
        assert_eq!(codes, ["B0002", "B0003"]);
        assert_ne!(buildings[0].id, old_id);
        assert!(!buildings[0].building.standing);
        assert_eq!(buildings[0].building.outline_lonlat, moved.outline_lonlat);
        assert_eq!(buildings[0].review.as_ref(), Some(&verdict));
        assert_eq!(buildings[1].review, None);
        assert!(catalog.building("Natanz", "B0001").is_err());

        catalog.replace_buildings("Natanz", &[]).unwrap();
        assert!(catalog.buildings("Natanz").unwrap().is_empty());
        assert_eq!(catalog.reviews("Natanz").unwrap(), vec![verdict]);
    }

    #[test]
    fn a_bad_building_leaves_the_registry_as_it_was() {
        let (dir, mut catalog, findings) = findings_catalog();
        let path = dir.path().join("dossier.gpkg");
        let before = bytes(&path);
        let good = |code: &str| new_building(code, 51.72, findings.before, findings.after);
        /// A change that makes the building invalid.
        type Spoil = fn(&mut NewBuilding);
        let cases: [(Spoil, &str); 6] = [
            (|b| b.area_m2.low = b.area_m2.value + 1.0, "area"),
            (|b| b.width_m.level = 95.0, "confidence level 95"),
            (|b| b.history[0].kind = "grew".into(), "event kind 'grew'"),
            (
                |b| b.outlines[0].0 = 9999,
                "scene 9999 is not a scene of site 'Natanz'",
            ),
            (
                |b| b.outline_lonlat = lon_lat_box(51.7, 133.7, 51.8, 133.8),
                "outline",
            ),
            (
                |b| std::mem::swap(&mut b.first_seen_scene, &mut b.last_seen_scene),
                "later than the last",
            ),
        ];
        for (spoil, reason) in cases {
            let mut bad = good("B0009");
            spoil(&mut bad);
            let error = catalog
                .replace_buildings("Natanz", &[good("B0001"), bad])
                .unwrap_err();
            let message = error.to_string();
            assert!(
                message.contains(reason) && message.contains("B0009"),
                "{message}"
            );
        }
        let twice = catalog
            .replace_buildings("Natanz", &[good("B0001"), good("B0001")])
            .unwrap_err();
        assert!(twice.to_string().contains("given twice"), "{twice}");
        assert_eq!(bytes(&path), before);
        assert_eq!(catalog.buildings("Natanz").unwrap().len(), 2);
    }
}
