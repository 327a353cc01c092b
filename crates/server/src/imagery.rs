//! `GET /api/scenes/{id}/image.png`: a window of a scene's site grid rendered from the scene's
//! files (found through the catalog by scene id, never by a path from the request), warped with
//! the scene's stored alignment, contrast-stretched and encoded as PNG.

use std::path::PathBuf;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use catalog::Catalog;
use raster::coreg::CorrectionModel;
use raster::{GeoTransform, Grid, RasterSource, Resampling, SceneSource, Window};
use serde::Deserialize;

use crate::error::ApiError;
use crate::state::AppState;
use crate::stretch::{encode_png, stretch_rgba};

/// The longest side, in pixels, of a rendered image: bounds the work one request can cause.
pub const MAX_IMAGE_SIDE: usize = 2048;

/// The longest side of a rendered image when the request does not say.
const DEFAULT_IMAGE_SIDE: usize = 1024;

/// The query of an image request: a window of the site grid (default: all of it) and the
/// longest side of the picture (default 1024, at most [`MAX_IMAGE_SIDE`]).
#[derive(Debug, Deserialize)]
pub(crate) struct ImageQuery {
    col: Option<usize>,
    row: Option<usize>,
    width: Option<usize>,
    height: Option<usize>,
    size: Option<usize>,
}

/// One rendering: a scene, a window of its site's grid, and the longest side of the picture.
/// It is also the image cache's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ImageRequest {
    /// The scene's catalog id.
    pub scene: i64,
    /// First column of the window on the site grid.
    pub col: usize,
    /// First row of the window on the site grid.
    pub row: usize,
    /// Window width in site-grid pixels.
    pub width: usize,
    /// Window height in site-grid pixels.
    pub height: usize,
    /// The longest side of the picture in pixels.
    pub size: usize,
}

/// What rendering needs from the catalog, read under its lock and used after it is released.
struct SceneToRender {
    files: Vec<PathBuf>,
    site_grid: Grid,
    correction: Option<CorrectionModel>,
}

/// The handler: answers from the cache, or renders and keeps the result.
pub(crate) async fn image(
    State(state): State<AppState>,
    Path(scene): Path<i64>,
    Query(query): Query<ImageQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let size = query.size.unwrap_or(DEFAULT_IMAGE_SIDE);
    if size == 0 || size > MAX_IMAGE_SIDE {
        return Err(ApiError::BadRequest(format!(
            "size must be 1 to {MAX_IMAGE_SIDE} pixels"
        )));
    }
    let found = state
        .with_catalog(move |catalog| scene_to_render(catalog, scene))
        .await?;
    let request = image_request(scene, &query, size, &found.site_grid)?;
    let png = match state.images.get(&request) {
        Some(png) => png,
        None => {
            let png = tokio::task::spawn_blocking(move || render(&found, &request))
                .await
                .map_err(|e| ApiError::Internal(format!("a rendering task failed: {e}")))??;
            let png = axum::body::Bytes::from(png);
            state.images.put(request, png.clone());
            png
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        png,
    ))
}

/// The files, site grid and stored correction of scene `id`.
fn scene_to_render(catalog: &mut Catalog, id: i64) -> Result<SceneToRender, ApiError> {
    let scene = catalog.scene(id)?;
    let site = catalog.site(&scene.site)?;
    let correction = match catalog.alignment(id)? {
        Some(a) => a.correction().map_err(|e| {
            ApiError::Internal(format!(
                "scene {id}: the stored alignment model cannot be read: {e}"
            ))
        })?,
        None => None,
    };
    Ok(SceneToRender {
        files: scene.files.iter().map(|f| f.path.clone()).collect(),
        site_grid: site.grid,
        correction,
    })
}

/// The request checked against the site grid: the window must lie inside it.
fn image_request(
    scene: i64,
    query: &ImageQuery,
    size: usize,
    grid: &Grid,
) -> Result<ImageRequest, ApiError> {
    let col = query.col.unwrap_or(0);
    let row = query.row.unwrap_or(0);
    let width = query.width.unwrap_or(grid.width.saturating_sub(col));
    let height = query.height.unwrap_or(grid.height.saturating_sub(row));
    let window = Window::new(col, row, width, height);
    if window.is_empty() || window.intersection(&grid.full_window()) != Some(window) {
        return Err(ApiError::BadRequest(format!(
            "the window col {col}, row {row}, {width} x {height} is not inside the site grid \
             ({} x {} pixels)",
            grid.width, grid.height
        )));
    }
    Ok(ImageRequest {
        scene,
        col,
        row,
        width,
        height,
        size,
    })
}

/// Opens the scene's files, warps them onto the requested window at the picture's pixel size
/// (bilinear, with the stored correction), stretches and encodes.
fn render(found: &SceneToRender, request: &ImageRequest) -> Result<Vec<u8>, ApiError> {
    let source = SceneSource::open(&found.files)
        .map_err(|e| ApiError::Internal(format!("scene {}: {e}", request.scene)))?;

    let scale = request.width.max(request.height) as f64 / request.size as f64;
    let window = Window::new(request.col, request.row, request.width, request.height);
    let window_grid = found.site_grid.window_grid(&window);
    let t = window_grid.transform.0;
    let picture = Grid::new(
        window_grid.crs.clone(),
        GeoTransform([
            t[0],
            t[1] * scale,
            t[2] * scale,
            t[3],
            t[4] * scale,
            t[5] * scale,
        ]),
        ((request.width as f64 / scale).round() as usize).max(1),
        ((request.height as f64 / scale).round() as usize).max(1),
    );
    // The stored correction is in site-grid pixels: picture pixels go there and back.
    let (col0, row0) = (request.col as f64, request.row as f64);
    let correction = |c: f64, r: f64| match &found.correction {
        None => (c, r),
        Some(model) => {
            use raster::PixelCorrection;
            let (x, y) = model.correct(col0 + c * scale, row0 + r * scale);
            ((x - col0) / scale, (y - row0) / scale)
        }
    };
    let warped =
        raster::WarpedSource::new(&source, picture.clone(), Resampling::Bilinear, &correction)
            .read_window(&picture.full_window())
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    let rgba = stretch_rgba(&warped);
    encode_png(&rgba, picture.width, picture.height).map_err(|e| {
        ApiError::Internal(format!("scene {}: PNG encoding failed: {e}", request.scene))
    })
}
