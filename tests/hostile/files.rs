//! Hostile files, signals and price lists (issue 29 items 4, 11-13, 15-17).

use super::*;

/// Writes `rows` lines made by `row(i)` after `head`, buffered.
fn write_rows(path: &Path, head: &str, rows: usize, row: impl Fn(usize) -> String) {
    use std::io::Write;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    f.write_all(head.as_bytes()).unwrap();
    for i in 0..rows {
        f.write_all(row(i).as_bytes()).unwrap();
    }
    f.flush().unwrap();
}

const OFFER_HEAD: &str = "\"FormatVersion\",\"v1.0\"\n\"Disclaimer\",\"x\"\n\"Publication Date\",\"2026-11-20T18:02:11Z\"\n\"Version\",\"1\"\n\"OfferCode\",\"AmazonEC2\"\n\
\"SKU\",\"TermType\",\"Unit\",\"PricePerUnit\",\"Currency\",\"Product Family\",\"Instance Type\",\"Tenancy\",\"Operating System\",\"Pre Installed S/W\",\"CapacityStatus\",\"Region Code\"\n";

fn offer_row(sku: usize, instance_type: &str) -> String {
    format!(
        "\"S{sku}\",\"OnDemand\",\"Hrs\",\"0.1\",\"USD\",\"Compute Instance\",\"{instance_type}\",\"Shared\",\"Linux\",\"NA\",\"Used\",\"us-east-1\"\n"
    )
}

/// Round 3, item 4: An offer file of a million made-up instance types is
/// refused at the first past a region's catalog, before it costs memory;
/// a JSON key of 200 MB is refused at 1 MiB, not copied twice.
#[test]
fn offer_files_keep_a_bounded_catalog() {
    let d = dir_with(&[("s.toml", DAY)]);
    // 100 MB: ~1.1 million distinct types (400 MB of address space today).
    write_rows(&d.path().join("types.csv"), OFFER_HEAD, 1_100_000, |i| {
        offer_row(i, &format!("t{i}.x"))
    });
    let err = code(
        &bounded_kb(
            d.path(),
            300_000,
            &["price", "s.toml", "--prices", "types.csv"],
        ),
        2,
    );
    assert!(
        err.contains("types.csv: line 20007: more than 20000 distinct prices"),
        "{err}"
    );
    let key = d.path().join("key.json");
    write_rows(&key, "{\"products\": {\"", 200, |_| "A".repeat(1 << 20));
    let mut f = std::fs::OpenOptions::new().append(true).open(&key).unwrap();
    std::io::Write::write_all(&mut f, b"\": {}}, \"terms\": {}}\n").unwrap();
    let err = code(
        &bounded_kb(
            d.path(),
            300_000,
            &["price", "s.toml", "--prices", "key.json"],
        ),
        2,
    );
    assert!(
        err.contains("key.json: line 1: a string longer than 1 MiB"),
        "{err}"
    );
    assert!(!err.contains("AAAA"), "{err}");
}

/// Round 3, item 16: One price per item per file: two rows of an ecsim
/// prices file for one type, and an offer CSV cut mid-row, are refused with
/// file and line rather than one picked silently.
#[test]
fn price_files_never_pick_silently() {
    let two = "region,product,key,unit,usd\nus-east-1,ec2,m5.large,hour,0.096\nus-east-1,ec2,m5.large,hour,0.5\n";
    let whole = format!("{OFFER_HEAD}{}", offer_row(1, "m5.large"));
    let mid_row = &whole[..whole.len() - 20];
    let mid_field = &whole[..whole.len() - 2];
    let d = dir_with(&[
        ("s.toml", DAY),
        ("two.csv", two),
        ("whole.csv", &whole),
        ("cut.csv", mid_row),
        ("cut2.csv", mid_field),
    ]);
    code(
        &bounded(d.path(), &["price", "s.toml", "--prices", "whole.csv"]),
        0,
    );
    let err = code(
        &bounded(d.path(), &["price", "s.toml", "--prices", "two.csv"]),
        2,
    );
    assert!(
        err.contains(
            "two.csv: line 3: a second row for ec2 m5.large in us-east-1 (the first is at line 2)"
        ),
        "{err}"
    );
    let err = code(
        &bounded(d.path(), &["price", "s.toml", "--prices", "cut.csv"]),
        2,
    );
    assert!(
        err.contains("cut.csv: line 7: has 10 columns where the header row has 12"),
        "{err}"
    );
    let err = code(
        &bounded(d.path(), &["price", "s.toml", "--prices", "cut2.csv"]),
        2,
    );
    assert!(err.contains("cut2.csv: line 7: ends mid-row"), "{err}");
}

