//! The architecture of the change network.
//!
//! A Siamese U-Net, kept small on purpose:
//! - **Shared encoder.** BEFORE and AFTER go through the same weights (stacked in one batch),
//!   so both dates are described in the same feature space and the network cannot learn a
//!   date-specific shortcut. Each stage halves the resolution with a strided 3x3 conv; stages
//!   after the first add a second 3x3 conv. The first stage has only the strided conv: at half
//!   resolution a second conv would cost as many FLOPs as the whole rest of the encoder, and
//!   inference speed on two CPU cores is a requirement.
//! - **Fusion by absolute difference** at every scale: `|f(BEFORE) - f(AFTER)|` is symmetric in
//!   the dates (the label is too: "changed" does not say which way), and is zero for unchanged
//!   content whatever the features are, which is what makes a small decoder enough.
//! - **Light decoder**: one conv on the deepest difference, then at each finer scale a nearest
//!   2x upsampling, concatenation with that scale's difference and one 3x3 conv. The output is
//!   a 1-channel logit at half resolution, bilinearly upsampled to the input size (change
//!   boundaries in the labels are not sharper than 2 px at the GSDs of interest).
//! - conv + BatchNorm + ReLU everywhere (the BatchNorm folds into the conv at inference).
//! - **Optional building decoder** ([`NetArch::building_head`]): the change decoder's shape,
//!   reading each date's own features, says where a building stands at each date; the change
//!   probability is then gated by it, so that cleared, sown or paved ground does not count as
//!   a building change (LEVIR-CD, for one, labels only the buildings of a new neighbourhood).
//!   It learns from footprints only, never from the change labels, which on other sets mark
//!   ground work too.
//!
//! The input is per-image standardised bands ([`crate::net::standardise::Standardisation`]); the band
//! count is a parameter ([`NetArch::bands`]), so 4-band (RGB+NIR) inputs only change the first
//! conv. Input height and width must be multiples of [`NetArch::size_multiple`].

use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, PaddingConfig2d};
use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

/// The shape of a [`ChangeNet`]: enough to rebuild it before loading weights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetArch {
    /// Bands per image (3 for RGB).
    pub bands: usize,
    /// Channels of each encoder stage; stage `i` works at `1 / 2^(i+1)` of the input size.
    pub encoder: Vec<usize>,
    /// Channels of the decoder convs, deepest first: `decoder[0]` reads the deepest difference,
    /// `decoder[j]` works at the scale of encoder stage `len - 1 - j`. Same length as `encoder`.
    pub decoder: Vec<usize>,
    /// Whether the network also has a building decoder (the change decoder's shape, reading
    /// one date's features instead of the difference): it says where a building stands at
    /// each date, and the change probability counts only where one stands at either date
    /// ([`ChangeNet::probability`]). Absent from checkpoints made before it existed.
    #[serde(default)]
    pub building_head: bool,
}

impl Default for NetArch {
    /// The shipped RGB architecture (version [`NetArch::VERSION`]).
    fn default() -> Self {
        NetArch {
            bands: 3,
            encoder: vec![16, 24, 48, 96],
            decoder: vec![48, 32, 16, 8],
            building_head: false,
        }
    }
}

impl NetArch {
    /// The version of the layer layout that [`ChangeNet`] builds from a `NetArch`; stored in
    /// checkpoints so that weights are never loaded into a different layout.
    pub const VERSION: u32 = 1;

    /// Whether [`ChangeNet`] can be built in this shape: at least one stage, one decoder conv
    /// per encoder stage, no width 0.
    pub fn check(&self) -> Result<(), String> {
        if self.encoder.is_empty()
            || self.encoder.len() != self.decoder.len()
            || self.encoder.contains(&0)
            || self.decoder.contains(&0)
        {
            return Err(format!(
                "encoder {:?} and decoder {:?}: give one decoder width per encoder stage, none \
                 of them 0",
                self.encoder, self.decoder
            ));
        }
        Ok(())
    }

    /// Input height and width must be multiples of this (`2^stages`).
    pub fn size_multiple(&self) -> usize {
        1 << self.encoder.len()
    }

