//! What one input file may cost, counted on its text before anything is
//! built from it. A parsed JSON value takes 20 to 30 times its text (a
//! 240 MB file of `[]` is 4 GB of values), so entries are counted as the
//! bytes stream past and a file above the limits is refused while it costs
//! only its text. YAML nesting is capped likewise before the parser (which
//! slows down quadratically with depth) sees it.

use crate::error::InputError;
use std::path::Path;

/// ECS's default quota of services per cluster ("Amazon ECS service
/// quotas"); an export holds at most ten times that.
pub const ECS_SERVICES_QUOTA: u64 = 5_000;
pub const MAX_SERVICES: u64 = 10 * ECS_SERVICES_QUOTA;
/// Any other list of AWS objects (container instances, tasks, Auto Scaling
/// groups, …): the most instances or tasks of a service a scenario holds.
pub const MAX_OBJECTS: u64 = crate::scenario::MAX_INSTANCES as u64;
/// Any list at all, e.g. a metric's Timestamps: 400 days of 1-minute points
/// (576,000) is the longest trace a scenario runs.
pub const MAX_LIST: u64 = 600_000;
/// JSON values (object keys count as one each, objects as `OBJECT_COST`) in one file: nearly two years of a
/// per-minute metric's timestamps and values, over ten times the largest
/// file scripts/export-cluster.sh writes (14 days of three 1-minute
/// metrics). At most about 250 MB once parsed, whatever the file.
pub const MAX_VALUES: u64 = 2_000_000;
/// What an object counts for against `MAX_VALUES`: parsed, even a
/// one-key object takes a map node of about 600 bytes, 20 plain values.
/// At 5, 6 MB of `{"a":[]}` (2 million values at 1 each) once took 465 MB.
pub const OBJECT_COST: u64 = 5;
// Shared with the task-definition forms' YAML check.
use crate::input::MAX_DEPTH;

/// A count read from an export (DesiredCapacity, desiredCount) as the
/// scenario takes it: 0 to `max`, never truncated to fit.
pub fn count(file: &Path, path: &str, v: i64, max: i64) -> Result<u32, InputError> {
    if v < 0 {
        return Err(InputError::new(
            file,
            path,
            format!(
                "must be 0 or more, got {v}; AWS never prints a negative count — was the file edited?"
            ),
        ));
    }
    if v > max {
        return Err(InputError::new(
            file,
            path,
            format!(
                "is {v}; ecsim simulates at most {max} (ECS allows 5,000 container instances per cluster and 5,000 tasks per service, Amazon ECS service quotas)"
            ),
        ));
    }
    u32::try_from(v).map_err(|_| InputError::new(file, path, format!("is {v}, above {}", u32::MAX)))
}

/// The lists an AWS CLI output holds its objects in.
const OBJECT_LISTS: [&str; 14] = [
    "clusters",
    "containerInstances",
    "tasks",
    "taskDefinitions",
    "capacityProviders",
    "AutoScalingGroups",
    "ScalableTargets",
    "ScalingPolicies",
    "ScheduledActions",
    "MetricAlarms",
    "MetricDataResults",
    "Instances",
    "attributes",
    "containerDefinitions",
];

/// `"`, spelt so that tools reading this file for string literals (tests/docs.rs) stay in step.
const QUOTE: u8 = 0x22;

struct Frame {
    array: bool,
    /// Entries so far (arrays), whether one has begun.
    count: u64,
    started: bool,
    limit: u64,
    /// Its field path, for the error.
    path: String,
    /// Objects: the next string is a key.
    want_key: bool,
    key: String,
}

fn limit_for(key: &str) -> u64 {
    match key {
        "services" => MAX_SERVICES,
        k if OBJECT_LISTS.contains(&k) => MAX_OBJECTS,
        _ => MAX_LIST,
    }
}

fn why(limit: u64) -> String {
    match limit {
        MAX_SERVICES => format!(
            "ECS allows {ECS_SERVICES_QUOTA} services per cluster (Amazon ECS service quotas); ecsim imports at most {MAX_SERVICES}"
        ),
        MAX_OBJECTS => format!("ecsim imports at most {MAX_OBJECTS} of these"),
        _ => format!(
            "a list ecsim reads holds at most {MAX_LIST} entries (400 days of 1-minute points)"
        ),
    }
}

