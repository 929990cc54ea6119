#!/usr/bin/env bash
# RabbitMQ + PostgreSQL on 127.0.0.1 for the apmatrix stack and tests.
#
#   scripts/servers.sh up      install if needed, start, provision, write $REPO/.servers.env (idempotent)
#                              (RabbitMQ's Prometheus counters on 127.0.0.1:15692, a cluster node's on its AMQP port + 10020;
#                              its management UI/API on 127.0.0.1:15672, a cluster node's on its AMQP port + 10000)
#   scripts/servers.sh down    stop both servers (tolerant if not running)
#   scripts/servers.sh status  report both (and the cluster nodes if started); exit 0 iff both are ready
#   scripts/servers.sh cluster-up    three clustered RabbitMQ nodes on 127.0.0.1:5673-5675 (native only,
#                                    idempotent; data, logs and cookie in $REPO/.run/rabbit-cluster)
#   scripts/servers.sh cluster-down  stop the three nodes (tolerant if not running)
#   scripts/servers.sh renew-test-vhost  make the apmatrix-test vhost again, empty (the broker must run)
#
#   scripts/servers.sh definitions [vhost...]  print the broker's users and permissions (RabbitMQ definitions JSON)
#                                    for the vhosts (default apmatrix apmatrix-test), e.g. for another test vhost:
#                                    rabbitmqctl add_vhost v && scripts/servers.sh definitions v | rabbitmqctl import_definitions
#   scripts/servers.sh pg-definitions  print the database roles and the demo's databases (psql script, for a superuser)
#   scripts/servers.sh compose-secrets write .secrets/compose/, the files docker-compose.yml takes as secrets
#
# Passwords: random, made on first use into $REPO/.secrets/ (git-ignored, 0700/0600) and reused after:
#   admin (the apmatrix admin user and role: scripts and tests only), mq-apbus, mq-vfioap, mq-guestvm, mq-auditor
#   (one broker user per service), pg-apbus, pg-vfioap, pg-guestvm (one database role per service, owner of its
#   databases); least privilege, see docs/ARCHITECTURE.md, Who may do what.
# Env: APMATRIX_PASSWORD      password of the apmatrix admin user/role (default: .secrets/admin)
#      APMATRIX_SERVERS_MODE  native | docker (default: docker iff `docker info` answers)
# Native mode needs Debian (apt-get) and root; docker mode uses docker-compose.servers.yml.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
COMPOSE_FILE=$SCRIPT_DIR/docker-compose.servers.yml
ENV_FILE=$REPO/.servers.env
LOCK_FILE=${TMPDIR:-/tmp}/apmatrix-servers.lock

SECRETS_DIR=$REPO/.secrets
APP_USER=apmatrix
# The broker users, one per service, plus one that may bind and read but never publish.
MQ_USERS=(apbus vfioap guestvm auditor)
# The database roles, one per service; each owns its databases (the demo's is named as the role).
PG_USERS=(apbus vfioap guestvm)
RMQ_PORT=5672
PG_PORT=5432
PG_MAX_CONN=300
RMQ_ETC=/etc/rabbitmq
RMQ_LOG=/var/log/rabbitmq/rabbit@localhost.log
POLICY_RC=/usr/sbin/policy-rc.d
MODE=
CLUSTER_DIR=$REPO/.run/rabbit-cluster
CLUSTER_SIZE=3
# Each node's Prometheus endpoint (counters such as messages redelivered) sits this far above its AMQP port: 15692, 15693...
METRICS_OFFSET=10020
# And its management listener this far: 15672, 15673... (below the Prometheus ports, so the two never meet).
MANAGEMENT_OFFSET=10000
RMQ_PLUGINS='[rabbitmq_management,rabbitmq_prometheus,rabbitmq_consistent_hash_exchange].'
CLUSTER_BIN=/usr/lib/rabbitmq/bin
CLUSTER_NODE= # set: rmq talks to this cluster node instead of the single one

