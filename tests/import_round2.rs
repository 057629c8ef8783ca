//! Issue 31, import round 2: the export of a production-like cluster
//! (tests/fixtures/import_prod, written by tests/fixtures/import_prod.py)
//! comes across whole and says nothing untrue: another cluster's Auto
//! Scaling group left out, registered memory as exported, target groups as
//! load balancers, demand inference said, schedules in their time zone, a
//! DRAINING instance starting DRAINING, a truncated page listing said, a
//! mixed-instances group kept whole.

mod common;

use common::{ecsim_in, repo};
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    repo().join("tests/fixtures/import_prod")
}

/// Imports `dir` into `out/prod.toml`: (scenario, stderr).
fn import(dir: &Path, out: &Path) -> (String, String) {
    let o = ecsim_in(
        out,
        &["import", dir.to_str().unwrap(), "--out", "prod.toml"],
    );
    let stderr = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{stderr}");
    (
        std::fs::read_to_string(out.join("prod.toml")).unwrap(),
        stderr,
    )
}

/// A copy of the fixture with `edit` applied, for the cases it lacks.
fn edited(tmp: &Path, edit: impl Fn(&Path)) -> PathBuf {
    let dir = tmp.join("export");
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(fixture()).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    edit(&dir);
    dir
}

/// The `[[instance_groups]]` table of `name`, up to the next blank line.
fn group<'a>(toml: &'a str, name: &str) -> &'a str {
    let at = toml
        .find(&format!("[[instance_groups]]\nname = \"{name}\"\n"))
        .unwrap_or_else(|| panic!("no group {name}:\n{toml}"));
    let rest = &toml[at..];
    &rest[..rest.find("\n\n").unwrap_or(rest.len())]
}

/// The `[[services]]` block of `name`, up to the next service.
fn service<'a>(toml: &'a str, name: &str) -> &'a str {
    let at = toml
        .find(&format!("[[services]]\nname = \"{name}\"\n"))
        .unwrap_or_else(|| panic!("no service {name}"));
    let rest = &toml[at..];
    &rest[..rest[1..].find("[[services]]").map_or(rest.len(), |i| i + 1)]
}

#[test]
fn item1_another_clusters_group_is_neither_simulated_nor_billed() {
    // The export lists every capacity provider of the Region; staging-cp
    // (cluster staging) and its Auto Scaling group are not prod's, and no
    // instance of prod is in that group.
    let tmp = tempfile::tempdir().unwrap();
    let (toml, stderr) = import(&fixture(), tmp.path());
    let groups: Vec<&str> = toml
        .match_indices("[[instance_groups]]\nname = \"")
        .map(|(i, m)| toml[i + m.len()..].split('"').next().unwrap())
        .collect();
    assert_eq!(groups, ["prod-c6g-asg", "prod-m5-asg", "prod-mixed-asg"]);
    assert!(!toml.contains("staging-asg\"\n"), "{toml}");
    assert!(
        stderr.contains("Auto Scaling group staging-asg: behind capacity provider staging-cp, which is not attached to the cluster"),
        "{stderr}"
    );
    // The other clusters' providers in one line, not one each.
    assert!(stderr.contains("capacity providers staging-cp, dev-cp, qa-cp, batch-cp, ml-cp, perf-cp, sandbox-cp: not attached to the cluster; left out"), "{stderr}");
}

#[test]
fn item3_registered_resources_become_the_groups_registered_memory() {
    // "Amazon ECS container instance" registeredResources: what the agent
    // registered, 15,577 MiB on an m5.xlarge, not the modelled 16,046.
    let tmp = tempfile::tempdir().unwrap();
    let (toml, _) = import(&fixture(), tmp.path());
    assert!(
        group(&toml, "prod-m5-asg").contains(
            "registered_memory_mib = 15577  # registeredResources MEMORY (ecsim's model of the type: 16046)"
        ),
        "{toml}"
    );
    assert!(group(&toml, "prod-c6g-asg").contains("registered_memory_mib = 3751 "));
}

