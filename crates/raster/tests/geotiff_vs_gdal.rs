//! The GeoTIFF reader and writer against GDAL as the referee: every shared GeoTIFF must read
//! to GDAL's pixels and georeferencing, bad files must fail with errors that name them, and
//! written files must read back in GDAL exactly.

use std::path::{Path, PathBuf};

use raster::geotiff::{write_geotiff, GeoTiff, WriteOptions};
use raster::{Crs, GeoTransform, Grid, Raster, RasterSource, ReadErrorKind, SampleType, Window};
use serde_json::Value;
use testkit::{data_file, run_tool, shared_data};

/// What `gdalinfo -json` says about a file.
struct GdalInfo {
    size: (usize, usize),
    geotransform: Option<[f64; 6]>,
    epsg: Option<u32>,
    nodata: Option<f64>,
    band_types: Vec<String>,
    /// Each band's colour interpretation, lower case, as `raster::ColourInterp` serialises.
    colours: Vec<String>,
}

fn gdal_info(path: &Path) -> GdalInfo {
    let json: Value =
        serde_json::from_str(&run_tool("gdalinfo", &["-json", path.to_str().unwrap()])).unwrap();
    let size = (
        json["size"][0].as_u64().unwrap() as usize,
        json["size"][1].as_u64().unwrap() as usize,
    );
    let geotransform = json["geoTransform"].as_array().map(|gt| {
        let v: Vec<f64> = gt.iter().map(|x| x.as_f64().unwrap()).collect();
        v.try_into().unwrap()
    });
    let bands = json["bands"].as_array().unwrap();
    let nodata = bands[0]["noDataValue"].as_f64().or_else(|| {
        // GDAL writes NaN nodata as the string "NaN".
        bands[0]["noDataValue"].as_str().map(|s| s.parse().unwrap())
    });
    GdalInfo {
        size,
        geotransform,
        epsg: json["stac"]["proj:epsg"].as_u64().map(|c| c as u32),
        nodata,
        band_types: bands
            .iter()
            .map(|b| b["type"].as_str().unwrap().to_string())
            .collect(),
        colours: bands
            .iter()
            .map(|b| match b["colorInterpretation"].as_str().unwrap() {
                name @ ("Red" | "Green" | "Blue" | "Alpha" | "Gray") => name.to_lowercase(),
                _ => "undefined".into(),
            })
            .collect(),
    }
}

/// GDAL's reading of a window of `path`: all bands, band-sequential, as f32.
fn gdal_pixels(path: &Path, window: &Window, bands: usize) -> Vec<f32> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pixels.raw");
    let srcwin =
        [window.col_off, window.row_off, window.width, window.height].map(|v| v.to_string());
    let mut args = vec![
        "-q",
        "-of",
        "ENVI",
        "-co",
        "INTERLEAVE=BSQ",
        "-ot",
        "Float32",
        "-srcwin",
    ];
    args.extend(srcwin.iter().map(String::as_str));
    args.extend([path.to_str().unwrap(), out.to_str().unwrap()]);
    run_tool("gdal_translate", &args);
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(bytes.len(), window.len() * bands * 4);
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect()
}

fn type_name(sample_type: SampleType) -> &'static str {
    match sample_type {
        SampleType::U8 => "Byte",
        SampleType::U16 => "UInt16",
        SampleType::I16 => "Int16",
        SampleType::U32 => "UInt32",
        SampleType::I32 => "Int32",
        SampleType::F32 => "Float32",
        SampleType::F64 => "Float64",
    }
}

