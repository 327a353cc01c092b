//! Labelled training pairs: a set folder holds `A/` (BEFORE), `B/` (AFTER) and `label/`
//! (change mask, value > 127 = changed) PNGs with the same file names.
//!
//! The set name (the folder name) is what leave-one-set-out excludes by.

use std::path::{Path, PathBuf};

use raster::{Raster, SampleType};

use crate::png_image::{pixel_grid, read_png, read_png_label, PngError};

use super::NetError;

/// One labelled BEFORE/AFTER pair of a set, pixels as read (0-255), band-sequential.
#[derive(Debug, Clone)]
pub struct LabelledPair {
    /// The set it belongs to (its folder name, e.g. `levir`).
    pub set: String,
    /// The file name shared by its three PNGs.
    pub name: String,
    /// Size in pixels.
    pub width: usize,
    pub height: usize,
    /// Bands per image (3 for RGB).
    pub bands: usize,
    /// BEFORE pixels, `bands` planes of `width * height`.
    pub before: Vec<f32>,
    /// AFTER pixels, same layout.
    pub after: Vec<f32>,
    /// 1 where the label says changed, else 0; `width * height`.
    pub label: Vec<u8>,
}

impl LabelledPair {
    /// BEFORE and AFTER as rasters on a pixel grid (the PNG pairs carry no georeferencing).
    pub fn rasters(&self) -> (Raster, Raster) {
        let grid = pixel_grid(self.width, self.height);
        let raster = |data: &Vec<f32>| Raster {
            grid: grid.clone(),
            band_count: self.bands,
            data: data.clone(),
            nodata: None,
            sample_type: SampleType::U8,
        };
        (raster(&self.before), raster(&self.after))
    }
}

/// A real image with its buildings outlined (footprints burnt into a mask): the raw material
/// of synthetic building changes, where a building is removed from one date to make a
/// "before" ([`crate::net::augment`]). No change labels are needed, so any image with
/// footprints (an aerial tile and an OpenStreetMap extract) can teach what a new or demolished
/// building looks like.
#[derive(Debug, Clone)]
pub struct BuildingScene {
    /// What it is called (e.g. its file name), recorded in the weights' sidecar.
    pub name: String,
    /// Size in pixels.
    pub width: usize,
    pub height: usize,
    /// Bands per image (3 for RGB).
    pub bands: usize,
    /// Pixels as read (0-255), `bands` planes of `width * height`.
    pub image: Vec<f32>,
    /// 0 where no building stands, else the building's number (from 1); `width * height`.
    pub buildings: Vec<u32>,
}

/// A PNG as `(width, height, bands, band-sequential samples)`, read by the crate's PNG reader.
fn read_planes(path: &Path) -> Result<(usize, usize, usize, Vec<f32>), NetError> {
    let raster = read_png(path).map_err(image_error)?;
    Ok((
        raster.grid.width,
        raster.grid.height,
        raster.band_count,
        raster.data,
    ))
}

fn image_error(e: PngError) -> NetError {
    NetError::Image {
        path: e.path,
        message: e.reason,
    }
}

fn read_pair(set: &str, dir: &Path, name: &str) -> Result<LabelledPair, NetError> {
    let (width, height, bands, before) = read_planes(&dir.join("A").join(name))?;
    let after_path = dir.join("B").join(name);
    let (w, h, b, after) = read_planes(&after_path)?;
    if (w, h, b) != (width, height, bands) {
        return Err(NetError::Image {
            path: after_path,
            message: format!("{w}x{h}x{b} does not match BEFORE {width}x{height}x{bands}"),
        });
    }
    let label_path = dir.join("label").join(name);
    let (label, w, h) = read_png_label(&label_path).map_err(image_error)?;
    if (w, h) != (width, height) {
        return Err(NetError::Image {
            path: label_path,
            message: format!("label {w}x{h} does not match the images {width}x{height}"),
        });
    }
    Ok(LabelledPair {
        set: set.to_string(),
        name: name.to_string(),
        width,
        height,
        bands,
        before,
        after,
        label: label.into_iter().map(u8::from).collect(),
    })
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, NetError> {
    let mut entries = std::fs::read_dir(dir)
        .map_err(|source| NetError::Folder {
            path: dir.to_path_buf(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect::<Vec<_>>();
    entries.sort();
    Ok(entries)
}

/// The set folders under `dir`: `dir` itself when it has an `A/` folder, else its
/// sub-folders that have one.
fn set_folders(dir: &Path) -> Result<Vec<PathBuf>, NetError> {
    if dir.join("A").is_dir() {
        return Ok(vec![dir.to_path_buf()]);
    }
    Ok(sorted_entries(dir)?
        .into_iter()
        .filter(|p| p.join("A").is_dir())
        .collect())
}

/// Every labelled pair in `dirs` (each a set folder or a folder of set folders), leaving out
/// the sets named in `exclude`. Pairs come in a fixed order (set, then file name) so that
/// seeded training is reproducible.
pub fn load_pairs(dirs: &[PathBuf], exclude: &[String]) -> Result<Vec<LabelledPair>, NetError> {
    let mut pairs = Vec::new();
    for dir in dirs {
        for set_dir in set_folders(dir)? {
            let set = set_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if exclude.contains(&set) {
                continue;
            }
            for path in sorted_entries(&set_dir.join("A"))? {
                if path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("png"))
                {
                    let name = path.file_name().expect("a file").to_string_lossy();
                    pairs.push(read_pair(&set, &set_dir, &name)?);
                }
            }
        }
    }
    if pairs.is_empty() {
        return Err(NetError::NoPairs {
            dirs: dirs.to_vec(),
            exclude: exclude.to_vec(),
        });
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_sets_and_leaves_out_the_excluded_one() {
        let root = testkit::shared_data().join("changepairs");
        let pairs = load_pairs(std::slice::from_ref(&root), &["levir".to_string()]).unwrap();
        assert!(pairs.iter().all(|p| p.set != "levir"));
        assert_eq!(pairs.iter().filter(|p| p.set == "dsifn").count(), 10);
        let szada = pairs.iter().find(|p| p.set == "airchange-szada").unwrap();
        assert_eq!((szada.width, szada.height, szada.bands), (952, 640, 3));
        assert!(szada.label.contains(&1));
        let levir = load_pairs(&[root.join("levir")], &[]).unwrap();
        let empty = levir
            .iter()
            .find(|p| p.name == "train_386_0512_0768.png")
            .unwrap();
        assert!(empty.label.iter().all(|&v| v == 0));
        assert!(matches!(
            load_pairs(&[root.join("levir")], &["levir".into()]),
            Err(NetError::NoPairs { .. })
        ));
    }
}
