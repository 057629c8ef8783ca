//! The AWS CLI outputs `ecsim import` reads, as the API models name their
//! fields (ECS camelCase, Auto Scaling and CloudWatch PascalCase). Only the
//! fields that change the simulation are declared; the rest are ignored.

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct DescribeClusters {
    pub clusters: Vec<EcsCluster>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct EcsCluster {
    pub cluster_name: String,
    #[serde(default)]
    pub capacity_providers: Vec<String>,
    #[serde(default)]
    pub default_capacity_provider_strategy: Vec<StrategyItem>,
    #[serde(default)]
    pub service_connect_defaults: Option<Value>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct StrategyItem {
    pub capacity_provider: String,
    #[serde(default)]
    pub weight: Option<i64>,
    #[serde(default)]
    pub base: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeContainerInstances {
    pub container_instances: Vec<ContainerInstance>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ContainerInstance {
    pub container_instance_arn: String,
    #[serde(default)]
    pub ec2_instance_id: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub capacity_provider_name: Option<String>,
    #[serde(default)]
    pub agent_connected: Option<bool>,
    #[serde(default)]
    pub attributes: Vec<Attribute>,
    #[serde(default)]
    pub registered_resources: Vec<Resource>,
}

impl ContainerInstance {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.name == name)
            .and_then(|a| a.value.as_deref())
    }
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Attribute {
    pub name: String,
    #[serde(default)]
    pub value: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub name: String,
    #[serde(default)]
    pub integer_value: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct DescribeServices {
    pub services: Vec<EcsService>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct EcsService {
    pub service_name: String,
    #[serde(default)]
    pub status: Option<String>,
    pub task_definition: String,
    #[serde(default)]
    pub desired_count: Option<i64>,
    #[serde(default)]
    pub running_count: Option<i64>,
    #[serde(default)]
    pub launch_type: Option<String>,
    #[serde(default)]
    pub capacity_provider_strategy: Vec<StrategyItem>,
    #[serde(default)]
    pub scheduling_strategy: Option<String>,
    #[serde(default)]
    pub placement_strategy: Vec<TypeField>,
    #[serde(default)]
    pub placement_constraints: Vec<TypeExpr>,
    #[serde(default)]
    pub deployment_configuration: Option<DeploymentConfiguration>,
    #[serde(default)]
    pub deployment_controller: Option<DeploymentController>,
    #[serde(default)]
    pub health_check_grace_period_seconds: Option<i64>,
    #[serde(default)]
    pub load_balancers: Vec<LoadBalancer>,
    #[serde(default)]
    pub service_registries: Vec<Value>,
    #[serde(default)]
    pub deployments: Vec<ServiceDeployment>,
    #[serde(default)]
    pub availability_zone_rebalancing: Option<String>,
    #[serde(default)]
    pub volume_configurations: Vec<Value>,
}

#[derive(Debug, Deserialize, Clone)]
pub struct TypeField {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub field: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
pub struct TypeExpr {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub expression: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentConfiguration {
    #[serde(default)]
    pub maximum_percent: Option<i64>,
    #[serde(default)]
    pub minimum_healthy_percent: Option<i64>,
    #[serde(default)]
    pub deployment_circuit_breaker: Option<CircuitBreaker>,
    #[serde(default)]
    pub alarms: Option<DeploymentAlarms>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentAlarms {
    #[serde(default)]
    pub alarm_names: Vec<String>,
    #[serde(default)]
    pub enable: bool,
    #[serde(default)]
    pub rollback: bool,
}

#[derive(Debug, Deserialize, Clone)]
pub struct CircuitBreaker {
    pub enable: bool,
    pub rollback: bool,
}

#[derive(Debug, Deserialize, Clone)]
pub struct DeploymentController {
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancer {
    #[serde(default)]
    pub target_group_arn: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ServiceDeployment {
    #[serde(default)]
    pub service_connect_configuration: Option<ServiceConnect>,
    /// PRIMARY (the newest), ACTIVE (older ones still running), INACTIVE.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub task_definition: Option<String>,
    #[serde(default)]
    pub running_count: Option<i64>,
    #[serde(default)]
    pub pending_count: Option<i64>,
    /// COMPLETED, FAILED or IN_PROGRESS.
    #[serde(default)]
    pub rollout_state: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
pub struct ServiceConnect {
    pub enabled: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DescribeCapacityProviders {
    pub capacity_providers: Vec<CapacityProvider>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct CapacityProvider {
    pub name: String,
    #[serde(default)]
    pub auto_scaling_group_provider: Option<AsgProvider>,
    /// ECS Managed Instances (mapped by `import::managed`).
    #[serde(default)]
    pub managed_instances_provider: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct AsgProvider {
    pub auto_scaling_group_arn: String,
    #[serde(default)]
    pub managed_scaling: Option<ManagedScaling>,
    #[serde(default)]
    pub managed_termination_protection: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ManagedScaling {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub target_capacity: Option<i64>,
    #[serde(default)]
    pub minimum_scaling_step_size: Option<i64>,
    #[serde(default)]
    pub maximum_scaling_step_size: Option<i64>,
    #[serde(default)]
    pub instance_warmup_period: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct DescribeTasks {
    pub tasks: Vec<EcsTask>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct EcsTask {
    pub task_arn: String,
    #[serde(default)]
    pub last_status: Option<String>,
    #[serde(default)]
    pub desired_status: Option<String>,
    #[serde(default)]
    pub container_instance_arn: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub launch_type: Option<String>,
    #[serde(default)]
    pub task_definition_arn: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAsgs {
    pub auto_scaling_groups: Vec<Asg>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct Asg {
    pub auto_scaling_group_name: String,
    pub min_size: i64,
    pub max_size: i64,
    pub desired_capacity: i64,
    #[serde(default)]
    pub availability_zones: Vec<String>,
    #[serde(default)]
    pub instances: Vec<AsgInstance>,
    #[serde(default)]
    pub suspended_processes: Vec<SuspendedProcess>,
    #[serde(default)]
    pub mixed_instances_policy: Option<MixedInstancesPolicy>,
    /// The file and field path it was read from, for errors.
    #[serde(skip)]
    pub origin: (std::path::PathBuf, String),
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct AsgInstance {
    pub instance_id: String,
    #[serde(default)]
    pub instance_type: Option<String>,
    #[serde(default)]
    pub availability_zone: Option<String>,
    #[serde(default)]
    pub lifecycle_state: Option<String>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct SuspendedProcess {
    pub process_name: String,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct MixedInstancesPolicy {
    #[serde(default)]
    pub launch_template: Option<MixedLaunchTemplate>,
    #[serde(default)]
    pub instances_distribution: Option<InstancesDistribution>,
}

/// MixedInstancesPolicy.LaunchTemplate: the overrides, in priority order.
#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct MixedLaunchTemplate {
    #[serde(default)]
    pub overrides: Vec<LaunchTemplateOverride>,
}

/// LaunchTemplateOverrides: a type, or attribute-based requirements (kept
/// raw, PascalCase as the CLI prints them); `WeightedCapacity` is a string.
#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct LaunchTemplateOverride {
    #[serde(default)]
    pub instance_type: Option<String>,
    #[serde(default)]
    pub weighted_capacity: Option<String>,
    #[serde(default)]
    pub instance_requirements: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct InstancesDistribution {
    #[serde(default)]
    pub on_demand_base_capacity: Option<i64>,
    #[serde(default)]
    pub on_demand_percentage_above_base_capacity: Option<i64>,
    #[serde(default)]
    pub on_demand_allocation_strategy: Option<String>,
    #[serde(default)]
    pub spot_allocation_strategy: Option<String>,
    #[serde(default)]
    pub spot_instance_pools: Option<i64>,
    #[serde(default)]
    pub spot_max_price: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeScalableTargets {
    pub scalable_targets: Vec<ScalableTarget>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct ScalableTarget {
    pub service_namespace: String,
    pub resource_id: String,
    pub min_capacity: i64,
    pub max_capacity: i64,
    #[serde(default)]
    pub suspended_state: Option<SuspendedState>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct SuspendedState {
    #[serde(default)]
    pub dynamic_scaling_in_suspended: bool,
    #[serde(default)]
    pub dynamic_scaling_out_suspended: bool,
    #[serde(default)]
    pub scheduled_scaling_suspended: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeScalingPolicies {
    pub scaling_policies: Vec<ScalingPolicy>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct ScalingPolicy {
    pub policy_name: String,
    pub service_namespace: String,
    pub resource_id: String,
    pub policy_type: String,
    #[serde(default)]
    pub target_tracking_scaling_policy_configuration: Option<TargetTracking>,
    #[serde(default)]
    pub step_scaling_policy_configuration: Option<StepScaling>,
    #[serde(default)]
    pub alarms: Vec<AlarmRef>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct TargetTracking {
    pub target_value: f64,
    #[serde(default)]
    pub predefined_metric_specification: Option<PredefinedMetric>,
    #[serde(default)]
    pub customized_metric_specification: Option<Value>,
    #[serde(default)]
    pub scale_out_cooldown: Option<i64>,
    #[serde(default)]
    pub scale_in_cooldown: Option<i64>,
    #[serde(default)]
    pub disable_scale_in: Option<bool>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct PredefinedMetric {
    pub predefined_metric_type: String,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct StepScaling {
    #[serde(default)]
    pub adjustment_type: Option<String>,
    #[serde(default)]
    pub step_adjustments: Vec<StepAdjustment>,
    #[serde(default)]
    pub cooldown: Option<i64>,
    #[serde(default)]
    pub min_adjustment_magnitude: Option<i64>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct StepAdjustment {
    #[serde(default)]
    pub metric_interval_lower_bound: Option<f64>,
    #[serde(default)]
    pub metric_interval_upper_bound: Option<f64>,
    pub scaling_adjustment: i64,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct AlarmRef {
    pub alarm_name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeScheduledActions {
    pub scheduled_actions: Vec<ScheduledAction>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct ScheduledAction {
    pub scheduled_action_name: String,
    pub service_namespace: String,
    pub resource_id: String,
    pub schedule: String,
    #[serde(default)]
    pub timezone: Option<String>,
    /// When a recurring action starts and stops (UTC): the CLI prints a
    /// timestamp as ISO 8601 (v2) or epoch seconds (v1).
    #[serde(default)]
    pub start_time: Option<Value>,
    #[serde(default)]
    pub end_time: Option<Value>,
    #[serde(default)]
    pub scalable_target_action: Option<TargetAction>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct TargetAction {
    #[serde(default)]
    pub min_capacity: Option<i64>,
    #[serde(default)]
    pub max_capacity: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeAlarms {
    #[serde(default)]
    pub metric_alarms: Vec<MetricAlarm>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct MetricAlarm {
    pub alarm_name: String,
    #[serde(default)]
    pub metric_name: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    /// As the CLI prints them: [{"Name": …, "Value": …}].
    #[serde(default)]
    pub dimensions: Value,
    pub comparison_operator: String,
    pub threshold: f64,
    #[serde(default)]
    pub statistic: Option<String>,
    /// Seconds: 10, 20, 30 or a multiple of 60.
    #[serde(default)]
    pub period: Option<i64>,
    #[serde(default)]
    pub evaluation_periods: Option<i64>,
    #[serde(default)]
    pub datapoints_to_alarm: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetMetricData {
    pub metric_data_results: Vec<MetricResult>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct MetricResult {
    pub id: String,
    #[serde(default)]
    pub label: Option<String>,
    pub timestamps: Vec<String>,
    pub values: Vec<f64>,
    /// Its field path in the file (`MetricDataResults[0]`), for errors.
    #[serde(skip)]
    pub origin: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeTargetGroups {
    pub target_groups: Vec<TargetGroup>,
}

/// `aws elbv2 describe-target-groups`: the health check a task must pass
/// before the service counts it healthy.
#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct TargetGroup {
    pub target_group_arn: String,
    #[serde(default)]
    pub health_check_interval_seconds: Option<i64>,
    #[serde(default)]
    pub health_check_timeout_seconds: Option<i64>,
    #[serde(default)]
    pub healthy_threshold_count: Option<i64>,
    #[serde(default)]
    pub unhealthy_threshold_count: Option<i64>,
    #[serde(default)]
    pub health_check_enabled: Option<bool>,
    #[serde(default)]
    pub load_balancer_arns: Vec<String>,
    /// The file and field path it was read from, for errors.
    #[serde(skip)]
    pub origin: (std::path::PathBuf, String),
}

/// `aws elbv2 describe-target-group-attributes --query
/// "{TargetGroupArn: 'ARN', Attributes: Attributes}"`: the CLI's output
/// with the ARN it was asked about (the bare output does not name it).
#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct TargetGroupAttributes {
    pub target_group_arn: String,
    pub attributes: Vec<KeyValue>,
    #[serde(skip)]
    pub origin: (std::path::PathBuf, String),
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "PascalCase")]
pub struct KeyValue {
    pub key: String,
    #[serde(default)]
    pub value: Option<String>,
}
