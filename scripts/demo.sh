#!/usr/bin/env bash
# The main job: brings up RabbitMQ and PostgreSQL, starts ApBus, VfioAp and GuestVm on loopback,
# runs the demo scenarios through them (batched, then per-queue), prints each guest's APCB and
# update count, and stops the services it started. API keys are made fresh for each run into
# .run/api-keys.env (mode 0600, git-ignored): the operator's (apctl's APMATRIX_API_KEY) and the keys
# ApBus and VfioAp call each other with; each service is given only the hashes it admits and its own key.
# Each service connects to the broker as its own user (.servers.env's APMATRIX_RABBITMQ_<SERVICE>) and to its
# database, which servers.sh made and gave it, as its own role (APMATRIX_POSTGRES_<SERVICE>).
# With --serve the services stay up after the demo, for apctl (README.md, "Operating it with apctl"), until Ctrl-C.
# The dashboard (http://127.0.0.1:5104/) reads the three services with a viewer key of its own and admits the viewer's key.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
command -v dotnet >/dev/null || { echo "needs the .NET 10 SDK: dotnet on PATH (https://dot.net); the scripts install only the servers" >&2; exit 2; }
usage="usage: scripts/demo.sh [--serve]   (--serve: the services stay up after the demo, until Ctrl-C)"
serve=false
case "$#:${1:-}" in
  0:) ;;
  1:--serve) serve=true ;;
  1:-h|1:--help) echo "$usage"; exit 0 ;;
  *) echo "scripts/demo.sh: unknown arguments: $*; $usage" >&2; exit 2 ;;
esac
# A stack already on these ports would answer in place of the new one, which knows other keys: refuse before any change.
for port in 5101 5102 5103 5104; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "127.0.0.1:$port is in use (a stack of 'scripts/demo.sh --serve' still running?): stop it first (Ctrl-C in its shell); nothing was changed" >&2
    exit 1
  fi
done

scripts/servers.sh up
# shellcheck disable=SC1091
source .servers.env
export MASSTRANSIT_USAGE_TELEMETRY=false DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# A 16 MiB gen0 budget: batches held until they commit outlive the default's ~6 MiB (docs/ARCHITECTURE.md, Settings).
export DOTNET_GCgen0size=0x1000000

echo "building..." >&2
dotnet build apmatrix.slnx -c Release -v q -nologo >/dev/null

# The services' logs and the keys: the run's own user only.
mkdir -p .run && chmod 700 .run
new_key() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }
sha256() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
rm -f .run/api-keys.env
(
  umask 077
  printf '%s\n' "# API keys of the demo run of $(date -u +%FT%TZ); never commit them" \
    "APMATRIX_API_KEY=$(new_key)" "APMATRIX_APBUS_KEY=$(new_key)" "APMATRIX_VFIOAP_KEY=$(new_key)" \
    "APMATRIX_DASHBOARD_KEY=$(new_key)" "APMATRIX_VIEWER_KEY=$(new_key)" >.run/api-keys.env
)
# shellcheck disable=SC1091
source .run/api-keys.env
# The operator's key changes the services; the dashboard only reads, so it admits viewers alone.
operator=(Auth__Clients__operator__KeySha256="$(sha256 "$APMATRIX_API_KEY")" Auth__Clients__operator__Role=operator)
dashboard_hash=$(sha256 "$APMATRIX_DASHBOARD_KEY")
export Auth__Clients__dashboard__KeySha256=$dashboard_hash Auth__Clients__dashboard__Role=viewer
# A person's read-only key: the dashboard, every service's reads and /metrics.
viewer_hash=$(sha256 "$APMATRIX_VIEWER_KEY")
export Auth__Clients__viewer__KeySha256=$viewer_hash Auth__Clients__viewer__Role=viewer

pids=()
stop_services() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_services EXIT

# start NAME PORT [VAR=VALUE...]: the settings only this service gets.
start() {
  local name=$1 port=$2
  shift 2
  # Exported in a subshell, not given to env: a key on a command line shows in every process list.
  # --urls on the command line: appsettings.json names a fixed "Urls", which beats ASPNETCORE_URLS.
  (
    # .servers.env exported the admin's and every service's credentials: a service gets only its own, below.
    unset "${!APMATRIX_@}"
    (($#)) && export "$@"
    exec dotnet "services/$name/bin/Release/net10.0/Apmatrix.$name.dll" --urls "http://127.0.0.1:$port"
  ) >".run/$name.log" 2>&1 &
  pids+=("$!")
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1; then echo "$name ready on 127.0.0.1:$port" >&2; return; fi
    kill -0 "${pids[-1]}" 2>/dev/null || { echo "$name exited; see .run/$name.log" >&2; tail -20 ".run/$name.log" >&2; exit 1; }
    sleep 0.5
  done
  echo "$name not ready after 60 s; see .run/$name.log" >&2
  exit 1
}
start VfioAp 5102 "${operator[@]}" ConnectionStrings__RabbitMq="$APMATRIX_RABBITMQ_VFIOAP" ConnectionStrings__Postgres="$APMATRIX_POSTGRES_VFIOAP" \
  Services__ApBusKey="$APMATRIX_VFIOAP_KEY" \
  Auth__Clients__apbus__KeySha256="$(sha256 "$APMATRIX_APBUS_KEY")" Auth__Clients__apbus__Role=service
start GuestVm 5103 "${operator[@]}" ConnectionStrings__RabbitMq="$APMATRIX_RABBITMQ_GUESTVM" ConnectionStrings__Postgres="$APMATRIX_POSTGRES_GUESTVM"
start ApBus 5101 "${operator[@]}" ConnectionStrings__RabbitMq="$APMATRIX_RABBITMQ_APBUS" ConnectionStrings__Postgres="$APMATRIX_POSTGRES_APBUS" \
  Services__VfioApKey="$APMATRIX_APBUS_KEY" \
  Auth__Clients__vfioap__KeySha256="$(sha256 "$APMATRIX_VFIOAP_KEY")" Auth__Clients__vfioap__Role=service
start Dashboard 5104 Services__ApBusKey="$APMATRIX_DASHBOARD_KEY" Services__VfioApKey="$APMATRIX_DASHBOARD_KEY" \
  Services__GuestVmKey="$APMATRIX_DASHBOARD_KEY"
echo "dashboard: http://127.0.0.1:5104/ with the viewer's key (APMATRIX_VIEWER_KEY in .run/api-keys.env)" >&2

apctl_dll=tools/apctl/bin/Release/net10.0/apctl.dll
apctl="dotnet $apctl_dll"
# The table goes to the terminal; the full result (with every mdev's matrix) to .run/demo.json.
APMATRIX_API_KEY=$APMATRIX_API_KEY $apctl --output json scenario run --stack demo/adapters-added-batched.json demo/adapters-added-per-queue.json >.run/demo.json
echo "full result: .run/demo.json; service logs: .run/*.log" >&2
# This run's hosts (the database keeps every host earlier runs gave it), named in the result.
hosts=$(grep -o '"host": "[^"]*"' .run/demo.json | cut -d'"' -f4 | paste -sd'|')
APMATRIX_API_KEY=$APMATRIX_API_KEY $apctl host list | awk -v hosts="^($hosts) " 'NR == 1 || $0 ~ hosts' >&2
if $serve; then
  echo "services up on 127.0.0.1:5101-5104; in another shell: set -a; source $repo/.run/api-keys.env; set +a; alias apctl='dotnet $repo/$apctl_dll'" >&2
  echo "Ctrl-C stops them" >&2
  wait
fi