/// Checks the georeferencing, type, nodata and the pixels of `windows` against GDAL; the whole
/// file when `windows` is empty.
fn assert_matches_gdal(tif: &GeoTiff, windows: &[Window]) {
    let path = tif.path();
    let info = gdal_info(path);
    let grid = tif.grid();
    assert_eq!((grid.width, grid.height), info.size, "{}", path.display());
    assert_eq!(
        tif.band_count(),
        info.band_types.len(),
        "{}",
        path.display()
    );
    assert!(
        info.band_types
            .iter()
            .all(|t| t == type_name(tif.sample_type())),
        "{}: {:?} vs GDAL {:?}",
        path.display(),
        tif.sample_type(),
        info.band_types
    );
    let colours: Vec<String> = tif
        .colour_interp()
        .iter()
        .map(|c| {
            serde_json::to_value(c)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        colours,
        info.colours,
        "{}: colour interpretation",
        path.display()
    );
    assert!(
        tif.nodata() == info.nodata
            || tif
                .nodata()
                .zip(info.nodata)
                .is_some_and(|(a, b)| a.is_nan() && b.is_nan()),
        "{}: nodata {:?} vs GDAL {:?}",
        path.display(),
        tif.nodata(),
        info.nodata
    );
    if let Some(gt) = info.geotransform {
        for (ours, gdal) in grid.transform.0.iter().zip(gt) {
            let scale = gdal.abs().max(1e-300);
            assert!(
                (ours - gdal).abs() <= 1e-9 * scale,
                "{}: transform {:?} vs GDAL {gt:?}",
                path.display(),
                grid.transform.0
            );
        }
        assert_eq!(grid.crs.epsg, info.epsg, "{}", path.display());
    }
    let whole = [grid.full_window()];
    let windows = if windows.is_empty() {
        &whole[..]
    } else {
        windows
    };
    for window in windows {
        let ours = tif.read_window(window).unwrap();
        let gdal = gdal_pixels(path, window, tif.band_count());
        assert_eq!(ours.data.len(), gdal.len());
        let differing = ours
            .data
            .iter()
            .zip(&gdal)
            .filter(|(&a, &b)| !same(a, b))
            .count();
        assert_eq!(
            differing,
            0,
            "{} window {window:?}: {differing} of {} samples differ from GDAL's",
            path.display(),
            gdal.len()
        );
    }
}

/// Equal samples, NaN included.
fn same(a: f32, b: f32) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

fn tifs_in(folder: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(shared_data().join(folder))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tif"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no GeoTIFFs in {folder}");
    files
}

#[test]
fn fixtures_match_gdal() {
    for name in [
        "RGB.byte.tif",
        "m_3607824_se_17_1_20160620_sub.tif",
        "shade.tif",
    ] {
        let tif = GeoTiff::open(data_file(&format!("geotiff-fixtures/{name}"))).unwrap();
        assert_matches_gdal(&tif, &[]);
    }
}

/// YCbCr JPEG decodes to exactly GDAL's RGB (libjpeg's IDCT, upsampling and conversion).
#[test]
fn ycbcr_jpeg_cog_matches_gdal_rgb() {
    let tif = GeoTiff::open(data_file("geotiff-fixtures/cogeo.tif")).unwrap();
    assert!(tif.is_tiled());
    assert_matches_gdal(&tif, &[]);
}

#[test]
fn naip_stack_matches_gdal() {
    for path in tifs_in("naip-stack") {
        let tif = GeoTiff::open(&path).unwrap();
        // The fourth band (near-infrared, tagged as alpha) is a band.
        assert_eq!(tif.band_count(), 4);
        assert_matches_gdal(&tif, &[]);
    }
}

#[test]
fn landsat_stack_matches_gdal() {
    for path in tifs_in("landsat-stack") {
        let tif = GeoTiff::open(&path).unwrap();
        assert_eq!(tif.band_count(), 4);
        assert_matches_gdal(&tif, &[]);
    }
}

#[test]
fn joplin_tiles_match_gdal() {
    let windows = [Window::new(0, 0, 300, 200), Window::new(700, 611, 324, 413)];
    for folder in ["joplin/pre", "joplin/post"] {
        for path in tifs_in(folder) {
            assert_matches_gdal(&GeoTiff::open(&path).unwrap(), &windows);
        }
    }
}

#[test]
fn oscd_bands_and_change_labels_match_gdal() {
    let cities = std::fs::read_dir(shared_data().join("oscd")).unwrap();
    let mut count = 0;
    for city in cities {
        let city = city.unwrap().path();
        for date in ["t1", "t2"] {
            for path in tifs_in(city.join(date).to_str().unwrap()) {
                assert_matches_gdal(&GeoTiff::open(&path).unwrap(), &[]);
                count += 1;
            }
        }
        // The label has no georeferencing of its own: it lies on the grid of the t1 bands.
        let change = city.join("change.tif");
        let err = GeoTiff::open(&change).unwrap_err();
        assert!(
            matches!(err.kind, ReadErrorKind::NoGeoreferencing(_)),
            "{err}"
        );
        let t1_grid = GeoTiff::open(city.join("t1/B02.tif"))
            .unwrap()
            .grid()
            .clone();
        let labels = GeoTiff::open_on_grid(&change, t1_grid.clone()).unwrap();
        assert_eq!(labels.grid(), &t1_grid);
        assert_matches_gdal(&labels, &[]);
    }
    assert_eq!(count, 80, "10 cities x 2 dates x 4 bands");
}

