//! Placement strategies, constraints and the cluster query language checked
//! against documented Amazon ECS behaviour. Every test cites the AWS page it
//! follows. Whole simulations placing services: tests/placement_end_to_end.rs.

use ecsim::engine::{RngStreams, SimRng};
use ecsim::model::{Arch, Cluster, Group, InstanceStatus, Owner, Task, TaskState};
use ecsim::placement::query::Expr;
use ecsim::placement::{
    Constraint, InstanceFacts, Request, Resource, SpreadField, Strategy, choose, choose_to_stop,
};
use std::path::Path;

const WEB: u32 = 0;
const DB: u32 = 1;
const AZ: &str = "ecs.availability-zone";

fn az_spread() -> Strategy {
    Strategy::Spread(SpreadField::Attribute(AZ.into()))
}

fn rng(name: &str) -> SimRng {
    RngStreams::new(1).stream(name)
}

/// A cluster over zones us-east-1a/b/c with task groups `service:web` (WEB)
/// and `service:db` (DB). One instance group per line: `type count zones
/// [key=value ...]`, zones as letters (`ab` = 1a and 1b); `mem=N` sets the
/// registered memory, any other key is a custom attribute.
fn cluster(spec: &str) -> Cluster {
    let mut text = String::from(
        "name = \"t\"\n[cluster]\navailability_zones = [\"us-east-1a\", \"us-east-1b\", \"us-east-1c\"]\n",
    );
    let lines = spec.lines().map(str::trim).filter(|l| !l.is_empty());
    for (n, line) in lines.enumerate() {
        let w: Vec<&str> = line.split_whitespace().collect();
        let azs: Vec<String> = w[2].chars().map(|z| format!("\"us-east-1{z}\"")).collect();
        text += &format!(
            "[[instance_groups]]\nname = \"g{n}\"\ninstance_type = \"{}\"\ncount = {}\n",
            w[0], w[1]
        );
        text += &format!("availability_zones = [{}]\n", azs.join(", "));
        let mut attrs = Vec::new();
        for (k, v) in w[3..].iter().filter_map(|kv| kv.split_once('=')) {
            match k {
                "mem" => text += &format!("registered_memory_mib = {v}\n"),
                _ => attrs.push(format!("{k} = \"{v}\"")),
            }
        }
        text += &format!("attributes = {{ {} }}\n", attrs.join(", "));
    }
    let mut c = ecsim::scenario::parse(Path::new("t.toml"), &text)
        .unwrap_or_else(|e| panic!("{e}"))
        .cluster;
    for name in ["service:web", "service:db"] {
        let name = name.into();
        c.groups.push(Group::named(name));
    }
    c
}

/// Books a RUNNING task of `group` on instance `inst`, as the scheduler does.
fn place(c: &mut Cluster, inst: u32, group: u32, cpu: u32, mem: u32, ports: &[u16]) -> u32 {
    let serial = c.tasks.len() as u64 + 1;
    let key = c.tasks.insert(Task {
        serial,
        owner: Owner::Service(0),
        group,
        taskdef: 0,
        capacity: ecsim::model::Capacity::Ec2,
        share: 0,
        asg: None,
        state: TaskState::Running,
        instance: Some(inst),
        az: None,
        target_instance: None,
        desired_running: true,
        created: 0,
        placed: Some(0),
        started: Some(0),
        stopped: None,
        stop_reason: None,
        timer: None,
        fault_timer: None,
        run_for: None,
        killed: false,
        failing_health: false,
    });
    c.instances[inst as usize].reserve(0, key, cpu, mem, ports);
    c.used_cpu += u64::from(cpu);
    c.used_memory += u64::from(mem);
    c.join_group(group, inst);
    key
}

fn req<'a>(cpu: u32, mem: u32, g: u32, cs: &'a [Constraint], ss: &'a [Strategy]) -> Request<'a> {
    let (ports, arch, only_instance) = (&[][..], None, None);
    let (constraints, strategies) = ([cs, &[]], ss);
    Request {
        cpu,
        memory: mem,
        ports,
        enis: 0,
        gpus: 0,
        arch,
        group: g,
        constraints,
        strategies,
        only_instance,
        instance_group: None,
    }
}

/// A 256 CPU / 512 MiB web task with no constraints.
fn web(ss: &[Strategy]) -> Request<'_> {
    req(256, 512, WEB, &[], ss)
}