#[test]
fn item4_target_groups_give_each_service_its_health_check_and_deregistration_delay() {
    let tmp = tempfile::tempdir().unwrap();
    let (toml, stderr) = import(&fixture(), tmp.path());
    assert!(service(&toml, "web").contains(
        "load_balancer = { healthy_threshold = 3, health_check_interval = \"15s\", deregistration_delay = \"60s\" }"
    ));
    assert!(service(&toml, "api").contains(
        "load_balancer = { healthy_threshold = 2, health_check_interval = \"10s\", deregistration_delay = \"30s\" }"
    ));
    assert!(!service(&toml, "worker").contains("load_balancer"));
    // One ALB behind both: ecsim bills one per service, which is said.
    assert!(
        stderr.contains("services api, web share load balancer app/prod-alb/50dc6c495c0c9188"),
        "{stderr}"
    );
    assert!(
        stderr.contains("UnhealthyThresholdCount 2 and HealthCheckTimeoutSeconds 5 not modelled")
    );

    // Without the attributes output the delay is ELB's default, said.
    let tmp = tempfile::tempdir().unwrap();
    let dir = edited(tmp.path(), |d| {
        std::fs::remove_file(d.join("describe-target-group-attributes-web.json")).unwrap();
    });
    let (toml, stderr) = import(&dir, tmp.path());
    assert!(
        service(&toml, "web")
            .contains("load_balancer = { healthy_threshold = 3, health_check_interval = \"15s\" }")
    );
    assert!(
        stderr.contains("no deregistration_delay.timeout_seconds in the export"),
        "{stderr}"
    );

    // A threshold ELB never allows ("Health checks for Application Load
    // Balancer target groups": 2-10) is an edited file: refused, named.
    let tmp = tempfile::tempdir().unwrap();
    let dir = edited(tmp.path(), |d| {
        let f = d.join("describe-target-groups-api.json");
        let t = std::fs::read_to_string(&f).unwrap();
        std::fs::write(
            &f,
            t.replace(
                "\"HealthyThresholdCount\": 2",
                "\"HealthyThresholdCount\": 11",
            ),
        )
        .unwrap();
    });
    let o = ecsim_in(
        tmp.path(),
        &["import", dir.to_str().unwrap(), "--out", "x.toml"],
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("describe-target-groups-api.json")
            && stderr.contains("TargetGroups[0].HealthyThresholdCount"),
        "{stderr}"
    );
    assert!(!tmp.path().join("x.toml").exists());
}