    /// How far, in input pixels, an output pixel sees: the receptive-field radius of the
    /// convolutions, each 3x3 conv adding one cell of its input's spacing (the strides before
    /// it). Windows with this much context around them give what the untiled run gives; the
    /// upsamplings' sub-cell offsets are not counted (windowed and whole runs are compared in
    /// `windowed`'s tests).
    pub fn reach(&self) -> usize {
        // Encoder stage `s` reads spacing 2^s with its strided conv and 2^(s+1) with its second.
        let encoder: usize = (0..self.encoder.len())
            .map(|stage| (1 << stage) + if stage > 0 { 1 << (stage + 1) } else { 0 })
            .sum();
        // Decoder conv `j` works at encoder stage `len - 1 - j`'s output spacing.
        let decoder: usize = (0..self.decoder.len())
            .map(|j| 1 << (self.encoder.len() - j))
            .sum();
        encoder + decoder
    }

    /// Floating-point operations per input pixel for one BEFORE/AFTER pair, counting each
    /// multiply-add as 2 FLOPs over all convolutions (BatchNorm, ReLU, differences and
    /// upsampling add well under 1 % and are not counted).
    pub fn flops_per_pixel(&self) -> f64 {
        let conv = |cin: usize, cout: usize, k: usize, stage: usize| -> f64 {
            // A conv at stage `stage` produces one output per 4^(stage+1) input pixels.
            2.0 * (k * k * cin * cout) as f64 / 4f64.powi(stage as i32 + 1)
        };
        let mut encoder = 0.0;
        let mut cin = self.bands;
        for (stage, &width) in self.encoder.iter().enumerate() {
            encoder += conv(cin, width, 3, stage);
            if stage > 0 {
                encoder += conv(width, width, 3, stage);
            }
            cin = width;
        }
        let deepest = self.encoder.len() - 1;
        // The building decoder has the change decoder's shape and runs once per date.
        let decoders = if self.building_head { 3.0 } else { 1.0 };
        let mut decoder = conv(self.encoder[deepest], self.decoder[0], 3, deepest);
        for j in 1..self.decoder.len() {
            let stage = deepest - j;
            decoder += conv(
                self.decoder[j - 1] + self.encoder[stage],
                self.decoder[j],
                3,
                stage,
            );
        }
        decoder += conv(self.decoder[self.decoder.len() - 1], 1, 1, 0);
        2.0 * encoder + decoders * decoder
    }
}

/// A 3x3 convolution (no bias), BatchNorm and ReLU. For inference the BatchNorm is folded
/// into the convolution ([`ChangeNet::fold_batch_norm`]) and `norm` is `None`.
#[derive(Module, Debug)]
pub struct ConvBlock {
    conv: Conv2d,
    norm: Option<BatchNorm>,
}