#[test]
fn label_on_a_grid_of_another_size_is_refused() {
    let change = data_file("oscd/abudhabi/change.tif");
    let grid = GeoTiff::open(data_file("oscd/abudhabi/t2/B02.tif"))
        .unwrap()
        .grid()
        .clone();
    let err = GeoTiff::open_on_grid(&change, grid).unwrap_err();
    assert!(
        matches!(err.kind, ReadErrorKind::GridMismatch { .. }),
        "{err}"
    );
}

/// Asserts that opening `path` fails with an error that names it and satisfies `is_expected`.
fn assert_refused(path: &Path, is_expected: impl Fn(&ReadErrorKind) -> bool) -> String {
    let err = GeoTiff::open(path).unwrap_err();
    let message = err.to_string();
    assert!(is_expected(&err.kind), "unexpected error: {message}");
    assert!(
        message.contains(path.to_str().unwrap()),
        "the error does not name the file: {message}"
    );
    message
}

#[test]
fn files_without_georeferencing_or_crs_are_refused_clearly() {
    let message = assert_refused(&data_file("geotiff-fixtures/tinymarble.tif"), |k| {
        matches!(k, ReadErrorKind::NoGeoreferencing(_))
    });
    assert!(message.contains("ModelTiepoint"), "{message}");
    let message = assert_refused(&data_file("geotiff-fixtures/rotated.tif"), |k| {
        matches!(k, ReadErrorKind::NoCrs(_))
    });
    assert!(message.contains("CRS is missing"), "{message}");
}

#[test]
fn truncated_and_random_files_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read(data_file("geotiff-fixtures/shade.tif")).unwrap();
    let truncated = dir.path().join("truncated.tif");
    std::fs::write(&truncated, &original[..original.len() / 2]).unwrap();
    assert_refused(&truncated, |k| matches!(k, ReadErrorKind::Corrupt(_)));

    // Bytes from a fixed-seed generator: no TIFF signature.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let random: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let noise = dir.path().join("noise.tif");
    std::fs::write(&noise, random).unwrap();
    assert_refused(&noise, |k| matches!(k, ReadErrorKind::Corrupt(_)));

    let missing = dir.path().join("missing.tif");
    assert_refused(&missing, |k| matches!(k, ReadErrorKind::Io(_)));
}

#[test]
fn unsupported_compression_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jpeg2000.tif");
    std::fs::write(&path, testkit::tiff::tiny_tiff(34712, &[], &[])).unwrap();
    let message = assert_refused(&path, |k| matches!(k, ReadErrorKind::Unsupported(_)));
    assert!(message.contains("34712"), "{message}");
}

#[test]
fn unknown_epsg_code_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unknown_epsg.tif");
    std::fs::write(&path, testkit::tiff::unknown_epsg_tiff()).unwrap();
    // GDAL reads the hand-made file, so it is a valid GeoTIFF and only the code is unknown.
    assert_eq!(gdal_info(&path).size, (2, 2));
    let message = assert_refused(&path, |k| matches!(k, ReadErrorKind::UnknownCrs(_)));
    assert!(message.contains("29999"), "{message}");
}

/// A raster whose samples vary in every band, row and column.
fn patterned(grid: Grid, bands: usize, sample_type: SampleType, nodata: Option<f64>) -> Raster {
    let mut raster = Raster::filled(grid.clone(), bands, 0.0, sample_type);
    let (w, h) = (grid.width, grid.height);
    for b in 0..bands {
        for row in 0..h {
            for col in 0..w {
                let v = ((col * 7 + row * 13 + b * 101) % 251) as f32;
                raster.band_mut(b)[row * w + col] = match sample_type {
                    SampleType::I16 => v * 97.0 - 12_000.0,
                    SampleType::U16 => v * 211.0,
                    SampleType::F32 => v * 0.37 - 20.5,
                    _ => v,
                };
            }
        }
    }
    raster.nodata = nodata;
    raster
}

