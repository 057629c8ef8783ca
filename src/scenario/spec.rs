//! The scenario file as written (TOML). Everything here is checked and turned
//! into the model by `build`; fields are raw so errors can name them.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A `[[faults]]` entry, read beside what builds it.
pub use super::faults::FaultSpec;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    pub name: String,
    #[serde(default = "default_duration")]
    pub duration: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub seed: u64,
    /// AWS region whose prices apply (default us-east-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The start-up the quality figures leave out: "auto" (the default),
    /// "0s" or a duration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warm_up: Option<String>,
    pub cluster: ClusterSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fargate: Option<FargateSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing: Option<PricingSpec>,
    /// Launch-rate quotas (`quotas.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quotas: Option<super::quotas::QuotasSpec>,
    /// Image pull throughput (`image_pull.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull: Option<super::image_pull::ImagePullSpec>,
    /// Types added to the catalog or overriding it (`instance_types.rs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instance_types: Vec<super::instance_types::InstanceTypeSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instance_groups: Vec<InstanceGroupSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capacity_providers: Vec<CapacityProviderSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub task_definitions: Vec<TaskDefSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ServiceSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jobs: Vec<JobSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deployments: Vec<super::deployments::DeploymentSpec>,
    /// Service tasks RUNNING at time 0 on given instances (`initial.rs`);
    /// when any is listed, DAEMON services also start RUNNING on every instance.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub initial_tasks: Vec<super::initial::InitialTaskSpec>,
    /// Queues feeding services' tasks (`queues.rs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queues: Vec<super::queues::QueueSpec>,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

