//! Change where any of several methods finds it: the union of their masks, each at its own
//! threshold.
//!
//! Why: the methods fail in different places. The network, trained on 0.5-2 m imagery of
//! buildings, finds new buildings that iMAD misses (LEVIR F1 0.34 against 0.02) but little on
//! a sensor it never saw (AirChange 0.16, iMAD 0.33); iMAD, fitted to each pair, finds what
//! differs beyond the pair's own radiometric relation whatever the sensor. Measured on every
//! shared set left out of the network's training, the union stays within 0.05 of the better
//! method and beats both on DSIFN and AirChange (see `weights/MODEL_CARD.md`).
//!
//! The map is each member's probability rescaled so that its own threshold falls at 0.5
//! (linearly below and above it), and the largest of those per pixel: at 0.5 it flags exactly
//! the pixels that any member flags at its threshold, and a pixel's value says how far past
//! its threshold the surest member is. It is a score, not a calibrated probability. A member
//! whose threshold adapts to the scene (iMAD's, from its whole map) gets it from a pass over
//! its own map when the union is fitted, so the union's mask holds exactly that member's.
//!
//! ```
//! use detect::{ChangeDetector, Imad, Union};
//! # use raster::{Crs, GeoTransform, Grid, Raster, SampleType};
//! # let grid = Grid::new(Crs::from_epsg(32615)?, GeoTransform::north_up(0.0, 64.0, 1.0, 1.0), 64, 64);
//! # let mut before = Raster::filled(grid, 3, 0.0, SampleType::U8);
//! # for (i, v) in before.data.iter_mut().enumerate() {
//! #     *v = 90.0 + ((i * 7919) % 13) as f32 + ((i / 64) % 9) as f32;
//! # }
//! # let mut after = before.clone();
//! # for (i, v) in after.data.iter_mut().enumerate() {
//! #     let (col, row) = (i % 64, (i / 64) % 64);
//! #     if (20..32).contains(&col) && (30..40).contains(&row) { *v = 240.0 }
//! # }
//! // Two 3-band scenes, the after one with a new bright roof.
//! let imad = Imad::default();
//! let alone = imad.probability(&before, &after)?;
//! let alone = alone.mask(imad.default_threshold(&alone));
//!
//! let union = Union::new(vec![Box::new(Imad::default())]);
//! let map = union.probability(&before, &after)?;
//! assert_eq!(union.default_threshold(&map), 0.5);
//! assert_eq!(map.mask(0.5), alone);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use raster::{Raster, RasterSource};

use crate::change_map::{
    least_common_multiple, threshold_of_map, ChangeDetector, DetectError, FittedDetector,
};
use crate::threshold::EvidenceHistogram;
use crate::windowed::ProbabilityWindows;

/// The union of several change methods' masks (see the module documentation).
pub struct Union {
    members: Vec<Box<dyn ChangeDetector>>,
}

impl Union {
    /// The union of `members`' masks; they all compare the same bands, so a member that takes
    /// a fixed band count (the network) sets the union's.
    pub fn new(members: Vec<Box<dyn ChangeDetector>>) -> Union {
        Union { members }
    }
}

/// A member fitted to the pair, with its threshold for this pair.
struct FittedMember<'a> {
    fitted: Box<dyn FittedDetector + 'a>,
    threshold: f32,
}

struct FittedUnion<'a> {
    members: Vec<FittedMember<'a>>,
}

/// `p` rescaled so that `threshold` falls at 0.5: linear from 0 to the threshold and from the
/// threshold to 1, so that the order of values and which side of the threshold they lie on
/// are kept.
fn rescaled(p: f32, threshold: f32) -> f32 {
    if p < threshold {
        0.5 * p / threshold
    } else if threshold < 1.0 {
        0.5 + 0.5 * (p - threshold) / (1.0 - threshold)
    } else {
        1.0
    }
}

impl ChangeDetector for Union {
    fn method(&self) -> String {
        "union".to_string()
    }

    /// Each member's method and version, joined by " + ".
    fn version(&self) -> String {
        let members: Vec<String> = self
            .members
            .iter()
            .map(|m| format!("{} {}", m.method(), m.version()))
            .collect();
        members.join(" + ")
    }

    fn bands(&self) -> Option<usize> {
        self.members.iter().find_map(|m| m.bands())
    }

    /// Fits every member, and maps the pair once with each member whose threshold adapts to
    /// the scene, to find that threshold as the member alone would.
    fn fit<'a>(
        &'a self,
        before: &dyn RasterSource,
        after: &dyn RasterSource,
    ) -> Result<Box<dyn FittedDetector + 'a>, DetectError> {
        let mut members = Vec::with_capacity(self.members.len());
        for member in &self.members {
            let fitted = member.fit(before, after)?;
            let map = ProbabilityWindows::new(fitted.as_ref(), before, after)?;
            let threshold = threshold_of_map(member.as_ref(), &map)?;
            members.push(FittedMember { fitted, threshold });
        }
        Ok(Box::new(FittedUnion { members }))
    }

    /// Each member's threshold sits at 0.5 of the union's map.
    fn threshold(&self, _histogram: &EvidenceHistogram) -> f32 {
        0.5
    }

    fn fixed_threshold(&self) -> Option<f32> {
        Some(0.5)
    }
}

