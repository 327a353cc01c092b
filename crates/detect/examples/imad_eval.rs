//! Evaluates iMAD (default settings and threshold, default clean-up) on the labelled
//! change-pair sets of the shared data, pixel-wise over each whole set, and prints one JSON
//! report per set plus a summary table with the all-change baseline.
//!
//! `cargo run --release -p detect --example imad_eval [SET_FOLDER...]`
//! (default: changepairs/levir, changepairs/dsifn, changepairs/airchange-szada, oscd). A folder
//! with `A/`, `B/`, `label/` is read as PNG pairs, any other as OSCD cities.

use std::path::PathBuf;
use std::time::Instant;

use detect::{evaluate, CleanupRules, Imad, ImagePairFolder, OscdFolder, PairSource};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut sets: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if sets.is_empty() {
        let data = testkit::shared_data();
        sets = [
            "changepairs/levir",
            "changepairs/dsifn",
            "changepairs/airchange-szada",
            "oscd",
        ]
        .iter()
        .map(|s| data.join(s))
        .collect();
    }
    let mut summary = Vec::new();
    for set in &sets {
        let source: Box<dyn PairSource> = if set.join("A").is_dir() {
            Box::new(ImagePairFolder::open(set)?)
        } else {
            Box::new(OscdFolder::open(set)?)
        };
        let start = Instant::now();
        let report = evaluate(&Imad::default(), source.as_ref(), &CleanupRules::default())?;
        let seconds = start.elapsed().as_secs_f64();
        println!("{}", serde_json::to_string_pretty(&report)?);
        let name = set
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        summary.push((name, report, seconds));
    }
    println!("\nset              pairs  precision recall  f1     iou    all-change-f1  seconds");
    for (name, r, seconds) in summary {
        println!(
            "{name:<16} {:>5}  {:>9.3} {:>6.3}  {:.3}  {:.3}  {:>13.3}  {seconds:>7.2}",
            r.pairs, r.precision, r.recall, r.f1, r.iou, r.all_change_f1
        );
    }
    Ok(())
}
