//! GeoTIFF and Cloud-Optimized GeoTIFF reading and writing, in pure Rust.
//!
//! [`GeoTiff::open`] reads the structure and georeferencing of a file's first image (the full
//! resolution one of a COG) and nothing else; [`RasterSource::read_window`] then decodes only
//! the strips or tiles that a window touches. Every sample of a pixel is a band, as GDAL reads
//! it: a near-infrared band tagged as alpha is still a band, and four samples without
//! ExtraSamples are four bands. YCbCr JPEG is returned as RGB, as GDAL returns it.
//!
//! Files without a CRS (a label mask, a plain TIFF) have no grid of their own; they are opened
//! with [`GeoTiff::open_on_grid`] and the grid of the imagery they belong to.
//! [`write_geotiff`] writes tiled, Deflate-compressed GeoTIFFs that GDAL reads back exactly.

mod codec;
mod geokeys;
mod jpeg;
mod layout;
mod predictor;
mod read;
mod tiff_writer;
mod transform;
mod write;

pub use write::{write_geotiff, WriteError, WriteErrorKind, WriteOptions};

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use tiff::decoder::Decoder;
use tiff::tags::Tag;

use crate::colour::ColourInterp;
use crate::grid::{Grid, Window};
use crate::raster::{Raster, RasterSource, ReadError, ReadErrorKind, SampleType};
use geokeys::GeoKeys;
use layout::{corrupt, TiffLayout};
use transform::TransformTags;

type TiffDecoder = Decoder<BufReader<File>>;

/// An opened GeoTIFF: where its pixels are (its [`Grid`]), how many bands of which type it has,
/// its nodata value and how it is cut into strips or tiles. Pixels are read by window.
#[derive(Debug)]
pub struct GeoTiff {
    path: PathBuf,
    file: File,
    layout: TiffLayout,
    grid: Grid,
    nodata: Option<f64>,
}

impl GeoTiff {
    /// Opens a GeoTIFF whose tags give it a full grid: a transform (ModelPixelScale with a
    /// ModelTiepoint, or ModelTransformation) and a CRS (GeoKeyDirectory). A file without a
    /// transform is refused with [`ReadErrorKind::NoGeoreferencing`], one with a transform but
    /// no CRS with [`ReadErrorKind::NoCrs`], an EPSG code sitewatch does not know with
    /// [`ReadErrorKind::UnknownCrs`].
    ///
    /// ```no_run
    /// use raster::{geotiff::GeoTiff, RasterSource, Window};
    /// let tif = GeoTiff::open("scene.tif")?;
    /// let pixels = tif.read_window(&Window::new(0, 0, 256, 256))?;
    /// println!("{} bands on {}", pixels.band_count, pixels.grid.crs);
    /// # Ok::<(), raster::ReadError>(())
    /// ```
    pub fn open(path: impl AsRef<Path>) -> Result<GeoTiff, ReadError> {
        Self::open_placed(path.as_ref(), grid_from_tags)
    }

    /// Opens a TIFF and places its pixels on `grid`, whatever georeferencing the file has or
    /// lacks: for files that belong to another file's grid, like the OSCD change labels, which
    /// have no CRS and lie on the grid of their `t1` bands. The grid's size must be the file's.
    pub fn open_on_grid(path: impl AsRef<Path>, grid: Grid) -> Result<GeoTiff, ReadError> {
        Self::open_placed(path.as_ref(), |_, layout| {
            if (grid.width, grid.height) == (layout.width, layout.height) {
                Ok(grid)
            } else {
                Err(ReadErrorKind::GridMismatch {
                    file_width: layout.width,
                    file_height: layout.height,
                    grid_width: grid.width,
                    grid_height: grid.height,
                })
            }
        })
    }

    /// Opens a TIFF as an image, on [`Grid::unreferenced`] whatever georeferencing it has or
    /// lacks: for sets of co-registered image pairs, which are compared pixel by pixel.
    pub fn open_unreferenced(path: impl AsRef<Path>) -> Result<GeoTiff, ReadError> {
        Self::open_placed(path.as_ref(), |_, layout| {
            Ok(Grid::unreferenced(layout.width, layout.height))
        })
    }

    /// Opens `path`, reads its layout and nodata, and places it with `place`.
    fn open_placed(
        path: &Path,
        place: impl FnOnce(&mut TiffDecoder, &TiffLayout) -> Result<Grid, ReadErrorKind>,
    ) -> Result<GeoTiff, ReadError> {
        let named = |kind| ReadError {
            path: path.to_path_buf(),
            kind,
        };
        let file = File::open(path).map_err(|e| named(ReadErrorKind::Io(e)))?;
        let file_len = file
            .metadata()
            .map_err(|e| named(ReadErrorKind::Io(e)))?
            .len();
        let reader = file.try_clone().map_err(|e| named(ReadErrorKind::Io(e)))?;
        let mut decoder = Decoder::new(BufReader::new(reader)).map_err(|e| named(corrupt(e)))?;
        let layout = TiffLayout::from_decoder(&mut decoder).map_err(named)?;
        layout.check_within(file_len).map_err(named)?;
        let nodata = read_nodata(&mut decoder).map_err(named)?;
        let grid = place(&mut decoder, &layout).map_err(named)?;
        Ok(GeoTiff {
            path: path.to_path_buf(),
            file,
            layout,
            grid,
            nodata,
        })
    }

