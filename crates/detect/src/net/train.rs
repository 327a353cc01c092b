//! Training the change network: Adam on BCE + soft-dice loss over batches of augmented crops
//! (plus, with a building decoder, BCE of where buildings stand, wherever that is known),
//! reproducible from a seed (the same seed, data and step count give the same weights on the
//! same device). Augmentation draws from its own seeded streams; the initial weights come
//! from burn's generator, which is process-wide, so nothing else in the process may seed or
//! draw from it while a training starts.

use std::path::PathBuf;
use std::time::Instant;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::{Device, Tensor, TensorData};
use rayon::prelude::*;

use super::augment::{AugmentConfig, Augmenter, TrainingCrop};
use super::checkpoint::{save_checkpoint, CheckpointInfo};
use super::data::{load_pairs, BuildingScene};
use super::model::{ChangeNet, NetArch};
use super::rng::SplitMix64;
use super::NetError;

/// What to train on and how.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// Set folders, or folders of set folders (see [`load_pairs`]).
    pub data: Vec<PathBuf>,
    /// Set names to leave out (leave-one-set-out evaluation).
    pub exclude: Vec<String>,
    /// Images with footprints for synthetic building removals (none: labelled pairs only).
    pub buildings: Vec<BuildingScene>,
    /// Seeds the weights and every augmentation choice.
    pub seed: u64,
    /// Optimiser steps.
    pub steps: usize,
    /// Crops per step.
    pub batch: usize,
    /// Peak Adam learning rate (linear warm-up over the first 5 % of steps, then cosine decay
    /// to 5 % of the peak).
    pub learning_rate: f64,
    /// The network shape.
    pub arch: NetArch,
    /// How training crops are made.
    pub augment: AugmentConfig,
    /// Where to save the weights (and the `.json` sidecar beside them), if anywhere.
    pub output: Option<PathBuf>,
    /// The device to train on; autodiff is switched on for it.
    pub device: Device,
}

impl TrainConfig {
    /// The shipped recipe on `data`, leaving out `exclude`, on the pure-Rust CPU backend.
    pub fn new(data: Vec<PathBuf>, exclude: Vec<String>) -> Self {
        TrainConfig {
            data,
            exclude,
            buildings: Vec::new(),
            seed: 1,
            steps: 6000,
            batch: 8,
            learning_rate: 2e-3,
            arch: NetArch::default(),
            augment: AugmentConfig::default(),
            output: None,
            device: Device::flex(),
        }
    }

    /// The learning rate at `step`.
    pub fn learning_rate_at(&self, step: usize) -> f64 {
        let warmup = (self.steps / 20).max(1);
        if step < warmup {
            return self.learning_rate * (step + 1) as f64 / warmup as f64;
        }
        let progress = (step - warmup) as f64 / (self.steps - warmup).max(1) as f64;
        let floor = 0.05 * self.learning_rate;
        floor + (self.learning_rate - floor) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
    }
}

/// Where training stands after a step (for progress display).
#[derive(Debug, Clone, Copy)]
pub struct StepProgress {
    /// The step just done (from 0) and how many there are.
    pub step: usize,
    pub steps: usize,
    /// Its batch loss and learning rate.
    pub loss: f32,
    pub learning_rate: f64,
    /// Wall time of this step.
    pub seconds: f64,
}

/// The outcome of [`train`]: the trained network (in inference mode) and its record.
#[derive(Debug)]
pub struct TrainReport {
    /// The trained network, in inference mode.
    pub net: ChangeNet,
    /// What the checkpoint sidecar records.
    pub info: CheckpointInfo,
    /// The loss of every step.
    pub losses: Vec<f32>,
}

impl TrainReport {
    /// Mean wall time per step.
    pub fn seconds_per_step(&self) -> f64 {
        self.info.train_seconds / self.info.steps.max(1) as f64
    }
}

/// Binary cross-entropy (from logits, numerically stable) plus soft Dice over the batch: BCE
/// gives every pixel a gradient, Dice keeps the rare changed pixels from being drowned by
/// the unchanged majority.
pub fn change_loss(logits: Tensor<4>, target: Tensor<4>) -> Tensor<1> {
    let bce = cross_entropy(logits.clone(), target.clone()).mean();
    bce + soft_dice(sigmoid(logits), target)
}

/// One minus the soft Dice overlap of `probability` and 0/1 `target` (smoothed by 1, so an
/// empty target and an empty prediction agree perfectly).
fn soft_dice(probability: Tensor<4>, target: Tensor<4>) -> Tensor<1> {
    let overlap = (probability.clone() * target.clone()).sum();
    (overlap.mul_scalar(2.0).add_scalar(1.0) / (probability.sum() + target.sum()).add_scalar(1.0))
        .neg()
        .add_scalar(1.0)
}

/// Per-pixel binary cross-entropy of `logits` against 0/1 `target`, in the form that neither
/// overflows nor loses precision for large logits.
fn cross_entropy(logits: Tensor<4>, target: Tensor<4>) -> Tensor<4> {
    relu(logits.clone()) - logits.clone() * target + logits.abs().neg().exp().log1p()
}

