//! The network as a [`ChangeDetector`], so that thresholds, objects and evaluation treat it as
//! they treat iMAD.

use std::path::{Path, PathBuf};

use raster::{Raster, RasterSource};

use super::{load_checkpoint, CheckpointInfo, Device, NetError, NetPredictor, Standardisation};
use crate::change_map::{
    check_pair, least_common_multiple, ChangeDetector, DetectError, FittedDetector,
};
use crate::threshold::EvidenceHistogram;

/// The weights shipped with sitewatch (see `weights/MODEL_CARD.md` beside this crate).
pub fn shipped_weights() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("weights/changenet-v4.bpk")
}

/// The learned change network with its weights, on the CPU: one network, or several (an
/// ensemble, say of seeds) whose probabilities are averaged.
pub struct NetDetector {
    members: Vec<Member>,
}

/// One network of a [`NetDetector`].
struct Member {
    predictor: NetPredictor,
    info: CheckpointInfo,
    weights: PathBuf,
}

impl NetDetector {
    /// The network saved at `weights` (with its `.json` sidecar beside it).
    pub fn load(weights: &Path) -> Result<NetDetector, NetError> {
        NetDetector::ensemble(&[weights.to_path_buf()])
    }

    /// The mean of the networks saved at `weights` (each with its sidecar), say of one recipe
    /// trained at several seeds: no single training's draw decides the map, at a network's
    /// work per member.
    pub fn ensemble(weights: &[PathBuf]) -> Result<NetDetector, NetError> {
        if weights.is_empty() {
            return Err(NetError::Ensemble("no network given".into()));
        }
        let device = Device::flex();
        let mut members: Vec<Member> = Vec::with_capacity(weights.len());
        for path in weights {
            let (net, info) = load_checkpoint(path, &device)?;
            let predictor = NetPredictor::new(net, info.arch.clone(), device.clone());
            if let Some(first) = members.first() {
                if predictor.bands() != first.predictor.bands() {
                    return Err(NetError::Ensemble(format!(
                        "{} takes {} bands but {} takes {}: an ensemble's networks must read \
                         the same bands",
                        path.display(),
                        predictor.bands(),
                        first.weights.display(),
                        first.predictor.bands()
                    )));
                }
            }
            members.push(Member {
                predictor,
                info,
                weights: path.clone(),
            });
        }
        Ok(NetDetector { members })
    }

    /// How the (first) network's weights were made.
    pub fn info(&self) -> &CheckpointInfo {
        &self.members[0].info
    }
}

/// The networks fitted to one pair: each image's standardisation, gathered from all of it
/// (the same for every member: it depends on the image alone).
struct FittedNet<'a> {
    members: &'a [Member],
    before: Standardisation,
    after: Standardisation,
}

impl FittedDetector for FittedNet<'_> {
    fn context(&self) -> usize {
        self.members
            .iter()
            .map(|m| m.predictor.context())
            .max()
            .unwrap_or(0)
    }

    fn alignment(&self) -> usize {
        self.members
            .iter()
            .map(|m| m.predictor.size_multiple())
            .fold(1, least_common_multiple)
    }

    fn window_probability(&self, before: &Raster, after: &Raster) -> Result<Vec<f32>, DetectError> {
        check_pair(before, after)?;
        let (width, height) = (before.grid.width, before.grid.height);
        let (before_standardised, after_standardised) =
            (self.before.apply(before), self.after.apply(after));
        let map = |member: &Member| {
            member.predictor.predict_standardised(
                &before_standardised,
                &after_standardised,
                width,
                height,
            )
        };
        // A single network's map is used as it is; an ensemble's members are summed into the
        // first's and scaled once.
        let mut probability = map(&self.members[0]);
        let others = &self.members[1..];
        if !others.is_empty() {
            for member in others {
                for (p, m) in probability.iter_mut().zip(map(member)) {
                    *p += m;
                }
            }
            let scale = 1.0 / self.members.len() as f32;
            probability.iter_mut().for_each(|p| *p *= scale);
        }
        // Where either date has no data the network saw zeros: no evidence either way.
        let n = width * height;
        for raster in [before, after] {
            for (i, p) in probability.iter_mut().enumerate() {
                if (0..raster.band_count).any(|b| {
                    let v = raster.data[b * n + i];
                    !v.is_finite() || raster.is_nodata(v)
                }) {
                    *p = f32::NAN;
                }
            }
        }
        Ok(probability)
    }
}

impl ChangeDetector for NetDetector {
    fn method(&self) -> String {
        "net".to_string()
    }

    fn version(&self) -> String {
        let names: Vec<String> = self
            .members
            .iter()
            .map(|m| {
                let name = m.weights.file_stem().unwrap_or_default().to_string_lossy();
                format!(
                    "{name} (architecture v{}, {} steps, seed {})",
                    m.info.arch_version, m.info.steps, m.info.seed
                )
            })
            .collect();
        names.join(" + ")
    }

    fn bands(&self) -> Option<usize> {
        Some(self.members[0].predictor.bands())
    }

    /// Gathers each image's band statistics (a pass over each, a strip at a time).
    fn fit<'a>(
        &'a self,
        before: &dyn RasterSource,
        after: &dyn RasterSource,
    ) -> Result<Box<dyn FittedDetector + 'a>, DetectError> {
        check_pair(before, after)?;
        let bands = self.members[0].predictor.bands();
        if before.band_count() != bands {
            let count = before.band_count();
            return Err(DetectError::Network(format!(
                "the images have {count} band{} but the network takes {bands}: pick {bands} \
                 with --bands (e.g. --bands 1,1,1 for grey imagery), or use --method imad, \
                 which takes any number",
                if count == 1 { "" } else { "s" },
            )));
        }
        Ok(Box::new(FittedNet {
            members: &self.members,
            before: Standardisation::of_source(before)?,
            after: Standardisation::of_source(after)?,
        }))
    }

    /// The network is trained with a balanced loss, so 0.5 is its own decision boundary.
    fn threshold(&self, _histogram: &EvidenceHistogram) -> f32 {
        0.5
    }

    fn fixed_threshold(&self) -> Option<f32> {
        Some(0.5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raster::SampleType;

    fn image(seed: usize) -> Raster {
        let (w, h) = (48, 40);
        Raster {
            grid: raster::Grid::unreferenced(w, h),
            band_count: 3,
            data: (0..3 * w * h)
                .map(|i| ((i * 37 + seed * 101) % 251) as f32)
                .collect(),
            nodata: None,
            sample_type: SampleType::U8,
        }
    }

    #[test]
    fn an_ensemble_of_one_network_twice_maps_as_that_network() {
        let (before, after) = (image(1), image(2));
        let single = NetDetector::load(&shipped_weights()).unwrap();
        let twice = NetDetector::ensemble(&[shipped_weights(), shipped_weights()]).unwrap();
        let map = |detector: &NetDetector| {
            let fitted = detector.fit(&before, &after).unwrap();
            fitted.window_probability(&before, &after).unwrap()
        };
        let (one, two) = (map(&single), map(&twice));
        assert!(one.iter().zip(&two).all(|(a, b)| (a - b).abs() < 1e-6));
        assert!(twice.version().contains(" + "));
    }

    #[test]
    fn an_ensemble_needs_a_network() {
        assert!(NetDetector::ensemble(&[]).is_err());
    }

    #[test]
    fn tiles_align_to_every_members_size_multiple() {
        assert_eq!(least_common_multiple(16, 32), 32);
        assert_eq!(least_common_multiple(1, 16), 16);
        assert_eq!(least_common_multiple(6, 4), 12);
    }
}
