//! Writing a scenario to disk as an analyst would receive it: one GeoTIFF per acquisition, a
//! manifest of what each is (date, sensor, sun), the site's AOI, and the truth.

use std::path::{Path, PathBuf};

use raster::{write_geotiff, CoordTransform, Crs, CrsError, WriteError, WriteOptions};
use serde::Serialize;

use crate::render::render;
use crate::scenario::Scenario;
use crate::truth::Truth;

/// Why a scenario could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error(transparent)]
    Crs(#[from] CrsError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// What one written acquisition is: the facts `sitewatch scene add` asks for.
#[derive(Debug, Clone, Serialize)]
pub struct AcquisitionFile {
    pub path: PathBuf,
    pub datetime: String,
    pub sensor: String,
    pub credit: String,
    pub gsd_m: f64,
    pub sun_elevation_deg: f64,
    pub sun_azimuth_deg: f64,
}

/// The file name of acquisition `index`: its date, so that a listing sorts by time.
pub fn acquisition_file_name(scenario: &Scenario, index: usize) -> String {
    let date: String = scenario.acquisitions[index]
        .datetime
        .chars()
        .take(10)
        .filter(|c| c.is_ascii_digit())
        .collect();
    format!("{date}_{}.tif", scenario.acquisitions[index].sensor)
}

/// Renders acquisition `index` and writes it into `dir` as a GeoTIFF.
pub fn write_acquisition(
    scenario: &Scenario,
    index: usize,
    dir: &Path,
) -> Result<AcquisitionFile, SynthError> {
    let raster = render(scenario, index)?;
    let path = dir.join(acquisition_file_name(scenario, index));
    write_geotiff(&path, &raster, &WriteOptions::default())?;
    let a = &scenario.acquisitions[index];
    Ok(AcquisitionFile {
        path,
        datetime: a.datetime.clone(),
        sensor: a.sensor.clone(),
        credit: a.credit.clone(),
        gsd_m: a.gsd_m,
        sun_elevation_deg: a.sun_elevation_deg,
        sun_azimuth_deg: a.sun_azimuth_deg,
    })
}

/// The site's area of interest as a closed longitude/latitude ring.
pub fn aoi_lonlat(scenario: &Scenario) -> Result<Vec<(f64, f64)>, CrsError> {
    let (cx, cy) = scenario.center;
    let h = scenario.aoi_half_m;
    let mut ring = vec![
        (cx - h, cy - h),
        (cx + h, cy - h),
        (cx + h, cy + h),
        (cx - h, cy + h),
        (cx - h, cy - h),
    ];
    CoordTransform::new(&Crs::from_epsg(scenario.epsg)?, &Crs::wgs84())?
        .transform_points(&mut ring)?;
    Ok(ring)
}

/// Writes `aoi.geojson` (the AOI polygon), `acquisitions.json` and `truth.json` into `dir`.
pub fn write_metadata(
    scenario: &Scenario,
    acquisitions: &[AcquisitionFile],
    dir: &Path,
) -> Result<(), SynthError> {
    let ring: Vec<[f64; 2]> = aoi_lonlat(scenario)?.iter().map(|&(x, y)| [x, y]).collect();
    let aoi = serde_json::json!({
        "type": "Feature",
        "properties": {"name": scenario.name, "ring_m": scenario.ring_m},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    });
    let files = [
        ("aoi.geojson", serde_json::to_string_pretty(&aoi)),
        (
            "acquisitions.json",
            serde_json::to_string_pretty(acquisitions),
        ),
        (
            "truth.json",
            serde_json::to_string_pretty(&Truth::of(scenario)),
        ),
    ];
    for (name, text) in files {
        let path = dir.join(name);
        let text = text.expect("serialisable metadata");
        std::fs::write(&path, text).map_err(|source| SynthError::Io { path, source })?;
    }
    Ok(())
}
