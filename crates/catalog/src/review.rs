//! Reviews: an analyst's verdict on, or comment about, a detected change or a registered
//! building, kept in the `reviews` table as an audit trail that is only ever added to.
//!
//! A change is named by its id, a building by its site and code: codes are stable across
//! the registry recomputations that replace building rows, so a building's reviews survive
//! them. A target's current verdict is its latest review that has one; comment-only reviews
//! never change it.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rusqlite::{named_params, Connection, Row};
use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::columns::{datetime_text, read_datetime};
use crate::error::{CatalogError, CatalogErrorKind};
use crate::geopackage::record_change;
use crate::site::{find_site, Site};

/// What a review judges.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReviewTarget {
    /// The change with this id (in the `changes` layer).
    Change(i64),
    /// The building with this code in the site's registry, e.g. "B0001".
    Building(String),
}

impl fmt::Display for ReviewTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReviewTarget::Change(id) => write!(f, "change {id}"),
            ReviewTarget::Building(code) => write!(f, "building {code}"),
        }
    }
}

/// An analyst's judgement of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The finding is real: it goes into reports.
    Accepted,
    /// The finding is an artefact (shadow, cloud, misregistration, wrong outline).
    Rejected,
}

impl Verdict {
    /// The verdict's name as stored and typed: "accepted", "rejected".
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accepted => "accepted",
            Verdict::Rejected => "rejected",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A name that is not a verdict.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a verdict: use accepted or rejected")]
pub struct UnknownVerdict(pub String);

impl FromStr for Verdict {
    type Err = UnknownVerdict;

    /// Reads "accepted" or "rejected", ignoring ASCII case and surrounding blanks.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        [Verdict::Accepted, Verdict::Rejected]
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| UnknownVerdict(text.to_string()))
    }
}

/// A review to add. It needs a verdict, a comment or both.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewReview {
    /// What is judged.
    pub target: ReviewTarget,
    /// The verdict; `None` for a comment only, which leaves the current verdict as it is.
    pub verdict: Option<Verdict>,
    /// Why, in the analyst's words.
    pub comment: Option<String>,
    /// Who reviewed (required): a name or initials.
    pub reviewer: String,
}

/// A stored review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Review {
    /// The review's id in the `reviews` table.
    pub id: i64,
    /// What was judged.
    pub target: ReviewTarget,
    /// The verdict, or `None` for a comment only.
    pub verdict: Option<Verdict>,
    /// Why, in the analyst's words.
    pub comment: Option<String>,
    /// Who reviewed.
    pub reviewer: String,
    /// When the review was added.
    pub at: DateTime<Utc>,
}

/// Which findings a report or registry keeps, judged by their current verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewFilter {
    /// Only findings an analyst accepted.
    AcceptedOnly,
    /// Findings not rejected: accepted ones and those nobody judged yet.
    NotRejected,
    /// Every finding, whatever its verdict.
    All,
}

impl ReviewFilter {
    /// Whether a finding whose current verdict is `review` (its latest review with a
    /// verdict, `None` when it has none) passes the filter.
    pub fn admits(&self, review: Option<&Review>) -> bool {
        let verdict = review.and_then(|r| r.verdict);
        match self {
            ReviewFilter::AcceptedOnly => verdict == Some(Verdict::Accepted),
            ReviewFilter::NotRejected => verdict != Some(Verdict::Rejected),
            ReviewFilter::All => true,
        }
    }
}

impl Catalog {
    /// Adds a review of a change or building of a site (by name or alias). The target must
    /// exist now: a change of the site, or a building in the site's current registry.
    pub fn add_review(&mut self, site: &str, review: &NewReview) -> Result<Review, CatalogError> {
        self.write(|conn| {
            let site = find_site(conn, site)?;
            let reviewer = review.reviewer.trim();
            if reviewer.is_empty() {
                return Err(CatalogErrorKind::invalid(
                    "reviewer",
                    "it is empty; say who reviewed",
                ));
            }
            let comment = review
                .comment
                .as_deref()
                .map(str::trim)
                .filter(|c| !c.is_empty());
            if review.verdict.is_none() && comment.is_none() {
                return Err(CatalogErrorKind::invalid(
                    "review",
                    "it has neither a verdict nor a comment",
                ));
            }
            check_target_exists(conn, &site, &review.target)?;
            let (change, building) = match &review.target {
                ReviewTarget::Change(id) => (Some(*id), None),
                ReviewTarget::Building(code) => (None, Some(code.trim())),
            };
            conn.execute(
                "INSERT INTO reviews (site_fid, change_fid, building_code, verdict, comment,
                   reviewer, at)
                 VALUES (:site, :change, :building, :verdict, :comment, :reviewer, :at)",
                named_params! {
                    ":site": site.id,
                    ":change": change,
                    ":building": building,
                    ":verdict": review.verdict.map(Verdict::as_str),
                    ":comment": comment,
                    ":reviewer": reviewer,
                    ":at": datetime_text(&Utc::now()),
                },
            )?;
            let id = conn.last_insert_rowid();
            record_change(conn, "reviews")?;
            read_reviews(conn, "fid = ?1", id)?
                .pop()
                .ok_or_else(|| CatalogErrorKind::Damaged(format!("review {id} vanished")))
        })
    }

    /// Every review of a site's changes and buildings, oldest first: the audit trail.
    /// Reviews of changes since replaced by a new comparison are included.
    pub fn reviews(&self, site: &str) -> Result<Vec<Review>, CatalogError> {
        self.read(|conn| {
            let site = find_site(conn, site)?;
            read_reviews(conn, "site_fid = ?1", site.id)
        })
    }
}