/// The change loss of building logits over the pixels where the target knows whether a
/// building stands (it is [`UNKNOWN_BUILDING`](super::augment::UNKNOWN_BUILDING) elsewhere):
/// cross-entropy averaged over them plus soft Dice; 0 if it knows nowhere. Dice matters more
/// here than for change: footprints miss buildings, and with cross-entropy alone the head
/// learns to doubt every building (probabilities of 0.2-0.6 on LEVIR's new houses).
pub fn building_loss(logits: Tensor<4>, target: Tensor<4>) -> Tensor<1> {
    let known = target.clone().greater_equal_elem(0.0).float();
    let target = target.clamp_min(0.0);
    let entropy = cross_entropy(logits.clone(), target.clone()) * known.clone();
    let bce = entropy.sum() / known.clone().sum().clamp_min(1.0);
    bce + soft_dice(sigmoid(logits) * known.clone(), target * known)
}

/// The planes `pick` takes from each crop (`channels` of `size * size`), as one batch.
fn stack(
    crops: &[TrainingCrop],
    pick: fn(&TrainingCrop) -> &[f32],
    channels: usize,
    size: usize,
    device: &Device,
) -> Tensor<4> {
    let data: Vec<f32> = crops.iter().flat_map(|c| pick(c).iter().copied()).collect();
    Tensor::<4>::from_data(
        TensorData::new(data, [crops.len(), channels, size, size]),
        device,
    )
}

/// Trains a change network as `config` says, calling `on_step` after every step, and saves it
/// when `config.output` is set.
pub fn train(
    config: &TrainConfig,
    mut on_step: impl FnMut(&StepProgress),
) -> Result<TrainReport, NetError> {
    let start = Instant::now();
    let arch = &config.arch;
    arch.check().map_err(NetError::Recipe)?;
    let (smallest, largest) = config.augment.scale_range;
    if !(smallest > 0.0 && smallest <= largest && largest.is_finite()) {
        return Err(NetError::Recipe(format!(
            "rescaling from {smallest} to {largest}: give two positive factors, the smaller first"
        )));
    }
    let multiple = arch.size_multiple();
    if config.augment.crop == 0 || config.augment.crop % multiple != 0 || config.batch == 0 {
        return Err(NetError::Recipe(format!(
            "crops of {} px in batches of {}: the crop must be a positive multiple of {multiple} \
             and the batch at least 1",
            config.augment.crop, config.batch
        )));
    }
    if arch.building_head && config.buildings.is_empty() {
        return Err(NetError::Recipe(
            "a building head learns from images with footprints: give some (`--buildings` and \
             `--footprints`), or train without the head"
                .to_string(),
        ));
    }
    let pairs = load_pairs(&config.data, &config.exclude)?;
    let bands = config.arch.bands;
    if let Some(p) = pairs.iter().find(|p| p.pair.before.band_count != bands) {
        return Err(NetError::Mismatch(format!(
            "{}/{} has {} bands, the network takes {bands}",
            p.set, p.pair.name, p.pair.before.band_count
        )));
    }
    if let Some(scene) = config
        .buildings
        .iter()
        .find(|s| s.image.band_count != bands)
    {
        return Err(NetError::Mismatch(format!(
            "{} has {} bands, the network takes {bands}",
            scene.name, scene.image.band_count
        )));
    }
    let mut sets: Vec<String> = pairs.iter().map(|p| p.set.clone()).collect();
    sets.dedup();
    let augmenter = Augmenter::new(&pairs, &config.buildings, config.augment.clone());
    let device = config.device.clone().autodiff();
    device.seed(config.seed);
    let mut net = ChangeNet::new(&config.arch, &device);
    let mut optimizer = AdamConfig::new().init();
    let mut losses = Vec::with_capacity(config.steps);
    let size = config.augment.crop;
    for step in 0..config.steps {
        let step_start = Instant::now();
        let crops: Vec<TrainingCrop> = (0..config.batch)
            .into_par_iter()
            .map(|i| {
                let mut rng = SplitMix64::stream(config.seed, (step * config.batch + i) as u64);
                augmenter.crop(&mut rng)
            })
            .collect();
        let batch = |pick, channels| stack(&crops, pick, channels, size, &device);
        let output = net.outputs(batch(|c| &c.before, bands), batch(|c| &c.after, bands));
        let mut loss = change_loss(output.change, batch(|c| &c.label, 1));
        if let Some([before_logits, after_logits]) = output.buildings {
            let targets = vec![batch(|c| &c.buildings[0], 1), batch(|c| &c.buildings[1], 1)];
            loss = loss
                + building_loss(
                    Tensor::cat(vec![before_logits, after_logits], 0),
                    Tensor::cat(targets, 0),
                );
        }
        let loss_value: f32 = loss.clone().into_scalar();
        let gradients = GradientsParams::from_grads(loss.backward(), &net);
        let learning_rate = config.learning_rate_at(step);
        net = optimizer.step(learning_rate, net, gradients);
        losses.push(loss_value);
        on_step(&StepProgress {
            step,
            steps: config.steps,
            loss: loss_value,
            learning_rate,
            seconds: step_start.elapsed().as_secs_f64(),
        });
    }
    let tail = losses.len().div_ceil(10).max(1);
    let final_loss =
        losses.iter().rev().take(tail).sum::<f32>() / tail.min(losses.len()).max(1) as f32;
    let net = net.valid();
    let info = CheckpointInfo {
        arch_version: NetArch::VERSION,
        arch: config.arch.clone(),
        parameters: net.num_params(),
        flops_per_pixel: config.arch.flops_per_pixel(),
        sets,
        exclude: config.exclude.clone(),
        pairs: pairs.len(),
        building_scenes: config.buildings.iter().map(|s| s.name.clone()).collect(),
        seed: config.seed,
        steps: config.steps,
        batch: config.batch,
        learning_rate: config.learning_rate,
        augment: config.augment.clone(),
        final_loss,
        train_seconds: start.elapsed().as_secs_f64(),
    };
    if let Some(output) = &config.output {
        save_checkpoint(net.clone(), &info, output)?;
    }
    Ok(TrainReport { net, info, losses })
}

