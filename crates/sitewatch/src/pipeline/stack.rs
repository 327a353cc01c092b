//! The site's scenes on its grid: each read once per pipeline run, corrected by its stored
//! alignment in the same resampling, and shared by the comparisons and the registry.

use std::collections::HashMap;

use anyhow::{Context as _, Result};
use catalog::{Catalog, Scene, Site};
use raster::coreg::CorrectionModel;
use raster::{NoCorrection, PixelCorrection, Raster};

use crate::scenes::{scene_on_site_grid, stored_correction};

/// The aligned stack of a site's scenes, read lazily. It keeps the alignments it was made
/// with, so it does not hold the catalog (which the pipeline writes to meanwhile).
pub struct SiteStack<'a> {
    site: &'a Site,
    corrections: HashMap<i64, Option<CorrectionModel>>,
    read: HashMap<i64, Raster>,
}

impl<'a> SiteStack<'a> {
    /// The stack of `scenes`, with the alignments the catalog holds for them now.
    pub fn new(catalog: &Catalog, site: &'a Site, scenes: &[Scene]) -> Result<SiteStack<'a>> {
        let corrections = scenes
            .iter()
            .map(|s| Ok((s.id, stored_correction(catalog, s.id)?)))
            .collect::<Result<_>>()?;
        Ok(SiteStack {
            site,
            corrections,
            read: HashMap::new(),
        })
    }

    /// Two scenes' pixels on the site grid.
    pub fn pair(&mut self, before: &Scene, after: &Scene) -> Result<(&Raster, &Raster)> {
        self.load(before)?;
        self.load(after)?;
        Ok((&self.read[&before.id], &self.read[&after.id]))
    }

    /// Every scene's pixels on the site grid, in the order given, handed over: the stack's
    /// last use in a run.
    pub fn into_rasters(mut self, scenes: &[Scene]) -> Result<Vec<Raster>> {
        for scene in scenes {
            self.load(scene)?;
        }
        Ok(scenes
            .iter()
            .map(|s| self.read.remove(&s.id).expect("loaded above"))
            .collect())
    }

    fn load(&mut self, scene: &Scene) -> Result<()> {
        if !self.read.contains_key(&scene.id) {
            let correction: &dyn PixelCorrection =
                match self.corrections.get(&scene.id).and_then(Option::as_ref) {
                    Some(model) => model,
                    None => &NoCorrection,
                };
            let raster = scene_on_site_grid(scene, self.site, correction)
                .with_context(|| format!("scene {} cannot be put on the site's grid", scene.id))?;
            self.read.insert(scene.id, raster);
        }
        Ok(())
    }
}
