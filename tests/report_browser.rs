//! The reports in a real browser: headless Chromium loads each kind of report
//! page (a run with incidents, a scaled service, Fargate only, jobs only, a
//! sweep, a plan) with no script or console errors; every chart is a visible
//! SVG of real size with something drawn in it (lines of three or more
//! points, filled areas, markers or heat-map cells); the page fits a 1280 px
//! window; and every link of the table of contents leads somewhere.
//!
//! Needs Chromium (Debian: `apt-get install -y chromium`), found through
//! `ECSIM_CHROMIUM`, /usr/bin/chromium or `chromium` on PATH. Without it the
//! test prints "browser check skipped: no chromium" and passes, so
//! `cargo test` stays green on developer machines without a browser; but in
//! CI (`CI` set, as .ci/run sets it after installing Chromium) a missing
//! browser fails the test: a check that silently skips there checks nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Window width the report is written for.
const WINDOW: u32 = 1280;
/// A page that takes longer is a hung browser, not a slow report.
const TIMEOUT: Duration = Duration::from_secs(90);

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ECSIM_CHROMIUM").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "ECSIM_CHROMIUM={} is not a file; unset it to skip the browser check",
            p.display()
        );
        return Some(p);
    }
    let fixed = Path::new("/usr/bin/chromium");
    if fixed.is_file() {
        return Some(fixed.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
        .find(|p| p.is_file())
}

/// Whether this is a CI run: `CI` set to anything but "", "0" or "false"
/// (GitHub Actions, GitLab and .ci/run set `CI=true`).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// Straight to stderr, past the test harness' capture, so a plain
/// `cargo test` shows whether the check ran or was skipped.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn ecsim(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("ecsim runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "ecsim {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Collects errors from the very start of the page (first thing in <head>).
const CATCH: &str = r#"<script>
window.__ecsimErrors = [];
window.addEventListener('error', function (e) { window.__ecsimErrors.push('error: ' + e.message); }, true);
(function () {
  var orig = console.error;
  console.error = function () {
    window.__ecsimErrors.push('console.error: ' + Array.prototype.join.call(arguments, ' '));
    return orig.apply(console, arguments);
  };
})();
</script>"#;

/// Measures the laid-out page (last thing in <body>) and leaves the result
/// as JSON in a <pre> for --dump-dom.
const MEASURE: &str = r##"<script>
(function () {
  var out = { errors: window.__ecsimErrors, charts: [], scrollWidth: document.documentElement.scrollWidth, broken: [] };
  document.querySelectorAll('svg[id]').forEach(function (s) {
    var r = s.getBoundingClientRect();
    var st = getComputedStyle(s);
    var marks = 0, cells = 0;
    s.querySelectorAll('polyline,polygon,circle,rect').forEach(function (e) {
      var b = e.getBoundingClientRect();
      if (b.width + b.height <= 0) return;
      var tag = e.tagName.toLowerCase();
      if (tag === 'polyline') {
        var pts = (e.getAttribute('points') || '').trim().split(/\s+/).length;
        if (pts >= 3) marks++;
      } else if (tag === 'rect') {
        var f = (e.getAttribute('fill') || '').toUpperCase();
        if (f !== '#FFFFFF' && f !== 'WHITE' && f !== 'NONE' && b.height < r.height * 0.9) cells++;
      } else {
        marks++;
      }
    });
    out.charts.push({ id: s.id, width: r.width, height: r.height, visible: st.visibility === 'visible' && st.display !== 'none', marks: marks, cells: cells });
  });
  document.querySelectorAll('a[href^="#"]').forEach(function (a) {
    if (!document.getElementById(a.getAttribute('href').slice(1))) out.broken.push(a.getAttribute('href'));
  });
  var pre = document.createElement('pre');
  pre.id = 'ecsim-check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"##;

/// Loads a copy of `report` with the probes in it; returns the probe's
/// findings and the browser's log.
fn load(browser: &Path, report: &Path, work: &Path) -> (serde_json::Value, String) {
    let html = std::fs::read_to_string(report).unwrap();
    let probe = html
        .replacen("<head>", &format!("<head>\n{CATCH}"), 1)
        .replacen("</body>", &format!("{MEASURE}\n</body>"), 1);
    let page = work.join("check.html");
    std::fs::write(&page, probe).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            &format!("--window-size={WINDOW},900"),
            &format!("--user-data-dir={}", profile.path().display()),
            "--dump-dom",
            &format!("file://{}", page.display()),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    // Read both pipes on threads so a full pipe cannot stall the browser.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut so, &mut v).ok();
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut se, &mut v).ok();
        v
    });
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > TIMEOUT {
            child.kill().ok();
            child.wait().ok();
            panic!("chromium took over {TIMEOUT:?} on {}", report.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let dom = String::from_utf8_lossy(&out.join().unwrap()).into_owned();
    let log = String::from_utf8_lossy(&err.join().unwrap()).into_owned();
    let open = "<pre id=\"ecsim-check\">";
    let Some(a) = dom.find(open) else {
        panic!(
            "{}: the probe did not run (no result in the DOM); chromium said:\n{log}",
            report.display()
        )
    };
    let body = &dom[a + open.len()..];
    let json = &body[..body.find("</pre>").unwrap()];
    let json = json
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    (
        serde_json::from_str(&json).expect("probe result is JSON"),
        log,
    )
}

/// The ids of the charts the report file itself holds.
fn svg_ids(html: &str) -> Vec<String> {
    html.match_indices("<svg id=\"")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

fn check(browser: &Path, report: &Path, work: &Path) {
    let t = Instant::now();
    let (r, log) = load(browser, report, work);
    let name = report
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy();
    assert_eq!(r["errors"], serde_json::json!([]), "{name}: page errors");
    // Console messages also reach the log (lines with CONSOLE).
    let console: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("CONSOLE") && (l.contains("rror") || l.contains("Uncaught")))
        .collect();
    assert!(console.is_empty(), "{name}: console errors {console:?}");
    assert_eq!(
        r["broken"],
        serde_json::json!([]),
        "{name}: links to nowhere"
    );
    let width = r["scrollWidth"].as_f64().unwrap();
    assert!(
        width <= f64::from(WINDOW),
        "{name}: the page is {width} px wide in a {WINDOW} px window"
    );
    let html = std::fs::read_to_string(report).unwrap();
    let charts = r["charts"].as_array().unwrap();
    let ids: Vec<&str> = charts.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, svg_ids(&html), "{name}: every chart is in the DOM");
    assert!(!charts.is_empty(), "{name} has charts");
    for c in charts {
        let id = c["id"].as_str().unwrap();
        let (w, h) = (c["width"].as_f64().unwrap(), c["height"].as_f64().unwrap());
        assert!(
            c["visible"].as_bool() == Some(true),
            "{name}/{id} is not visible"
        );
        assert!(
            w >= 300.0 && h >= 150.0,
            "{name}/{id} is {w} × {h} px on screen"
        );
        let (marks, cells) = (c["marks"].as_u64().unwrap(), c["cells"].as_u64().unwrap());
        // A heat map's colour scale alone is 11 cells.
        let drawn = if id.starts_with("placement-") {
            cells > 11
        } else {
            marks > 0
        };
        assert!(
            drawn,
            "{name}/{id} draws nothing ({marks} lines/areas/markers, {cells} cells)"
        );
    }
    eprintln!(
        "browser check: {name}: {} charts in {:.1} s",
        charts.len(),
        t.elapsed().as_secs_f64()
    );
}

#[test]
fn every_report_page_loads_in_chromium_and_draws_every_chart() {
    let Some(browser) = chromium() else {
        assert!(
            !in_ci(),
            "CI is set but no chromium was found (ECSIM_CHROMIUM, /usr/bin/chromium, PATH): \
             .ci/run installs it with `apt-get install -y chromium`; unset CI to skip the browser check"
        );
        say("browser check skipped: no chromium");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let mut reports = Vec::new();
    // Incidents and placement; a scaled service; Fargate only; jobs only
    // with a capacity provider.
    for scenario in ["outage-spread", "autoscale-70", "web-fargate", "batch-wave"] {
        let out = t.join(scenario);
        ecsim(&[
            "run",
            &format!("scenarios/{scenario}.toml"),
            "--out",
            s(&out),
            "-q",
        ]);
        reports.push(out);
    }
    let sweep = t.join("sweep-small");
    std::fs::create_dir(&sweep).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sweep-small");
    for f in ["sweep.json", "runs.csv", "aggregate.csv"] {
        std::fs::copy(fixture.join(f), sweep.join(f)).unwrap();
    }
    reports.push(sweep);
    let plan = t.join("plan");
    ecsim(&[
        "plan",
        "scenarios/web-capacity.plan.toml",
        "--out",
        s(&plan),
        "-q",
    ]);
    reports.push(plan);
    let work = t.join("pages");
    std::fs::create_dir(&work).unwrap();
    let start = Instant::now();
    for dir in &reports {
        ecsim(&["report", s(dir)]);
        check(&browser, &dir.join("report.html"), &work);
    }
    say(&format!(
        "browser check passed: {} pages in {:.1} s ({})",
        reports.len(),
        start.elapsed().as_secs_f64(),
        browser.display()
    ));
}
