//! Hostile inputs (hardening round 2): each case runs the binary under a
//! memory limit (`ulimit -v`) and a time limit (`timeout`), so a guard that
//! fails shows as a refused allocation or a kill, not as a stuck CI.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::ecsim_in as ecsim;

/// 1.5 GB of address space: ecsim with its threads needs far less for any
/// case here; each case once took 2 to 8 GB.
const MEMORY_KB: u64 = 1_500_000;
/// A kill (exit 124) well before CI's patience runs out.
const SECONDS: u64 = 120;

/// Runs ecsim in `dir` with bounded memory and time.
fn bounded(dir: &Path, args: &[&str]) -> Output {
    bounded_kb(dir, MEMORY_KB, args)
}

/// `bounded` with a memory limit of `kb` kilobytes of address space.
/// One malloc arena: glibc reserves 64 MB of address space for each
/// thread's own arena (ecsim's signal thread has one), which made a tight
/// limit pass or fail by where that reservation fell; with one arena the
/// limit bounds what ecsim allocates (the compact queue's case needs
/// ~105 MB every time, against 100 to over 150 MB with an arena each).
fn bounded_kb(dir: &Path, kb: u64, args: &[&str]) -> Output {
    Command::new("sh")
        .current_dir(dir)
        .env("MALLOC_ARENA_MAX", "1")
        .arg("-c")
        .arg(format!(
            "ulimit -v {kb}; exec timeout {SECONDS} \"$0\" \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_ecsim"))
        .args(args)
        .output()
        .expect("runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn code(o: &Output, want: i32) -> String {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(want), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// A day on two m5.large; cases add what they need.
const DAY: &str = r#"
name = "h"
duration = "1d"
[cluster]
availability_zones = ["us-east-1a", "us-east-1b"]
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 2
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
[[services]]
name = "web"
task_definition = "web"
desired_count = 2
"#;

fn dir_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(d.path().join(name), text).unwrap();
    }
    d
}

/// Item 1: A rate of 1e-303 per hour has a mean gap of 3.6e306 ms, which is
/// infinite once divided: the delay is "never", not 0 ms (every millisecond).
#[test]
fn rates_too_small_to_fire_never_fire() {
    let text = format!(
        "{DAY}[[jobs]]\nname = \"j\"\ntask_definition = \"web\"\narrivals = {{ kind = \"poisson\", rate_per_hour = 1e-303 }}\nduration = {{ kind = \"constant\", value = \"1s\" }}\n\
         [[faults]]\nkind = \"spot_interruption\"\nrate_per_hour = 1e-303\n\
         [[faults]]\nkind = \"task_crash\"\nrate_per_task_hour = 1e-303\n"
    );
    let d = dir_with(&[("s.toml", &text)]);
    code(
        &bounded(d.path(), &["run", "s.toml", "--out", "r", "-q"]),
        0,
    );
    let s = json(&d.path().join("r/summary.json"));
    // 1,441 samples and a few service events: nothing per millisecond.
    assert!(s["events_processed"].as_u64().unwrap() < 5_000, "{s}");
    assert_eq!(s["tasks_started"], 2, "{s}");
    let incidents = std::fs::read_to_string(d.path().join("r/incidents.csv")).unwrap();
    assert_eq!(incidents.lines().count(), 1, "{incidents}");
}

