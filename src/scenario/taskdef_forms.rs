//! The places users keep task definitions, brought to the one shape ecsim
//! reads (`register-task-definition --cli-input-json`): describe output
//! (`{"taskDefinition": …}`), a CloudFormation template (JSON or YAML,
//! `AWS::ECS::TaskDefinition`, PascalCase), and Terraform
//! (`aws_ecs_task_definition` in `.tf.json`, or its `container_definitions`
//! JSON array alone).

use serde_json::{Map, Value};

/// Where a task definition came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Form {
    Register,
    Describe,
    CloudFormation,
    TerraformResource,
    /// A bare `container_definitions` array: the resource's own arguments
    /// (family, cpu, memory, network mode) come from the scenario.
    TerraformContainers,
}

/// A task definition in register-task-definition shape.
#[derive(Debug)]
pub struct Normalised {
    pub value: Value,
    pub form: Form,
    /// Where in the file the definition sits (`taskDefinition`,
    /// `Resources.Web.Properties`); errors put it before the field path.
    pub prefix: String,
}

impl Normalised {
    /// A field path of the normalised value as the file spells it.
    pub fn file_path(&self, path: &str) -> String {
        let path = match self.form {
            Form::CloudFormation => pascal_path(path),
            // The file is the containerDefinitions array itself.
            Form::TerraformContainers => path
                .strip_prefix("containerDefinitions")
                .unwrap_or(path)
                .trim_start_matches('.')
                .to_string(),
            Form::TerraformResource => terraform_path(path),
            _ => path.to_string(),
        };
        match (self.prefix.is_empty(), path.is_empty()) {
            (true, _) => path,
            (false, true) => self.prefix.clone(),
            (false, false) => format!("{}.{path}", self.prefix),
        }
    }
}

/// Why a task definition could not be read: where in the file (a field
/// path such as `Resources.Web.Properties.Cpu`; empty for the whole file)
/// and what is wrong, for the scenario's `InputError`.
#[derive(Debug, Clone, PartialEq)]
pub struct FormError {
    pub path: String,
    pub message: String,
}

fn fail(path: String, message: String) -> FormError {
    FormError { path, message }
}

const WHAT: &str = "expected a task definition: register-task-definition JSON, describe-task-definition output, a CloudFormation template (JSON or YAML) with an AWS::ECS::TaskDefinition, or Terraform (aws_ecs_task_definition in .tf.json, or its container_definitions array)";

/// Reads any of the forms; `want` (the scenario's `family`) picks one of
/// several definitions in a file.
pub fn normalise(text: &str, want: Option<&str>) -> Result<Normalised, FormError> {
    let t = text.trim_start();
    let doc: Value = if t.starts_with('{') || t.starts_with('[') {
        serde_json::from_str(text).map_err(|e| fail(String::new(), super::json_message(&e)))?
    } else {
        // Capped before parsing: the YAML parser slows down quadratically
        // with nesting (200,000 `[` take minutes).
        check_yaml_depth(text).map_err(|m| fail(String::new(), m))?;
        let y: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
            // One line, as every error is.
            let e = e.to_string().replace('\n', " ");
            fail(String::new(), format!("{WHAT}; as YAML: {e}"))
        })?;
        yaml_to_json(y)
    };
    from_value(doc, want)
}

pub fn from_value(doc: Value, want: Option<&str>) -> Result<Normalised, FormError> {
    let plain = |value, form, prefix: &str| Normalised {
        value,
        form,
        prefix: prefix.to_string(),
    };
    match doc {
        Value::Array(items) => {
            if items
                .iter()
                .all(|c| c.get("name").is_some() || c.get("image").is_some())
            {
                let mut m = Map::new();
                m.insert("containerDefinitions".into(), Value::Array(items));
                Ok(plain(Value::Object(m), Form::TerraformContainers, ""))
            } else {
                pick_describe(items, want, "")
            }
        }
        Value::Object(mut m) => {
            if let Some(td) = m.remove("taskDefinition") {
                if !td.is_object() {
                    return Err(fail("taskDefinition".into(), "must be an object".into()));
                }
                Ok(plain(td, Form::Describe, "taskDefinition"))
            } else if let Some(list) = m.remove("taskDefinitions") {
                match list {
                    Value::Array(items) => pick_describe(items, want, "taskDefinitions"),
                    _ => Err(fail("taskDefinitions".into(), "must be a list".into())),
                }
            } else if let Some(res) = m.remove("Resources") {
                cloudformation(res, want)
            } else if let Some(res) = m.remove("resource") {
                terraform(res, want)
            } else if m.contains_key("taskDefinitionArns") {
                Err(fail(
                    "taskDefinitionArns".into(),
                    "this is list-task-definitions output (names only); save `aws ecs describe-task-definition --task-definition ARN` for each".into(),
                ))
            } else if m.contains_key("AWSTemplateFormatVersion") {
                Err(fail(
                    "Resources".into(),
                    "missing: a CloudFormation template lists its resources under Resources".into(),
                ))
            } else {
                Ok(plain(Value::Object(m), Form::Register, ""))
            }
        }
        _ => Err(fail(String::new(), WHAT.into())),
    }
}

