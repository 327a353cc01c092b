//! Trains the change network and, optionally, measures its pixel F1 on a left-out set.
//!
//! ```text
//! cargo run --release -p detect --example train_net -- \
//!     --data ../shared/data/changepairs --exclude levir --seed 1 --steps 2000 \
//!     -o levir-out.bpk --eval ../shared/data/changepairs/levir
//! ```
//! Options: `--data DIR...` (set folders or folders of sets), `--exclude NAME...`, `--seed N`,
//! `--steps N`, `--batch N`, `--crop PX`, `--lr X`, `--minutes M` (fit the step count to about
//! M minutes of training), `-o FILE`, `--eval DIR...`, `--weights FILE` (evaluate saved weights
//! instead of training), `--cuda`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use detect::net::{load_checkpoint, load_pairs, train, Device, NetPredictor, TrainConfig};

/// Pixel counts of a thresholded change map against a label.
#[derive(Default, Debug, Clone, Copy)]
struct Confusion {
    true_positive: u64,
    false_positive: u64,
    false_negative: u64,
}

impl Confusion {
    fn add(&mut self, probability: &[f32], label: &[u8], threshold: f32) {
        for (&p, &l) in probability.iter().zip(label) {
            match (p > threshold, l == 1) {
                (true, true) => self.true_positive += 1,
                (true, false) => self.false_positive += 1,
                (false, true) => self.false_negative += 1,
                (false, false) => {}
            }
        }
    }

    fn f1(&self) -> f64 {
        let tp = self.true_positive as f64;
        2.0 * tp / (2.0 * tp + self.false_positive as f64 + self.false_negative as f64).max(1.0)
    }

    fn precision_recall(&self) -> (f64, f64) {
        let tp = self.true_positive as f64;
        (
            tp / (tp + self.false_positive as f64).max(1.0),
            tp / (tp + self.false_negative as f64).max(1.0),
        )
    }
}

fn main() -> Result<()> {
    let mut config = TrainConfig::new(Vec::new(), Vec::new());
    let mut eval = Vec::new();
    let mut minutes = None;
    let mut weights = None;
    let mut args = std::env::args().skip(1).peekable();
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--data" | "--exclude" | "--eval" => {
                let mut values = vec![value()?];
                while let Some(next) = args.next_if(|a| !a.starts_with('-')) {
                    values.push(next);
                }
                match arg.as_str() {
                    "--data" => config.data.extend(values.into_iter().map(PathBuf::from)),
                    "--exclude" => config.exclude.extend(values),
                    _ => eval.extend(values.into_iter().map(PathBuf::from)),
                }
            }
            "--seed" => config.seed = value()?.parse()?,
            "--steps" => config.steps = value()?.parse()?,
            "--batch" => config.batch = value()?.parse()?,
            "--crop" => config.augment.crop = value()?.parse()?,
            "--lr" => config.learning_rate = value()?.parse()?,
            "--minutes" => minutes = Some(value()?.parse::<f64>()?),
            "--weights" => weights = Some(PathBuf::from(value()?)),
            "-o" | "--output" => config.output = Some(PathBuf::from(value()?)),
            "--cuda" => config.device = cuda_device()?,
            other => bail!("unknown argument {other}"),
        }
    }
    if let Some(weights) = weights {
        let (net, info) = load_checkpoint(&weights, &config.device)?;
        println!(
            "loaded {} ({:?}, trained on {:?})",
            weights.display(),
            info.arch,
            info.sets
        );
        return evaluate(
            NetPredictor::new(net, info.arch, config.device.clone()),
            &eval,
        );
    }
    if config.data.is_empty() {
        bail!("give the training data with --data DIR... (or --weights FILE to evaluate)");
    }
    if let Some(minutes) = minutes {
        // Calibrate: time a few steps, then fit the step count (and its LR schedule) to the
        // budget.
        let mut probe = config.clone();
        probe.steps = 3;
        probe.output = None;
        let report = train(&probe, |_| {})?;
        let per_step = report.losses.len() as f64 / report.info.train_seconds;
        config.steps = ((minutes * 60.0 * per_step) as usize).max(1);
        eprintln!(
            "{:.2} s/step measured: {} steps fit {minutes} min",
            1.0 / per_step,
            config.steps
        );
    }
    println!(
        "arch {:?}: {:.0} FLOPs/pixel; sets from {:?}, excluding {:?}; seed {}, {} steps of {} x {} px",
        config.arch,
        config.arch.flops_per_pixel(),
        config.data,
        config.exclude,
        config.seed,
        config.steps,
        config.batch,
        config.augment.crop
    );
    let every = (config.steps / 50).max(1);
    let mut recent = Vec::new();
    let report = train(&config, |p| {
        recent.push(p.loss);
        if (p.step + 1) % every == 0 || p.step + 1 == p.steps {
            let mean = recent.iter().sum::<f32>() / recent.len() as f32;
            println!(
                "step {:>5}/{}  loss {:.4}  lr {:.2e}  {:.2} s/step",
                p.step + 1,
                p.steps,
                mean,
                p.learning_rate,
                p.seconds
            );
            recent.clear();
        }
    })?;
    println!(
        "trained {} parameters on {:?} ({} pairs) in {:.0} s ({:.2} s/step), final loss {:.4}",
        report.info.parameters,
        report.info.sets,
        report.info.pairs,
        report.info.train_seconds,
        report.seconds_per_step(),
        report.info.final_loss
    );
    if let Some(output) = &config.output {
        println!("saved {}", output.display());
    }
    evaluate(
        NetPredictor::new(report.net, config.arch.clone(), config.device.clone()),
        &eval,
    )
}

