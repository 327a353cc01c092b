//! The learned change network: a small Siamese U-Net that maps a co-registered BEFORE/AFTER
//! pair to a per-pixel change probability.
//!
//! The network ([`model`]) is defined, trained ([`train()`]) and run ([`infer`]) with `burn` on
//! whatever [`Device`] the caller picks: `Device::flex()` (pure-Rust CPU, the default) or, with
//! the crate's `libtorch` feature, `Device::libtorch_cuda(0)` (an NVIDIA GPU through PyTorch's
//! libtorch). Generalisation to unseen sensors and places
//! comes from the data recipe ([`data`] loads labelled PNG pairs, [`augment`] makes seeded
//! training crops with rescaling, photometric jitter and copy-paste of changed regions), not
//! from a large model. [`checkpoint`] saves weights with a JSON sidecar that records how they
//! were made.

pub mod augment;
pub mod checkpoint;
pub mod data;
pub mod detector;
pub mod infer;
pub mod model;
pub mod rng;
pub mod standardise;
pub mod train;

pub use burn::tensor::Device;
pub use checkpoint::{load_checkpoint, save_checkpoint, CheckpointInfo};
pub use data::{load_pairs, BuildingScene, TrainingPair};
pub use detector::{shipped_weights, NetDetector};
pub use infer::NetPredictor;
pub use model::{ChangeNet, NetArch};
pub use standardise::{standardise, Standardisation};
pub use train::{train, TrainConfig, TrainReport};

use std::path::PathBuf;

/// Why the change network could not load data, train, save or run.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// A labelled pair of a set folder is missing, unreadable or of the wrong size.
    #[error("{}: {source}", set.display())]
    Pair {
        set: PathBuf,
        source: crate::eval::EvalError,
    },
    /// A data folder cannot be listed.
    #[error("{}: cannot read the folder: {source}", path.display())]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The data folders hold no pair outside the excluded sets.
    #[error("no labelled pairs found in {dirs:?} (excluding {exclude:?})")]
    NoPairs {
        dirs: Vec<PathBuf>,
        exclude: Vec<String>,
    },
    /// Weights or their sidecar cannot be written.
    #[error("{}: cannot save the network: {message}", path.display())]
    SaveCheckpoint { path: PathBuf, message: String },
    /// Weights or their sidecar cannot be read, or do not fit this build.
    #[error("{}: cannot load the network: {message}", path.display())]
    LoadCheckpoint { path: PathBuf, message: String },
    /// The training recipe cannot be carried out (crop size, batch).
    #[error("the training recipe cannot be used: {0}")]
    Recipe(String),
    /// The inputs do not fit each other or the network (size, band count).
    #[error("the rasters do not match: {0}")]
    Mismatch(String),
    /// Networks given as an ensemble cannot be combined (none, or different band counts).
    #[error("the networks cannot be averaged: {0}")]
    Ensemble(String),
}

/// Serialises the tests that seed or draw from burn's random generator, which is shared by the
/// whole process: a test initialising weights while another seeds would not be reproducible.
#[cfg(test)]
pub(crate) static BURN_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());
