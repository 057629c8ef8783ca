//! One chart model drawn by plotters onto either backend: SVG (inline in
//! report.html) or an RGB bitmap encoded as PNG (`--png`). The report code
//! only builds [`Chart`] values; it never talks to plotters.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::scale::{bounds, tick};
pub use super::scale::{stack, thin};

/// Chart size in pixels (SVG user units and PNG pixels alike).
pub const WIDTH: u32 = 900;
pub const HEIGHT: u32 = 380;

/// How the x axis reads.
#[derive(Debug, Clone)]
pub enum XAxis {
    /// Numbers printed as they are.
    Numeric,
    /// Values are category indices 0..n; the labels are the names.
    Categories(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Style {
    Line,
    /// Thicker, for the figure the chart is about (e.g. a total).
    Bold,
    /// Markers only (individual runs of a sweep).
    Dots,
    /// Line with a marker at every point (few points, e.g. sweep means).
    LineDots,
    /// A dashed line: a level to reach (a scale-out's target).
    Dashed,
}

#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub color: usize,
    pub style: Style,
    pub points: Vec<(f64, f64)>,
}

/// A shaded band between a low and a high line (a 95 % confidence interval).
#[derive(Debug, Clone)]
pub struct Band {
    pub color: usize,
    /// (x, low, high), ordered by x.
    pub points: Vec<(f64, f64, f64)>,
}

/// A labelled marker (frontier points).
#[derive(Debug, Clone)]
pub struct Marker {
    pub x: f64,
    pub y: f64,
    pub label: String,
    /// Highlighted (Pareto-optimal).
    pub strong: bool,
}

/// The legend name of the warm-up band.
pub const WARM_UP_LABEL: &str = "warm-up (not measured)";

#[derive(Debug, Clone)]
pub struct Chart {
    /// HTML id and PNG file name: letters, digits, `-` and `_` only.
    pub id: String,
    pub title: String,
    /// A sentence or two under the chart in the HTML report.
    pub caption: String,
    pub x_label: String,
    pub y_label: String,
    pub x_axis: XAxis,
    pub series: Vec<Series>,
    pub bands: Vec<Band>,
    pub markers: Vec<Marker>,
    /// Shaded x ranges (incidents), with a legend name.
    pub spans: Vec<(f64, f64)>,
    pub span_label: String,
    /// Where the warm-up the quality figures leave out ends (x units): a
    /// grey band from the start to there, "warm-up (not measured)".
    pub warm_up: Option<f64>,
    /// Start the y axis at 0 (counts, costs); off for figures such as an
    /// availability near 100 % whose differences would vanish.
    pub zero_baseline: bool,
    /// Height in pixels (a heat map of many instances needs more).
    pub height: u32,
    /// Series are stacked filled areas over the same x values (positive
    /// values upwards, negative ones downwards), so the top edge is the total.
    pub stacked: bool,
    /// Drawn one above the other in this chart's place, sharing its width
    /// (a scaling view: metric, tasks, unserved demand). This chart's own
    /// series are then unused.
    pub panels: Vec<Chart>,
    /// Instances × time, drawn instead of series.
    pub heat: Option<super::heat::Heat>,
    /// The x range, when panels drawn one above the other must line up.
    pub x_range: Option<(f64, f64)>,
}

impl Chart {
    pub fn new(id: &str, title: &str, x_label: &str, y_label: &str) -> Self {
        Chart {
            id: id.to_string(),
            title: title.to_string(),
            caption: String::new(),
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            x_axis: XAxis::Numeric,
            series: Vec::new(),
            bands: Vec::new(),
            markers: Vec::new(),
            spans: Vec::new(),
            span_label: String::new(),
            warm_up: None,
            zero_baseline: true,
            height: HEIGHT,
            stacked: false,
            panels: Vec::new(),
            heat: None,
            x_range: None,
        }
    }

    /// Something to draw: a value other than zero, or a heat map cell.
    /// Charts without are left out of the report rather than shown empty.
    pub fn has_data(&self) -> bool {
        if !self.panels.is_empty() {
            return self.panels.iter().any(Chart::has_data);
        }
        if let Some(h) = &self.heat {
            return !h.alive.is_empty();
        }
        self.series
            .iter()
            .any(|s| s.points.iter().any(|p| p.1 != 0.0 && p.1.is_finite()))
            || !self.markers.is_empty()
            || !self.bands.is_empty()
    }

