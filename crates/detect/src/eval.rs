//! Evaluation of a change detector on labelled pairs: pixel-wise confusion summed over a whole
//! set, at the detector's own default threshold (never tuned on the set), after the same
//! clean-up that makes change objects.
//!
//! Where the pairs come from is a [`PairSource`]: [`ImagePairFolder`] reads the `A/`, `B/`,
//! `label/` layout of PNG, JPEG or TIFF images; georeferenced sets (OSCD) plug in the same way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use raster::{ColourInterp, GeoTiff, Raster, RasterSource};

use crate::change_map::{ChangeDetector, DetectError};
use crate::image_file::{read_image, read_label, ImageError, ImageFormat};
use crate::objects::{clean_mask, CleanupRules};

/// Why an evaluation could not be done.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The folder does not have the expected layout.
    #[error("{}: not a change-pair folder: {reason}", path.display())]
    NotAPairFolder { path: PathBuf, reason: String },
    /// An image of a pair could not be read.
    #[error(transparent)]
    Image(#[from] ImageError),
    /// A label does not match its images in size.
    #[error("pair {name}: the label is {label_width}x{label_height} but the images are {width}x{height}")]
    LabelSize {
        name: String,
        label_width: usize,
        label_height: usize,
        width: usize,
        height: usize,
    },
    /// The detector failed on a pair.
    #[error("pair {name}: {source}")]
    Detect {
        name: String,
        #[source]
        source: DetectError,
    },
    /// A pair could not be loaded (a georeferenced set: reading, stacking or warping).
    #[error("pair {name}: {reason}")]
    Load { name: String, reason: String },
}

/// Two co-registered images of one place and the true change between them.
#[derive(Debug, Clone)]
pub struct LabelledPair {
    /// The pair's name in its set (file or city name).
    pub name: String,
    /// The earlier image.
    pub before: Raster,
    /// The later image, on the same grid.
    pub after: Raster,
    /// True where the scene changed, row-major on the images' grid.
    pub label: Vec<bool>,
}

/// A set of labelled pairs, loaded one at a time so memory follows one pair.
pub trait PairSource {
    /// The names of the pairs, in evaluation order.
    fn names(&self) -> Vec<String>;
    /// Loads one pair.
    fn load(&self, name: &str) -> Result<LabelledPair, EvalError>;
    /// The bands (counted from 1) that show red, green and blue, where the set knows what its
    /// bands are: what a method that takes three bands is given unless others are chosen.
    fn true_colour(&self) -> Option<Vec<usize>> {
        None
    }
}

/// A folder with `A/` (before), `B/` (after) and `label/` (change > 127) images of the same
/// file names: PNG, JPEG or TIFF (see [`ImageFormat`]). A label may also have the same stem
/// with another of those extensions (`A/0001.jpg` with `label/0001.png`), as some sets ship
/// lossless labels beside JPEG images.
#[derive(Debug, Clone)]
pub struct ImagePairFolder {
    /// The folder holding `A/`, `B/` and `label/`.
    pub root: PathBuf,
    /// The pair file names (from `A/`, sorted); trim it to evaluate a subset.
    pub names: Vec<String>,
    /// The image files of `label/` by stem, listed once (file names as on disk, so that a
    /// case-insensitive file system does not show one file under two names).
    labels: BTreeMap<String, Vec<String>>,
}

impl ImagePairFolder {
    /// Opens a pair folder and lists its pairs.
    pub fn open(root: &Path) -> Result<ImagePairFolder, EvalError> {
        let not_pairs = |reason: String| EvalError::NotAPairFolder {
            path: root.to_path_buf(),
            reason,
        };
        for sub in ["A", "B", "label"] {
            if !root.join(sub).is_dir() {
                return Err(not_pairs(format!("it has no {sub}/ folder")));
            }
        }
        let images = |sub: &str| -> Result<Vec<String>, EvalError> {
            let entries = std::fs::read_dir(root.join(sub))
                .map_err(|e| not_pairs(format!("cannot list {sub}/: {e}")))?;
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| ImageFormat::of(Path::new(n)).is_some())
                .collect();
            names.sort();
            Ok(names)
        };
        let names = images("A")?;
        let mut labels: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for label in images("label")? {
            labels.entry(stem_of(&label)).or_default().push(label);
        }
        if names.is_empty() {
            return Err(not_pairs(format!(
                "A/ holds no image ({})",
                ImageFormat::extension_list()
            )));
        }
        Ok(ImagePairFolder {
            root: root.to_path_buf(),
            names,
            labels,
        })
    }

    /// The label of pair `name`: `label/name`, or else the one image of `label/` with its stem.
    fn label_path(&self, name: &str) -> Result<PathBuf, EvalError> {
        let same_stem = self
            .labels
            .get(&stem_of(name))
            .map_or(&[][..], Vec::as_slice);
        let unclear = |reason: &str| EvalError::Load {
            name: name.to_string(),
            reason: reason.to_string(),
        };
        let label = match same_stem {
            _ if same_stem.iter().any(|label| label == name) => name,
            [label] => label.as_str(),
            [] => return Err(unclear("label/ has no image of that name or stem")),
            _ => {
                return Err(unclear(
                    "label/ has several images of that stem and none of that name",
                ))
            }
        };
        Ok(self.root.join("label").join(label))
    }
}

