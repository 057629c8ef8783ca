//! The cluster's invariants, checked after every event in debug builds and
//! by the fuzzers: what the instances book agrees with their tasks, the
//! counts kept for speed agree with a recount, tasks' states agree with
//! where they are.

use super::*;

/// Tasks of each group per instance, and Fargate tasks per zone.
type GroupCounts = Vec<BTreeMap<u32, u32>>;

impl Cluster {
    /// Everything that must hold between any two events. Returns the first
    /// violation found.
    pub fn check_invariants(&self) -> Result<(), String> {
        let (mut cpu_total, mut mem_total, mut gpu_total) = (0u64, 0u64, 0u64);
        for (idx, inst) in self.instances.iter().enumerate() {
            let (cpu, mem, gpus) = self.check_instance(idx, inst)?;
            gpu_total += u64::from(gpus);
            cpu_total += u64::from(cpu);
            mem_total += u64::from(mem);
        }
        self.check_counts((cpu_total, mem_total, gpu_total))?;
        let (per_group, per_zone) = self.check_tasks()?;
        self.check_groups(&per_group, &per_zone)?;
        self.check_services()
    }

    /// One instance's bookings against its tasks; returns the CPU, memory
    /// and GPUs they reserve.
    fn check_instance(&self, idx: usize, inst: &Instance) -> Result<(u32, u32, u32), String> {
        let (mut cpu, mut mem, mut enis, mut gpus) = (0u32, 0u32, 0u32, 0u32);
        let mut ports = Vec::new();
        for &t in &inst.tasks {
            let task = self
                .tasks
                .get(t)
                .ok_or_else(|| format!("{}: lists a freed task slot {t}", inst.id))?;
            if task.instance != Some(idx as u32) {
                return Err(format!(
                    "{}: lists task {} placed elsewhere",
                    inst.id, task.serial
                ));
            }
            let td = &self.taskdefs[task.taskdef as usize];
            cpu += td.cpu;
            mem += td.memory;
            enis += u32::from(td.awsvpc);
            gpus += td.gpus;
            ports.extend_from_slice(&td.host_ports);
        }
        if cpu != inst.used_cpu || mem != inst.used_memory {
            return Err(format!(
                "{}: books {}/{} cpu/memory but its tasks reserve {cpu}/{mem}",
                inst.id, inst.used_cpu, inst.used_memory
            ));
        }
        if enis != inst.used_enis
            || gpus != inst.used_gpus
            || enis > inst.eni_slots
            || gpus > inst.gpus
        {
            return Err(format!(
                "{}: books {}/{} ENIs and {}/{} GPUs but its tasks take {enis} and {gpus}",
                inst.id, inst.used_enis, inst.eni_slots, inst.used_gpus, inst.gpus
            ));
        }
        if !inst.tasks.is_empty()
            && matches!(
                inst.status,
                InstanceStatus::Launching | InstanceStatus::Inactive
            )
        {
            return Err(format!("{}: holds tasks while {:?}", inst.id, inst.status));
        }
        if inst.used_cpu > inst.cpu || inst.used_memory > inst.memory {
            return Err(format!(
                "{}: over-committed: {}/{} cpu, {}/{} MiB",
                inst.id, inst.used_cpu, inst.cpu, inst.used_memory, inst.memory
            ));
        }
        ports.sort_unstable();
        if ports.windows(2).any(|w| w[0] == w[1]) {
            return Err(format!("{}: a host port is used twice", inst.id));
        }
        Ok((cpu, mem, gpus))
    }

    /// The counts kept for speed (index, live instances, statuses,
    /// DRAINING, reserved totals) against the instances.
    fn check_counts(
        &self,
        (cpu_total, mem_total, gpu_total): (u64, u64, u64),
    ) -> Result<(), String> {
        if self.index.is_live() && !self.index.agrees_with(&self.instances, &self.groups) {
            return Err("the placement index disagrees with the instances".into());
        }
        let mut live = vec![0u32; self.live_instances.len()];
        for inst in self
            .instances
            .iter()
            .filter(|i| i.status != InstanceStatus::Inactive)
        {
            match live.get_mut(inst.group as usize) {
                Some(n) => *n += 1,
                None => return Err(format!("{}: its group has no live count", inst.id)),
            }
        }
        if live != self.live_instances {
            return Err("live instance counts disagree with the instances".into());
        }
        if !self.status_counts.agrees_with(&self.instances) {
            return Err(
                "instance counts by group, zone and status disagree with the instances".into(),
            );
        }
        let draining = self
            .instances
            .iter()
            .filter(|i| i.status == InstanceStatus::Draining)
            .count();
        if draining != self.draining as usize {
            return Err(format!(
                "{draining} instances are DRAINING but the count says {}",
                self.draining
            ));
        }
        if cpu_total != self.used_cpu
            || mem_total != self.used_memory
            || gpu_total != self.used_gpus
        {
            return Err("cluster reserved totals disagree with the instances".into());
        }
        Ok(())
    }