#[test]
fn written_files_read_back_in_gdal_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            32618,
            GeoTransform::north_up(101_985.0, 2_826_915.0, 30.5, 30.5),
            SampleType::U8,
            Some(0.0),
        ),
        (
            4326,
            GeoTransform::north_up(-74.72, -8.28, 0.0008, 0.0008),
            SampleType::U16,
            None,
        ),
        (
            26915,
            GeoTransform([367_257.0, 0.5, 0.1, 4_103_896.8, 0.1, -0.5]),
            SampleType::I16,
            Some(-9999.0),
        ),
        (
            3857,
            GeoTransform::north_up(14_321_853.1, 4_533_021.5, 0.6, 0.6),
            SampleType::F32,
            Some(f64::NAN),
        ),
    ];
    for (i, (epsg, transform, sample_type, nodata)) in cases.into_iter().enumerate() {
        let grid = Grid::new(Crs::from_epsg(epsg).unwrap(), transform, 300, 270);
        let raster = patterned(grid, 3, sample_type, nodata);
        let path = dir.path().join(format!("written_{i}.tif"));
        let options = WriteOptions {
            force_bigtiff: i == 1,
            ..WriteOptions::default()
        };
        write_geotiff(&path, &raster, &options).unwrap();
        let signature = std::fs::read(&path).unwrap()[2];
        assert_eq!(signature, if options.force_bigtiff { 43 } else { 42 });

        let info = gdal_info(&path);
        assert_eq!(info.epsg, Some(epsg));
        assert_eq!(info.geotransform, Some(transform.0));
        assert_eq!(info.size, (300, 270));
        assert_eq!(info.band_types, vec![type_name(sample_type); 3]);
        match nodata {
            Some(nd) if nd.is_nan() => assert!(info.nodata.unwrap().is_nan()),
            _ => assert_eq!(info.nodata, nodata),
        }
        assert_eq!(
            gdal_pixels(&path, &raster.grid.full_window(), 3),
            raster.data
        );

        // And our own reader agrees.
        let back = GeoTiff::open(&path).unwrap();
        assert_eq!(back.grid(), &raster.grid);
        assert_eq!(back.sample_type(), sample_type);
        assert_eq!(
            back.read_window(&raster.grid.full_window()).unwrap().data,
            raster.data
        );
    }
}

#[test]
fn windowed_reads_of_a_written_tiled_file() {
    let dir = tempfile::tempdir().unwrap();
    let grid = Grid::new(
        Crs::from_epsg(32615).unwrap(),
        GeoTransform::north_up(500_000.0, 4_000_000.0, 1.0, 1.0),
        700,
        600,
    );
    let raster = patterned(grid, 2, SampleType::U16, None);
    let path = dir.path().join("tiled.tif");
    let options = WriteOptions {
        tile_size: 128,
        ..WriteOptions::default()
    };
    write_geotiff(&path, &raster, &options).unwrap();
    let tif = GeoTiff::open(&path).unwrap();
    assert!(tif.is_tiled() && tif.is_band_interleaved());
    assert_eq!(tif.block_size(), (128, 128));
    for window in [
        Window::new(0, 0, 1, 1),
        Window::new(127, 127, 2, 2),
        Window::new(100, 250, 333, 97),
        Window::new(640, 512, 60, 88),
        raster.grid.full_window(),
    ] {
        let ours = tif.read_window(&window).unwrap();
        assert_eq!(ours, raster.read_window(&window).unwrap());
    }
    let outside = tif.read_window(&Window::new(650, 0, 51, 10)).unwrap_err();
    assert!(matches!(
        outside.kind,
        ReadErrorKind::WindowOutOfBounds { .. }
    ));
}