/// A file name without its last extension ("2019.05.tile" of "2019.05.tile.png").
fn stem_of(name: &str) -> String {
    Path::new(name)
        .file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

impl PairSource for ImagePairFolder {
    fn names(&self) -> Vec<String> {
        self.names.clone()
    }

    /// What the first pair's BEFORE declares, if it is a TIFF (a 4-band RGB and near-infrared
    /// tile, say); a PNG or JPEG is grey or red, green and blue as it stands.
    fn true_colour(&self) -> Option<Vec<usize>> {
        let first = self.root.join("A").join(self.names.first()?);
        if ImageFormat::of(&first) != Some(ImageFormat::Tiff) {
            return None;
        }
        // A file that cannot be opened declares nothing; loading the pair names the problem.
        let tiff = GeoTiff::open_unreferenced(&first).ok()?;
        ColourInterp::true_colour(&tiff.colour_interp())
    }

    fn load(&self, name: &str) -> Result<LabelledPair, EvalError> {
        let before = read_image(&self.root.join("A").join(name))?;
        let after = read_image(&self.root.join("B").join(name))?;
        let size = |r: &Raster| (r.grid.width, r.grid.height, r.band_count);
        if size(&after) != size(&before) {
            let ((w, h, b), (bw, bh, bb)) = (size(&after), size(&before));
            return Err(EvalError::Load {
                name: name.to_string(),
                reason: format!("B/ is {w}x{h} with {b} bands but A/ is {bw}x{bh} with {bb}"),
            });
        }
        let (label, label_width, label_height) = read_label(&self.label_path(name)?)?;
        let (width, height) = (before.grid.width, before.grid.height);
        if (label_width, label_height) != (width, height) {
            return Err(EvalError::LabelSize {
                name: name.to_string(),
                label_width,
                label_height,
                width,
                height,
            });
        }
        Ok(LabelledPair {
            name: name.to_string(),
            before,
            after,
            label,
        })
    }
}

/// Pixel counts of predicted against true change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Confusion {
    /// Changed and flagged.
    pub true_positive: u64,
    /// Unchanged but flagged.
    pub false_positive: u64,
    /// Changed but not flagged.
    pub false_negative: u64,
    /// Unchanged and not flagged.
    pub true_negative: u64,
}

/// `a / b`, 0 when `b` is 0.
fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

impl Confusion {
    /// The confusion of a predicted mask against a label of the same size.
    pub fn of(predicted: &[bool], label: &[bool]) -> Confusion {
        let mut c = Confusion::default();
        for (&p, &l) in predicted.iter().zip(label) {
            match (p, l) {
                (true, true) => c.true_positive += 1,
                (true, false) => c.false_positive += 1,
                (false, true) => c.false_negative += 1,
                (false, false) => c.true_negative += 1,
            }
        }
        c
    }

    /// Adds another confusion's counts.
    pub fn add(&mut self, other: &Confusion) {
        self.true_positive += other.true_positive;
        self.false_positive += other.false_positive;
        self.false_negative += other.false_negative;
        self.true_negative += other.true_negative;
    }

    /// TP / (TP + FP); 0 when nothing was predicted.
    pub fn precision(&self) -> f64 {
        ratio(self.true_positive, self.true_positive + self.false_positive)
    }

    /// TP / (TP + FN); 0 when nothing changed.
    pub fn recall(&self) -> f64 {
        ratio(self.true_positive, self.true_positive + self.false_negative)
    }

