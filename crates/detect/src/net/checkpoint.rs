//! Trained weights on disk: a burnpack file (burn's record format, f32) with a JSON sidecar
//! beside it (same name, `.json`) that says what architecture the weights fit and how they
//! were made, so that a change map can name the model that produced it.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::augment::AugmentConfig;
use super::model::{ChangeNet, NetArch};
use super::NetError;

/// What a checkpoint holds and how it was trained (the JSON sidecar).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointInfo {
    /// [`NetArch::VERSION`] of the layer layout the weights were saved from.
    pub arch_version: u32,
    /// The network shape.
    pub arch: NetArch,
    /// Number of scalar parameters (weights and BatchNorm statistics).
    pub parameters: usize,
    /// [`NetArch::flops_per_pixel`] of the architecture.
    pub flops_per_pixel: f64,
    /// The sets trained on, and those left out for evaluation.
    pub sets: Vec<String>,
    pub exclude: Vec<String>,
    /// How many labelled pairs the sets held.
    pub pairs: usize,
    /// The training recipe ([`crate::net::TrainConfig`]).
    pub seed: u64,
    pub steps: usize,
    pub batch: usize,
    pub learning_rate: f64,
    pub augment: AugmentConfig,
    /// Mean loss over the last 10 % of the steps.
    pub final_loss: f32,
    /// Wall time of the whole training, data loading included.
    pub train_seconds: f64,
}

/// The sidecar path of the weights at `weights`.
pub fn sidecar_path(weights: &Path) -> PathBuf {
    weights.with_extension("json")
}

/// Saves `net`'s weights to `weights` and `info` to its sidecar.
pub fn save_checkpoint(
    net: ChangeNet,
    info: &CheckpointInfo,
    weights: &Path,
) -> Result<(), NetError> {
    let fail = |path: &Path, message: String| NetError::Checkpoint {
        path: path.to_path_buf(),
        message,
    };
    net.save_file(weights)
        .map_err(|e| fail(weights, e.to_string()))?;
    let sidecar = sidecar_path(weights);
    let json = serde_json::to_string_pretty(info).map_err(|e| fail(&sidecar, e.to_string()))?;
    std::fs::write(&sidecar, json).map_err(|e| fail(&sidecar, e.to_string()))
}

/// Loads the network saved at `weights` (and its sidecar) onto `device`, ready for inference.
pub fn load_checkpoint(
    weights: &Path,
    device: &Device,
) -> Result<(ChangeNet, CheckpointInfo), NetError> {
    let sidecar = sidecar_path(weights);
    let fail = |path: &Path, message: String| NetError::Checkpoint {
        path: path.to_path_buf(),
        message,
    };
    let json = std::fs::read_to_string(&sidecar).map_err(|e| fail(&sidecar, e.to_string()))?;
    let info: CheckpointInfo = serde_json::from_str(&json)
        .map_err(|e| fail(&sidecar, format!("not a checkpoint sidecar: {e}")))?;
    if info.arch_version != NetArch::VERSION {
        return Err(fail(
            &sidecar,
            format!(
                "architecture version {} but this build has version {}",
                info.arch_version,
                NetArch::VERSION
            ),
        ));
    }
    let net = ChangeNet::new(&info.arch, device)
        .try_load_file(weights)
        .map_err(|e| fail(weights, e.to_string()))?;
    Ok((net.valid(), info))
}