/// One of several definitions (describe outputs, or bare definitions).
fn pick_describe(items: Vec<Value>, want: Option<&str>, at: &str) -> Result<Normalised, FormError> {
    let mut found = Vec::new();
    for (i, it) in items.into_iter().enumerate() {
        let (td, prefix) = match it {
            Value::Object(mut m) if m.contains_key("taskDefinition") => (
                m.remove("taskDefinition").unwrap_or_default(),
                join(at, &format!("[{i}].taskDefinition")),
            ),
            v @ Value::Object(_) => (v, join(at, &format!("[{i}]"))),
            _ => {
                return Err(fail(
                    join(at, &format!("[{i}]")),
                    "must be an object".into(),
                ));
            }
        };
        let family = td
            .get("family")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        found.push((family, td, prefix));
    }
    let names: Vec<String> = found.iter().map(|f| f.0.clone()).collect();
    let n = choose(&names, want, "task definitions", at)?;
    let (_, value, prefix) = found.swap_remove(n);
    Ok(Normalised {
        value,
        form: Form::Describe,
        prefix,
    })
}

fn join(a: &str, b: &str) -> String {
    if a.is_empty() {
        b.trim_start_matches('.').to_string()
    } else {
        format!("{a}{b}")
    }
}

/// The index of `want` among `names`, or the only one.
fn choose(names: &[String], want: Option<&str>, what: &str, at: &str) -> Result<usize, FormError> {
    if let Some(w) = want
        && let Some(i) = names.iter().position(|n| n == w)
    {
        return Ok(i);
    }
    match names.len() {
        0 => Err(fail(at.into(), format!("holds no {what}"))),
        1 => Ok(0),
        _ => Err(fail(
            at.into(),
            format!(
                "holds {} {what} ({}); set the scenario's `family` to the one to use",
                names.len(),
                names.join(", ")
            ),
        )),
    }
}

fn cloudformation(res: Value, want: Option<&str>) -> Result<Normalised, FormError> {
    let Value::Object(res) = res else {
        return Err(fail("Resources".into(), "must be an object".into()));
    };
    let mut found: Vec<(String, String, Value)> = Vec::new();
    for (id, r) in res {
        if r.get("Type").and_then(Value::as_str) != Some("AWS::ECS::TaskDefinition") {
            continue;
        }
        let props = r
            .get("Properties")
            .cloned()
            .unwrap_or(Value::Object(Map::new()));
        let family = props
            .get("Family")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        found.push((id, family, props));
    }
    let ids: Vec<String> = found.iter().map(|f| f.0.clone()).collect();
    let n = match want.and_then(|w| found.iter().position(|f| f.1 == w)) {
        Some(n) => n,
        None => choose(
            &ids,
            want,
            "AWS::ECS::TaskDefinition resources",
            "Resources",
        )?,
    };
    let (id, _, props) = found.swap_remove(n);
    let prefix = format!("Resources.{id}.Properties");
    let mut value = camel_keys(props);
    for key in ["family", "cpu", "memory", "networkMode"] {
        intrinsic(&value, key, &prefix, key == "family")?;
    }
    if let Some(Value::Array(cs)) = value.get("containerDefinitions") {
        for (k, c) in cs.iter().enumerate() {
            for key in ["cpu", "memory", "memoryReservation", "name", "essential"] {
                intrinsic(
                    c,
                    key,
                    &format!("{prefix}.ContainerDefinitions[{k}]"),
                    key == "name",
                )?;
            }
        }
    }
    // A family given by a Ref takes the logical ID, as CloudFormation names
    // an unnamed family after the stack and resource.
    if value.get("family").is_none_or(|f| !f.is_string())
        && let Value::Object(m) = &mut value
    {
        m.insert(
            "family".into(),
            Value::String(want.unwrap_or(&id).to_string()),
        );
    }
    Ok(Normalised {
        value,
        form: Form::CloudFormation,
        prefix,
    })
}

