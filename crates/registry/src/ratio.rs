//! The ratio of two measures with its interval, e.g. new hall / original hall.

use crate::measure::{Measure, Source};

/// The ratio `a / b` with its interval, by first-order propagation of relative errors.
///
/// The errors of `a` and `b` are taken as **independent**: each source of `a` and of `b` keeps
/// its name (prefixed "numerator: " or "denominator: ") and kind and becomes a relative
/// contribution `ratio * half_width / value`; the independent ones of both combine in
/// quadrature, the deterministic ones ([`Source::added`]) are added in full. Two outlines from one
/// image share the image's blur and threshold, which push both areas the same way; those
/// errors are positively correlated and partly cancel in a ratio, so treating them as
/// independent gives an interval that is wide rather than narrow.
///
/// A `b` of value zero gives an infinite or undefined ratio; the caller decides what a zero
/// denominator means.
///
/// ```
/// use registry::{compare, Measure, Source};
/// let a = Measure::new(130.0, vec![Source::new("edge", 3.0)]);
/// let b = Measure::new(100.0, vec![Source::new("edge", 4.0)]);
/// let r = compare(&a, &b);
/// assert!((r.value - 1.3).abs() < 1e-12);
/// assert!((r.half_width() - 1.3 * ((3.0f64 / 130.0).powi(2) + 0.04f64.powi(2)).sqrt()).abs() < 1e-12);
/// ```
pub fn compare(a: &Measure, b: &Measure) -> Measure {
    let ratio = a.value / b.value;
    let relative = |m: &Measure, role: &str| -> Vec<Source> {
        m.sources
            .iter()
            .map(|s| Source {
                name: format!("{role}: {}", s.name),
                half_width: (ratio * s.half_width / m.value).abs(),
                independent: s.independent,
            })
            .collect()
    };
    let mut sources = relative(a, "numerator");
    sources.extend(relative(b, "denominator"));
    Measure::new(ratio, sources)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ratio_keeps_every_named_source_of_both_measures() {
        let a = Measure::new(
            50.0,
            vec![Source::new("edge", 2.0), Source::new("coreg", 1.0)],
        );
        let b = Measure::new(200.0, vec![Source::new("edge", 4.0)]);
        let r = compare(&a, &b);
        assert_eq!(r.value, 0.25);
        let names: Vec<&str> = r.sources.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            ["numerator: edge", "numerator: coreg", "denominator: edge"]
        );
        // The relative half-width is the quadrature sum of the relative half-widths.
        let rel = ((2.0f64 / 50.0).powi(2) + (1.0f64 / 50.0).powi(2) + 0.02f64.powi(2)).sqrt();
        assert!((r.half_width() / r.value - rel).abs() < 1e-12);
    }

    #[test]
    fn a_measure_compared_with_an_exact_one_keeps_its_relative_width() {
        let a = Measure::new(80.0, vec![Source::new("edge", 8.0)]);
        let exact = Measure::new(40.0, Vec::new());
        let r = compare(&a, &exact);
        assert!((r.low - 1.8).abs() < 1e-12 && (r.high - 2.2).abs() < 1e-12);
    }
}