impl ConvBlock {
    fn new(channels_in: usize, channels_out: usize, stride: usize, device: &Device) -> Self {
        ConvBlock {
            conv: Conv2dConfig::new([channels_in, channels_out], [3, 3])
                .with_stride([stride, stride])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .with_bias(false)
                .init(device),
            norm: Some(BatchNormConfig::new(channels_out).init(device)),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let y = self.conv.forward(x);
        relu(match &self.norm {
            Some(norm) => norm.forward(y),
            None => y,
        })
    }

    /// The same block with its BatchNorm (running statistics) folded into the conv weights
    /// and bias: `w' = w * s`, `b' = beta - mean * s` with `s = gamma / sqrt(var + eps)`.
    fn fold_batch_norm(self) -> Self {
        let Some(norm) = self.norm else {
            return self;
        };
        let mut conv = self.conv;
        let scale = norm.gamma.val() / norm.running_var.value().add_scalar(norm.epsilon).sqrt();
        let [channels] = scale.dims();
        let weight = conv.weight.val() * scale.clone().reshape([channels, 1, 1, 1]);
        let mut bias = norm.beta.val() - norm.running_mean.value() * scale.clone();
        if let Some(old) = &conv.bias {
            bias = bias + old.val() * scale;
        }
        conv.weight = Param::from_tensor(weight);
        conv.bias = Some(Param::from_tensor(bias));
        ConvBlock { conv, norm: None }
    }
}

/// One encoder stage: a strided conv that halves the resolution, then (after the first
/// stage) a conv at that resolution.
#[derive(Module, Debug)]
pub struct EncoderStage {
    down: ConvBlock,
    refine: Option<ConvBlock>,
}

impl EncoderStage {
    fn fold_batch_norm(self) -> Self {
        EncoderStage {
            down: self.down.fold_batch_norm(),
            refine: self.refine.map(ConvBlock::fold_batch_norm),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = self.down.forward(x);
        match &self.refine {
            Some(refine) => refine.forward(x),
            None => x,
        }
    }
}

/// The decoder path shared by the change and building decoders: `blocks[0]` on the deepest
/// features, then at each finer scale a nearest 2x upsampling, concatenation with that scale's
/// features and the next block; `head` makes one logit at half resolution, bilinearly
/// upsampled to `[height, width]`.
fn decode(
    blocks: &[ConvBlock],
    head: &Conv2d,
    features: Vec<Tensor<4>>,
    [height, width]: [usize; 2],
) -> Tensor<4> {
    let mut features = features.into_iter().rev();
    let deepest = features.next().expect("at least one encoder stage");
    let mut y = blocks[0].forward(deepest);
    for (block, skip) in blocks[1..].iter().zip(features) {
        let up = interpolate(
            y,
            InterpolateOptions::new(InterpolateMode::Nearest)
                .with_align_corners(false)
                .with_scale_factor([2.0, 2.0]),
        );
        y = block.forward(Tensor::cat(vec![up, skip], 1));
    }
    interpolate(
        head.forward(y),
        // Half-pixel mapping: burn's default (align corners) would shift the output by a
        // fraction of a pixel that depends on the tile size, and tiles would disagree.
        InterpolateOptions::new(InterpolateMode::Bilinear)
            .with_align_corners(false)
            .with_output_size([height, width]),
    )
}

/// The decoder convs (deepest first) and the 1x1 head of a decoder (see [`decode`]).
fn decoder_blocks(arch: &NetArch, device: &Device) -> (Vec<ConvBlock>, Conv2d) {
    let deepest = arch.encoder.len() - 1;
    let mut blocks = vec![ConvBlock::new(
        arch.encoder[deepest],
        arch.decoder[0],
        1,
        device,
    )];
    for j in 1..arch.decoder.len() {
        let skip = arch.encoder[deepest - j];
        blocks.push(ConvBlock::new(
            arch.decoder[j - 1] + skip,
            arch.decoder[j],
            1,
            device,
        ));
    }
    let head = Conv2dConfig::new([arch.decoder[deepest], 1], [1, 1]).init(device);
    (blocks, head)
}

/// The building decoder ([`NetArch::building_head`]).
#[derive(Module, Debug)]
pub struct BuildingDecoder {
    blocks: Vec<ConvBlock>,
    head: Conv2d,
}

/// What one pass of a [`ChangeNet`] gives, all logits `[batch, 1, H, W]`.
#[derive(Debug, Clone)]
pub struct NetOutput {
    /// Change logits.
    pub change: Tensor<4>,
    /// Building logits of BEFORE and AFTER, when the network has a building decoder.
    pub buildings: Option<[Tensor<4>; 2]>,
}

/// The Siamese change network (see the module documentation for the design).
#[derive(Module, Debug)]
pub struct ChangeNet {
    encoder: Vec<EncoderStage>,
    // The change decoder has the building decoder's parts, but as two fields of its own, not
    // a `BuildingDecoder`: the record layout is the checkpoint format, and the shipped
    // weights were saved with these two fields.
    decoder: Vec<ConvBlock>,
    head: Conv2d,
    buildings: Option<BuildingDecoder>,
}

impl ChangeNet {
    /// A freshly initialised network of shape `arch` on `device` (seed the device first for
    /// reproducible weights).
    pub fn new(arch: &NetArch, device: &Device) -> Self {
        if let Err(problem) = arch.check() {
            panic!("{problem}");
        }
        let mut cin = arch.bands;
        let encoder = arch
            .encoder
            .iter()
            .enumerate()
            .map(|(stage, &width)| {
                let down = ConvBlock::new(cin, width, 2, device);
                cin = width;
                EncoderStage {
                    down,
                    refine: (stage > 0).then(|| ConvBlock::new(width, width, 1, device)),
                }
            })
            .collect();
        let (decoder, head) = decoder_blocks(arch, device);
        let buildings = arch.building_head.then(|| {
            let (blocks, head) = decoder_blocks(arch, device);
            BuildingDecoder { blocks, head }
        });
        ChangeNet {
            encoder,
            decoder,
            head,
            buildings,
        }
    }

    /// The same network for inference only, with every BatchNorm folded into its conv: the
    /// same outputs as [`Module::valid`] with one pass over each activation less. The result
    /// cannot be trained further or saved as a checkpoint of this architecture.
    pub fn fold_batch_norm(self) -> Self {
        let fold = |blocks: Vec<ConvBlock>| -> Vec<ConvBlock> {
            blocks.into_iter().map(ConvBlock::fold_batch_norm).collect()
        };
        ChangeNet {
            encoder: self
                .encoder
                .into_iter()
                .map(EncoderStage::fold_batch_norm)
                .collect(),
            decoder: fold(self.decoder),
            head: self.head,
            buildings: self.buildings.map(|b| BuildingDecoder {
                blocks: fold(b.blocks),
                head: b.head,
            }),
        }
    }

