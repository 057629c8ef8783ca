//! Task definitions from describe output, CloudFormation and Terraform
//! wherever a `file` is accepted; the `[[initial_tasks]]` key.

use super::common::{self, ecsim_in};
use super::{fixture, text};
use std::path::Path;

const SCENARIO: &str = r#"
name = "td"
duration = "1h"
[cluster]
availability_zones = ["us-east-1a"]
[[instance_groups]]
name = "g"
instance_type = "m5.large"
count = 1
[[task_definitions]]
FAMILY_LINE
file = "FILE"
EXTRA
[[services]]
name = "s"
task_definition = "web"
desired_count = 1
"#;

/// `ecsim validate` of a scenario whose task definition is `body` in `file`.
fn validate_td(file: &str, body: &str, family: Option<&str>, extra: &str) -> (Option<i32>, String) {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join(file), body).unwrap();
    let sc = SCENARIO
        .replace(
            "FAMILY_LINE",
            &family.map_or(String::new(), |f| format!("family = \"{f}\"")),
        )
        .replace("FILE", file)
        .replace("EXTRA", extra);
    std::fs::write(tmp.path().join("s.toml"), sc).unwrap();
    let o = ecsim_in(tmp.path(), &["validate", "s.toml"]);
    let (out, err) = text(&o);
    (o.status.code(), out + &err)
}

#[test]
fn task_definitions_from_describe_cloudformation_and_terraform() {
    // describe-task-definition output as the CLI prints it (was "family: missing").
    let describe =
        std::fs::read_to_string(fixture().join("describe-task-definition-web.json")).unwrap();
    let (code, out) = validate_td("web.json", &describe, None, "");
    assert_eq!(code, Some(0), "{out}");
    // CloudFormation, YAML with short-form functions, and JSON.
    let yaml = r#"AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Image: { Type: String }
Resources:
  Cluster:
    Type: AWS::ECS::Cluster
  WebTask:
    Type: AWS::ECS::TaskDefinition
    Properties:
      Family: web
      Cpu: "256"
      Memory: "512"
      NetworkMode: awsvpc
      RequiresCompatibilities: [EC2]
      RuntimePlatform: { CpuArchitecture: X86_64, OperatingSystemFamily: LINUX }
      ContainerDefinitions:
        - Name: app
          Image: !Ref Image
          Essential: true
          PortMappings: [{ ContainerPort: 8080 }]
          LogConfiguration:
            LogDriver: awslogs
            Options: { awslogs-group: !Sub "/ecs/${AWS::StackName}" }
"#;
    let (code, out) = validate_td("template.yaml", yaml, None, "");
    assert_eq!(code, Some(0), "{out}");
    let json = r#"{"Resources": {"Web": {"Type": "AWS::ECS::TaskDefinition", "Properties": {
        "Family": "web", "ContainerDefinitions": [{"Name": "app", "Image": "x", "Cpu": 256, "Memory": 512}]}}}}"#;
    let (code, out) = validate_td("template.json", json, None, "");
    assert_eq!(code, Some(0), "{out}");
    // A function where ecsim needs a number names the template's own path.
    let bad = yaml.replace("Cpu: \"256\"", "Cpu: !Ref TaskCpu");
    let (code, out) = validate_td("template.yaml", &bad, None, "");
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains(
            "template.yaml: Resources.WebTask.Properties.Cpu: is a CloudFormation function (Ref)"
        ),
        "{out}"
    );
    let bad = yaml.replace("Memory: \"512\"", "Memory: lots");
    let (code, out) = validate_td("template.yaml", &bad, None, "");
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("Resources.WebTask.Properties.Memory"), "{out}");
    // Two task definitions: the scenario's family picks one.
    let two = yaml.replace("  Cluster:\n    Type: AWS::ECS::Cluster\n", "  Other:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      Family: other\n      ContainerDefinitions: [{ Name: o, Memory: 64 }]\n");
    let (code, out) = validate_td("template.yaml", &two, None, "");
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("holds 2 AWS::ECS::TaskDefinition resources (Other, WebTask)"),
        "{out}"
    );
    let (code, out) = validate_td("template.yaml", &two, Some("web"), "");
    assert_eq!(code, Some(0), "{out}");
    // Terraform: the resource in .tf.json (container_definitions a JSON string) ...
    let tf = r#"{"resource": {"aws_ecs_task_definition": {"web": {
        "family": "web", "cpu": "256", "memory": "512", "network_mode": "bridge",
        "requires_compatibilities": ["EC2"],
        "container_definitions": "[{\"name\": \"app\", \"image\": \"x\", \"essential\": true, \"portMappings\": [{\"containerPort\": 80, \"hostPort\": 8080}]}]",
        "runtime_platform": [{"cpu_architecture": "X86_64", "operating_system_family": "LINUX"}]}}}}"#;
    let (code, out) = validate_td("main.tf.json", tf, None, "");
    assert_eq!(code, Some(0), "{out}");
    // ... and its container_definitions file alone, with the resource's arguments inline.
    let containers =
        r#"[{"name": "app", "image": "x", "cpu": 256, "memory": 512, "essential": true}]"#;
    let (code, out) = validate_td(
        "containers.json",
        containers,
        Some("web"),
        "cpu = 256\nmemory = 512",
    );
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = validate_td("containers.json", containers, None, "");
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("task_definitions[0].family") && out.contains("Terraform"),
        "{out}"
    );
    // Inline settings stay refused beside a complete definition.
    let (code, out) = validate_td("web.json", &describe, None, "cpu = 256");
    assert_eq!(code, Some(2), "{out}");
    // list-task-definitions output is named for what it is.
    let (code, out) = validate_td(
        "list.json",
        r#"{"taskDefinitionArns": ["arn:aws:ecs:us-east-1:1:task-definition/web:1"]}"#,
        None,
        "",
    );
    assert_eq!(code, Some(2), "{out}");
    assert!(out.contains("list-task-definitions"), "{out}");
}