fn member_of(expr: &str) -> [Constraint; 1] {
    [Constraint::MemberOf(Box::new(Expr::parse(expr).unwrap()))]
}

/// Books `n` 256 CPU / 512 MiB tasks of `group` on `inst`.
fn fill(c: &mut Cluster, inst: u32, group: u32, n: u32) {
    for _ in 0..n {
        place(c, inst, group, 256, 512, &[]);
    }
}

/// Chooses an instance for a task and books it there; panics if none fits.
fn place_next(c: &mut Cluster, r: &Request, rng: &mut SimRng) -> u32 {
    let i = choose(c, r, rng).expect("a task that fits must be placed");
    place(c, i, r.group, r.cpu, r.memory, r.ports);
    i
}

/// Tasks of `group` per zone, in zone order.
fn per_az(c: &Cluster, group: u32) -> Vec<u32> {
    let mut m = vec![0; c.azs.len()];
    for (i, n) in c.groups[group as usize].per_instance() {
        m[c.instances[i as usize].az as usize] += n;
    }
    m
}

/// 0 = m5.large (2048 CPU, 8000 MiB), 1 = m5.xlarge (4096, 16000),
/// 2 = m5.2xlarge (8192, 32000), all in us-east-1a.
fn three_sizes() -> Cluster {
    cluster("m5.large 1 a mem=8000\n m5.xlarge 1 a mem=16000\n m5.2xlarge 1 a mem=32000")
}

/// "Use strategies to define Amazon ECS task placement" (binpack):
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement-strategies.html
/// Tasks go to the instance with the least remaining amount of the chosen
/// resource that can still run the task; the other resource is irrelevant.
#[test]
fn binpack_cpu_and_memory_pick_least_remaining_that_fits() {
    let mut c = three_sizes();
    // The large instance keeps the most CPU but the least memory.
    place(&mut c, 2, DB, 1024, 28_000, &[]);
    let cpu = [Strategy::Binpack(Resource::Cpu)];
    let mem = [Strategy::Binpack(Resource::Memory)];
    let mut r = rng("binpack");
    for _ in 0..20 {
        assert_eq!(choose(&c, &req(512, 512, WEB, &[], &cpu), &mut r), Some(0));
        assert_eq!(choose(&c, &req(512, 512, WEB, &[], &mem), &mut r), Some(2));
        // Does not fit the fullest instance: next-least remaining wins.
        assert_eq!(choose(&c, &req(3000, 512, WEB, &[], &cpu), &mut r), Some(1));
        assert_eq!(choose(&c, &req(512, 6000, WEB, &[], &mem), &mut r), Some(0));
        // Exactly filling an instance is a fit.
        assert_eq!(choose(&c, &req(2048, 512, WEB, &[], &cpu), &mut r), Some(0));
        assert_eq!(choose(&c, &req(512, 4000, WEB, &[], &mem), &mut r), Some(2));
    }
}

/// "Use strategies to define Amazon ECS task placement" (binpack minimises the
/// number of instances in use):
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement-strategies.html
#[test]
fn binpack_fills_one_instance_before_the_next() {
    let mut c = cluster("m5.large 3 a");
    let s = [Strategy::Binpack(Resource::Cpu)];
    let mut r = rng("fill");
    let picks: Vec<u32> = (0..8)
        .map(|_| place_next(&mut c, &req(512, 1000, WEB, &[], &s), &mut r))
        .collect();
    assert!(picks[..4].iter().all(|&p| p == picks[0]), "{picks:?}");
    let second = |&p: &u32| p == picks[4] && p != picks[0];
    assert!(picks[4..].iter().all(second), "{picks:?}");
    assert_eq!(c.instances.iter().filter(|i| i.tasks.is_empty()).count(), 1);
}

/// "Use strategies to define Amazon ECS task placement" (spread on
/// attribute:ecs.availability-zone; service tasks counted per service):
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement-strategies.html
#[test]
fn spread_az_evens_tasks_across_zones_whatever_the_instance_counts() {
    let mut c = cluster("m5.xlarge 2 a\n m5.xlarge 1 b\n m5.xlarge 3 c");
    // Two web tasks already in 1a, and db tasks (another group) in 1b that
    // must not count against web.
    place(&mut c, 0, WEB, 256, 512, &[]);
    place(&mut c, 1, WEB, 256, 512, &[]);
    fill(&mut c, 2, DB, 5);
    let s = [az_spread()];
    let mut r = rng("spread-az");
    for _ in 0..4 {
        let i = place_next(&mut c, &web(&s), &mut r);
        assert_ne!(c.instances[i as usize].attributes[AZ], "us-east-1a");
    }
    assert_eq!(per_az(&c, WEB), [2, 2, 2]);
    for _ in 0..9 {
        place_next(&mut c, &web(&s), &mut r);
    }
    assert_eq!(per_az(&c, WEB), [5, 5, 5]);
}

