//! Issue 31 item 5: a step policy's alarm reads datapoints of its own
//! Period. CloudWatch aggregates the metric over the alarm's Period and
//! compares EvaluationPeriods of them ("PutMetricAlarm": Period,
//! EvaluationPeriods — evaluation periods × period at most 86,400 s); the
//! policy acts when the alarm is in ALARM ("Step scaling policies for
//! Application Auto Scaling").

mod common;
#[path = "model/harness.rs"]
mod harness;

use harness::{run, scenario, step_up};

fn step(extra: &str) -> String {
    format!(
        "min_capacity = 1\nmax_capacity = 10\nstep_scaling = [{{ name = \"cpu-high\", comparison = \">=\", threshold = 75, evaluation_periods = 3{extra}, steps = [{{ lower = 0, adjustment = 2 }}] }}]"
    )
}

/// Demand triples at minute 60 (100% CPU on 2 tasks). With 1-minute
/// periods the datapoints of minutes 60-62 are all visible at minute 64
/// (each a minute after its minute ends); with `period = "300s"` the three
/// 5-minute periods 60-64, 65-69 and 70-74 are, the last at 75 + 1: the
/// scale-out waits 15 minutes of breach, not 3.
#[test]
fn three_periods_of_300_s_wait_fifteen_minutes() {
    let minute = run(&scenario(2, &step_up(300), &step("")));
    assert_eq!(minute.moves()[0], (64, 2, 4), "{:?}", minute.moves());
    let five = run(&scenario(2, &step_up(300), &step(", period = \"300s\"")));
    assert_eq!(five.moves()[0], (76, 2, 4), "{:?}", five.moves());
}

/// A period's datapoint is the Average of its minutes: demand that
/// breaches for 2 minutes of each 5 (100% CPU) and idles the other 3 (50%)
/// averages 70%, under the 75% threshold, so a 5-minute alarm never fires
/// while a 1-minute alarm with 1 evaluation period does.
#[test]
fn a_period_reads_the_average_of_its_minutes() {
    let bursts = r#"{ kind = "constant", value = 100, spikes = [{ at = "1h", duration = "2m", factor = 2, every = "5m" }] }"#;
    let one = "min_capacity = 2\nmax_capacity = 2\nstep_scaling = [{ name = \"b\", comparison = \">=\", threshold = 75, evaluation_periods = 1, steps = [{ lower = 0, adjustment = 2 }] }]";
    // Bounded to 2 tasks, so a breach asks for no change: look at the alarm
    // through a max of 10 instead.
    let one = one.replace("max_capacity = 2", "max_capacity = 10");
    let by_minute = run(&scenario(2, bursts, &one));
    assert!(
        !by_minute.decisions.is_empty(),
        "a 1-minute alarm sees the 100% minutes"
    );
    let five = one.replace(
        "evaluation_periods = 1",
        "evaluation_periods = 1, period = \"5m\"",
    );
    let by_five = run(&scenario(2, bursts, &five));
    assert!(by_five.decisions.is_empty(), "{:?}", by_five.moves());
}

/// The scenario refuses a period ecsim cannot read (not whole minutes) and
/// an alarm looking back more than a day (3 × 12 h), naming the field.
#[test]
fn periods_are_whole_minutes_and_at_most_a_day_in_all() {
    let tmp = tempfile::tempdir().unwrap();
    for (extra, field, words) in [
        (
            ", period = \"90s\"",
            "step_scaling[0].period",
            "whole number of minutes",
        ),
        (
            ", period = \"12h\"",
            "step_scaling[0].evaluation_periods",
            "at most 2",
        ),
    ] {
        let path = tmp.path().join("s.toml");
        std::fs::write(&path, scenario(2, &step_up(300), &step(extra))).unwrap();
        let o = common::ecsim_in(tmp.path(), &["validate", "s.toml"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(field) && err.contains(words), "{err}");
    }
}