/// Counts the entries of every array, all values and the nesting of JSON
/// text (several documents one after another are fine), refusing what is
/// above the limits. Malformed text is left to the parser to report.
pub fn check_json(file: &Path, text: &str) -> Result<(), InputError> {
    let b = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut values: u64 = 0;
    let mut i = 0;
    // A value begins in the innermost frame: it is an array's next entry.
    let begin = |stack: &mut Vec<Frame>| -> Result<(), InputError> {
        if let Some(f) = stack.last_mut()
            && f.array
            && !f.started
        {
            f.started = true;
            f.count = 1;
        }
        Ok(())
    };
    let too_many = |f: &Frame| {
        InputError::new(
            file,
            f.path.clone(),
            format!("holds more than {} entries; {}", f.limit, why(f.limit)),
        )
    };
    while i < b.len() {
        let c = b[i];
        match c {
            QUOTE => {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != QUOTE {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                values += 1;
                match stack.last_mut() {
                    Some(f) if !f.array && f.want_key => {
                        f.want_key = false;
                        let end = i.min(b.len());
                        // Keys are field names; a long one is not worth keeping.
                        f.key = String::from_utf8_lossy(&b[start..end.min(start + 64)]).into();
                    }
                    _ => begin(&mut stack)?,
                }
            }
            b'[' | b'{' => {
                begin(&mut stack)?;
                values += if c == b'{' { OBJECT_COST } else { 1 };
                if stack.len() >= MAX_DEPTH {
                    let at = stack.last().map_or(String::new(), |f| f.path.clone());
                    return Err(InputError::new(
                        file,
                        at,
                        format!(
                            "nests arrays and objects more than {MAX_DEPTH} deep; AWS CLI output nests a few levels"
                        ),
                    ));
                }
                let (path, key) = match stack.last() {
                    None => (String::new(), String::new()),
                    Some(f) if f.array => (format!("{}[{}]", f.path, f.count - 1), String::new()),
                    Some(f) if f.path.is_empty() => (f.key.clone(), f.key.clone()),
                    Some(f) => (format!("{}.{}", f.path, f.key), f.key.clone()),
                };
                stack.push(Frame {
                    array: c == b'[',
                    count: 0,
                    started: false,
                    limit: limit_for(&key),
                    path,
                    want_key: c == b'{',
                    key: String::new(),
                });
            }
            b']' | b'}' => {
                stack.pop();
            }
            b',' => {
                if let Some(f) = stack.last_mut() {
                    if f.array {
                        f.count += 1;
                        if f.count > f.limit {
                            return Err(too_many(f));
                        }
                    } else {
                        f.want_key = true;
                    }
                }
            }
            b':' | b' ' | b'\t' | b'\n' | b'\r' => {}
            _ => {
                // A number or literal: skipped to its end.
                begin(&mut stack)?;
                values += 1;
                while i + 1 < b.len() && !b" \t\r\n,]}:\"[{".contains(&b[i + 1]) {
                    i += 1;
                }
            }
        }
        if values > MAX_VALUES {
            return Err(InputError::new(
                file,
                "",
                format!(
                    "holds more than {MAX_VALUES} JSON values (line {}); ecsim reads at most that many from one file, far more than an AWS CLI output holds — split it, or export fewer days of metrics",
                    text[..i.min(text.len())].matches('\n').count() + 1
                ),
            ));
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_entries_values_and_depth() {
        let f = Path::new("f.json");
        check_json(
            f,
            r#"{"services": [{"a": [1, 2, "x,]"]}, {}], "b": {}} {"c": []}"#,
        )
        .unwrap();
        // Objects cost more: 400,000 one-key objects are over the budget.
        let objects = format!("[{}[]]", "{\"a\": []},".repeat(400_000));
        assert!(
            check_json(f, &objects)
                .unwrap_err()
                .message
                .contains("JSON values")
        );
        let many = format!("{{\"services\": [{}{{}}]}}", "{},".repeat(50_000));
        let e = check_json(f, &many).unwrap_err();
        assert_eq!(e.path, "services");
        assert!(e.message.contains("5000 services per cluster"), "{e}");
        let nested = format!(
            "{{\"MetricDataResults\": [{{\"Timestamps\": [{}1]}}]}}",
            "1,".repeat(600_000)
        );
        let e = check_json(f, &nested).unwrap_err();
        assert_eq!(e.path, "MetricDataResults[0].Timestamps");
        let list = format!("[{}[]]", "[],".repeat(500_000));
        let empties = format!("[{}{list}]", format!("{list},").repeat(4));
        assert!(
            check_json(f, &empties)
                .unwrap_err()
                .message
                .contains("JSON values")
        );
        let deep = "[".repeat(200);
        assert!(
            check_json(f, &deep)
                .unwrap_err()
                .message
                .contains("128 deep")
        );
        // Unbalanced text is the parser's to report.
        check_json(f, "]]]}}{\"a\": [1,").unwrap();
    }
}
