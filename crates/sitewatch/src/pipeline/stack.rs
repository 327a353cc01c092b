//! The site's scenes on its grid: each read once, corrected by its stored alignment in the
//! same resampling, and kept while the pipeline needs it.

use std::collections::HashMap;

use anyhow::{Context as _, Result};
use catalog::{Catalog, Scene, Site};
use raster::{NoCorrection, PixelCorrection, Raster};

use crate::scenes::{scene_on_site_grid, stored_correction};

/// The aligned stack of a site's scenes, read lazily.
pub struct SiteStack<'a> {
    catalog: &'a Catalog,
    site: &'a Site,
    read: HashMap<i64, Raster>,
}

impl<'a> SiteStack<'a> {
    pub fn new(catalog: &'a Catalog, site: &'a Site) -> SiteStack<'a> {
        SiteStack {
            catalog,
            site,
            read: HashMap::new(),
        }
    }

    /// Two scenes' pixels on the site grid.
    pub fn pair(&mut self, before: &Scene, after: &Scene) -> Result<(&Raster, &Raster)> {
        self.load(before)?;
        self.load(after)?;
        Ok((&self.read[&before.id], &self.read[&after.id]))
    }

    /// Every scene's pixels on the site grid, in the order given.
    pub fn all(&mut self, scenes: &[Scene]) -> Result<Vec<&Raster>> {
        for scene in scenes {
            self.load(scene)?;
        }
        Ok(scenes.iter().map(|s| &self.read[&s.id]).collect())
    }

    fn load(&mut self, scene: &Scene) -> Result<()> {
        if !self.read.contains_key(&scene.id) {
            let correction = stored_correction(self.catalog, scene.id)?;
            let correction: &dyn PixelCorrection = match &correction {
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
