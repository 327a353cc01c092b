//! The Onera Satellite Change Detection layout as a [`PairSource`]: one folder per city with
//! `t1/` and `t2/` Sentinel-2 band files (`B02 B03 B04 B08`, GeoTIFF) and `change.tif`
//! (1 no change, 2 change) on `t1`'s grid without georeferencing of its own.
//!
//! The `t2` bands are warped (bilinear) onto `t1`'s grid when their grids differ, as they do
//! in some cities (same extent, slightly different pixel size); pixels `t2` does not cover
//! become nodata and are left out by the detector.

use std::path::{Path, PathBuf};

use raster::{
    warp, GeoTiff, Raster, RasterSource, Resampling, ScenePart, SceneSource, WarpOptions,
};

use crate::eval::{EvalError, LabelledPair, PairSource};

/// The bands read from each date, in this order (blue, green, red, near infrared; 10 m).
pub const OSCD_BANDS: [&str; 4] = ["B02", "B03", "B04", "B08"];

/// A folder of OSCD cities.
#[derive(Debug, Clone)]
pub struct OscdFolder {
    /// The folder holding the city folders.
    pub root: PathBuf,
    /// The city folder names (sorted); trim it to evaluate a subset.
    pub names: Vec<String>,
}

impl OscdFolder {
    /// Opens an OSCD folder: every sub-folder with a `change.tif` is a city.
    pub fn open(root: &Path) -> Result<OscdFolder, EvalError> {
        let not_oscd = |reason: String| EvalError::NotAPairFolder {
            path: root.to_path_buf(),
            reason,
        };
        let entries = std::fs::read_dir(root).map_err(|e| not_oscd(format!("cannot list: {e}")))?;
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("change.tif").is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        if names.is_empty() {
            return Err(not_oscd("no city folder with a change.tif".to_string()));
        }
        Ok(OscdFolder {
            root: root.to_path_buf(),
            names,
        })
    }
}

/// The four bands of one date stacked into one raster.
fn read_date(dir: &Path) -> Result<Raster, String> {
    let parts = OSCD_BANDS
        .iter()
        .map(|band| {
            let path = dir.join(format!("{band}.tif"));
            let tiff = GeoTiff::open(&path).map_err(|e| e.to_string())?;
            Ok(ScenePart::new(path.display().to_string(), tiff))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let scene = SceneSource::assemble(parts).map_err(|e| e.to_string())?;
    scene
        .read_window(&scene.grid().full_window())
        .map_err(|e| e.to_string())
}

impl PairSource for OscdFolder {
    fn names(&self) -> Vec<String> {
        self.names.clone()
    }

    /// B04, B03 and B02.
    fn true_colour(&self) -> Option<Vec<usize>> {
        ["B04", "B03", "B02"]
            .iter()
            .map(|name| OSCD_BANDS.iter().position(|b| b == name).map(|i| i + 1))
            .collect()
    }

    fn load(&self, name: &str) -> Result<LabelledPair, EvalError> {
        let city = self.root.join(name);
        let fail = |reason: String| EvalError::Load {
            name: name.to_string(),
            reason,
        };
        let before = read_date(&city.join("t1")).map_err(fail)?;
        let mut after = read_date(&city.join("t2")).map_err(fail)?;
        if after.grid != before.grid {
            let options = WarpOptions {
                dst_nodata: Some(f64::NAN),
                ..WarpOptions::default()
            };
            after = warp(&after, &before.grid, Resampling::Bilinear, &options)
                .map_err(|e| fail(format!("warping t2 onto t1: {e}")))?
                .raster;
        }
        let label_path = city.join("change.tif");
        let label = GeoTiff::open_on_grid(&label_path, before.grid.clone())
            .and_then(|t| t.read_window(&before.grid.full_window()))
            .map_err(|e| fail(e.to_string()))?;
        Ok(LabelledPair {
            name: name.to_string(),
            label: label.band(0).iter().map(|&v| v == 2.0).collect(),
            before,
            after,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_city_whose_t2_needs_warping_loads_onto_t1() {
        let folder = OscdFolder::open(&testkit::shared_data().join("oscd")).unwrap();
        assert_eq!(folder.names.len(), 10);
        let pair = folder.load("abudhabi").unwrap();
        assert_eq!(pair.before.band_count, 4);
        assert_eq!(pair.after.grid, pair.before.grid);
        let n = pair.before.grid.width * pair.before.grid.height;
        assert_eq!(pair.label.len(), n);
        let changed = pair.label.iter().filter(|&&c| c).count();
        assert!(
            changed > 0 && changed < n / 2,
            "{changed} of {n} labelled change"
        );
        // Most of t2 covers t1 after the warp.
        let covered = pair.after.band(0).iter().filter(|v| v.is_finite()).count();
        assert!(covered * 100 >= n * 95, "{covered} of {n} covered");
    }

    #[test]
    fn the_network_evaluates_a_city_on_its_red_green_blue_bands() {
        use crate::bands::SelectedPairBands;
        use crate::eval::evaluate;
        use crate::net::{shipped_weights, NetDetector};
        use crate::objects::CleanupRules;

        let mut folder = OscdFolder::open(&testkit::shared_data().join("oscd")).unwrap();
        folder.names.retain(|n| n == "bercy");
        assert_eq!(folder.true_colour(), Some(vec![3, 2, 1]));
        let rgb = SelectedPairBands::new(Box::new(folder.clone()), &[3, 2, 1]);
        let net = NetDetector::load(&shipped_weights()).unwrap();
        let report = evaluate(&net, &rgb, &CleanupRules::default()).unwrap();
        assert_eq!((report.pairs, report.method.as_str()), (1, "net"));
        let c = report.confusion;
        let total = c.true_positive + c.false_positive + c.false_negative + c.true_negative;
        assert_eq!(total, 360 * 395);
        assert!(
            c.true_positive + c.false_negative > 0,
            "bercy has labelled change"
        );
        // All four bands are not what the network takes.
        let err = evaluate(&net, &folder, &CleanupRules::default()).unwrap_err();
        assert!(err.to_string().contains("4 bands"), "{err}");
    }
}
