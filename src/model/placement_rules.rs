//! What a task definition and a service say about placement: constraints
//! ("Amazon ECS task placement constraints") and strategies ("Amazon ECS
//! task placement strategies"). `crate::placement` applies them.

use super::query::Expr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Cpu,
    Memory,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpreadField {
    InstanceId,
    Attribute(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Strategy {
    /// Least remaining amount of the resource.
    Binpack(Resource),
    /// Fewest tasks of the group per value of the field.
    Spread(SpreadField),
    Random,
}

#[derive(Debug, Clone)]
pub enum Constraint {
    /// Each task of the group on a different instance.
    DistinctInstance,
    MemberOf(Box<Expr>),
}