log() { printf 'servers: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

# Run a command with its output captured; show the tail only if it fails.
quiet() {
  local out rc=0
  out=$(mktemp)
  "$@" >"$out" 2>&1 || rc=$?
  if ((rc)); then tail -n 30 "$out" >&2; rm -f "$out"; die "'$*' failed (exit $rc)"; fi
  rm -f "$out"
}

# wait_for <what> <seconds> <command...>: poll every 0.5 s.
wait_for() {
  local what=$1 secs=$2 i
  shift 2
  for ((i = 0; i < secs * 2; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  die "$what not ready after ${secs}s"
}

# secret <name>: a random password from $SECRETS_DIR/<name>, made on first use; never committed.
secret() {
  local file=$SECRETS_DIR/$1
  if [[ ! -s $file ]]; then
    (umask 077 && mkdir -p "$SECRETS_DIR" && head -c 64 /dev/urandom | base64 | tr -dc A-Za-z0-9 | head -c 32 >"$file")
  fi
  cat "$file"
}

tcp_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# write_file <path> <content>: returns 0 iff the file changed.
write_file() {
  [[ -f $1 && $(<"$1") == "$2" ]] && return 1
  mkdir -p "$(dirname "$1")"
  printf '%s\n' "$2" >"$1"
}

detect_mode() {
  MODE=${APMATRIX_SERVERS_MODE:-}
  if [[ -z $MODE ]]; then
    if have docker && docker info >/dev/null 2>&1; then MODE=docker; else MODE=native; fi
  fi
  case $MODE in
    native) ((EUID == 0)) || die "native mode needs root (or set APMATRIX_SERVERS_MODE=docker)" ;;
    docker) docker compose version >/dev/null 2>&1 || die "docker answers but 'docker compose' (v2 plugin) is missing (or set APMATRIX_SERVERS_MODE=native, as root)" ;;
    *) die "APMATRIX_SERVERS_MODE must be native or docker, not '$MODE'" ;;
  esac
}

compose() { APMATRIX_PASSWORD=$PW APMATRIX_PG_SUPERUSER_PASSWORD=$(secret postgres-superuser) docker compose -f "$COMPOSE_FILE" "$@"; }

# rabbitmqctl / admin psql, wherever the servers run.
rmq() {
  if [[ -n $CLUSTER_NODE ]]; then
    cnode "$CLUSTER_NODE" rabbitmqctl "$@"
  elif [[ $MODE == docker ]]; then compose exec -T rabbitmq rabbitmqctl "$@"; else rabbitmqctl "$@"; fi
}
psql_admin() {
  if [[ $MODE == docker ]]; then
    compose exec -T postgres psql -X -q -v ON_ERROR_STOP=1 -U postgres -d postgres "$@"
  else
    (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@")
  fi
}

rabbit_ready() { tcp_open "$RMQ_PORT" && rmq -q await_startup --timeout 5 >/dev/null 2>&1; }
pg_ready() {
  if [[ $MODE == docker ]]; then
    compose exec -T postgres pg_isready -q -h 127.0.0.1 -U postgres -d postgres >/dev/null 2>&1
  else
    have pg_isready && pg_isready -q -h 127.0.0.1 -p "$PG_PORT"
  fi
}

# ---------------------------------------------------------------- native: packages

pkg_installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]; }

ensure_packages() {
  local missing=() p
  # curl: demo.sh asks the services if they are ready.
  for p in rabbitmq-server postgresql curl; do pkg_installed "$p" || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  have apt-get || die "missing ${missing[*]} and no apt-get; install them yourself or use docker"
  log "installing ${missing[*]} (apt-get, ~1-2 min)"
  block_service_starts
  quiet apt-get update
  quiet env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  unblock_service_starts
}

# Keep the packages' postinst from starting daemons via invoke-rc.d; we start them ourselves.
block_service_starts() {
  [[ -e $POLICY_RC ]] && return 0 # already present (Docker images ship one): leave it alone
  printf '#!/bin/sh\nexit 101\n' >"$POLICY_RC"
  chmod 755 "$POLICY_RC"
  trap unblock_service_starts EXIT
  POLICY_RC_OURS=1
}
unblock_service_starts() {
  [[ ${POLICY_RC_OURS:-} ]] || return 0
  rm -f "$POLICY_RC"
  POLICY_RC_OURS=
  trap - EXIT
}

# ---------------------------------------------------------------- native: RabbitMQ

# Returns 0 iff a config file changed.
rabbit_write_config() {
  local changed=1 env_conf
  # NODENAME: server and rabbitmqctl agree whatever the hostname. ulimit: the Debian wrapper
  # switches to the rabbitmq user, which resets the soft fd limit to 1024.
  env_conf=$(cat <<'EOF'
# Managed by apmatrix scripts/servers.sh
NODENAME=rabbit@localhost
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# epmd and Erlang distribution (used by rabbitmqctl) on loopback too
export ERL_EPMD_ADDRESS=127.0.0.1
SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
EOF
  )
  write_file "$RMQ_ETC/rabbitmq-env.conf" "$env_conf" && changed=0
  write_file "$RMQ_ETC/rabbitmq.conf" "# Managed by apmatrix scripts/servers.sh
listeners.tcp.default = 127.0.0.1:$RMQ_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $((RMQ_PORT + MANAGEMENT_OFFSET))
prometheus.tcp.ip = 127.0.0.1
prometheus.tcp.port = $((RMQ_PORT + METRICS_OFFSET))" && changed=0
  write_file "$RMQ_ETC/enabled_plugins" "$RMQ_PLUGINS" && changed=0
  return $changed
}

