//! Comparisons and changes: one run of a change method on a pair of scenes of a site (the
//! `comparisons` table) and the changed areas it found (the `changes` layer, one polygon
//! each, which QGIS shows over the imagery).
//!
//! Running the same method on the same scene pair again replaces the earlier comparison and
//! its changes. Reviews of the replaced changes stay in the audit trail (`reviews`), naming
//! change ids that no longer exist: ids are never reused (AUTOINCREMENT), so such a review
//! can never be mistaken for a verdict on one of the new changes.

use chrono::{DateTime, Utc};
use geo_types::Polygon;
use rusqlite::{named_params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::columns::{datetime_text, json_text, read_datetime, read_json};
use crate::error::{CatalogError, CatalogErrorKind};
use crate::geometry::{check_lon_lat_polygon, decode_polygon, encode_polygon, WGS84_SRS_ID};
use crate::geopackage::record_change;
use crate::review::{Review, Verdicts};
use crate::scene::SiteScenes;
use crate::site::{find_site, Site};

/// The directions a change can have, as stored in `changes.direction`.
pub const CHANGE_DIRECTIONS: [&str; 3] = ["appeared", "removed", "surface_changed"];

/// A comparison to store: which method ran on which scene pair, and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewComparison {
    /// The earlier scene's id.
    pub before_scene: i64,
    /// The later scene's id.
    pub after_scene: i64,
    /// The change method, e.g. "siamese-unet" or "log-ratio" (required).
    pub method: String,
    /// The version of the model the method used, when it uses one.
    pub model_version: Option<String>,
    /// The method's parameters, as it states them.
    pub parameters: serde_json::Value,
    /// The change-probability threshold above which a pixel counted as changed.
    pub threshold: f64,
}

/// A stored comparison: the run as it was given, where and when it was recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The comparison's id in the `comparisons` table.
    pub id: i64,
    /// The name of the site.
    pub site: String,
    /// Which method ran on which scene pair, and how.
    #[serde(flatten)]
    pub run: NewComparison,
    /// When the comparison was recorded.
    pub created: DateTime<Utc>,
}

/// A change a comparison found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewChange {
    /// The changed area's outline, longitude/latitude (EPSG:4326).
    pub outline_lonlat: Polygon<f64>,
    /// Its area in square metres.
    pub area_m2: f64,
    /// The mean change probability of its pixels, 0 to 1.
    pub mean_prob: f64,
    /// What changed: "appeared", "removed" or "surface_changed" ([`CHANGE_DIRECTIONS`]).
    pub direction: String,
}

/// A stored change: the change as it was found, which comparison found it, and its verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredChange {
    /// The change's feature id in the `changes` layer.
    pub id: i64,
    /// The comparison that found it.
    pub comparison: i64,
    /// The method of that comparison (`imad`, `net`, `union`): what the change's mean
    /// probability is a mean of (for `union`, a score; see `detect::Union`).
    pub method: String,
    /// The comparison's earlier scene.
    pub before_scene: i64,
    /// The comparison's later scene.
    pub after_scene: i64,
    /// The change as the comparison found it.
    #[serde(flatten)]
    pub change: NewChange,
    /// The current verdict: the latest review of the change that has one.
    pub review: Option<Review>,
}

