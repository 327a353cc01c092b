//! Alignments: how each scene was brought onto its site's analysis grid and how well, kept in
//! the `alignments` table (one per scene; a new alignment replaces the old one).

use chrono::{DateTime, Utc};
use rusqlite::{named_params, Connection, Row};
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::columns::{datetime_text, json_text, read_datetime, read_json};
use crate::error::{CatalogError, CatalogErrorKind};
use crate::geopackage::record_change;

/// Whether a scene could be aligned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlignmentStatus {
    /// The scene is on the site grid within the stated residuals.
    Aligned,
    /// Co-registration was refused (too few tie points, residuals too large); `reason` says why.
    Refused,
}

impl AlignmentStatus {
    fn as_str(self) -> &'static str {
        match self {
            AlignmentStatus::Aligned => "aligned",
            AlignmentStatus::Refused => "refused",
        }
    }
}

/// The outcome of aligning a scene, to store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewAlignment {
    /// The scene that was aligned.
    pub scene_id: i64,
    /// The scene the shift was measured against, if any.
    pub reference_scene_id: Option<i64>,
    /// Whether the scene could be aligned.
    pub status: AlignmentStatus,
    /// Shift along columns in site-grid pixels (required when aligned).
    pub dx_px: Option<f64>,
    /// Shift along rows in site-grid pixels (required when aligned).
    pub dy_px: Option<f64>,
    /// The parameters of the correction model (shift, affine, field), as the aligner states them.
    pub model: serde_json::Value,
    /// Tie points the correction was fitted to.
    pub tie_points_used: usize,
    /// Tie points discarded as outliers.
    pub tie_points_rejected: usize,
    /// Residual RMSE of the tie points after correction, in pixels.
    pub rmse_px: Option<f64>,
    /// The same residual in metres.
    pub rmse_m: Option<f64>,
    /// Why the alignment was refused (required when refused), or a remark.
    pub reason: Option<String>,
}

/// A stored alignment: the outcome as it was given and when it was recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alignment {
    /// What the aligner found.
    #[serde(flatten)]
    pub outcome: NewAlignment,
    /// When the alignment was recorded.
    pub created: DateTime<Utc>,
}

impl Catalog {
    /// Stores the alignment of a scene, replacing any earlier one.
    pub fn set_alignment(&mut self, alignment: NewAlignment) -> Result<Alignment, CatalogError> {
        self.write(|conn| {
            alignment.check(conn)?;
            conn.execute(
                "INSERT INTO alignments (scene_fid, reference_scene_fid, status, dx_px, dy_px,
                   model, tie_points_used, tie_points_rejected, rmse_px, rmse_m, reason, created)
                 VALUES (:scene, :reference, :status, :dx, :dy, :model, :used, :rejected,
                   :rmse_px, :rmse_m, :reason, :created)
                 ON CONFLICT (scene_fid) DO UPDATE SET reference_scene_fid = excluded.reference_scene_fid,
                   status = excluded.status, dx_px = excluded.dx_px, dy_px = excluded.dy_px,
                   model = excluded.model, tie_points_used = excluded.tie_points_used,
                   tie_points_rejected = excluded.tie_points_rejected, rmse_px = excluded.rmse_px,
                   rmse_m = excluded.rmse_m, reason = excluded.reason, created = excluded.created",
                named_params! {
                    ":scene": alignment.scene_id,
                    ":reference": alignment.reference_scene_id,
                    ":status": alignment.status.as_str(),
                    ":dx": alignment.dx_px,
                    ":dy": alignment.dy_px,
                    ":model": json_text(&alignment.model),
                    ":used": alignment.tie_points_used as i64,
                    ":rejected": alignment.tie_points_rejected as i64,
                    ":rmse_px": alignment.rmse_px,
                    ":rmse_m": alignment.rmse_m,
                    ":reason": alignment.reason,
                    ":created": datetime_text(&Utc::now()),
                },
            )?;
            record_change(conn, "alignments")?;
            read_alignment(conn, alignment.scene_id)?
                .ok_or_else(|| CatalogErrorKind::Damaged("an alignment vanished".into()))
        })
    }

    /// The alignment of scene `scene_id`, or `None` when it has not been aligned yet.
    pub fn alignment(&self, scene_id: i64) -> Result<Option<Alignment>, CatalogError> {
        self.read(|conn| {
            require_scene(conn, scene_id)?;
            read_alignment(conn, scene_id)
        })
    }
}