    /// The file this was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when the file is cut into tiles, false when into strips.
    pub fn is_tiled(&self) -> bool {
        self.layout.tiled
    }

    /// The size `(width, height)` in pixels of one tile, or of one strip (the image width and
    /// RowsPerStrip).
    pub fn block_size(&self) -> (usize, usize) {
        (self.layout.chunk_width, self.layout.chunk_height)
    }

    /// True when each band is stored in blocks of its own (PlanarConfiguration 2), false when
    /// the samples of a pixel are stored together.
    pub fn is_band_interleaved(&self) -> bool {
        self.layout.planar
    }
}

impl RasterSource for GeoTiff {
    fn grid(&self) -> &Grid {
        &self.grid
    }

    fn band_count(&self) -> usize {
        self.layout.samples
    }

    fn nodata(&self) -> Option<f64> {
        self.nodata
    }

    fn sample_type(&self) -> SampleType {
        self.layout.sample_type
    }

    fn colour_interp(&self) -> Vec<ColourInterp> {
        self.layout.colour.clone()
    }

    fn read_window(&self, window: &Window) -> Result<Raster, ReadError> {
        let named = |kind| ReadError {
            path: self.path.clone(),
            kind,
        };
        let (width, height) = (self.layout.width, self.layout.height);
        ReadErrorKind::check_window(window, width, height).map_err(named)?;
        // Blocks missing from the file read as nodata, as GDAL fills them.
        let fill = self.nodata.unwrap_or(0.0) as f32;
        let data = read::read_window(&self.file, &self.layout, window, fill).map_err(named)?;
        Ok(Raster {
            grid: self.grid.window_grid(window),
            band_count: self.layout.samples,
            data,
            nodata: self.nodata,
            sample_type: self.layout.sample_type,
        })
    }
}

/// The nodata value of the GDAL_NODATA tag, if any.
fn read_nodata(decoder: &mut TiffDecoder) -> Result<Option<f64>, ReadErrorKind> {
    let Some(value) = decoder.find_tag(Tag::GdalNodata).map_err(corrupt)? else {
        return Ok(None);
    };
    let text = value.into_string().map_err(corrupt)?;
    let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    text.parse::<f64>()
        .map(Some)
        .map_err(|_| ReadErrorKind::Corrupt(format!("GDAL_NODATA '{text}' is not a number")))
}

/// The grid that the file's GeoTIFF tags declare.
fn grid_from_tags(decoder: &mut TiffDecoder, layout: &TiffLayout) -> Result<Grid, ReadErrorKind> {
    let mut doubles = |tag| -> Result<Option<Vec<f64>>, ReadErrorKind> {
        decoder
            .find_tag(tag)
            .map_err(corrupt)?
            .map(|v| v.into_f64_vec())
            .transpose()
            .map_err(corrupt)
    };
    let tags = TransformTags::from_tags(
        doubles(Tag::ModelPixelScaleTag)?,
        doubles(Tag::ModelTiepointTag)?,
        doubles(Tag::ModelTransformationTag)?,
    )?
    .ok_or_else(|| {
        ReadErrorKind::NoGeoreferencing(
            "no ModelTiepoint/ModelPixelScale or ModelTransformation tag".into(),
        )
    })?;
    let geo_doubles = doubles(Tag::GeoDoubleParamsTag)?.unwrap_or_default();
    let directory = decoder
        .find_tag_unsigned_vec::<u16>(Tag::GeoKeyDirectoryTag)
        .map_err(corrupt)?;
    let ascii = match decoder.find_tag(Tag::GeoAsciiParamsTag).map_err(corrupt)? {
        Some(value) => value.into_string().map_err(corrupt)?,
        None => String::new(),
    };
    let keys = match &directory {
        Some(directory) => GeoKeys::parse(directory, &geo_doubles, &ascii)?,
        None => GeoKeys::default(),
    };
    let crs = keys.crs()?.ok_or_else(|| {
        ReadErrorKind::NoCrs(match directory {
            Some(_) => "the GeoKeyDirectory declares no CRS (the transform alone does not say \
                        where the pixels are)"
                .into(),
            None => "a transform but no GeoKeyDirectory tag".into(),
        })
    })?;
    Ok(Grid::new(
        crs,
        tags.geotransform(keys.pixel_is_point()),
        layout.width,
        layout.height,
    ))
}