impl FittedDetector for FittedUnion<'_> {
    fn context(&self) -> usize {
        let alignment = self.alignment();
        let widest = self.members.iter().map(|m| m.fitted.context()).max();
        widest.unwrap_or(0).div_ceil(alignment) * alignment
    }

    fn alignment(&self) -> usize {
        let alignments = self.members.iter().map(|m| m.fitted.alignment().max(1));
        alignments.fold(1, least_common_multiple)
    }

    /// The largest rescaled probability of the members; NaN where any member has none.
    fn window_probability(&self, before: &Raster, after: &Raster) -> Result<Vec<f32>, DetectError> {
        let mut union: Option<Vec<f32>> = None;
        for member in &self.members {
            let map = member.fitted.window_probability(before, after)?;
            let scores = map.into_iter().map(|p| rescaled(p, member.threshold));
            union = Some(match union {
                None => scores.collect(),
                Some(mut union) => {
                    for (u, s) in union.iter_mut().zip(scores) {
                        *u = if u.is_nan() || s.is_nan() {
                            f32::NAN
                        } else {
                            u.max(s)
                        };
                    }
                    union
                }
            });
        }
        // A union of no methods flags nothing.
        Ok(union.unwrap_or_else(|| vec![0.0; before.grid.width * before.grid.height]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imad::Imad;
    use crate::image_file::read_image;
    use crate::net::{shipped_weights, NetDetector};
    use crate::windowed::detect_to_geotiffs;
    use crate::CleanupRules;

    #[test]
    fn rescaling_puts_the_threshold_at_one_half_and_keeps_the_order() {
        assert_eq!(rescaled(0.99, 0.99), 0.5);
        assert_eq!(rescaled(0.0, 0.99), 0.0);
        assert_eq!(rescaled(1.0, 0.99), 1.0);
        assert!(rescaled(0.98, 0.99) < 0.5 && rescaled(0.995, 0.99) > 0.5);
        assert!(rescaled(0.3, 0.5) < rescaled(0.4, 0.5));
        assert!(rescaled(f32::NAN, 0.5).is_nan());
    }

    /// On a real pair the network and iMAD each flag pixels the other does not; the union
    /// flags exactly the pixels either flags at its own threshold, in memory and by windows.
    #[test]
    fn the_union_flags_what_either_member_flags() {
        let set = testkit::shared_data().join("changepairs/airchange-szada");
        let (mut before, mut after) = (
            read_image(&set.join("A/szada_1.png")).unwrap(),
            read_image(&set.join("B/szada_1.png")).unwrap(),
        );
        // AirChange's 1.5 m pixels, placed on a UTM grid so that the maps can be GeoTIFFs.
        let (width, height) = (before.grid.width, before.grid.height);
        let transform = raster::GeoTransform::north_up(0.0, 1.5 * height as f64, 1.5, 1.5);
        let crs = raster::Crs::from_epsg(32634).unwrap();
        before.grid = raster::Grid::new(crs, transform, width, height);
        after.grid = before.grid.clone();
        let imad = Imad::default();
        let net = NetDetector::load(&shipped_weights()).unwrap();
        let mask_of = |detector: &dyn ChangeDetector| {
            let map = detector.probability(&before, &after).unwrap();
            map.mask(detector.default_threshold(&map))
        };
        let (by_imad, by_net) = (mask_of(&imad), mask_of(&net));
        let only = |a: &[bool], b: &[bool]| a.iter().zip(b).filter(|(x, y)| **x && !**y).count();
        assert!(only(&by_imad, &by_net) > 1000 && only(&by_net, &by_imad) > 1000);

        let union = Union::new(vec![Box::new(Imad::default()), Box::new(net)]);
        assert_eq!(union.bands(), Some(3));
        let map = union.probability(&before, &after).unwrap();
        let expected: Vec<bool> = by_imad.iter().zip(&by_net).map(|(a, b)| *a || *b).collect();
        assert_eq!(map.mask(union.default_threshold(&map)), expected);

        let dir = tempfile::tempdir().unwrap();
        let rules = CleanupRules::default();
        let found = detect_to_geotiffs(&union, &before, &after, dir.path(), &rules).unwrap();
        assert_eq!(found.method, "union");
        assert!(found.version.starts_with("imad ") && found.version.contains(" + net "));
        let expected_changes =
            crate::objects::extract_changes(&map, &before, &after, 0.5, &rules).unwrap();
        assert_eq!(found.changes.len(), expected_changes.len());
        assert!(found.changes.len() > 5, "{} changes", found.changes.len());
    }
}
