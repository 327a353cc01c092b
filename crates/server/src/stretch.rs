//! Display of a multi-band raster as an 8-bit RGBA picture: each of the first three bands
//! stretched linearly between its 2nd and 98th percentile, so a few bright roofs or dark
//! shadows do not wash out the scene; pixels without data are transparent.
//!
//! The limits are measured once per scene (on an overview of the whole site grid) and applied
//! to every window of it, so that the tiles of a map meet without seams and a scene looks the
//! same at every zoom.

use raster::Raster;

/// The percentiles mapped to black and white.
const LOW_PERCENTILE: f64 = 0.02;
const HIGH_PERCENTILE: f64 = 0.98;

/// Which bands are shown as red, green and blue, and the values mapped to 0 and 255 in each.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stretch {
    shown: [usize; 3],
    limits: [(f32, f32); 3],
}

impl Stretch {
    /// The stretch of `raster`: bands 1-3 as red, green, blue (a one- or two-band raster shows
    /// band 1 in grey), each between its 2nd and 98th percentile of valid values.
    pub(crate) fn measure(raster: &Raster) -> Stretch {
        let shown = if raster.band_count >= 3 {
            [0, 1, 2]
        } else {
            [0, 0, 0]
        };
        let has_data = |value: f32| value.is_finite() && !raster.is_nodata(value);
        let limits = shown.map(|band| percentile_limits(raster.band(band), has_data));
        Stretch { shown, limits }
    }

    /// `raster` as RGBA bytes, row by row. A pixel that is nodata or not finite in any shown
    /// band, or that `outside` says lies off the picture's subject, has alpha 0.
    pub(crate) fn rgba(&self, raster: &Raster, outside: impl Fn(usize, usize) -> bool) -> Vec<u8> {
        let has_data = |value: f32| value.is_finite() && !raster.is_nodata(value);
        let width = raster.grid.width;
        let mut rgba = vec![0u8; width * raster.grid.height * 4];
        for (i, pixel) in rgba.chunks_exact_mut(4).enumerate() {
            let mut valid = !outside(i % width, i / width);
            for (channel, (&band, &(low, high))) in self.shown.iter().zip(&self.limits).enumerate()
            {
                let value = raster.band(band)[i];
                valid &= has_data(value);
                let scaled = if high > low {
                    (value - low) / (high - low)
                } else {
                    0.5
                };
                pixel[channel] = (scaled.clamp(0.0, 1.0) * 255.0).round() as u8;
            }
            pixel[3] = if valid { 255 } else { 0 };
        }
        rgba
    }
}

/// The 2nd and 98th percentile of the values of `band` that `has_data` accepts; (0, 0) when
/// there are none.
fn percentile_limits(band: &[f32], has_data: impl Fn(f32) -> bool) -> (f32, f32) {
    let mut values: Vec<f32> = band.iter().copied().filter(|&v| has_data(v)).collect();
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let last = values.len() - 1;
    let rank = |p: f64| ((last as f64) * p).round() as usize;
    let (low_rank, high_rank) = (rank(LOW_PERCENTILE), rank(HIGH_PERCENTILE));
    let low = *values.select_nth_unstable_by(low_rank, f32::total_cmp).1;
    let high = *values.select_nth_unstable_by(high_rank, f32::total_cmp).1;
    (low, high)
}

/// RGBA bytes of a `width` x `height` picture encoded as PNG.
pub(crate) fn encode_png(
    rgba: &[u8],
    width: usize,
    height: usize,
) -> Result<Vec<u8>, png::EncodingError> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width as u32, height as u32);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgba)?;
    writer.finish()?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use raster::{Crs, GeoTransform, Grid, SampleType};

    fn ramp(values: Vec<f32>, bands: usize, nodata: Option<f64>) -> Raster {
        let width = values.len() / bands;
        Raster {
            grid: Grid::new(
                Crs::from_epsg(32639).unwrap(),
                GeoTransform::north_up(0.0, 0.0, 1.0, 1.0),
                width,
                1,
            ),
            band_count: bands,
            data: values,
            nodata,
            sample_type: SampleType::U16,
        }
    }

    #[test]
    fn outliers_are_clipped_and_the_rest_spans_black_to_white() {
        // 100 values 0..99 and one far outlier: the outlier must not squeeze the ramp.
        let mut values: Vec<f32> = (0..100).map(|v| v as f32).collect();
        values.push(60_000.0);
        let raster = ramp(values, 1, None);
        let rgba = Stretch::measure(&raster).rgba(&raster, |_, _| false);
        let grey: Vec<u8> = rgba.chunks(4).map(|p| p[0]).collect();
        assert_eq!(grey[0], 0);
        assert_eq!(grey[99], 255);
        assert_eq!(grey[100], 255);
        assert!((120..136).contains(&grey[50]), "{}", grey[50]);
        assert!(rgba
            .chunks(4)
            .all(|p| p[3] == 255 && p[0] == p[1] && p[1] == p[2]));
    }

    #[test]
    fn nodata_pixels_are_transparent_and_do_not_set_the_stretch() {
        let values = vec![0.0, 10.0, 20.0, 30.0, 40.0, 9999.0];
        let raster = ramp(values, 1, Some(9999.0));
        let rgba = Stretch::measure(&raster).rgba(&raster, |_, _| false);
        assert_eq!(rgba[5 * 4 + 3], 0);
        assert_eq!(rgba[4 * 4], 255);
        assert_eq!(rgba[0], 0);
    }

    #[test]
    fn a_stretch_measured_on_one_raster_applies_unchanged_to_another() {
        let whole = ramp((0..100).map(|v| v as f32).collect(), 1, None);
        let stretch = Stretch::measure(&whole);
        // A dark corner of the same scene stays dark instead of being stretched to white.
        let corner = ramp(vec![1.0, 2.0, 3.0], 1, None);
        let rgba = stretch.rgba(&corner, |col, _| col == 2);
        assert!(rgba.chunks(4).take(2).all(|p| p[0] < 10 && p[3] == 255));
        assert_eq!(rgba[2 * 4 + 3], 0, "a pixel outside is transparent");
    }

    #[test]
    fn the_png_decodes_to_the_same_pixels() {
        let rgba: Vec<u8> = (0..4 * 6).map(|v| (v * 10) as u8).collect();
        let bytes = encode_png(&rgba, 3, 2).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut out = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut out).unwrap();
        assert_eq!((info.width, info.height), (3, 2));
        assert_eq!(out, rgba);
    }
}