/// "Use strategies to define Amazon ECS task placement" (spread on instanceId):
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement-strategies.html
#[test]
fn spread_instance_id_evens_tasks_across_instances() {
    let mut c = cluster("m5.xlarge 4 ab");
    fill(&mut c, 0, WEB, 3);
    let s = [Strategy::Spread(SpreadField::InstanceId)];
    let mut r = rng("spread-id");
    let first: Vec<u32> = (0..3)
        .map(|_| place_next(&mut c, &web(&s), &mut r))
        .collect();
    let mut sorted = first.clone();
    sorted.sort();
    assert_eq!(sorted, [1, 2, 3], "0 already has 3 tasks: {first:?}");
    for _ in 0..7 {
        place_next(&mut c, &web(&s), &mut r);
    }
    // 3 + 3 + 7 = 13 tasks over 4 instances: three with 3, one with 4.
    let mut counts: Vec<u32> = (0..4)
        .map(|i| c.groups[WEB as usize].on_instance(i))
        .collect();
    counts.sort();
    assert_eq!(counts, [3, 3, 3, 4]);
}

/// "Use strategies to define Amazon ECS task placement" (strategies chained in
/// order, e.g. spread by zone then binpack memory) and "Amazon ECS task
/// placement": https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement-strategies.html
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement.html
#[test]
fn chained_spread_then_binpack_breaks_ties_only_inside_the_best_zone() {
    let mut c = cluster("m5.xlarge 1 a\n m5.xlarge 2 b\n m5.xlarge 1 c");
    // 0 = 1a, 1 and 2 = 1b, 3 = 1c. Web has one task in 1a and one in 1c.
    place(&mut c, 0, WEB, 256, 512, &[]);
    place(&mut c, 3, WEB, 256, 512, &[]);
    // Instance 3 (1c) is the fullest overall, instance 2 the fullest in 1b.
    place(&mut c, 3, DB, 256, 14_000, &[]);
    place(&mut c, 2, DB, 256, 8_000, &[]);
    let mut r = rng("chain");
    let binpack = [Strategy::Binpack(Resource::Memory)];
    assert_eq!(choose(&c, &web(&binpack), &mut r), Some(3));
    let chained = [az_spread(), Strategy::Binpack(Resource::Memory)];
    for _ in 0..20 {
        assert_eq!(choose(&c, &web(&chained), &mut r), Some(2));
    }
}

/// "Use strategies to define Amazon ECS task placement" (random: tasks placed
/// randomly among eligible instances) and "Amazon ECS task placement" (only
/// instances meeting resources and constraints are considered):
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement-strategies.html
#[test]
fn random_picks_every_eligible_instance_and_no_other() {
    let mut c = cluster("m5.large 5 ab");
    place(&mut c, 3, DB, 2048, 512, &[]); // no CPU left on instance 3
    let cons = member_of(&format!("not(ec2InstanceId == {})", c.instances[4].id));
    let s = [Strategy::Random];
    let mut r = RngStreams::new(1).stream("x");
    let mut hits = [0u32; 5];
    for _ in 0..600 {
        hits[choose(&c, &req(512, 512, WEB, &cons, &s), &mut r).unwrap() as usize] += 1;
    }
    assert!(hits[..3].iter().all(|&h| h >= 120), "uneven: {hits:?}");
    assert_eq!(hits[3..], [0, 0]);
}

/// "PlacementConstraint" API reference (distinctInstance: each task in a
/// particular group on a different instance) and "Group related Amazon ECS
/// tasks": https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_PlacementConstraint.html
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-groups.html
#[test]
fn distinct_instance_separates_a_group_but_not_other_groups() {
    let mut c = cluster("m5.xlarge 3 a");
    let distinct = [Constraint::DistinctInstance];
    // Binpack alone would stack every task on one instance.
    let s = [Strategy::Binpack(Resource::Memory)];
    let mut r = rng("distinct");
    let mut used: Vec<u32> = (0..3)
        .map(|_| place_next(&mut c, &req(256, 512, WEB, &distinct, &s), &mut r))
        .collect();
    used.sort();
    assert_eq!(used, [0, 1, 2]);
    assert_eq!(choose(&c, &req(256, 512, WEB, &distinct, &s), &mut r), None);
    // Another group with the same constraint is not blocked by web's tasks.
    let db = place_next(&mut c, &req(256, 512, DB, &distinct, &s), &mut r);
    let next_db = choose(&c, &req(256, 512, DB, &distinct, &s), &mut r);
    assert!(next_db.is_some() && next_db != Some(db));
    // Without the constraint, web may share again.
    assert!(choose(&c, &web(&s), &mut r).is_some());
}