    /// Each encoder stage's features of BEFORE and AFTER stacked in one batch (BEFORE first).
    fn encode(&self, before: Tensor<4>, after: Tensor<4>) -> Vec<Tensor<4>> {
        let mut x = Tensor::cat(vec![before, after], 0);
        let mut features = Vec::with_capacity(self.encoder.len());
        for stage in &self.encoder {
            x = stage.forward(x);
            features.push(x.clone());
        }
        features
    }

    /// Change logits from stacked features of a batch of `batch` pairs.
    fn change_logits(&self, features: &[Tensor<4>], batch: usize, size: [usize; 2]) -> Tensor<4> {
        let differences = features
            .iter()
            .map(|x| (x.clone().narrow(0, 0, batch) - x.clone().narrow(0, batch, batch)).abs())
            .collect();
        decode(&self.decoder, &self.head, differences, size)
    }

    /// Change logits `[batch, 1, H, W]` for standardised `before` and `after` images
    /// `[batch, bands, H, W]` (H and W multiples of [`NetArch::size_multiple`]).
    pub fn forward(&self, before: Tensor<4>, after: Tensor<4>) -> Tensor<4> {
        let [batch, _, height, width] = before.dims();
        let features = self.encode(before, after);
        self.change_logits(&features, batch, [height, width])
    }

    /// Change and (with a building decoder) building logits, from one pass of the encoder.
    pub fn outputs(&self, before: Tensor<4>, after: Tensor<4>) -> NetOutput {
        let [batch, _, height, width] = before.dims();
        let features = self.encode(before, after);
        let change = self.change_logits(&features, batch, [height, width]);
        let buildings = self.buildings.as_ref().map(|b| {
            let both = decode(&b.blocks, &b.head, features, [height, width]);
            [
                both.clone().narrow(0, 0, batch),
                both.narrow(0, batch, batch),
            ]
        });
        NetOutput { change, buildings }
    }