/// Round 3, item 11: A file-size limit makes a write fail with an error
/// naming the file (exit 1), not a silent SIGXFSZ death (exit 153); the
/// staging folder is removed.
#[test]
fn a_file_size_limit_is_an_error_not_a_kill() {
    let d = dir_with(&[("s.toml", DAY)]);
    let out = Command::new("sh")
        .current_dir(d.path())
        .arg("-c")
        // 64 blocks (32 or 64 KiB by the shell's unit): timeseries.csv of
        // a day is larger.
        .arg(format!(
            "ulimit -f 64; exec timeout {SECONDS} \"$0\" \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_ecsim"))
        .args(["run", "s.toml", "--out", "r", "-q"])
        .output()
        .unwrap();
    let err = code(&out, 1);
    assert!(
        err.contains("cannot write") && err.contains(".csv"),
        "{err}"
    );
    let left: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "s.toml")
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A PID no process has now (one that ran and was waited for).
fn gone_pid() -> u32 {
    let mut c = Command::new("true").spawn().unwrap();
    let pid = c.id();
    c.wait().unwrap();
    pid
}

/// Round 3, item 12: A `.NAME.tmp-PID` folder of a dead PID is removed only
/// if ecsim marked it as its own staging folder.
#[test]
fn only_marked_staging_folders_are_removed() {
    let d = dir_with(&[("s.toml", DAY)]);
    let foreign = d.path().join(format!(".r.tmp-{}", gone_pid()));
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let ours = d.path().join(format!(".r.tmp-{}", gone_pid()));
    std::fs::create_dir(&ours).unwrap();
    std::fs::write(ours.join(".ecsim-staging"), "").unwrap();
    std::fs::write(ours.join("tasks.csv"), "half").unwrap();
    code(
        &bounded(d.path(), &["run", "s.toml", "--out", "r", "-q"]),
        0,
    );
    assert_eq!(
        std::fs::read_to_string(foreign.join("notes.txt")).unwrap(),
        "mine"
    );
    assert!(!ours.exists());
    // The mark stays out of the committed result.
    assert!(!d.path().join("r").join(".ecsim-staging").exists());
    code(
        &bounded(d.path(), &["run", "s.toml", "--out", "r", "-q"]),
        0,
    );
}

