//! What a chart's axes span and how its numbers read: the plotted range,
//! tick labels, long series thinned and stacked series piled up. Plain
//! arithmetic on the chart model, apart from the drawing in `chart`.

use super::chart::{Chart, Series, Style, XAxis};

/// More points than a 900-pixel-wide chart can show only bloat the SVG
/// (the large report's time charts were most of its 6.8 MB).
const MAX_POINTS: usize = 1000;

/// Reduces a long series to at most about MAX_POINTS, keeping each bucket's
/// first, lowest, highest and last point so short dips (an outage) survive.
pub fn thin(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    if points.len() <= MAX_POINTS {
        return points.to_vec();
    }
    let per = points.len().div_ceil(MAX_POINTS / 4);
    let mut out = Vec::with_capacity(MAX_POINTS + 4);
    for bucket in points.chunks(per) {
        let (mut lo, mut hi) = (0, 0);
        for (i, p) in bucket.iter().enumerate() {
            if p.1 < bucket[lo].1 {
                lo = i;
            }
            if p.1 > bucket[hi].1 {
                hi = i;
            }
        }
        let mut keep = [0, lo, hi, bucket.len() - 1];
        keep.sort_unstable();
        let mut last = usize::MAX;
        for k in keep {
            if k != last {
                out.push(bucket[k]);
                last = k;
            }
        }
    }
    out
}

/// The x and y ranges a chart plots: its data, padded for markers and
/// the legend.
pub(super) fn bounds(c: &Chart) -> ((f64, f64), (f64, f64)) {
    let mut xs: Vec<f64> = Vec::new();
    let mut ys: Vec<f64> = if c.zero_baseline {
        vec![0.0]
    } else {
        Vec::new()
    };
    if c.stacked {
        for (x, lo, hi) in stack(&c.series).into_iter().flatten() {
            xs.push(x);
            ys.extend([lo, hi]);
        }
    } else {
        for s in &c.series {
            for &(x, y) in &s.points {
                xs.push(x);
                ys.push(y);
            }
        }
    }
    for b in &c.bands {
        for &(x, lo, hi) in &b.points {
            xs.push(x);
            ys.extend([lo, hi]);
        }
    }
    for m in &c.markers {
        xs.push(m.x);
        ys.push(m.y);
    }
    let finite = |v: &Vec<f64>| {
        v.iter()
            .copied()
            .filter(|v| v.is_finite())
            .collect::<Vec<_>>()
    };
    let (mut xs, ys) = (finite(&xs), finite(&ys));
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if let Some(r) = c.x_range {
        xs = vec![r.0, r.1];
    }
    let (mut x0, mut x1) = match &c.x_axis {
        XAxis::Categories(names) => (-0.5, names.len().max(1) as f64 - 0.5),
        XAxis::Numeric if xs.is_empty() => (0.0, 1.0),
        XAxis::Numeric => (min(&xs), max(&xs)),
    };
    if x1 <= x0 {
        (x0, x1) = (x0 - 1.0, x1 + 1.0);
    }
    let dotted = c
        .series
        .iter()
        .any(|s| matches!(s.style, Style::Dots | Style::LineDots));
    if matches!(c.x_axis, XAxis::Numeric)
        && c.x_range.is_none()
        && (dotted || !c.markers.is_empty())
    {
        // Markers at the ends would be cut in half by the plot's edge.
        let pad = (x1 - x0) * if c.markers.is_empty() { 0.04 } else { 0.08 };
        (x0, x1) = (x0 - pad, x1 + pad);
    }
    let (mut y0, mut y1) = (min(&ys), max(&ys));
    if y1 <= y0 {
        y1 = y0 + 1.0;
    }
    let pad = (y1 - y0) * 0.08;
    // Keep a zero baseline when the data starts there; else pad both ways.
    if y0 < 0.0 || !c.zero_baseline {
        y0 -= pad;
    }
    // Headroom for the legend, so it does not hide the top of the data.
    let legend_rows = c.series.iter().filter(|s| !s.name.is_empty()).count()
        + usize::from(!c.spans.is_empty())
        + usize::from(c.warm_up.is_some());
    y1 += pad + (y1 - y0) * 0.07 * legend_rows as f64;
    ((x0, x1), (y0, y1))
}

/// Tick labels with as many decimals as the axis' tick spacing needs (so
/// 99.85 and 99.9 do not both read "99.9"), thousands as k.
pub(super) fn tick(v: f64, span: f64) -> String {
    let step = span / 10.0;
    if step >= 1000.0 && v.abs() >= 10_000.0 {
        return format!("{:.0}k", v / 1000.0);
    }
    let decimals = if step > 0.0 && step < 1.0 {
        ((-step.log10()).ceil() as usize).min(6)
    } else {
        0
    };
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}
/// Each series of a stacked chart as (x, low, high): positive values pile
/// up from zero, negative ones (credits) down from it. Series are expected
/// to share their x values; a point missing from one counts as zero there.
pub fn stack(series: &[Series]) -> Vec<Vec<(f64, f64, f64)>> {
    let n = series.iter().map(|s| s.points.len()).max().unwrap_or(0);
    let mut up = vec![0.0; n];
    let mut down = vec![0.0; n];
    let mut out = Vec::with_capacity(series.len());
    for s in series {
        let mut band = Vec::with_capacity(s.points.len());
        for (i, &(x, y)) in s.points.iter().enumerate() {
            let base = if y >= 0.0 { &mut up[i] } else { &mut down[i] };
            let lo = *base;
            *base += y;
            band.push((x, lo.min(*base), lo.max(*base)));
        }
        out.push(band);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacking_piles_up_and_credits_go_down() {
        let s = |y: Vec<f64>| Series {
            name: String::new(),
            color: 0,
            style: Style::Line,
            points: y
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i as f64, v))
                .collect(),
        };
        let b = stack(&[s(vec![1.0, 2.0]), s(vec![3.0, -1.0]), s(vec![-2.0, 4.0])]);
        assert_eq!(b[0], vec![(0.0, 0.0, 1.0), (1.0, 0.0, 2.0)]);
        assert_eq!(b[1], vec![(0.0, 1.0, 4.0), (1.0, -1.0, 0.0)]);
        assert_eq!(b[2], vec![(0.0, -2.0, 0.0), (1.0, 2.0, 6.0)]);
    }

    #[test]
    fn thinning_keeps_extremes_and_order() {
        let mut pts: Vec<(f64, f64)> = (0..10_000).map(|i| (i as f64, 5.0)).collect();
        pts[4321].1 = -3.0; // a one-minute dip must survive
        pts[9000].1 = 42.0;
        let t = thin(&pts);
        assert!(t.len() <= MAX_POINTS + 4, "{}", t.len());
        assert!(t.contains(&(4321.0, -3.0)));
        assert!(t.contains(&(9000.0, 42.0)));
        assert!(t.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(t.first(), Some(&(0.0, 5.0)));
        assert_eq!(t.last(), Some(&(9999.0, 5.0)));
    }

    #[test]
    fn ticks_have_the_decimals_the_spacing_needs() {
        assert_eq!(tick(0.0, 10.0), "0");
        assert_eq!(tick(12.0, 100.0), "12");
        assert_eq!(tick(25_000.0, 50_000.0), "25k");
        assert_eq!(tick(99.85, 0.5), "99.85");
        assert_eq!(tick(99.9, 0.5), "99.9");
        assert_eq!(tick(2.6, 10.0), "3");
        assert_eq!(tick(0.125, 0.05), "0.125");
    }
}