fn default_duration() -> String {
    "1d".into()
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub availability_zones: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceGroupSpec {
    pub name: String,
    /// One type; or `instance_types` (launch template overrides in
    /// priority order, names or `{ type, weighted_capacity }` tables); or
    /// `instance_requirements` (attribute-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_types: Option<Vec<toml::Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_requirements: Option<toml::Value>,
    /// Desired capacity at time 0 (in capacity units when types are weighted).
    pub count: i64,
    /// Auto Scaling group bounds (default: count).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_size: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<i64>,
    /// Each instance holds a public IPv4 address (billed per hour).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<bool>,
    /// The Auto Scaling group's AZRebalance process (default on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub az_rebalance: Option<bool>,
    /// Zones to spread the group over; all cluster zones by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zones: Option<Vec<String>>,
    /// `InstancesDistribution` of a mixed-instances group (`mixed.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_demand_base_capacity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_demand_percentage_above_base_capacity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spot_allocation_strategy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_demand_allocation_strategy: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attributes: BTreeMap<String, String>,
    /// `on-demand` (default) or `spot`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub market: Option<String>,
    /// `ECS_RESERVED_MEMORY`: MiB kept back from tasks (agent default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_memory_mib: Option<i64>,
    /// Overrides the modelled registered memory for the type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_memory_mib: Option<i64>,
    /// From launch to registration with the cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_delay: Option<DistSpec>,
    /// The part of the launch the instance is `pending` (not billed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_delay: Option<DistSpec>,
    /// ECS account setting awsvpcTrunking on when the group's instances launch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub awsvpc_trunking: Option<bool>,
    /// Instances (0-based, in the group) that start DRAINING, as a
    /// container instance's status can be: no new task lands on them and
    /// their service tasks are replaced elsewhere.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub draining_instances: Vec<i64>,
    /// The group's instances (from 0) whose container agent is not connected.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agent_disconnected: Vec<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityProviderSpec {
    pub name: String,
    /// "auto_scaling_group" (the default) or "managed_instances".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The instance group that is this provider's Auto Scaling group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_group: Option<String>,
    /// Managed Instances: the types ECS may launch (InstanceRequirements).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_requirements: Option<crate::catalog::requirements::Requirements>,
    /// Managed Instances: "on_demand" (the default) or "spot".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_option: Option<String>,
    /// Managed Instances: infrastructureOptimization.scaleInAfter, a
    /// duration up to 1h, or "off" (-1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_in_after: Option<String>,
    /// Managed Instances: the zones (subnets) it launches into [default: all].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zones: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_capacity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_scaling_step_size: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_scaling_step_size: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_warmup_period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_termination_protection: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaskDefSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// A JSON file as passed to `aws ecs register-task-definition --cli-input-json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub containers: Option<Vec<ContainerSpec>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_platform: Option<String>,
    /// `bridge` (default), `host`, `awsvpc` or `none`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<String>,
    /// GPUs the task reserves (container `resourceRequirements` type GPU, summed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu: Option<i64>,
    /// Fargate ephemeral storage (GiB, 20-200; the first 20 are free).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral_storage_gib: Option<i64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placement_constraints: Vec<ConstraintSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup: Option<DistSpec>,
    /// The container image's size (MiB, compressed, all containers):
    /// PENDING is its pull (`[image_pull]`) unless `startup` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_size_mib: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation: Option<DistSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deactivation: Option<DistSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shutdown: Option<DistSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_timeout: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerSpec {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_reservation: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub essential: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub host_ports: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<super::taskdef_rules::HealthCheckSpec>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSpec {
    pub name: String,
    pub task_definition: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_count: Option<i64>,
    /// awsvpcConfiguration.assignPublicIp for its Fargate tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assign_public_ip: Option<bool>,
    /// `EC2` (default) or `FARGATE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_type: Option<String>,
    /// FARGATE / FARGATE_SPOT providers with base and weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_provider_strategy: Option<Vec<ProviderSpec>>,

    /// `REPLICA` (default) or `DAEMON`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduling_strategy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement_strategy: Option<Vec<StrategySpec>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placement_constraints: Vec<ConstraintSpec>,
    /// Changes of desired count at given times (what an operator or
    /// `aws ecs update-service --desired-count` would do).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub desired_count_changes: Vec<DesiredChangeSpec>,
    /// Load on the service, requests per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demand: Option<DemandSpec>,
    /// Requests per second one task serves at 100% CPU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_per_task: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_utilization: Option<MemoryUtilSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<AutoScalingSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_configuration: Option<DeploymentConfigSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_grace_period: Option<String>,
    /// The target group its tasks register with (health check only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<super::load_balancer::LoadBalancerSpec>,
    /// Availability Zone rebalancing (`availabilityZoneRebalancing`);
    /// default: on when the service's placement allows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone_rebalancing: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_alarms: Option<super::deploy_alarms::DeploymentAlarmsSpec>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentConfigSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_healthy_percent: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_percent: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circuit_breaker: Option<CircuitBreakerSpec>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CircuitBreakerSpec {
    pub enable: bool,
    #[serde(default)]
    pub rollback: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DemandSpec {
    /// constant | diurnal | steps | ramps | trace
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amplitude: Option<f64>,
    /// Time of day of the diurnal peak, "14:00".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<Vec<PointSpec>>,
    /// A CSV `timestamp,value` or `aws cloudwatch get-metric-data` JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Multiplies trace values into requests per second (1/60 for per-minute sums).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,
    /// "poisson" draws each minute's requests from a Poisson distribution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub noise: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spikes: Vec<SpikeSpec>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PointSpec {
    pub at: String,
    pub value: f64,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SpikeSpec {
    pub at: String,
    pub duration: String,
    pub factor: f64,
    /// Repeat every this long (e.g. "1d"); once when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MemoryUtilSpec {
    pub idle: f64,
    pub full: f64,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AutoScalingSpec {
    pub min_capacity: i64,
    pub max_capacity: i64,
    /// Target tracking: the metric (default ECSServiceAverageCPUUtilization) and its target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_out_cooldown: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale_in_cooldown: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_scale_in: Option<bool>,
    /// More target tracking policies, each on its own metric.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_tracking: Vec<super::target_tracking::TargetTrackingSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub step_scaling: Vec<StepPolicySpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scheduled: Vec<ScheduledSpec>,
    /// Delay before a minute's datapoint is visible to alarms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publication_delay: Option<String>,
    /// The same for a 20-second datapoint of a HighResolution metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_resolution_publication_delay: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StepPolicySpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// ">=", ">", "<=", "<" (or CloudWatch's GreaterThanOrEqualToThreshold, ...).
    pub comparison: String,
    pub threshold: f64,
    /// The alarm's Period, a whole number of minutes; default "60s".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_periods: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datapoints_to_alarm: Option<i64>,
    /// ChangeInCapacity (default), ExactCapacity or PercentChangeInCapacity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjustment_type: Option<String>,
    pub steps: Vec<StepSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cooldown: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_adjustment_magnitude: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lower: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper: Option<f64>,
    pub adjustment: i64,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledSpec {
    /// "HH:MM" (daily unless `every` says otherwise) or a time from the start ("36h").
    pub at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_capacity: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_capacity: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DesiredChangeSpec {
    pub at: String,
    pub desired_count: i64,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JobSpec {
    pub name: String,
    pub task_definition: String,
    pub arrivals: ArrivalSpec,
    pub duration: DistSpec,
    /// awsvpcConfiguration.assignPublicIp for its Fargate tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assign_public_ip: Option<bool>,
    /// `EC2` (default) or `FARGATE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch_type: Option<String>,
    /// FARGATE / FARGATE_SPOT providers with base and weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_provider_strategy: Option<Vec<ProviderSpec>>,

    /// Task group for spread / distinctInstance; `family:<task definition>` by default, as RunTask.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placement_strategy: Option<Vec<StrategySpec>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placement_constraints: Vec<ConstraintSpec>,
    /// `fail` (default, as RunTask) or `queue` (a client-side queue).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_capacity: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StrategySpec {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ConstraintSpec {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
}

/// One syntax for every random delay. Read through `RawDist`, a plain
/// table, so that a wrong field is named by its own path
/// (`jobs[0].duration.value`), which an internally tagged enum cannot do.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    try_from = "super::kinds::RawDist",
    tag = "kind",
    rename_all = "lowercase"
)]
pub enum DistSpec {
    Constant { value: String },
    Exponential { mean: String },
    Lognormal { median: String, sigma: f64 },
    Uniform { min: String, max: String },
    Empirical { file: String },
    Weibull { shape: f64, scale: String },
}

/// Read through `RawArrivals`, as `DistSpec` is.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(
    try_from = "super::kinds::RawArrivals",
    tag = "kind",
    rename_all = "lowercase"
)]
pub enum ArrivalSpec {
    Poisson {
        rate_per_hour: f64,
        #[serde(skip_serializing_if = "Option::is_none")]
        batch: Option<i64>,
    },
    Schedule {
        every: String,
        count: i64,
        #[serde(skip_serializing_if = "Option::is_none")]
        at: Option<String>,
    },
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderSpec {
    pub capacity_provider: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FargateSpec {
    /// Time in PROVISIONING (capacity and ENI) before the image pull starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioning: Option<DistSpec>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PricingSpec {
    /// Fraction off the on-demand price for EC2 Spot instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ec2_spot_discount: Option<f64>,
    /// Fraction off the Fargate price for FARGATE_SPOT tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fargate_spot_discount: Option<f64>,
    /// CSV of EC2 Spot prices over time: `time,instance_type,usd_per_hour`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ec2_spot_prices: Option<String>,
    /// Size of a gp3 root volume billed with every instance (0 = none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ebs_root_volume_gib: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub savings_plan: Option<SavingsPlanSpec>,
    /// Prices of opted-in extras, USD per hour (us-east-1's by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ipv4_usd_per_hour: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alb_usd_per_hour: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alb_lcu_usd_per_hour: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SavingsPlanSpec {
    pub commitment_usd_per_hour: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ec2_discount: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fargate_discount: Option<f64>,
}
