#!/usr/bin/env bash
# The whole test suite: brings up RabbitMQ and PostgreSQL (scripts/servers.sh), runs every test
# project against them, and ends with a plain "N passed, N failed" line read from the TRX results.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
command -v dotnet >/dev/null || { echo "needs the .NET 10 SDK: dotnet on PATH (https://dot.net); the scripts install only the servers" >&2; exit 2; }

scripts/servers.sh up
# A fresh test vhost each run, natively or in docker, whether or not the broker ran before.
scripts/servers.sh renew-test-vhost
# The dashboard's browser test drives Debian's Chromium.
scripts/browser.sh >/dev/null
# shellcheck disable=SC1091
source .servers.env
export APMATRIX_TEST_RABBITMQ APMATRIX_TEST_RABBITMQ_APBUS APMATRIX_TEST_RABBITMQ_VFIOAP APMATRIX_TEST_RABBITMQ_GUESTVM APMATRIX_TEST_RABBITMQ_AUDITOR APMATRIX_TEST_POSTGRES \
  APMATRIX_TEST_POSTGRES_APBUS APMATRIX_TEST_POSTGRES_VFIOAP APMATRIX_TEST_POSTGRES_GUESTVM
export MASSTRANSIT_USAGE_TELEMETRY=false DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

results="$repo/TestResults"
rm -rf "$results"
status=0
# A test that hangs is reported by name and ended, instead of holding the run until CI's limit.
dotnet test apmatrix.slnx -c Release --logger "trx" --results-directory "$results" \
  --blame-hang-timeout 12m --blame-hang-dump-type none "$@" || status=$?

passed=0 failed=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})) failed=$((failed + ${f:-0}))
  # A test host ended by the hang timeout or a crash records no failure of its own: it counts as one, with the reason.
  if grep -q '<ResultSummary outcome="\(Failed\|Aborted\|Error\)"' "$trx" && [ "${f:-0}" -eq 0 ]; then
    failed=$((failed + 1))
    sed -n 's/.*<Text>\(.*\)<\/Text>.*/\1/p' "$trx" | sed "s|^|$(basename "$trx"): |" >&2
  fi
done
if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then status=1; echo "no test ran" >&2; fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; echo "dotnet test failed with no test failing: see the build's output" >&2; fi
echo "$passed passed, $failed failed"
exit "$status"
