//! The contrast stretch that turns a crop's samples (8-, 11-, 16-bit or reflectance) into a
//! picture: each shown band mapped linearly from its 2nd to its 98th percentile over the crop
//! onto 0-255, so haze and dark sensors show the same detail and a few glints do not wash the
//! picture out.

use raster::Raster;

use crate::canvas::{Canvas, Rgb};

/// The share of a band's samples clipped to black, and to white, by the stretch.
pub(crate) const CLIP: f64 = 0.02;

/// The colour of pixels with no data.
const NO_DATA: Rgb = [0, 0, 0];

/// The bands a crop is shown with: 0, 1, 2 as red, green, blue when it has three or more, else
/// band 0 as grey.
fn shown_bands(crop: &Raster) -> [usize; 3] {
    if crop.band_count >= 3 {
        [0, 1, 2]
    } else {
        [0, 0, 0]
    }
}

/// The `(low, high)` sample values of `values` at the [`CLIP`] and `1 - CLIP` quantiles
/// (nearest rank), or `None` when there are none.
pub(crate) fn percentile_range(mut values: Vec<f32>) -> Option<(f32, f32)> {
    if values.is_empty() {
        return None;
    }
    let at = |q: f64, values: &mut Vec<f32>| {
        let rank = ((values.len() - 1) as f64 * q).round() as usize;
        *values.select_nth_unstable_by(rank, f32::total_cmp).1
    };
    let low = at(CLIP, &mut values);
    let high = at(1.0 - CLIP, &mut values);
    Some((low, high))
}

/// Maps `value` from `[low, high]` onto 0-255, clamped; a flat band shows mid grey.
fn to_byte(value: f32, (low, high): (f32, f32)) -> u8 {
    if high <= low {
        return 128;
    }
    ((value - low) / (high - low) * 255.0)
        .round()
        .clamp(0.0, 255.0) as u8
}

/// The crop as a picture of its own size, each shown band stretched on its own.
pub(crate) fn stretch(crop: &Raster) -> Canvas {
    let (w, h) = (crop.grid.width, crop.grid.height);
    let bands = shown_bands(crop);
    let valid: Vec<bool> = (0..w * h)
        .map(|i| {
            bands.iter().all(|&b| {
                let v = crop.band(b)[i];
                v.is_finite() && !crop.is_nodata(v)
            })
        })
        .collect();
    let ranges: Vec<Option<(f32, f32)>> = bands
        .iter()
        .map(|&b| {
            let samples = crop.band(b).iter().zip(&valid);
            percentile_range(samples.filter(|(_, ok)| **ok).map(|(v, _)| *v).collect())
        })
        .collect();
    let mut canvas = Canvas::new(w, h, NO_DATA);
    for (i, pixel) in canvas.pixels.iter_mut().enumerate() {
        if valid[i] {
            for (channel, (&b, range)) in bands.iter().zip(&ranges).enumerate() {
                let range = range.expect("a valid pixel makes every range");
                pixel[channel] = to_byte(crop.band(b)[i], range);
            }
        }
    }
    canvas
}

#[cfg(test)]
mod tests {
    use super::*;
    use raster::{Crs, GeoTransform, Grid, SampleType};

    fn crop(bands: usize, width: usize, samples: impl Fn(usize, usize) -> f32) -> Raster {
        let grid = Grid::new(
            Crs::from_epsg(32611).unwrap(),
            GeoTransform::north_up(0.0, 0.0, 1.0, 1.0),
            width,
            1,
        );
        let mut raster = Raster::filled(grid, bands, 0.0, SampleType::U16);
        for b in 0..bands {
            for (i, v) in raster.band_mut(b).iter_mut().enumerate() {
                *v = samples(b, i);
            }
        }
        raster
    }

    #[test]
    fn the_clipped_tails_go_black_and_white_and_the_middle_to_grey() {
        // 0..=100 in band order: the 2nd percentile is 2, the 98th 98.
        let raster = crop(3, 101, |b, i| (i as f32) * (b + 1) as f32);
        let picture = stretch(&raster);
        assert_eq!(picture.pixels[0], [0, 0, 0]);
        assert_eq!(picture.pixels[2], [0, 0, 0]);
        assert_eq!(picture.pixels[98], [255, 255, 255]);
        assert_eq!(picture.pixels[100], [255, 255, 255]);
        // Band gains differ, yet each band is stretched on its own: the middle is grey.
        assert_eq!(picture.pixels[50], [128, 128, 128]);
        assert!(picture.pixels[30][0] < picture.pixels[31][0]);
    }

    #[test]
    fn no_data_is_left_out_of_the_percentiles_and_shown_black() {
        let mut raster = crop(1, 101, |_, i| if i < 50 { 9999.0 } else { i as f32 });
        raster.nodata = Some(9999.0);
        let picture = stretch(&raster);
        assert_eq!(picture.pixels[10], NO_DATA);
        // Of the 51 valid samples 50..=100, the 2% and 98% ranks are 51 and 99.
        assert_eq!(picture.pixels[51], [0, 0, 0]);
        assert_eq!(picture.pixels[99], [255, 255, 255]);
        assert!(picture.pixels[75][0] > 100 && picture.pixels[75][0] < 155);
        assert_eq!(picture.pixels[75][0], picture.pixels[75][2], "grey");
    }

    #[test]
    fn a_flat_band_shows_mid_grey() {
        let picture = stretch(&crop(1, 10, |_, _| 7.0));
        assert!(picture.pixels.iter().all(|p| *p == [128, 128, 128]));
    }
}
