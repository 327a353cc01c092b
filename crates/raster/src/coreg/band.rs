//! One band of an image prepared for co-registration: its samples and which of them hold data.

use crate::raster::Raster;

/// A single band of samples on a grid, with a validity mask: `valid[i]` is false where sample
/// `i` holds no data (a declared nodata value, NaN, or the zeros that many products leave
/// outside their footprint without declaring them). Co-registration ignores invalid samples.
#[derive(Debug, Clone, PartialEq)]
pub struct MaskedBand {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// The samples, row-major.
    pub values: Vec<f32>,
    /// Whether each sample holds data, row-major.
    pub valid: Vec<bool>,
}

impl MaskedBand {
    /// A band with an explicit validity mask. Non-finite samples are marked invalid as well.
    ///
    /// Panics when `values` or `valid` does not hold `width * height` samples.
    pub fn new(width: usize, height: usize, values: Vec<f32>, valid: Vec<bool>) -> Self {
        assert_eq!(values.len(), width * height, "band has the wrong length");
        assert_eq!(valid.len(), width * height, "mask has the wrong length");
        let valid = values
            .iter()
            .zip(valid)
            .map(|(v, ok)| ok && v.is_finite())
            .collect();
        MaskedBand {
            width,
            height,
            values,
            valid,
        }
    }

    /// A band whose invalid samples are the non-finite ones and the exact zeros (products such
    /// as Sentinel-2 subsets fill the area outside their footprint with 0 and no nodata tag).
    pub fn masking_zeros(width: usize, height: usize, values: Vec<f32>) -> Self {
        let valid = values.iter().map(|&v| v != 0.0).collect();
        MaskedBand::new(width, height, values, valid)
    }

    /// Band `band` of a raster, masking the raster's nodata value, NaN and exact zeros.
    pub fn from_raster(raster: &Raster, band: usize) -> Self {
        let values = raster.band(band).to_vec();
        let valid = values
            .iter()
            .map(|&v| v != 0.0 && !raster.is_nodata(v))
            .collect();
        MaskedBand::new(raster.grid.width, raster.grid.height, values, valid)
    }

    /// The mean of all bands of a raster, valid where every band holds data: one band to match
    /// whatever the sensor's band set, with the noise of each band averaged down.
    pub fn brightness(raster: &Raster) -> Self {
        let n = raster.grid.width * raster.grid.height;
        let mut values = vec![0f32; n];
        let mut valid = vec![true; n];
        for b in 0..raster.band_count {
            for ((sum, ok), &v) in values.iter_mut().zip(&mut valid).zip(raster.band(b)) {
                *ok &= v != 0.0 && !raster.is_nodata(v) && v.is_finite();
                *sum += v / raster.band_count as f32;
            }
        }
        MaskedBand::new(raster.grid.width, raster.grid.height, values, valid)
    }

    /// The fraction of samples that hold data.
    pub fn valid_fraction(&self) -> f64 {
        if self.valid.is_empty() {
            return 0.0;
        }
        self.valid.iter().filter(|&&v| v).count() as f64 / self.valid.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Crs, GeoTransform, Grid, SampleType};

    #[test]
    fn zeros_nan_and_nodata_are_invalid() {
        let grid = Grid::new(
            Crs::from_epsg(32633).unwrap(),
            GeoTransform::north_up(0.0, 0.0, 10.0, 10.0),
            4,
            1,
        );
        let mut raster = Raster::filled(grid, 1, 5.0, SampleType::U16);
        raster.nodata = Some(7.0);
        raster.data = vec![0.0, 7.0, f32::NAN, 3.0];
        let band = MaskedBand::from_raster(&raster, 0);
        assert_eq!(band.valid, vec![false, false, false, true]);
        assert_eq!(band.valid_fraction(), 0.25);
    }
}
