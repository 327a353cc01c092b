//! The sitewatch dossier over HTTP: a JSON API of sites, scenes, events and timelines, scene
//! imagery rendered onto a site's grid as PNG, and a small map page, for the analyst's own
//! browser on the same machine.
//!
//! The server listens on loopback unless told otherwise. Reading needs nothing; writing needs
//! a token (`Authorization: Bearer TOKEN`) created the first time a catalog is served, printed
//! once and stored only as its SHA-256 in the catalog. Requests name sites and scenes by
//! catalog name or id only: no part of a request ever becomes a file path.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let catalog = catalog::Catalog::open("dossier.gpkg")?;
//! let app = server::router(server::AppState::new(catalog, server::Access::ReadOnly));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8750").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod api;
mod auth;
mod cache;
mod error;
mod findings;
mod frame;
mod imagery;
mod page;
mod state;
mod stretch;

pub use auth::{first_token, Access};
pub use error::ApiError;
pub use imagery::MAX_IMAGE_SIDE;
pub use state::AppState;

use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;

/// The largest request body accepted (64 KiB); a larger one is answered 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The whole HTTP application: the API under `/api/`, imagery, and the map page at `/`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(page::index))
        .route("/assets/{*file}", get(page::asset))
        .route("/api/server", get(api::server_info))
        .route("/api/sites", get(api::sites))
        .route("/api/sites/{name}", get(api::site))
        .route("/api/sites/{name}/scenes", get(api::scenes))
        .route(
            "/api/sites/{name}/events",
            get(api::events).post(api::add_event),
        )
        .route("/api/sites/{name}/timeline", get(api::timeline))
        .route("/api/sites/{name}/changes", get(findings::changes))
        .route("/api/sites/{name}/buildings", get(findings::buildings))
        .route(
            "/api/sites/{name}/reviews",
            get(findings::reviews).post(findings::add_review),
        )
        .route(
            "/api/sites/{name}/footprints",
            get(findings::footprints).post(findings::add_footprint),
        )
        .route("/api/scenes/{id}/image.png", get(imagery::image))
        .fallback(|| async { ApiError::NotFound("no such page or API route".into()) })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(error::json_refusals))
        .with_state(state)
}
