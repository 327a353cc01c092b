//! The layout of a TIFF image: how its samples are typed, compressed and cut into chunks
//! (strips or tiles), read from the first image file directory with the `tiff` crate's tag API.
//!
//! Only the tags are taken from the `tiff` crate; its colour-type logic is not used, because real
//! GeoTIFFs break it (four samples with no ExtraSamples, a near-infrared band tagged as alpha, a
//! one-sample "RGB" label file). Every sample is a band here, as GDAL reads them.

use std::io::{Read, Seek};

use tiff::decoder::Decoder;
use tiff::tags::{ByteOrder, Tag};

use crate::colour::ColourInterp;
use crate::raster::{ReadErrorKind, SampleType};

/// GDAL's own metadata, XML in an ASCII tag: per-band colour interpretations, among others.
const GDAL_METADATA: u16 = 42112;

/// How the samples of a chunk are compressed (TIFF tag 259).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    None,
    Lzw,
    Jpeg,
    /// Deflate, under both its codes (8 and the old-style 32946).
    Deflate,
    PackBits,
    Zstd,
}

impl Compression {
    /// The compression with TIFF code `code`, or a clear refusal naming the code.
    pub(crate) fn from_code(code: u16) -> Result<Compression, ReadErrorKind> {
        Ok(match code {
            1 => Compression::None,
            5 => Compression::Lzw,
            7 => Compression::Jpeg,
            8 | 32946 => Compression::Deflate,
            32773 => Compression::PackBits,
            50000 => Compression::Zstd,
            other => {
                let name = match other {
                    2..=4 => " (CCITT fax)",
                    6 => " (old-style JPEG)",
                    34712 => " (JPEG 2000)",
                    34887 => " (LERC)",
                    34925 => " (LZMA)",
                    50001 => " (WebP)",
                    _ => "",
                };
                return Err(ReadErrorKind::Unsupported(format!(
                    "compression {other}{name}; supported are none, Deflate, LZW, PackBits, \
                     JPEG and ZSTD"
                )));
            }
        })
    }
}

/// The differencing applied to samples before compression (TIFF tag 317).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Predictor {
    None,
    /// Each sample is stored as the difference from the same sample of the previous pixel.
    Horizontal,
    /// The bytes of floating-point samples are shuffled by significance, then differenced.
    FloatingPoint,
}

/// The numeric interpretation of samples (TIFF tag 339).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SampleFormat {
    Unsigned,
    Signed,
    Float,
}

/// Everything needed to find, decode and place the samples of any chunk of the image.
#[derive(Debug, Clone)]
pub(crate) struct TiffLayout {
    pub width: usize,
    pub height: usize,
    /// Samples per pixel: every one of them is a band.
    pub samples: usize,
    pub sample_type: SampleType,
    pub sample_format: SampleFormat,
    /// Bytes per sample.
    pub sample_bytes: usize,
    /// True when each band is stored in chunks of its own (PlanarConfiguration 2).
    pub planar: bool,
    pub compression: Compression,
    pub predictor: Predictor,
    /// True when PhotometricInterpretation is YCbCr, which GDAL returns as RGB.
    pub ycbcr: bool,
    /// What each band shows (PhotometricInterpretation and ExtraSamples).
    pub colour: Vec<ColourInterp>,
    pub tiled: bool,
    /// Width of a chunk in pixels (the image width for strips).
    pub chunk_width: usize,
    /// Height of a chunk in rows (RowsPerStrip for strips).
    pub chunk_height: usize,
    pub offsets: Vec<u64>,
    pub byte_counts: Vec<u64>,
    /// Tables shared by every JPEG chunk (TIFF tag 347), when the file has them.
    pub jpeg_tables: Option<Vec<u8>>,
    pub little_endian: bool,
}