    /// 2TP / (2TP + FP + FN) (= 2PR / (P + R)); 0 when both label and prediction are empty.
    pub fn f1(&self) -> f64 {
        ratio(
            2 * self.true_positive,
            2 * self.true_positive + self.false_positive + self.false_negative,
        )
    }

    /// F1, or None when label and prediction are both empty (F1 is undefined there).
    pub fn f1_if_defined(&self) -> Option<f64> {
        (self.true_positive + self.false_positive + self.false_negative > 0).then(|| self.f1())
    }

    /// TP / (TP + FP + FN): intersection over union of the change class.
    pub fn iou(&self) -> f64 {
        ratio(
            self.true_positive,
            self.true_positive + self.false_positive + self.false_negative,
        )
    }

    /// The F1 of the trivial method that flags every pixel: 2 changed / (2 changed + unchanged).
    pub fn all_change_f1(&self) -> f64 {
        let changed = self.true_positive + self.false_negative;
        let unchanged = self.false_positive + self.true_negative;
        ratio(2 * changed, 2 * changed + unchanged)
    }
}

/// The result of evaluating one method on one set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    /// The method evaluated (from its change maps).
    pub method: String,
    /// The method's version.
    pub version: String,
    /// How many pairs were evaluated.
    pub pairs: usize,
    /// Over the whole set: TP / (TP + FP).
    pub precision: f64,
    /// Over the whole set: TP / (TP + FN).
    pub recall: f64,
    /// Over the whole set: 2TP / (2TP + FP + FN).
    pub f1: f64,
    /// Over the whole set: TP / (TP + FP + FN).
    pub iou: f64,
    /// F1 of flagging every pixel on the same set: the floor a method has to beat.
    pub all_change_f1: f64,
    /// The pixel counts summed over the set.
    pub confusion: Confusion,
    /// F1 per pair; null where label and prediction are both empty.
    pub per_pair: BTreeMap<String, Option<f64>>,
}

/// Evaluates `detector` on every pair of `source` at its default threshold, with the mask
/// cleaned by `rules` as for change objects, summing the confusion over the whole set.
pub fn evaluate(
    detector: &dyn ChangeDetector,
    source: &dyn PairSource,
    rules: &CleanupRules,
) -> Result<EvalReport, EvalError> {
    evaluate_with_progress(detector, source, rules, |_| {})
}

