//! The site pipeline behind `sitewatch run SITE`: every scene aligned to the first, every
//! comparison the site needs (consecutive dates and each date against the first) detected and
//! stored, and the building registry rebuilt from the stored changes, all in the catalog.
//!
//! The pipeline is incremental: a comparison is recomputed only when it is missing or when
//! what it was computed from changed (the method, its model, the clean-up rules, or either
//! scene's alignment), and the registry is rebuilt only when its inputs (the consecutive
//! comparisons, the imported or drawn footprints, the analyst's verdicts) changed. Re-running
//! with nothing new therefore does no work; a new scene adds only its own comparisons.

mod compare;
mod outline;
mod plan;
mod registry;
mod stack;

use anyhow::Result;
use catalog::{Catalog, NewAlignment, ReviewFilter, Site};
use serde::Serialize;

use crate::commands::align::align_site;
use crate::commands::detect::Method;
use crate::output::Context;

use stack::SiteStack;

pub use compare::PairOutcome;
pub use registry::RegistryOutcome;

/// How to run the pipeline.
pub struct RunOptions<'a> {
    pub method: &'a Method,
    /// Which detections the registry may use, by the analyst's verdicts.
    pub reviews: ReviewFilter,
    /// Recompute every comparison and the registry even when nothing changed.
    pub force: bool,
}

/// What one run did.
#[derive(Serialize)]
pub struct RunSummary {
    pub site: String,
    pub scenes: usize,
    /// The alignments made in this run (none when every scene was already aligned).
    pub aligned: Vec<NewAlignment>,
    /// The comparisons computed in this run.
    pub compared: Vec<PairOutcome>,
    /// The comparisons already stored and still current.
    pub kept: usize,
    /// The registry, when this run rebuilt it.
    pub registry: Option<RegistryOutcome>,
}

impl RunSummary {
    /// Whether the run found nothing to do.
    pub fn did_nothing(&self) -> bool {
        self.aligned.is_empty() && self.compared.is_empty() && self.registry.is_none()
    }
}

/// Runs the pipeline on `site` (see the module documentation).
pub fn run_site(
    ctx: &Context,
    catalog: &mut Catalog,
    site: &Site,
    options: &RunOptions,
) -> Result<RunSummary> {
    let scenes = catalog.scenes(Some(&site.name))?;
    if scenes.len() < 2 {
        anyhow::bail!(
            "site '{}' has {} scene(s); a comparison needs two: add scenes with `sitewatch scene add`",
            site.name,
            scenes.len()
        );
    }
    let pending = unaligned(catalog, &scenes)?;
    let aligned = if options.force || pending.contains(&scenes[0].id) {
        // A new first scene is a new reference: every scene is aligned to it again.
        align_site(ctx, catalog, site, None, |_| true)?
    } else if pending.is_empty() {
        Vec::new()
    } else {
        align_site(ctx, catalog, site, None, |s| pending.contains(&s.id))?
    };
    // One stack for the run: a scene read for a comparison is not read again for the registry.
    let mut stack = SiteStack::new(catalog, site, &scenes)?;
    let (compared, kept) =
        compare::compare_pairs(ctx, catalog, site, &scenes, &mut stack, options)?;
    let registry = registry::rebuild_registry(ctx, catalog, site, &scenes, stack, options)?;
    Ok(RunSummary {
        site: site.name.clone(),
        scenes: scenes.len(),
        aligned,
        compared,
        kept,
        registry,
    })
}

/// The scenes without an alignment to the first scene (the first itself counts as aligned
/// when it is recorded as the reference).
fn unaligned(catalog: &Catalog, scenes: &[catalog::Scene]) -> Result<Vec<i64>> {
    let first = scenes[0].id;
    let mut pending = Vec::new();
    for scene in scenes {
        let current = match catalog.alignment(scene.id)? {
            Some(a) if scene.id == first => a.outcome.reference_scene_id.is_none_or(|r| r == first),
            Some(a) => a.outcome.reference_scene_id == Some(first),
            None => false,
        };
        if !current {
            pending.push(scene.id);
        }
    }
    Ok(pending)
}