rabbit_up() {
  if rabbit_write_config && tcp_open "$RMQ_PORT"; then
    log "rabbitmq: config changed, restarting"
    rabbit_down
  fi
  if ! tcp_open "$RMQ_PORT"; then
    log "rabbitmq: starting"
    rabbitmq-server -detached >/dev/null
  fi
  wait_for "rabbitmq (127.0.0.1:$RMQ_PORT; see $RMQ_LOG)" 90 tcp_open "$RMQ_PORT"
  quiet rabbitmqctl -q await_startup --timeout 60
}

rabbit_down() {
  have rabbitmqctl || return 0
  if rabbitmqctl -q ping >/dev/null 2>&1; then
    log "rabbitmq: stopping"
    quiet rabbitmqctl -q shutdown
  fi
  # epmd outlives the node; it refuses to die while other Erlang nodes still use it.
  if have epmd; then epmd -kill >/dev/null 2>&1 || true; fi
}

# ---------------------------------------------------------------- native: PostgreSQL

PG_VER=

pg_find_cluster() { pg_lsclusters -h | awk '$2 == "main" { v = $1 } END { print v }'; }
pg_online() { [[ $(pg_lsclusters -h | awk -v v="$PG_VER" '$1 == v && $2 == "main" { print $4 }') == online* ]]; }
pg_conf() { pg_conftool -s "$PG_VER" main show "$1" 2>/dev/null || true; }

pg_ensure_cluster() {
  PG_VER=$(pg_find_cluster)
  if [[ -z $PG_VER ]]; then
    PG_VER=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    log "postgres: creating cluster $PG_VER/main"
    quiet pg_createcluster "$PG_VER" main --port "$PG_PORT"
  fi
  [[ $(pg_conf port) == "$PG_PORT" ]] || die "cluster $PG_VER/main is not on port $PG_PORT (pg_lsclusters)"
}

# Returns 0 iff pg_hba.conf changed. The admin and each service role sign in with a password on 127.0.0.1.
pg_ensure_hba() {
  local hba=/etc/postgresql/$PG_VER/main/pg_hba.conf user changed=1
  for user in "$APP_USER" "${PG_USERS[@]}"; do
    grep -Eq "^host[[:space:]]+all[[:space:]]+(all|$user)[[:space:]]+127\.0\.0\.1/32[[:space:]]+(scram-sha-256|md5)" "$hba" && continue
    log "postgres: allowing password auth for $user on 127.0.0.1 in $hba"
    sed -i "0,/^[^#[:space:]]/s//host all $user 127.0.0.1\/32 scram-sha-256\n&/" "$hba" # first match wins: prepend
    changed=0
  done
  return $changed
}

pg_up() {
  local was_online=false hba_changed=false
  pg_ensure_cluster
  pg_online && was_online=true
  # Set before the first start so no restart is needed; later starts just pick it up.
  [[ $(pg_conf max_connections) == "$PG_MAX_CONN" ]] || quiet pg_conftool "$PG_VER" main set max_connections "$PG_MAX_CONN"
  pg_ensure_hba && hba_changed=true
  if ! $was_online; then
    log "postgres: starting $PG_VER/main"
    quiet pg_ctlcluster "$PG_VER" main start
  elif $hba_changed; then
    quiet pg_ctlcluster "$PG_VER" main reload
  fi
  wait_for "postgres (127.0.0.1:$PG_PORT)" 60 pg_ready
  if [[ $(psql_admin -tAc 'SHOW max_connections') != "$PG_MAX_CONN" ]]; then
    log "postgres: restarting to apply max_connections=$PG_MAX_CONN"
    quiet pg_ctlcluster "$PG_VER" main restart
    wait_for "postgres (127.0.0.1:$PG_PORT)" 60 pg_ready
    [[ $(psql_admin -tAc 'SHOW max_connections') == "$PG_MAX_CONN" ]] ||
      die "max_connections is still not $PG_MAX_CONN (overridden in postgresql.auto.conf?)"
  fi
}

pg_down() {
  have pg_lsclusters || return 0
  PG_VER=$(pg_find_cluster)
  [[ -n $PG_VER ]] && pg_online || return 0
  log "postgres: stopping $PG_VER/main"
  quiet pg_ctlcluster "$PG_VER" main stop
}

# ---------------------------------------------------------------- native: RabbitMQ cluster