/// Item 2: Repeating spikes are counted when read, not listed when parsed.
#[test]
fn repeating_spikes_are_not_materialised() {
    let spiky = |duration: &str, every: &str| {
        DAY.replace("duration = \"1d\"", &format!("duration = \"{duration}\""))
            .replace(
                "desired_count = 2",
                &format!(
                    "desired_count = 2\ncapacity_per_task = 100\ndemand = {{ kind = \"constant\", value = 10, spikes = [{{ at = \"0s\", duration = \"30s\", factor = 2, every = \"{every}\" }}] }}"
                ),
            )
    };
    let d = dir_with(&[
        ("ms.toml", &spiky("1d", "1ms")),
        ("m.toml", &spiky("400d", "1m")),
    ]);
    code(&bounded(d.path(), &["validate", "ms.toml"]), 0);
    code(&bounded(d.path(), &["price", "ms.toml"]), 0);
    let out = bounded(d.path(), &["run", "m.toml", "--out", "r", "-q"]);
    code(&out, 0);
    // Every minute starts a spike lasting half of it: read at the minute,
    // demand is doubled in every sample.
    let ts = std::fs::read_to_string(d.path().join("r/timeseries.csv")).unwrap();
    let header: Vec<&str> = ts.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "web_demand_rps").unwrap();
    for row in ts.lines().skip(1).step_by(10_000) {
        assert_eq!(row.split(',').nth(col), Some("20.000"), "{row}");
    }
}

/// Item 3: A sweep's grid is counted before it is built, and its points are
/// checked within `--max-wall`.
#[test]
fn sweep_grids_are_counted_before_they_are_built() {
    let list = |n: u32, from: u32| {
        let v: Vec<String> = (from..from + n).map(|i| i.to_string()).collect();
        format!("[{}]", v.join(", "))
    };
    let ten_million = format!(
        "name = \"g\"\nscenario = \"s.toml\"\n[grid]\n\"services.web.desired_count\" = {}\n\"instance_groups.g.count\" = {}\n\"instance_groups.g.max_size\" = {}\n",
        list(1000, 0),
        list(100, 1),
        list(100, 101)
    );
    let hundred_thousand = format!(
        "name = \"g\"\nscenario = \"s.toml\"\n[grid]\n\"services.web.desired_count\" = {}\n\"instance_groups.g.count\" = {}\n",
        list(1000, 0),
        list(100, 1)
    );
    let d = dir_with(&[
        ("s.toml", DAY),
        ("big.toml", &ten_million),
        ("many.toml", &hundred_thousand),
    ]);
    let err = code(&bounded(d.path(), &["sweep", "big.toml", "--out", "o"]), 2);
    assert!(err.contains("more than 1,000,000 combinations"), "{err}");
    let reps = hundred_thousand.replace("scenario = ", "replications = 20\nscenario = ");
    std::fs::write(d.path().join("reps.toml"), reps).unwrap();
    let err = code(&bounded(d.path(), &["plan", "reps.toml", "--out", "o"]), 2);
    assert!(err.contains("100000 points × 20 replications"), "{err}");
    // 10^5 points: the checks stop at the limit; nothing ran; exit 3.
    let err = code(
        &bounded(
            d.path(),
            &["sweep", "many.toml", "--out", "o", "--max-wall", "1s", "-q"],
        ),
        3,
    );
    assert!(err.contains("wall-clock limit"), "{err}");
    let m = json(&d.path().join("o/sweep.json"));
    assert_eq!(m["runs_done"], 0);
}

/// Item 4: Instances count before they are built, and toward the run size;
/// ECS's own quota is named past 5,000.
#[test]
fn instances_are_counted_before_they_are_built() {
    let mut forty = DAY.replace("desired_count = 2", "scheduling_strategy = \"DAEMON\"");
    forty = forty.replace(
        "[[instance_groups]]\nname = \"g\"\ninstance_type = \"m5.large\"\ncount = 2\n",
        "",
    );
    for g in 0..40 {
        forty += &format!(
            "[[instance_groups]]\nname = \"g{g}\"\ninstance_type = \"m5.large\"\ncount = 100000\n"
        );
    }
    let six = DAY.replace("count = 2", "count = 6000");
    let d = dir_with(&[("forty.toml", &forty), ("six.toml", &six)]);
    for args in [
        &["validate", "forty.toml"][..],
        &["run", "forty.toml", "--max-wall", "0s"],
    ] {
        let err = code(&bounded(d.path(), args), 2);
        assert!(
            err.contains("instance_groups") && err.contains("4000000") && err.contains("5000"),
            "{err}"
        );
    }
    let out = bounded(d.path(), &["validate", "six.toml"]);
    let err = code(&out, 0);
    assert!(
        err.contains("note:") && err.contains("5000 container instances per cluster"),
        "{err}"
    );
    // DAEMON tasks are tasks: one per instance counts toward the estimate.
    let daemon = DAY
        .replace("count = 2", "count = 3000")
        .replace("desired_count = 2", "scheduling_strategy = \"DAEMON\"");
    let sc = ecsim::scenario::parse(Path::new("d.toml"), &daemon).unwrap();
    let size = ecsim::scenario::estimate::estimate(&sc);
    assert!(size.tasks >= 3000.0, "{size:?}");
}

