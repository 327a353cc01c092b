//! Reading a window: only the chunks (strips or tiles) that intersect it are read and
//! decoded, one row of chunks per task, straight into the window's band-sequential samples.

use std::fs::File;

use rayon::prelude::*;

use super::codec::{decompress, JpegContext};
use super::layout::TiffLayout;
use super::predictor::{decode_words, RowShape};
use crate::grid::Window;
use crate::raster::{ReadErrorKind, SampleType};

/// The samples of `window`, band-sequential, from the image `layout` describes in `file`.
/// Chunks that the file leaves out (offset or byte count 0) read as `fill`.
pub(crate) fn read_window(
    file: &File,
    layout: &TiffLayout,
    window: &Window,
    fill: f32,
) -> Result<Vec<f32>, ReadErrorKind> {
    let mut data = vec![fill; window.len() * layout.samples];
    if window.is_empty() {
        return Ok(data);
    }
    let first_chunk_row = window.row_off / layout.chunk_height;
    let last_chunk_row = (window.row_off + window.height - 1) / layout.chunk_height;
    // Cut every band into the rows that each chunk row covers: the tasks then own disjoint
    // slices of the output.
    let mut tasks: Vec<(usize, Vec<&mut [f32]>)> = (first_chunk_row..=last_chunk_row)
        .map(|chunk_row| (chunk_row, Vec::with_capacity(layout.samples)))
        .collect();
    for band in data.chunks_mut(window.len()) {
        let mut rest = band;
        for (chunk_row, slices) in tasks.iter_mut() {
            let (row0, row1) = rows_of(layout, *chunk_row, window);
            let (head, tail) = rest.split_at_mut((row1 - row0) * window.width);
            slices.push(head);
            rest = tail;
        }
    }
    tasks
        .into_par_iter()
        .try_for_each(|(chunk_row, mut bands)| {
            read_chunk_row(file, layout, window, chunk_row, &mut bands)
        })?;
    Ok(data)
}

/// The image rows `[row0, row1)` of `window` that chunk row `chunk_row` holds.
fn rows_of(layout: &TiffLayout, chunk_row: usize, window: &Window) -> (usize, usize) {
    let row0 = (chunk_row * layout.chunk_height).max(window.row_off);
    let row1 = ((chunk_row + 1) * layout.chunk_height).min(window.row_off + window.height);
    (row0, row1)
}

/// Decodes the chunks of one chunk row that intersect `window` into `bands` (each the window's
/// rows of that chunk row, for one band).
fn read_chunk_row(
    file: &File,
    layout: &TiffLayout,
    window: &Window,
    chunk_row: usize,
    bands: &mut [&mut [f32]],
) -> Result<(), ReadErrorKind> {
    let (row0, row1) = rows_of(layout, chunk_row, window);
    let first_col = window.col_off / layout.chunk_width;
    let last_col = (window.col_off + window.width - 1) / layout.chunk_width;
    let per_plane = layout.chunks_across() * layout.chunks_down();
    let spp = layout.samples_per_chunk_pixel();
    let mut compressed = Vec::new();
    let mut samples = Vec::new();
    for chunk_col in first_col..=last_col {
        for plane in 0..layout.planes() {
            let index = plane * per_plane + chunk_row * layout.chunks_across() + chunk_col;
            let (offset, count) = (layout.offsets[index], layout.byte_counts[index]);
            if offset == 0 || count == 0 {
                continue;
            }
            compressed.resize(count as usize, 0);
            read_exact_at(file, &mut compressed, offset).map_err(ReadErrorKind::Io)?;
            let stored_width = decode_chunk(layout, &compressed, chunk_row, index, &mut samples)?;
            // Place the chunk's samples that fall inside the window.
            let x0 = chunk_col * layout.chunk_width;
            let col0 = x0.max(window.col_off);
            let col1 = (x0 + layout.chunk_width)
                .min(window.col_off + window.width)
                .min(x0 + stored_width);
            let y0 = chunk_row * layout.chunk_height;
            for row in row0..row1 {
                let source_row = (row - y0) * stored_width * spp;
                let target_row = (row - row0) * window.width;
                for s in 0..spp {
                    let band = &mut bands[plane + s];
                    for col in col0..col1 {
                        let source = source_row + (col - x0) * spp + s;
                        band[target_row + col - window.col_off] =
                            samples.get(source).copied().unwrap_or(0.0);
                    }
                }
            }
        }
    }
    Ok(())
}

/// Decompresses chunk `index` into `samples` (row-major, samples interleaved as stored) and
/// returns the width in pixels of its stored rows.
fn decode_chunk(
    layout: &TiffLayout,
    compressed: &[u8],
    chunk_row: usize,
    index: usize,
    samples: &mut Vec<f32>,
) -> Result<usize, ReadErrorKind> {
    let rows = layout.stored_rows(chunk_row);
    let spp = layout.samples_per_chunk_pixel();
    let expected = layout.chunk_width * rows * spp * layout.sample_bytes;
    let jpeg = JpegContext {
        tables: layout.jpeg_tables.as_deref(),
        ycbcr: layout.ycbcr,
        max_samples: layout.chunk_width * layout.chunk_height * spp,
    };
    let decompressed = decompress(layout.compression, compressed, expected, &jpeg, index)?;
    let width = decompressed.width.unwrap_or(layout.chunk_width);
    let needed = width * rows * spp * layout.sample_bytes;
    if decompressed.bytes.len() < needed {
        return Err(ReadErrorKind::Corrupt(format!(
            "chunk {index} holds {} bytes once decompressed where {needed} are needed",
            decompressed.bytes.len()
        )));
    }
    let shape = RowShape {
        row_samples: width * spp,
        stride: spp,
    };
    samples.clear();
    let bytes = &decompressed.bytes;
    let (le, predictor) = (layout.little_endian, layout.predictor);
    match layout.sample_type {
        SampleType::U8 => decode_words(bytes, rows, shape, le, predictor, |w: u8| {
            samples.push(f32::from(w))
        }),
        SampleType::U16 => decode_words(bytes, rows, shape, le, predictor, |w: u16| {
            samples.push(f32::from(w))
        }),
        SampleType::I16 => decode_words(bytes, rows, shape, le, predictor, |w: u16| {
            samples.push(f32::from(w as i16))
        }),
        SampleType::U32 => decode_words(bytes, rows, shape, le, predictor, |w: u32| {
            samples.push(w as f32)
        }),
        SampleType::I32 => decode_words(bytes, rows, shape, le, predictor, |w: u32| {
            samples.push(w as i32 as f32)
        }),
        SampleType::F32 => decode_words(bytes, rows, shape, le, predictor, |w: u32| {
            samples.push(f32::from_bits(w))
        }),
        SampleType::F64 => decode_words(bytes, rows, shape, le, predictor, |w: u64| {
            samples.push(f64::from_bits(w) as f32)
        }),
    }
    Ok(width)
}

/// Reads `buf.len()` bytes at `offset` without moving a shared file cursor, so that several
/// chunk rows can be read at once from one handle.
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            let n = std::os::windows::fs::FileExt::seek_read(
                file,
                &mut buf[done..],
                offset + done as u64,
            )?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            done += n;
        }
        Ok(())
    }
}