impl Catalog {
    /// Stores a comparison of two scenes of a site (by name or alias) and the changes it
    /// found, in one transaction. An existing comparison of the same site, scenes and method
    /// is replaced with its changes; reviews of the replaced changes stay in the audit trail.
    pub fn record_comparison(
        &mut self,
        site: &str,
        comparison: &NewComparison,
        changes: &[NewChange],
    ) -> Result<Comparison, CatalogError> {
        self.write(|conn| {
            let site = find_site(conn, site)?;
            SiteScenes::of(conn, &site)?
                .check_pair(comparison.before_scene, comparison.after_scene)?;
            let method = comparison.method.trim();
            if method.is_empty() {
                return Err(CatalogErrorKind::invalid("comparison method", "it is empty"));
            }
            if !comparison.threshold.is_finite() {
                return Err(CatalogErrorKind::invalid(
                    "comparison threshold",
                    format!("{} is not a finite number", comparison.threshold),
                ));
            }
            for (index, change) in changes.iter().enumerate() {
                change
                    .check()
                    .map_err(|why| CatalogErrorKind::invalid("change", format!("change {index}: {why}")))?;
            }
            let replaced: Option<i64> = conn
                .query_row(
                    "SELECT fid FROM comparisons WHERE site_fid = ?1 AND before_scene_fid = ?2
                       AND after_scene_fid = ?3 AND method = ?4",
                    (site.id, comparison.before_scene, comparison.after_scene, method),
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(old) = replaced {
                conn.execute("DELETE FROM changes WHERE comparison_fid = ?1", [old])?;
                conn.execute("DELETE FROM comparisons WHERE fid = ?1", [old])?;
            }
            conn.execute(
                "INSERT INTO comparisons (site_fid, before_scene_fid, after_scene_fid, method,
                   model_version, parameters, threshold, created)
                 VALUES (:site, :before, :after, :method, :model, :parameters, :threshold, :created)",
                named_params! {
                    ":site": site.id,
                    ":before": comparison.before_scene,
                    ":after": comparison.after_scene,
                    ":method": method,
                    ":model": comparison.model_version.as_deref().map(str::trim).filter(|m| !m.is_empty()),
                    ":parameters": json_text(&comparison.parameters),
                    ":threshold": comparison.threshold,
                    ":created": datetime_text(&Utc::now()),
                },
            )?;
            let id = conn.last_insert_rowid();
            let mut insert = conn.prepare(
                "INSERT INTO changes (geom, comparison_fid, site_fid, before_scene_fid,
                   after_scene_fid, area_m2, mean_prob, direction)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for change in changes {
                insert.execute((
                    encode_polygon(&change.outline_lonlat, WGS84_SRS_ID),
                    id,
                    site.id,
                    comparison.before_scene,
                    comparison.after_scene,
                    change.area_m2,
                    change.mean_prob,
                    change.direction.trim(),
                ))?;
            }
            record_change(conn, "comparisons")?;
            record_change(conn, "changes")?;
            read_comparisons(conn, &site, Some(id))?
                .pop()
                .ok_or_else(|| CatalogErrorKind::Damaged(format!("comparison {id} vanished")))
        })
    }

    /// The comparisons of a site (by name or alias), in the order they were recorded.
    pub fn comparisons(&self, site: &str) -> Result<Vec<Comparison>, CatalogError> {
        self.read(|conn| {
            let site = find_site(conn, site)?;
            read_comparisons(conn, &site, None)
        })
    }

    /// The changes of a site (by name or alias), of one comparison or of all, by comparison
    /// and then in the order they were found, each with its current verdict.
    pub fn changes(
        &self,
        site: &str,
        comparison: Option<i64>,
    ) -> Result<Vec<StoredChange>, CatalogError> {
        self.read(|conn| {
            let site = find_site(conn, site)?;
            if let Some(id) = comparison {
                if read_comparisons(conn, &site, Some(id))?.is_empty() {
                    return Err(CatalogErrorKind::ComparisonNotFound {
                        site: site.name,
                        id,
                    });
                }
            }
            let verdicts = Verdicts::of_site(conn, site.id)?;
            let mut statement = conn.prepare(
                "SELECT changes.fid, geom, comparison_fid, changes.before_scene_fid,
                   changes.after_scene_fid, area_m2, mean_prob, direction, comparisons.method
                 FROM changes JOIN comparisons ON comparisons.fid = changes.comparison_fid
                 WHERE changes.site_fid = ?1 AND (?2 IS NULL OR comparison_fid = ?2)
                 ORDER BY comparison_fid, changes.fid",
            )?;
            let mut rows = statement.query((site.id, comparison))?;
            let mut changes = Vec::new();
            while let Some(row) = rows.next()? {
                changes.push(change_from_row(row, &verdicts)?);
            }
            Ok(changes)
        })
    }
}

