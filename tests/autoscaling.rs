//! Service auto scaling against Application Auto Scaling's documented rules
//! (Application Auto Scaling user guide: "Target tracking scaling policies",
//! "Step scaling policies", "Scheduled scaling"; ECS "Service auto scaling").

mod common;
use ecsim::engine::time::MINUTE;
use ecsim::model::Cluster;
use ecsim::model::Task;
use ecsim::scaling::Decision;
use ecsim::sim::{Recorder, Sample, Sim};

/// Records scaling decisions and per-minute desired counts.
#[derive(Default)]
struct Scaling {
    decisions: Vec<Decision>,
    desired: Vec<(u64, u32)>,
}

impl Recorder for Scaling {
    fn task_done(&mut self, _: &Cluster, _: &Task) {}
    fn sample(&mut self, s: &Sample) {
        self.desired.push((s.time / MINUTE, s.services[0].desired));
    }
    fn scaling(&mut self, _: &Cluster, d: &Decision) {
        self.decisions.push(d.clone());
    }
}

/// Fargate web service with instant start-up: 100 rps per task, demand
/// 100 rps until 1h, 300 rps until 3h, then 100 rps again.
fn scenario(autoscaling: &str, demand: &str) -> String {
    format!(
        r#"
name = "a"
duration = "6h"
seed = 2
[cluster]
availability_zones = ["a", "b"]
[fargate]
provisioning = {{ kind = "constant", value = "0s" }}
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
startup = {{ kind = "constant", value = "0s" }}
shutdown = {{ kind = "constant", value = "0s" }}
[[services]]
name = "web"
task_definition = "web"
desired_count = 2
launch_type = "FARGATE"
capacity_per_task = 100
demand = {demand}
[services.autoscaling]
{autoscaling}
"#
    )
}

const STEP_DEMAND: &str = r#"{ kind = "steps", points = [{ at = "0s", value = 100 }, { at = "1h", value = 300 }, { at = "3h", value = 100 }] }"#;

fn run_scaling(text: &str) -> Scaling {
    let sc = scenario_from(text);
    let mut rec = Scaling::default();
    Sim::new(&sc, sc.seed, &mut rec)
        .with_invariant_checks(true)
        .run()
        .unwrap_or_else(|e| panic!("{e}"));
    rec
}

fn scenario_from(text: &str) -> ecsim::scenario::Scenario {
    common::scenario(text)
}

/// Target tracking scales out after 3 consecutive breaching 1-minute
/// datapoints: demand triples at minute 60, the datapoints of minutes 60-62
/// are visible one minute after each minute ends (publication delay 60 s), so
/// the first scale-out comes at minute 64, proportional to the breach:
/// ceil(2 tasks × 100% / 60%) = 4. Scale-in needs 15 datapoints below 90% of
/// the target (minutes 180-194, the last visible at 196) and so comes only
/// at minute 196 or later.
#[test]
fn step_in_demand_scales_out_fast_and_in_slowly() {
    let rec = run_scaling(&scenario(
        "min_capacity = 1\nmax_capacity = 10\ntarget = 60",
        STEP_DEMAND,
    ));
    let first = &rec.decisions[0];
    assert_eq!(first.time, 64 * MINUTE, "{first:?}");
    assert_eq!((first.from, first.to), (2, 4));
    assert_eq!(first.policy, "target_tracking");
    // Settles at 300 rps / (100 × 60%) = 5 tasks, no overshoot.
    let at_2h = rec.desired.iter().find(|d| d.0 == 120).unwrap().1;
    assert_eq!(at_2h, 5);
    assert!(rec.decisions.iter().all(|d| d.to <= 5));
    let ins: Vec<&Decision> = rec.decisions.iter().filter(|d| d.to < d.from).collect();
    assert!(!ins.is_empty(), "scales back in");
    assert!(
        ins[0].time >= 196 * MINUTE,
        "scale-in at {} min",
        ins[0].time / MINUTE
    );
    assert!(
        ins[0].time <= 200 * MINUTE,
        "scale-in at {} min",
        ins[0].time / MINUTE
    );
    // 90% of the target is the scale-in threshold.
    assert!((ins[0].threshold - 54.0).abs() < 1e-9);
    // Back to 100 rps needs ceil(100/60) = 2 tasks eventually.
    assert_eq!(rec.desired.last().unwrap().1, 2);
}

