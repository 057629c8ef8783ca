//! The scenario of the mixed-instances tests (tests/mixed_instances*.rs):
//! three zones, one small task definition, one instance group.

/// Everything but the instance group.
pub const HEAD: &str = r#"
name = "mixed"
duration = "1h"
[cluster]
availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
[[task_definitions]]
family = "web"
cpu = 256
memory = 512
"#;

/// A scenario whose one group has `group` as its extra keys.
pub fn with_group(group: &str) -> String {
    format!("{HEAD}[[instance_groups]]\nname = \"g\"\n{group}\n")
}
