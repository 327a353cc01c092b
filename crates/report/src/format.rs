//! Numbers as a report prints them: thousands grouped, measures with their intervals,
//! positions in degrees with hemispheres.

use crate::input::Quantity;

/// `value` with `decimals` decimals and its thousands grouped by commas: "6,230", "-12.5".
pub(crate) fn grouped(value: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = match text.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (text.as_str(), None),
    };
    let mut out = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if let Some(fraction) = fraction {
        out.push('.');
        out.push_str(fraction);
    }
    let negative = value < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0');
    if negative {
        out.insert(0, '-');
    }
    out
}

/// The decimals a measure is printed with: whole units from 100 up, one decimal from 10,
/// two below.
fn decimals_for(quantity: &Quantity) -> usize {
    let magnitude = quantity.value.abs().max(quantity.high.abs());
    if magnitude >= 100.0 {
        0
    } else if magnitude >= 10.0 {
        1
    } else {
        2
    }
}

/// A measure with its interval: "6,230 m² [6,050–6,410]".
pub(crate) fn quantity(q: &Quantity) -> String {
    let d = decimals_for(q);
    format!(
        "{} {} [{}–{}]",
        grouped(q.value, d),
        q.unit,
        grouped(q.low, d),
        grouped(q.high, d)
    )
}

/// A confidence level as a percentage: "95%".
pub(crate) fn level(level: f64) -> String {
    format!("{}%", (level * 100.0 * 10.0).round() / 10.0)
}

/// A position as "37.04123° N, 116.10031° W" (five decimals: about a metre).
pub(crate) fn lat_lon((lon, lat): (f64, f64)) -> String {
    let ns = if lat < 0.0 { 'S' } else { 'N' };
    let ew = if lon < 0.0 { 'W' } else { 'E' };
    format!("{:.5}° {ns}, {:.5}° {ew}", lat.abs(), lon.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(value: f64, low: f64, high: f64) -> Quantity {
        Quantity {
            value,
            low,
            high,
            level: 0.95,
            unit: "m²".into(),
        }
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(grouped(6230.4, 0), "6,230");
        assert_eq!(grouped(1_234_567.891, 2), "1,234,567.89");
        assert_eq!(grouped(999.0, 0), "999");
        assert_eq!(grouped(-12_000.0, 0), "-12,000");
        assert_eq!(grouped(-0.001, 1), "0.0");
    }

    #[test]
    fn measures_carry_their_interval_at_a_precision_fit_for_their_size() {
        assert_eq!(
            quantity(&q(6230.0, 6050.4, 6410.0)),
            "6,230 m² [6,050–6,410]"
        );
        assert_eq!(quantity(&q(44.26, 43.5, 45.0)), "44.3 m² [43.5–45.0]");
        assert_eq!(quantity(&q(0.5, 0.25, 0.75)), "0.50 m² [0.25–0.75]");
        assert_eq!(level(0.95), "95%");
    }

    #[test]
    fn positions_name_their_hemispheres() {
        assert_eq!(lat_lon((-116.1, 37.04)), "37.04000° N, 116.10000° W");
        assert_eq!(lat_lon((151.2, -33.9)), "33.90000° S, 151.20000° E");
    }
}