/// Scale-in cooldown (default 300 s): two scale-ins are at least 5 minutes apart.
#[test]
fn scale_in_respects_cooldown() {
    let demand =
        r#"{ kind = "steps", points = [{ at = "0s", value = 900 }, { at = "1h", value = 100 }] }"#;
    let rec = run_scaling(
        &scenario("min_capacity = 1\nmax_capacity = 20\ntarget = 90", demand)
            .replace("desired_count = 2", "desired_count = 10"),
    );
    let ins: Vec<u64> = rec
        .decisions
        .iter()
        .filter(|d| d.to < d.from)
        .map(|d| d.time)
        .collect();
    assert!(!ins.is_empty());
    for w in ins.windows(2) {
        assert!(w[1] - w[0] >= 300_000, "{ins:?}");
    }
}

/// Never above max or below min, and scale-in can be disabled.
#[test]
fn min_max_clamps_and_disable_scale_in() {
    let rec = run_scaling(&scenario(
        "min_capacity = 2\nmax_capacity = 3\ntarget = 60",
        STEP_DEMAND,
    ));
    assert!(rec.desired.iter().all(|d| (2..=3).contains(&d.1)));
    assert!(
        rec.decisions.iter().any(|d| d.to == 3),
        "scales out to the max"
    );
    let rec = run_scaling(&scenario(
        "min_capacity = 1\nmax_capacity = 10\ntarget = 60\ndisable_scale_in = true",
        STEP_DEMAND,
    ));
    assert!(
        rec.decisions.iter().all(|d| d.to > d.from),
        "no scale-in when disabled"
    );
    assert_eq!(rec.desired.last().unwrap().1, 5);
    // desired_count is pulled inside [min, max] at the start.
    let rec = run_scaling(&scenario("min_capacity = 3\nmax_capacity = 4", STEP_DEMAND));
    assert_eq!(rec.desired[0].1, 3);
}

/// Step scaling: the alarm threshold plus step adjustments relative to it.
#[test]
fn step_scaling_applies_the_matching_step() {
    let steps = r#"step_scaling = [{ name = "cpu-high", comparison = ">=", threshold = 70, evaluation_periods = 2, steps = [{ lower = 0, upper = 20, adjustment = 1 }, { lower = 20, adjustment = 3 }] }]"#;
    let rec = run_scaling(&scenario(
        &format!("min_capacity = 1\nmax_capacity = 10\n{steps}"),
        STEP_DEMAND,
    ));
    let first = &rec.decisions[0];
    // 100% CPU is 30 above the threshold: the second step, +3. Two
    // datapoints (minutes 60, 61) are visible at minute 63.
    assert_eq!(first.time, 63 * MINUTE);
    assert_eq!((first.from, first.to), (2, 5));
    assert_eq!(first.policy, "step_scaling");
    // At 5 tasks CPU is 60%: below the threshold, no more steps.
    assert_eq!(rec.decisions.len(), 1);
}

/// StepScalingPolicyConfiguration.Cooldown ("Step scaling policies for
/// Application Auto Scaling", cooldown): inside a scale-out's cooldown a
/// breach in a larger step still scales out, and the capacity the first
/// action added counts toward it. 4 tasks; 240 rps (60% CPU, +2) from 1h:
/// 4 → 6 at minute 62; 600 rps (100% on 6 tasks, +3) from minute 63: the
/// cooldown (5 min from 62) is on, so 4 + 3 = 7, one more task, at minute
/// 65 — not 6 + 3 = 9 when the cooldown ends. After it ends, the next step
/// counts from 7.
#[test]
fn a_larger_step_scales_out_inside_the_cooldown() {
    let steps = r#"step_scaling = [{ name = "cpu-high", comparison = ">=", threshold = 50, evaluation_periods = 1, steps = [{ lower = 0, upper = 30, adjustment = 2 }, { lower = 30, adjustment = 3 }] }]"#;
    let demand = r#"{ kind = "steps", points = [{ at = "0s", value = 100 }, { at = "1h", value = 240 }, { at = "63m", value = 600 }] }"#;
    let rec = run_scaling(
        &scenario(
            &format!("min_capacity = 1\nmax_capacity = 20\n{steps}"),
            demand,
        )
        .replace("desired_count = 2", "desired_count = 4"),
    );
    let got: Vec<(u64, u32, u32)> = rec
        .decisions
        .iter()
        .map(|d| (d.time / MINUTE, d.from, d.to))
        .collect();
    assert_eq!(got[0], (62, 4, 6), "{got:?}");
    assert_eq!(got[1], (65, 6, 7), "{got:?}");
    // 600 rps on 7 tasks is 86%: +3 again once the cooldown from minute
    // 62 is over (minute 67), counted from 7.
    assert_eq!(got[2], (67, 7, 10), "{got:?}");
}

