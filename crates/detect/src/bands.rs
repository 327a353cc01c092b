//! Choosing bands: the network takes three (red, green, blue) where a scene or a labelled set
//! has more (Sentinel-2's B02 B03 B04 B08 are blue, green, red, near infrared: bands 3, 2, 1
//! for the network).

use std::borrow::Cow;

use raster::{Grid, Raster, RasterSource, ReadError, SampleType, Window};

use crate::eval::{EvalError, LabelledPair, PairSource};

/// Why a band selection cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("band {band} was asked for but the image has {band_count} bands (bands count from 1)")]
pub struct BandError {
    /// The band asked for, counted from 1.
    pub band: usize,
    /// The bands the image has.
    pub band_count: usize,
}

/// Checks 1-based `bands` against `band_count` and returns them 0-based.
fn zero_based(bands: &[usize], band_count: usize) -> Result<Vec<usize>, BandError> {
    bands
        .iter()
        .map(|&band| {
            if band == 0 || band > band_count {
                Err(BandError { band, band_count })
            } else {
                Ok(band - 1)
            }
        })
        .collect()
}

/// The bands (counted from 1) that a method taking `method_bands` bands is given, unless the
/// analyst chose some: a three-band method gets the red, green and blue that the imagery
/// declares (`true_colour`: a GeoTIFF's colour interpretation, a labelled set's knowledge of
/// its bands), in that order; otherwise every band, as they come. `None` means all bands.
/// `true_colour` is asked only when the method takes three bands (finding out may mean
/// opening files).
///
/// ```
/// use detect::true_colour_for;
/// let sentinel2 = || Ok::<_, std::io::Error>(Some(vec![3, 2, 1])); // B02 B03 B04 B08
/// assert_eq!(true_colour_for(Some(3), sentinel2).unwrap(), Some(vec![3, 2, 1]));
/// // iMAD compares any number of bands: all of them.
/// assert_eq!(true_colour_for(None, sentinel2).unwrap(), None);
/// // Nothing declared: every band, and the network says how many it takes.
/// assert_eq!(true_colour_for(Some(3), || Ok::<_, std::io::Error>(None)).unwrap(), None);
/// ```
pub fn true_colour_for<E>(
    method_bands: Option<usize>,
    true_colour: impl FnOnce() -> Result<Option<Vec<usize>>, E>,
) -> Result<Option<Vec<usize>>, E> {
    if method_bands == Some(3) {
        true_colour()
    } else {
        Ok(None)
    }
}

/// The bands `bands` (0-based, in that order) of `raster`.
fn pick(raster: &Raster, bands: &[usize]) -> Raster {
    let n = raster.grid.width * raster.grid.height;
    let data = bands
        .iter()
        .flat_map(|&b| raster.data[b * n..(b + 1) * n].iter().copied())
        .collect();
    Raster {
        data,
        band_count: bands.len(),
        grid: raster.grid.clone(),
        ..*raster
    }
}

/// Bands `bands` (counted from 1, in that order) of an image in memory, or the image as it is
/// when `bands` is `None`.
pub fn bands_of<'a>(
    raster: &'a Raster,
    bands: Option<&[usize]>,
) -> Result<Cow<'a, Raster>, BandError> {
    Ok(match bands {
        Some(bands) => Cow::Owned(pick(raster, &zero_based(bands, raster.band_count)?)),
        None => Cow::Borrowed(raster),
    })
}

/// Some bands of a source, in a chosen order.
pub struct SelectedBands<'a> {
    source: &'a dyn RasterSource,
    bands: Vec<usize>,
}

impl<'a> SelectedBands<'a> {
    /// Bands `bands` of `source`, counted from 1 as GDAL does (`[3, 2, 1]`: the third, second
    /// and first).
    pub fn new(source: &'a dyn RasterSource, bands: &[usize]) -> Result<Self, BandError> {
        Ok(SelectedBands {
            bands: zero_based(bands, source.band_count())?,
            source,
        })
    }
}

impl RasterSource for SelectedBands<'_> {
    fn grid(&self) -> &Grid {
        self.source.grid()
    }

    fn band_count(&self) -> usize {
        self.bands.len()
    }

    fn nodata(&self) -> Option<f64> {
        self.source.nodata()
    }

    fn sample_type(&self) -> SampleType {
        self.source.sample_type()
    }

    fn read_window(&self, window: &Window) -> Result<Raster, ReadError> {
        Ok(pick(&self.source.read_window(window)?, &self.bands))
    }
}

/// The pairs of a labelled set with some of their bands, in a chosen order.
pub struct SelectedPairBands {
    source: Box<dyn PairSource>,
    bands: Vec<usize>,
}

impl SelectedPairBands {
    /// Bands `bands` (counted from 1) of each pair of `source`; checked as each pair loads.
    pub fn new(source: Box<dyn PairSource>, bands: &[usize]) -> Self {
        SelectedPairBands {
            source,
            bands: bands.to_vec(),
        }
    }
}

impl PairSource for SelectedPairBands {
    fn names(&self) -> Vec<String> {
        self.source.names()
    }

    fn load(&self, name: &str) -> Result<LabelledPair, EvalError> {
        let pair = self.source.load(name)?;
        let bands =
            zero_based(&self.bands, pair.before.band_count).map_err(|e| EvalError::Load {
                name: name.to_string(),
                reason: e.to_string(),
            })?;
        Ok(LabelledPair {
            before: pick(&pair.before, &bands),
            after: pick(&pair.after, &bands),
            ..pair
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_scenes::textured_scene;

    #[test]
    fn bands_come_in_the_order_asked() {
        let scene = textured_scene(30, 20, 4, 5);
        let rgb = SelectedBands::new(&scene, &[3, 2, 1]).unwrap();
        assert_eq!(rgb.band_count(), 3);
        let window = Window::new(4, 5, 10, 6);
        let (picked, all) = (
            rgb.read_window(&window).unwrap(),
            scene.read_window(&window).unwrap(),
        );
        assert_eq!(picked.band(0), all.band(2));
        assert_eq!(picked.band(2), all.band(0));
        let err = SelectedBands::new(&scene, &[5]).err().unwrap().to_string();
        assert!(err.contains("band 5") && err.contains("4 bands"), "{err}");
        assert!(SelectedBands::new(&scene, &[0]).is_err());
    }

    #[test]
    fn bands_of_an_image_in_memory_are_picked_or_borrowed() {
        let scene = textured_scene(30, 20, 4, 5);
        let picked = bands_of(&scene, Some(&[4, 1])).unwrap();
        assert_eq!((picked.band_count, picked.band(1)), (2, scene.band(0)));
        assert_eq!(picked.band(0), scene.band(3));
        assert!(matches!(bands_of(&scene, None).unwrap(), Cow::Borrowed(_)));
        let err = bands_of(&scene, Some(&[5])).err().unwrap().to_string();
        assert!(err.contains("band 5") && err.contains("4 bands"), "{err}");
    }
}
