//! The page at `/`: the sites, and a site's AOI and scene footprints drawn from the API. It is
//! one self-contained HTML file (no CDN, nothing fetched from outside), so it works offline.

use axum::response::Html;

/// `GET /`: the map page.
pub(crate) async fn index() -> Html<&'static str> {
    Html(include_str!("../assets/index.html"))
}
