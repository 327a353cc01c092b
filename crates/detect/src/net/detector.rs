//! The network as a [`ChangeDetector`], so that thresholds, objects and evaluation treat it as
//! they treat iMAD.

use std::path::{Path, PathBuf};

use raster::{Raster, RasterSource};

use super::{load_checkpoint, CheckpointInfo, Device, NetError, NetPredictor, Standardisation};
use crate::change_map::{check_pair, ChangeDetector, DetectError, FittedDetector};
use crate::threshold::EvidenceHistogram;

/// The weights shipped with sitewatch (see `weights/MODEL_CARD.md` beside this crate).
pub fn shipped_weights() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("weights/changenet-v4.bpk")
}

/// The learned change network with its weights, on the CPU.
pub struct NetDetector {
    predictor: NetPredictor,
    info: CheckpointInfo,
    weights: PathBuf,
}

impl NetDetector {
    /// The network saved at `weights` (with its `.json` sidecar beside it).
    pub fn load(weights: &Path) -> Result<NetDetector, NetError> {
        let device = Device::flex();
        let (net, info) = load_checkpoint(weights, &device)?;
        Ok(NetDetector {
            predictor: NetPredictor::new(net, info.arch.clone(), device),
            info,
            weights: weights.to_path_buf(),
        })
    }

    /// How the weights were made.
    pub fn info(&self) -> &CheckpointInfo {
        &self.info
    }
}

/// The network fitted to one pair: each image's standardisation, gathered from all of it.
struct FittedNet<'a> {
    predictor: &'a NetPredictor,
    before: Standardisation,
    after: Standardisation,
}

impl FittedDetector for FittedNet<'_> {
    fn context(&self) -> usize {
        self.predictor.context()
    }

    fn alignment(&self) -> usize {
        self.predictor.size_multiple()
    }

    fn window_probability(&self, before: &Raster, after: &Raster) -> Result<Vec<f32>, DetectError> {
        check_pair(before, after)?;
        let (width, height) = (before.grid.width, before.grid.height);
        let mut probability = self.predictor.predict_standardised(
            &self.before.apply(before),
            &self.after.apply(after),
            width,
            height,
        );
        // Where either date has no data the network saw zeros: no evidence either way.
        let n = width * height;
        for raster in [before, after] {
            for (i, p) in probability.iter_mut().enumerate() {
                if (0..raster.band_count).any(|b| {
                    let v = raster.data[b * n + i];
                    !v.is_finite() || raster.is_nodata(v)
                }) {
                    *p = f32::NAN;
                }
            }
        }
        Ok(probability)
    }
}

impl ChangeDetector for NetDetector {
    fn method(&self) -> String {
        "net".to_string()
    }

    fn version(&self) -> String {
        let name = self
            .weights
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!(
            "{name} (architecture v{}, {} steps, seed {})",
            self.info.arch_version, self.info.steps, self.info.seed
        )
    }

    fn bands(&self) -> Option<usize> {
        Some(self.predictor.bands())
    }

    /// Gathers each image's band statistics (a pass over each, a strip at a time).
    fn fit<'a>(
        &'a self,
        before: &dyn RasterSource,
        after: &dyn RasterSource,
    ) -> Result<Box<dyn FittedDetector + 'a>, DetectError> {
        check_pair(before, after)?;
        if before.band_count() != self.predictor.bands() {
            return Err(DetectError::Network(format!(
                "the images have {} bands but the network takes {} (pick them with --bands)",
                before.band_count(),
                self.predictor.bands()
            )));
        }
        Ok(Box::new(FittedNet {
            predictor: &self.predictor,
            before: Standardisation::of_source(before)?,
            after: Standardisation::of_source(after)?,
        }))
    }

    /// The network is trained with a balanced loss, so 0.5 is its own decision boundary.
    fn threshold(&self, _histogram: &EvidenceHistogram) -> f32 {
        0.5
    }
}
