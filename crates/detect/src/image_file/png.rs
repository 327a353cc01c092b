//! PNG: grey, RGB, palette, any bit depth; an alpha channel is dropped and fully transparent
//! pixels become nodata.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use png::{ColorType, Transformations};
use raster::Raster;

use super::{interleaved_to_raster, ImageError, Interleaved};

/// Reads a PNG as an 8-bit raster: 1 band for grey, 3 for colour and palette images.
pub(super) fn read_png(path: &Path) -> Result<Raster, ImageError> {
    let fail = |reason: String| ImageError::new(path, reason);
    let file = File::open(path).map_err(|e| fail(format!("cannot open: {e}")))?;
    let mut decoder = png::Decoder::new(BufReader::new(file));
    decoder.set_transformations(Transformations::normalize_to_color8());
    let mut reader = decoder
        .read_info()
        .map_err(|e| fail(format!("not a readable PNG: {e}")))?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| fail("image too large to decode".to_string()))?;
    let mut buffer = vec![0u8; size];
    let info = reader
        .next_frame(&mut buffer)
        .map_err(|e| fail(format!("corrupt PNG data: {e}")))?;
    let (bands, alpha) = match info.color_type {
        ColorType::Grayscale => (1, false),
        ColorType::GrayscaleAlpha => (1, true),
        ColorType::Rgb => (3, false),
        ColorType::Rgba => (3, true),
        ColorType::Indexed => return Err(fail("palette was not expanded".to_string())),
    };
    Ok(interleaved_to_raster(&Interleaved {
        width: info.width as usize,
        height: info.height as usize,
        bands,
        alpha,
        line_size: info.line_size,
        samples: &buffer,
    }))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::read_label;
    use super::*;

    /// Writes an 8-bit PNG (for tests of the readers of PNG pairs).
    pub(crate) fn write_png(
        path: &Path,
        width: u32,
        height: u32,
        color: ColorType,
        data: &[u8],
        palette: Option<Vec<u8>>,
    ) {
        let file = File::create(path).unwrap();
        let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width, height);
        encoder.set_color(color);
        encoder.set_depth(png::BitDepth::Eight);
        if let Some(p) = palette {
            encoder.set_palette(p);
        }
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(data).unwrap();
    }

    #[test]
    fn reads_grey_rgb_palette_and_alpha() {
        let dir = tempfile::tempdir().unwrap();
        let grey = dir.path().join("grey.png");
        write_png(&grey, 2, 1, ColorType::Grayscale, &[10, 200], None);
        let r = read_png(&grey).unwrap();
        assert_eq!((r.band_count, r.data.clone()), (1, vec![10.0, 200.0]));

        let rgba = dir.path().join("rgba.png");
        write_png(
            &rgba,
            2,
            1,
            ColorType::Rgba,
            &[1, 2, 3, 255, 4, 5, 6, 0],
            None,
        );
        let r = read_png(&rgba).unwrap();
        assert_eq!(r.band_count, 3);
        assert_eq!(r.get(1, 0, 0), 2.0);
        assert!(r.get(0, 1, 0).is_nan() && r.is_nodata(r.get(0, 1, 0)));

        let indexed = dir.path().join("indexed.png");
        write_png(
            &indexed,
            2,
            1,
            ColorType::Indexed,
            &[1, 0],
            Some(vec![0, 0, 0, 255, 255, 255]),
        );
        let (label, w, h) = read_label(&indexed).unwrap();
        assert_eq!((label, w, h), (vec![true, false], 2, 1));

        let missing = read_png(&dir.path().join("missing.png")).unwrap_err();
        assert!(missing.to_string().contains("missing.png"));
    }
}
