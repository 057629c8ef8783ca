//! A heat map of instances × time (the placement view), drawn with plotters
//! rectangles so that the SVG and the `--png` bitmap come out alike.

use super::chart::Chart;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Colour steps: few enough that runs of equal cells merge into one
/// rectangle (which keeps a large report small), enough to read 10 % steps.
pub const LEVELS: usize = 10;

#[derive(Debug, Clone)]
pub struct Heat {
    /// Rows, top to bottom.
    pub rows: usize,
    /// (row, x from, x to): while each instance ran, drawn light grey (its
    /// level-0 colour) under the cells, so idle stretches cost no rectangles.
    pub alive: Vec<(usize, f64, f64)>,
    /// (row, x from, x to, level 1..=LEVELS): one rectangle each; a gap
    /// over `alive` is nothing reserved, a gap outside it is not running.
    pub cells: Vec<(usize, f64, f64, u8)>,
    /// (first row, name) of each block of rows (zone / instance group).
    pub blocks: Vec<(usize, String)>,
    /// What the colour measures, for the scale ("CPU reserved").
    pub measure: String,
    pub x_range: (f64, f64),
}

/// The level of a share 0..=1: 0 only for exactly nothing reserved, so an
/// instance holding one small task does not look empty.
pub fn level(share: f64) -> u8 {
    if share <= 0.0 {
        0
    } else {
        ((share * LEVELS as f64).ceil() as usize).clamp(1, LEVELS) as u8
    }
}

/// Light grey for an idle running instance, then yellow to dark red (a
/// sequential scale readable in greyscale too).
fn colour(level: u8) -> RGBColor {
    const SCALE: [RGBColor; LEVELS + 1] = [
        RGBColor(232, 232, 232),
        RGBColor(255, 245, 190),
        RGBColor(254, 227, 145),
        RGBColor(254, 196, 79),
        RGBColor(254, 153, 41),
        RGBColor(236, 112, 20),
        RGBColor(204, 76, 2),
        RGBColor(166, 54, 3),
        RGBColor(140, 45, 4),
        RGBColor(110, 30, 5),
        RGBColor(80, 20, 5),
    ];
    SCALE[usize::from(level).min(LEVELS)]
}

/// Pixel height of a row: thin rows for many instances, never below 2 px.
pub fn row_px(rows: usize) -> u32 {
    (640 / rows.max(1)).clamp(2, 22) as u32
}

/// The chart height a heat map of `rows` rows needs.
pub fn height_for(rows: usize) -> u32 {
    (rows as u32 * row_px(rows) + 150).max(300)
}

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &Chart,
    h: &Heat,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| format!("chart {}: {e}", c.id);
    root.fill(&WHITE).map_err(err)?;
    let font = super::chart::FONT;
    let (x0, x1) = h.x_range;
    let x1 = if x1 > x0 { x1 } else { x0 + 1.0 };
    let rows = h.rows.max(1) as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, (font, 20))
        .margin(12)
        .margin_top(8)
        .x_label_area_size(62)
        .y_label_area_size(190)
        .build_cartesian_2d(x0..x1, 0.0..rows)
        .map_err(err)?;
    let span = x1 - x0;
    let x_fmt = |v: &f64| super::scale::tick(*v, span);
    chart
        .configure_mesh()
        .x_desc(c.x_label.as_str())
        .x_label_formatter(&x_fmt)
        .y_labels(0)
        .disable_y_mesh()
        .label_style((font, 13))
        .axis_desc_style((font, 14))
        .max_light_lines(0)
        .bold_line_style(RGBColor(230, 230, 230))
        .draw()
        .map_err(err)?;
    // Row r is drawn from the top: y = rows - r - 1 .. rows - r.
    let y = |r: usize| rows - r as f64;
    chart
        .draw_series(
            h.alive
                .iter()
                .map(|&(r, a, b)| Rectangle::new([(a, y(r)), (b, y(r) - 1.0)], colour(0).filled())),
        )
        .map_err(err)?;
    chart
        .draw_series(
            h.cells.iter().map(|&(r, a, b, l)| {
                Rectangle::new([(a, y(r)), (b, y(r) - 1.0)], colour(l).filled())
            }),
        )
        .map_err(err)?;
    // Block separators across the plot, and block names left of it.
    let line = RGBColor(60, 60, 60);
    for (i, (first, name)) in h.blocks.iter().enumerate() {
        if i > 0 {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x0, y(*first)), (x1, y(*first))],
                    line.stroke_width(1),
                )))
                .map_err(err)?;
        }
        let last = h.blocks.get(i + 1).map_or(h.rows, |b| b.0);
        let mid = (y(*first) + y(last)) / 2.0;
        let (_, py) = chart.backend_coord(&(x0, mid));
        let (px, _) = chart.backend_coord(&(x0, 0.0));
        root.draw(&Text::new(
            name.clone(),
            (px - 184, py - 6),
            (font, 11).into_font().color(&BLACK),
        ))
        .map_err(err)?;
    }
    // The colour scale, bottom left under the row names.
    let (sx, sy) = (12, root.dim_in_pixel().1 as i32 - 24);
    let label = format!("{}: 0", h.measure);
    root.draw(&Text::new(
        label.clone(),
        (sx, sy),
        (font, 12).into_font().color(&BLACK),
    ))
    .map_err(err)?;
    let sx = sx + 7 * label.len() as i32 + 6;
    for l in 0..=LEVELS {
        let x = sx + 12 * l as i32;
        root.draw(&Rectangle::new(
            [(x, sy), (x + 12, sy + 12)],
            colour(l as u8).filled(),
        ))
        .map_err(err)?;
    }
    root.draw(&Text::new(
        "100 %; white: not running".to_string(),
        (sx + 12 * (LEVELS as i32 + 1) + 6, sy),
        (font, 12).into_font().color(&BLACK),
    ))
    .map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn levels_keep_empty_apart_from_a_little() {
        assert_eq!(super::level(0.0), 0);
        assert_eq!(super::level(0.001), 1);
        assert_eq!(super::level(0.5), 5);
        assert_eq!(super::level(1.0), 10);
        assert_eq!(super::level(1.7), 10);
    }
}
