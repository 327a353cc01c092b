//! Scenes delivered as several files, read as one [`RasterSource`].
//!
//! Two layouts occur in practice and are told apart by their grids:
//! - **bands**: every file is on the same grid and holds some of the bands (Sentinel-2 ships
//!   one file per band); the scene stacks them, in the order given.
//! - **tiles**: every file has the same CRS, pixel size, bands and sample type, but a different
//!   origin (adjacent or overlapping pieces of one image, like the Joplin tiles); the scene is
//!   a mosaic on the union of their grids, and reading a window reads from each tile that
//!   intersects it. Where tiles overlap the first one given wins.
//!
//! Anything else (a mix of the two, or files that differ in CRS, pixel size, sample type, ...)
//! is refused with an error that names the two files and what differs.

use std::path::PathBuf;

use crate::colour::ColourInterp;
use crate::grid::{GeoTransform, Grid, Window};
use crate::raster::{Raster, RasterSource, ReadError, ReadErrorKind, SampleType};

/// One file of a scene: its name (for messages) and the source that reads it.
pub struct ScenePart {
    /// The file's name as the analyst knows it (usually its path).
    pub name: String,
    /// The reader of the file's pixels.
    pub source: Box<dyn RasterSource + Send + Sync>,
}

impl ScenePart {
    /// A part named `name` read from `source`.
    pub fn new(name: impl Into<String>, source: impl RasterSource + Send + Sync + 'static) -> Self {
        ScenePart {
            name: name.into(),
            source: Box::new(source),
        }
    }
}

/// How the files of a scene fit together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SceneLayout {
    /// Same grid; the files' bands are stacked.
    Bands,
    /// Same CRS and pixel size, different origins; the files are mosaicked.
    Tiles,
}

/// Why the files of a scene cannot be read as one source.
#[derive(Debug, thiserror::Error)]
pub enum SceneError {
    #[error("a scene needs at least one file")]
    Empty,
    #[error("{first} and {second} cannot be one scene: {what}")]
    Incompatible {
        first: String,
        second: String,
        what: String,
    },
    #[error(
        "{same_a} and {same_b} are on the same grid (bands) but {other} is offset from them \
         (a tile): a scene is either bands or tiles, not both"
    )]
    Mixed {
        same_a: String,
        same_b: String,
        other: String,
    },
}

/// Why the files of a scene could not be opened as one source.
#[derive(Debug, thiserror::Error)]
pub enum OpenSceneError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Scene(#[from] SceneError),
}

/// The grids of two tiles of one mosaic must agree to this fraction of a pixel.
const ALIGN_TOLERANCE_PX: f64 = 1e-6;

/// Several files read as one scene: stacked bands or a mosaic of tiles.
pub struct SceneSource {
    parts: Vec<ScenePart>,
    layout: SceneLayout,
    grid: Grid,
    band_count: usize,
    nodata: Option<f64>,
    sample_type: SampleType,
    /// For tiles: the window of the union grid that each part covers.
    placements: Vec<Window>,
}

impl std::fmt::Debug for SceneSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.parts.iter().map(|p| p.name.as_str()).collect();
        f.debug_struct("SceneSource")
            .field("layout", &self.layout)
            .field("files", &names)
            .field("grid", &self.grid)
            .finish()
    }
}

fn incompatible(a: &ScenePart, b: &ScenePart, what: String) -> SceneError {
    SceneError::Incompatible {
        first: a.name.clone(),
        second: b.name.clone(),
        what,
    }
}

