//! The HTML around the charts: one self-contained file (CSS inline, SVG
//! inline, no scripts, nothing fetched), with a table of contents whose
//! links stay inside the page.

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

/// Rows beyond which a table is folded (`<details>`): the large report's
/// incident list alone was thousands of pixels tall.
const FOLD_ROWS: usize = 25;

// 1180 px of content fits a 1280 px window with its scroll bar; cells wrap
// (anywhere, for long ids) rather than widen the page.
const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1180px;color:#222;padding:0 1rem}\
h1{font-size:1.6rem;margin-bottom:.3rem}h2{font-size:1.25rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}\
h2 a{font-size:.8rem;font-weight:normal;color:#888;text-decoration:none;margin-left:.6rem}\
nav.toc{background:#f8f8f8;border:1px solid #e4e4e4;padding:.2rem 1rem;font-size:.9rem}nav.toc h2{border:0;margin-top:.6rem}\
nav.toc li li{display:inline;margin-right:.8rem}nav.toc ol ol{padding-left:.4rem}\
div.wide{max-width:100%;overflow-x:auto}details{margin:.6rem 0}summary{cursor:pointer;color:#555}\
table{border-collapse:collapse;margin:.6rem 0;font-size:.85rem}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;overflow-wrap:anywhere;max-width:26rem}\
th{background:#f5f5f5}table.facts th{width:12rem}td.n{text-align:right;font-variant-numeric:tabular-nums}\
figure{margin:1.2rem 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}\
figcaption{font-size:.9rem;color:#555;margin-top:.3rem}.note{background:#fff4e0;border-left:4px solid #f0a000;padding:.4rem .8rem}\
footer{margin-top:3rem;font-size:.8rem;color:#777}";

fn grid_html(out: &mut String, g: &Grid) {
    if g.rows.len() > FOLD_ROWS {
        out.push_str(&format!(
            "<details><summary>{} rows (open to show)</summary>\n",
            g.rows.len()
        ));
    }
    out.push_str("<div class=\"wide\"><table>\n<tr>");
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
    out.push_str("</table></div>\n");
    if g.rows.len() > FOLD_ROWS {
        out.push_str("</details>\n");
    }
}

/// The anchor of a section: its heading in id characters.
fn section_id(s: &Section) -> String {
    format!("sec-{}", super::run::slug(&s.heading.to_lowercase()))
}

fn toc_html(out: &mut String, p: &Page) {
    out.push_str("<nav class=\"toc\" id=\"contents\">\n<h2>Contents</h2>\n<ol>\n");
    for s in &p.sections {
        out.push_str(&format!(
            "<li><a href=\"#{}\">{}</a>",
            section_id(s),
            esc(&s.heading)
        ));
        if !s.charts.is_empty() {
            out.push_str("<ol>");
            for c in &s.charts {
                out.push_str(&format!(
                    "<li><a href=\"#fig-{}\">{}</a></li>",
                    esc(&c.id),
                    esc(&c.title)
                ));
            }
            out.push_str("</ol>");
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n</nav>\n");
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
    toc_html(&mut out, p);
    for s in &p.sections {
        let id = section_id(s);
        out.push_str(&format!(
            "<section id=\"{id}\">\n<h2>{} <a href=\"#{id}\" title=\"link to this section\">#</a><a href=\"#contents\">contents ↑</a></h2>\n",
            esc(&s.heading)
        ));
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
