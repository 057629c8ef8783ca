//! Image pulls (`image_size_mib`, `[image_pull]`): a task's PENDING time
//! is its image's pull plus the container start. Fargate pulls the whole
//! image for every task ("Linux containers on Fargate container image pull
//! behavior"); an EC2 instance pulls it once and later tasks start from
//! its cache after a manifest check ("Optimize Amazon ECS task launch
//! time"), waiting for a pull under way rather than pulling twice.

use super::Sim;
use crate::engine::SimTime;
use crate::scenario::image_pull::ImagePull;
use rustc_hash::FxHashMap;

#[derive(Debug)]
pub(super) struct Pulls {
    cfg: ImagePull,
    /// (instance, task definition) → when its image is in the cache.
    cached: FxHashMap<(u32, u32), SimTime>,
}

impl Pulls {
    pub(super) fn new(cfg: ImagePull) -> Self {
        Pulls {
            cfg,
            cached: FxHashMap::default(),
        }
    }
}

impl Sim<'_> {
    /// How long task `key` stays PENDING: its `startup`, or its image's
    /// pull and the container start.
    pub(super) fn startup_delay(&mut self, key: u32) -> SimTime {
        let t = &self.cluster.tasks[key];
        let (taskdef, instance) = (t.taskdef, t.instance);
        let Some(mib) = self.cluster.taskdefs[taskdef as usize].image_mib else {
            return self.draw(key, |t| &t.startup);
        };
        let now = self.now();
        let p = &mut self.pulls;
        let pull = match instance {
            None => ImagePull::pull(mib, p.cfg.fargate_mib_per_ks),
            Some(i) => match p.cached.get(&(i, taskdef)) {
                Some(&ready) => ready.saturating_sub(now) + p.cfg.cached,
                None => {
                    let d = ImagePull::pull(mib, p.cfg.ec2_mib_per_ks);
                    p.cached.insert((i, taskdef), now + d);
                    d
                }
            },
        };
        pull + p.cfg.container_start
    }
}