    /// Total drawn height, panels included.
    pub fn total_height(&self) -> u32 {
        if self.panels.is_empty() {
            self.height
        } else {
            self.panels.iter().map(|p| p.height).sum()
        }
    }

    pub fn line(&mut self, name: &str, style: Style, points: Vec<(f64, f64)>) {
        let color = self.series.len();
        self.series.push(Series {
            name: name.to_string(),
            color,
            style,
            points,
        });
    }
}

/// Tableau 10: distinguishable, and fixed so output never varies.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

pub(super) const FONT: &str = "sans-serif";

/// Text needs font metrics even for SVG; the font is compiled in so the
/// output is the same on a machine without system fonts (CI).
fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // DejaVu Sans is a valid TrueType font; a failure here would be a
        // build problem, and text would then fail to draw with an error.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// The chart as an SVG document (no XML declaration, ready to inline).
pub fn to_svg(c: &Chart) -> Result<String, String> {
    register_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, c.total_height())).into_drawing_area();
        draw_all(&root, c)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// The chart as a PNG file's bytes.
pub fn to_png(c: &Chart) -> Result<Vec<u8>, String> {
    register_font();
    let height = c.total_height();
    let mut rgb = vec![0u8; (WIDTH * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, height)).into_drawing_area();
        draw_all(&root, c)?;
        root.present().map_err(|e| e.to_string())?;
    }
    let mut png_bytes = Vec::new();
    let mut enc = png::Encoder::new(&mut png_bytes, WIDTH, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(|e| e.to_string())?;
    w.write_image_data(&rgb).map_err(|e| e.to_string())?;
    w.finish().map_err(|e| e.to_string())?;
    Ok(png_bytes)
}

