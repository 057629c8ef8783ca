//! `ecsim import`: a scenario from the AWS CLI outputs of a running cluster.

pub mod shapes;
pub mod taskdef_forms;