/// The differences that forbid two files from being in one scene at all, whatever the layout.
fn check_common(a: &ScenePart, b: &ScenePart) -> Result<(), SceneError> {
    let (ga, gb) = (a.source.grid(), b.source.grid());
    if ga.crs != gb.crs {
        return Err(incompatible(a, b, format!("CRS {} vs {}", ga.crs, gb.crs)));
    }
    let (ta, tb) = (ga.transform.0, gb.transform.0);
    let pixel_terms = [1, 2, 4, 5];
    let size = ga.gsd();
    if pixel_terms
        .iter()
        .any(|&i| (ta[i] - tb[i]).abs() > ALIGN_TOLERANCE_PX * size)
    {
        return Err(incompatible(
            a,
            b,
            format!(
                "pixel size or rotation differ ({:?} vs {:?}): warp one onto the other's grid first",
                [ta[1], ta[2], ta[4], ta[5]],
                [tb[1], tb[2], tb[4], tb[5]]
            ),
        ));
    }
    if a.source.sample_type() != b.source.sample_type() {
        return Err(incompatible(
            a,
            b,
            format!(
                "sample type {:?} vs {:?}",
                a.source.sample_type(),
                b.source.sample_type()
            ),
        ));
    }
    let same_nodata = match (a.source.nodata(), b.source.nodata()) {
        (Some(x), Some(y)) => x == y || (x.is_nan() && y.is_nan()),
        (None, None) => true,
        _ => false,
    };
    if !same_nodata {
        return Err(incompatible(
            a,
            b,
            format!("nodata {:?} vs {:?}", a.source.nodata(), b.source.nodata()),
        ));
    }
    Ok(())
}

fn same_grid(a: &Grid, b: &Grid) -> bool {
    let tol = ALIGN_TOLERANCE_PX * a.gsd();
    a.width == b.width
        && a.height == b.height
        && a.transform
            .0
            .iter()
            .zip(b.transform.0.iter())
            .all(|(x, y)| (x - y).abs() <= tol)
}

impl SceneSource {
    /// The GeoTIFFs at `paths` read as one scene, each part named by its path.
    pub fn open(paths: &[std::path::PathBuf]) -> Result<SceneSource, OpenSceneError> {
        let mut parts = Vec::with_capacity(paths.len());
        for path in paths {
            let tif = crate::geotiff::GeoTiff::open(path)?;
            parts.push(ScenePart::new(path.display().to_string(), tif));
        }
        Ok(SceneSource::assemble(parts)?)
    }