/// Fails unless `target` names a change of `site` or a building in its registry.
fn check_target_exists(
    conn: &Connection,
    site: &Site,
    target: &ReviewTarget,
) -> Result<(), CatalogErrorKind> {
    let (sql, found): (&str, rusqlite::types::Value) = match target {
        ReviewTarget::Change(id) => (
            "SELECT EXISTS (SELECT 1 FROM changes WHERE site_fid = ?1 AND fid = ?2)",
            (*id).into(),
        ),
        ReviewTarget::Building(code) => (
            "SELECT EXISTS (SELECT 1 FROM buildings WHERE site_fid = ?1 AND code = ?2)",
            code.trim().to_string().into(),
        ),
    };
    if conn.query_row(sql, (site.id, found), |row| row.get(0))? {
        return Ok(());
    }
    Err(match target {
        ReviewTarget::Change(id) => CatalogErrorKind::ChangeNotFound {
            site: site.name.clone(),
            id: *id,
        },
        ReviewTarget::Building(code) => CatalogErrorKind::BuildingNotFound {
            site: site.name.clone(),
            code: code.clone(),
        },
    })
}

/// The current verdict of every judged change and building of a site: for each target, its
/// latest review with a verdict.
#[derive(Debug, Default)]
pub(crate) struct Verdicts {
    changes: HashMap<i64, Review>,
    buildings: HashMap<String, Review>,
}

impl Verdicts {
    /// The current verdicts of the site with feature id `site_id`.
    pub fn of_site(conn: &Connection, site_id: i64) -> Result<Verdicts, CatalogErrorKind> {
        let mut verdicts = Verdicts::default();
        // Oldest first, so each later review replaces the earlier one.
        for review in read_reviews(conn, "site_fid = ?1 AND verdict IS NOT NULL", site_id)? {
            match &review.target {
                ReviewTarget::Change(id) => verdicts.changes.insert(*id, review),
                ReviewTarget::Building(code) => verdicts.buildings.insert(code.clone(), review),
            };
        }
        Ok(verdicts)
    }

    /// The current verdict of change `id`.
    pub fn change(&self, id: i64) -> Option<Review> {
        self.changes.get(&id).cloned()
    }

    /// The current verdict of the building with code `code`.
    pub fn building(&self, code: &str) -> Option<Review> {
        self.buildings.get(code).cloned()
    }
}

/// The reviews matching `condition` (with one parameter, `value`), oldest first.
fn read_reviews(
    conn: &Connection,
    condition: &str,
    value: i64,
) -> Result<Vec<Review>, CatalogErrorKind> {
    let mut statement = conn.prepare(&format!(
        "SELECT fid, change_fid, building_code, verdict, comment, reviewer, at FROM reviews
         WHERE {condition} ORDER BY fid"
    ))?;
    let mut rows = statement.query([value])?;
    let mut reviews = Vec::new();
    while let Some(row) = rows.next()? {
        reviews.push(review_from_row(row)?);
    }
    Ok(reviews)
}