/// A chart, its panels one above the other, or a heat map.
fn draw_all<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &Chart) -> Result<(), String> {
    if c.panels.is_empty() {
        return match &c.heat {
            Some(h) => super::heat::draw(root, c, h),
            None => draw(root, c),
        };
    }
    let mut rest = root.clone();
    for p in &c.panels {
        let (top, below) = rest.split_vertically(p.height);
        draw(&top, p)?;
        rest = below;
    }
    Ok(())
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, c: &Chart) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| format!("chart {}: {e}", c.id);
    root.fill(&WHITE).map_err(err)?;
    let ((x0, x1), (y0, y1)) = bounds(c);
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, (FONT, 20))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    let cats = match &c.x_axis {
        XAxis::Categories(n) => Some(n.clone()),
        XAxis::Numeric => None,
    };
    let x_fmt = |v: &f64| match &cats {
        Some(names) => {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                names[i as usize].clone()
            } else {
                String::new()
            }
        }
        None => tick(*v, x1 - x0),
    };
    let y_fmt = |v: &f64| tick(*v, y1 - y0);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(c.x_label.as_str())
        .y_desc(c.y_label.as_str())
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style((FONT, 13))
        .axis_desc_style((FONT, 14))
        .max_light_lines(1)
        .light_line_style(RGBColor(244, 244, 244))
        .bold_line_style(RGBColor(215, 215, 215));
    if let Some(n) = &cats {
        mesh.x_labels(n.len().max(1) + 1).disable_x_mesh();
    }
    mesh.draw().map_err(err)?;

    if let Some(end) = c.warm_up {
        let grey = RGBColor(128, 128, 128).mix(0.22).filled();
        chart
            .draw_series(std::iter::once(Rectangle::new(
                // A short warm-up still shows as a sliver, as incidents do.
                [(x0.max(0.0), y0), (end.max((x1 - x0) * 0.003).min(x1), y1)],
                grey,
            )))
            .map_err(err)?
            .label(WARM_UP_LABEL)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], grey));
    }
    let span_style = RGBColor(214, 39, 40).mix(0.18).filled();
    let min_w = (x1 - x0) * 0.003;
    for (i, &(a, b)) in c.spans.iter().enumerate() {
        let b = b.max(a + min_w);
        let drawn = chart
            .draw_series(std::iter::once(Rectangle::new(
                [(a, y0), (b, y1)],
                span_style,
            )))
            .map_err(err)?;
        if i == 0 {
            drawn
                .label(c.span_label.as_str())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], span_style));
        }
    }
    for b in &c.bands {
        let mut poly: Vec<(f64, f64)> = b.points.iter().map(|p| (p.0, p.2)).collect();
        poly.extend(b.points.iter().rev().map(|p| (p.0, p.1)));
        chart
            .draw_series(std::iter::once(Polygon::new(
                poly,
                color(b.color).mix(0.18).filled(),
            )))
            .map_err(err)?;
    }
    if c.stacked {
        for (s, band) in c.series.iter().zip(stack(&c.series)) {
            let mut poly: Vec<(f64, f64)> = band.iter().map(|p| (p.0, p.2)).collect();
            poly.extend(band.iter().rev().map(|p| (p.0, p.1)));
            let fill = color(s.color).mix(0.75).filled();
            let drawn = chart
                .draw_series(std::iter::once(Polygon::new(poly, fill)))
                .map_err(err)?;
            drawn
                .label(s.name.as_str())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 18, y + 5)], fill));
        }
    }
    for s in c.series.iter().filter(|_| !c.stacked) {
        draw_series(&mut chart, s, &c.id)?;
    }
    for m in &c.markers {
        let col = if m.strong { color(3) } else { color(7) };
        let label = m.label.clone();
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((m.x, m.y))
                    + Circle::new((0, 0), if m.strong { 5 } else { 4 }, col.filled())
                    + Text::new(label, (7, -14), (FONT, 12)),
            ))
            .map_err(err)?;
    }
    let labelled =
        c.series.iter().any(|s| !s.name.is_empty()) || !c.spans.is_empty() || c.warm_up.is_some();
    if labelled {
        chart
            .configure_series_labels()
            .label_font((FONT, 12))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(200, 200, 200))
            // Above-left of a cost-vs-availability frontier no point can
            // be (it would be cheaper and better than the frontier).
            .position(if c.markers.is_empty() {
                SeriesLabelPosition::UpperRight
            } else {
                SeriesLabelPosition::UpperLeft
            })
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

/// One series of a chart that is not stacked: a line (solid or dashed),
/// dots, or both, with its legend entry when it has a name.
fn draw_series<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    s: &Series,
    id: &str,
) -> Result<(), String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| format!("chart {id}: {e}");
    let col = color(s.color);
    let pts = thin(&s.points);
    // Dense series get a 1-pixel line: plotters' bitmap backend draws
    // wider lines as polygons that overshoot at sharp turns.
    let dense = pts.len() > 300;
    let width = match (s.style, dense) {
        (Style::Bold, false) => 3,
        (Style::Bold, true) | (_, false) => 2,
        (_, true) => 1,
    };
    if s.style == Style::Dashed {
        let style = col.stroke_width(2);
        let drawn = chart
            .draw_series(DashedLineSeries::new(pts.clone(), 8, 5, style))
            .map_err(err)?;
        if !s.name.is_empty() {
            drawn
                .label(s.name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 8, y)], style));
        }
    } else if s.style != Style::Dots {
        let drawn = chart
            .draw_series(LineSeries::new(pts.clone(), col.stroke_width(width)))
            .map_err(err)?;
        if !s.name.is_empty() {
            drawn.label(s.name.as_str()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], col.stroke_width(width))
            });
        }
    }
    if matches!(s.style, Style::Dots | Style::LineDots) {
        let r = if s.style == Style::Dots { 2 } else { 4 };
        let fill = if s.style == Style::Dots {
            col.mix(0.5).filled()
        } else {
            col.filled()
        };
        let drawn = chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, r, fill)))
            .map_err(err)?;
        if s.style == Style::Dots && !s.name.is_empty() {
            drawn
                .label(s.name.as_str())
                .legend(move |(x, y)| Circle::new((x + 9, y), r, fill));
        }
    }
    Ok(())
}