/// [`evaluate`], calling `pair_done` with each pair's name once it is scored (for a progress
/// display over a large set).
pub fn evaluate_with_progress(
    detector: &dyn ChangeDetector,
    source: &dyn PairSource,
    rules: &CleanupRules,
    mut pair_done: impl FnMut(&str),
) -> Result<EvalReport, EvalError> {
    let mut total = Confusion::default();
    let mut per_pair = BTreeMap::new();
    let (mut method, mut version) = (String::new(), String::new());
    let names = source.names();
    for name in &names {
        let pair = source.load(name)?;
        let detect_error = |source| EvalError::Detect {
            name: name.clone(),
            source,
        };
        let map = detector
            .probability(&pair.before, &pair.after)
            .map_err(detect_error)?;
        let threshold = detector.default_threshold(&map);
        let predicted = clean_mask(&map, threshold, rules).map_err(detect_error)?;
        let confusion = Confusion::of(&predicted, &pair.label);
        total.add(&confusion);
        per_pair.insert(name.clone(), confusion.f1_if_defined());
        (method, version) = (map.method, map.version);
        pair_done(name);
    }
    Ok(EvalReport {
        method,
        version,
        pairs: names.len(),
        precision: total.precision(),
        recall: total.recall(),
        f1: total.f1(),
        iou: total.iou(),
        all_change_f1: total.all_change_f1(),
        confusion: total,
        per_pair,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imad::Imad;
    use crate::image_file::jpeg::tests::RED_24X8;
    use crate::image_file::png::tests::write_png;

    #[test]
    fn confusion_measures_are_consistent() {
        let predicted = [true, true, false, false, true];
        let label = [true, false, true, false, true];
        let c = Confusion::of(&predicted, &label);
        assert_eq!(
            (
                c.true_positive,
                c.false_positive,
                c.false_negative,
                c.true_negative
            ),
            (2, 1, 1, 1)
        );
        let (p, r) = (c.precision(), c.recall());
        assert!((c.f1() - 2.0 * p * r / (p + r)).abs() < 1e-12);
        assert_eq!(c.iou(), 0.5);
        assert_eq!(c.all_change_f1(), 6.0 / 8.0);
        assert_eq!(Confusion::of(&[false], &[false]).f1_if_defined(), None);
    }

    #[test]
    fn evaluates_a_levir_pair_and_the_empty_one() {
        let root = testkit::shared_data().join("changepairs/levir");
        let mut folder = ImagePairFolder::open(&root).unwrap();
        folder
            .names
            .retain(|n| n == "test_2_0000_0000.png" || n == "train_386_0512_0768.png");
        assert_eq!(
            folder.names.len(),
            2,
            "the two LEVIR pairs are in the shared data"
        );
        let mut scored = Vec::new();
        let report = evaluate_with_progress(
            &Imad::default(),
            &folder,
            &CleanupRules::default(),
            |name| scored.push(name.to_string()),
        )
        .unwrap();
        assert_eq!(
            scored, folder.names,
            "each pair reported once scored, in order"
        );

        let json = serde_json::to_value(&report).unwrap();
        for key in ["pairs", "precision", "recall", "f1", "iou", "per_pair"] {
            assert!(json.get(key).is_some(), "report lacks {key}");
        }
        assert_eq!(json["pairs"], 2);
        assert_eq!(json["method"], "imad");
        let c = report.confusion;
        assert_eq!(
            c.true_positive + c.false_positive + c.false_negative + c.true_negative,
            2 * 256 * 256
        );
        let (p, r) = (report.precision, report.recall);
        if p + r > 0.0 {
            assert!((report.f1 - 2.0 * p * r / (p + r)).abs() < 1e-12);
        }
        assert!(report.iou <= report.f1);
        // The empty-label pair has F1 0 when anything is flagged, null when nothing is.
        let empty = report.per_pair["train_386_0512_0768.png"];
        assert!(empty.is_none() || empty == Some(0.0));
        assert!(report.per_pair["test_2_0000_0000.png"].is_some());
    }

    #[test]
    fn a_pair_whose_dates_differ_in_size_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        for (folder, side) in [("A", 4), ("B", 3), ("label", 4)] {
            std::fs::create_dir(dir.path().join(folder)).unwrap();
            let pixels = vec![0; (side * side) as usize];
            let path = dir.path().join(folder).join("p.png");
            write_png(&path, side, side, png::ColorType::Grayscale, &pixels, None);
        }
        let folder = ImagePairFolder::open(dir.path()).unwrap();
        let err = folder.load("p.png").unwrap_err().to_string();
        assert!(err.contains("p.png") && err.contains("B/ is 3x3"), "{err}");
    }

    #[test]
    fn jpeg_images_find_their_label_by_stem_and_an_unclear_label_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for folder in ["A", "B", "label"] {
            std::fs::create_dir(dir.path().join(folder)).unwrap();
        }
        for folder in ["A", "B"] {
            std::fs::write(dir.path().join(folder).join("tile.7.jpg"), RED_24X8).unwrap();
        }
        let mut label = vec![0u8; 24 * 8];
        label[30] = 255;
        let label_png = dir.path().join("label/tile.7.png");
        write_png(&label_png, 24, 8, png::ColorType::Grayscale, &label, None);
        let folder = ImagePairFolder::open(dir.path()).unwrap();
        assert_eq!(folder.names, ["tile.7.jpg"]);
        let pair = folder.load("tile.7.jpg").unwrap();
        assert_eq!(pair.before.band_count, 3);
        assert_eq!(pair.label.iter().filter(|&&c| c).count(), 1);
        assert!(pair.label[30]);

        // A second label of that stem (upper-case extension): which one is meant is unclear.
        std::fs::copy(&label_png, dir.path().join("label/tile.7.TIFF")).unwrap();
        let folder = ImagePairFolder::open(dir.path()).unwrap();
        let err = folder.load("tile.7.jpg").unwrap_err().to_string();
        assert!(
            err.contains("tile.7.jpg") && err.contains("several images"),
            "{err}"
        );
        for stale in ["tile.7.png", "tile.7.TIFF"] {
            std::fs::remove_file(dir.path().join("label").join(stale)).unwrap();
        }
        let folder = ImagePairFolder::open(dir.path()).unwrap();
        let err = folder.load("tile.7.jpg").unwrap_err().to_string();
        assert!(
            err.contains("tile.7.jpg") && err.contains("no image of that name"),
            "{err}"
        );
    }

    #[test]
    fn missing_folders_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let err = ImagePairFolder::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("no A/ folder"), "{err}");
    }
}
