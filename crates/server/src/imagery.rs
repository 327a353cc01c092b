//! `GET /api/scenes/{id}/image.png`: a window of a scene's site grid rendered from the scene's
//! files (found through the catalog by scene id, never by a path from the request), warped with
//! the scene's stored alignment, contrast-stretched and encoded as PNG.
//!
//! A rendering depends on the scene's files and its stored alignment; both go into the
//! scene's [`SceneVersion`], which is part of every cache key and the picture's ETag, so a
//! re-aligned scene (or one whose files changed) is rendered anew.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use catalog::Catalog;
use raster::coreg::CorrectionModel;
use raster::{GeoTransform, Grid, RasterSource, Resampling, SceneSource};
use serde::Deserialize;

use crate::error::ApiError;
use crate::state::AppState;
use crate::stretch::{encode_png, Stretch};

/// The longest side, in pixels, of a rendered image: bounds the work one request can cause.
pub const MAX_IMAGE_SIDE: usize = 2048;

/// The longest side of a rendered image when the request does not say.
const DEFAULT_IMAGE_SIDE: usize = 1024;

/// The longest side of the overview of the whole site grid on which a scene's stretch is
/// measured.
const OVERVIEW_SIDE: usize = 512;

/// The largest `bbox` side, in site-grid pixels: far beyond any site, small enough that
/// coordinates stay exact.
const MAX_BBOX_SIDE: f64 = (1 << 20) as f64;

/// The query of an image request: the part of the site grid, either as `bbox=` (site-grid
/// pixel coordinates `col_min,row_min,col_max,row_max`, which may reach past the grid's edges
/// and be fractional) or as a window `col`, `row`, `width`, `height` inside the grid (default:
/// all of it); and the longest side of the picture (default 1024, at most [`MAX_IMAGE_SIDE`]).
#[derive(Debug, Deserialize)]
pub(crate) struct ImageQuery {
    bbox: Option<String>,
    col: Option<usize>,
    row: Option<usize>,
    width: Option<usize>,
    height: Option<usize>,
    size: Option<usize>,
}

/// A rectangle on the site grid in pixel coordinates: x to the right, y downwards, `(0, 0)`
/// the outer corner of the top-left pixel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PixelBox {
    col_min: f64,
    row_min: f64,
    col_max: f64,
    row_max: f64,
}

impl PixelBox {
    fn width(&self) -> f64 {
        self.col_max - self.col_min
    }

    fn height(&self) -> f64 {
        self.row_max - self.row_min
    }

    /// The exact bits of the corners (with -0 as 0), for hashing.
    fn bits(&self) -> [u64; 4] {
        [self.col_min, self.row_min, self.col_max, self.row_max].map(|v| (v + 0.0).to_bits())
    }
}

/// What a rendering of a scene depends on, besides the request: a hash of the scene's file
/// hashes, its stored alignment and this server's version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct SceneVersion(u64);

/// One rendering: a scene at a version, a box of its site's grid, and the longest side of the
/// picture. It is also the image cache's key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ImageRequest {
    scene: i64,
    version: SceneVersion,
    bbox: PixelBox,
    size: usize,
}

impl PartialEq for ImageRequest {
    fn eq(&self, other: &Self) -> bool {
        (self.scene, self.version, self.bbox.bits(), self.size)
            == (other.scene, other.version, other.bbox.bits(), other.size)
    }
}

impl Eq for ImageRequest {}

impl Hash for ImageRequest {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.scene, self.version, self.bbox.bits(), self.size).hash(state);
    }
}

/// What rendering needs from the catalog, read under its lock and used after it is released.
struct SceneToRender {
    id: i64,
    version: SceneVersion,
    files: Vec<PathBuf>,
    site_grid: Grid,
    correction: Option<CorrectionModel>,
}