    /// Reads `parts` as one scene, telling bands from tiles by their grids.
    ///
    /// ```
    /// use raster::{Crs, GeoTransform, Grid, Raster, RasterSource, SampleType};
    /// use raster::{SceneLayout, ScenePart, SceneSource};
    ///
    /// let utm = Crs::from_epsg(32633)?;
    /// let tile = |x0: f64| {
    ///     let grid = Grid::new(utm.clone(), GeoTransform::north_up(x0, 0.0, 10.0, 10.0), 64, 64);
    ///     Raster::filled(grid, 4, 1.0, SampleType::U16)
    /// };
    /// // Two tiles side by side make one 128 x 64 mosaic.
    /// let scene = SceneSource::assemble(vec![
    ///     ScenePart::new("west.tif", tile(0.0)),
    ///     ScenePart::new("east.tif", tile(640.0)),
    /// ])?;
    /// assert_eq!(scene.layout(), SceneLayout::Tiles);
    /// assert_eq!((scene.grid().width, scene.band_count()), (128, 4));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn assemble(parts: Vec<ScenePart>) -> Result<SceneSource, SceneError> {
        let first = parts.first().ok_or(SceneError::Empty)?;
        for other in &parts[1..] {
            check_common(first, other)?;
        }
        let grid0 = first.source.grid().clone();
        let same: Vec<bool> = parts
            .iter()
            .map(|p| same_grid(&grid0, p.source.grid()))
            .collect();
        if same.iter().all(|&s| s) {
            return Ok(Self::stack_bands(parts));
        }
        // Tiles: no two may share a grid (that would be bands or a duplicate file).
        for i in 0..parts.len() {
            for j in i + 1..parts.len() {
                if same_grid(parts[i].source.grid(), parts[j].source.grid()) {
                    let other = (0..parts.len())
                        .find(|&k| !same_grid(parts[i].source.grid(), parts[k].source.grid()))
                        .expect("not all grids are equal");
                    return Err(SceneError::Mixed {
                        same_a: parts[i].name.clone(),
                        same_b: parts[j].name.clone(),
                        other: parts[other].name.clone(),
                    });
                }
            }
        }
        Self::mosaic_tiles(parts)
    }

    fn stack_bands(parts: Vec<ScenePart>) -> SceneSource {
        let first = &parts[0].source;
        SceneSource {
            grid: first.grid().clone(),
            band_count: parts.iter().map(|p| p.source.band_count()).sum(),
            nodata: first.nodata(),
            sample_type: first.sample_type(),
            placements: Vec::new(),
            layout: SceneLayout::Bands,
            parts,
        }
    }

    fn mosaic_tiles(parts: Vec<ScenePart>) -> Result<SceneSource, SceneError> {
        let first = &parts[0];
        for other in &parts[1..] {
            if other.source.band_count() != first.source.band_count() {
                return Err(incompatible(
                    first,
                    other,
                    format!(
                        "as tiles they need the same bands, but have {} and {}",
                        first.source.band_count(),
                        other.source.band_count()
                    ),
                ));
            }
        }
        // Each tile's origin in pixel coordinates of the first tile's grid.
        let g0 = first.source.grid();
        let inv = g0
            .transform
            .inverse()
            .expect("a tile grid has an invertible transform");
        let mut offsets = Vec::with_capacity(parts.len());
        for p in &parts {
            let t = p.source.grid().transform.0;
            let (c, r) = inv.apply(t[0], t[3]);
            let (ci, ri) = (c.round(), r.round());
            if (c - ci).abs() > 1e-3 || (r - ri).abs() > 1e-3 {
                return Err(incompatible(
                    first,
                    p,
                    format!(
                        "as tiles their pixels must line up, but {} starts {c:.4}, {r:.4} pixels \
                         from {}: warp it onto the other's grid first",
                        p.name, first.name
                    ),
                ));
            }
            offsets.push((ci as i64, ri as i64));
        }
        let min_c = offsets.iter().map(|o| o.0).min().unwrap();
        let min_r = offsets.iter().map(|o| o.1).min().unwrap();
        let placements: Vec<Window> = parts
            .iter()
            .zip(&offsets)
            .map(|(p, o)| {
                let g = p.source.grid();
                Window::new(
                    (o.0 - min_c) as usize,
                    (o.1 - min_r) as usize,
                    g.width,
                    g.height,
                )
            })
            .collect();
        let width = placements
            .iter()
            .map(|w| w.col_off + w.width)
            .max()
            .unwrap();
        let height = placements
            .iter()
            .map(|w| w.row_off + w.height)
            .max()
            .unwrap();
        let (x0, y0) = g0.transform.apply(min_c as f64, min_r as f64);
        let mut t = g0.transform.0;
        t[0] = x0;
        t[3] = y0;
        let grid = Grid::new(g0.crs.clone(), GeoTransform(t), width, height);
        let nodata = first.source.nodata().or_else(|| {
            // Gaps between tiles need a value that says "no data".
            (!covers(&placements, width, height)).then_some(0.0)
        });
        Ok(SceneSource {
            grid,
            band_count: first.source.band_count(),
            nodata,
            sample_type: first.source.sample_type(),
            placements,
            layout: SceneLayout::Tiles,
            parts,
        })
    }

    /// Whether the files are stacked bands or mosaicked tiles.
    pub fn layout(&self) -> SceneLayout {
        self.layout
    }

    /// The names of the files, in the order given.
    pub fn file_names(&self) -> Vec<&str> {
        self.parts.iter().map(|p| p.name.as_str()).collect()
    }

    fn read_bands(&self, window: &Window) -> Result<Raster, ReadError> {
        let mut data = Vec::with_capacity(window.len() * self.band_count);
        for p in &self.parts {
            data.extend(p.source.read_window(window)?.data);
        }
        Ok(Raster {
            grid: self.grid.window_grid(window),
            band_count: self.band_count,
            data,
            nodata: self.nodata,
            sample_type: self.sample_type,
        })
    }

    fn read_tiles(&self, window: &Window) -> Result<Raster, ReadError> {
        let fill = self.nodata.unwrap_or(0.0) as f32;
        let mut out = Raster::filled(
            self.grid.window_grid(window),
            self.band_count,
            fill,
            self.sample_type,
        );
        out.nodata = self.nodata;
        // Last to first, so that where tiles overlap the first one given wins.
        for (p, place) in self.parts.iter().zip(&self.placements).rev() {
            let Some(common) = window.intersection(place) else {
                continue;
            };
            let local = Window::new(
                common.col_off - place.col_off,
                common.row_off - place.row_off,
                common.width,
                common.height,
            );
            let piece = p.source.read_window(&local)?;
            for b in 0..self.band_count {
                let src = piece.band(b);
                let dst = out.band_mut(b);
                for r in 0..common.height {
                    let d0 = (common.row_off - window.row_off + r) * window.width
                        + (common.col_off - window.col_off);
                    dst[d0..d0 + common.width]
                        .copy_from_slice(&src[r * common.width..(r + 1) * common.width]);
                }
            }
        }
        Ok(out)
    }
}

