#!/usr/bin/env bash
# The fault runs: each fault injected into 5 scans of 4 hosts at 64 x 64 (16 guests each), one after another
# (after two scans without a fault, the yardstick), once with the bus events grouped and once per queue,
# every run ending exact with the subscriber's in-order check and no action by hand; each service killed once more as one
# of two instances of every service (per queue); then 100 poison messages in
# a full-scale scan, purged bus-event lanes healed by reconciliation (these two in both forms too), and (with
# `cluster`) the three-node cluster's faults, per queue.
# Native servers only (it stops and starts them). Reports: reports/load-fault-*.{md,json}; a summary at the end.
#   scripts/faults.sh [NAME...]  the single-node faults, poison and reconciliation (only the runs named, if any:
#                                fault-none, fault-broker-restart, ..., as the reports are named)
#   scripts/faults.sh cluster [NAME...]  the cluster's: node killed, leader stopped, and a full-scale scan on it in
#                                both forms, each against its ceiling on the same cluster and queue type
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

scripts/servers.sh up
[[ ${1:-} == cluster ]] && scripts/servers.sh cluster-up
# shellcheck disable=SC1091
source .servers.env
export APMATRIX_RABBITMQ APMATRIX_RABBITMQ_APBUS APMATRIX_RABBITMQ_VFIOAP APMATRIX_RABBITMQ_GUESTVM APMATRIX_POSTGRES \
  APMATRIX_POSTGRES_APBUS APMATRIX_POSTGRES_VFIOAP APMATRIX_POSTGRES_GUESTVM APMATRIX_RABBITMQ_CLUSTER_DIR="${APMATRIX_RABBITMQ_CLUSTER_DIR:-}"
export MASSTRANSIT_USAGE_TELEMETRY=false DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
for project in services/ApBus services/VfioAp services/GuestVm tools/LoadTest; do
  dotnet build "$project" -c Release -v q -nologo >/dev/null
done

load=(dotnet tools/LoadTest/bin/Release/net10.0/Apmatrix.LoadTest.dll)
small=(--hosts 4 --adapters 64 --domains 64 --guests 16 --vcpus 4 --scans 5 --subscribers 1 --ceiling off --timeout 1500)
status=0
cluster=false
[[ ${1:-} == cluster ]] && cluster=true && shift
only=" $* "
# --name comes first in every run below: a run not named on the command line is skipped when some are.
run() { [[ -z ${only// /} || $only == *" $2 "* ]] || return 0; "${load[@]}" "$@" || status=1; }
if $cluster; then
  nodes=(--nodes "$APMATRIX_RABBITMQ_NODES")
  run --name fault-cluster-node-kill "${small[@]}" --form per-queue "${nodes[@]}" --fault cluster-node-kill --fault-after 1000
  run --name fault-cluster-leader-restart "${small[@]}" --form per-queue "${nodes[@]}" --fault cluster-leader-restart --fault-after 1000 --fault-for 5000
  run --name cluster-full-scale --adapters 256 --domains 256 --guests 256 --vcpus 4 "${nodes[@]}" --timeout 900 --form both
else
  run --name fault-none "${small[@]}" --scans 2 --form both
  # A grouped scan of these hosts is over in about 0.3 s, a per-queue one in about 15: the fault starts 100 ms into
  # the one and 1 s into the other, so that it lands inside the scan.
  fault() {
    local name=$1
    shift
    run --name "$name" "${small[@]}" --form grouped --fault-after 100 "$@"
    run --name "$name-per-queue" "${small[@]}" --form per-queue --fault-after 1000 "$@"
  }
  fault fault-broker-restart --fault broker-restart --fault-for 5000
  fault fault-postgres-restart --fault postgres-restart
  fault fault-postgres-outage --fault postgres-outage --fault-for 60000
  for service in apbus vfioap guestvm; do
    fault "fault-kill-$service" --fault "kill:$service"
  done
  # Two instances of every service, one of them killed: the other carries the hosts on while it comes back.
  for service in apbus vfioap guestvm; do
    run --name "fault-kill-one-of-two-$service" "${small[@]}" --form per-queue --apbus 2 --vfioap 2 --guestvm 2 \
      --fault "kill:$service" --fault-after 1000
  done
  run --name fault-purge-events "${small[@]}" --fault purge-events --fault-after 200 --form both
  run --name fault-poison --adapters 256 --domains 256 --guests 256 --vcpus 4 --poison 100 --fault-after 1000 --ceiling off --timeout 900 \
    --form both
fi
grep -h "^# Load test\|^- .*ms into scan\|Faults:" reports/load-fault-*.md reports/load-cluster-full-scale.md 2>/dev/null || true
exit "$status"
