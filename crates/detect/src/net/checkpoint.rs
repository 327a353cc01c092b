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
    /// The images with footprints that synthetic building removals were made from.
    #[serde(default)]
    pub building_scenes: Vec<String>,
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
    let fail = |path: &Path, message: String| NetError::SaveCheckpoint {
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
    let fail = |path: &Path, message: String| NetError::LoadCheckpoint {
        path: path.to_path_buf(),
        message,
    };
    if !weights.is_file() {
        return Err(fail(
            weights,
            "no such file (give the weights file that `sitewatch train` wrote)".to_string(),
        ));
    }
    let json = std::fs::read_to_string(&sidecar).map_err(|e| {
        fail(
            &sidecar,
            format!(
                "the sidecar that records the network's shape cannot be read ({e}); \
                 `sitewatch train -o WEIGHTS` writes it beside WEIGHTS: keep the two together"
            ),
        )
    })?;
    let info: CheckpointInfo = serde_json::from_str(&json).map_err(|e| {
        fail(
            &sidecar,
            format!("not the sidecar that `sitewatch train` writes beside the weights ({e})"),
        )
    })?;
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
        .map_err(|e| {
            fail(
                weights,
                format!("not weights that `sitewatch train` wrote for the shape its sidecar records ({e})"),
            )
        })?;
    Ok((net.valid(), info))
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::{Distribution, Tensor};

    #[test]
    fn weights_and_sidecar_round_trip_and_a_foreign_version_is_refused() {
        let _rng = crate::net::BURN_RNG
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let device = Device::flex();
        device.seed(21);
        let arch = NetArch::default();
        let net = ChangeNet::new(&arch, &device);
        let mut info = CheckpointInfo {
            arch_version: NetArch::VERSION,
            arch: arch.clone(),
            parameters: net.num_params(),
            flops_per_pixel: arch.flops_per_pixel(),
            sets: vec!["dsifn".into()],
            exclude: vec!["levir".into()],
            pairs: 10,
            building_scenes: vec![],
            seed: 21,
            steps: 0,
            batch: 8,
            learning_rate: 2e-3,
            augment: AugmentConfig::default(),
            final_loss: 1.0,
            train_seconds: 0.0,
        };
        let dir = tempfile::tempdir().unwrap();
        let weights = dir.path().join("net.bpk");
        let a = Tensor::<4>::random([1, 3, 32, 32], Distribution::Normal(0.0, 1.0), &device);
        let b = Tensor::<4>::random([1, 3, 32, 32], Distribution::Normal(0.0, 1.0), &device);
        let expected = net.forward(a.clone(), b.clone());
        save_checkpoint(net, &info, &weights).unwrap();
        let (loaded, loaded_info) = load_checkpoint(&weights, &device).unwrap();
        assert_eq!(loaded_info, info);
        let diff: f32 = (loaded.forward(a, b) - expected).abs().max().into_scalar();
        assert!(diff < 1e-6, "loaded weights differ ({diff})");

        info.arch_version += 1;
        std::fs::write(
            sidecar_path(&weights),
            serde_json::to_string(&info).unwrap(),
        )
        .unwrap();
        let err = load_checkpoint(&weights, &device).unwrap_err();
        assert!(err.to_string().contains("architecture version"), "{err}");

        std::fs::remove_file(sidecar_path(&weights)).unwrap();
        let err = load_checkpoint(&weights, &device).unwrap_err().to_string();
        assert!(err.contains("net.json") && err.contains("sidecar"), "{err}");
        let err = load_checkpoint(&dir.path().join("none.bpk"), &device)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("none.bpk: ") && err.contains("no such file"),
            "{err}"
        );

        info.arch_version -= 1;
        std::fs::write(
            sidecar_path(&weights),
            serde_json::to_string(&info).unwrap(),
        )
        .unwrap();
        std::fs::write(&weights, b"not a burn record").unwrap();
        let err = load_checkpoint(&weights, &device).unwrap_err().to_string();
        assert!(
            err.contains("net.bpk: cannot load the network: not weights"),
            "{err}"
        );
    }
}