/// Thresholds of the diagnostic sweep: 0.1, 0.2, ... 0.9.
const SWEEP: [f32; 9] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/// Pixel F1 at threshold 0.5 of each pair and each set in `eval`, and for diagnosis (it uses
/// the labels, so it is no result) the set's best F1 over [`SWEEP`].
fn evaluate(predictor: NetPredictor, eval: &[PathBuf]) -> Result<()> {
    if eval.is_empty() {
        return Ok(());
    }
    let pairs = load_pairs(eval, &[])?;
    let mut by_set: Vec<(String, Confusion)> = Vec::new();
    let mut sweeps: Vec<[Confusion; 9]> = Vec::new();
    let start = Instant::now();
    let mut pixels = 0;
    for pair in &pairs {
        let (before, after) = pair.rasters();
        let probability = predictor.predict(&before, &after)?;
        pixels += probability.len();
        let mut own = Confusion::default();
        own.add(&probability, &pair.label, 0.5);
        println!("  {}/{}: F1 {:.3}", pair.set, pair.name, own.f1());
        let index = match by_set.iter_mut().position(|(s, _)| *s == pair.set) {
            Some(index) => {
                by_set[index].1.add(&probability, &pair.label, 0.5);
                index
            }
            None => {
                by_set.push((pair.set.clone(), own));
                sweeps.push([Confusion::default(); 9]);
                by_set.len() - 1
            }
        };
        for (confusion, &threshold) in sweeps[index].iter_mut().zip(&SWEEP) {
            confusion.add(&probability, &pair.label, threshold);
        }
    }
    for ((set, confusion), sweep) in by_set.iter().zip(&sweeps) {
        let (precision, recall) = confusion.precision_recall();
        let (best, threshold) = sweep
            .iter()
            .zip(SWEEP)
            .map(|(c, t)| (c.f1(), t))
            .fold((0.0, 0.0), |a, b| if b.0 > a.0 { b } else { a });
        println!(
            "{set}: pixel F1 {:.3} (precision {:.3}, recall {:.3}) at threshold 0.5; \
             best over thresholds {best:.3} at {threshold} (diagnostic)",
            confusion.f1(),
            precision,
            recall
        );
    }
    println!(
        "evaluation: {:.2} Mpx/s",
        pixels as f64 / 1e6 / start.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(feature = "cuda")]
fn cuda_device() -> Result<Device> {
    Ok(Device::cuda(0))
}

#[cfg(not(feature = "cuda"))]
fn cuda_device() -> Result<Device> {
    bail!("--cuda needs the `cuda` feature: cargo run --release --features cuda ...")
}