# Node i (1..3) is rmq<i>@localhost on AMQP port 5672+i, distribution port 25672+i. The package's
# /usr/sbin wrappers switch to the rabbitmq user and its cookie, so the nodes run from /usr/lib/rabbitmq/bin
# with their own HOME (cookie), config and folders; an empty env file keeps /etc's NODENAME away.
cnode_port() { echo $((RMQ_PORT + $1)); }
cnode_name() { echo "rmq$1@localhost"; }

# cnode <i> <rabbitmq-server|rabbitmqctl> <args...>: run a RabbitMQ command as node i.
cnode() {
  local i=$1 tool=$2 dir=$CLUSTER_DIR/n$1
  shift 2
  local args=("$@")
  [[ $tool == rabbitmqctl ]] && args=(-n "$(cnode_name "$i")" "$@")
  HOME=$CLUSTER_DIR \
    RABBITMQ_CONF_ENV_FILE=$CLUSTER_DIR/rabbitmq-env.conf \
    RABBITMQ_NODENAME=$(cnode_name "$i") \
    RABBITMQ_NODE_PORT=$(cnode_port "$i") \
    RABBITMQ_DIST_PORT=$((25672 + i)) \
    RABBITMQ_CONFIG_FILE=$dir/rabbitmq.conf \
    RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins \
    RABBITMQ_MNESIA_BASE=$dir/mnesia \
    RABBITMQ_LOG_BASE=$dir/log \
    RABBITMQ_PID_FILE=$dir/rabbit.pid \
    ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    "$CLUSTER_BIN/$tool" "${args[@]}"
}

cnode_running() { cnode "$1" rabbitmqctl -q ping >/dev/null 2>&1; }

