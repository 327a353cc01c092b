//! Sub-pixel co-registration: how far a TARGET scene, already warped onto a REF scene's grid,
//! is still off, and the correction that brings it on.
//!
//! Misregistration is the first cause of false change: two scenes warped onto one grid still
//! disagree by 0.5-3 px. [`coregister`] phase-correlates the two bands over a grid of windows
//! on a representation that survives sensor and season (gradients with doubled orientation),
//! leaves out windows that are nodata, cloud or without texture, refines each peak to a
//! fraction of a pixel, rejects the tie points that disagree, and fits a shift or an affine
//! field; or refuses with the reason when the match is not trustworthy.
//!
//! Capture range: the windows are matched where they lie, then again moved by the global
//! shift, so misregistrations up to about a quarter of a window (64 px for the 256 px windows
//! of large scenes) are found; warp first when scenes are further apart. Accuracy, measured by
//! `examples/coreg_bench.rs` on known shifts of real imagery: a few hundredths of a pixel.
//!
//! Sign convention: `dx`, `dy` say how far TARGET must move, in REF pixels, positive east
//! (columns) and south (rows). If TARGET is REF displaced 2 px east, `dx = -2`, and
//! [`Alignment::correct`] maps REF pixel `(c, r)` to TARGET position `(c + 2, r)`.
//!
//! ```
//! use raster::coreg::{coregister, fourier_shift, CoregParams, MaskedBand};
//!
//! // A textured REF (waves in five directions at unrelated wavelengths: no two places look
//! // alike) and a TARGET that is REF displaced 1.25 px east and 0.5 px north.
//! let waves = [(0.31, 0.07), (-0.11, 0.23), (0.05, -0.37), (0.19, 0.13), (-0.27, -0.05)];
//! let (w, h) = (320, 320);
//! let reference: Vec<f32> = (0..w * h)
//!     .map(|i| {
//!         let (c, r) = ((i % w) as f32, (i / w) as f32);
//!         let wave = |(k, (a, b)): (usize, &(f32, f32))| (a * c + b * r + k as f32).sin();
//!         500.0 + 40.0 * waves.iter().enumerate().map(wave).sum::<f32>()
//!     })
//!     .collect();
//! let target = fourier_shift(&reference, w, h, 1.25, -0.5);
//! let alignment = coregister(
//!     &MaskedBand::masking_zeros(w, h, reference),
//!     &MaskedBand::masking_zeros(w, h, target),
//!     &CoregParams::default(),
//! )
//! .unwrap();
//! assert!((alignment.dx + 1.25).abs() < 0.05 && (alignment.dy - 0.5).abs() < 0.05);
//! let (c, r) = alignment.correct(100.0, 100.0);
//! assert!((c - 101.25).abs() < 0.05 && (r - 99.5).abs() < 0.05);
//! ```

mod alignment;
mod band;
mod features;
mod fft2;
mod fourier_shift;
mod model;
mod phase_correlation;
mod subpixel;
#[cfg(test)]
mod synthetic;
mod taper;

pub use alignment::{
    coregister, global_shift, Alignment, CoregError, CoregParams, GlobalShift, TiePoint, TieStatus,
    WindowCensus,
};
pub use band::MaskedBand;
pub use fourier_shift::fourier_shift;
pub use model::CorrectionModel;
pub use subpixel::SubpixelMethod;
