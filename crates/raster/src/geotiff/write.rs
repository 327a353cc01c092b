//! Writing GeoTIFFs: tiled, Deflate-compressed with a predictor, one band per plane, in the
//! source's sample type, with nodata and EPSG GeoKeys. The source is read one row of tiles at
//! a time, so writing a large raster needs memory for one row of tiles, not the raster.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::geokeys::epsg_directory;
use super::layout::Predictor;
use super::predictor::{encode_words, RowShape, Word};
use super::tiff_writer::{TagValue, TiffWriter};
use super::transform::TransformTags;
use crate::grid::Window;
use crate::raster::{RasterSource, ReadError, SampleType};

/// How to write a GeoTIFF.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteOptions {
    /// The side of the square tiles in pixels: a multiple of 16 (TIFF requires it); 256 or
    /// 512 suit window reads.
    pub tile_size: usize,
    /// The Deflate level, 1 (fastest) to 9 (smallest).
    pub deflate_level: u32,
    /// Write BigTIFF even when the file would fit in a classic TIFF (files that may pass
    /// 4 GiB are always BigTIFF).
    pub force_bigtiff: bool,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            tile_size: 256,
            deflate_level: 6,
            force_bigtiff: false,
        }
    }
}

/// Why a GeoTIFF could not be written.
#[derive(Debug, thiserror::Error)]
#[error("{}: {kind}", path.display())]
pub struct WriteError {
    pub path: PathBuf,
    pub kind: WriteErrorKind,
}

/// What went wrong while writing a GeoTIFF.
#[derive(Debug, thiserror::Error)]
pub enum WriteErrorKind {
    #[error("cannot write the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot read the pixels to write: {0}")]
    Source(#[from] ReadError),
    #[error("the CRS {0} has no EPSG code, which GeoTIFF writing needs")]
    NoEpsgCode(String),
    #[error("cannot write this raster: {0}")]
    Invalid(String),
}

/// Writes all of `source` to a new GeoTIFF at `path`: tiles of `options.tile_size`, Deflate
/// with the horizontal predictor (integers) or the floating-point predictor (floats), in the
/// source's sample type, with its nodata value, its CRS as an EPSG GeoKey and its transform
/// (ModelPixelScale and ModelTiepoint when north-up, ModelTransformation otherwise). Files
/// that may pass 4 GiB are written as BigTIFF.
///
/// ```no_run
/// use raster::{geotiff::write_geotiff, Crs, GeoTransform, Grid, Raster, SampleType, WriteOptions};
/// let grid = Grid::new(Crs::from_epsg(32615)?, GeoTransform::north_up(0.0, 0.0, 1.0, 1.0), 64, 64);
/// let raster = Raster::filled(grid, 3, 7.0, SampleType::U8);
/// write_geotiff("out.tif", &raster, &WriteOptions::default())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_geotiff<S: RasterSource + ?Sized>(
    path: impl AsRef<Path>,
    source: &S,
    options: &WriteOptions,
) -> Result<(), WriteError> {
    let path = path.as_ref();
    write(path, source, options).map_err(|kind| WriteError {
        path: path.to_path_buf(),
        kind,
    })
}