cluster_prepare() {
  local i
  mkdir -p "$CLUSTER_DIR"
  # One cookie for the three nodes and their CLI, made on first start and never committed (.run/ is ignored).
  if [[ ! -s $CLUSTER_DIR/.erlang.cookie ]]; then
    (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$CLUSTER_DIR/.erlang.cookie")
  fi
  chmod 400 "$CLUSTER_DIR/.erlang.cookie"
  [[ -f $CLUSTER_DIR/rabbitmq-env.conf ]] || : >"$CLUSTER_DIR/rabbitmq-env.conf"
  for ((i = 1; i <= CLUSTER_SIZE; i++)); do
    mkdir -p "$CLUSTER_DIR/n$i/log"
    write_file "$CLUSTER_DIR/n$i/rabbitmq.conf" "# Managed by apmatrix scripts/servers.sh
listeners.tcp.default = 127.0.0.1:$(cnode_port "$i")
# A killed node that comes back before its peers saw it go splits Mnesia; heal that without a person.
cluster_partition_handling = autoheal
management.tcp.ip = 127.0.0.1
management.tcp.port = $(($(cnode_port "$i") + MANAGEMENT_OFFSET))
prometheus.tcp.ip = 127.0.0.1
prometheus.tcp.port = $(($(cnode_port "$i") + METRICS_OFFSET))" || true
    write_file "$CLUSTER_DIR/n$i/enabled_plugins" "$RMQ_PLUGINS" || true
  done
}

# A node's cluster membership is in its data folder: a restarted node rejoins by itself.
cluster_join() {
  local i=$1 first
  first=$(cnode_name 1)
  cnode 1 rabbitmqctl -q cluster_status --formatter json 2>/dev/null | grep -q "\"$(cnode_name "$i")\"" && return 0
  log "rabbitmq cluster: joining $(cnode_name "$i") to $first"
  quiet cnode "$i" rabbitmqctl -q stop_app
  quiet cnode "$i" rabbitmqctl -q reset
  quiet cnode "$i" rabbitmqctl -q join_cluster "$first"
  quiet cnode "$i" rabbitmqctl -q start_app
}

cluster_up() {
  local i running=0
  cluster_prepare
  for ((i = 1; i <= CLUSTER_SIZE; i++)); do cnode_running "$i" && running=1; done
  # No node up: start from empty data, so what an earlier run left (a node killed by a fault test and healed later,
  # its queues) never carries into this one; a node restarted while its peers run keeps its data and rejoins.
  if ((running == 0)); then
    for ((i = 1; i <= CLUSTER_SIZE; i++)); do rm -rf "$CLUSTER_DIR/n$i/mnesia"; done
  fi
  # Started together: a node that was clustered waits at boot for its peers to come back.
  for ((i = 1; i <= CLUSTER_SIZE; i++)); do
    cnode_running "$i" && continue
    log "rabbitmq cluster: starting $(cnode_name "$i") on 127.0.0.1:$(cnode_port "$i")"
    cnode "$i" rabbitmq-server -detached >/dev/null
  done
  for ((i = 1; i <= CLUSTER_SIZE; i++)); do
    wait_for "$(cnode_name "$i") (see $CLUSTER_DIR/n$i/log)" 120 cnode_running "$i"
    quiet cnode "$i" rabbitmqctl -q await_startup --timeout 120
  done
  for ((i = 2; i <= CLUSTER_SIZE; i++)); do cluster_join "$i"; done
}

cluster_down() {
  local i
  [[ -x $CLUSTER_BIN/rabbitmqctl && -d $CLUSTER_DIR ]] || return 0
  # Last started first, so the first node, which the others joined, stops last.
  for ((i = CLUSTER_SIZE; i >= 1; i--)); do
    cnode_running "$i" || continue
    log "rabbitmq cluster: stopping $(cnode_name "$i")"
    quiet cnode "$i" rabbitmqctl -q stop
  done
}

cluster_nodes() {
  local i nodes=()
  for ((i = 1; i <= CLUSTER_SIZE; i++)); do nodes+=("127.0.0.1:$(cnode_port "$i")"); done
  (IFS=,; echo "${nodes[*]}")
}

# ---------------------------------------------------------------- provisioning (both modes)

# Each service's configure, write and read regexes (tab-separated), anchored because RabbitMQ searches unanchored.
# A name may carry a queue prefix (Messaging:QueuePrefix); each name suffix belongs to exactly one service, so
# only apbus may write the bus-event exchanges, only vfioap ApplyApcbs, only guestvm ApcbsApplied, and nobody the
# default exchange (amq.default). A consumer must configure the exchanges it consumes: MassTransit declares them.
rabbit_permissions() {
  local p='^(?:[a-z0-9-]*-)?' contract='^Apmatrix[.]Contracts:' events='ConfigChanged|QueueProbed|QueueRemoved|QueuesProbed|QueuesRemoved|ScanComplete|BusMasksChanged'
  local own
  case $1 in
    apbus)
      own="${p}apbus-bus-[0-9a-f]+\$|${contract}(?:$events)\$"
      printf '%s\t%s\t%s\n' "$own" "$own" "${p}apbus-bus-[0-9a-f]+\$" ;;
    vfioap)
      # bus-events: the lanes' consistent-hash exchange, bound to the event exchanges; bus-events-N: its lanes.
      own="${p}(?:(?:bus-events-[0-9]+|apcbs-applied)(?:_error|_skipped)?|bus-events|vfioap-bus-[0-9a-f]+|dead-letters)\$"
      printf '%s\t%s\t%s\n' "$own|${contract}(?:$events|ApcbsApplied|ApplyApcbs)\$" "$own|${contract}ApplyApcbs\$" "$own|${contract}(?:$events|ApcbsApplied)\$" ;;
    guestvm)
      own="${p}(?:apply-apcbs(?:_error|_skipped)?|guestvm-bus-[0-9a-f]+|dead-letters)\$"
      printf '%s\t%s\t%s\n' "$own|${contract}(?:ApplyApcbs|ApcbsApplied)\$" "$own|${contract}ApcbsApplied\$" "$own|${contract}ApplyApcbs\$" ;;
    auditor)
      # Its own queues only: binding one needs write on it, never on an exchange.
      own="${p}audit(?:-[a-z0-9-]+)?\$"
      printf '%s\t%s\t%s\n' "$own" "$own" "$own|${contract}[A-Za-z]+\$" ;;
  esac
}

# rabbit_password_hash <password>: RabbitMQ's salted SHA-256 form (base64 of a 4-byte salt and SHA-256(salt + password)),
# so a definitions file, the compose secret included, holds no password.
rabbit_password_hash() {
  local salt digest
  salt=$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
  digest=$({ unhex "$salt"; printf %s "$1"; } | sha256sum | cut -d' ' -f1)
  unhex "$salt$digest" | base64 -w0
}

unhex() { printf "$(sed 's/../\\x&/g' <<<"$1")"; }