/// True when the windows together cover every pixel of a `width` x `height` grid.
fn covers(windows: &[Window], width: usize, height: usize) -> bool {
    let mut xs: Vec<usize> = windows
        .iter()
        .flat_map(|w| [w.col_off, w.col_off + w.width])
        .chain([0, width])
        .collect();
    let mut ys: Vec<usize> = windows
        .iter()
        .flat_map(|w| [w.row_off, w.row_off + w.height])
        .chain([0, height])
        .collect();
    xs.sort_unstable();
    xs.dedup();
    ys.sort_unstable();
    ys.dedup();
    // Every cell between consecutive edges is either wholly inside a window or wholly outside.
    xs.windows(2).all(|cx| {
        ys.windows(2).all(|cy| {
            let cell = Window::new(cx[0], cy[0], cx[1] - cx[0], cy[1] - cy[0]);
            windows.iter().any(|w| w.intersection(&cell) == Some(cell))
        })
    })
}

impl RasterSource for SceneSource {
    fn grid(&self) -> &Grid {
        &self.grid
    }

    /// A mosaic's bands show what its first tile's show; stacked files' bands, each file's.
    fn colour_interp(&self) -> Vec<ColourInterp> {
        match self.layout {
            SceneLayout::Tiles => self.parts[0].source.colour_interp(),
            SceneLayout::Bands => self
                .parts
                .iter()
                .flat_map(|part| part.source.colour_interp())
                .collect(),
        }
    }

    fn band_count(&self) -> usize {
        self.band_count
    }

    fn nodata(&self) -> Option<f64> {
        self.nodata
    }

    fn sample_type(&self) -> SampleType {
        self.sample_type
    }

