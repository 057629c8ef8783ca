#!/usr/bin/env bash
# Saves what `ecsim import` reads about an ECS cluster, with read-only AWS CLI
# calls (describe-*, list-*, get-metric-data), one JSON file per call:
#
#   scripts/export-cluster.sh CLUSTER [--region R] [--days N] [--out DIR]
#   ecsim import DIR --out CLUSTER.toml
#
# --days: how much CloudWatch history becomes each service's demand trace
# (default 7; 1-minute points up to 14 days, 5-minute up to 63, hourly beyond).
# --out: the folder to write (default export-CLUSTER). Needs the AWS CLI and
# credentials allowed ecs:Describe*/List*, autoscaling:Describe*,
# application-autoscaling:Describe*, cloudwatch:GetMetricData/DescribeAlarms,
# elasticloadbalancing:DescribeTargetGroups/DescribeTargetGroupAttributes.
# Nothing is changed in the account.
set -euo pipefail

usage() {
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
}

[ $# -ge 1 ] || usage
case "$1" in -h | --help) usage ;; esac
cluster=$1
shift
region=""
days=7
out=""
while [ $# -gt 0 ]; do
    case "$1" in
    --region) region=${2:?--region needs a value}; shift 2 ;;
    --days) days=${2:?--days needs a value}; shift 2 ;;
    --out) out=${2:?--out needs a value}; shift 2 ;;
    -h | --help) usage ;;
    *) echo "export-cluster.sh: unknown argument $1" >&2; usage ;;
    esac
done
case "$days" in '' | *[!0-9]* | 0) echo "export-cluster.sh: --days must be a whole number of days, 1 or more" >&2; exit 2 ;; esac
out=${out:-export-$cluster}
command -v aws >/dev/null || { echo "export-cluster.sh: the AWS CLI (aws) is not on PATH" >&2; exit 1; }

regflag=()
[ -n "$region" ] && regflag=(--region "$region")
awsj() { aws "${regflag[@]}" --output json "$@"; }

mkdir -p "$out"
say() { echo "export-cluster.sh: $*" >&2; }

