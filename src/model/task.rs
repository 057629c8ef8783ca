//! Tasks and their ECS lifecycle.

use crate::engine::{SimTime, TimerId};

/// The ECS task lifecycle, in order ("Amazon ECS task lifecycle").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaskState {
    /// Waiting for capacity (and, on awsvpc, an ENI).
    Provisioning,
    /// Placed; the agent pulls the image and starts containers.
    Pending,
    /// Load-balancer / service-discovery registration.
    Activating,
    Running,
    /// Load-balancer deregistration.
    Deactivating,
    /// SIGTERM sent; SIGKILL after the stop timeout.
    Stopping,
    Deprovisioning,
    Stopped,
}

impl TaskState {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Provisioning => "PROVISIONING",
            TaskState::Pending => "PENDING",
            TaskState::Activating => "ACTIVATING",
            TaskState::Running => "RUNNING",
            TaskState::Deactivating => "DEACTIVATING",
            TaskState::Stopping => "STOPPING",
            TaskState::Deprovisioning => "DEPROVISIONING",
            TaskState::Stopped => "STOPPED",
        }
    }

    /// The only legal forward step. Stopping a task that is not yet RUNNING
    /// jumps ahead; every other move is forward by exactly one state.
    pub fn can_move_to(self, next: TaskState) -> bool {
        use TaskState::*;
        match (self, next) {
            (Provisioning, Pending | Stopped) => true,
            (Pending | Activating, Deactivating | Stopping) => true,
            (a, b) => (b as u8) == (a as u8) + 1,
        }
    }

    /// A move that skips states taking no time, which the simulation makes
    /// when nothing watches every state: PROVISIONING → RUNNING for a task
    /// that starts at once, ACTIVATING or RUNNING → STOPPED for one that
    /// stops at once. The counters come out as the steps between leave them.
    pub fn can_jump_to(self, next: TaskState) -> bool {
        use TaskState::*;
        self.can_move_to(next)
            || matches!(
                (self, next),
                (Provisioning, Running) | (Activating | Running, Stopped)
            )
    }

    /// Launched but not yet serving: what ECS reports as pending.
    pub fn is_starting(self) -> bool {
        matches!(
            self,
            TaskState::Provisioning | TaskState::Pending | TaskState::Activating
        )
    }
}

/// Why a job's launch was refused (RunTask's `failures[].reason`). Ordered
/// as ECS filters instances: resources (CPU, memory, ports), then
/// constraints; a refusal names the first filter that left no instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Refusal {
    /// No ACTIVE container instance to consider at all.
    NoInstances,
    Cpu,
    Memory,
    Ports,
    /// No free GPUs (`resourceRequirements` type GPU).
    Gpu,
    /// No free ENI for an `awsvpc` task.
    Eni,
    /// The task needs a CPU architecture (`runtimePlatform`) that no
    /// instance with room has: ECS's `ATTRIBUTE`, naming the attribute
    /// (`ecs.cpu-architecture`) so the cause shows. Checked before the
    /// other constraints, so it ranks below `Attribute`.
    Architecture,
    /// Every instance with room is excluded by a placement constraint.
    Attribute,
    /// A capacity-provider task found the cluster's PROVISIONING quota full.
    ProvisioningQuota,
}

impl Refusal {
    /// The reason as ECS writes it; the first and last are ecsim's labels
    /// for an error ECS returns instead of a failure, and for the quota.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::NoInstances => "NO_CONTAINER_INSTANCES",
            Refusal::Cpu => "RESOURCE:CPU",
            Refusal::Memory => "RESOURCE:MEMORY",
            Refusal::Ports => "RESOURCE:PORTS_TCP",
            Refusal::Gpu => "RESOURCE:GPU",
            Refusal::Eni => "RESOURCE:ENI",
            Refusal::Architecture => "ATTRIBUTE:ecs.cpu-architecture",
            Refusal::Attribute => "ATTRIBUTE",
            Refusal::ProvisioningQuota => "PROVISIONING_QUOTA",
        }
    }
}