#[test]
fn initial_tasks_key_is_checked() {
    let base = r#"
name = "i"
duration = "10m"
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
desired_count = 3
[[services]]
name = "f"
task_definition = "web"
desired_count = 1
launch_type = "FARGATE"
"#;
    let parse =
        |extra: &str| ecsim::scenario::parse(Path::new("i.toml"), &format!("{base}{extra}"));
    let ok = parse(
        "[[initial_tasks]]\nservice = \"web\"\ninstance_group = \"g\"\ninstance = 1\ncount = 2\n",
    )
    .unwrap();
    assert_eq!(ok.initial_tasks.len(), 1);
    for (extra, path, msg) in [
        (
            "service = \"nope\"\ninstance_group = \"g\"\ninstance = 0",
            "initial_tasks[0].service",
            "unknown service",
        ),
        (
            "service = \"f\"\ninstance_group = \"g\"\ninstance = 0",
            "initial_tasks[0].service",
            "Fargate",
        ),
        (
            "service = \"web\"\ninstance_group = \"h\"\ninstance = 0",
            "initial_tasks[0].instance_group",
            "unknown instance group",
        ),
        (
            "service = \"web\"\ninstance_group = \"g\"\ninstance = 2",
            "initial_tasks[0].instance",
            "0 to 1",
        ),
        (
            "service = \"web\"\ninstance_group = \"g\"\ninstance = 0\ncount = 4",
            "initial_tasks[0].count",
            "above its desired_count 3",
        ),
    ] {
        let e = parse(&format!("[[initial_tasks]]\n{extra}\n")).unwrap_err();
        assert_eq!(e.path, path, "{e}");
        assert!(e.message.contains(msg), "{e}");
    }
    // The tasks run from time 0 on the instance named, the rest start as usual.
    let (o, c, _) = common::run(&format!(
        "{base}[[initial_tasks]]\nservice = \"web\"\ninstance_group = \"g\"\ninstance = 1\ncount = 2\n"
    ));
    assert_eq!((o.initial_tasks_requested, o.initial_tasks_placed), (2, 2));
    let web_at_0 = c
        .tasks
        .iter()
        .filter(|(_, t)| t.started == Some(0) && t.instance == Some(1))
        .count();
    assert_eq!(web_at_0, 2);
}