    fn read_window(&self, window: &Window) -> Result<Raster, ReadError> {
        ReadErrorKind::check_window(window, self.grid.width, self.grid.height).map_err(|kind| {
            ReadError {
                path: PathBuf::from(
                    self.parts
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(" + "),
                ),
                kind,
            }
        })?;
        match self.layout {
            SceneLayout::Bands => self.read_bands(window),
            SceneLayout::Tiles => self.read_tiles(window),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Crs;

    /// A `w` x `h` raster at pixel offset `(c, r)` of a 1 m UTM grid, whose samples encode
    /// their position in that grid: band `b` at global `(x, y)` is `b * 10000 + y * 100 + x`.
    fn tile(c: usize, r: usize, w: usize, h: usize, bands: usize) -> Raster {
        let grid = Grid::new(
            Crs::from_epsg(32615).unwrap(),
            GeoTransform::north_up(360_000.0 + c as f64, 4_100_000.0 - r as f64, 1.0, 1.0),
            w,
            h,
        );
        let mut out = Raster::filled(grid, bands, 0.0, SampleType::U16);
        for b in 0..bands {
            let band = out.band_mut(b);
            for y in 0..h {
                for x in 0..w {
                    band[y * w + x] = (b * 10000 + (r + y) * 100 + c + x) as f32;
                }
            }
        }
        out
    }

    #[test]
    fn same_grid_files_stack_as_bands() {
        let mut b2 = tile(0, 0, 4, 3, 1);
        b2.data.iter_mut().for_each(|v| *v += 50000.0);
        let scene = SceneSource::assemble(vec![
            ScenePart::new("B02.tif", tile(0, 0, 4, 3, 2)),
            ScenePart::new("B08.tif", b2),
        ])
        .unwrap();
        assert_eq!(scene.layout(), SceneLayout::Bands);
        assert_eq!(scene.band_count(), 3);
        let w = scene.read_window(&Window::new(1, 1, 2, 2)).unwrap();
        assert_eq!(w.get(0, 0, 0), 101.0);
        assert_eq!(w.get(1, 1, 1), 10202.0);
        assert_eq!(w.get(2, 0, 1), 50201.0);
    }

    #[test]
    fn offset_files_mosaic_as_tiles_and_read_across_seams() {
        // A 2 x 2 arrangement of 5 x 4 tiles, with a 1-pixel overlap in x, given out of order.
        let scene = SceneSource::assemble(vec![
            ScenePart::new("se.tif", tile(4, 4, 5, 4, 2)),
            ScenePart::new("nw.tif", tile(0, 0, 5, 4, 2)),
            ScenePart::new("ne.tif", tile(4, 0, 5, 4, 2)),
            ScenePart::new("sw.tif", tile(0, 4, 5, 4, 2)),
        ])
        .unwrap();
        assert_eq!(scene.layout(), SceneLayout::Tiles);
        assert_eq!((scene.grid().width, scene.grid().height), (9, 8));
        assert_eq!(scene.grid().transform.0[0], 360_000.0);
        assert_eq!(scene.nodata(), None, "the tiles cover the union");
        let w = scene.read_window(&Window::new(2, 2, 6, 5)).unwrap();
        for b in 0..2 {
            for y in 0..5 {
                for x in 0..6 {
                    let expect = (b * 10000 + (2 + y) * 100 + 2 + x) as f32;
                    assert_eq!(w.get(b, x, y), expect, "band {b} at {x},{y}");
                }
            }
        }
    }

    #[test]
    fn gaps_between_tiles_read_as_nodata() {
        let scene = SceneSource::assemble(vec![
            ScenePart::new("a.tif", tile(0, 0, 3, 3, 1)),
            ScenePart::new("b.tif", tile(5, 2, 3, 3, 1)),
        ])
        .unwrap();
        assert_eq!(scene.nodata(), Some(0.0));
        let all = scene.read_window(&scene.grid().full_window()).unwrap();
        assert_eq!(all.get(0, 4, 0), 0.0);
        assert_eq!(all.get(0, 6, 3), 306.0);
    }

    #[test]
    fn a_mix_of_bands_and_tiles_is_refused_by_name() {
        let err = SceneSource::assemble(vec![
            ScenePart::new("B02.tif", tile(0, 0, 4, 4, 1)),
            ScenePart::new("B03.tif", tile(0, 0, 4, 4, 1)),
            ScenePart::new("other.tif", tile(4, 0, 4, 4, 1)),
        ])
        .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, SceneError::Mixed { .. }), "{msg}");
        assert!(msg.contains("B02.tif") && msg.contains("B03.tif") && msg.contains("other.tif"));
    }

    #[test]
    fn incompatible_files_are_refused_saying_what_differs() {
        let mut other_crs = tile(0, 0, 4, 4, 1);
        other_crs.grid.crs = Crs::from_epsg(32616).unwrap();
        let mut coarser = tile(0, 0, 4, 4, 1);
        coarser.grid.transform = GeoTransform::north_up(360_000.0, 4_100_000.0, 2.0, 2.0);
        let mut float = tile(4, 0, 4, 4, 1);
        float.sample_type = SampleType::F32;
        let mut half_pixel = tile(4, 0, 4, 4, 1);
        half_pixel.grid.transform.0[0] += 0.5;
        let cases: Vec<(Raster, &str)> = vec![
            (other_crs, "CRS"),
            (coarser, "pixel size"),
            (float, "sample type"),
            (half_pixel, "line up"),
            (tile(4, 0, 4, 4, 3), "same bands"),
        ];
        for (raster, what) in cases {
            let err = SceneSource::assemble(vec![
                ScenePart::new("first.tif", tile(0, 0, 4, 4, 1)),
                ScenePart::new("second.tif", raster),
            ])
            .unwrap_err()
            .to_string();
            assert!(
                err.contains("first.tif") && err.contains("second.tif") && err.contains(what),
                "{err}"
            );
        }
    }

