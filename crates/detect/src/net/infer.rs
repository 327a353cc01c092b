//! Running the change network on rasters of any size.
//!
//! Both images are standardised as a whole (so that a tile sees the same values it would in
//! an untiled run; for scenes too large for memory the statistics are gathered first and
//! applied to each window, see [`NetPredictor::predict_standardised`]), then cut into
//! overlapping square tiles. Each tile's probabilities are
//! weighted by a window that is 1 inside and falls smoothly (raised cosine) to near 0 across
//! the overlap on sides that have a neighbouring tile, and the weighted sum is normalised:
//! the border pixels of a tile, which lack context, hardly count, and there are no seams.
//! Memory follows the tile size, not the raster size (besides the input and output planes).

use burn::tensor::{Device, Tensor, TensorData};
use raster::Raster;

use super::model::{ChangeNet, NetArch};
use super::standardise::Standardisation;
use super::NetError;

/// A trained change network ready to turn BEFORE/AFTER rasters into change probabilities.
#[derive(Debug, Clone)]
pub struct NetPredictor {
    net: ChangeNet,
    arch: NetArch,
    device: Device,
    /// Largest tile side in pixels (rounded up to the network's size multiple); memory
    /// follows it.
    pub tile: usize,
    /// Fewest pixels shared by neighbouring tiles.
    pub overlap: usize,
}

/// Where tiles start along an axis of `length` pixels, and the tile length used: the fewest
/// tiles of at most `max_tile` (a multiple of `multiple`) that overlap by at least `overlap`,
/// shrunk to the smallest multiple of `multiple` that still covers the axis and spread evenly,
/// so that little work is spent on overlap (a 1024 px axis takes 3 tiles of 384 px with a
/// 512 px limit and 32 px overlap, 12 % extra, where fixed 512 px tiles would take 3 too, 50 %
/// extra). Starts are multiples of `multiple` too: the strided convolutions then see every
/// tile on the same pixel phase as an untiled run, which they are not invariant to. The last
/// tile may reach past the axis end (it is padded).
fn tile_starts(
    length: usize,
    max_tile: usize,
    overlap: usize,
    multiple: usize,
) -> (Vec<usize>, usize) {
    let whole = length.div_ceil(multiple) * multiple;
    if whole <= max_tile {
        return (vec![0], whole);
    }
    // Rounding starts to the multiple can cost up to one multiple of overlap.
    let overlap = overlap + multiple;
    let count = (length - overlap).div_ceil(max_tile - overlap);
    let tile_len = (length + (count - 1) * overlap)
        .div_ceil(count)
        .div_ceil(multiple)
        * multiple;
    let span = (length.saturating_sub(tile_len)).div_ceil(multiple);
    let starts = (0..count)
        .map(|i| (i * span + (count - 1) / 2) / (count - 1) * multiple)
        .collect();
    (starts, tile_len)
}

/// The blending weight of position `p` of a tile of `len` starting at `start` on an axis of
/// `length`: ramps only on sides where another tile overlaps.
fn window_weight(p: usize, start: usize, len: usize, length: usize, overlap: usize) -> f32 {
    let ramp = |d: f32| {
        let t = (d / overlap.max(1) as f32).min(1.0);
        (t * std::f32::consts::FRAC_PI_2).sin().powi(2)
    };
    let mut w = 1.0;
    if start > 0 {
        w *= ramp(p as f32 + 0.5);
    }
    if start + len < length {
        w *= ramp((len - p) as f32 - 0.5);
    }
    w
}

impl NetPredictor {
    /// A predictor for `net` (of shape `arch`) on `device`, with tiles of at most 1024 px
    /// (a few hundred MB of activations on the CPU) overlapping by the network's reach
    /// ([`NetArch::reach`]: 73 px for the shipped shape), so that no tile edge's padding
    /// reaches a pixel that the tile's weight counts fully.
    pub fn new(net: ChangeNet, arch: NetArch, device: Device) -> Self {
        NetPredictor {
            net: net.fold_batch_norm(),
            overlap: arch.reach(),
            arch,
            device,
            tile: 1024,
        }
    }

    /// Change probabilities for one tile of standardised planes.
    fn tile_probabilities(&self, before: Vec<f32>, after: Vec<f32>, side: [usize; 2]) -> Vec<f32> {
        let shape = [1, self.arch.bands, side[1], side[0]];
        let before = Tensor::<4>::from_data(TensorData::new(before, shape), &self.device);
        let after = Tensor::<4>::from_data(TensorData::new(after, shape), &self.device);
        self.net
            .probability(before, after)
            .into_data()
            .try_into_vec::<f32>()
            .expect("the network outputs f32")
    }

    /// The per-pixel change probability (row-major, the rasters' width x height) between two
    /// rasters of the same size and band count.
    pub fn predict(&self, before: &Raster, after: &Raster) -> Result<Vec<f32>, NetError> {
        let (width, height) = (before.grid.width, before.grid.height);
        if (after.grid.width, after.grid.height) != (width, height) {
            return Err(NetError::Mismatch(format!(
                "BEFORE is {width}x{height}, AFTER {}x{}",
                after.grid.width, after.grid.height
            )));
        }
        for raster in [before, after] {
            if raster.band_count != self.arch.bands {
                return Err(NetError::Mismatch(format!(
                    "a raster has {} bands, the network takes {}",
                    raster.band_count, self.arch.bands
                )));
            }
        }
        let before = Standardisation::of(before).apply(before);
        let after = Standardisation::of(after).apply(after);
        Ok(self.predict_standardised(&before, &after, width, height))
    }

