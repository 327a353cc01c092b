//! The page at `/` and the files it loads: the review map (HTML, script, style) and the
//! vendored Leaflet, all compiled into the binary so the page works offline (no CDN, nothing
//! fetched from outside).

use axum::extract::Path;
use axum::http::header;
use axum::response::{Html, IntoResponse};

use crate::error::ApiError;

/// `GET /`: the map page.
pub(crate) async fn index() -> Html<&'static str> {
    Html(include_str!("../assets/index.html"))
}

/// The files under `/assets/`: name, content type, bytes. Requests name one of these; no
/// part of a request reaches the file system.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "viewer.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/viewer.js"),
    ),
    (
        "viewer.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/viewer.css"),
    ),
    (
        "leaflet/leaflet.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/leaflet/leaflet.js"),
    ),
    (
        "leaflet/leaflet.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/leaflet/leaflet.css"),
    ),
    (
        "leaflet/images/layers.png",
        "image/png",
        include_bytes!("../assets/leaflet/images/layers.png"),
    ),
    (
        "leaflet/images/layers-2x.png",
        "image/png",
        include_bytes!("../assets/leaflet/images/layers-2x.png"),
    ),
    (
        "leaflet/LICENSE",
        "text/plain; charset=utf-8",
        include_bytes!("../assets/leaflet/LICENSE"),
    ),
];

/// `GET /assets/{*file}`: one of the page's files.
pub(crate) async fn asset(Path(file): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let (_, content_type, bytes) = ASSETS
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or_else(|| ApiError::NotFound(format!("no page file {file:?}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, *content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        *bytes,
    ))
}
