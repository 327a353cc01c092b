//! Image files compared pixel by pixel, without georeferencing: the labelled change-pair sets
//! (LEVIR-CD, DSIFN, AirChange and their like) ship co-registered PNG, JPEG or TIFF tiles, and
//! a plain pair of photographs can be compared the same way. Each is read onto
//! [`Grid::unreferenced`], so map coordinates are pixel coordinates.
//!
//! ```no_run
//! use detect::image_file::{read_image, read_label};
//! let before = read_image("pairs/A/0001.jpg".as_ref())?;
//! let (label, width, height) = read_label("pairs/label/0001.png".as_ref())?;
//! assert_eq!((width, height), (before.grid.width, before.grid.height));
//! # Ok::<(), detect::image_file::ImageError>(())
//! ```

pub(crate) mod jpeg;
pub(crate) mod png;

use std::path::{Path, PathBuf};

use raster::{GeoTiff, Grid, Raster, RasterSource, SampleType};

/// Why an image could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct ImageError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub reason: String,
}

impl ImageError {
    fn new(path: &Path, reason: String) -> Self {
        ImageError {
            path: path.to_path_buf(),
            reason,
        }
    }
}

/// The image formats read, known by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// `.png`: 8-bit, grey, RGB or palette, with or without alpha.
    Png,
    /// `.jpg`, `.jpeg`: grey or colour.
    Jpeg,
    /// `.tif`, `.tiff`: any band count and sample type the GeoTIFF reader takes; its
    /// georeferencing, if any, is ignored.
    Tiff,
}

impl ImageFormat {
    /// The extensions read (in lower case; any case is accepted) and their formats.
    pub const EXTENSIONS: [(&'static str, ImageFormat); 5] = [
        ("png", ImageFormat::Png),
        ("jpg", ImageFormat::Jpeg),
        ("jpeg", ImageFormat::Jpeg),
        ("tif", ImageFormat::Tiff),
        ("tiff", ImageFormat::Tiff),
    ];

    /// The format of `path` by its extension (any case), or `None` if it is not one read.
    pub fn of(path: &Path) -> Option<ImageFormat> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        Self::EXTENSIONS
            .iter()
            .find(|(known, _)| *known == extension)
            .map(|&(_, format)| format)
    }

    /// The extensions read, as a user would list them: ".png, .jpg, ...".
    pub fn extension_list() -> String {
        let dotted: Vec<String> = Self::EXTENSIONS
            .iter()
            .map(|(extension, _)| format!(".{extension}"))
            .collect();
        dotted.join(", ")
    }
}

/// Reads an image file (PNG, JPEG or TIFF, by its extension) as a raster on
/// [`Grid::unreferenced`].
pub fn read_image(path: &Path) -> Result<Raster, ImageError> {
    match ImageFormat::of(path) {
        Some(ImageFormat::Png) => png::read_png(path),
        Some(ImageFormat::Jpeg) => jpeg::read_jpeg(path),
        Some(ImageFormat::Tiff) => read_tiff(path),
        None => Err(ImageError::new(
            path,
            format!(
                "not an image file sitewatch reads (by its extension: {})",
                ImageFormat::extension_list()
            ),
        )),
    }
}

/// Reads a binary change label: a pixel is change when its grey value (the mean of its
/// bands) is above 127.
pub fn read_label(path: &Path) -> Result<(Vec<bool>, usize, usize), ImageError> {
    let raster = read_image(path)?;
    let n = raster.grid.width * raster.grid.height;
    let bands = raster.band_count as f32;
    let label = (0..n)
        .map(|i| {
            (0..raster.band_count)
                .map(|b| raster.data[b * n + i])
                .sum::<f32>()
                / bands
                > 127.0
        })
        .collect();
    Ok((label, raster.grid.width, raster.grid.height))
}

/// A TIFF's pixels, whole, whatever its georeferencing.
fn read_tiff(path: &Path) -> Result<Raster, ImageError> {
    let fail = |e: raster::ReadError| ImageError::new(path, e.kind.to_string());
    let tiff = GeoTiff::open_unreferenced(path).map_err(fail)?;
    tiff.read_window(&tiff.grid().full_window()).map_err(fail)
}

/// Decoded 8-bit samples, pixel-interleaved, row after row.
struct Interleaved<'a> {
    width: usize,
    height: usize,
    /// Colour bands per pixel (1 or 3).
    bands: usize,
    /// Whether an alpha sample follows each pixel's bands.
    alpha: bool,
    /// Bytes from one row's start to the next's.
    line_size: usize,
    samples: &'a [u8],
}

/// A band-sequential 8-bit raster of `image`; with alpha, fully transparent pixels are NaN,
/// the raster's nodata.
fn interleaved_to_raster(image: &Interleaved) -> Raster {
    let Interleaved {
        width,
        height,
        bands,
        alpha,
        line_size,
        samples,
    } = *image;
    let per_pixel = bands + usize::from(alpha);
    let n = width * height;
    let mut raster = Raster::filled(
        Grid::unreferenced(width, height),
        bands,
        0.0,
        SampleType::U8,
    );
    for r in 0..height {
        let line = &samples[r * line_size..r * line_size + width * per_pixel];
        for (c, pixel) in line.chunks_exact(per_pixel).enumerate() {
            let transparent = alpha && pixel[bands] == 0;
            for (b, &sample) in pixel[..bands].iter().enumerate() {
                raster.data[b * n + r * width + c] = if transparent {
                    f32::NAN
                } else {
                    f32::from(sample)
                };
            }
        }
    }
    if alpha {
        raster.nodata = Some(f64::NAN);
    }
    raster
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_known_by_extension_in_any_case() {
        let of = |name: &str| ImageFormat::of(Path::new(name));
        assert_eq!(of("a/B/x.PNG"), Some(ImageFormat::Png));
        assert_eq!(of("x.jpeg"), Some(ImageFormat::Jpeg));
        assert_eq!(of("x.Tif"), Some(ImageFormat::Tiff));
        assert_eq!(of("x.bmp"), None);
        assert_eq!(of("x"), None);
        let error = read_image(Path::new("scene.bmp")).unwrap_err().to_string();
        assert!(
            error.contains("scene.bmp") && error.contains(".jpeg"),
            "{error}"
        );
    }

    #[test]
    fn a_tiff_is_read_whole_on_a_pixel_grid_whatever_its_georeferencing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("label.tif");
        let grid = Grid::new(
            raster::Crs::from_epsg(32633).unwrap(),
            raster::GeoTransform::north_up(500_000.0, 4_000_000.0, 10.0, 10.0),
            3,
            2,
        );
        let mut label = Raster::filled(grid, 1, 0.0, SampleType::U8);
        label.data[4] = 255.0;
        raster::write_geotiff(&path, &label, &raster::WriteOptions::default()).unwrap();
        let image = read_image(&path).unwrap();
        assert_eq!(image.grid, Grid::unreferenced(3, 2));
        assert_eq!(image.data, label.data);
        let (mask, width, height) = read_label(&path).unwrap();
        assert_eq!((width, height), (3, 2));
        assert_eq!(mask, [false, false, false, false, true, false]);
    }
}
