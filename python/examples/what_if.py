# What if: which instance type and CPU target give the cheapest web service
# that stays available? A two-day EC2 web service with diurnal demand, target
# tracking on CPU and a capacity provider scaling the Auto Scaling group; a
# sweep over instance type × target, two replications each; cost against
# availability, one point per configuration.
#
# The script twin of what-if.ipynb: its cells are this file's `# %%` parts,
# less the lines marked `script only` (tests/test_examples.py checks that);
# CI runs this one.
#   python python/examples/what_if.py [OUT.png]
import sys  # script only

import matplotlib  # script only

matplotlib.use("Agg")  # script only: no display; a notebook shows the figure inline
import matplotlib.pyplot as plt

import ecsim

# %% Load: a scenario as a dict shaped like the TOML file (ecsim.load(path)
# reads one from disk).
s = ecsim.Scenario.from_dict({
    "name": "what-if",
    "duration": "2d",
    "seed": 7,
    "cluster": {"availability_zones": ["us-east-1a", "us-east-1b", "us-east-1c"]},
    "instance_groups": [{
        "name": "web-asg", "instance_type": "m5.large",
        "count": 3, "min_size": 3, "max_size": 30,
    }],
    "capacity_providers": [{
        "name": "web-cp", "instance_group": "web-asg", "target_capacity": 100,
    }],
    "task_definitions": [{"family": "web", "cpu": 1024, "memory": 2048}],
    "services": [{
        "name": "web", "task_definition": "web", "desired_count": 6,
        "capacity_provider_strategy": [{"capacity_provider": "web-cp", "weight": 1}],
        "capacity_per_task": 100,
        "demand": {
            "kind": "diurnal", "mean": 900, "amplitude": 600, "peak": "14:00",
            "noise": "poisson",
            "spikes": [{"at": "9h", "duration": "20m", "factor": 1.8, "every": "1d"}],
        },
        "autoscaling": {
            "min_capacity": 3, "max_capacity": 60,
            "metric": "ECSServiceAverageCPUUtilization", "target": 50,
        },
    }],
})
print(s.validate())

# %% Vary instance type × target: every combination, two seeds each.
runs = ecsim.sweep(
    s,
    grid={
        "instance_groups.web-asg.instance_type": ["m5.large", "c5.xlarge", "m5.2xlarge"],
        "services.web.autoscaling.target": [50, 70, 90],
    },
    replications=2,
)
agg = runs.aggregate.to_pandas()
cols = [
    "instance_groups.web-asg.instance_type",
    "services.web.autoscaling.target",
    "total_cost_usd.mean",
    "services.web.availability.request_availability_pct.mean",
]
print(agg[cols].to_string(index=False))

# %% Plot cost against availability, one marker per instance type.
fig, ax = plt.subplots(figsize=(7, 4.5))
for itype, g in agg.groupby(cols[0]):
    ax.plot(g[cols[3]], g[cols[2]], "o-", label=itype)
    for _, row in g.iterrows():
        ax.annotate(f"{row[cols[1]]:.0f}%", (row[cols[3]], row[cols[2]]),
                    textcoords="offset points", xytext=(4, 4), fontsize=8)
ax.set_xlabel("requests served after warm-up (%)")
ax.set_ylabel("cost of the two days (USD)")
ax.set_title("web: instance type × CPU target")
ax.legend(title="instance type")
fig.tight_layout()
if len(sys.argv) > 1:  # script only
    fig.savefig(sys.argv[1], dpi=100)  # script only
    print("wrote", sys.argv[1])  # script only