/// 0: m5.large 1a stack=prod, 1: m5.xlarge 1b stack=prod, 2: c5.large 1b
/// stack=dev, 3: t3.large 1c (no stack), 4: m6g.large 1c stack=dev.
fn varied() -> Cluster {
    cluster(
        "m5.large 1 a stack=prod\n m5.xlarge 1 b stack=prod\n c5.large 1 b stack=dev\n t3.large 1 c\n m6g.large 1 c stack=dev",
    )
}

/// Lines of `left | a; b` (or `left | a b`): left trimmed, right split.
fn table(text: &str) -> Vec<(&str, Vec<&str>)> {
    let mut out = Vec::new();
    for (left, right) in text.lines().filter_map(|l| l.rsplit_once('|')) {
        let sep = if right.contains(';') { ';' } else { ' ' };
        let words = right.split(sep).map(str::trim).filter(|w| !w.is_empty());
        out.push((left.trim(), words.collect()));
    }
    out
}

fn matching(c: &Cluster, expr: &str) -> Vec<u32> {
    let e = Expr::parse(expr).unwrap_or_else(|err| panic!("`{expr}` should parse: {err}"));
    (0..c.instances.len() as u32)
        .filter(|&i| {
            e.eval(&InstanceFacts {
                cluster: c,
                instance: &c.instances[i as usize],
            })
        })
        .collect()
}

/// "Cluster query language" (subjects, operators and their word aliases,
/// lists with bare or quoted values, Java regular expressions, compound
/// expressions with and/&&, or/||, not/! and parentheses):
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-query-language.html
#[test]
fn member_of_expressions_select_the_documented_instances() {
    let c = varied();
    // expression | instances it selects
    let cases = r#"
        attribute:ecs.instance-type =~ m5.*                                 | 0 1
        attribute:ecs.instance-type matches m5.*                            | 0 1
        attribute:ecs.instance-type !~ m5.*                                 | 2 3 4
        attribute:ecs.instance-type not_matches m5.*                        | 2 3 4
        attribute:ecs.instance-type =~ '.*\.large'                          | 0 2 3 4
        attribute:ecs.instance-type =~ m[56].*                              | 0 1 4
        attribute:ecs.instance-type =~ (m5|c5)\.large                       | 0 2
        (attribute:ecs.instance-type =~ m5.*) and attribute:stack == prod   | 0 1
        attribute:ecs.instance-type == t3.large                             | 3
        attribute:ecs.instance-type equals t3.large                         | 3
        attribute:ecs.instance-type != t3.large                             | 0 1 2 4
        attribute:ecs.instance-type not_equals t3.large                     | 0 1 2 4
        attribute:ecs.availability-zone in [us-east-1a, us-east-1b]         | 0 1 2
        attribute:ecs.availability-zone in ['us-east-1a', "us-east-1c"]     | 0 3 4
        attribute:ecs.availability-zone not_in [us-east-1a, us-east-1b]     | 3 4
        attribute:ecs.availability-zone !in [us-east-1a]                    | 1 2 3 4
        attribute:ecs.cpu-architecture == arm64                             | 4
        attribute:stack exists                                              | 0 1 2 4
        attribute:stack !exists                                             | 3
        attribute:stack not_exists                                          | 3
        not(attribute:stack == prod)                                        | 2 3 4
        !(attribute:stack == prod)                                          | 2 3 4
        attribute:stack == prod and attribute:ecs.availability-zone == us-east-1b | 1
        attribute:stack == prod && attribute:ecs.availability-zone == us-east-1b  | 1
        attribute:stack == dev or attribute:stack !exists                   | 2 3 4
        attribute:stack == dev || attribute:stack !exists                   | 2 3 4
        (attribute:stack == dev or attribute:stack == prod) and attribute:ecs.availability-zone == us-east-1c | 4
        attribute:stack == dev or (attribute:stack == prod and attribute:ecs.availability-zone == us-east-1c) | 2 4
        runningTasksCount == 0                                              | 0 1 2 3 4
        agentConnected == true                                              | 0 1 2 3 4
    "#;
    for (expr, want) in table(cases) {
        let want: Vec<u32> = want.iter().map(|n| n.parse().unwrap()).collect();
        assert_eq!(matching(&c, expr), want, "{expr}");
    }
    let id = |i: usize| &c.instances[i].id;
    let ids = format!("ec2InstanceId in ['{}', \"{}\"]", id(1), id(3));
    assert_eq!(matching(&c, &ids), [1, 3]);
    let bare = format!("ec2InstanceId in [{}, {}]", id(0), id(4));
    assert_eq!(matching(&c, &bare), [0, 4]);
}

