//! Decompression of one TIFF chunk: none, Deflate, LZW, PackBits, ZSTD and JPEG (YCbCr JPEG is
//! converted to RGB, as GDAL reads it, by the libjpeg-exact decoder of `jpeg.rs`).

use std::io::Read;

use super::layout::Compression;
use crate::raster::ReadErrorKind;

/// A decompressed chunk: its bytes and, for JPEG, the pixel width the stream declares (which
/// may differ from the tag when a writer padded it).
pub(crate) struct Decompressed {
    pub bytes: Vec<u8>,
    pub width: Option<usize>,
}

/// What a JPEG chunk needs besides its own bytes.
pub(crate) struct JpegContext<'a> {
    pub tables: Option<&'a [u8]>,
    /// True when the samples are YCbCr and must be returned as RGB.
    pub ycbcr: bool,
    /// The samples of a whole chunk: no frame may be larger.
    pub max_samples: usize,
}

/// Decompresses chunk `index` (`data`), which should hold `expected` bytes once decompressed.
pub(crate) fn decompress(
    compression: Compression,
    data: &[u8],
    expected: usize,
    jpeg: &JpegContext,
    index: usize,
) -> Result<Decompressed, ReadErrorKind> {
    let bad = |what: String| ReadErrorKind::Corrupt(format!("chunk {index}: {what}"));
    let bytes = match compression {
        Compression::None => data.to_vec(),
        Compression::Deflate => {
            let mut out = Vec::with_capacity(expected);
            flate2::read::ZlibDecoder::new(data)
                .take(expected as u64)
                .read_to_end(&mut out)
                .map_err(|e| bad(format!("Deflate stream: {e}")))?;
            out
        }
        Compression::Lzw => {
            let mut out = Vec::with_capacity(expected);
            let result = weezl::decode::Decoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
                .into_vec(&mut out)
                .decode_all(data);
            // Some writers omit the end code; what matters is that every sample arrived.
            if let (Err(e), true) = (result.status, out.len() < expected) {
                return Err(bad(format!("LZW stream: {e}")));
            }
            out
        }
        Compression::PackBits => unpack_bits(data, expected),
        Compression::Zstd => {
            zstd::bulk::decompress(data, expected).map_err(|e| bad(format!("ZSTD stream: {e}")))?
        }
        Compression::Jpeg => {
            let image = super::jpeg::decode(jpeg.tables, data, jpeg.ycbcr, jpeg.max_samples)
                .map_err(bad)?;
            return Ok(Decompressed {
                bytes: image.samples,
                width: Some(image.width),
            });
        }
    };
    Ok(Decompressed { bytes, width: None })
}

/// PackBits run-length decoding, up to `expected` bytes.
fn unpack_bits(data: &[u8], expected: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(expected);
    let mut i = 0;
    while i < data.len() && out.len() < expected {
        let n = data[i] as i8;
        i += 1;
        if n >= 0 {
            let end = (i + n as usize + 1).min(data.len());
            out.extend_from_slice(&data[i..end]);
            i = end;
        } else if n != -128 {
            if let Some(&byte) = data.get(i) {
                out.extend(std::iter::repeat_n(byte, 1 - n as isize as usize));
            }
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packbits_decodes_the_apple_example() {
        // The example of Apple's PackBits technical note.
        let packed = [
            0xFE, 0xAA, 0x02, 0x80, 0x00, 0x2A, 0xFD, 0xAA, 0x03, 0x80, 0x00, 0x2A, 0x22, 0xF7,
            0xAA,
        ];
        let expected = [
            0xAA, 0xAA, 0xAA, 0x80, 0x00, 0x2A, 0xAA, 0xAA, 0xAA, 0xAA, 0x80, 0x00, 0x2A, 0x22,
            0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA,
        ];
        assert_eq!(unpack_bits(&packed, expected.len()), expected);
    }
}