    /// Pixels of context a window needs on each side so that its probabilities match an
    /// untiled run's (the tile overlap, in whole size multiples).
    pub fn context(&self) -> usize {
        let multiple = self.arch.size_multiple();
        self.overlap.div_ceil(multiple) * multiple
    }

    /// The bands each image must have.
    pub fn bands(&self) -> usize {
        self.arch.bands
    }

    /// Input windows must start at multiples of this (the strided convolutions' period).
    pub fn size_multiple(&self) -> usize {
        self.arch.size_multiple()
    }

    /// The per-pixel change probability of two already standardised images (band-sequential
    /// planes of `width` x `height`), tiled and blended.
    pub fn predict_standardised(
        &self,
        before: &[f32],
        after: &[f32],
        width: usize,
        height: usize,
    ) -> Vec<f32> {
        let n = width * height;
        let multiple = self.arch.size_multiple();
        let tile = self.tile.div_ceil(multiple) * multiple;
        let overlap = self.overlap.min(tile / 2).div_ceil(multiple) * multiple;
        let (cols, tile_w) = tile_starts(width, tile, overlap, multiple);
        let (rows, tile_h) = tile_starts(height, tile, overlap, multiple);
        let mut sum = vec![0f32; n];
        let mut weight = vec![0f32; n];
        let bands = self.arch.bands;
        for &row0 in &rows {
            for &col0 in &cols {
                // Tiles reaching past the raster (only when it is smaller than a tile) are
                // padded with 0, the standardised mean.
                let cut = |planes: &[f32]| {
                    let mut out = vec![0f32; bands * tile_w * tile_h];
                    for b in 0..bands {
                        for r in 0..tile_h.min(height - row0) {
                            let src = b * n + (row0 + r) * width + col0;
                            let len = tile_w.min(width - col0);
                            let dst = (b * tile_h + r) * tile_w;
                            out[dst..dst + len].copy_from_slice(&planes[src..src + len]);
                        }
                    }
                    out
                };
                let probabilities =
                    self.tile_probabilities(cut(before), cut(after), [tile_w, tile_h]);
                for r in 0..tile_h.min(height - row0) {
                    let wr = window_weight(r, row0, tile_h, height, overlap);
                    for c in 0..tile_w.min(width - col0) {
                        let w = wr * window_weight(c, col0, tile_w, width, overlap);
                        let i = (row0 + r) * width + col0 + c;
                        sum[i] += w * probabilities[r * tile_w + c];
                        weight[i] += w;
                    }
                }
            }
        }
        sum.iter().zip(&weight).map(|(s, w)| s / w).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image_file::read_image;
    use raster::{RasterSource, Window};

    fn cropped(path: &std::path::Path, width: usize, height: usize) -> Raster {
        read_image(path)
            .unwrap()
            .read_window(&Window::new(0, 0, width, height))
            .unwrap()
    }

    #[test]
    fn tiles_cover_the_axis_and_overlap() {
        assert_eq!(tile_starts(600, 256, 32, 16), (vec![0, 192, 368], 240));
        assert_eq!(tile_starts(1024, 512, 32, 16), (vec![0, 320, 640], 384));
        assert_eq!(tile_starts(100, 256, 32, 16), (vec![0], 112));
        for length in [257, 300, 511, 1000, 4097] {
            let (starts, len) = tile_starts(length, 256, 32, 16);
            assert!(len <= 256 && len % 16 == 0);
            assert_eq!(starts[0], 0);
            assert!(starts.iter().all(|s| s % 16 == 0), "{starts:?}");
            let end = starts.last().unwrap() + len;
            assert!(
                end >= length && end < length + 16,
                "{length}: {starts:?} {len}"
            );
            assert!(
                starts.windows(2).all(|w| w[0] + len >= w[1] + 32),
                "{length}: {starts:?}"
            );
        }
        assert!(window_weight(0, 192, 240, 600, 32) < 0.01);
        assert_eq!(window_weight(0, 0, 240, 600, 32), 1.0);
        assert_eq!(window_weight(100, 192, 240, 600, 32), 1.0);
    }

    #[test]
    fn tiled_inference_matches_untiled_away_from_the_border() {
        let _rng = crate::net::BURN_RNG
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let device = Device::flex();
        device.seed(11);
        let arch = NetArch::default();
        let net = ChangeNet::new(&arch, &device);
        let set = testkit::shared_data().join("changepairs/airchange-szada");
        let before = cropped(&set.join("A/szada_1.png"), 600, 500);
        let after = cropped(&set.join("B/szada_1.png"), 600, 500);
        let mut predictor = NetPredictor::new(net, arch, device);
        predictor.tile = 256;
        assert_eq!(predictor.context(), 80);
        let tiled = predictor.predict(&before, &after).unwrap();
        predictor.tile = 1024;
        let whole = predictor.predict(&before, &after).unwrap();
        let border = 16;
        let mut worst = 0f32;
        for r in border..500 - border {
            for c in border..600 - border {
                let d = (tiled[r * 600 + c] - whole[r * 600 + c]).abs();
                worst = worst.max(d);
            }
        }
        let mean = whole.iter().sum::<f32>() / whole.len() as f32;
        let spread =
            (whole.iter().map(|p| (p - mean).powi(2)).sum::<f32>() / whole.len() as f32).sqrt();
        assert!(
            spread > 1e-3,
            "the untrained net must not be flat (spread {spread})"
        );
        assert!(
            worst < 0.1 * spread,
            "seams: tiled differs by up to {worst} (spread {spread})"
        );
    }
}