/// "Cluster query language" (runningTasksCount and task:group subjects, e.g.
/// `task:group == service:production`) and "Group related Amazon ECS tasks":
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-query-language.html
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-groups.html
#[test]
fn member_of_running_tasks_and_task_group_follow_placed_tasks() {
    let mut c = varied();
    place(&mut c, 1, WEB, 256, 512, &[]);
    place(&mut c, 2, DB, 256, 512, &[]);
    place(&mut c, 2, DB, 256, 512, &[]);
    assert_eq!(matching(&c, "runningTasksCount == 0"), [0, 3, 4]);
    assert_eq!(matching(&c, "runningTasksCount > 1"), [2]);
    assert_eq!(matching(&c, "task:group == service:web"), [1]);
    assert_eq!(matching(&c, "task:group != service:web"), [0, 2, 3, 4]);
    assert_eq!(matching(&c, "not(task:group == service:db)"), [0, 1, 3, 4]);
    assert_eq!(
        matching(&c, "task:group in [service:web, service:db]"),
        [1, 2]
    );
    // Co-locate with web through choose: only instance 1 qualifies.
    let cons = member_of("task:group == service:web");
    let mut r = rng("affinity");
    for _ in 0..10 {
        let db = req(256, 512, DB, &cons, &[Strategy::Random]);
        assert_eq!(choose(&c, &db, &mut r), Some(1));
    }
}

