//! The HTML around the charts: one self-contained file (CSS inline, SVG
//! inline, no scripts, nothing fetched).

use super::chart::{self, Chart};

/// A plain table of text cells.
pub struct Grid {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

pub struct Section {
    pub heading: String,
    pub intro: String,
    pub charts: Vec<Chart>,
    pub grids: Vec<Grid>,
}

impl Section {
    pub fn new(heading: &str, intro: &str) -> Self {
        Section {
            heading: heading.into(),
            intro: intro.into(),
            charts: Vec::new(),
            grids: Vec::new(),
        }
    }
}

pub struct Page {
    pub title: String,
    /// The header: what was run, with which seed, version and prices.
    pub facts: Vec<(String, String)>,
    /// Warnings shown under the header (e.g. an incomplete sweep).
    pub notes: Vec<String>,
    pub sections: Vec<Section>,
}

impl Page {
    pub fn charts(&self) -> impl Iterator<Item = &Chart> {
        self.sections.iter().flat_map(|s| s.charts.iter())
    }
}

pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:960px;color:#222;padding:0 1rem}\
h1{font-size:1.6rem;margin-bottom:.3rem}h2{font-size:1.25rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}\
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:left}\
th{background:#f5f5f5}table.facts th{width:12rem}td.n{text-align:right;font-variant-numeric:tabular-nums}\
figure{margin:1.2rem 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}\
figcaption{font-size:.9rem;color:#555;margin-top:.3rem}.note{background:#fff4e0;border-left:4px solid #f0a000;padding:.4rem .8rem}\
footer{margin-top:3rem;font-size:.8rem;color:#777}";

fn grid_html(out: &mut String, g: &Grid) {
    out.push_str("<table>\n<tr>");
    for h in &g.header {
        out.push_str(&format!("<th>{}</th>", esc(h)));
    }
    out.push_str("</tr>\n");
    for r in &g.rows {
        out.push_str("<tr>");
        for cell in r {
            // Numbers align right so columns of figures read down.
            let numeric = cell
                .trim_end_matches('%')
                .replace([',', ' '], "")
                .parse::<f64>()
                .is_ok();
            let class = if numeric { " class=\"n\"" } else { "" };
            out.push_str(&format!("<td{class}>{}</td>", esc(cell)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

/// The whole document, also well-formed XML (polyglot HTML) so it can be
/// checked with an XML parser. Each chart is an `<svg id="CHART-ID">` inside a
/// `<figure>`, so a reader (or a test) can find every promised chart.
pub fn render(p: &Page) -> Result<String, String> {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    out.push_str(&format!("<title>{}</title>\n", esc(&p.title)));
    out.push_str(&format!("<style>{CSS}</style>\n</head>\n<body>\n"));
    out.push_str(&format!(
        "<h1>{}</h1>\n<table class=\"facts\">\n",
        esc(&p.title)
    ));
    for (k, v) in &p.facts {
        out.push_str(&format!(
            "<tr><th>{}</th><td>{}</td></tr>\n",
            esc(k),
            esc(v)
        ));
    }
    out.push_str("</table>\n");
    for n in &p.notes {
        out.push_str(&format!("<p class=\"note\">{}</p>\n", esc(n)));
    }
    for s in &p.sections {
        out.push_str(&format!("<section>\n<h2>{}</h2>\n", esc(&s.heading)));
        if !s.intro.is_empty() {
            out.push_str(&format!("<p>{}</p>\n", esc(&s.intro)));
        }
        for g in &s.grids {
            grid_html(&mut out, g);
        }
        for c in &s.charts {
            let svg = chart::to_svg(c)?;
            // plotters writes `<svg width=...`; the id makes it addressable.
            let svg = svg.replacen("<svg ", &format!("<svg id=\"{}\" ", esc(&c.id)), 1);
            out.push_str(&format!("<figure id=\"fig-{}\">\n", esc(&c.id)));
            out.push_str(svg.trim_end());
            out.push_str(&format!(
                "\n<figcaption>{}</figcaption>\n</figure>\n",
                esc(&c.caption)
            ));
        }
        out.push_str("</section>\n");
    }
    out.push_str("<footer>Written by ecsim report. Charts are inline SVG; <code>ecsim report --png</code> also writes each as report/&lt;chart&gt;.png.</footer>\n</body>\n</html>\n");
    Ok(out)
}