/// GDAL writes a window of a real image in each layout, compression, predictor, sample type and
/// byte order this reader claims; each must read back to GDAL's pixels exactly.
#[test]
fn gdal_written_layouts_match_gdal() {
    let source = data_file("geotiff-fixtures/RGB.byte.tif");
    let dir = tempfile::tempdir().unwrap();
    let variants: &[&[&str]] = &[
        &["-co", "COMPRESS=LZW", "-co", "PREDICTOR=2"],
        &[
            "-co",
            "COMPRESS=LZW",
            "-co",
            "TILED=YES",
            "-co",
            "INTERLEAVE=BAND",
        ],
        &[
            "-co",
            "COMPRESS=PACKBITS",
            "-co",
            "TILED=YES",
            "-co",
            "BLOCKXSIZE=64",
            "-co",
            "BLOCKYSIZE=32",
        ],
        &[
            "-co",
            "COMPRESS=ZSTD",
            "-co",
            "PREDICTOR=2",
            "-co",
            "TILED=YES",
        ],
        &[
            "-co",
            "COMPRESS=DEFLATE",
            "-co",
            "ENDIANNESS=BIG",
            "-ot",
            "UInt16",
            "-scale",
            "0",
            "255",
            "0",
            "65000",
            "-co",
            "PREDICTOR=2",
        ],
        &[
            "-co",
            "COMPRESS=DEFLATE",
            "-ot",
            "Int16",
            "-scale",
            "0",
            "255",
            "-30000",
            "30000",
            "-co",
            "PREDICTOR=2",
            "-co",
            "INTERLEAVE=BAND",
        ],
        &[
            "-co",
            "COMPRESS=DEFLATE",
            "-ot",
            "Float32",
            "-scale",
            "0",
            "255",
            "-1.5",
            "3.25",
            "-co",
            "PREDICTOR=3",
        ],
        &[
            "-co",
            "COMPRESS=LZW",
            "-ot",
            "Float64",
            "-scale",
            "0",
            "255",
            "-1e6",
            "1e6",
            "-co",
            "PREDICTOR=3",
            "-co",
            "TILED=YES",
            "-co",
            "ENDIANNESS=BIG",
        ],
        &[
            "-co",
            "COMPRESS=ZSTD",
            "-ot",
            "UInt32",
            "-scale",
            "0",
            "255",
            "0",
            "4000000",
            "-co",
            "BIGTIFF=YES",
            "-co",
            "TILED=YES",
        ],
        &[
            "-co",
            "COMPRESS=NONE",
            "-ot",
            "Int32",
            "-scale",
            "0",
            "255",
            "-2000000",
            "2000000",
            "-co",
            "INTERLEAVE=BAND",
        ],
        &[
            "-co",
            "COMPRESS=DEFLATE",
            "-a_nodata",
            "nan",
            "-ot",
            "Float32",
        ],
        &["-co", "COMPRESS=JPEG", "-co", "PHOTOMETRIC=YCBCR", "-co", "JPEG_QUALITY=90"],
        &["-co", "COMPRESS=JPEG", "-co", "INTERLEAVE=BAND", "-co", "TILED=YES"],
        &["-co", "COMPRESS=JPEG", "-co", "TILED=YES", "-co", "BLOCKXSIZE=48", "-co", "BLOCKYSIZE=32"],
        &["-co", "COMPRESS=JPEG", "-b", "2", "-co", "JPEG_QUALITY=50"],
        &["-mo", "AREA_OR_POINT=Point"],
        &["-a_srs", "+proj=tmerc +lat_0=0 +lon_0=-75 +k=0.9996 +x_0=400000 +y_0=0 +datum=WGS84 +units=m +no_defs"],
        &["-a_srs", "+proj=utm +zone=18 +datum=WGS84 +units=m +no_defs"],
        &["-a_srs", "+proj=longlat +ellps=GRS80 +no_defs", "-a_ullr", "-78", "25", "-76", "23"],
    ];
    for (i, options) in variants.iter().enumerate() {
        let path = dir.path().join(format!("variant_{i}.tif"));
        let mut args = vec!["-q", "-srcwin", "100", "150", "333", "222"];
        args.extend_from_slice(options);
        args.extend([source.to_str().unwrap(), path.to_str().unwrap()]);
        run_tool("gdal_translate", &args);
        let tif = GeoTiff::open(&path).unwrap_or_else(|e| panic!("{options:?}: {e}"));
        assert_matches_gdal(&tif, &[]);
    }
}
