//! Opening the files of a scene as one raster source: one file, bands in separate files, or
//! tiles of one acquisition.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use raster::{SceneLayout, SceneSource};

/// The role of each file in a scene: `image` for a single file, else `band N` or `tile N`.
pub fn file_roles(scene: &SceneSource) -> Vec<String> {
    let names = scene.file_names();
    if names.len() == 1 {
        return vec!["image".to_string()];
    }
    let what = match scene.layout() {
        SceneLayout::Bands => "band",
        SceneLayout::Tiles => "tile",
    };
    (1..=names.len()).map(|i| format!("{what} {i}")).collect()
}

/// `path` made absolute, so that the catalog finds it from any working folder.
pub fn absolute(path: &Path) -> Result<PathBuf> {
    path.canonicalize()
        .with_context(|| format!("{}: cannot find the file", path.display()))
}

/// The files of a catalogued scene, opened as one source.
pub fn open_catalog_scene(scene: &catalog::Scene) -> Result<SceneSource> {
    let paths: Vec<PathBuf> = scene.files.iter().map(|f| f.path.clone()).collect();
    SceneSource::open(&paths).with_context(|| format!("scene {} cannot be read", scene.id))
}

/// The correction stored for a scene, if it was aligned (a refused or missing alignment
/// leaves the scene as its georeferencing places it).
pub fn stored_correction(
    catalog: &catalog::Catalog,
    scene_id: i64,
) -> Result<Option<raster::coreg::CorrectionModel>> {
    match catalog.alignment(scene_id)? {
        Some(a) => a.correction().with_context(|| {
            format!("scene {scene_id}: the stored alignment model cannot be read")
        }),
        None => Ok(None),
    }
}

/// A catalogued scene's pixels on its site's grid (bilinear), corrected by `correction` in the
/// same resampling.
pub fn scene_on_site_grid(
    scene: &catalog::Scene,
    site: &catalog::Site,
    correction: &dyn raster::PixelCorrection,
) -> Result<raster::Raster> {
    scene_window_on_site_grid(scene, site, correction, &site.grid.full_window())
}

/// A window of the site's grid from a catalogued scene, read and resampled for that window
/// only (a figure's crop does not read the whole scene). Pixels the scene does not cover, or
/// where it has no data, are NaN (declared nodata), so that change detection, alignment and
/// the figures leave them out: a site's ring often reaches beyond a scene's edge, and zeros
/// there would read as a dark scene and every building as new or gone.
pub fn scene_window_on_site_grid(
    scene: &catalog::Scene,
    site: &catalog::Site,
    correction: &dyn raster::PixelCorrection,
    window: &raster::Window,
) -> Result<raster::Raster> {
    use raster::RasterSource;
    let source = open_catalog_scene(scene)?;
    let lazy = raster::WarpedSource::new(
        &source,
        site.grid.clone(),
        raster::Resampling::Bilinear,
        correction,
    )
    .with_nodata(f64::NAN);
    Ok(lazy.read_window(window)?)
}