    fn open_parts(files: &[&str]) -> Vec<ScenePart> {
        files
            .iter()
            .map(|f| {
                let path = testkit::data_file(f);
                ScenePart::new(*f, crate::GeoTiff::open(&path).unwrap())
            })
            .collect()
    }

    #[test]
    fn sentinel2_band_files_stack() {
        let files = [
            "oscd/abudhabi/t1/B02.tif",
            "oscd/abudhabi/t1/B03.tif",
            "oscd/abudhabi/t1/B04.tif",
            "oscd/abudhabi/t1/B08.tif",
        ];
        let scene = SceneSource::assemble(open_parts(&files)).unwrap();
        assert_eq!(scene.layout(), SceneLayout::Bands);
        assert_eq!(scene.band_count(), 4);
        let window = Window::new(100, 200, 64, 48);
        let stacked = scene.read_window(&window).unwrap();
        for (b, f) in files.iter().enumerate() {
            let alone = crate::GeoTiff::open(testkit::data_file(f))
                .unwrap()
                .read_window(&window)
                .unwrap();
            assert_eq!(stacked.band(b), alone.band(0), "{f}");
        }
    }

    #[test]
    fn joplin_pre_tiles_mosaic() {
        let files = [
            "joplin/pre/tile_1361-10160.tif",
            "joplin/pre/tile_1361-9136.tif",
            "joplin/pre/tile_337-10160.tif",
            "joplin/pre/tile_337-9136.tif",
        ];
        let scene = SceneSource::assemble(open_parts(&files)).unwrap();
        assert_eq!(scene.layout(), SceneLayout::Tiles);
        assert_eq!((scene.grid().width, scene.grid().height), (2048, 2048));
        assert_eq!(scene.nodata(), None);
        // A window across the corner where all four tiles meet equals GDAL's mosaic of them.
        let window = Window::new(1000, 1000, 48, 48);
        let ours = scene.read_window(&window).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let vrt = dir.path().join("pre.vrt");
        let out = dir.path().join("window.bin");
        let paths: Vec<String> = files
            .iter()
            .map(|f| testkit::data_file(f).to_string_lossy().into_owned())
            .collect();
        let mut args = vec!["-q", vrt.to_str().unwrap()];
        args.extend(paths.iter().map(String::as_str));
        testkit::run_tool("gdalbuildvrt", &args);
        testkit::run_tool(
            "gdal_translate",
            &[
                "-q",
                "-of",
                "ENVI",
                "-co",
                "INTERLEAVE=BSQ",
                "-srcwin",
                "1000",
                "1000",
                "48",
                "48",
                vrt.to_str().unwrap(),
                out.to_str().unwrap(),
            ],
        );
        let theirs: Vec<f32> = std::fs::read(out)
            .unwrap()
            .into_iter()
            .map(f32::from)
            .collect();
        assert_eq!(ours.data, theirs);
        assert_eq!(ours.grid.transform.0[0], 366_642.6 + 1000.0 * 0.6);
    }

    #[test]
    fn bands_of_two_dates_are_refused() {
        // abudhabi's t2 bands have a different pixel size than t1's (same extent).
        let err = SceneSource::assemble(open_parts(&[
            "oscd/abudhabi/t1/B02.tif",
            "oscd/abudhabi/t2/B02.tif",
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("t1/B02.tif") && err.contains("t2/B02.tif") && err.contains("pixel size"),
            "{err}"
        );
    }
}