impl NewChange {
    /// Checks what the catalog needs: a valid outline, a finite non-negative area, a
    /// probability in [0, 1] and a known direction.
    fn check(&self) -> Result<(), String> {
        check_lon_lat_polygon(&self.outline_lonlat)?;
        if !(self.area_m2.is_finite() && self.area_m2 >= 0.0) {
            return Err(format!(
                "area {} m² is not a non-negative number",
                self.area_m2
            ));
        }
        if !(0.0..=1.0).contains(&self.mean_prob) {
            return Err(format!(
                "mean probability {} is not between 0 and 1",
                self.mean_prob
            ));
        }
        if !CHANGE_DIRECTIONS.contains(&self.direction.trim()) {
            return Err(format!(
                "direction '{}' is not one of {}",
                self.direction,
                CHANGE_DIRECTIONS.join(", ")
            ));
        }
        Ok(())
    }
}

/// The comparisons of `site`, all or only the one with id `id`.
fn read_comparisons(
    conn: &Connection,
    site: &Site,
    id: Option<i64>,
) -> Result<Vec<Comparison>, CatalogErrorKind> {
    let mut statement = conn.prepare(
        "SELECT fid, before_scene_fid, after_scene_fid, method, model_version, parameters,
           threshold, created FROM comparisons
         WHERE site_fid = ?1 AND (?2 IS NULL OR fid = ?2) ORDER BY fid",
    )?;
    let mut rows = statement.query((site.id, id))?;
    let mut comparisons = Vec::new();
    while let Some(row) = rows.next()? {
        comparisons.push(Comparison {
            id: row.get("fid")?,
            site: site.name.clone(),
            run: NewComparison {
                before_scene: row.get("before_scene_fid")?,
                after_scene: row.get("after_scene_fid")?,
                method: row.get("method")?,
                model_version: row.get("model_version")?,
                parameters: read_json(row, "parameters")?,
                threshold: row.get("threshold")?,
            },
            created: read_datetime(row, "created")?,
        });
    }
    Ok(comparisons)
}