fn review_from_row(row: &Row) -> Result<Review, CatalogErrorKind> {
    let id: i64 = row.get("fid")?;
    let damaged = |why: String| CatalogErrorKind::Damaged(format!("review {id}: {why}"));
    let change: Option<i64> = row.get("change_fid")?;
    let building: Option<String> = row.get("building_code")?;
    let target = match (change, building) {
        (Some(change), None) => ReviewTarget::Change(change),
        (None, Some(code)) => ReviewTarget::Building(code),
        _ => return Err(damaged("it names no single change or building".into())),
    };
    let verdict: Option<String> = row.get("verdict")?;
    Ok(Review {
        id,
        target,
        verdict: verdict
            .map(|v| {
                v.parse()
                    .map_err(|e: UnknownVerdict| damaged(e.to_string()))
            })
            .transpose()?,
        comment: row.get("comment")?,
        reviewer: row.get("reviewer")?,
        at: read_datetime(row, "at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{bytes, findings_catalog, fordow};

    fn review(target: ReviewTarget, verdict: Option<Verdict>, comment: Option<&str>) -> NewReview {
        NewReview {
            target,
            verdict,
            comment: comment.map(str::to_string),
            reviewer: "  A. Analyst ".into(),
        }
    }

    #[test]
    fn the_latest_verdict_is_current_and_every_review_is_kept() {
        let (_dir, mut catalog, findings) = findings_catalog();
        let change = ReviewTarget::Change(findings.change_ids[0]);
        let building = ReviewTarget::Building("B0001".into());
        let accepted = catalog
            .add_review(
                "FEP",
                &review(change.clone(), Some(Verdict::Accepted), None),
            )
            .unwrap();
        assert_eq!(accepted.reviewer, "A. Analyst");
        let rejected = catalog
            .add_review(
                "Natanz",
                &review(change.clone(), Some(Verdict::Rejected), Some("shadow")),
            )
            .unwrap();
        let comment = catalog
            .add_review(
                "Natanz",
                &review(change, None, Some("check the 2021 scene")),
            )
            .unwrap();
        let on_building = catalog
            .add_review("Natanz", &review(building, Some(Verdict::Accepted), None))
            .unwrap();

        let trail = catalog.reviews("Natanz").unwrap();
        assert_eq!(
            trail,
            vec![accepted, rejected.clone(), comment, on_building.clone()]
        );
        let changes = catalog.changes("Natanz", None).unwrap();
        assert_eq!(changes[0].review.as_ref(), Some(&rejected));
        assert_eq!(changes[1].review, None);
        assert_eq!(
            catalog.building("Natanz", "B0001").unwrap().review,
            Some(on_building)
        );
        let json = serde_json::to_value(&rejected).unwrap();
        assert_eq!(json["target"]["change"], findings.change_ids[0]);
        assert_eq!(json["verdict"], "rejected");
    }

    #[test]
    fn reviews_of_unknown_targets_or_empty_reviews_are_refused() {
        let (dir, mut catalog, findings) = findings_catalog();
        catalog.add_site(fordow()).unwrap();
        let path = dir.path().join("dossier.gpkg");
        let before = bytes(&path);
        let unknown_change = catalog
            .add_review(
                "Natanz",
                &review(ReviewTarget::Change(9999), Some(Verdict::Accepted), None),
            )
            .unwrap_err();
        assert!(
            matches!(
                unknown_change.kind,
                CatalogErrorKind::ChangeNotFound { id: 9999, .. }
            ),
            "{unknown_change}"
        );
        let unknown_building = catalog
            .add_review(
                "Natanz",
                &review(ReviewTarget::Building("B0404".into()), None, Some("?")),
            )
            .unwrap_err();
        let message = unknown_building.to_string();
        assert!(
            message.contains("'Natanz'") && message.contains("'B0404'"),
            "{message}"
        );
        let empty = catalog
            .add_review(
                "Natanz",
                &review(
                    ReviewTarget::Change(findings.change_ids[0]),
                    None,
                    Some(" "),
                ),
            )
            .unwrap_err();
        assert!(empty
            .to_string()
            .contains("neither a verdict nor a comment"));
        let anonymous = NewReview {
            reviewer: " ".into(),
            ..review(
                ReviewTarget::Building("B0001".into()),
                Some(Verdict::Accepted),
                None,
            )
        };
        assert!(catalog
            .add_review("Natanz", &anonymous)
            .unwrap_err()
            .to_string()
            .contains("reviewer"));
        // A change or building of another site is unknown there.
        for target in [
            ReviewTarget::Change(findings.change_ids[0]),
            ReviewTarget::Building("B0001".into()),
        ] {
            let error = catalog
                .add_review("Fordow", &review(target, Some(Verdict::Accepted), None))
                .unwrap_err();
            assert!(
                error.to_string().contains("site 'Fordow' has no"),
                "{error}"
            );
        }
        assert_eq!(bytes(&path), before);
        assert!(catalog.reviews("Natanz").unwrap().is_empty());
    }

    #[test]
    fn filters_admit_by_current_verdict() {
        let judged = |verdict| Review {
            id: 1,
            target: ReviewTarget::Building("B0001".into()),
            verdict,
            comment: None,
            reviewer: "A".into(),
            at: Utc::now(),
        };
        let accepted = judged(Some(Verdict::Accepted));
        let rejected = judged(Some(Verdict::Rejected));
        let cases = [
            (ReviewFilter::AcceptedOnly, [true, false, false]),
            (ReviewFilter::NotRejected, [true, false, true]),
            (ReviewFilter::All, [true, true, true]),
        ];
        for (filter, expected) in cases {
            let admitted = [Some(&accepted), Some(&rejected), None].map(|r| filter.admits(r));
            assert_eq!(admitted, expected, "{filter:?}");
        }
        assert_eq!(" Rejected ".parse::<Verdict>().unwrap(), Verdict::Rejected);
        assert!("maybe".parse::<Verdict>().is_err());
    }
}
