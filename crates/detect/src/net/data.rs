//! Labelled training pairs: a set folder holds `A/` (BEFORE), `B/` (AFTER) and `label/`
//! (change mask, value > 127 = changed) images with the same file names
//! ([`ImagePairFolder`]); training takes 8-bit images, whose 0-255 range the photometric
//! jitter works in.
//!
//! The set name (the folder name) is what leave-one-set-out excludes by.

use std::path::{Path, PathBuf};

use raster::{Raster, SampleType};

use crate::eval::{EvalError, ImagePairFolder, LabelledPair, PairSource};

use super::NetError;

/// A labelled pair and the set it belongs to (its folder name, e.g. `levir`): what training
/// reads.
#[derive(Debug, Clone)]
pub struct TrainingPair {
    pub set: String,
    /// BEFORE, AFTER (pixels as read, 0-255, on a pixel grid) and the true change.
    pub pair: LabelledPair,
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
    /// The pixels as read (0-255).
    pub image: Raster,
    /// 0 where no building stands, else the building's number (from 1); row-major on the
    /// image's grid.
    pub buildings: Vec<u32>,
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
pub fn load_pairs(dirs: &[PathBuf], exclude: &[String]) -> Result<Vec<TrainingPair>, NetError> {
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
            let in_set = |source| NetError::Pair {
                set: set_dir.clone(),
                source,
            };
            let folder = ImagePairFolder::open(&set_dir).map_err(in_set)?;
            for name in folder.names() {
                let pair = folder.load(&name).map_err(in_set)?;
                let not_8_bit = [&pair.before, &pair.after]
                    .into_iter()
                    .find(|image| image.sample_type != SampleType::U8);
                if let Some(image) = not_8_bit {
                    return Err(in_set(EvalError::Load {
                        name,
                        reason: format!(
                            "training takes 8-bit images (0-255) and this pair is {:?}: \
                             convert it (e.g. gdal_translate -ot Byte -scale)",
                            image.sample_type
                        ),
                    }));
                }
                pairs.push(TrainingPair {
                    set: set.clone(),
                    pair,
                });
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
        let szada = &pairs
            .iter()
            .find(|p| p.set == "airchange-szada")
            .unwrap()
            .pair;
        let size = |r: &Raster| (r.grid.width, r.grid.height, r.band_count);
        assert_eq!(size(&szada.before), (952, 640, 3));
        assert_eq!(size(&szada.after), (952, 640, 3));
        assert!(szada.label.contains(&true));
        let levir = load_pairs(&[root.join("levir")], &[]).unwrap();
        let empty = levir
            .iter()
            .find(|p| p.pair.name == "train_386_0512_0768.png")
            .unwrap();
        assert!(empty.pair.label.iter().all(|&v| !v));
        assert!(matches!(
            load_pairs(&[root.join("levir")], &["levir".into()]),
            Err(NetError::NoPairs { .. })
        ));
    }

    #[test]
    fn a_pair_that_is_not_8_bit_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let set = dir.path().join("sixteen");
        let grid = raster::Grid::new(
            raster::Crs::from_epsg(32633).unwrap(),
            raster::GeoTransform::north_up(0.0, 0.0, 1.0, 1.0),
            16,
            16,
        );
        for (folder, sample_type) in [
            ("A", SampleType::U16),
            ("B", SampleType::U16),
            ("label", SampleType::U8),
        ] {
            std::fs::create_dir_all(set.join(folder)).unwrap();
            let image = Raster::filled(grid.clone(), 1, 200.0, sample_type);
            let path = set.join(folder).join("p.tif");
            raster::write_geotiff(&path, &image, &raster::WriteOptions::default()).unwrap();
        }
        let error = load_pairs(&[set], &[]).unwrap_err().to_string();
        assert!(
            error.contains("sixteen") && error.contains("p.tif") && error.contains("8-bit"),
            "{error}"
        );
    }
}