/// A step alarm over the most evaluation periods allowed (60) still fires
/// when datapoints take long to publish: with a 10-minute publication delay
/// the 60 datapoints of minutes 60-119 are all visible at minute 130 (the
/// last at 120 + 10). Keeping only the newest 64 datapoints, visible or
/// not, would have left 54 visible and the alarm could never fire.
#[test]
fn a_long_alarm_fires_through_a_long_publication_delay() {
    let steps = r#"step_scaling = [{ name = "cpu-high", comparison = ">=", threshold = 70, evaluation_periods = 60, steps = [{ lower = 0, adjustment = 1 }] }]"#;
    let demand =
        r#"{ kind = "steps", points = [{ at = "0s", value = 100 }, { at = "1h", value = 300 }] }"#;
    let rec = run_scaling(&scenario(
        &format!("min_capacity = 1\nmax_capacity = 10\npublication_delay = \"10m\"\n{steps}"),
        demand,
    ));
    let first = rec.decisions.first().expect("the 60-minute alarm fires");
    assert_eq!(first.time, 130 * MINUTE, "{first:?}");
    assert_eq!((first.from, first.to, first.policy), (2, 3, "step_scaling"));
}

/// Scheduled actions change min and max; the desired count follows.
#[test]
fn scheduled_actions_move_the_bounds() {
    let demand = r#"{ kind = "constant", value = 10 }"#;
    let rec = run_scaling(&scenario(
        "min_capacity = 1\nmax_capacity = 10\nscheduled = [{ at = \"2h\", min_capacity = 6 }, { at = \"4h\", min_capacity = 1, max_capacity = 3 }]",
        demand,
    ));
    let at = |m: u64| rec.desired.iter().find(|d| d.0 == m).unwrap().1;
    assert_eq!(at(119), 2);
    assert_eq!(at(121), 6);
    assert_eq!(at(241), 3);
    assert!(
        rec.decisions
            .iter()
            .any(|d| d.policy == "scheduled" && d.to == 6)
    );
}