# rabbit_definitions <vhost...>: the admin and the service users, and their permissions on each vhost.
rabbit_definitions() {
  local user vhost sep= configure write read
  local user_form='{ "name": "%s", "password_hash": "%s", "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": "%s" }'
  printf "{\n  \"users\": [\n    $user_form" "$APP_USER" "$(rabbit_password_hash "$PW")" administrator
  for user in "${MQ_USERS[@]}"; do printf ",\n    $user_form" "$user" "$(rabbit_password_hash "$(secret "mq-$user")")" ""; done
  printf '\n  ],\n  "vhosts": ['
  for vhost in "$@"; do printf '%s{ "name": "%s" }' "$sep" "$vhost"; sep=', '; done
  printf '],\n  "permissions": ['
  sep=
  for vhost in "$@"; do
    printf '%s\n    { "user": "%s", "vhost": "%s", "configure": ".*", "write": ".*", "read": ".*" }' "$sep" "$APP_USER" "$vhost"
    sep=,
    for user in "${MQ_USERS[@]}"; do
      IFS=$'\t' read -r configure write read < <(rabbit_permissions "$user")
      printf ',\n    { "user": "%s", "vhost": "%s", "configure": "%s", "write": "%s", "read": "%s" }' "$user" "$vhost" "$configure" "$write" "$read"
    done
  done
  printf '\n  ]\n}\n'
}

# Declarative and idempotent: one rabbitmqctl call (~0.5 s each) instead of one per object; adding users and
# permissions restarts nothing.
rabbit_provision() {
  rabbit_definitions apmatrix apmatrix-test | (umask 077 && cat >"$SECRETS_DIR/rabbitmq-definitions.json")
  rmq -q import_definitions --format json >/dev/null <"$SECRETS_DIR/rabbitmq-definitions.json"
  if grep -qx guest <<<"$(rmq -s list_users | cut -f1)"; then rmq -q delete_user guest >/dev/null; fi
}

# pg_definitions: the admin, one role per service and the demo's databases, as a psql script for a superuser (the
# compose stack's postgres-provision runs it too, on every up); idempotent. The admin makes and drops the services' databases, so it is a member of
# each service role (CREATE DATABASE ... OWNER and DROP DATABASE want that) but never creates roles. A database
# is its owner's alone: PUBLIC may not connect (nor to postgres and template1), and nobody but the owner creates in its
# public schema.
pg_definitions() {
  local user
  echo "-- Written by scripts/servers.sh pg-definitions; holds passwords, never commit it."
  echo "SELECT 'CREATE ROLE $APP_USER' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP_USER') \\gexec"
  echo "ALTER ROLE $APP_USER WITH LOGIN CREATEDB NOCREATEROLE NOSUPERUSER PASSWORD '$PW';"
  # The maintenance databases are the admin's (making and dropping the others): no service role connects to them.
  echo "REVOKE ALL ON DATABASE postgres FROM PUBLIC;"
  echo "REVOKE ALL ON DATABASE template1 FROM PUBLIC;"
  echo "GRANT CONNECT, TEMPORARY ON DATABASE postgres TO $APP_USER;"
  for user in "${PG_USERS[@]}"; do
    echo "SELECT 'CREATE ROLE $user' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') \\gexec"
    echo "ALTER ROLE $user WITH LOGIN NOCREATEDB NOCREATEROLE NOSUPERUSER PASSWORD '$(secret "pg-$user")';"
    echo "SELECT 'GRANT $user TO $APP_USER' WHERE NOT pg_has_role('$APP_USER', '$user', 'MEMBER') \\gexec"
    echo "SELECT 'CREATE DATABASE $user OWNER $user' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$user') \\gexec"
    echo "ALTER DATABASE $user OWNER TO $user;"
    echo "REVOKE ALL ON DATABASE $user FROM PUBLIC;"
    echo "\\connect $user"
    # The role owns this database and may give it a search_path of its own: nothing its schemas hold may run as the superuser.
    echo "SET search_path = pg_catalog, pg_temp;"
    echo "REVOKE CREATE ON SCHEMA public FROM PUBLIC;"
    # Tables an earlier run migrated as the admin pass to the owner, which migrates them from now on.
    echo "SELECT pg_catalog.format('ALTER TABLE public.%I OWNER TO $user', tablename) FROM pg_catalog.pg_tables WHERE schemaname = 'public' AND tableowner <> '$user' \\gexec"
    echo "\\connect postgres"
  done
}

pg_provision() {
  pg_definitions | psql_admin && return
  # A volume made before 2026-12-06 has the admin, not postgres, as its superuser.
  [[ $MODE != docker ]] || die "provisioning PostgreSQL failed; a database volume older than its postgres superuser needs" \
    "APMATRIX_PASSWORD=- APMATRIX_PG_SUPERUSER_PASSWORD=- docker compose -f $COMPOSE_FILE down -v (it empties it)"
  return 1
}

# pg_urls <variable prefix>: one connection string per database role (APMATRIX_POSTGRES_APBUS, ...), no database:
# whoever starts a service names it.
pg_urls() {
  local user
  for user in "${PG_USERS[@]}"; do
    echo "export $1_${user^^}='Host=127.0.0.1;Port=$PG_PORT;Username=$user;Password=$(secret "pg-$user")'"
  done
}

