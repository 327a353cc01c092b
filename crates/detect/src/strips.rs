//! Reading a raster source a strip of whole rows at a time, so that a pass over a scene of any
//! size holds one strip in memory.

use raster::{Raster, RasterSource, ReadError, Window};

/// Rows per strip: 512 rows of a 10,000-pixel-wide 4-band scene are 80 MB of `f32`. A
/// multiple of the usual GeoTIFF tile sides (256, 512) and the side of the maps
/// [`crate::windowed`] writes, so that reading a strip decodes each tile once.
pub const STRIP_ROWS: usize = 512;

/// Calls `visit(first_row, strip)` for each strip of [`STRIP_ROWS`] rows of `source`, top to
/// bottom (the last strip may be shorter). A source already in memory is visited whole, in
/// place: strips bound the memory of reading, and there is nothing to read.
pub fn for_each_strip<E: From<ReadError>>(
    source: &dyn RasterSource,
    mut visit: impl FnMut(usize, &Raster) -> Result<(), E>,
) -> Result<(), E> {
    if let Some(raster) = source.in_memory() {
        return visit(0, raster);
    }
    let (width, height) = (source.grid().width, source.grid().height);
    for row in (0..height).step_by(STRIP_ROWS) {
        let rows = STRIP_ROWS.min(height - row);
        visit(row, &source.read_window(&Window::new(0, row, width, rows))?)?;
    }
    Ok(())
}

/// Like [`for_each_strip`] over two sources of one grid size at once.
pub fn for_each_strip_pair<E: From<ReadError>>(
    before: &dyn RasterSource,
    after: &dyn RasterSource,
    mut visit: impl FnMut(usize, &Raster, &Raster) -> Result<(), E>,
) -> Result<(), E> {
    if let (Some(b), Some(a)) = (before.in_memory(), after.in_memory()) {
        return visit(0, b, a);
    }
    let (width, height) = (before.grid().width, before.grid().height);
    for row in (0..height).step_by(STRIP_ROWS) {
        let window = Window::new(0, row, width, STRIP_ROWS.min(height - row));
        visit(
            row,
            &before.read_window(&window)?,
            &after.read_window(&window)?,
        )?;
    }
    Ok(())
}