impl NewAlignment {
    fn check(&self, conn: &Connection) -> Result<(), CatalogErrorKind> {
        require_scene(conn, self.scene_id)?;
        if let Some(reference) = self.reference_scene_id {
            if reference == self.scene_id {
                return Err(CatalogErrorKind::invalid(
                    "alignment",
                    format!("scene {reference} is its own reference"),
                ));
            }
            require_scene(conn, reference)?;
        }
        let finite = |v: Option<f64>| v.is_none_or(f64::is_finite);
        let non_negative = |v: Option<f64>| v.is_none_or(|v| v.is_finite() && v >= 0.0);
        if !(finite(self.dx_px) && finite(self.dy_px)) {
            return Err(CatalogErrorKind::invalid(
                "alignment shift",
                "it is not finite",
            ));
        }
        if !(non_negative(self.rmse_px) && non_negative(self.rmse_m)) {
            return Err(CatalogErrorKind::invalid(
                "alignment RMSE",
                "it must be a finite non-negative number",
            ));
        }
        match self.status {
            AlignmentStatus::Aligned if self.dx_px.is_none() || self.dy_px.is_none() => {
                Err(CatalogErrorKind::invalid(
                    "alignment",
                    "an aligned scene needs its shift (dx and dy)",
                ))
            }
            AlignmentStatus::Refused
                if self.reason.as_deref().is_none_or(|r| r.trim().is_empty()) =>
            {
                Err(CatalogErrorKind::invalid(
                    "alignment",
                    "a refused alignment needs a reason",
                ))
            }
            _ => Ok(()),
        }
    }
}

fn require_scene(conn: &Connection, scene_id: i64) -> Result<(), CatalogErrorKind> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM scenes WHERE fid = ?1)",
        [scene_id],
        |row| row.get(0),
    )?;
    if exists {
        Ok(())
    } else {
        Err(CatalogErrorKind::SceneNotFound(scene_id))
    }
}

fn read_alignment(conn: &Connection, scene_id: i64) -> Result<Option<Alignment>, CatalogErrorKind> {
    let mut statement = conn.prepare("SELECT * FROM alignments WHERE scene_fid = ?1")?;
    let mut rows = statement.query([scene_id])?;
    rows.next()?.map(alignment_from_row).transpose()
}

fn alignment_from_row(row: &Row) -> Result<Alignment, CatalogErrorKind> {
    let status: String = row.get("status")?;
    let count = |column: &str| -> Result<usize, CatalogErrorKind> {
        let value: i64 = row.get(column)?;
        usize::try_from(value)
            .map_err(|_| CatalogErrorKind::Damaged(format!("alignment {column} is {value}")))
    };
    let outcome = NewAlignment {
        scene_id: row.get("scene_fid")?,
        reference_scene_id: row.get("reference_scene_fid")?,
        status: match status.as_str() {
            "aligned" => AlignmentStatus::Aligned,
            "refused" => AlignmentStatus::Refused,
            other => {
                return Err(CatalogErrorKind::Damaged(format!(
                    "alignment status '{other}'"
                )))
            }
        },
        dx_px: row.get("dx_px")?,
        dy_px: row.get("dy_px")?,
        model: read_json(row, "model")?,
        tie_points_used: count("tie_points_used")?,
        tie_points_rejected: count("tie_points_rejected")?,
        rmse_px: row.get("rmse_px")?,
        rmse_m: row.get("rmse_m")?,
        reason: row.get("reason")?,
    };
    Ok(Alignment {
        outcome,
        created: read_datetime(row, "created")?,
    })
}

