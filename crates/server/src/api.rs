//! The JSON API: sites and scenes as GeoJSON features (EPSG:4326, or site-grid pixels with
//! `?crs=grid`), events and timelines as JSON lists, and adding a sourced event.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use catalog::{Catalog, EventDate, EventKind, NewEvent, Scene, Site};
use geo_types::Polygon;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::auth::{Access, WriteGrant};
use crate::error::ApiError;
use crate::frame::{FrameName, FrameQuery, SiteFrame};
use crate::state::AppState;

/// `GET /api/server`: what the page needs to know about the server: whether it takes writes.
pub(crate) async fn server_info(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "read_only": state.access == Access::ReadOnly,
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

/// `GET /api/sites`: every site as a feature whose geometry is its AOI.
pub(crate) async fn sites(
    State(state): State<AppState>,
    Query(frame): Query<FrameQuery>,
) -> Result<Json<Value>, ApiError> {
    let sites = state.with_catalog(|c| Ok(c.sites()?)).await?;
    let features = sites
        .iter()
        .map(|site| site_feature(site, frame.crs))
        .collect::<Result<Vec<Value>, ApiError>>()?;
    Ok(Json(feature_collection(features)))
}

/// `GET /api/sites/{name}`: one site (by name or alias) as a feature.
pub(crate) async fn site(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(frame): Query<FrameQuery>,
) -> Result<Json<Value>, ApiError> {
    let site = state.with_catalog(move |c| Ok(c.site(&name)?)).await?;
    Ok(Json(site_feature(&site, frame.crs)?))
}

/// `GET /api/sites/{name}/scenes`: the site's scenes as features whose geometry is the
/// footprint.
pub(crate) async fn scenes(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(frame): Query<FrameQuery>,
) -> Result<Json<Value>, ApiError> {
    site_layer(
        &state,
        name,
        frame.crs,
        |c, site| Ok(c.scenes(Some(&site.name))?),
        |scenes, to_frame, frame| {
            scenes
                .iter()
                .map(|scene| {
                    let footprint = to_frame.polygon_in(&scene.footprint, frame)?;
                    Ok(scene_feature(scene, &footprint))
                })
                .collect()
        },
    )
    .await
}

/// `GET /api/sites/{name}/events`: the site's events by date.
pub(crate) async fn events(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let events = state.with_catalog(move |c| Ok(c.events(&name)?)).await?;
    Ok(Json(json!(events)))
}

/// `GET /api/sites/{name}/timeline`: scenes and events of the site by date, with sources.
pub(crate) async fn timeline(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let entries = state.with_catalog(move |c| Ok(c.timeline(&name)?)).await?;
    Ok(Json(json!(entries)))
}

/// The body of `POST /api/sites/{name}/events`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventBody {
    /// `2021-04-11` or an RFC 3339 instant.
    date: String,
    /// visit, media, report, construction or other.
    kind: String,
    /// The citation or URL the fact comes from (required).
    source: String,
    note: Option<String>,
}

/// `POST /api/sites/{name}/events`: adds a sourced event (needs the write token); answers 201
/// with the stored event.
pub(crate) async fn add_event(
    State(state): State<AppState>,
    Path(name): Path<String>,
    _grant: WriteGrant,
    Json(body): Json<EventBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let date: EventDate = body
        .date
        .parse()
        .map_err(|e: catalog::BadEventDate| ApiError::BadRequest(e.to_string()))?;
    let kind: EventKind = body
        .kind
        .parse()
        .map_err(|e: catalog::UnknownEventKind| ApiError::BadRequest(e.to_string()))?;
    let event = NewEvent {
        site: name,
        date,
        kind,
        source: body.source,
        note: body.note,
    };
    let stored = state.with_catalog(move |c| Ok(c.add_event(event)?)).await?;
    Ok((StatusCode::CREATED, Json(json!(stored))))
}

pub(crate) fn feature_collection(features: Vec<Value>) -> Value {
    json!({ "type": "FeatureCollection", "features": features })
}

/// A layer of the site `name` (by name or alias) as a feature collection in `frame`, the shape
/// of every `GET /api/sites/{name}/<layer>`: `load` reads the layer from the catalog (on a
/// blocking thread), `features` turns it into features on the site's frame.
pub(crate) async fn site_layer<T: Send + 'static>(
    state: &AppState,
    name: String,
    frame: FrameName,
    load: impl FnOnce(&mut Catalog, &Site) -> Result<T, ApiError> + Send + 'static,
    features: impl FnOnce(T, &SiteFrame, FrameName) -> Result<Vec<Value>, ApiError>,
) -> Result<Json<Value>, ApiError> {
    let (site, layer) = state
        .with_catalog(move |c| {
            let site = c.site(&name)?;
            let layer = load(c, &site)?;
            Ok((site, layer))
        })
        .await?;
    let to_frame = SiteFrame::new(&site.grid)?;
    Ok(Json(feature_collection(features(layer, &to_frame, frame)?)))
}

/// A polygon as a GeoJSON geometry.
pub(crate) fn polygon_geometry(polygon: &Polygon<f64>) -> Value {
    let ring = |line: &geo_types::LineString<f64>| -> Vec<[f64; 2]> {
        line.coords().map(|c| [c.x, c.y]).collect()
    };
    let mut rings = vec![ring(polygon.exterior())];
    rings.extend(polygon.interiors().iter().map(ring));
    json!({ "type": "Polygon", "coordinates": rings })
}

/// A site as a feature in `frame`: the AOI as geometry, the ring around it (`ring_m` out) and
/// the site grid among the properties.
fn site_feature(site: &Site, frame: FrameName) -> Result<Value, ApiError> {
    let to_frame = SiteFrame::new(&site.grid)?;
    let ring_pixels = to_frame.ring_pixels(&site.aoi, site.ring_m)?;
    let ring = match frame {
        FrameName::Grid => ring_pixels,
        FrameName::Lonlat => to_frame.polygon_to_lonlat(&ring_pixels)?,
    };
    Ok(json!({
        "type": "Feature",
        "id": site.id,
        "geometry": polygon_geometry(&to_frame.polygon_in(&site.aoi, frame)?),
        "properties": {
            "name": site.name,
            "aliases": site.aliases,
            "parent": site.parent,
            "makes": site.makes,
            "ring_m": site.ring_m,
            "ring": polygon_geometry(&ring),
            "notes": site.notes,
            "grid": {
                "width": site.grid.width,
                "height": site.grid.height,
                "gsd_m": site.grid.gsd(),
                "crs": site.grid.crs.name(),
            },
            "created": site.created,
        },
    }))
}

/// A scene as a feature with `footprint` as geometry. File paths stay on the server: clients
/// ask for imagery by scene id.
fn scene_feature(scene: &Scene, footprint: &Polygon<f64>) -> Value {
    json!({
        "type": "Feature",
        "id": scene.id,
        "geometry": polygon_geometry(footprint),
        "properties": {
            "site": scene.site,
            "acquired": scene.acquired,
            "sensor": scene.sensor,
            "gsd_m": scene.gsd_m,
            "band_count": scene.band_count,
            "credit": scene.credit,
            "sun_elevation_deg": scene.sun_elevation_deg,
            "sun_azimuth_deg": scene.sun_azimuth_deg,
            "off_nadir_deg": scene.off_nadir_deg,
            "cloud_fraction": scene.cloud_fraction,
            "file_roles": scene.files.iter().map(|f| f.role.as_str()).collect::<Vec<_>>(),
            "image": format!("/api/scenes/{}/image.png", scene.id),
        },
    })
}