/// Refuses an intrinsic function (`Ref`, `Fn::…`) where ecsim needs the
/// value; `lenient` fields are dropped instead (a default applies).
fn intrinsic(v: &Value, key: &str, at: &str, lenient: bool) -> Result<(), FormError> {
    let Some(Value::Object(m)) = v.get(key) else {
        return Ok(());
    };
    if lenient {
        return Ok(());
    }
    let f = m.keys().next().cloned().unwrap_or_default();
    Err(fail(
        format!("{at}.{}", pascal_path(key)),
        format!("is a CloudFormation function ({f}) ecsim cannot evaluate; write the value itself"),
    ))
}

fn terraform(res: Value, want: Option<&str>) -> Result<Normalised, FormError> {
    let Some(Value::Object(defs)) = res.get("aws_ecs_task_definition").cloned() else {
        return Err(fail(
            "resource".into(),
            "has no aws_ecs_task_definition (Terraform JSON: {\"resource\": {\"aws_ecs_task_definition\": {\"NAME\": {...}}}})".into(),
        ));
    };
    let mut found: Vec<(String, String, Value)> = Vec::new();
    for (name, r) in defs {
        let family = r
            .get("family")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        found.push((name, family, r));
    }
    let names: Vec<String> = found.iter().map(|f| f.0.clone()).collect();
    let n = match want.and_then(|w| found.iter().position(|f| f.1 == w)) {
        Some(n) => n,
        None => choose(
            &names,
            want,
            "aws_ecs_task_definition resources",
            "resource.aws_ecs_task_definition",
        )?,
    };
    let (name, _, r) = found.swap_remove(n);
    let prefix = format!("resource.aws_ecs_task_definition.{name}");
    let mut out = Map::new();
    for (tf, aws) in [
        ("family", "family"),
        ("cpu", "cpu"),
        ("memory", "memory"),
        ("network_mode", "networkMode"),
    ] {
        if let Some(v) = r.get(tf) {
            out.insert(aws.into(), v.clone());
        }
    }
    let containers = match r.get("container_definitions") {
        // jsonencode([...]) or file("x.json") reach .tf.json as a string.
        Some(Value::String(s)) => serde_json::from_str::<Value>(s).map_err(|e| {
            fail(
                format!("{prefix}.container_definitions"),
                format!(
                    "not a JSON array of container definitions: {}",
                    super::json_message(&e)
                ),
            )
        })?,
        Some(v) => v.clone(),
        None => {
            return Err(fail(
                format!("{prefix}.container_definitions"),
                "missing".into(),
            ));
        }
    };
    out.insert("containerDefinitions".into(), containers);
    // Terraform blocks are lists of one object in JSON syntax.
    let block = |k: &str| match r.get(k) {
        Some(Value::Array(a)) => a.first().cloned(),
        other => other.cloned(),
    };
    if let Some(rp) = block("runtime_platform") {
        let mut m = Map::new();
        for (tf, aws) in [
            ("cpu_architecture", "cpuArchitecture"),
            ("operating_system_family", "operatingSystemFamily"),
        ] {
            if let Some(v) = rp.get(tf) {
                m.insert(aws.into(), v.clone());
            }
        }
        out.insert("runtimePlatform".into(), Value::Object(m));
    }
    if let Some(es) = block("ephemeral_storage")
        && let Some(v) = es.get("size_in_gib")
    {
        out.insert(
            "ephemeralStorage".into(),
            serde_json::json!({ "sizeInGiB": v }),
        );
    }
    if let Some(pc) = r.get("placement_constraints") {
        let list = match pc {
            Value::Array(a) => a.clone(),
            v => vec![v.clone()],
        };
        out.insert("placementConstraints".into(), Value::Array(list));
    }
    Ok(Normalised {
        value: Value::Object(out),
        form: Form::TerraformResource,
        prefix,
    })
}

/// CloudFormation's PascalCase property names in the API's camelCase.
fn camel_keys(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    // Options and labels are the user's own keys.
                    let keep = matches!(k.as_str(), "Options" | "DockerLabels" | "SystemControls");
                    let mut c = k.chars();
                    let k = match c.next() {
                        Some(f) if !k.starts_with("Fn::") && k != "Ref" => {
                            f.to_ascii_lowercase().to_string() + c.as_str()
                        }
                        _ => k,
                    };
                    (k, if keep { v } else { camel_keys(v) })
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(camel_keys).collect()),
        v => v,
    }
}

/// A field of the normalised value as the Terraform resource names it.
fn terraform_path(p: &str) -> String {
    for (aws, tf) in [
        ("containerDefinitions", "container_definitions"),
        ("networkMode", "network_mode"),
        (
            "runtimePlatform.cpuArchitecture",
            "runtime_platform.cpu_architecture",
        ),
        (
            "runtimePlatform.operatingSystemFamily",
            "runtime_platform.operating_system_family",
        ),
        (
            "ephemeralStorage.sizeInGiB",
            "ephemeral_storage.size_in_gib",
        ),
        ("placementConstraints", "placement_constraints"),
    ] {
        if let Some(rest) = p.strip_prefix(aws) {
            return format!("{tf}{rest}");
        }
    }
    p.to_string()
}