/// The handler: answers 304 when the browser's copy is current, else from the cache, or
/// renders and keeps the result.
pub(crate) async fn image(
    State(state): State<AppState>,
    Path(scene): Path<i64>,
    Query(query): Query<ImageQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let size = query.size.unwrap_or(DEFAULT_IMAGE_SIDE);
    if size == 0 || size > MAX_IMAGE_SIDE {
        return Err(ApiError::BadRequest(format!(
            "size must be 1 to {MAX_IMAGE_SIDE} pixels"
        )));
    }
    let found = Arc::new(
        state
            .with_catalog(move |catalog| scene_to_render(catalog, scene))
            .await?,
    );
    let bbox = requested_box(&query, &found.site_grid)?;
    let etag = format!("\"{:016x}\"", found.version.0);
    let headers_out = [
        (header::CONTENT_TYPE, "image/png".to_string()),
        // The browser asks again each time, and is answered 304 while the scene is unchanged.
        (header::CACHE_CONTROL, "private, no-cache".to_string()),
        (header::ETAG, etag.clone()),
    ];
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|tag| tag.as_bytes() == etag.as_bytes())
    {
        return Ok((StatusCode::NOT_MODIFIED, headers_out).into_response());
    }
    let request = ImageRequest {
        scene,
        version: found.version,
        bbox,
        size,
    };
    if let Some(png) = state.images.get(&request) {
        return Ok((headers_out, png).into_response());
    }
    let measured = state
        .stretches
        .get_or_put((scene, found.version), Default::default);
    let overview = found.clone();
    let stretch = measured
        .get_or_try_init(|| blocking(move || measure_stretch(&overview)))
        .await?
        .clone();
    let png = axum::body::Bytes::from(blocking(move || render(&found, &request, &stretch)).await?);
    state.images.put(request, png.clone());
    Ok((headers_out, png).into_response())
}

/// Runs CPU-bound work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::Internal(format!("a rendering task failed: {e}")))?
}

/// The files, site grid, stored correction and version of scene `id`.
fn scene_to_render(catalog: &mut Catalog, id: i64) -> Result<SceneToRender, ApiError> {
    let scene = catalog.scene(id)?;
    let site = catalog.site(&scene.site)?;
    let alignment = catalog.alignment(id)?;
    let correction = match &alignment {
        Some(a) => a.correction().map_err(|e| {
            ApiError::Internal(format!(
                "scene {id}: the stored alignment model cannot be read: {e}"
            ))
        })?,
        None => None,
    };
    let mut hasher = DefaultHasher::new();
    env!("CARGO_PKG_VERSION").hash(&mut hasher);
    for file in &scene.files {
        (&file.role, &file.sha256).hash(&mut hasher);
    }
    if let Some(a) = &alignment {
        (a.created, a.outcome.model.to_string()).hash(&mut hasher);
    }
    (
        site.grid.transform.0.map(f64::to_bits),
        site.grid.width,
        site.grid.height,
    )
        .hash(&mut hasher);
    Ok(SceneToRender {
        id,
        version: SceneVersion(hasher.finish()),
        files: scene.files.iter().map(|f| f.path.clone()).collect(),
        site_grid: site.grid,
        correction,
    })
}