/// Item 5: Only regular files are read, up to a size given in the message.
#[test]
fn data_files_must_be_regular_and_bounded() {
    let d = dir_with(&[]);
    let with_td = |file: &str| {
        DAY.replace(
            "[[task_definitions]]\nfamily = \"web\"\ncpu = 256\nmemory = 512\n",
            &format!("[[task_definitions]]\nfile = \"{file}\"\n"),
        )
    };
    let with_empirical = |file: &str| {
        format!(
            "{DAY}[[jobs]]\nname = \"j\"\ntask_definition = \"web\"\narrivals = {{ kind = \"poisson\", rate_per_hour = 1 }}\nduration = {{ kind = \"empirical\", file = \"{file}\" }}\n"
        )
    };
    assert!(
        Command::new("mkfifo")
            .arg(d.path().join("pipe"))
            .status()
            .unwrap()
            .success()
    );
    std::fs::File::create(d.path().join("big.csv"))
        .unwrap()
        .set_len(300 << 20)
        .unwrap();
    for (text, words) in [
        (with_td("/dev/zero"), "not a regular file"),
        (with_empirical("/dev/zero"), "not a regular file"),
        (with_empirical("pipe"), "not a regular file"),
        (with_td("pipe"), "not a regular file"),
        (with_empirical("big.csv"), "larger than 256 MiB"),
    ] {
        std::fs::write(d.path().join("s.toml"), text).unwrap();
        let err = code(&bounded(d.path(), &["validate", "s.toml"]), 2);
        assert!(err.contains(words), "{err}");
    }
    let err = code(&bounded(d.path(), &["validate", "pipe"]), 2);
    assert!(err.contains("not a regular file"), "{err}");
}

/// Item 6: Threads are no more than the cores and the runs.
#[test]
fn threads_are_capped() {
    use ecsim::sweep::run::worker_threads;
    let cores = std::thread::available_parallelism().unwrap().get();
    assert_eq!(worker_threads(Some(100_000), 3), cores.min(3));
    assert_eq!(worker_threads(Some(100_000), 1_000), cores);
    assert_eq!(worker_threads(Some(1), 1_000), 1);
    assert_eq!(worker_threads(Some(4), 0), 1);
    let sweep =
        "name = \"t\"\nscenario = \"s.toml\"\n[grid]\n\"services.web.desired_count\" = [1, 2]\n";
    let d = dir_with(&[("s.toml", &DAY.replace("1d", "1h")), ("t.toml", sweep)]);
    let out = bounded(
        d.path(),
        &["sweep", "t.toml", "--out", "o", "--threads", "100000"],
    );
    code(&out, 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("; {} threads", cores.min(2))),
        "{text}"
    );
}