impl TiffLayout {
    /// Reads the layout of the decoder's current image.
    pub(crate) fn from_decoder<R: Read + Seek>(
        decoder: &mut Decoder<R>,
    ) -> Result<TiffLayout, ReadErrorKind> {
        let width = required_unsigned(decoder, Tag::ImageWidth)?;
        let height = required_unsigned(decoder, Tag::ImageLength)?;
        let samples = unsigned_or(decoder, Tag::SamplesPerPixel, 1)?;
        let bits = decoder
            .find_tag_unsigned_vec::<u16>(Tag::BitsPerSample)
            .map_err(corrupt)?
            .unwrap_or_else(|| vec![1]);
        if bits.iter().any(|&b| b != bits[0]) {
            return Err(ReadErrorKind::Unsupported(format!(
                "bands of different bit depths {bits:?}"
            )));
        }
        let formats = decoder
            .find_tag_unsigned_vec::<u16>(Tag::SampleFormat)
            .map_err(corrupt)?
            .unwrap_or_else(|| vec![1]);
        if formats.iter().any(|&f| f != formats[0]) {
            return Err(ReadErrorKind::Unsupported(format!(
                "bands of different sample formats {formats:?}"
            )));
        }
        let (sample_format, sample_type) = sample_type(formats[0], bits[0])?;
        let compression =
            Compression::from_code(unsigned_or(decoder, Tag::Compression, 1)? as u16)?;
        let predictor = match unsigned_or(decoder, Tag::Predictor, 1)? {
            1 => Predictor::None,
            2 => Predictor::Horizontal,
            3 => Predictor::FloatingPoint,
            other => {
                return Err(ReadErrorKind::Unsupported(format!("predictor {other}")));
            }
        };
        let planar = match unsigned_or(decoder, Tag::PlanarConfiguration, 1)? {
            1 => false,
            2 => true,
            other => {
                return Err(ReadErrorKind::Corrupt(format!(
                    "PlanarConfiguration {other} is neither 1 nor 2"
                )))
            }
        };
        let photometric = unsigned_or(decoder, Tag::PhotometricInterpretation, 1)?;
        let ycbcr = photometric == 6;
        if ycbcr && compression != Compression::Jpeg {
            return Err(ReadErrorKind::Unsupported(
                "YCbCr samples that are not JPEG-compressed".into(),
            ));
        }
        let extra_samples = decoder
            .find_tag_unsigned_vec::<u16>(Tag::ExtraSamples)
            .map_err(corrupt)?
            .unwrap_or_default();
        let mut colour = ColourInterp::of_tiff(photometric as u16, &extra_samples, samples);
        if let Some(xml) = decoder
            .find_tag(Tag::Unknown(GDAL_METADATA))
            .map_err(corrupt)?
            .and_then(|value| value.into_string().ok())
        {
            colour = ColourInterp::with_gdal_metadata(colour, &xml);
        }
        let tiled = decoder
            .find_tag(Tag::TileOffsets)
            .map_err(corrupt)?
            .is_some();
        let (chunk_width, chunk_height, offsets_tag, counts_tag) = if tiled {
            (
                required_unsigned(decoder, Tag::TileWidth)?,
                required_unsigned(decoder, Tag::TileLength)?,
                Tag::TileOffsets,
                Tag::TileByteCounts,
            )
        } else {
            let rows = unsigned_or(decoder, Tag::RowsPerStrip, height)?.min(height);
            (width, rows, Tag::StripOffsets, Tag::StripByteCounts)
        };
        let offsets = required_u64_vec(decoder, offsets_tag)?;
        let byte_counts = required_u64_vec(decoder, counts_tag)?;
        let jpeg_tables = match compression {
            Compression::Jpeg => decoder
                .find_tag(Tag::JPEGTables)
                .map_err(corrupt)?
                .map(|v| v.into_u8_vec())
                .transpose()
                .map_err(corrupt)?,
            _ => None,
        };
        let layout = TiffLayout {
            width,
            height,
            samples,
            sample_type,
            sample_format,
            sample_bytes: usize::from(bits[0] / 8),
            planar,
            compression,
            predictor,
            ycbcr,
            colour,
            tiled,
            chunk_width,
            chunk_height,
            offsets,
            byte_counts,
            jpeg_tables,
            little_endian: decoder.byte_order() == ByteOrder::LittleEndian,
        };
        layout.check_consistency()?;
        Ok(layout)
    }

    fn check_consistency(&self) -> Result<(), ReadErrorKind> {
        if self.width == 0 || self.height == 0 || self.samples == 0 {
            return Err(ReadErrorKind::Corrupt(format!(
                "image of {}x{} pixels with {} samples",
                self.width, self.height, self.samples
            )));
        }
        if self.chunk_width == 0 || self.chunk_height == 0 {
            return Err(ReadErrorKind::Corrupt("chunks of zero size".into()));
        }
        let expected = self.chunks_across() * self.chunks_down() * self.planes();
        if self.offsets.len() != expected || self.byte_counts.len() != expected {
            return Err(ReadErrorKind::Corrupt(format!(
                "{} chunk offsets and {} byte counts where the layout needs {expected}",
                self.offsets.len(),
                self.byte_counts.len()
            )));
        }
        if self.predictor == Predictor::FloatingPoint && self.sample_format != SampleFormat::Float {
            return Err(ReadErrorKind::Unsupported(
                "the floating-point predictor on integer samples".into(),
            ));
        }
        if self.predictor == Predictor::Horizontal && self.sample_format == SampleFormat::Float {
            return Err(ReadErrorKind::Unsupported(
                "the horizontal predictor on floating-point samples".into(),
            ));
        }
        Ok(())
    }

