//! Sweeps across machines and across interruptions: shards (from a flag or
//! the environment) merged equal the one-machine folder, and an interrupted
//! or time-limited sweep keeps its finished runs and resumes.

mod common;
use common::sweep::{SWEEP, ecsim, failed, files, ok, s, setup};
use std::process::Command;

#[test]
fn shards_merged_equal_the_unsharded_sweep_byte_for_byte() {
    let (d, f) = setup(SWEEP);
    let whole = d.path().join("whole");
    ok(&ecsim(&["sweep", s(&f), "--out", s(&whole), "-q"], &[]));
    let (s0, s1, s2) = (
        d.path().join("s0"),
        d.path().join("s1"),
        d.path().join("s2"),
    );
    ok(&ecsim(
        &["sweep", s(&f), "--out", s(&s0), "--shard", "0/3", "-q"],
        &[],
    ));
    // As an AWS Batch array job and a Kubernetes Indexed Job would start them.
    ok(&ecsim(
        &["sweep", s(&f), "--out", s(&s1), "-q"],
        &[
            ("AWS_BATCH_JOB_ARRAY_INDEX", "1"),
            ("ECSIM_SHARD_COUNT", "3"),
        ],
    ));
    // This worker sees the same files by another path.
    let other_path = d.path().join(".").join("s.toml");
    ok(&ecsim(
        &["sweep", s(&other_path), "--out", s(&s2), "-q"],
        &[("JOB_COMPLETION_INDEX", "2"), ("ECSIM_SHARD_COUNT", "3")],
    ));
    // Shard 1 of 3 holds runs 1, 4, 7, 10.
    let mut mine: Vec<String> = std::fs::read_dir(s1.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    mine.sort();
    assert_eq!(
        mine,
        [
            "run-000001.json",
            "run-000004.json",
            "run-000007.json",
            "run-000010.json"
        ]
    );
    assert!(!s1.join("aggregate.csv").exists());

    // Missing a shard: refused, naming the runs.
    let merged = d.path().join("merged");
    let e = failed(
        &ecsim(&["merge", s(&s0), s(&s1), "--out", s(&merged)], &[]),
        2,
    );
    assert!(
        e.contains("4 of 12 runs are missing") && e.contains("2, 5, 8, 11"),
        "{e}"
    );
    assert!(!merged.exists());

    ok(&ecsim(
        &["merge", s(&s0), s(&s1), s(&s2), "--out", s(&merged)],
        &[],
    ));
    assert!(
        files(&merged) == files(&whole),
        "merged shards differ from one machine's sweep"
    );

    // A damaged run file is an input error, not a crash.
    let f0 = s0.join("runs/run-000000.json");
    let text = std::fs::read_to_string(&f0).unwrap();
    std::fs::write(&f0, text.replacen("\"point\": 0", "\"point\": 99", 1)).unwrap();
    let e = failed(
        &ecsim(
            &[
                "merge",
                s(&s0),
                s(&s1),
                s(&s2),
                "--out",
                s(&d.path().join("m3")),
            ],
            &[],
        ),
        2,
    );
    assert!(e.contains("does not hold run 0 of this sweep"), "{e}");
    std::fs::write(&f0, text).unwrap();

    // Shards of another sweep do not mix.
    let (_d2, f2) = setup(&SWEEP.replace("seed = 100", "seed = 7"));
    let other = d.path().join("other");
    ok(&ecsim(
        &["sweep", s(&f2), "--out", s(&other), "--shard", "2/3", "-q"],
        &[],
    ));
    let e = failed(
        &ecsim(
            &[
                "merge",
                s(&s0),
                s(&s1),
                s(&other),
                "--out",
                s(&d.path().join("m2")),
            ],
            &[],
        ),
        2,
    );
    assert!(e.contains("different sweep"), "{e}");
}

#[test]
fn an_interrupted_sweep_keeps_its_runs_and_resumes() {
    // Enough runs that Ctrl-C arrives long before the end.
    let big = SWEEP.replace("replications = 3", "replications = 50");
    let (d, f) = setup(&big);
    let out = d.path().join("sw");
    let child = Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .args(["sweep", s(&f), "--out", s(&out), "--threads", "1", "-q"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let first = out.join("runs/run-000000.json");
    let t0 = std::time::Instant::now();
    while !first.exists() && t0.elapsed().as_secs() < 120 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let o = child.wait_with_output().unwrap();
    let err = failed(&o, 130);
    assert!(
        err.contains("run the same command again to resume"),
        "{err}"
    );
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(m["complete"], false);
    let kept = m["runs_done"].as_u64().unwrap();
    assert!((1..200).contains(&kept), "{kept}");
    assert!(!out.join("runs.csv").exists() && !out.join("aggregate.csv").exists());

    let again = ok(&ecsim(&["sweep", s(&f), "--out", s(&out)], &[]));
    assert!(
        again.contains(&format!("ran {}, {kept} already done", 200 - kept)),
        "{again}"
    );
    let fresh = d.path().join("fresh");
    ok(&ecsim(&["sweep", s(&f), "--out", s(&fresh), "-q"], &[]));
    assert!(
        files(&out) == files(&fresh),
        "resumed sweep differs from an uninterrupted one"
    );

    // A folder holding another sweep is not resumed into.
    let (_d2, f2) = setup(SWEEP);
    let e = failed(&ecsim(&["sweep", s(&f2), "--out", s(&out)], &[]), 2);
    assert!(e.contains("holds a different sweep"), "{e}");
}
#[test]
fn shard_from_the_environment() {
    use ecsim::sweep::shard;
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    let s = shard(
        None,
        &env(&[("JOB_COMPLETION_INDEX", "3"), ("ECSIM_SHARD_COUNT", "8")]),
    )
    .unwrap()
    .unwrap();
    assert_eq!((s.index, s.count), (3, 8));
    let s = shard(
        None,
        &env(&[
            ("AWS_BATCH_JOB_ARRAY_INDEX", "0"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "2"),
        ]),
    )
    .unwrap()
    .unwrap();
    assert_eq!((s.index, s.count), (0, 2));
    // The flag wins over the environment; no variables, no shard.
    let s = shard(Some("1/2"), &env(&[("JOB_COMPLETION_INDEX", "0")]))
        .unwrap()
        .unwrap();
    assert_eq!((s.index, s.count), (1, 2));
    assert!(shard(None, &env(&[])).unwrap().is_none());
    assert!(
        shard(
            None,
            &env(&[("JOB_COMPLETION_INDEX", "8"), ("ECSIM_SHARD_COUNT", "8")])
        )
        .is_err()
    );
}

#[test]
fn a_wall_clock_limit_keeps_finished_runs_and_exits_3() {
    let (d, f) = setup(SWEEP);
    let out = d.path().join("sw");
    // A limit of 0 s: no run may start, deterministically.
    let e = failed(
        &ecsim(&["sweep", s(&f), "--out", s(&out), "--max-wall", "0s"], &[]),
        3,
    );
    assert!(e.contains("wall-clock limit reached: 0 of 12 runs"), "{e}");
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(
        (m["complete"].as_bool(), m["runs_done"].as_u64()),
        (Some(false), Some(0))
    );
    assert!(!out.join("runs.csv").exists());
    let e = failed(&ecsim(&["report", s(&out)], &[]), 2);
    assert!(
        e.contains("the sweep is not finished (0 of 12 runs done)"),
        "{e}"
    );
    let again = ok(&ecsim(
        &["sweep", s(&f), "--out", s(&out), "--max-wall", "1h"],
        &[],
    ));
    assert!(again.contains("ran 12, 0 already done"), "{again}");
    let e = failed(&ecsim(&["plan", s(&f), "--max-wall", "x"], &[]), 2);
    assert!(e.contains("--max-wall"), "{e}");
}