    /// Each task's state against where it is; returns its group's counts
    /// per instance and Fargate tasks' per zone.
    fn check_tasks(&self) -> Result<(GroupCounts, GroupCounts), String> {
        let mut per_group: GroupCounts = vec![BTreeMap::new(); self.groups.len()];
        let mut per_zone: GroupCounts = vec![BTreeMap::new(); self.groups.len()];
        for (key, task) in self.tasks.iter() {
            if task.capacity.is_fargate() {
                if task.instance.is_some()
                    || (task.az.is_none() && task.state != TaskState::Provisioning)
                {
                    return Err(format!(
                        "Fargate task {} has an instance or no zone",
                        task.serial
                    ));
                }
                if Self::counts_in_zone(task) {
                    *per_zone[task.group as usize]
                        .entry(task.az.unwrap_or(0))
                        .or_insert(0) += 1;
                }
            } else {
                match (task.state, task.instance) {
                    (TaskState::Provisioning, Some(_)) => {
                        return Err(format!("task {} is PROVISIONING but placed", task.serial));
                    }
                    (TaskState::Provisioning | TaskState::Stopped, None) => {}
                    (s, None) => {
                        return Err(format!(
                            "task {} is {} with no instance",
                            task.serial,
                            s.as_str()
                        ));
                    }
                    (_, Some(i)) => {
                        if !self.instances[i as usize].tasks.contains(&key) {
                            return Err(format!(
                                "task {} holds no resources on its instance",
                                task.serial
                            ));
                        }
                    }
                }
            }
            if Self::counts_in_group(task) {
                *per_group[task.group as usize]
                    .entry(task.instance.unwrap_or(0))
                    .or_insert(0) += 1;
            }
            let started_ok = match task.state {
                TaskState::Provisioning | TaskState::Pending | TaskState::Activating => {
                    task.started.is_none()
                }
                TaskState::Running => task.started.is_some(),
                _ => true,
            };
            if !started_ok {
                return Err(format!(
                    "task {} has an inconsistent start time",
                    task.serial
                ));
            }
        }
        Ok((per_group, per_zone))
    }

    /// Each group's counts against a recount of its tasks.
    fn check_groups(&self, per_group: &GroupCounts, per_zone: &GroupCounts) -> Result<(), String> {
        for ((g, counts), zones) in self.groups.iter().zip(per_group).zip(per_zone) {
            let mut in_zones = vec![0u32; self.azs.len()];
            for (&i, &n) in counts {
                in_zones[self.instances[i as usize].az as usize] += n;
            }
            let zones_agree = (0..self.azs.len()).all(|z| g.in_zone(z as u32) == in_zones[z]);
            let same_counts = g.per_instance().count() == counts.len()
                && g.per_instance().all(|(i, n)| counts.get(&i) == Some(&n));
            if !same_counts || &g.fargate_per_az != zones || !g.hosts_agree() || !zones_agree {
                return Err(format!("group {} counts disagree with its tasks", g.name));
            }
        }
        Ok(())
    }

    /// Each service lists its active tasks in launch order.
    fn check_services(&self) -> Result<(), String> {
        for s in &self.services {
            // In launch order: scale-in ranks them in serial order without sorting.
            let serials = s
                .active
                .iter()
                .filter_map(|&t| self.tasks.get(t))
                .map(|t| t.serial);
            if !serials.clone().zip(serials.skip(1)).all(|(a, b)| a < b) {
                return Err(format!(
                    "service {} lists its tasks out of launch order",
                    s.name
                ));
            }
            for &t in &s.active {
                match self.tasks.get(t) {
                    Some(task) if task.desired_running => {}
                    _ => {
                        return Err(format!(
                            "service {} lists a task that is not active",
                            s.name
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}
