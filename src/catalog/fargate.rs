//! Fargate task sizes: the CPU and memory combinations AWS accepts
//! ("Amazon ECS task definition parameters for Fargate", task size table).

/// (CPU units, smallest MiB, largest MiB, step MiB).
const SIZES: &[(u32, u32, u32, u32)] = &[
    (256, 512, 2048, 0), // 0.5, 1 and 2 GB only
    (512, 1024, 4096, 1024),
    (1024, 2048, 8192, 1024),
    (2048, 4096, 16384, 1024),
    (4096, 8192, 30720, 1024),
    (8192, 16384, 61440, 4096),
    (16384, 32768, 122880, 8192),
];

/// Every valid (CPU units, MiB) pair.
pub fn valid_sizes() -> Vec<(u32, u32)> {
    let mut v = Vec::new();
    for &(cpu, lo, hi, step) in SIZES {
        if step == 0 {
            v.extend([512, 1024, 2048].map(|m| (cpu, m)));
        } else {
            v.extend((lo..=hi).step_by(step as usize).map(|m| (cpu, m)));
        }
    }
    v
}

fn show(cpu: u32, mem: u32) -> String {
    let gb = if mem.is_multiple_of(1024) {
        format!("{}", mem / 1024)
    } else {
        format!("{:.1}", mem as f64 / 1024.0)
    };
    format!(
        "{} vCPU / {gb} GB (cpu = {cpu}, memory = {mem})",
        cpu as f64 / 1024.0
    )
}

/// Ok for a size Fargate offers; otherwise an error naming the nearest valid sizes.
pub fn check_size(cpu: u32, mem: u32) -> Result<(), String> {
    let valid = valid_sizes();
    if valid.contains(&(cpu, mem)) {
        return Ok(());
    }
    // Nearest by relative distance in both dimensions, at least as large first.
    let dist = |&(c, m): &(u32, u32)| {
        let dc = (c as f64 / cpu.max(1) as f64).ln().abs();
        let dm = (m as f64 / mem.max(1) as f64).ln().abs();
        let smaller = c < cpu || m < mem;
        (smaller, dc + dm)
    };
    let mut ranked = valid.clone();
    ranked.sort_by(|a, b| {
        let (sa, da) = dist(a);
        let (sb, db) = dist(b);
        sa.cmp(&sb).then(da.total_cmp(&db))
    });
    let near: Vec<String> = ranked.iter().take(3).map(|&(c, m)| show(c, m)).collect();
    let row = SIZES.iter().find(|s| s.0 == cpu).map(|&(c, lo, hi, step)| {
        if step == 0 {
            format!(
                "; with {} vCPU Fargate offers 0.5, 1 or 2 GB",
                c as f64 / 1024.0
            )
        } else {
            format!(
                "; with {} vCPU Fargate offers {}–{} GB in {} GB steps",
                c as f64 / 1024.0,
                lo / 1024,
                hi / 1024,
                step / 1024
            )
        }
    });
    Err(format!(
        "Fargate has no task size of {} CPU units with {} MiB{}; nearest valid: {}",
        cpu,
        mem,
        row.unwrap_or_else(|| "; CPU must be 256, 512, 1024, 2048, 4096, 8192 or 16384".into()),
        near.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The task-size table of the Fargate documentation, row by row.
    #[test]
    fn documented_sizes() {
        let v = valid_sizes();
        for ok in [
            (256, 512),
            (256, 2048),
            (512, 3072),
            (1024, 8192),
            (2048, 16384),
            (4096, 30720),
            (8192, 16384),
            (8192, 20480),
            (16384, 122880),
        ] {
            assert!(v.contains(&ok), "{ok:?}");
            assert!(check_size(ok.0, ok.1).is_ok());
        }
        for bad in [
            (256, 1536),
            (256, 4096),
            (1024, 1024),
            (4096, 31744),
            (8192, 18432),
            (16384, 36864),
            (300, 1024),
        ] {
            assert!(!v.contains(&bad), "{bad:?}");
        }
        // 3 + 4 + 7 + 13 + 23 + 12 + 12 combinations.
        assert_eq!(v.len(), 74);
    }

    #[test]
    fn error_names_nearest_sizes() {
        let e = check_size(1024, 1024).unwrap_err();
        assert!(
            e.contains("with 1 vCPU Fargate offers 2–8 GB in 1 GB steps"),
            "{e}"
        );
        assert!(e.contains("1 vCPU / 2 GB"), "{e}");
        let e = check_size(300, 1024).unwrap_err();
        assert!(e.contains("CPU must be 256, 512"), "{e}");
    }
}