/// "Cluster query language" (syntax `subject operator [argument]`, the listed
/// subjects, Java regular expressions, parentheses for precedence):
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-query-language.html
#[test]
fn malformed_expressions_are_rejected_with_a_helpful_message() {
    // expression | words the error must contain
    let cases = r#"
        instanceType == m5.large                                | unknown subject; instanceType; attribute:NAME
        attribute:stack                                         | expected an operator
        attribute:stack prod                                    | expected an operator
        attribute:ecs.instance-type =~ '*m5'                    | invalid pattern; *m5
        attribute:ecs.instance-type =~ m5[                      | invalid pattern; m5[
        attribute:ecs.instance-type =~                          | expected a pattern
        (attribute:stack exists                                 | expected `)`
        attribute:stack exists)                                 | unexpected text
        attribute:ecs.availability-zone in [us-east-1a, b       | `]`
        attribute:ecs.availability-zone in us-east-1a           | list
        attribute:stack ==                                      | expected a value
        attribute: == x                                         | attribute name missing
        task:group exists                                       | task:group supports only
        attribute:stack == prod and                             | expected a subject
    "#;
    for (expr, needles) in table(cases) {
        let err = Expr::parse(expr)
            .err()
            .unwrap_or_else(|| panic!("`{expr}` should not parse"));
        for n in needles {
            assert!(err.contains(n), "error for `{expr}` lacks `{n}`: {err}");
        }
        assert!(err.contains("at character"), "no position: {err}");
    }
}

/// "Amazon ECS task placement" (first keep instances that satisfy the task's
/// CPU, memory and port needs; constraints can block placement entirely):
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement.html
#[test]
fn instances_without_room_ports_or_arch_are_filtered_out() {
    let mut c = varied(); // CPU: 2048, 4096, 2048, 2048, 2048
    let s = [Strategy::Random];
    let mut r = rng("fit");
    let mut seen = |c: &Cluster, rq: &Request| -> Vec<u32> {
        let mut v: Vec<u32> = (0..200).filter_map(|_| choose(c, rq, &mut r)).collect();
        v.sort();
        v.dedup();
        v
    };
    assert_eq!(seen(&c, &req(3000, 512, WEB, &[], &s)), [1]);
    let c5_mem = c.instances[2].memory; // c5.large has the least memory
    assert_eq!(seen(&c, &req(256, c5_mem + 1, WEB, &[], &s)), [0, 1, 3, 4]);
    place(&mut c, 0, DB, 1800, 512, &[80]);
    assert_eq!(seen(&c, &web(&s)), [1, 2, 3, 4], "only 248 CPU left on 0");
    let mut web80 = req(128, 512, WEB, &[], &s);
    web80.ports = &[80];
    assert_eq!(seen(&c, &web80), [1, 2, 3, 4], "port 80 is taken on 0");
    web80.ports = &[8080];
    assert_eq!(seen(&c, &web80), [0, 1, 2, 3, 4]);
    let mut arm = req(128, 512, WEB, &[], &s);
    arm.arch = Some(Arch::Arm64);
    assert_eq!(seen(&c, &arm), [4]);
    arm.arch = Some(Arch::X86_64);
    assert_eq!(seen(&c, &arm), [0, 1, 2, 3]);
    c.instances[1].status = InstanceStatus::Draining;
    assert_eq!(seen(&c, &req(3000, 512, WEB, &[], &s)), Vec::<u32>::new());
    // Nothing fits: no instance is returned, whatever the strategy.
    let bp = Strategy::Binpack(Resource::Cpu);
    for strat in [vec![], vec![Strategy::Random], vec![bp], vec![az_spread()]] {
        let huge = req(100_000, 512, WEB, &[], &strat);
        assert_eq!(choose(&c, &huge, &mut r), None);
        let none = member_of("attribute:stack == qa");
        assert_eq!(
            choose(&c, &req(128, 512, WEB, &none, &strat), &mut rng("none")),
            None
        );
    }
    // A DAEMON task goes to its own instance or nowhere.
    let mut daemon = req(128, 512, WEB, &[], &s);
    daemon.only_instance = Some(3);
    assert_eq!(choose(&c, &daemon, &mut r), Some(3));
    daemon.cpu = 4000;
    assert_eq!(choose(&c, &daemon, &mut r), None);
}

/// "Use strategies to define Amazon ECS task placement" (on scale-in, spread
/// keeps zones balanced and binpack stops the task on the instance left with
/// the most free resource) and "Amazon ECS services" (service scheduler
/// scale-in example: A has 1, B and C have 2, so B or C is optimal):
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement-strategies.html
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs_services.html
#[test]
fn scale_in_runs_the_strategies_in_reverse() {
    let mut c = cluster("m5.xlarge 1 a\n m5.xlarge 2 b\n m5.xlarge 1 c");
    // 1a: 1 task; 1b: 2 on instance 1; 1c: 2 on instance 3.
    let mut tasks = vec![place(&mut c, 0, WEB, 256, 512, &[])];
    for inst in [1, 1, 3, 3] {
        tasks.push(place(&mut c, inst, WEB, 256, 512, &[]));
    }
    let spread = [az_spread()];
    let mut r = rng("stop");
    let mut zones = std::collections::BTreeSet::new();
    for _ in 0..100 {
        let t = choose_to_stop(&c, WEB, &tasks, &spread, &mut r).unwrap();
        assert_ne!(t, tasks[0], "the only task in 1a must not be stopped");
        zones.insert(c.instances[c.tasks[t].instance.unwrap() as usize].attributes[AZ].clone());
    }
    assert_eq!(zones.len(), 2, "1b/1c ties are broken at random: {zones:?}");

    // Spread by zone then instance: in 1b, stop from the instance with more tasks.
    tasks.push(place(&mut c, 2, WEB, 256, 512, &[]));
    tasks.push(place(&mut c, 1, WEB, 256, 512, &[]));
    let default = [az_spread(), Strategy::Spread(SpreadField::InstanceId)];
    for _ in 0..50 {
        let t = choose_to_stop(&c, WEB, &tasks, &default, &mut r).unwrap();
        assert_eq!(c.tasks[t].instance, Some(1));
    }

    // Binpack: stop where the most memory will be free (instance 2 has 1 task).
    let binpack = [Strategy::Binpack(Resource::Memory)];
    place(&mut c, 0, DB, 256, 15_000, &[]);
    for _ in 0..50 {
        let t = choose_to_stop(&c, WEB, &tasks, &binpack, &mut r).unwrap();
        assert_eq!(c.tasks[t].instance, Some(2));
    }
    assert_eq!(choose_to_stop(&c, WEB, &[], &binpack, &mut r), None);
}