fn write<S: RasterSource + ?Sized>(
    path: &Path,
    source: &S,
    options: &WriteOptions,
) -> Result<(), WriteErrorKind> {
    let grid = source.grid();
    let (width, height, bands) = (grid.width, grid.height, source.band_count());
    let tile = options.tile_size;
    if tile == 0 || tile % 16 != 0 {
        return Err(WriteErrorKind::Invalid(format!(
            "tile size {tile} is not a positive multiple of 16"
        )));
    }
    if width == 0 || height == 0 || bands == 0 {
        return Err(WriteErrorKind::Invalid(format!(
            "{width}x{height} pixels with {bands} bands"
        )));
    }
    let geokeys =
        epsg_directory(&grid.crs).ok_or_else(|| WriteErrorKind::NoEpsgCode(grid.crs.name()))?;
    let sample_type = source.sample_type();
    let (bytes, format) = sample_layout(sample_type);
    let predictor = if format == 3 {
        Predictor::FloatingPoint
    } else {
        Predictor::Horizontal
    };
    let raw_size = (width * height * bands * bytes) as u64;
    // Compressed tiles can outgrow raw ones a little; GDAL's margin is similar.
    let bigtiff = options.force_bigtiff || raw_size > 3_900_000_000;
    let mut writer = TiffWriter::new(BufWriter::new(File::create(path)?), bigtiff)?;

    let (across, down) = (width.div_ceil(tile), height.div_ceil(tile));
    let per_band = across * down;
    let mut offsets = vec![0u64; per_band * bands];
    let mut counts = vec![0u64; per_band * bands];
    let level = flate2::Compression::new(options.deflate_level.min(9));
    for tile_row in 0..down {
        let rows = tile.min(height - tile_row * tile);
        let strip = source.read_window(&Window::new(0, tile_row * tile, width, rows))?;
        let jobs: Vec<(usize, usize)> = (0..bands)
            .flat_map(|band| (0..across).map(move |tile_col| (band, tile_col)))
            .collect();
        let compressed: Vec<Result<Vec<u8>, std::io::Error>> = jobs
            .par_iter()
            .map(|&(band, tile_col)| {
                let samples = tile_samples(strip.band(band), width, rows, tile_col, tile);
                let raw = encode_tile(&samples, sample_type, tile, predictor);
                let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), level);
                encoder.write_all(&raw)?;
                encoder.finish()
            })
            .collect();
        for (&(band, tile_col), data) in jobs.iter().zip(compressed) {
            let data = data?;
            let index = band * per_band + tile_row * across + tile_col;
            offsets[index] = writer.write_block(&data)?;
            counts[index] = data.len() as u64;
        }
    }

    let band_count = bands as u16;
    let mut entries = vec![
        (256, TagValue::Long(vec![width as u32])),
        (257, TagValue::Long(vec![height as u32])),
        (258, TagValue::Short(vec![(bytes * 8) as u16; bands])),
        (259, TagValue::Short(vec![8])), // Deflate
        (262, TagValue::Short(vec![1])), // BlackIsZero: bands are not colours
        (277, TagValue::Short(vec![band_count])),
        (284, TagValue::Short(vec![2])), // one plane per band
        (
            317,
            TagValue::Short(vec![if predictor == Predictor::FloatingPoint {
                3
            } else {
                2
            }]),
        ),
        (322, TagValue::Long(vec![tile as u32])),
        (323, TagValue::Long(vec![tile as u32])),
        (324, writer.offsets(offsets)),
        (325, writer.offsets(counts)),
        (339, TagValue::Short(vec![format; bands])),
        (34735, TagValue::Short(geokeys)),
    ];
    if bands > 1 {
        // Unspecified extra samples: every band after the first is data, not alpha.
        entries.push((338, TagValue::Short(vec![0; bands - 1])));
    }
    match TransformTags::for_transform(&grid.transform) {
        TransformTags::ScaleTiepoint { scale, tiepoint } => {
            entries.push((33550, TagValue::Double(scale.to_vec())));
            entries.push((33922, TagValue::Double(tiepoint.to_vec())));
        }
        TransformTags::Matrix(m) => entries.push((34264, TagValue::Double(m.to_vec()))),
    }
    if let Some(nodata) = source.nodata() {
        entries.push((42113, TagValue::Ascii(nodata_text(nodata))));
    }
    writer.finish(entries)?;
    Ok(())
}

/// Bytes per sample and TIFF SampleFormat of a sample type.
fn sample_layout(sample_type: SampleType) -> (usize, u16) {
    match sample_type {
        SampleType::U8 => (1, 1),
        SampleType::U16 => (2, 1),
        SampleType::I16 => (2, 2),
        SampleType::U32 => (4, 1),
        SampleType::I32 => (4, 2),
        SampleType::F32 => (4, 3),
        SampleType::F64 => (8, 3),
    }
}

/// The `tile` x `tile` samples of tile column `tile_col` of a band of `rows` rows, padded
/// with zeros past the raster's edge.
fn tile_samples(band: &[f32], width: usize, rows: usize, tile_col: usize, tile: usize) -> Vec<f32> {
    let mut samples = vec![0.0; tile * tile];
    let x0 = tile_col * tile;
    let cols = tile.min(width - x0);
    for (row, target) in samples.chunks_exact_mut(tile).take(rows).enumerate() {
        target[..cols].copy_from_slice(&band[row * width + x0..row * width + x0 + cols]);
    }
    samples
}

/// The bytes of one tile of samples in `sample_type`, with `predictor` applied. Integer
/// samples are rounded to the nearest value the type holds.
fn encode_tile(
    samples: &[f32],
    sample_type: SampleType,
    tile: usize,
    predictor: Predictor,
) -> Vec<u8> {
    fn encode<W: Word>(
        samples: &[f32],
        tile: usize,
        predictor: Predictor,
        to_word: impl Fn(f32) -> W,
    ) -> Vec<u8> {
        let words: Vec<W> = samples.iter().map(|&v| to_word(v)).collect();
        let mut out = Vec::with_capacity(samples.len() * W::BYTES);
        let shape = RowShape {
            row_samples: tile,
            stride: 1,
        };
        encode_words(&words, shape, predictor, &mut out);
        out
    }
    match sample_type {
        SampleType::U8 => encode(samples, tile, predictor, |v| v.round() as u8),
        SampleType::U16 => encode(samples, tile, predictor, |v| v.round() as u16),
        SampleType::I16 => encode(samples, tile, predictor, |v| v.round() as i16 as u16),
        SampleType::U32 => encode(samples, tile, predictor, |v| v.round() as u32),
        SampleType::I32 => encode(samples, tile, predictor, |v| v.round() as i32 as u32),
        SampleType::F32 => encode(samples, tile, predictor, f32::to_bits),
        SampleType::F64 => encode(samples, tile, predictor, |v| f64::from(v).to_bits()),
    }
}

/// The GDAL_NODATA text of a nodata value, as GDAL writes and parses it.
fn nodata_text(nodata: f64) -> String {
    if nodata.is_nan() {
        "nan".into()
    } else {
        format!("{nodata}")
    }
}