#[cfg(test)]
mod tests {
    use super::super::augment::UNKNOWN_BUILDING;
    use super::*;
    use burn::tensor::Distribution;

    fn tiny_config() -> TrainConfig {
        let mut config = TrainConfig::new(
            vec![testkit::shared_data().join("changepairs/dsifn")],
            vec![],
        );
        config.steps = 3;
        config.batch = 2;
        config.augment.crop = 32;
        config.seed = 9;
        config
    }

    #[test]
    fn a_few_steps_give_finite_losses_change_the_weights_and_repeat_exactly() {
        let _rng = crate::net::BURN_RNG
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let config = tiny_config();
        let report = train(&config, |_| {}).unwrap();
        assert_eq!(report.losses.len(), 3);
        assert!(
            report.losses.iter().all(|l| l.is_finite() && *l > 0.0),
            "{:?}",
            report.losses
        );
        assert_eq!(report.info.sets, vec!["dsifn".to_string()]);

        let device = config.device.clone().autodiff();
        device.seed(config.seed);
        let untrained = ChangeNet::new(&config.arch, &device).valid();
        let plain = Device::flex();
        plain.seed(1);
        let input = || Tensor::<4>::random([1, 3, 32, 32], Distribution::Normal(0.0, 1.0), &plain);
        let (a, b) = (input(), input());
        let moved: f32 = (report.net.forward(a.clone(), b.clone()) - untrained.forward(a, b))
            .abs()
            .max()
            .into_scalar();
        assert!(moved > 1e-4, "training did not change the output ({moved})");

        let again = train(&config, |_| {}).unwrap();
        assert_eq!(report.losses, again.losses, "same seed, same losses");
    }

    #[test]
    fn building_loss_counts_only_the_pixels_whose_buildings_are_known() {
        let device = Device::flex();
        let plane = |values: [f32; 4]| {
            Tensor::<4>::from_data(TensorData::new(values.to_vec(), [1, 1, 2, 2]), &device)
        };
        let unknown = UNKNOWN_BUILDING;
        // Two known pixels, each off by a logit of 2; the unknown ones are far off and must
        // not count.
        let loss: f32 = building_loss(
            plane([2.0, -2.0, 50.0, -50.0]),
            plane([1.0, 0.0, unknown, unknown]),
        )
        .into_scalar();
        let (hit, miss) = (1.0 / (1.0 + (-2f32).exp()), 1.0 / (1.0 + 2f32.exp()));
        let dice = 1.0 - (2.0 * hit + 1.0) / (hit + miss + 1.0 + 1.0);
        let expected = (-2f32).exp().ln_1p() + dice;
        assert!((loss - expected).abs() < 1e-6, "{loss} against {expected}");
        let nothing_known: f32 = building_loss(plane([50.0; 4]), plane([unknown; 4])).into_scalar();
        assert_eq!(nothing_known, 0.0);
    }

    #[test]
    fn a_building_head_without_footprints_is_refused() {
        let mut config = tiny_config();
        config.arch.building_head = true;
        match train(&config, |_| {}) {
            Err(NetError::Recipe(message)) => assert!(message.contains("footprints"), "{message}"),
            other => panic!("expected a refused recipe, got {other:?}"),
        }
    }

    #[test]
    fn learning_rate_warms_up_then_decays() {
        let mut config = tiny_config();
        config.steps = 100;
        assert!(config.learning_rate_at(0) < config.learning_rate_at(4));
        assert!((config.learning_rate_at(4) - config.learning_rate).abs() < 1e-12);
        assert!(config.learning_rate_at(99) < 0.1 * config.learning_rate);
    }
}