/// Round 3, item 17: A second stop signal ends the run at once, and still
/// removes the staging folder.
#[test]
fn a_second_stop_signal_still_removes_the_staging_folder() {
    let long = DAY.replace("duration = \"1d\"", "duration = \"300d\"")
        + "[[jobs]]\nname = \"j\"\ntask_definition = \"web\"\nno_capacity = \"queue\"\narrivals = { kind = \"poisson\", rate_per_hour = 3000 }\nduration = { kind = \"constant\", value = \"1s\" }\n";
    let d = dir_with(&[("long.toml", &long)]);
    let child = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .current_dir(d.path())
        .args(["run", "long.toml", "--out", "r", "--force", "-q"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let tmp = d.path().join(format!(".r.tmp-{}", child.id()));
    assert!(wait_for(&tmp));
    // Stopped, the process takes both signals at once when continued: the
    // second lands before the run can see the first. (Two of one kind
    // would merge into one pending signal, hence SIGTERM and SIGHUP.)
    signal(child.id(), "STOP");
    signal(child.id(), "TERM");
    signal(child.id(), "HUP");
    signal(child.id(), "CONT");
    let out = child.wait_with_output().unwrap();
    let code = out.status.code();
    assert!(
        matches!(code, Some(129 | 143)),
        "{code:?}: {}",
        stderr(&out)
    );
    assert!(!tmp.exists(), "left {}", tmp.display());
    assert!(!d.path().join("r").exists());
}

/// Round 3, item 13: `report --png` with 250-character service names: the
/// chart file names are cut (with a digest, so two such names still name
/// two files) and the report is written whole.
#[test]
fn long_service_names_make_short_chart_files() {
    let a = format!("{}a", "s".repeat(249));
    let b = format!("{}b", "s".repeat(249));
    let mut text = DAY.replace("name = \"web\"\ntask", &format!("name = \"{a}\"\ntask"));
    text +=
        &format!("[[services]]\nname = \"{b}\"\ntask_definition = \"web\"\ndesired_count = 1\n");
    let d = dir_with(&[("s.toml", &text)]);
    code(
        &bounded(d.path(), &["run", "s.toml", "--out", "r", "-q"]),
        0,
    );
    code(&bounded(d.path(), &["report", "r", "--png", "-q"]), 0);
    let names: Vec<String> = std::fs::read_dir(d.path().join("r/report"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| n.len() <= 120), "{names:?}");
    let per_service = |prefix: &str| names.iter().filter(|n| n.starts_with(prefix)).count();
    assert_eq!(per_service("tasks-sss"), 2, "{names:?}");
    assert!(d.path().join("r/report.html").exists());
    // A run replaces the report with the rest: its charts are ecsim's.
    code(
        &bounded(d.path(), &["run", "s.toml", "--out", "r", "-q"]),
        0,
    );
}

/// Round 3, item 15: A missing price is named at the scenario field that
/// needs it, not at the price file (which is not where the need comes from).
#[test]
fn a_missing_price_names_the_field_that_needs_it() {
    let eu = DAY
        .replace("name = \"h\"", "name = \"h\"\nregion = \"eu-west-1\"")
        .replace("us-east-1a\", \"us-east-1b", "eu-west-1a\", \"eu-west-1b");
    let fargate = eu.replace(
        "desired_count = 2",
        "desired_count = 2\nlaunch_type = \"FARGATE\"",
    );
    let ebs = format!("{eu}[pricing]\nebs_root_volume_gib = 30\n");
    let declared = DAY.replace(
        "instance_type = \"m5.large\"",
        "instance_type = \"zz.large\"",
    ) + "[[instance_types]]\nname = \"zz.large\"\nvcpu = 2\nmemory_mib = 8192\n";
    let d = dir_with(&[
        (
            "p.csv",
            "region,product,key,unit,usd\neu-west-1,ec2,m5.large,hour,0.107\n",
        ),
        ("fargate.toml", &fargate),
        ("ebs.toml", &ebs),
        ("declared.toml", &declared),
    ]);
    for (file, field) in [
        (
            "fargate.toml",
            "fargate.toml: services[0]: needs the Fargate vCPU price",
        ),
        (
            "ebs.toml",
            "ebs.toml: pricing.ebs_root_volume_gib: needs the EBS gp3 price",
        ),
    ] {
        let err = code(&bounded(d.path(), &["price", file, "--prices", "p.csv"]), 2);
        assert!(err.contains(field), "{err}");
        assert!(err.contains("--prices (`curl"), "{err}");
        assert!(!err.starts_with("error: p.csv"), "{err}");
    }
    let err = code(&bounded(d.path(), &["price", "declared.toml"]), 2);
    assert!(
        err.contains("declared.toml: instance_types[0].usd_per_hour: no on-demand price for instance type zz.large"),
        "{err}"
    );
}

/// Round 3, item 17: the small ones. A failed Parquet write names the
/// Parquet file; a sweep key nested past the TOML reader's limit says so
/// with the limit; `catalog --region` of a region without prices is an
/// error naming the file to fetch, as docs/commands.md says.
#[test]
fn small_guards_round_3() {
    let sweep = format!(
        "name = \"w\"\nscenario = \"s.toml\"\n[grid]\n{} = [1, 2]\n",
        vec!["a"; 5000].join(".")
    );
    let d = dir_with(&[("s.toml", DAY), ("deep.toml", &sweep)]);
    let out = Command::new("sh")
        .current_dir(d.path())
        .arg("-c")
        .arg(format!("ulimit -f 2; exec timeout {SECONDS} \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_ecsim"))
        .args(["run", "s.toml", "--out", "r", "--format", "parquet", "-q"])
        .output()
        .unwrap();
    let err = code(&out, 1);
    assert!(err.contains(".parquet: ") && !err.contains(".csv"), "{err}");
    assert!(!err.contains(".tmp-"), "{err}");

    let err = code(&bounded(d.path(), &["sweep", "deep.toml", "--out", "o"]), 2);
    assert!(
        err.contains("deep.toml: nested too deeply") && err.contains("more than 80 levels"),
        "{err}"
    );

    let err = code(
        &bounded(d.path(), &["catalog", "m5.large", "--region", "eu-west-1"]),
        2,
    );
    assert!(
        err.contains("no prices for region \"eu-west-1\"")
            && err.contains("curl -o ec2-eu-west-1.csv"),
        "{err}"
    );
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/commands.md"))
            .unwrap()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
    assert!(
        docs.contains("A `--region` the book has no price for at all is an error (exit 2)"),
        "docs/commands.md must say what catalog --region does without prices"
    );
}
