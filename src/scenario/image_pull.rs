//! `[image_pull]`: how long a task definition's `image_size_mib` takes to
//! pull and start (`sim/pull.rs` applies it).

use super::ctx::{Ctx, R};
use crate::engine::SimTime;
use crate::engine::time::SECOND;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImagePullSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ec2_mib_per_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fargate_mib_per_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_start: Option<String>,
}

/// How long a task definition's `image_size_mib` takes to pull and start.
/// AWS publishes no throughput: these are ecsim's choices, from public
/// measurements (a 2.7 GB image starting in ~55 s on Fargate, ENI
/// attachment included), and parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImagePull {
    /// MiB a second from ECR in the same Region, ×1000 (integer time).
    pub ec2_mib_per_ks: u64,
    pub fargate_mib_per_ks: u64,
    /// An EC2 instance that pulled the image already: the agent checks the
    /// manifest and starts from its cache ("Optimize Amazon ECS task
    /// launch time"); Fargate caches nothing ("Linux containers on Fargate
    /// container image pull behavior").
    pub cached: SimTime,
    pub container_start: SimTime,
}

impl Default for ImagePull {
    fn default() -> Self {
        ImagePull {
            ec2_mib_per_ks: 100_000,
            fargate_mib_per_ks: 50_000,
            cached: SECOND,
            container_start: 2 * SECOND,
        }
    }
}

impl ImagePull {
    /// Milliseconds to pull `mib` at `per_ks` MiB per 1000 s.
    pub fn pull(mib: u32, per_ks: u64) -> SimTime {
        (u64::from(mib) * 1_000_000).div_ceil(per_ks.max(1))
    }
}

pub(super) fn build(ctx: &Ctx, spec: Option<&ImagePullSpec>) -> R<ImagePull> {
    let d = ImagePull::default();
    let Some(s) = spec else { return Ok(d) };
    let rate = |name: &str, v: Option<f64>, default: u64| -> R<u64> {
        match v {
            None => Ok(default),
            Some(x) if x.is_finite() && (0.1..=100_000.0).contains(&x) => {
                Ok((x * 1000.0).round() as u64)
            }
            Some(x) => Err(ctx.err(
                format!("image_pull.{name}"),
                format!("must be 0.1 to 100,000 MiB a second, got {x}"),
            )),
        }
    };
    let time = |name: &str, v: &Option<String>, default: SimTime| -> R<SimTime> {
        match v {
            None => Ok(default),
            Some(t) => ctx.duration(&format!("image_pull.{name}"), t),
        }
    };
    Ok(ImagePull {
        ec2_mib_per_ks: rate("ec2_mib_per_s", s.ec2_mib_per_s, d.ec2_mib_per_ks)?,
        fargate_mib_per_ks: rate(
            "fargate_mib_per_s",
            s.fargate_mib_per_s,
            d.fargate_mib_per_ks,
        )?,
        cached: time("cached", &s.cached, d.cached)?,
        container_start: time("container_start", &s.container_start, d.container_start)?,
    })
}