/// Item 7: Demand is a finite number of requests: 1e308 is refused, and spikes
/// multiplying past 1e12 rps are capped there, so no `inf` or `null`.
#[test]
fn demand_stays_finite() {
    let with_demand = |demand: &str| {
        DAY.replace(
            "desired_count = 2",
            &format!("desired_count = 2\ncapacity_per_task = 1e-300\ndemand = {demand}"),
        )
    };
    let d = dir_with(&[
        (
            "huge.toml",
            &with_demand("{ kind = \"constant\", value = 1e308 }"),
        ),
        (
            "spiky.toml",
            &with_demand(
                "{ kind = \"constant\", value = 1e12, spikes = [{ at = \"0s\", duration = \"1h\", factor = 1e300, every = \"1m\" }] }",
            ),
        ),
    ]);
    let err = code(&bounded(d.path(), &["validate", "huge.toml"]), 2);
    assert!(
        err.contains("services[0].demand.value") && err.contains("1e12") && err.contains("1e308"),
        "{err}"
    );
    code(
        &bounded(d.path(), &["run", "spiky.toml", "--out", "r", "-q"]),
        0,
    );
    let ts = std::fs::read_to_string(d.path().join("r/timeseries.csv")).unwrap();
    assert!(!ts.contains("inf") && !ts.contains("NaN"), "{}", &ts[..500]);
    let s = json(&d.path().join("r/summary.json"));
    let load = &s["services"]["web"]["load"];
    for k in [
        "demand_requests",
        "served_requests",
        "unserved_requests",
        "unserved_pct",
    ] {
        assert!(load[k].is_number(), "services.web.load.{k}: {load}");
    }
}

/// Item 8: A run replaces only an earlier result it wrote: a folder made at
/// `--out` during the run, or a user's file in `report/`, is refused and kept.
#[test]
fn a_run_never_deletes_what_it_did_not_write() {
    let d = dir_with(&[("s.toml", DAY)]);
    let target = d.path().join("r");
    let staged = ecsim::report::StagedDir::new(&target).unwrap();
    std::fs::write(staged.path().join("summary.json"), "{}").unwrap();
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("notes.txt"), "mine").unwrap();
    let e = staged.commit().unwrap_err();
    assert_eq!(e.exit_code(), 2, "{e}");
    assert!(
        e.to_string().contains("was created while the run went on"),
        "{e}"
    );
    assert_eq!(
        std::fs::read_to_string(target.join("notes.txt")).unwrap(),
        "mine"
    );
    // Even an empty folder made meanwhile is not replaced.
    std::fs::remove_dir_all(&target).unwrap();
    let staged = ecsim::report::StagedDir::new(&target).unwrap();
    std::fs::create_dir(&target).unwrap();
    assert!(staged.commit().is_err());
    assert!(target.is_dir());
    std::fs::remove_dir_all(&target).unwrap();
    let hidden = |d: &Path| {
        std::fs::read_dir(d)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .starts_with('.')
            })
            .count()
    };
    assert_eq!(hidden(d.path()), 0);

    code(&ecsim(d.path(), &["run", "s.toml", "--out", "r", "-q"]), 0);
    code(&ecsim(d.path(), &["report", "r", "--png", "-q"]), 0);
    std::fs::write(target.join("report/notes.txt"), "mine").unwrap();
    let err = code(&ecsim(d.path(), &["run", "s.toml", "--out", "r", "-q"]), 2);
    assert!(err.contains("report/notes.txt"), "{err}");
    assert!(target.join("report/notes.txt").exists());
    // Charts alone are ecsim's, and are replaced with the rest.
    std::fs::remove_file(target.join("report/notes.txt")).unwrap();
    code(&ecsim(d.path(), &["run", "s.toml", "--out", "r", "-q"]), 0);
    assert!(!target.join("report").exists());
}