/// The box the query asks for, checked against the site grid: a `bbox` must overlap the grid,
/// a window must lie inside it.
fn requested_box(query: &ImageQuery, grid: &Grid) -> Result<PixelBox, ApiError> {
    let (grid_w, grid_h) = (grid.width as f64, grid.height as f64);
    if let Some(text) = &query.bbox {
        if query.col.is_some() || query.row.is_some() || query.width.is_some() {
            return Err(ApiError::BadRequest(
                "give either bbox or col/row/width/height, not both".into(),
            ));
        }
        let numbers: Vec<f64> = text
            .split(',')
            .map(|n| n.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad_bbox(text))?;
        let [col_min, row_min, col_max, row_max] = numbers[..] else {
            return Err(bad_bbox(text));
        };
        let bbox = PixelBox {
            col_min,
            row_min,
            col_max,
            row_max,
        };
        let sides_ok = |side: f64| side > 0.0 && side <= MAX_BBOX_SIDE;
        if !numbers.iter().all(|n| n.is_finite())
            || !sides_ok(bbox.width())
            || !sides_ok(bbox.height())
        {
            return Err(bad_bbox(text));
        }
        if col_max <= 0.0 || row_max <= 0.0 || col_min >= grid_w || row_min >= grid_h {
            return Err(ApiError::BadRequest(format!(
                "the bbox {text} does not overlap the site grid (0,0,{},{})",
                grid.width, grid.height
            )));
        }
        return Ok(bbox);
    }
    let col = query.col.unwrap_or(0);
    let row = query.row.unwrap_or(0);
    let width = query.width.unwrap_or(grid.width.saturating_sub(col));
    let height = query.height.unwrap_or(grid.height.saturating_sub(row));
    if width == 0 || height == 0 || col + width > grid.width || row + height > grid.height {
        return Err(ApiError::BadRequest(format!(
            "the window col {col}, row {row}, {width} x {height} is not inside the site grid \
             ({} x {} pixels)",
            grid.width, grid.height
        )));
    }
    Ok(PixelBox {
        col_min: col as f64,
        row_min: row as f64,
        col_max: (col + width) as f64,
        row_max: (row + height) as f64,
    })
}

fn bad_bbox(text: &str) -> ApiError {
    ApiError::BadRequest(format!(
        "bbox must be four numbers col_min,row_min,col_max,row_max in site-grid pixels, \
         with min < max: {text}"
    ))
}

/// The stretch of a scene, measured on an overview of the whole site grid.
fn measure_stretch(found: &SceneToRender) -> Result<Stretch, ApiError> {
    let grid = &found.site_grid;
    let whole = PixelBox {
        col_min: 0.0,
        row_min: 0.0,
        col_max: grid.width as f64,
        row_max: grid.height as f64,
    };
    let (overview, _) = warp_box(found, &whole, OVERVIEW_SIDE)?;
    Ok(Stretch::measure(&overview))
}

/// Warps the scene onto `bbox` of the site grid at `size` pixels on the long side; returns
/// the raster and the site-grid pixels per picture pixel.
fn warp_box(
    found: &SceneToRender,
    bbox: &PixelBox,
    size: usize,
) -> Result<(raster::Raster, f64), ApiError> {
    let source = SceneSource::open(&found.files)
        .map_err(|e| ApiError::Internal(format!("scene {}: {e}", found.id)))?;
    let scale = bbox.width().max(bbox.height()) / size as f64;
    let t = found.site_grid.transform.0;
    let (x0, y0) = found.site_grid.transform.apply(bbox.col_min, bbox.row_min);
    let picture = Grid::new(
        found.site_grid.crs.clone(),
        GeoTransform([
            x0,
            t[1] * scale,
            t[2] * scale,
            y0,
            t[4] * scale,
            t[5] * scale,
        ]),
        ((bbox.width() / scale).round() as usize).max(1),
        ((bbox.height() / scale).round() as usize).max(1),
    );
    // The stored correction is in site-grid pixels: picture pixels go there and back.
    let (col0, row0) = (bbox.col_min, bbox.row_min);
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
    Ok((warped, scale))
}

/// Renders the requested box with the scene's stretch; picture pixels whose centre falls off
/// the site grid are transparent, so a map shows exactly the site grid.
fn render(
    found: &SceneToRender,
    request: &ImageRequest,
    stretch: &Stretch,
) -> Result<Vec<u8>, ApiError> {
    let (warped, scale) = warp_box(found, &request.bbox, request.size)?;
    let (grid_w, grid_h) = (found.site_grid.width as f64, found.site_grid.height as f64);
    let bbox = request.bbox;
    let rgba = stretch.rgba(&warped, |c, r| {
        let col = bbox.col_min + (c as f64 + 0.5) * scale;
        let row = bbox.row_min + (r as f64 + 0.5) * scale;
        !(0.0..grid_w).contains(&col) || !(0.0..grid_h).contains(&row)
    });
    encode_png(&rgba, warped.grid.width, warped.grid.height).map_err(|e| {
        ApiError::Internal(format!("scene {}: PNG encoding failed: {e}", request.scene))
    })
}