/// A replayed trace (CSV and get-metric-data JSON) drives the same demand.
#[test]
fn trace_replay_csv_and_cloudwatch_json_agree() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("timestamp,value\n");
    let mut ts = Vec::new();
    let mut vs = Vec::new();
    for m in 0..360 {
        let v = if (60..180).contains(&m) { 18000 } else { 6000 }; // per-minute request sums
        let t = format!("2026-11-01T{:02}:{:02}:00Z", m / 60, m % 60);
        csv += &format!("{t},{v}\n");
        ts.push(format!("\"{t}\""));
        vs.push(v.to_string());
    }
    ts.reverse();
    vs.reverse();
    std::fs::write(dir.path().join("t.csv"), csv).unwrap();
    std::fs::write(
        dir.path().join("t.json"),
        format!(r#"{{"MetricDataResults": [{{"Id": "m1", "Label": "RequestCount", "Timestamps": [{}], "Values": [{}], "StatusCode": "Complete"}}], "Messages": []}}"#, ts.join(","), vs.join(",")),
    )
    .unwrap();
    let mut results = Vec::new();
    for f in ["t.csv", "t.json"] {
        let text = scenario(
            "min_capacity = 1\nmax_capacity = 10\ntarget = 60",
            &format!(r#"{{ kind = "trace", file = "{f}", scale = 0.016666666666666666 }}"#),
        );
        let path = dir.path().join("s.toml");
        std::fs::write(&path, text).unwrap();
        let sc = ecsim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let mut rec = Scaling::default();
        Sim::new(&sc, 1, &mut rec).run().unwrap();
        results.push(
            rec.decisions
                .iter()
                .map(|d| (d.time, d.to))
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(results[0], results[1]);
    assert_eq!(
        results[0][0],
        (64 * MINUTE, 4),
        "same as the step test: 100 → 300 rps at 1h"
    );
}

#[test]
fn bad_autoscaling_input() {
    let dir = tempfile::tempdir().unwrap();
    let check = |auto: &str, demand: &str, field: &str, words: &str| {
        let path = dir.path().join("s.toml");
        std::fs::write(&path, scenario(auto, demand)).unwrap();
        let e = ecsim::scenario::load(&path).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(field) && msg.contains(words), "{msg}");
    };
    check(
        "min_capacity = 1\nmax_capacity = 10\ntarget = 0",
        STEP_DEMAND,
        "services[0].autoscaling.target",
        "outside (0, 100]",
    );
    check(
        "min_capacity = 1\nmax_capacity = 10\ntarget = 150",
        STEP_DEMAND,
        "services[0].autoscaling.target",
        "outside (0, 100]",
    );
    check(
        "min_capacity = 5\nmax_capacity = 2\ntarget = 50",
        STEP_DEMAND,
        "services[0].autoscaling.min_capacity",
        "above max_capacity",
    );
    check(
        "min_capacity = 1\nmax_capacity = 2\ntarget = 50",
        r#"{ kind = "trace", file = "missing.csv" }"#,
        "missing.csv",
        "cannot read",
    );
    std::fs::write(
        dir.path().join("gap.csv"),
        "timestamp,value\n0,1\n60,1\n120,1\n900,1\n960,1\n",
    )
    .unwrap();
    check(
        "min_capacity = 1\nmax_capacity = 2\ntarget = 50",
        r#"{ kind = "trace", file = "gap.csv" }"#,
        "gap.csv: line 5",
        "gap of 780 s",
    );
    std::fs::write(
        dir.path().join("back.csv"),
        "timestamp,value\n0,1\n60,1\n30,1\n",
    )
    .unwrap();
    check(
        "min_capacity = 1\nmax_capacity = 2\ntarget = 50",
        r#"{ kind = "trace", file = "back.csv" }"#,
        "back.csv: line 4",
        "timestamps must increase",
    );
    std::fs::write(
        dir.path().join("bad.json"),
        r#"{"MetricDataResults": [{"Timestamps": ["x"], "Values": [1]}]}"#,
    )
    .unwrap();
    check(
        "min_capacity = 1\nmax_capacity = 2\ntarget = 50",
        r#"{ kind = "trace", file = "bad.json" }"#,
        "bad.json: MetricDataResults[0].Timestamps[0]",
        "expected a timestamp",
    );
    check(
        "min_capacity = 1\nmax_capacity = 2\ntarget = 50",
        r#"{ kind = "diurnal", mean = 10 }"#,
        "services[0].demand.amplitude",
        "required",
    );
}

/// A repeating spike applies on every day of the run, up to the 400-day
/// limit (it once stopped after a year), and is one rule however long the
/// run (its repeats were once listed: `every = "1ms"` filled memory).
#[test]
fn repeating_spikes_cover_the_whole_run_and_no_more() {
    let demand = r#"{ kind = "constant", value = 100, spikes = [{ at = "9h", duration = "20m", factor = 1.8, every = "1d" }] }"#;
    let rate = |days: u64, t: &str| {
        let text = scenario("min_capacity = 1\nmax_capacity = 4\ntarget = 50", demand)
            .replace("duration = \"6h\"", &format!("duration = \"{days}d\""));
        let sc = scenario_from(&text);
        let d = &sc.cluster.services[0].workload.as_ref().unwrap().demand;
        let at = ecsim::engine::time::parse_duration(t).unwrap();
        (d.rate_at(at), d.spikes.len())
    };
    let (during, listed) = rate(380, "370d9h10m");
    assert_eq!((during, listed), (180.0, 1));
    assert_eq!(rate(380, "370d9h30m").0, 100.0);
    assert_eq!(rate(380, "370d8h59m").0, 100.0);
    assert_eq!(rate(7, "6d9h").0, 180.0);
}

/// Runs `ecsim validate` on a scenario text: (exit code, stderr).
fn validate(text: &str) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ecsim"))
        .arg("validate")
        .arg(&path)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

/// "Target tracking scaling policies for Amazon ECS" (Application Auto
/// Scaling): ECSServiceAverageCPUUtilization / MemoryUtilization are average
/// utilization in percent, so their target lies in (0, 100]; 0.6 is allowed
/// but is 0.6%, most likely meant as 60%, and says so on stderr.
/// ALBRequestCountPerTarget counts requests: any target above 0.
#[test]
fn percentage_targets_are_checked_and_fractions_warned() {
    let auto = |metric: &str, target: &str| {
        scenario(
            &format!(
                "min_capacity = 1\nmax_capacity = 10\nmetric = \"{metric}\"\ntarget = {target}"
            ),
            STEP_DEMAND,
        )
    };
    for metric in [
        "ECSServiceAverageCPUUtilization",
        "ECSServiceAverageMemoryUtilization",
    ] {
        let (code, err) = validate(&auto(metric, "0.6"));
        assert_eq!(code, Some(0), "{err}");
        assert!(
            err.contains("services[0].autoscaling.target: target 0.6 is 0.6%")
                && err.contains("not 60%: did you mean 60?")
                && err.contains(metric),
            "{err}"
        );
        let (code, err) = validate(&auto(metric, "60"));
        assert_eq!(code, Some(0), "{err}");
        assert!(!err.contains("did you mean"), "{err}");
        for bad in ["0", "-5", "100.5", "150"] {
            let (code, err) = validate(&auto(metric, bad));
            assert_eq!(code, Some(2), "{bad}: {err}");
            assert!(
                err.contains("services[0].autoscaling.target") && err.contains("outside (0, 100]"),
                "{err}"
            );
        }
        // 100 is the top of the range, not past it.
        assert_eq!(validate(&auto(metric, "100")).0, Some(0));
    }
    // Requests per target are not a percentage: 500 is fine, 0.5 says nothing.
    for ok in ["500", "0.5"] {
        let (code, err) = validate(&auto("ALBRequestCountPerTarget", ok));
        assert_eq!(code, Some(0), "{err}");
        assert!(!err.contains("did you mean"), "{err}");
    }
    let (code, err) = validate(&auto("ALBRequestCountPerTarget", "0"));
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("services[0].autoscaling.target") && err.contains("must be above 0"),
        "{err}"
    );
}

/// "Faster auto scaling with high-resolution metrics" (Amazon ECS Developer
/// Guide): ECSServiceAverageCPUUtilizationHighResolution is CPU utilization
/// at 20-second resolution, and target tracking acts on it; AWS measured a
/// load step triggering scale-out after ~86 s instead of ~363 s with the
/// 1-minute metric. Demand triples at 1h (3600 s) against 2 tasks of 100
/// rps at a 50% CPU target.
///
/// 1-minute metric: the datapoints of minutes 60, 61, 62 breach; the last
/// is visible at 63 min + 60 s publication delay, so target tracking's
/// 3-datapoint alarm first fires at 64 min: 240 s after the step.
///
/// 20-second metric: the periods starting 3600, 3620 and 3640 s breach
/// (tasks still at 2: CPU 300 / 200 capped at 100%); the last ends at
/// 3660 s and is visible 20 s later (the default
/// high_resolution_publication_delay), so the alarm fires at the 20-second
/// evaluation at 3680 s: 80 s after the step. Both ask for the proportional
/// ceil(2 × 100% / 50%) = 4 tasks.
///
/// Then, 20-second only: the 4 tasks run at once (no provisioning or
/// start-up time), so the period from 3700 s reads 300 / 400 = 75%; visible
/// at 3740 s with 3660 and 3680 still breaching, it asks ceil(4 × 75 / 50) =
/// 6 (300 / 600 = 50% is not above target: no more). At 3h (10800 s) demand
/// falls to 100 rps, 17% < 45% (90% of target): the 15th low period starts
/// 11080 s and is visible at 11120 s, when it scales in to
/// ceil(6 × 16.7 / 50) = 2 (15 datapoints of 20 s, where the 1-minute
/// metric needs 15 minutes: 196 min or later above).
#[test]
fn high_resolution_metric_scales_out_within_two_minutes_of_a_step() {
    let first = |metric: &str| {
        let rec = run_scaling(&scenario(
            &format!("min_capacity = 1\nmax_capacity = 10\ntarget = 50\nmetric = \"{metric}\""),
            STEP_DEMAND,
        ));
        let d = rec.decisions[0].clone();
        assert_eq!(d.policy, "target_tracking");
        assert_eq!(d.metric.unwrap().name(), metric);
        (d.time, d.from, d.to, rec)
    };
    let step = 60 * MINUTE;
    let (minute_at, from, to, _) = first("ECSServiceAverageCPUUtilization");
    assert_eq!(minute_at - step, 240_000);
    assert!(minute_at - step > 2 * MINUTE);
    assert_eq!((from, to), (2, 4));
    let (fine_at, from, to, rec) = first("ECSServiceAverageCPUUtilizationHighResolution");
    assert_eq!(fine_at - step, 80_000);
    assert!(fine_at - step < 2 * MINUTE);
    assert_eq!((from, to), (2, 4));
    let all: Vec<(u64, u32, u32)> = rec
        .decisions
        .iter()
        .map(|d| (d.time, d.from, d.to))
        .collect();
    assert_eq!(
        all,
        [(3_680_000, 2, 4), (3_740_000, 4, 6), (11_120_000, 6, 2)]
    );
    assert!(
        rec.decisions[0].reason.contains("for 3 datapoints of 20 s"),
        "{}",
        rec.decisions[0].reason
    );
    // The 20-second datapoints' own delay sets the time: two periods
    // (40 s) move the first decision one period later, to 100 s after the
    // step; the 1-minute delay (5 minutes here) plays no part.
    let later = run_scaling(&scenario(
        "min_capacity = 1\nmax_capacity = 10\ntarget = 50\nmetric = \"ECSServiceAverageCPUUtilizationHighResolution\"\nhigh_resolution_publication_delay = \"40s\"\npublication_delay = \"5m\"",
        STEP_DEMAND,
    ));
    assert_eq!(later.decisions[0].time - step, 100_000);
}

/// The two HighResolution names are accepted as target tracking metrics; an
/// unknown name is still refused and the message lists them; a step policy
/// cannot use them (AWS lists them as target tracking's predefined metric
/// types; a step alarm here reads 1-minute datapoints); a 20-second delay
/// with no 20-second metric is said to do nothing.
#[test]
fn high_resolution_metric_names_are_validated() {
    let auto = |extra: &str| {
        scenario(
            &format!("min_capacity = 1\nmax_capacity = 10\n{extra}"),
            STEP_DEMAND,
        )
    };
    for m in [
        "ECSServiceAverageCPUUtilizationHighResolution",
        "ECSServiceAverageMemoryUtilizationHighResolution",
    ] {
        let (code, err) = validate(&auto(&format!("target = 50\nmetric = \"{m}\"")));
        assert_eq!(code, Some(0), "{m}: {err}");
        let step = format!(
            "step_scaling = [{{ metric = \"{m}\", comparison = \">\", threshold = 80, steps = [{{ lower = 0, adjustment = 1 }}] }}]"
        );
        let (code, err) = validate(&auto(&step));
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains("services[0].autoscaling.step_scaling[0].metric")
                && err.contains("is a target tracking metric")
                && err.contains(&format!("use {}", m.trim_end_matches("HighResolution"))),
            "{err}"
        );
    }
    let (code, err) = validate(&auto(
        "target = 50\nmetric = \"ECSServiceAverageCPUUtilizationHighRes\"",
    ));
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("services[0].autoscaling.metric")
            && err.contains("unknown metric \"ECSServiceAverageCPUUtilizationHighRes\"")
            && err.contains("ECSServiceAverageMemoryUtilizationHighResolution"),
        "{err}"
    );
    let (code, err) = validate(&auto(
        "target = 50\nhigh_resolution_publication_delay = \"30s\"",
    ));
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("high_resolution_publication_delay: no effect"),
        "{err}"
    );
}