/// Item 9: A file named by mistake is not echoed: errors say where and what
/// was expected.
#[test]
fn errors_never_repeat_a_data_file() {
    let secret = "root:$6$SECRETHASH:19000:0:99999:7:::\nadmin:$6$OTHERSECRET:19000:0:99999:7:::\n";
    let d = dir_with(&[("shadow", secret)]);
    let cases = [
        format!("{DAY}[[faults]]\nkind = \"spot_interruption\"\ntimes = \"shadow\"\n"),
        format!(
            "{DAY}[[jobs]]\nname = \"j\"\ntask_definition = \"web\"\narrivals = {{ kind = \"poisson\", rate_per_hour = 1 }}\nduration = {{ kind = \"empirical\", file = \"shadow\" }}\n"
        ),
        DAY.replace(
            "desired_count = 2",
            "desired_count = 2\ncapacity_per_task = 10\ndemand = { kind = \"trace\", file = \"shadow\" }",
        ),
        format!("{DAY}[pricing]\nec2_spot_prices = \"shadow\"\n"),
    ];
    for text in cases {
        std::fs::write(d.path().join("s.toml"), &text).unwrap();
        let err = code(&ecsim(d.path(), &["validate", "s.toml"]), 2);
        assert!(err.contains("shadow") && err.contains("line "), "{err}");
        assert!(!err.contains("SECRET") && !err.contains("root:"), "{err}");
    }
    for args in [
        &["validate", "shadow"][..],
        &["validate", "s.toml", "--prices", "shadow"][..],
    ] {
        let err = code(&ecsim(d.path(), args), 2);
        assert!(!err.contains("SECRET") && !err.contains("root:"), "{err}");
    }
}

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

