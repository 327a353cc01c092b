//! `sitewatch eval DIR`: a change method measured against labelled pairs.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use clap::Args;
use detect::{
    evaluate_with_progress, CleanupRules, EvalReport, ImagePairFolder, OscdFolder, PairSource,
    SelectedPairBands,
};
use serde::Serialize;

use crate::commands::detect::Method;
use crate::output::Context;

#[derive(Args)]
pub struct EvalArgs {
    /// A folder with A/, B/ and label/ images (PNG, JPEG or TIFF of the same names; label > 127
    /// = change), an OSCD city folder (t1/, t2/, change.tif), or a folder of OSCD cities.
    dir: PathBuf,
    #[command(flatten)]
    method: Method,
}

/// The report with the bands compared, where not all of them.
#[derive(Serialize)]
struct Evaluation {
    #[serde(flatten)]
    report: EvalReport,
    /// The bands compared, counted from 1: `--bands`, or the set's red, green and blue for a
    /// three-band network.
    bands: Option<Vec<usize>>,
}

pub fn run(ctx: &Context, args: EvalArgs) -> Result<()> {
    let mut source = pair_source(&args.dir)?;
    let detector = args.method.detector()?;
    let bands = args
        .method
        .bands_for(detector.as_ref(), || Ok(source.true_colour()))?;
    if let Some(bands) = &bands {
        source = Box::new(SelectedPairBands::new(source, bands));
    }
    let bar = ctx.progress(source.names().len() as u64, "evaluating");
    let report = evaluate_with_progress(
        detector.as_ref(),
        source.as_ref(),
        &CleanupRules::default(),
        |_| bar.inc(1),
    )?;
    bar.finish_and_clear();
    ctx.print(&Evaluation { report, bands }, |e| plain(&args.dir, e));
    Ok(())
}

/// The labelled pairs in `dir`, whichever of the three layouts it has.
fn pair_source(dir: &Path) -> Result<Box<dyn PairSource>> {
    if dir.join("A").is_dir() {
        return Ok(Box::new(ImagePairFolder::open(dir)?));
    }
    if dir.join("change.tif").is_file() {
        let (Some(parent), Some(name)) = (dir.parent(), dir.file_name()) else {
            bail!("{}: cannot name this city folder", dir.display());
        };
        return Ok(Box::new(OscdFolder {
            root: parent.to_path_buf(),
            names: vec![name.to_string_lossy().into_owned()],
        }));
    }
    match OscdFolder::open(dir) {
        Ok(folder) => Ok(Box::new(folder)),
        Err(_) => bail!(
            "{}: not a labelled set: expected A/, B/ and label/ folders, an OSCD city \
             (t1/, t2/, change.tif) or a folder of OSCD cities",
            dir.display()
        ),
    }
}

fn plain(dir: &Path, evaluation: &Evaluation) -> String {
    let r = &evaluation.report;
    let bands = evaluation.bands.as_ref().map_or(String::new(), |bands| {
        let list: Vec<String> = bands.iter().map(usize::to_string).collect();
        format!(", bands {}", list.join(","))
    });
    let mut lines = vec![
        format!(
            "{} ({} {}), {} pairs{bands}",
            dir.display(),
            r.method,
            r.version,
            r.pairs
        ),
        format!(
            "precision {:.3}  recall {:.3}  F1 {:.3}  IoU {:.3}  (all-change F1 {:.3})",
            r.precision, r.recall, r.f1, r.iou, r.all_change_f1
        ),
    ];
    for (name, f1) in &r.per_pair {
        let f1 = f1.map_or("  -  ".to_string(), |v| format!("{v:.3}"));
        lines.push(format!("  {f1}  {name}"));
    }
    lines.join("\n")
}