    /// The change probability: the sigmoid of the change logits, and with a building decoder
    /// that times the larger of the two dates' building probabilities, so that a change
    /// counts where a building stands before or after (a new, removed or rebuilt building)
    /// and not on open ground, whatever was done to it.
    pub fn probability(&self, before: Tensor<4>, after: Tensor<4>) -> Tensor<4> {
        let NetOutput { change, buildings } = self.outputs(before, after);
        let change = sigmoid(change);
        match buildings {
            Some([before, after]) => change * sigmoid(before).max_pair(sigmoid(after)),
            None => change,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;

    #[test]
    fn flops_count_every_conv_at_its_resolution() {
        // One stage: a 3->16 strided conv on both dates, a 16->8 decoder conv and the 8->1
        // head, all producing one output per 4 input pixels.
        let one_stage = NetArch {
            bands: 3,
            encoder: vec![16],
            decoder: vec![8],
            building_head: false,
        };
        let expected =
            2.0 * (2.0 * 27.0 * 16.0 / 4.0) + 2.0 * 9.0 * 16.0 * 8.0 / 4.0 + 2.0 * 8.0 / 4.0;
        assert!((one_stage.flops_per_pixel() - expected).abs() < 1e-9);
        // A second stage adds its two convs (both dates) at 1/16 and a fusion conv at 1/4.
        let two_stages = NetArch {
            bands: 3,
            encoder: vec![16, 32],
            decoder: vec![8, 4],
            building_head: false,
        };
        let expected = 2.0 * (2.0 * 27.0 * 16.0 / 4.0)
            + 2.0 * (2.0 * 9.0 * (16.0 * 32.0 + 32.0 * 32.0) / 16.0)
            + 2.0 * 9.0 * 32.0 * 8.0 / 16.0
            + 2.0 * 9.0 * (8.0 + 16.0) * 4.0 / 4.0
            + 2.0 * 4.0 / 4.0;
        assert!((two_stages.flops_per_pixel() - expected).abs() < 1e-9);
        // A building decoder has the change decoder's shape and runs on both dates.
        let decoder = 2.0 * 9.0 * 16.0 * 8.0 / 4.0 + 2.0 * 8.0 / 4.0;
        let with_buildings = NetArch {
            building_head: true,
            ..one_stage.clone()
        };
        assert!(
            (with_buildings.flops_per_pixel() - one_stage.flops_per_pixel() - 2.0 * decoder).abs()
                < 1e-9
        );
    }

    #[test]
    fn reach_sums_each_convs_input_spacing() {
        // One stage: the strided conv at spacing 1, the decoder conv at spacing 2.
        let one_stage = NetArch {
            bands: 3,
            encoder: vec![16],
            decoder: vec![8],
            building_head: false,
        };
        assert_eq!(one_stage.reach(), 1 + 2);
        // Encoder 1 + (2 + 4) + (4 + 8) + (8 + 16), decoder 16 + 8 + 4 + 2.
        assert_eq!(NetArch::default().reach(), 43 + 30);
    }

    #[test]
    fn output_has_the_input_size_and_is_symmetric_in_the_dates() {
        let _rng = crate::net::BURN_RNG
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let device = Device::flex();
        device.seed(3);
        let net = ChangeNet::new(&NetArch::default(), &device).valid();
        let a = Tensor::<4>::random([1, 3, 48, 64], Distribution::Normal(0.0, 1.0), &device);
        let b = Tensor::<4>::random([1, 3, 48, 64], Distribution::Normal(0.0, 1.0), &device);
        let ab = net.forward(a.clone(), b.clone());
        let ba = net.forward(b.clone(), a.clone());
        assert_eq!(ab.dims(), [1, 1, 48, 64]);
        let diff: f32 = (ab.clone() - ba).abs().max().into_scalar();
        assert!(
            diff < 1e-5,
            "BEFORE/AFTER swap changed the output by {diff}"
        );
    }

    #[test]
    fn a_building_head_gates_the_change_by_where_buildings_stand_at_either_date() {
        let _rng = crate::net::BURN_RNG
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let device = Device::flex();
        device.seed(5);
        let arch = NetArch {
            building_head: true,
            ..NetArch::default()
        };
        let net = ChangeNet::new(&arch, &device).valid();
        let a = Tensor::<4>::random([2, 3, 32, 48], Distribution::Normal(0.0, 1.0), &device);
        let b = Tensor::<4>::random([2, 3, 32, 48], Distribution::Normal(0.0, 1.0), &device);
        let NetOutput { change, buildings } = net.outputs(a.clone(), b.clone());
        let [before, after] = buildings.expect("a building head");
        assert_eq!(before.dims(), [2, 1, 32, 48]);
        // The building logits of a date do not depend on the other date.
        let [alone, _] = net.outputs(a.clone(), a.clone()).buildings.unwrap();
        let diff: f32 = (alone - before.clone()).abs().max().into_scalar();
        assert!(diff < 1e-5, "BEFORE's buildings moved with AFTER by {diff}");
        let expected = sigmoid(change) * sigmoid(before).max_pair(sigmoid(after));
        let ab = net.probability(a.clone(), b.clone());
        let diff: f32 = (ab.clone() - expected).abs().max().into_scalar();
        assert!(diff < 1e-6, "{diff}");
        let ba = net.probability(b, a);
        let diff: f32 = (ab - ba).abs().max().into_scalar();
        assert!(
            diff < 1e-5,
            "BEFORE/AFTER swap changed the probability by {diff}"
        );
    }

    #[test]
    fn folding_batch_norm_keeps_the_outputs() {
        let _rng = crate::net::BURN_RNG
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let device = Device::flex().autodiff();
        device.seed(4);
        let arch = NetArch {
            building_head: true,
            ..NetArch::default()
        };
        let net = ChangeNet::new(&arch, &device);
        let input = || Tensor::<4>::random([2, 3, 32, 32], Distribution::Normal(0.5, 2.0), &device);
        // Training-mode passes move the running statistics away from (0, 1).
        for _ in 0..3 {
            net.outputs(input(), input());
        }
        let net = net.valid();
        let plain = Device::flex();
        let a = Tensor::<4>::random([1, 3, 32, 32], Distribution::Normal(0.5, 2.0), &plain);
        let b = Tensor::<4>::random([1, 3, 32, 32], Distribution::Normal(0.5, 2.0), &plain);
        let reference = net.probability(a.clone(), b.clone());
        let running_var: f32 = net.encoder[1]
            .down
            .norm
            .as_ref()
            .unwrap()
            .running_var
            .value()
            .mean()
            .into_scalar();
        assert!(
            (running_var - 1.0).abs() > 1e-3,
            "running statistics did not move"
        );
        let folded: f32 = (net.fold_batch_norm().probability(a, b) - reference)
            .abs()
            .max()
            .into_scalar();
        assert!(
            folded < 1e-4,
            "folding BatchNorm changed the probabilities by {folded}"
        );
    }
}