/// Waits (bounded) for `path` to exist.
fn wait_for(path: &Path) -> bool {
    for _ in 0..3000 {
        if path.exists() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    false
}

/// Item 10: SIGTERM and SIGHUP stop a run as Ctrl-C does: the staged folder is
/// removed, exit 143 / 129; a sweep keeps its finished runs.
#[test]
fn sigterm_and_sighup_clean_up_like_ctrl_c() {
    let long = DAY.replace("duration = \"1d\"", "duration = \"300d\"")
        + "[[jobs]]\nname = \"j\"\ntask_definition = \"web\"\nno_capacity = \"queue\"\narrivals = { kind = \"poisson\", rate_per_hour = 3000 }\nduration = { kind = \"constant\", value = \"1s\" }\n";
    let d = dir_with(&[("long.toml", &long)]);
    for (sig, want) in [("TERM", 143), ("HUP", 129), ("INT", 130)] {
        let child = Command::new(env!("CARGO_BIN_EXE_ecsim"))
            .current_dir(d.path())
            .args(["run", "long.toml", "--out", "r", "--force", "-q"])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let tmp = d.path().join(format!(".r.tmp-{}", child.id()));
        assert!(wait_for(&tmp));
        signal(child.id(), sig);
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(want), "{sig}: {}", stderr(&out));
        assert!(!tmp.exists(), "{sig} left {}", tmp.display());
        assert!(!d.path().join("r").exists());
    }
    let sweep = "name = \"w\"\nscenario = \"long.toml\"\n[grid]\n\"services.web.desired_count\" = [1, 2, 3, 4]\n";
    std::fs::write(d.path().join("long.toml"), long.replace("300d", "6h")).unwrap();
    std::fs::write(d.path().join("w.toml"), sweep).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .current_dir(d.path())
        .args(["sweep", "w.toml", "--out", "o", "--threads", "1", "-q"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(wait_for(&d.path().join("o/runs/run-000000.json")));
    signal(child.id(), "TERM");
    let out = child.wait_with_output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(143), "{err}");
    assert!(err.contains("kept"), "{err}");
    assert!(d.path().join("o/runs/run-000000.json").exists());
    let again = ecsim(
        d.path(),
        &["sweep", "w.toml", "--out", "o", "--threads", "1"],
    );
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(
        again.status.success() && text.contains("already done"),
        "{text}"
    );
}

/// Item 11: The small ones: a sweep stopped before its sweep.json resumes; a
/// binary file among shards is bad input; a name too long for a folder is
/// refused by validate; a wrong type is named at its own field.
#[test]
fn small_guards() {
    let sweep =
        "name = \"w\"\nscenario = \"s.toml\"\n[grid]\n\"services.web.desired_count\" = [1, 2]\n";
    let d = dir_with(&[("s.toml", &DAY.replace("1d", "1h")), ("w.toml", sweep)]);
    std::fs::create_dir_all(d.path().join("o/runs")).unwrap();
    code(
        &ecsim(d.path(), &["sweep", "w.toml", "--out", "o", "-q"]),
        0,
    );
    assert!(d.path().join("o/runs.csv").exists());

    code(
        &ecsim(
            d.path(),
            &["sweep", "w.toml", "--out", "s0", "--shard", "0/2", "-q"],
        ),
        0,
    );
    std::fs::create_dir_all(d.path().join("s1")).unwrap();
    std::fs::write(
        d.path().join("s1/sweep.json"),
        [0xff, 0xfe, 0x00, 0x81, 0x92],
    )
    .unwrap();
    let err = code(&ecsim(d.path(), &["merge", "s0", "s1", "--out", "m"]), 2);
    assert!(err.contains("s1/sweep.json"), "{err}");

    let long = DAY.replace("name = \"h\"", &format!("name = \"{}\"", "a".repeat(300)));
    std::fs::write(d.path().join("long.toml"), long).unwrap();
    let err = code(&ecsim(d.path(), &["validate", "long.toml"]), 2);
    assert!(
        err.contains("name: is 300 characters long; at most 200"),
        "{err}"
    );

    let typed = format!(
        "{DAY}[[jobs]]\nname = \"j\"\ntask_definition = \"web\"\narrivals = {{ kind = \"poisson\", rate_per_hour = \"10\" }}\nduration = {{ kind = \"constant\", value = \"1s\" }}\n"
    );
    std::fs::write(d.path().join("typed.toml"), &typed).unwrap();
    let err = code(&ecsim(d.path(), &["validate", "typed.toml"]), 2);
    assert!(
        err.contains("jobs[0].arrivals.rate_per_hour: invalid type"),
        "{err}"
    );
    std::fs::write(
        d.path().join("typed.toml"),
        typed.replace(
            "rate_per_hour = \"10\"",
            "rate_per_hour = 10, every = \"1m\"",
        ),
    )
    .unwrap();
    let err = code(&ecsim(d.path(), &["validate", "typed.toml"]), 2);
    assert!(
        err.contains("every is not a field of kind \"poisson\""),
        "{err}"
    );
}

/// Issue 29 item 5: a client-side queue (`no_capacity = "queue"`) twelve
/// times over capacity for 10 days holds ~1 M waiting tasks. As slab tasks
/// (~200 bytes each) that took over 250 MB; as compact records the run
/// (a debug build, invariant checks on) fits in 150 MB of address space.
#[test]
fn a_client_side_queue_stays_compact() {
    let text = r#"
name = "q"
duration = "10d"
seed = 1
[cluster]
availability_zones = ["us-east-1a"]
[[instance_groups]]
name = "servers"
instance_type = "c5.large"
count = 10
[[task_definitions]]
family = "work"
cpu = 2048
memory = 256
startup = { kind = "constant", value = "0s" }
shutdown = { kind = "constant", value = "0s" }
[[jobs]]
name = "work"
task_definition = "work"
arrivals = { kind = "poisson", rate_per_hour = 4320 }
duration = { kind = "exponential", mean = "100s" }
no_capacity = "queue"
"#;
    let d = dir_with(&[("q.toml", text)]);
    let out = bounded_kb(d.path(), 150_000, &["price", "q.toml", "--format", "json"]);
    code(&out, 0);
    let bill: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        bill["total_simulated_usd"].as_f64().unwrap() > 0.0,
        "{bill}"
    );
}

#[path = "hostile/import.rs"]
mod import;

#[path = "hostile/files.rs"]
mod files;
