//! Container instances whose agent is not connected (scenario
//! `agent_disconnected`, describe-container-instances `agentConnected:
//! false`): ECS places no task on them (API reference "ContainerInstance",
//! agentConnected), and the tasks they run keep running. Placement reads
//! `Instance::takes_tasks`; this part only lets the tasks an imported
//! cluster runs on them now be where they are.

use super::Sim;

impl Sim<'_> {
    /// Runs `f` (the placement of `[[initial_tasks]]`) with every agent
    /// connected: those tasks were placed while the agent still was. The
    /// agents listed as disconnected are cut off again afterwards.
    pub(super) fn with_every_agent_connected(&mut self, f: impl FnOnce(&mut Self)) {
        let cut: Vec<u32> = (0..self.cluster.instances.len() as u32)
            .filter(|&i| !self.cluster.instances[i as usize].agent_connected)
            .collect();
        self.set_agents(&cut, true);
        f(self);
        self.set_agents(&cut, false);
    }

    fn set_agents(&mut self, list: &[u32], connected: bool) {
        for &i in list {
            self.cluster.instances[i as usize].agent_connected = connected;
            self.cluster.refile(i);
        }
    }
}
