//! What each band shows, as the file declares it (GDAL's and rasterio's "colour
//! interpretation"): a three-band method such as the change network is then given a scene's
//! red, green and blue without the analyst counting bands.

use serde::{Deserialize, Serialize};

/// What one band of a source shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColourInterp {
    Red,
    Green,
    Blue,
    /// Opacity. Files also tag other bands so (NAIP's near-infrared): it is what the file
    /// says, not what the band holds.
    Alpha,
    /// The one band of a grey image.
    Gray,
    /// Nothing declared: a band of a multispectral stack, a label, a measurement.
    Undefined,
}

impl ColourInterp {
    /// The bands of a TIFF image from its PhotometricInterpretation (tag 262) and its
    /// ExtraSamples (tag 338, one value per sample beyond the colour ones), for `samples` bands.
    ///
    /// ```
    /// use raster::ColourInterp::{self, *};
    /// // RGB with a fourth sample declared as unassociated alpha (as NAIP tiles tag their NIR).
    /// assert_eq!(ColourInterp::of_tiff(2, &[2], 4), vec![Red, Green, Blue, Alpha]);
    /// // A four-band stack stored as grey: only the first band is named.
    /// assert_eq!(ColourInterp::of_tiff(1, &[0, 0, 0], 4), vec![Gray, Undefined, Undefined, Undefined]);
    /// ```
    pub fn of_tiff(photometric: u16, extra_samples: &[u16], samples: usize) -> Vec<ColourInterp> {
        let colour: &[ColourInterp] = match photometric {
            // WhiteIsZero and BlackIsZero.
            0 | 1 => &[ColourInterp::Gray],
            // RGB, and YCbCr, which is read as RGB.
            2 | 6 => &[ColourInterp::Red, ColourInterp::Green, ColourInterp::Blue],
            _ => &[],
        };
        let mut bands: Vec<ColourInterp> = colour.iter().copied().take(samples).collect();
        let extra = extra_samples.iter().map(|&kind| match kind {
            // Associated and unassociated alpha.
            1 | 2 => ColourInterp::Alpha,
            _ => ColourInterp::Undefined,
        });
        bands.extend(extra.take(samples - bands.len()));
        bands.resize(samples, ColourInterp::Undefined);
        bands
    }

    /// `bands` with the colour interpretations that GDAL records in a GeoTIFF's GDAL_METADATA
    /// tag (`<Item name="COLORINTERP" sample="N" role="colorinterp">Red</Item>`), which take
    /// precedence over the TIFF tags when GDAL reads the file, so sitewatch reads them as well.
    ///
    /// ```
    /// use raster::ColourInterp::{self, *};
    /// let xml = r#"<GDALMetadata>
    ///   <Item name="COLORINTERP" sample="0" role="colorinterp">Gray</Item>
    ///   <Item name="COLORINTERP" sample="3" role="colorinterp">Undefined</Item>
    /// </GDALMetadata>"#;
    /// let bands = ColourInterp::with_gdal_metadata(vec![Red, Green, Blue, Alpha], xml);
    /// assert_eq!(bands, vec![Gray, Green, Blue, Undefined]);
    /// ```
    pub fn with_gdal_metadata(mut bands: Vec<ColourInterp>, xml: &str) -> Vec<ColourInterp> {
        for item in xml.split("<Item ").skip(1) {
            let Some((attributes, rest)) = item.split_once('>') else {
                continue;
            };
            if !attributes.contains(r#"role="colorinterp""#) {
                continue;
            }
            let sample = attributes
                .split_once(r#"sample=""#)
                .and_then(|(_, tail)| tail.split_once('"'))
                .and_then(|(number, _)| number.parse::<usize>().ok());
            let value = rest.split_once('<').map_or(rest, |(value, _)| value).trim();
            if let Some(band) = sample.and_then(|i| bands.get_mut(i)) {
                *band = ColourInterp::from_gdal_name(value);
            }
        }
        bands
    }

    /// The interpretation GDAL calls `name` (those sitewatch does not distinguish are
    /// undefined).
    fn from_gdal_name(name: &str) -> ColourInterp {
        match name.to_ascii_lowercase().as_str() {
            "red" => ColourInterp::Red,
            "green" => ColourInterp::Green,
            "blue" => ColourInterp::Blue,
            "alpha" => ColourInterp::Alpha,
            "gray" | "grey" => ColourInterp::Gray,
            _ => ColourInterp::Undefined,
        }
    }

    /// The bands (counted from 1) that show red, green and blue, in that order, when the source
    /// declares all three.
    ///
    /// ```
    /// use raster::ColourInterp::{self, *};
    /// assert_eq!(ColourInterp::true_colour(&[Blue, Green, Red, Undefined]), Some(vec![3, 2, 1]));
    /// assert_eq!(ColourInterp::true_colour(&[Gray, Undefined, Undefined]), None);
    /// ```
    pub fn true_colour(bands: &[ColourInterp]) -> Option<Vec<usize>> {
        [ColourInterp::Red, ColourInterp::Green, ColourInterp::Blue]
            .iter()
            .map(|colour| bands.iter().position(|b| b == colour).map(|i| i + 1))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::ColourInterp::{self, *};

    #[test]
    fn photometric_names_the_colour_bands_and_extra_samples_the_rest() {
        assert_eq!(ColourInterp::of_tiff(2, &[], 3), vec![Red, Green, Blue]);
        assert_eq!(ColourInterp::of_tiff(6, &[], 3), vec![Red, Green, Blue]);
        // Four samples and no ExtraSamples tag (the Landsat stack's trap).
        assert_eq!(
            ColourInterp::of_tiff(2, &[], 4),
            vec![Red, Green, Blue, Undefined]
        );
        assert_eq!(ColourInterp::of_tiff(1, &[], 1), vec![Gray]);
        // A palette or CMYK image: nothing sitewatch can call red, green or blue.
        assert_eq!(ColourInterp::of_tiff(5, &[], 4), vec![Undefined; 4]);
        // An "RGB" file with one sample (as some label files are tagged).
        assert_eq!(ColourInterp::of_tiff(2, &[], 1), vec![Red]);
        assert_eq!(ColourInterp::true_colour(&[Red]), None);
    }
}
