//! `sitewatch train`: the change network trained on labelled pairs, seeded and reproducible.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use detect::net::{train, TrainConfig};
use serde::Serialize;

use crate::output::Context;

#[derive(Args)]
pub struct TrainArgs {
    /// Labelled sets: folders with A/, B/ and label/ PNGs, or folders of such sets.
    #[arg(long, required = true, num_args = 1.., value_name = "DIR")]
    data: Vec<PathBuf>,
    /// A set to leave out (by folder name), e.g. for leave-one-set-out (repeatable).
    #[arg(long, value_name = "NAME")]
    exclude: Vec<String>,
    /// The seed of every random choice (crops, augmentation, initial weights).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Training steps (batches).
    #[arg(long, default_value_t = 3000)]
    steps: usize,
    /// Where to write the weights; the recipe goes beside them as a .json sidecar.
    #[arg(short, long, value_name = "WEIGHTS")]
    output: PathBuf,
}

#[derive(Serialize)]
struct TrainSummary {
    weights: PathBuf,
    steps: usize,
    pairs: usize,
    sets: Vec<String>,
    final_loss: f32,
    seconds: f64,
}

pub fn run(ctx: &Context, args: TrainArgs) -> Result<()> {
    let mut config = TrainConfig::new(args.data, args.exclude);
    config.seed = args.seed;
    config.steps = args.steps;
    config.output = Some(args.output.clone());
    let bar = ctx.progress(args.steps as u64, "training");
    let report = train(&config, |p| {
        bar.set_position(p.step as u64 + 1);
        bar.set_message(format!("loss {:.3}", p.loss));
    })?;
    bar.finish_and_clear();
    let summary = TrainSummary {
        weights: args.output,
        steps: report.info.steps,
        pairs: report.info.pairs,
        sets: report.info.sets.clone(),
        final_loss: report.info.final_loss,
        seconds: report.info.train_seconds,
    };
    ctx.print(&summary, |s| {
        format!(
            "trained on {} pairs of {} for {} steps in {:.0} s (final loss {:.3}); wrote {}",
            s.pairs,
            s.sets.join(", "),
            s.steps,
            s.seconds,
            s.final_loss,
            s.weights.display()
        )
    });
    Ok(())
}