# service_urls <port> <vhost> <variable prefix>: one URL per broker user (APMATRIX_RABBITMQ_APBUS, ...).
service_urls() {
  local user
  for user in "${MQ_USERS[@]}"; do
    echo "export $3_${user^^}='amqp://$user:$(secret "mq-$user")@127.0.0.1:$1/$2'"
  done
}

# Mode 0600: it holds every password. APMATRIX_RABBITMQ, APMATRIX_TEST_RABBITMQ, APMATRIX_POSTGRES and
# APMATRIX_TEST_POSTGRES are the admin's (scripts and tests: cleanup, load-tool observers, making and dropping
# databases); each service connects with its own URL and connection string.
write_env() {
  local amqp="amqp://$APP_USER:$PW@127.0.0.1:$RMQ_PORT" cluster=
  local pg="Host=127.0.0.1;Port=$PG_PORT;Username=$APP_USER;Password=$PW"
  # cluster-up's lines outlive a later `up`.
  [[ -f $ENV_FILE ]] && cluster=$(grep '_CLUSTER\|_NODES=' "$ENV_FILE" || true)
  {
    echo "# Written by scripts/servers.sh up (git-ignored, mode 0600). Use: source .servers.env"
    echo "export APMATRIX_RABBITMQ='$amqp/apmatrix'"
    echo "export APMATRIX_POSTGRES='$pg'"
    echo "export APMATRIX_TEST_RABBITMQ='$amqp/apmatrix-test'"
    echo "export APMATRIX_TEST_POSTGRES='$pg;Database=postgres'"
    service_urls "$RMQ_PORT" apmatrix APMATRIX_RABBITMQ
    service_urls "$RMQ_PORT" apmatrix-test APMATRIX_TEST_RABBITMQ
    pg_urls APMATRIX_POSTGRES
    pg_urls APMATRIX_TEST_POSTGRES
    [[ -z $cluster ]] || printf '%s\n' "$cluster"
  } | (umask 077 && cat >"$ENV_FILE.tmp")
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  chmod 600 "$ENV_FILE"
}

# The cluster's lines in .servers.env: its nodes, and a URL (any node) with the same user and vhosts.
write_cluster_env() {
  local amqp="amqp://$APP_USER:$PW@127.0.0.1:$(cnode_port 1)" rest=
  [[ -f $ENV_FILE ]] && rest=$(grep -v '_CLUSTER\|_NODES=' "$ENV_FILE" || true)
  {
    if [[ -n $rest ]]; then printf '%s\n' "$rest"; else echo "# Written by scripts/servers.sh (git-ignored). Use: source .servers.env"; fi
    echo "export APMATRIX_RABBITMQ_NODES='$(cluster_nodes)'"
    echo "export APMATRIX_RABBITMQ_CLUSTER_DIR='$CLUSTER_DIR'"
    echo "export APMATRIX_RABBITMQ_CLUSTER='$amqp/apmatrix'"
    echo "export APMATRIX_TEST_RABBITMQ_CLUSTER='$amqp/apmatrix-test'"
  } | (umask 077 && cat >"$ENV_FILE.tmp")
  mv "$ENV_FILE.tmp" "$ENV_FILE"
  chmod 600 "$ENV_FILE"
}

# ---------------------------------------------------------------- commands

cmd_up() {
  if [[ $MODE == docker ]]; then
    log "docker compose: starting rabbitmq + postgres"
    compose up -d --wait --quiet-pull >&2
  else
    ensure_packages
    pg_up
    rabbit_up
  fi
  pg_provision
  rabbit_provision
  write_env
  log "ready: rabbitmq 127.0.0.1:$RMQ_PORT, postgres 127.0.0.1:$PG_PORT; wrote $ENV_FILE"
}

cmd_down() {
  if [[ $MODE == docker ]]; then
    compose stop >&2
  else
    rabbit_down
    pg_down
  fi
}

cmd_status() {
  local rc=0 i
  if rabbit_ready; then echo "rabbitmq: ready (127.0.0.1:$RMQ_PORT)"; else echo "rabbitmq: not ready"; rc=1; fi
  if pg_ready; then echo "postgres: ready (127.0.0.1:$PG_PORT)"; else echo "postgres: not ready"; rc=1; fi
  # The cluster is optional: reported once started, never counted against the exit code.
  if [[ $MODE == native && -d $CLUSTER_DIR ]]; then
    for ((i = 1; i <= CLUSTER_SIZE; i++)); do
      if cnode_running "$i"; then echo "rabbitmq cluster: $(cnode_name "$i") running (127.0.0.1:$(cnode_port "$i"))"
      else echo "rabbitmq cluster: $(cnode_name "$i") stopped"; fi
    done
  fi
  return $rc
}