/// `containerDefinitions[0].cpu` as a template spells it.
fn pascal_path(p: &str) -> String {
    p.split('.')
        .map(|s| {
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// YAML as JSON; a short-form function (`!Ref X`) becomes its long form
/// (`{"Ref": "X"}`, `{"Fn::Sub": …}`), as CloudFormation reads it.
pub fn yaml_to_json(y: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match y {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                serde_json::Number::from_f64(n.as_f64().unwrap_or(0.0))
                    .map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(s) => Value::Array(s.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let k = match k {
                        Y::String(s) => s,
                        other => serde_yaml::to_string(&other)
                            .unwrap_or_default()
                            .trim()
                            .to_string(),
                    };
                    (k, yaml_to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(t) => {
            let tag = t.tag.to_string();
            let name = tag.trim_start_matches('!');
            let key = if name == "Ref" {
                "Ref".to_string()
            } else {
                format!("Fn::{name}")
            };
            let mut m = Map::new();
            m.insert(key, yaml_to_json(t.value));
            Value::Object(m)
        }
    }
}

/// YAML nesting ahead of the parser: flow collections (`[`, `{`) open
/// across lines, block sequences and mappings by indentation and by
/// `- - -` on one line. A CloudFormation template nests about ten deep.
pub fn check_yaml_depth(text: &str) -> Result<(), String> {
    let mut flow: usize = 0;
    for (n, line) in text.lines().enumerate() {
        let content = line.trim_start_matches([' ', '\t']);
        let indent = line.len() - content.len();
        // Block nesting is at most one level per column of indentation
        // plus the sequence dashes and mapping keys that open on this line.
        let dashes = content
            .split_inclusive(['-', ' '])
            .take_while(|p| *p == "- " || *p == "-" || *p == " ")
            .filter(|p| p.starts_with('-'))
            .count();
        let mut quote: Option<char> = None;
        for ch in content.chars() {
            match (quote, ch) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\u{22}' | '\'') => quote = Some(ch),
                (None, '#') => break,
                (None, '[' | '{') => flow += 1,
                (None, ']' | '}') => flow = flow.saturating_sub(1),
                _ => {}
            }
        }
        let depth = flow + dashes + indent.min(content.len().max(1)) / 2;
        if depth > crate::input::MAX_DEPTH {
            return Err(format!(
                "YAML nested more than {} deep (line {}); a task definition nests a few levels",
                crate::input::MAX_DEPTH,
                n + 1
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let d = normalise(
            r#"{"taskDefinition": {"family": "a", "containerDefinitions": []}}"#,
            None,
        )
        .unwrap();
        assert_eq!(d.form, Form::Describe);
        assert_eq!(d.file_path("cpu"), "taskDefinition.cpu");
        let y = "Resources:\n  Web:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      Family: web\n      Cpu: '256'\n      ContainerDefinitions:\n        - Name: app\n          Image: !Sub '${AWS::AccountId}.dkr.ecr'\n          Memory: 512\n";
        let c = normalise(y, None).unwrap();
        assert_eq!(c.form, Form::CloudFormation);
        assert_eq!(c.value["containerDefinitions"][0]["memory"], 512);
        assert_eq!(
            c.file_path("containerDefinitions[0].memory"),
            "Resources.Web.Properties.ContainerDefinitions[0].Memory"
        );
        let bad = "Resources:\n  Web:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      Cpu: !Ref CpuParam\n";
        assert_eq!(
            normalise(bad, None).unwrap_err().path,
            "Resources.Web.Properties.Cpu"
        );
        let t = normalise(
            r#"[{"name": "app", "image": "x", "memory": 256}]"#,
            Some("web"),
        )
        .unwrap();
        assert_eq!(t.form, Form::TerraformContainers);
        assert_eq!(t.file_path("containerDefinitions[0].memory"), "[0].memory");
    }

    #[test]
    fn yaml_depth_by_flow_dashes_and_indent() {
        check_yaml_depth("Resources:\n  T:\n    Properties:\n      - { a: [1, 2] }\n").unwrap();
        assert!(check_yaml_depth(&"[".repeat(200)).is_err());
        assert!(check_yaml_depth(&format!("{}x", "- ".repeat(200))).is_err());
        assert!(check_yaml_depth("a: '[[[[['\n# [[[[\n").is_ok());
    }
}