    /// Checks that every chunk lies inside a file of `file_len` bytes, so that a truncated file
    /// is refused when it is opened, not half-way through a read.
    pub(crate) fn check_within(&self, file_len: u64) -> Result<(), ReadErrorKind> {
        for (index, (&offset, &count)) in self.offsets.iter().zip(&self.byte_counts).enumerate() {
            let end = offset.saturating_add(count);
            if count > 0 && end > file_len {
                return Err(ReadErrorKind::Corrupt(format!(
                    "chunk {index} ends at byte {end} but the file has only {file_len} bytes \
                     (truncated?)"
                )));
            }
        }
        Ok(())
    }

    /// Chunks per row of chunks.
    pub(crate) fn chunks_across(&self) -> usize {
        self.width.div_ceil(self.chunk_width)
    }

    /// Rows of chunks.
    pub(crate) fn chunks_down(&self) -> usize {
        self.height.div_ceil(self.chunk_height)
    }

    /// Separately stored planes: one per band when planar, else one.
    pub(crate) fn planes(&self) -> usize {
        if self.planar {
            self.samples
        } else {
            1
        }
    }

    /// Samples per pixel inside one chunk.
    pub(crate) fn samples_per_chunk_pixel(&self) -> usize {
        if self.planar {
            1
        } else {
            self.samples
        }
    }

    /// Rows of pixels stored in chunk row `chunk_row`: tiles are always whole, while the last
    /// strip holds only the rows that remain.
    pub(crate) fn stored_rows(&self, chunk_row: usize) -> usize {
        if self.tiled {
            self.chunk_height
        } else {
            self.chunk_height
                .min(self.height - chunk_row * self.chunk_height)
        }
    }
}

/// The `(format, type)` of samples with TIFF SampleFormat `format` and `bits` bits.
fn sample_type(format: u16, bits: u16) -> Result<(SampleFormat, SampleType), ReadErrorKind> {
    Ok(match (format, bits) {
        (1, 8) => (SampleFormat::Unsigned, SampleType::U8),
        (1, 16) => (SampleFormat::Unsigned, SampleType::U16),
        (1, 32) => (SampleFormat::Unsigned, SampleType::U32),
        (2, 16) => (SampleFormat::Signed, SampleType::I16),
        (2, 32) => (SampleFormat::Signed, SampleType::I32),
        (3, 32) => (SampleFormat::Float, SampleType::F32),
        (3, 64) => (SampleFormat::Float, SampleType::F64),
        _ => {
            return Err(ReadErrorKind::Unsupported(format!(
                "{bits}-bit samples of SampleFormat {format}; supported are 8/16/32-bit \
                 unsigned, 16/32-bit signed and 32/64-bit floating point"
            )))
        }
    })
}

/// A TIFF decoding error as a [`ReadErrorKind::Corrupt`].
pub(crate) fn corrupt(err: tiff::TiffError) -> ReadErrorKind {
    ReadErrorKind::Corrupt(err.to_string())
}

fn required_unsigned<R: Read + Seek>(
    decoder: &mut Decoder<R>,
    tag: Tag,
) -> Result<usize, ReadErrorKind> {
    decoder
        .find_tag_unsigned::<u64>(tag)
        .map_err(corrupt)?
        .map(|v| v as usize)
        .ok_or_else(|| ReadErrorKind::Corrupt(format!("the required tag {tag:?} is missing")))
}

fn unsigned_or<R: Read + Seek>(
    decoder: &mut Decoder<R>,
    tag: Tag,
    default: usize,
) -> Result<usize, ReadErrorKind> {
    Ok(decoder
        .find_tag_unsigned::<u64>(tag)
        .map_err(corrupt)?
        .map_or(default, |v| v as usize))
}

fn required_u64_vec<R: Read + Seek>(
    decoder: &mut Decoder<R>,
    tag: Tag,
) -> Result<Vec<u64>, ReadErrorKind> {
    decoder
        .find_tag(tag)
        .map_err(corrupt)?
        .ok_or_else(|| ReadErrorKind::Corrupt(format!("the required tag {tag:?} is missing")))?
        .into_u64_vec()
        .map_err(corrupt)
}