cmd_cluster_up() {
  [[ $MODE == native ]] || die "cluster-up runs native nodes only (APMATRIX_SERVERS_MODE=native, as root)"
  ensure_packages
  cluster_up
  CLUSTER_NODE=1
  rabbit_provision
  write_cluster_env
  log "ready: rabbitmq cluster $(cluster_nodes); wrote $ENV_FILE"
}

# The test vhost made again, empty, with every user's permissions: queues an earlier run left would stay bound and copy
# every message.
cmd_renew_test_vhost() {
  rabbit_ready || die "RabbitMQ is not running: scripts/servers.sh up first"
  rmq -q delete_vhost apmatrix-test >/dev/null 2>&1 || true
  rabbit_provision
}

cmd_definitions() {
  if (($#)); then rabbit_definitions "$@"; else rabbit_definitions apmatrix apmatrix-test; fi
}

# compose_secret <name> <value>: one file of .secrets/compose/. The folder is 0700; the file is 0644 because compose
# bind-mounts it as it is and the containers read it as their own non-root users.
compose_secret() {
  local dir=$SECRETS_DIR/compose
  (umask 077 && mkdir -p "$dir")
  printf '%s' "$2" >"$dir/$1"
  chmod 644 "$dir/$1"
}

# Everything the compose stack needs, no variable to export: each service reads its files from /run/secrets
# (Secrets:Directory), the broker and PostgreSQL their definitions. API keys are made once into .secrets/ and reused.
cmd_compose_secrets() {
  local user key
  compose_secret rabbitmq-definitions.json "$(rabbit_definitions apmatrix)"
  compose_secret postgres-init.sql "$(pg_definitions)"
  # The image's superuser, which only postgres-provision uses; the admin apmatrix is made by the definitions.
  compose_secret postgres-superuser "$(secret postgres-superuser)"
  for user in "${PG_USERS[@]}"; do
    compose_secret "$user-rabbitmq" "amqp://$user:$(secret "mq-$user")@rabbitmq:5672/apmatrix"
    compose_secret "$user-postgres" "Host=postgres;Username=$user;Password=$(secret "pg-$user")"
  done
  for key in operator apbus vfioap dashboard viewer; do
    compose_secret "$key-key" "$(secret "api-$key")"
    compose_secret "$key-key-sha256" "$(printf %s "$(secret "api-$key")" | sha256sum | cut -d' ' -f1)"
  done
  log "wrote $SECRETS_DIR/compose; apctl takes the operator's key from $SECRETS_DIR/compose/operator-key (--api-key-file);" \
    "the dashboard (http://127.0.0.1:5104/) the viewer's, $SECRETS_DIR/compose/viewer-key"
}

cmd_cluster_down() {
  [[ $MODE == native ]] || die "cluster-down runs native nodes only"
  cluster_down
}

# Embedded verbatim in URLs, connection strings, JSON and SQL, so no escaping is needed: checked before any command uses it.
admin_password() {
  PW=${APMATRIX_PASSWORD:-$(secret admin)}
  [[ $PW =~ ^[A-Za-z0-9._~-]+$ ]] || die "APMATRIX_PASSWORD may only contain A-Z a-z 0-9 . _ ~ -"
}

main() {
  local cmd=${1:-}
  case $cmd in
    up | down | status | cluster-up | cluster-down | renew-test-vhost) ;;
    definitions)
      admin_password
      shift
      cmd_definitions "$@"
      return ;;
    pg-definitions)
      admin_password
      pg_definitions
      return ;;
    compose-secrets)
      admin_password
      cmd_compose_secrets
      return ;;
    -h | --help)
      echo "usage: $0 up|down|status|cluster-up|cluster-down|renew-test-vhost|definitions [vhost...]|pg-definitions|compose-secrets"
      echo "The servers are the machine's: another checkout's up gives the roles its own passwords, and down stops them for all."
      return ;;
    *) die "usage: $0 up|down|status|cluster-up|cluster-down|renew-test-vhost|definitions [vhost...]|pg-definitions|compose-secrets" ;;
  esac
  # Serialize up/down across concurrent runs; -o keeps the lock fd away from the daemons we start.
  if [[ $cmd != status && -z ${APMATRIX_SERVERS_LOCKED:-} ]]; then
    APMATRIX_SERVERS_LOCKED=1 exec flock -o "$LOCK_FILE" bash "${BASH_SOURCE[0]}" "$@"
  fi
  detect_mode
  admin_password
  "cmd_${cmd//-/_}"
}

main "$@"
