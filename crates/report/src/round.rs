//! Round numbers for scale bars and chart axes: 1, 2 or 5 times a power of ten.

/// The largest 1, 2 or 5 x 10^k that is at most `limit` (which must be positive).
pub(crate) fn round_at_most(limit: f64) -> f64 {
    let mut power = 10f64.powf(limit.log10().floor());
    // log10 rounding can land a hair below an exact power of ten.
    if power * 10.0 <= limit {
        power *= 10.0;
    }
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&length| length <= limit)
        .unwrap_or(power)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_numbers_are_one_two_or_five_and_the_next_would_not_fit() {
        for (limit, expected) in [(1000.0, 1000.0), (999.0, 500.0), (0.3, 0.2), (7.0, 5.0)] {
            assert_eq!(round_at_most(limit), expected, "{limit}");
        }
    }
}
