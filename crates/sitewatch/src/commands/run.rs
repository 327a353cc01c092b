//! `sitewatch run SITE`: the site pipeline (alignment, change detection, the building
//! registry), stored in the catalog and incremental.

use anyhow::Result;
use catalog::{AlignmentStatus, ReviewFilter};
use clap::{Args, ValueEnum};

use crate::commands::align::outcome_line;
use crate::commands::detect::Method;
use crate::output::Context;
use crate::pipeline::{run_site, RunOptions, RunSummary};

#[derive(Args)]
pub struct RunArgs {
    /// The site's name or one of its aliases.
    site: String,
    #[command(flatten)]
    method: Method,
    /// Which detections the registry uses, by the analyst's review.
    #[arg(long, value_enum, default_value_t = Findings::NotRejected)]
    findings: Findings,
    /// Recompute everything, even what is current.
    #[arg(long)]
    force: bool,
}

/// Which detections the registry may use.
#[derive(Clone, Copy, ValueEnum)]
pub enum Findings {
    /// Only those an analyst accepted.
    Accepted,
    /// Accepted and not yet reviewed (the default): everything but the rejected.
    NotRejected,
    /// All, whatever the review said.
    All,
}

impl Findings {
    pub fn filter(self) -> ReviewFilter {
        match self {
            Findings::Accepted => ReviewFilter::AcceptedOnly,
            Findings::NotRejected => ReviewFilter::NotRejected,
            Findings::All => ReviewFilter::All,
        }
    }
}

pub fn run(ctx: &Context, args: RunArgs) -> Result<()> {
    let mut catalog = ctx.open_catalog()?;
    let site = catalog.site(&args.site)?;
    let summary = run_site(
        ctx,
        &mut catalog,
        &site,
        &RunOptions {
            method: &args.method,
            reviews: args.findings.filter(),
            force: args.force,
        },
    )?;
    ctx.print(&summary, plain);
    Ok(())
}

pub fn plain(s: &RunSummary) -> String {
    if s.did_nothing() {
        return format!(
            "{}: everything is current ({} scenes, {} comparisons); nothing to do",
            s.site, s.scenes, s.kept
        );
    }
    let mut lines = vec![format!("{}: {} scenes", s.site, s.scenes)];
    // The first scene is its own reference; the others were measured against it.
    let measured: Vec<_> = s
        .aligned
        .iter()
        .filter(|a| a.reference_scene_id.is_some())
        .collect();
    if !measured.is_empty() {
        let refused: Vec<_> = measured
            .iter()
            .filter(|a| a.status == AlignmentStatus::Refused)
            .collect();
        lines.push(format!(
            "aligned {} of {} scenes to the first{}",
            measured.len() - refused.len(),
            measured.len(),
            if refused.is_empty() { "" } else { ":" }
        ));
        lines.extend(refused.iter().map(|a| format!("  {}", outcome_line(a))));
    }
    for p in &s.compared {
        lines.push(format!(
            "compared {} -> {}: {} changes, {:.0} m² (comparison {})",
            p.before, p.after, p.changes, p.changed_area_m2, p.comparison
        ));
    }
    if s.kept > 0 {
        lines.push(format!("{} comparisons already current", s.kept));
    }
    let Some(r) = &s.registry else {
        lines.push("registry already current".into());
        return lines.join("\n");
    };
    lines.push(format!(
        "registry rebuilt: {} buildings ({} standing), {} events",
        r.buildings, r.standing, r.events
    ));
    if r.excluded_by_review > 0 {
        lines.push(format!(
            "{} detections left out by the analysts' review",
            r.excluded_by_review
        ));
    }
    if r.corrections_applied > 0 {
        lines.push(format!(
            "{} outlines as analysts drew them",
            r.corrections_applied
        ));
    }
    if !r.corrections_unmatched.is_empty() {
        lines.push(format!(
            "drawn corrections of buildings no longer in the registry (left out): {}",
            r.corrections_unmatched.join(", ")
        ));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use catalog::NewAlignment;

    fn alignment(scene_id: i64, reference: Option<i64>, refused: Option<&str>) -> NewAlignment {
        NewAlignment {
            scene_id,
            reference_scene_id: reference,
            status: if refused.is_some() {
                AlignmentStatus::Refused
            } else {
                AlignmentStatus::Aligned
            },
            dx_px: refused.is_none().then_some(0.4),
            dy_px: refused.is_none().then_some(-0.2),
            model: serde_json::Value::Null,
            tie_points_used: 12,
            tie_points_rejected: 0,
            rmse_px: refused.is_none().then_some(0.1),
            rmse_m: refused.is_none().then_some(0.06),
            reason: refused.map(str::to_string),
        }
    }

    #[test]
    fn a_refused_alignment_is_said_with_its_reason_and_the_reference_is_not_counted() {
        let summary = RunSummary {
            site: "Joplin".into(),
            scenes: 3,
            aligned: vec![
                alignment(1, None, None),
                alignment(2, Some(1), None),
                alignment(3, Some(1), Some("the tie points disagree")),
            ],
            compared: vec![],
            kept: 0,
            registry: None,
        };
        let text = plain(&summary);
        assert!(
            text.contains("aligned 1 of 2 scenes to the first:\n  scene    3: REFUSED, kept unaligned (compared on its georeferencing alone): the tie points disagree"),
            "{text}"
        );
        assert!(!text.contains("scene    2"), "{text}");
    }
}
