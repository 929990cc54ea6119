#!/usr/bin/env bash
# The main job: brings up RabbitMQ and PostgreSQL, starts ApBus, VfioAp and GuestVm on loopback,
# runs the demo scenarios through them (batched, then per-queue), prints each guest's APCB and
# update count, and stops the services it started.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

scripts/servers.sh up
# shellcheck disable=SC1091
source .servers.env
export MASSTRANSIT_USAGE_TELEMETRY=false DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export ConnectionStrings__RabbitMq="$APMATRIX_RABBITMQ" ConnectionStrings__Postgres="$APMATRIX_POSTGRES"

echo "building..." >&2
dotnet build apmatrix.slnx -c Release -v q -nologo >/dev/null

mkdir -p .run
pids=()
stop_services() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_services EXIT

start() {
  local name=$1 port=$2
  # On the command line: appsettings.json names a fixed "Urls", which beats ASPNETCORE_URLS.
  dotnet "services/$name/bin/Release/net10.0/Apmatrix.$name.dll" --urls "http://127.0.0.1:$port" >".run/$name.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then echo "$name ready on 127.0.0.1:$port" >&2; return; fi
    kill -0 "${pids[-1]}" 2>/dev/null || { echo "$name exited; see .run/$name.log" >&2; tail -20 ".run/$name.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "$name not ready after 60 s; see .run/$name.log" >&2
  exit 1
}
start VfioAp 5102
start GuestVm 5103
start ApBus 5101

apctl="dotnet tools/apctl/bin/Release/net10.0/apctl.dll"
# The table goes to the terminal; the full result (with every mdev's matrix) to .run/demo.json.
$apctl scenario run --stack demo/adapters-added-batched.json demo/adapters-added-per-queue.json >.run/demo.json
echo "full result: .run/demo.json; service logs: .run/*.log" >&2
