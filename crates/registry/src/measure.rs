//! A measured figure with its interval and the named sources of its uncertainty.

use serde::{Deserialize, Serialize};

/// The confidence level of every interval sitewatch reports.
pub const LEVEL: f64 = 0.95;

/// One named contribution to a measure's uncertainty: the half-width, at [`LEVEL`], that this
/// source alone would give the interval, in the measure's own unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// What the contribution comes from, in the analyst's words ("edge position (GSD 0.5 m)").
    pub name: String,
    /// The half-width of the interval this source alone would give.
    pub half_width: f64,
    /// Whether the error is random and independent of the others (combined in quadrature) or
    /// a deterministic difference, such as the area a chosen outline adds (added in full).
    pub independent: bool,
}

impl Source {
    /// A random contribution of `half_width`, independent of the others (absolute value kept).
    pub fn new(name: impl Into<String>, half_width: f64) -> Source {
        Source {
            name: name.into(),
            half_width: half_width.abs(),
            independent: true,
        }
    }

    /// A deterministic contribution of `half_width` (absolute value kept), added in full to
    /// the interval rather than in quadrature: it cannot be expected to cancel.
    pub fn added(name: impl Into<String>, half_width: f64) -> Source {
        Source {
            independent: false,
            ..Source::new(name, half_width)
        }
    }
}

/// A value with its interval at [`LEVEL`] and the contributions that make the interval, e.g.
/// an area of 6,230 m² [6,050, 6,410] from the edge position at 0.5 m GSD and a
/// co-registration residual of 0.3 px. No figure leaves sitewatch without its interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measure {
    /// The best estimate.
    pub value: f64,
    /// The lower end of the interval.
    pub low: f64,
    /// The upper end of the interval.
    pub high: f64,
    /// The confidence level of the interval (0.95).
    pub level: f64,
    /// The contributions to the uncertainty, largest first.
    pub sources: Vec<Source>,
}

impl Measure {
    /// A measure with the interval its sources make: the half-widths of independent sources
    /// combine in quadrature (root sum of squares, as the variances of independent errors
    /// add), and those of [`Source::added`] sources are added to that in full.
    ///
    /// ```
    /// use registry::{Measure, Source};
    /// let m = Measure::new(100.0, vec![Source::new("a", 3.0), Source::new("b", 4.0)]);
    /// assert_eq!((m.low, m.high), (95.0, 105.0));
    /// let m = Measure::new(100.0, vec![Source::new("a", 3.0), Source::added("outline", 1.0)]);
    /// assert_eq!((m.low, m.high), (96.0, 104.0));
    /// ```
    pub fn new(value: f64, mut sources: Vec<Source>) -> Measure {
        sources.sort_by(|a, b| b.half_width.total_cmp(&a.half_width));
        let independent = sources
            .iter()
            .filter(|s| s.independent)
            .map(|s| s.half_width * s.half_width)
            .sum::<f64>()
            .sqrt();
        let added = sources
            .iter()
            .filter(|s| !s.independent)
            .map(|s| s.half_width)
            .sum::<f64>();
        let half_width = independent + added;
        Measure {
            value,
            low: value - half_width,
            high: value + half_width,
            level: LEVEL,
            sources,
        }
    }

    /// Half the interval's width.
    pub fn half_width(&self) -> f64 {
        0.5 * (self.high - self.low)
    }

    /// Whether `x` lies in the interval (ends included).
    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn independent_sources_add_in_quadrature_others_in_full_largest_listed_first() {
        let m = Measure::new(
            10.0,
            vec![
                Source::new("small", -0.5),
                Source::new("big", 1.2),
                Source::added("outline", 0.1),
            ],
        );
        assert!((m.half_width() - (1.2f64.powi(2) + 0.25).sqrt() - 0.1).abs() < 1e-12);
        assert_eq!(m.sources[0].name, "big");
        assert_eq!(m.sources[1].half_width, 0.5);
        assert_eq!(m.level, LEVEL);
        assert!(m.contains(m.low) && m.contains(m.high) && !m.contains(m.high + 1e-9));
    }

    #[test]
    fn a_measure_without_sources_has_a_zero_width_interval() {
        let m = Measure::new(3.0, Vec::new());
        assert_eq!((m.low, m.value, m.high), (3.0, 3.0, 3.0));
    }
}
