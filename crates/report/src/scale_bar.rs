//! The scale bar printed on every figure panel: a round length in metres (1, 2 or 5 times a
//! power of ten) measured from the crop's grid, so an editor can tell a hall from a shed.

use crate::canvas::{Canvas, Stroke, BLACK, WHITE};
use crate::round::round_at_most;
use crate::text::Lettering;

/// The largest share of a panel's width a scale bar may take.
const MAX_SHARE: f64 = 0.25;

/// The round length, in metres, of the scale bar for a panel showing `ground_width_m` metres
/// of ground across: the longest 1, 2 or 5 x 10^k that takes at most a quarter of the width.
pub(crate) fn bar_length_m(ground_width_m: f64) -> f64 {
    round_at_most(ground_width_m * MAX_SHARE)
}

/// A length as a scale bar labels it: "50 m", "200 m", "1 km", "0.5 m".
pub(crate) fn label(length_m: f64) -> String {
    if length_m >= 1000.0 {
        format!("{} km", length_m / 1000.0)
    } else {
        format!("{length_m} m")
    }
}

/// Draws a scale bar for a panel of `metres_per_pixel` into `canvas`, with its box's
/// bottom-left corner at `(x, y)`: a two-part black and white bar on a pale box, its length
/// written above it.
pub(crate) fn draw(canvas: &mut Canvas, x: i64, y: i64, panel_width: usize, metres_per_pixel: f64) {
    let length_m = bar_length_m(panel_width as f64 * metres_per_pixel);
    let bar = (length_m / metres_per_pixel).round() as usize;
    let lettering = Lettering {
        scale: 2,
        color: BLACK,
    };
    let text = label(length_m);
    let pad = 8;
    let bar_height = 8;
    let box_w = bar.max(lettering.width(&text)) + 2 * pad;
    let box_h = lettering.height() + bar_height + 3 * pad;
    let top = y - box_h as i64;
    canvas.fill_rect(x, top, box_w, box_h, WHITE, 0.8);
    let (bx, by) = (x + pad as i64, y - (pad + bar_height) as i64);
    lettering.draw(canvas, bx, top + pad as i64, &text);
    let half = bar / 2;
    canvas.fill_rect(bx, by, half, bar_height, BLACK, 1.0);
    canvas.fill_rect(bx + half as i64, by, bar - half, bar_height, WHITE, 1.0);
    let outline = Stroke {
        color: BLACK,
        width: 1.5,
        dash: None,
    };
    let (l, r) = (bx as f64, (bx + bar as i64) as f64);
    let (t, b) = (by as f64, (by + bar_height as i64) as f64);
    canvas.polyline(&[(l, t), (r, t), (r, b), (l, b), (l, t)], &outline);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_is_the_longest_round_length_within_a_quarter_of_the_panel() {
        for (width, expected) in [
            (200.0, 50.0),
            (199.0, 20.0),
            (120.0, 20.0),
            (80.0, 20.0),
            (79.0, 10.0),
            (400.0, 100.0),
            (1000.0, 200.0),
            (4000.0, 1000.0),
            (3.0, 0.5),
        ] {
            assert_eq!(bar_length_m(width), expected, "panel {width} m wide");
        }
        for width in [37.0, 512.0, 640.0 * 0.75, 12_345.0] {
            let length = bar_length_m(width);
            assert!(length <= width / 4.0);
            let mantissa = length / 10f64.powf(length.log10().floor());
            assert!(
                [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-9),
                "{length}"
            );
            // The next round length up (2 after 1, 5 after 2, 10 after 5) would not fit.
            let is_two = (mantissa - 2.0).abs() < 1e-9;
            let next = if is_two { 2.5 } else { 2.0 } * length;
            assert!(next > width / 4.0, "{width}: {length} then {next}");
        }
    }

    #[test]
    fn labels_switch_to_kilometres() {
        assert_eq!(label(50.0), "50 m");
        assert_eq!(label(0.5), "0.5 m");
        assert_eq!(label(2000.0), "2 km");
    }

    #[test]
    fn the_drawn_bar_is_as_long_as_its_length_in_pixels() {
        let mut canvas = Canvas::new(400, 100, [90, 90, 90]);
        // 200 px of 0.5 m: 100 m across, a 20 m bar of 40 px.
        draw(&mut canvas, 10, 90, 200, 0.5);
        let bar_row = 90 - 8 - 4;
        let dark = (0..400)
            .filter(|&c| canvas.pixels[bar_row * 400 + c] == BLACK)
            .count();
        let light = (0..400)
            .filter(|&c| canvas.pixels[bar_row * 400 + c] == WHITE)
            .count();
        // Half the bar is black, half white, with a thin black outline at the ends.
        assert!((20..=24).contains(&dark), "{dark} black pixels");
        assert!((17..=20).contains(&light), "{light} white pixels");
    }
}
