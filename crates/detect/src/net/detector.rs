//! The network as a [`ChangeDetector`], so that thresholds, objects and evaluation treat it as
//! they treat iMAD.

use std::path::{Path, PathBuf};

use raster::Raster;

use super::{load_checkpoint, CheckpointInfo, Device, NetError, NetPredictor};
use crate::change_map::{ChangeDetector, ChangeMap, DetectError};

/// The weights shipped with sitewatch (see `weights/MODEL_CARD.md` beside this crate).
pub fn shipped_weights() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("weights/changenet-v1.bpk")
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

impl ChangeDetector for NetDetector {
    fn probability(&self, before: &Raster, after: &Raster) -> Result<ChangeMap, DetectError> {
        let probability = self
            .predictor
            .predict(before, after)
            .map_err(|e| DetectError::Network(e.to_string()))?;
        let name = self
            .weights
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(ChangeMap {
            grid: before.grid.clone(),
            probability,
            method: "net".to_string(),
            version: format!(
                "{name} (architecture v{}, {} steps, seed {})",
                self.info.arch_version, self.info.steps, self.info.seed
            ),
        })
    }

    /// The network is trained with a balanced loss, so 0.5 is its own decision boundary.
    fn default_threshold(&self, _map: &ChangeMap) -> f32 {
        0.5
    }
}