/// Why a task stopped: ECS's stop code plus the reason text it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// A job's essential container finished.
    EssentialContainerExited,
    /// The service scheduler stopped it (scale-in, deployment).
    ScaleIn,
    /// Its instance is draining (scale-in of the group, Spot warning).
    Draining,
    /// An essential container exited with an error.
    Crashed,
    /// Its instance was lost (failure, termination).
    HostLost,
    /// Its Availability Zone went down.
    ZoneLost,
    /// A FARGATE_SPOT task AWS took back (2-minute warning, SIGTERM).
    SpotInterruption,
    /// The service scheduler moved it off an EC2 Spot instance that got its
    /// interruption notice (ECS_ENABLE_SPOT_INSTANCE_DRAINING): what ECS
    /// reports for any drained instance.
    SpotDrained,
    /// Still on an EC2 Spot instance when EC2 took the instance back: it
    /// went with its host, as with any terminated container instance.
    SpotReclaimed,
    /// Failed its container health checks while starting.
    FailedToStart,
    ImagePullFailed,
}

impl StopReason {
    /// The `stoppedReason` text ECS reports.
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::EssentialContainerExited => "Essential container in task exited",
            StopReason::ScaleIn => "Scaling activity initiated by (deployment)",
            StopReason::Draining | StopReason::SpotDrained => "Container instance is draining",
            // The instance's id belongs in the middle: see `text`.
            StopReason::SpotReclaimed => "Host EC2 instance terminated.",
            StopReason::Crashed => "Essential container in task exited (exit code 1)",
            StopReason::HostLost => "Host EC2 instance terminated",
            StopReason::ZoneLost => "Availability Zone outage",
            StopReason::SpotInterruption => "Your Spot Task was interrupted.",
            StopReason::FailedToStart => "Task failed container health checks",
            StopReason::ImagePullFailed => "CannotPullContainerError: pull image failed",
        }
    }

    /// The `stopCode` ECS reports.
    pub fn code(self) -> &'static str {
        match self {
            StopReason::EssentialContainerExited => "EssentialContainerExited",
            StopReason::ScaleIn | StopReason::Draining | StopReason::SpotDrained => {
                "ServiceSchedulerInitiated"
            }
            StopReason::Crashed => "EssentialContainerExited",
            StopReason::HostLost | StopReason::ZoneLost | StopReason::SpotReclaimed => {
                "TerminationNotice"
            }
            StopReason::SpotInterruption => "SpotInterruption",
            StopReason::FailedToStart | StopReason::ImagePullFailed => "TaskFailedToStart",
        }
    }

    /// The `stoppedReason` of a task that ran on `instance` (its EC2 id):
    /// ECS names the host in the reason when the instance went away with the
    /// task ("Host EC2 (instance i-…) terminated.").
    pub fn text(self, instance: Option<&str>) -> std::borrow::Cow<'static, str> {
        match (self, instance) {
            (StopReason::SpotReclaimed, Some(id)) => {
                format!("Host EC2 (instance {id}) terminated.").into()
            }
            _ => self.as_str().into(),
        }
    }

    /// Whether the stop counts as a failure in the summary. A Spot
    /// interruption is not one: the capacity was taken back, the task did
    /// nothing wrong, and the scheduler replaces it first.
    pub fn is_failure(self) -> bool {
        match self {
            StopReason::EssentialContainerExited
            | StopReason::ScaleIn
            | StopReason::Draining
            | StopReason::SpotInterruption
            | StopReason::SpotDrained
            | StopReason::SpotReclaimed => false,
            StopReason::Crashed
            | StopReason::HostLost
            | StopReason::ZoneLost
            | StopReason::FailedToStart
            | StopReason::ImagePullFailed => true,
        }
    }

    /// Whether AWS taking back Spot capacity stopped it (FARGATE_SPOT or an
    /// EC2 Spot instance, drained or reclaimed).
    pub fn is_spot(self) -> bool {
        matches!(
            self,
            StopReason::SpotInterruption | StopReason::SpotDrained | StopReason::SpotReclaimed
        )
    }
}