/// Mean of a written trace's values.
fn mean(path: &Path) -> f64 {
    let mut r = csv::Reader::from_path(path).unwrap();
    let v: Vec<f64> = r
        .records()
        .map(|x| x.unwrap()[1].parse().unwrap())
        .collect();
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn item6_demand_inference_is_said_and_request_policies_scale_on_requests() {
    let tmp = tempfile::tempdir().unwrap();
    let (toml, stderr) = import(&fixture(), tmp.path());
    // No Container Insights: the assumption is on stderr, not only in a comment.
    for svc in ["worker", "web", "api"] {
        assert!(
            stderr.contains(&format!(
                "service {svc}: no RunningTaskCount (Container Insights) in the export"
            )),
            "{svc}: {stderr}"
        );
    }
    // web has RequestCount: its trace is requests, preferred over CPU.
    assert!(toml.contains("# demand of web: the ALB RequestCount of its target group"));
    // api scales on ALBRequestCountPerTarget with no RequestCount data: its
    // demand is derived in requests, so the policy's 600 requests per
    // target per minute holds at the mean (4 tasks now, 10 requests/s each).
    let api = service(&toml, "api");
    assert!(toml.contains(
        "# demand of api: no ALB RequestCount in the export; requests derived from CPUUtilization"
    ));
    assert!(!api.contains("capacity_per_task = 1\n"), "{api}");
    assert!(stderr.contains(
        "service api: no RequestCount in the export for its ALBRequestCountPerTarget policy"
    ));
    let per_target_per_minute = mean(&tmp.path().join("prod/traces/api.csv")) / 4.0 * 60.0;
    assert!(
        (per_target_per_minute - 600.0).abs() < 1.0,
        "{per_target_per_minute}"
    );
    // The worker's CPU policy still reads tasks' worth.
    assert!(service(&toml, "worker").contains("capacity_per_task = 1\n"));
}

/// The `at` of each entry of scheduled action `name`, in order.
fn firings(toml: &str, name: &str) -> Vec<String> {
    let key = format!("# scheduled action {name}:");
    toml.match_indices(&key)
        .map(|(i, _)| {
            let rest = &toml[i..];
            let at = rest.find("\nat = \"").unwrap() + 7;
            rest[at..].split('"').next().unwrap().to_string()
        })
        .collect()
}

#[test]
fn item9_schedules_run_in_their_time_zone_on_their_days() {
    // "Schedule recurring scaling actions using Application Auto Scaling":
    // cron fields read in the action's IANA Timezone; at(…) once. Time 0 is
    // Thursday 2026-10-29 00:00Z; New York leaves daylight saving on
    // Sunday 2026-11-01, so 08:00 there is 12:00Z, then 13:00Z.
    let tmp = tempfile::tempdir().unwrap();
    let (toml, stderr) = import(&fixture(), tmp.path());
    assert_eq!(
        firings(&toml, "worker-weekday-morning"),
        ["12h", "1d12h", "4d13h", "5d13h", "6d13h"] // no Saturday, no Sunday
    );
    assert_eq!(
        firings(&toml, "worker-weekday-evening"),
        ["22h30m", "1d22h30m", "4d23h30m", "5d23h30m", "6d23h30m"]
    );
    assert!(toml.contains("America/New_York, Mon 2026-11-02 08:00 EST"));
    // One-time, 20:00 EST on election day is 01:00Z the next day.
    assert_eq!(firings(&toml, "worker-election-night"), ["6d1h"]);
    // Berlin left summer time on 2026-10-25: 02:00 CET is 01:00Z, daily.
    assert_eq!(firings(&toml, "web-nightly-floor").len(), 7);
    assert_eq!(firings(&toml, "web-nightly-floor")[0], "1h");
    // An at(…) before the traces is said, not placed at time 0.
    assert!(firings(&toml, "worker-summer-sale").is_empty());
    assert!(stderr.contains("worker-summer-sale (at(2026-07-01T06:00:00) in America/New_York) ran at Wed 2026-07-01 06:00 EDT, before time 0"), "{stderr}");
    assert!(!stderr.contains("day-of-week"), "{stderr}");
    // The scenario loads with them.
    let o = ecsim_in(tmp.path(), &["validate", "prod.toml"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn item13_a_capacity_provider_page_missing_is_said_as_a_truncated_export() {
    // "DescribeCapacityProviders" (ECS API Reference): 10 results a page and
    // a nextToken while more follow; the AWS CLI does not page it itself.
    let tmp = tempfile::tempdir().unwrap();
    let (toml, stderr) = import(&fixture(), tmp.path());
    assert!(
        !stderr.contains("nextToken"),
        "both pages are there: {stderr}"
    );
    assert!(toml.contains("name = \"prod-c6g-cp\""));

    let tmp = tempfile::tempdir().unwrap();
    let dir = edited(tmp.path(), |d| {
        std::fs::remove_file(d.join("describe-capacity-providers-2.json")).unwrap();
    });
    let (toml, stderr) = import(&dir, tmp.path());
    assert!(
        stderr.contains("describe-capacity-providers.json: `aws ecs describe-capacity-providers` printed a nextToken and no later page of it is in the folder: the export is truncated"),
        "{stderr}"
    );
    assert!(
        stderr.contains("service api: capacity provider prod-c6g-cp is in no describe-capacity-providers output, and")
            && stderr.contains("ends with a nextToken: it is on a page the export lacks; service left out"),
        "{stderr}"
    );
    assert!(!toml.contains("name = \"api\""));
}

#[test]
fn item7_a_draining_instance_starts_draining() {
    // "Draining Amazon ECS container instances": a DRAINING instance gets
    // no new task and the service scheduler replaces its service tasks.
    let tmp = tempfile::tempdir().unwrap();
    let (toml, stderr) = import(&fixture(), tmp.path());
    assert!(
        group(&toml, "prod-m5-asg").contains("draining_instances = [3]"),
        "{toml}"
    );
    assert!(!stderr.contains("starts ACTIVE"), "{stderr}");
    assert!(
        stderr.contains("container instance i-0a00000000000m504 is DRAINING: it starts DRAINING")
    );
    let o = ecsim_in(tmp.path(), &["run", "prod.toml", "--out", "res", "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut r = csv::Reader::from_path(tmp.path().join("res/instances.csv")).unwrap();
    let head = r.headers().unwrap().clone();
    let col = |n: &str| head.iter().position(|h| h == n).unwrap();
    let m5: Vec<csv::StringRecord> = r
        .records()
        .map(Result::unwrap)
        .filter(|x| &x[col("group")] == "prod-m5-asg" && &x[col("launched_s")] == "0.000")
        .collect();
    assert_eq!(m5.len(), 4);
    assert_eq!(&m5[3][col("status")], "DRAINING");
    assert_eq!(&m5[3][col("tasks_placed")], "0");
    assert!(m5[..3].iter().all(|x| &x[col("status")] == "ACTIVE"));
}

#[test]
fn draining_instances_outside_the_group_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("s.toml"),
        "name = \"d\"\nduration = \"1h\"\n[cluster]\navailability_zones = [\"us-east-1a\"]\n\
         [[instance_groups]]\nname = \"g\"\ninstance_type = \"m5.large\"\ncount = 2\ndraining_instances = [2]\n",
    )
    .unwrap();
    let o = ecsim_in(tmp.path(), &["validate", "s.toml"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("instance_groups[0].draining_instances[0]") && stderr.contains("at most 1"),
        "{stderr}"
    );
}

/// Item 11: a MixedInstancesPolicy group (describe-auto-scaling-groups as
/// botocore's autoscaling model shapes it) imports as one group with its
/// overrides in order and its InstancesDistribution, not flattened to the
/// first type all On-Demand. Before: `instance_type = "m5.xlarge"`, one
/// `registered_memory_mib`, and notes that 1 of 3 instances was another
/// type and the Spot share was modelled On-Demand.
#[test]
fn item11_a_mixed_instances_group_keeps_its_types_and_split() {
    let tmp = tempfile::tempdir().unwrap();
    let (toml, stderr) = import(&fixture(), tmp.path());
    let g = group(&toml, "prod-mixed-asg");
    for want in [
        "instance_types = [\"m5.xlarge\", \"m6i.xlarge\", \"m5a.xlarge\", \"m6a.xlarge\"]",
        "on_demand_base_capacity = 1\non_demand_percentage_above_base_capacity = 25\nspot_allocation_strategy = \"price-capacity-optimized\"\non_demand_allocation_strategy = \"prioritized\"",
    ] {
        assert!(g.contains(want), "want {want} in\n{g}");
    }
    assert!(
        !g.contains("instance_type =") && !g.contains("market"),
        "{g}"
    );
    // Registered memory per type, as each type's instances registered it.
    assert!(
        toml.contains("[[instance_types]]\nname = \"m5a.xlarge\"\nregistered_memory_mib = 15623 "),
        "{toml}"
    );
    assert!(
        !stderr.contains("prod-mixed-asg: mixes On-Demand"),
        "{stderr}"
    );
    assert!(!stderr.contains("are not m5.xlarge"), "{stderr}");
    // Base 1 + ⌈25 % of 2⌉ = 2 On-Demand of the first override
    // (prioritized), 1 Spot of the cheapest pool (m5a.xlarge): the
    // instances the export shows, in their zones.
    let o = ecsim_in(tmp.path(), &["run", "prod.toml", "--out", "res", "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut r = csv::Reader::from_path(tmp.path().join("res/instances.csv")).unwrap();
    let head = r.headers().unwrap().clone();
    let col = |n: &str| head.iter().position(|h| h == n).unwrap();
    let at0: Vec<(String, String, String, String)> = r
        .records()
        .map(Result::unwrap)
        .filter(|x| &x[col("group")] == "prod-mixed-asg" && &x[col("launched_s")] == "0.000")
        .map(|x| {
            let f = |n: &str| x[col(n)].to_string();
            (
                f("instance_type"),
                f("availability_zone"),
                f("market"),
                f("memory_registered_mib"),
            )
        })
        .collect();
    let row = |t: &str, z: &str, m: &str, mem: &str| (t.into(), z.into(), m.into(), mem.into());
    assert_eq!(
        at0,
        [
            row("m5.xlarge", "us-east-1a", "on-demand", "15577"),
            row("m5.xlarge", "us-east-1b", "on-demand", "15577"),
            row("m5a.xlarge", "us-east-1c", "spot", "15623"),
        ]
    );
}
