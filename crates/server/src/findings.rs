//! A site's findings over HTTP: its detected changes and its building registry as GeoJSON
//! (EPSG:4326, or site-grid pixels with `?crs=grid`), the analysts' reviews of them and the
//! outlines analysts drew; and the two writes, a review and a drawn outline.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use catalog::{
    Catalog, FootprintOrigin, Interval, NewFootprint, NewReview, ReviewTarget, Scene, Site,
    StoredBuilding, StoredChange, StoredFootprint, Verdict,
};
use geo::{Euclidean, Length};
use geo_types::{Coord, LineString, Polygon};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{polygon_geometry, site_layer};
use crate::auth::WriteGrant;
use crate::error::ApiError;
use crate::frame::{FrameName, FrameQuery, SiteFrame};
use crate::state::AppState;

/// The most corners a drawn outline may have.
const MAX_OUTLINE_VERTICES: usize = 10_000;

/// The longest comment a review may carry, in characters.
const MAX_COMMENT_CHARS: usize = 4_000;

/// The acquisition dates (`YYYY-MM-DD`) of a site's scenes, by scene id.
fn scene_dates(scenes: &[Scene]) -> HashMap<i64, String> {
    scenes
        .iter()
        .map(|s| (s.id, s.acquired.format("%Y-%m-%d").to_string()))
        .collect()
}

fn date_of(dates: &HashMap<i64, String>, scene: i64) -> Value {
    dates.get(&scene).map_or(Value::Null, |d| json!(d))
}

/// A layer of findings whose features give the dates of the scenes they come from: the site's
/// scenes are loaded beside the layer, and each item becomes a feature by `feature`.
async fn dated_layer<T: Send + 'static>(
    state: &AppState,
    name: String,
    frame: FrameName,
    load: impl FnOnce(&mut Catalog, &Site) -> Result<Vec<T>, ApiError> + Send + 'static,
    feature: impl Fn(&T, &SiteFrame, FrameName, &HashMap<i64, String>) -> Result<Value, ApiError>,
) -> Result<Json<Value>, ApiError> {
    site_layer(
        state,
        name,
        frame,
        move |c, site| Ok((c.scenes(Some(&site.name))?, load(c, site)?)),
        |(scenes, layer), to_frame, frame| {
            let dates = scene_dates(&scenes);
            layer
                .iter()
                .map(|item| feature(item, to_frame, frame, &dates))
                .collect()
        },
    )
    .await
}

/// `GET /api/sites/{name}/changes`: the changes every recorded comparison found, each with
/// its dates, area and current verdict.
pub(crate) async fn changes(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(frame): Query<FrameQuery>,
) -> Result<Json<Value>, ApiError> {
    dated_layer(
        &state,
        name,
        frame.crs,
        |c, site| Ok(c.changes(&site.name, None)?),
        change_feature,
    )
    .await
}

/// A change as a feature. Its area interval is the area give or take half a site-grid pixel
/// all along its outline: how far the outline of a pixel mask can be from the true edge.
fn change_feature(
    stored: &StoredChange,
    to_frame: &SiteFrame,
    frame: FrameName,
    dates: &HashMap<i64, String>,
) -> Result<Value, ApiError> {
    let found = &stored.change;
    let pixels = to_frame.polygon_to_pixels(&found.outline_lonlat)?;
    let perimeter_m = outline_length(&pixels) * to_frame.gsd_m();
    let margin = 0.5 * to_frame.gsd_m() * perimeter_m;
    let geometry = match frame {
        FrameName::Grid => pixels,
        FrameName::Lonlat => found.outline_lonlat.clone(),
    };
    Ok(json!({
        "type": "Feature",
        "id": stored.id,
        "geometry": polygon_geometry(&geometry),
        "properties": {
            "comparison": stored.comparison,
            "method": stored.method,
            "before_scene": stored.before_scene,
            "after_scene": stored.after_scene,
            "before": date_of(dates, stored.before_scene),
            "after": date_of(dates, stored.after_scene),
            "area_m2": found.area_m2,
            "area_m2_interval": [(found.area_m2 - margin).max(0.0), found.area_m2 + margin],
            "mean_prob": found.mean_prob,
            "direction": found.direction,
            "review": stored.review,
        },
    }))
}

/// The length of a polygon's rings, in its own units.
fn outline_length(polygon: &Polygon<f64>) -> f64 {
    std::iter::once(polygon.exterior())
        .chain(polygon.interiors())
        .map(|ring| Euclidean.length(ring))
        .sum()
}