/// Where a task runs and how it is bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Capacity {
    /// On a container instance of the cluster.
    Ec2,
    Fargate,
    /// Fargate capacity at the Spot discount, which AWS may reclaim.
    FargateSpot,
}

impl Capacity {
    /// The `launchType` ECS reports.
    pub fn launch_type(self) -> &'static str {
        match self {
            Capacity::Ec2 => "EC2",
            Capacity::Fargate | Capacity::FargateSpot => "FARGATE",
        }
    }

    /// The capacity provider name as written in a capacity provider strategy.
    pub fn provider(self) -> &'static str {
        match self {
            Capacity::Ec2 => "EC2",
            Capacity::Fargate => "FARGATE",
            Capacity::FargateSpot => "FARGATE_SPOT",
        }
    }

    pub fn is_fargate(self) -> bool {
        self != Capacity::Ec2
    }
}

/// Who launched a task: a service, or a job (standalone RunTask arrivals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Owner {
    Service(u32),
    Job(u32),
}

#[derive(Debug, Clone)]
pub struct Task {
    /// Stable id, unique over the run (slab slots are reused, serials never).
    pub serial: u64,
    pub owner: Owner,
    /// Index into the task-group table used by spread and distinctInstance.
    pub group: u32,
    pub taskdef: u32,
    pub capacity: Capacity,
    /// Index into the owner's capacity provider strategy.
    pub share: u8,
    /// The Auto Scaling group provider whose instances the task must use.
    pub asg: Option<u32>,
    pub state: TaskState,
    pub instance: Option<u32>,
    /// Zone of a Fargate task (EC2 tasks take their instance's zone).
    pub az: Option<u32>,
    /// DAEMON tasks belong to one instance before they are placed.
    pub target_instance: Option<u32>,
    /// False once the scheduler or the task itself decided it should stop.
    pub desired_running: bool,
    pub created: SimTime,
    pub placed: Option<SimTime>,
    pub started: Option<SimTime>,
    pub stopped: Option<SimTime>,
    pub stop_reason: Option<StopReason>,
    /// The pending lifecycle timer, cleared when it fires.
    pub timer: Option<TimerId>,
    /// The queued crash or Fargate Spot interruption, cancelled when the
    /// task is gone before it.
    pub fault_timer: Option<TimerId>,
    /// How long a job task runs once RUNNING; `None` runs until stopped.
    pub run_for: Option<SimTime>,
    /// Lost with its host: every stopping step takes no time.
    pub killed: bool,
    /// Will fail its health checks when the grace period ends.
    pub failing_health: bool,
}

impl Task {
    /// A task just launched, in PROVISIONING on `share` of its owner's
    /// capacity provider strategy; every later field still empty.
    pub fn launched(
        serial: u64,
        owner: Owner,
        (group, taskdef): (u32, u32),
        (share, capacity, asg): (u8, Capacity, Option<u32>),
        created: SimTime,
        run_for: Option<SimTime>,
    ) -> Task {
        Task {
            serial,
            owner,
            group,
            taskdef,
            capacity,
            share,
            asg,
            state: TaskState::Provisioning,
            instance: None,
            az: None,
            target_instance: None,
            desired_running: true,
            created,
            placed: None,
            started: None,
            stopped: None,
            stop_reason: None,
            timer: None,
            fault_timer: None,
            run_for,
            killed: false,
            failing_health: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TaskState::*;

    #[test]
    fn lifecycle_order_is_ecs_order() {
        let all = [
            Provisioning,
            Pending,
            Activating,
            Running,
            Deactivating,
            Stopping,
            Deprovisioning,
            Stopped,
        ];
        for w in all.windows(2) {
            assert!(w[0] < w[1]);
            assert!(w[0].can_move_to(w[1]));
            assert!(!w[1].can_move_to(w[0]));
        }
        assert!(!Running.can_move_to(Stopped));
        assert!(!Pending.can_move_to(Running));
        assert!(Provisioning.can_move_to(Stopped));
    }
}
