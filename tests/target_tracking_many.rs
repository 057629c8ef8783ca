//! Issue 31 item 8: several target tracking policies on one service.
//! "Target tracking scaling policies for Application Auto Scaling": each
//! policy uses a different metric; Application Auto Scaling scales out if
//! any policy is ready to scale out, and scales in only if all policies
//! (with scale-in enabled) are ready to; when they disagree, the policy
//! giving the largest capacity wins. Memory here is 30% idle, 60% busy.

mod common;
#[path = "model/harness.rs"]
mod harness;

use harness::{run, scenario, step_up};

const CPU90: &str = "metric = \"ECSServiceAverageCPUUtilization\"\ntarget = 90\n";

fn with(flat: &str, more: &str) -> String {
    format!("min_capacity = 1\nmax_capacity = 20\n{flat}{more}")
}

fn memory(target: u32, extra: &str) -> String {
    format!(
        "\n[[services.autoscaling.target_tracking]]\nname = \"mem\"\nmetric = \"ECSServiceAverageMemoryUtilization\"\ntarget = {target}\n{extra}"
    )
}

/// 150 rps on 2 tasks from 1h: CPU 75% (under the CPU policy's 90) and
/// memory 52.5% (over the memory policy's 50). The memory policy alone
/// asks: ceil(2 × 52.5 / 50) = 3 at minute 64 (its three datapoints).
#[test]
fn any_policy_scales_out() {
    let alone = run(&scenario(2, &step_up(150), &with(CPU90, "")));
    assert!(alone.decisions.is_empty(), "{:?}", alone.moves());
    let both = run(&scenario(2, &step_up(150), &with(CPU90, &memory(50, ""))));
    assert_eq!(both.moves()[0], (64, 2, 3), "{:?}", both.moves());
}

/// 10 tasks, 100 rps: CPU 10%, memory 33%. The CPU policy (target 50)
/// alone scales in to ceil(10 × 10 / 50) = 2 once its 15 low datapoints
/// are visible (minute 16). With a memory policy at 40 (33 < 36, 90% of
/// it) both are ready; the larger ask wins: ceil(10 × 33 / 40) = 9. With
/// the memory policy at 35 (33 is not below 31.5) it is not ready, so
/// nothing scales in; with its scale-in disabled, it does not vote.
#[test]
fn scale_in_only_when_all_agree_and_the_largest_wins() {
    let cpu50 = "metric = \"ECSServiceAverageCPUUtilization\"\ntarget = 50\n";
    let flat = r#"{ kind = "constant", value = 100 }"#;
    let alone = run(&scenario(10, flat, &with(cpu50, "")));
    assert_eq!(alone.moves()[0], (16, 10, 2), "{:?}", alone.moves());
    let agree = run(&scenario(10, flat, &with(cpu50, &memory(40, ""))));
    assert_eq!(agree.moves()[0], (16, 10, 9), "{:?}", agree.moves());
    let holds = run(&scenario(10, flat, &with(cpu50, &memory(35, ""))));
    assert!(holds.decisions.is_empty(), "{:?}", holds.moves());
    let no_vote = run(&scenario(
        10,
        flat,
        &with(cpu50, &memory(35, "disable_scale_in = true\n")),
    ));
    assert_eq!(no_vote.moves()[0], (16, 10, 2), "{:?}", no_vote.moves());
}

/// A customized metric ecsim simulates: the load balancer's RequestCount
/// (Sum per minute, every request that arrives). 300 rps is 18,000 a
/// minute; on 2 tasks with a target of 6,000: ceil(2 × 18000 / 6000) = 6.
#[test]
fn a_request_count_policy_tracks_requests_arriving() {
    let rc = "metric = \"RequestCount\"\ntarget = 6000\n";
    let r = run(&scenario(2, &step_up(300), &with(rc, "")));
    assert_eq!(r.moves()[0], (64, 2, 6), "{:?}", r.moves());
}

/// Two policies on one metric are refused, naming the second.
#[test]
fn each_policy_needs_its_own_metric() {
    let tmp = tempfile::tempdir().unwrap();
    let text = scenario(
        2,
        &step_up(300),
        &with(
            CPU90,
            "\n[[services.autoscaling.target_tracking]]\nmetric = \"ECSServiceAverageCPUUtilization\"\ntarget = 50\n",
        ),
    );
    std::fs::write(tmp.path().join("s.toml"), text).unwrap();
    let o = common::ecsim_in(tmp.path(), &["validate", "s.toml"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("autoscaling.target_tracking[0].metric") && err.contains("different metric"),
        "{err}"
    );
}