/// `GET /api/sites/{name}/buildings`: the site's building registry, each building with its
/// measured size (with intervals), the dates it was seen, its history and current verdict.
pub(crate) async fn buildings(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(frame): Query<FrameQuery>,
) -> Result<Json<Value>, ApiError> {
    dated_layer(
        &state,
        name,
        frame.crs,
        |c, site| Ok(c.buildings(&site.name)?),
        building_feature,
    )
    .await
}

/// A building as a feature; its id is its code, which reviews name and registry runs keep.
fn building_feature(
    stored: &StoredBuilding,
    to_frame: &SiteFrame,
    frame: FrameName,
    dates: &HashMap<i64, String>,
) -> Result<Value, ApiError> {
    let building = &stored.building;
    let interval =
        |i: &Interval| json!({ "value": i.value, "low": i.low, "high": i.high, "level": i.level });
    let history: Vec<Value> = building
        .history
        .iter()
        .map(|event| {
            json!({
                "kind": event.kind,
                "before_scene": event.before_scene,
                "after_scene": event.after_scene,
                "before": date_of(dates, event.before_scene),
                "after": date_of(dates, event.after_scene),
            })
        })
        .collect();
    Ok(json!({
        "type": "Feature",
        "id": building.code,
        "geometry": polygon_geometry(&to_frame.polygon_in(&building.outline_lonlat, frame)?),
        "properties": {
            "code": building.code,
            "origin": building.origin.as_str(),
            "standing": building.standing,
            "housing": building.housing,
            "first_seen_scene": building.first_seen_scene,
            "last_seen_scene": building.last_seen_scene,
            "first_seen": date_of(dates, building.first_seen_scene),
            "last_seen": date_of(dates, building.last_seen_scene),
            "area_m2": building.area_m2.value,
            "area_m2_interval": [building.area_m2.low, building.area_m2.high],
            "interval_level": building.area_m2.level,
            "length_m": interval(&building.length_m),
            "width_m": interval(&building.width_m),
            "mgrs": building.mgrs,
            "history": history,
            "review": stored.review,
        },
    }))
}

/// `GET /api/sites/{name}/reviews`: every review of the site's findings, oldest first (the
/// audit trail: a later verdict overrides, nothing is deleted).
pub(crate) async fn reviews(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let reviews = state.with_catalog(move |c| Ok(c.reviews(&name)?)).await?;
    Ok(Json(json!(reviews)))
}

/// The body of `POST /api/sites/{name}/reviews`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewBody {
    /// `{"change": 12}` or `{"building": "B0001"}`.
    target: ReviewTarget,
    /// "accepted", "rejected", or none for a comment only.
    verdict: Option<Verdict>,
    comment: Option<String>,
}

/// `POST /api/sites/{name}/reviews`: stores a verdict or comment on a change or building
/// (needs the write token), with the token's reviewer name; answers 201 with the review.
pub(crate) async fn add_review(
    State(state): State<AppState>,
    Path(name): Path<String>,
    grant: WriteGrant,
    Json(body): Json<ReviewBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if body
        .comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_COMMENT_CHARS)
    {
        return Err(ApiError::BadRequest(format!(
            "the comment is longer than {MAX_COMMENT_CHARS} characters"
        )));
    }
    let review = NewReview {
        target: body.target,
        verdict: body.verdict,
        comment: body.comment,
        reviewer: grant.reviewer,
    };
    let stored = state
        .with_catalog(move |c| Ok(c.add_review(&name, &review)?))
        .await?;
    Ok((StatusCode::CREATED, Json(json!(stored))))
}

/// `GET /api/sites/{name}/footprints`: outlines analysts drew or imported.
pub(crate) async fn footprints(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(frame): Query<FrameQuery>,
) -> Result<Json<Value>, ApiError> {
    site_layer(
        &state,
        name,
        frame.crs,
        |c, site| Ok(c.footprints(&site.name)?),
        |footprints, to_frame, frame| {
            footprints
                .iter()
                .map(|f| footprint_feature(f, to_frame, frame))
                .collect()
        },
    )
    .await
}

/// A footprint as a feature. An imported one names its file only by its hash.
fn footprint_feature(
    stored: &StoredFootprint,
    to_frame: &SiteFrame,
    frame: FrameName,
) -> Result<Value, ApiError> {
    let footprint = &stored.footprint;
    let origin = match &footprint.origin {
        FootprintOrigin::Drawn { by } => json!({ "kind": "drawn", "by": by }),
        FootprintOrigin::Imported {
            sha256, feature, ..
        } => json!({ "kind": "imported", "sha256": sha256, "feature": feature }),
    };
    Ok(json!({
        "type": "Feature",
        "id": stored.id,
        "geometry": polygon_geometry(&to_frame.polygon_in(&footprint.outline_lonlat, frame)?),
        "properties": {
            "origin": origin,
            "replaces": footprint.replaces,
            "note": footprint.note,
            "created": stored.created,
        },
    }))
}