impl Alignment {
    /// The correction to apply when the scene is warped onto its site grid: the stored model
    /// when the scene was aligned, none when alignment was refused.
    pub fn correction(&self) -> Result<Option<raster::coreg::CorrectionModel>, serde_json::Error> {
        match self.outcome.status {
            AlignmentStatus::Aligned => {
                serde_json::from_value(self.outcome.model.clone()).map(Some)
            }
            AlignmentStatus::Refused => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{lon_lat_box, natanz, scene, temp_catalog};

    fn catalog_with_two_scenes() -> (tempfile::TempDir, Catalog, i64, i64) {
        let (dir, mut catalog) = temp_catalog();
        catalog.add_site(natanz()).unwrap();
        let footprint = lon_lat_box(51.6, 33.6, 51.9, 33.9);
        let reference = catalog
            .add_scene(scene(
                "Natanz",
                "2020-01-01T07:00:00Z",
                footprint.clone(),
                1,
            ))
            .unwrap();
        let target = catalog
            .add_scene(scene("Natanz", "2021-01-01T07:00:00Z", footprint, 2))
            .unwrap();
        (dir, catalog, reference.id, target.id)
    }

    fn shift(scene_id: i64, reference: i64) -> NewAlignment {
        NewAlignment {
            scene_id,
            reference_scene_id: Some(reference),
            status: AlignmentStatus::Aligned,
            dx_px: Some(1.25),
            dy_px: Some(-0.5),
            model: serde_json::json!({"kind": "shift", "dx": 1.25, "dy": -0.5}),
            tie_points_used: 112,
            tie_points_rejected: 9,
            rmse_px: Some(0.31),
            rmse_m: Some(3.1),
            reason: None,
        }
    }

    #[test]
    fn an_alignment_is_stored_and_replaced() {
        let (_dir, mut catalog, reference, target) = catalog_with_two_scenes();
        assert_eq!(catalog.alignment(target).unwrap(), None);
        let stored = catalog.set_alignment(shift(target, reference)).unwrap();
        assert_eq!(catalog.alignment(target).unwrap().as_ref(), Some(&stored));
        assert_eq!(stored.outcome, shift(target, reference), "stored as given");
        assert_eq!(stored.outcome.model["dx"], 1.25);

        let refusal = NewAlignment {
            status: AlignmentStatus::Refused,
            dx_px: None,
            dy_px: None,
            model: serde_json::Value::Null,
            tie_points_used: 3,
            reason: Some("3 tie points survive, 20 needed (clouds)".into()),
            ..shift(target, reference)
        };
        let replaced = catalog.set_alignment(refusal).unwrap();
        assert_eq!(replaced.outcome.status, AlignmentStatus::Refused);
        assert_eq!(catalog.alignment(target).unwrap(), Some(replaced));
        assert_eq!(catalog.alignment(reference).unwrap(), None);
    }

    #[test]
    fn alignments_need_known_scenes_and_a_complete_outcome() {
        let (_dir, mut catalog, reference, target) = catalog_with_two_scenes();
        let unknown = catalog.set_alignment(shift(99, reference)).unwrap_err();
        assert!(matches!(unknown.kind, CatalogErrorKind::SceneNotFound(99)));
        let own = catalog.set_alignment(shift(target, target)).unwrap_err();
        assert!(own.to_string().contains("its own reference"));
        let no_shift = NewAlignment {
            dy_px: None,
            ..shift(target, reference)
        };
        assert!(catalog.set_alignment(no_shift).is_err());
        let no_reason = NewAlignment {
            status: AlignmentStatus::Refused,
            ..shift(target, reference)
        };
        let error = catalog.set_alignment(no_reason).unwrap_err();
        assert!(error.to_string().contains("needs a reason"));
        assert_eq!(catalog.alignment(target).unwrap(), None);
        assert!(matches!(
            catalog.alignment(99).unwrap_err().kind,
            CatalogErrorKind::SceneNotFound(99)
        ));
    }
}