# The ARNs, names and ids in a saved output (the CLI prints one per string).
grab() { grep -o "$1" "$2" | sort -u || true; }
# Calls `aws ... ARG...` with the arguments given on stdin, $1 at a time.
in_chunks() {
    local size=$1 name=$2
    shift 2
    local n=0 chunk=()
    while IFS= read -r item; do
        [ -n "$item" ] || continue
        chunk+=("$item")
        if [ ${#chunk[@]} -ge "$size" ]; then
            "$@" "${chunk[@]}" >"$out/$name-$n.json"
            n=$((n + 1))
            chunk=()
        fi
    done
    if [ ${#chunk[@]} -gt 0 ]; then
        "$@" "${chunk[@]}" >"$out/$name-$n.json"
    fi
}

say "cluster $cluster"
awsj ecs describe-clusters --clusters "$cluster" --include SETTINGS CONFIGURATIONS >"$out/describe-clusters.json"
grep -q '"clusterName"' "$out/describe-clusters.json" || { say "cluster $cluster not found"; exit 1; }

awsj ecs list-container-instances --cluster "$cluster" >"$out/list-container-instances.json"
grab 'arn:aws[a-z-]*:ecs:[^"]*:container-instance/[^"]*' "$out/list-container-instances.json" |
    in_chunks 100 describe-container-instances awsj ecs describe-container-instances --cluster "$cluster" --container-instances

awsj ecs list-services --cluster "$cluster" >"$out/list-services.json"
services=$(grab 'arn:aws[a-z-]*:ecs:[^"]*:service/[^"]*' "$out/list-services.json" | sed 's#.*/##')
for s in $services; do
    awsj ecs describe-services --cluster "$cluster" --services "$s" >"$out/describe-services-$s.json"
done

# Every revision a service runs (a deployment under way runs two).
n=0
for td in $(cat "$out"/describe-services-*.json 2>/dev/null | grep -o 'arn:aws[a-z-]*:ecs:[^"]*:task-definition/[^"]*' | sort -u); do
    awsj ecs describe-task-definition --task-definition "$td" >"$out/describe-task-definition-$n.json"
    n=$((n + 1))
done

# The only describe call the CLI does not page itself: 10 providers a page,
# every provider of the Region (other clusters' too). Each page is saved.
page=0
token=""
while :; do
    if [ -n "$token" ]; then
        awsj ecs describe-capacity-providers --next-token "$token" >"$out/describe-capacity-providers-$page.json"
    else
        awsj ecs describe-capacity-providers >"$out/describe-capacity-providers-$page.json"
    fi
    token=$(grep -o '"nextToken": "[^"]*"' "$out/describe-capacity-providers-$page.json" | sed 's/.*: "//; s/"$//' || true)
    page=$((page + 1))
    [ -n "$token" ] || break
    [ "$page" -lt 1000 ] || { say "describe-capacity-providers: still a nextToken after 1000 pages; stopped"; break; }
done

awsj ecs list-tasks --cluster "$cluster" --desired-status RUNNING >"$out/list-tasks.json"
grab 'arn:aws[a-z-]*:ecs:[^"]*:task/[^"]*' "$out/list-tasks.json" |
    in_chunks 100 describe-tasks awsj ecs describe-tasks --cluster "$cluster" --tasks

# Auto Scaling groups: behind capacity providers, or holding the instances.
asgs=$(cat "$out"/describe-capacity-providers-*.json | grep -o 'autoScalingGroupName/[^"]*' | sed 's#.*/##' | sort -u || true)
ids=$(cat "$out"/describe-container-instances-*.json 2>/dev/null | grep -o '"ec2InstanceId": "[^"]*"' | sed 's/.*: "//; s/"$//' | sort -u || true)
if [ -n "$ids" ]; then
    echo "$ids" | in_chunks 50 describe-auto-scaling-instances awsj autoscaling describe-auto-scaling-instances --instance-ids
    asgs="$asgs $(cat "$out"/describe-auto-scaling-instances-*.json | grep -o '"AutoScalingGroupName": "[^"]*"' | sed 's/.*: "//; s/"$//')"
fi
asgs=$(echo "$asgs" | tr ' ' '\n' | sort -u | grep -v '^$' || true)
if [ -n "$asgs" ]; then
    # shellcheck disable=SC2086
    awsj autoscaling describe-auto-scaling-groups --auto-scaling-group-names $asgs >"$out/describe-auto-scaling-groups.json"
fi

awsj application-autoscaling describe-scalable-targets --service-namespace ecs >"$out/describe-scalable-targets.json"
awsj application-autoscaling describe-scaling-policies --service-namespace ecs >"$out/describe-scaling-policies.json"
awsj application-autoscaling describe-scheduled-actions --service-namespace ecs >"$out/describe-scheduled-actions.json"
# The step policies' alarms, and the services' deployment alarms
# (deploymentConfiguration.alarms.alarmNames).
alarms=$( (grep -o '"AlarmName": "[^"]*"' "$out/describe-scaling-policies.json" | sed 's/.*: "//; s/"$//'
    cat "$out"/describe-services-*.json 2>/dev/null | sed -n '/"alarmNames"/,/]/p' | grep -v '"alarmNames"' | grep -o '"[^"]*"' | tr -d '"') | sort -u || true)
if [ -n "$alarms" ]; then
    echo "$alarms" | in_chunks 100 describe-alarms awsj cloudwatch describe-alarms --alarm-names
fi

# CloudWatch: per service, CPUUtilization, RunningTaskCount (Container
# Insights) and its target group's RequestCount, labelled "<service> <metric>".
if [ "$days" -le 14 ]; then period=60; elif [ "$days" -le 63 ]; then period=300; else period=3600; fi
end=$(date -u +%Y-%m-%dT%H:%M:00Z)
start=$(date -u -d "-$days days" +%Y-%m-%dT%H:%M:00Z 2>/dev/null || date -u -v-"$days"d +%Y-%m-%dT%H:%M:00Z)
stat() { # id label namespace metric stat dimensions-json
    printf '{"Id": "%s", "Label": "%s", "MetricStat": {"Metric": {"Namespace": "%s", "MetricName": "%s", "Dimensions": %s}, "Period": %s, "Stat": "%s"}}' \
        "$1" "$2" "$3" "$4" "$6" "$period" "$5"
}
# The SQS queue each service's policies read (the QueueName of a
# customized metric, or of a step policy's alarm), as "SERVICE QUEUE":
# its NumberOfMessagesSent and ApproximateNumberOfMessagesVisible are the
# queue's arrivals and backlog (ecsim import makes the service its worker).
queues=$(awk '
    /"AlarmName":/ { svc = "" }
    /"ResourceId": "service\// { s = $0; sub(/.*"ResourceId": "service\/[^\/]*\//, "", s); sub(/".*/, "", s); svc = s }
    /resource\/ecs\/service\// { s = $0; sub(/.*resource\/ecs\/service\/[^\/]*\//, "", s); sub(/[:"].*/, "", s); svc = s }
    /"Name": "QueueName"/ { want = 1; next }
    want && /"Value": "/ { v = $0; sub(/.*"Value": "/, "", v); sub(/".*/, "", v); if (svc != "") print svc, v; want = 0 }
' "$out/describe-scaling-policies.json" "$out"/describe-alarms-*.json 2>/dev/null | sort -u || true)
queries=$(mktemp)
trap 'rm -f "$queries"' EXIT
for s in $services; do
    dims="[{\"Name\": \"ClusterName\", \"Value\": \"$cluster\"}, {\"Name\": \"ServiceName\", \"Value\": \"$s\"}]"
    q="[$(stat c0 "$s CPUUtilization" AWS/ECS CPUUtilization Average "$dims"), $(stat n0 "$s RunningTaskCount" ECS/ContainerInsights RunningTaskCount Average "$dims")"
    tg=$(grab 'arn:aws[a-z-]*:elasticloadbalancing:[^"]*:targetgroup/[^"]*' "$out/describe-services-$s.json" | head -n 1)
    if [ -n "$tg" ]; then
        awsj elbv2 describe-target-groups --target-group-arns "$tg" >"$out/describe-target-groups-$s.json"
        # Its deregistration delay; the bare output does not name the target
        # group, so the query adds its ARN.
        awsj elbv2 describe-target-group-attributes --target-group-arn "$tg" \
            --query "{TargetGroupArn: '$tg', Attributes: Attributes}" >"$out/describe-target-group-attributes-$s.json"
        lb=$(grab 'arn:aws[a-z-]*:elasticloadbalancing:[^"]*:loadbalancer/app/[^"]*' "$out/describe-target-groups-$s.json" | head -n 1)
        if [ -n "$lb" ]; then
            tdims="[{\"Name\": \"TargetGroup\", \"Value\": \"${tg##*:}\"}, {\"Name\": \"LoadBalancer\", \"Value\": \"${lb#*:loadbalancer/}\"}]"
            q="$q, $(stat r0 "$s RequestCount" AWS/ApplicationELB RequestCount Sum "$tdims")"
        fi
    fi
    qn=$(echo "$queues" | awk -v s="$s" '$1 == s { print $2; exit }')
    if [ -n "$qn" ]; then
        qdims="[{\"Name\": \"QueueName\", \"Value\": \"$qn\"}]"
        q="$q, $(stat q0 "$s NumberOfMessagesSent" AWS/SQS NumberOfMessagesSent Sum "$qdims"), $(stat q1 "$s ApproximateNumberOfMessagesVisible" AWS/SQS ApproximateNumberOfMessagesVisible Average "$qdims")"
    fi
    echo "$q]" >"$queries"
    awsj cloudwatch get-metric-data --metric-data-queries "file://$queries" \
        --start-time "$start" --end-time "$end" >"$out/get-metric-data-$s.json"
done

say "wrote $out/ ($(ls "$out" | wc -l | tr -d ' ') files); next: ecsim import $out --out $cluster.toml"