fn change_from_row(row: &Row, verdicts: &Verdicts) -> Result<StoredChange, CatalogErrorKind> {
    let id: i64 = row.get("fid")?;
    let geom: Vec<u8> = row.get("geom")?;
    let outline_lonlat = decode_polygon(&geom)
        .map_err(|why| CatalogErrorKind::Damaged(format!("the outline of change {id}: {why}")))?;
    Ok(StoredChange {
        id,
        comparison: row.get("comparison_fid")?,
        method: row.get("method")?,
        before_scene: row.get("before_scene_fid")?,
        after_scene: row.get("after_scene_fid")?,
        change: NewChange {
            outline_lonlat,
            area_m2: row.get("area_m2")?,
            mean_prob: row.get("mean_prob")?,
            direction: row.get("direction")?,
        },
        review: verdicts.change(id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{bytes, change, findings_catalog, fordow, lon_lat_box, scene};
    use crate::{NewReview, ReviewTarget, Verdict};

    #[test]
    fn a_comparison_and_its_changes_read_back() {
        let (_dir, catalog, findings) = findings_catalog();
        let comparisons = catalog.comparisons("FEP").unwrap();
        assert_eq!(comparisons.len(), 1);
        let stored = &comparisons[0];
        assert_eq!(stored.id, findings.comparison);
        assert_eq!(stored.site, "Natanz");
        assert_eq!(
            (stored.run.before_scene, stored.run.after_scene),
            (findings.before, findings.after)
        );
        assert_eq!(stored.run.parameters["tile"], 256);
        assert_eq!(stored.run.model_version.as_deref(), Some("unet-2026.1"));
        let changes = catalog.changes("Natanz", Some(stored.id)).unwrap();
        assert_eq!(catalog.changes("Natanz", None).unwrap(), changes);
        let ids: Vec<i64> = changes.iter().map(|c| c.id).collect();
        assert_eq!(ids, findings.change_ids);
        assert!(changes.iter().all(|c| c.method == stored.run.method));
        assert_eq!(
            changes[0].change.outline_lonlat,
            lon_lat_box(51.71, 33.71, 51.712, 33.712)
        );
        assert_eq!(changes[1].change.direction, "removed");
        assert_eq!(
            (
                changes[0].before_scene,
                changes[0].after_scene,
                changes[0].comparison
            ),
            (findings.before, findings.after, findings.comparison)
        );
        let missing = catalog.changes("Natanz", Some(stored.id + 1)).unwrap_err();
        assert!(matches!(
            missing.kind,
            CatalogErrorKind::ComparisonNotFound { .. }
        ));
    }

    #[test]
    fn the_same_method_on_the_same_pair_replaces_the_comparison() {
        let (_dir, mut catalog, findings) = findings_catalog();
        let reviewed = catalog
            .add_review(
                "Natanz",
                &NewReview {
                    target: ReviewTarget::Change(findings.change_ids[0]),
                    verdict: Some(Verdict::Accepted),
                    comment: None,
                    reviewer: "A".into(),
                },
            )
            .unwrap();
        let mut rerun = crate::fixtures::comparison(findings.before, findings.after);
        rerun.threshold = 0.7;
        let replacing = catalog
            .record_comparison("Natanz", &rerun, &[change(51.72, "surface_changed")])
            .unwrap();
        assert_ne!(replacing.id, findings.comparison);
        // Another method on the same pair is a second comparison, not a replacement.
        let other_method = NewComparison {
            method: "log-ratio".into(),
            ..rerun.clone()
        };
        catalog
            .record_comparison("Natanz", &other_method, &[])
            .unwrap();
        let comparisons = catalog.comparisons("Natanz").unwrap();
        assert_eq!(comparisons.len(), 2);
        assert_eq!(comparisons[0].run.threshold, 0.7);
        let changes = catalog.changes("Natanz", None).unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].comparison, replacing.id);
        assert!(!findings.change_ids.contains(&changes[0].id));
        assert_eq!(changes[0].review, None);
        // The review of the replaced change stays in the audit trail.
        assert_eq!(catalog.reviews("Natanz").unwrap(), vec![reviewed]);
    }

    #[test]
    fn bad_comparisons_are_refused_and_nothing_is_written() {
        let (dir, mut catalog, findings) = findings_catalog();
        catalog.add_site(fordow()).unwrap();
        let elsewhere = catalog
            .add_scene(scene(
                "Fordow",
                "2022-01-01T07:00:00Z",
                lon_lat_box(50.9, 34.8, 51.1, 34.9),
                9,
            ))
            .unwrap();
        let path = dir.path().join("dossier.gpkg");
        let before = bytes(&path);
        let good = crate::fixtures::comparison(findings.before, findings.after);
        let cases: Vec<(NewComparison, Vec<NewChange>, &str)> = vec![
            (
                crate::fixtures::comparison(findings.before, elsewhere.id),
                vec![],
                "not a scene of site 'Natanz'",
            ),
            (
                crate::fixtures::comparison(findings.after, findings.before),
                vec![],
                "not acquired before",
            ),
            (
                NewComparison {
                    method: " ".into(),
                    ..good.clone()
                },
                vec![],
                "comparison method",
            ),
            (
                good.clone(),
                vec![change(51.72, "moved")],
                "direction 'moved'",
            ),
            (
                good.clone(),
                vec![
                    change(51.72, "appeared"),
                    NewChange {
                        mean_prob: 1.5,
                        ..change(51.73, "appeared")
                    },
                ],
                "change 1: mean probability 1.5",
            ),
        ];
        for (comparison, changes, reason) in cases {
            let error = catalog
                .record_comparison("Natanz", &comparison, &changes)
                .unwrap_err();
            assert!(error.to_string().contains(reason), "{error}");
        }
        assert_eq!(bytes(&path), before);
        assert_eq!(catalog.changes("Natanz", None).unwrap().len(), 2);
    }
}