/// A GeoJSON polygon geometry as a request gives it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PolygonBody {
    #[serde(rename = "type")]
    kind: String,
    coordinates: Vec<Vec<[f64; 2]>>,
}

/// The body of `POST /api/sites/{name}/footprints`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FootprintBody {
    /// The outline: a GeoJSON Polygon.
    geometry: PolygonBody,
    /// The frame of its coordinates: "lonlat" (default) or "grid" (site-grid pixels).
    #[serde(default)]
    crs: FrameName,
    /// The code of the building whose outline this corrects, if any.
    replaces: Option<String>,
    note: Option<String>,
}

/// `POST /api/sites/{name}/footprints`: stores an outline an analyst drew (needs the write
/// token), as drawn by the token's reviewer name; answers 201 with the footprint.
pub(crate) async fn add_footprint(
    State(state): State<AppState>,
    Path(name): Path<String>,
    grant: WriteGrant,
    Json(body): Json<FootprintBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let drawn = outline(&body.geometry)?;
    let stored = state
        .with_catalog(move |c| {
            let site = c.site(&name)?;
            let to_frame = SiteFrame::new(&site.grid)?;
            let outline_lonlat = match body.crs {
                FrameName::Lonlat => drawn,
                FrameName::Grid => to_frame.polygon_to_lonlat(&drawn)?,
            };
            let footprint = NewFootprint {
                outline_lonlat,
                origin: FootprintOrigin::Drawn { by: grant.reviewer },
                replaces: body.replaces.filter(|code| !code.trim().is_empty()),
                note: body.note,
            };
            let stored = c.add_footprint(&site.name, &footprint)?;
            footprint_feature(&stored, &to_frame, FrameName::Lonlat)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(stored)))
}

/// The polygon of a request, checked: one ring of 3 to [`MAX_OUTLINE_VERTICES`] distinct
/// finite corners (closed here if the request did not close it), no holes.
fn outline(geometry: &PolygonBody) -> Result<Polygon<f64>, ApiError> {
    let bad = |why: &str| ApiError::BadRequest(format!("the outline {why}"));
    if geometry.kind != "Polygon" {
        return Err(bad(&format!("is a {}, not a Polygon", geometry.kind)));
    }
    let [ring] = &geometry.coordinates[..] else {
        return Err(bad("must have exactly one ring (no holes)"));
    };
    if ring.len() > MAX_OUTLINE_VERTICES {
        return Err(bad(&format!(
            "has more than {MAX_OUTLINE_VERTICES} corners"
        )));
    }
    if ring.iter().flatten().any(|v| !v.is_finite()) {
        return Err(bad("has a coordinate that is not a finite number"));
    }
    let mut corners: Vec<Coord<f64>> = ring.iter().map(|&[x, y]| Coord { x, y }).collect();
    if corners.len() > 1 && corners.first() == corners.last() {
        corners.pop();
    }
    corners.dedup();
    if corners.len() < 3 {
        return Err(bad("needs at least 3 distinct corners"));
    }
    Ok(Polygon::new(LineString::from(corners), vec![]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn polygon(coordinates: Vec<Vec<[f64; 2]>>) -> PolygonBody {
        PolygonBody {
            kind: "Polygon".into(),
            coordinates,
        }
    }

    #[test]
    fn an_outline_is_closed_and_checked() {
        let open = outline(&polygon(vec![vec![[0.0, 0.0], [4.0, 0.0], [4.0, 3.0]]])).unwrap();
        assert_eq!(open.exterior().0.len(), 4, "closed by the server");
        assert_eq!(open.exterior().0.first(), open.exterior().0.last());
        for bad in [
            polygon(vec![vec![[0.0, 0.0], [4.0, 0.0], [0.0, 0.0]]]),
            polygon(vec![vec![[0.0, 0.0], [f64::NAN, 0.0], [4.0, 3.0]]]),
            polygon(vec![]),
            polygon(vec![vec![[0.0, 0.0], [4.0, 0.0], [4.0, 3.0]]; 2]),
            PolygonBody {
                kind: "Point".into(),
                coordinates: vec![],
            },
        ] {
            assert!(
                matches!(outline(&bad), Err(ApiError::BadRequest(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_square_has_the_length_of_its_four_sides() {
        let square = outline(&polygon(vec![vec![
            [0.0, 0.0],
            [2.0, 0.0],
            [2.0, 2.0],
            [0.0, 2.0],
        ]]))
        .unwrap();
        assert_eq!(outline_length(&square), 8.0);
    }
}
