#!/usr/bin/env bash
# A real, throw-away Slurm cluster on this one machine, for tests. Needs root.
#
#   slurm_cluster.sh check             exit 0 when a cluster can be made here; else exit 77 and one line why
#   slurm_cluster.sh start DIR NODES   start a controller and NODES (>= 1) compute nodes; exit 0 once every
#                                      node is idle, else print why (daemon log tails), undo, exit non-zero
#   slurm_cluster.sh stop DIR          stop and delete everything `start DIR` made; idempotent, and safe
#                                      after a failed start or on a DIR that holds no cluster. It SIGKILLs
#                                      every process in the cluster's namespaces (daemons, slurmstepd, tasks,
#                                      whatever they started) and the munged; processes the caller started
#                                      in the root namespace (an srun run from there) stay the caller's.
#
# Contract of `start`:
#   - DIR is a fresh directory the caller made; the whole state of the cluster lives under it (munge key and
#     socket, slurm.conf, controller state, per-node spool, pid and log files). The caller calls `stop DIR`
#     before removing DIR (DIR/ns holds bind mounts until then).
#   - Every "machine" is a network namespace (`ip netns`) plus a UTS namespace of its own with its own
#     hostname: the controller zl<T>ctl at 10.201.<T>.1 and node i (1-based) zl<T>n<i> at 10.201.<T>.<i+1>,
#     each on a veth pair whose host end hangs on the bridge zlsc<T>b. The root namespace holds 10.201.<T>.254
#     on the bridge, so sbatch/srun/squeue/scancel run from here reach the controller and the nodes, and the
#     nodes reach an srun started here. <T> (1..250) is claimed by creating the bridge (which fails when
#     another run holds that number), so concurrent clusters never share names or a subnet. Each node's
#     Slurm NodeName equals its hostname; the UTS namespace of node X is kept by the bind mount DIR/ns/X.uts
#     (of machine X: `nsenter --net=/run/netns/<netns> --uts=DIR/ns/X.uts CMD` runs CMD there).
#   - One munged serves all machines through its socket DIR/munge/munge.socket (path-named Unix sockets
#     cross network namespaces); slurm.conf names it in AuthInfo, so every client given SLURM_CONF uses it.
#   - It writes DIR/env (NAME=VALUE lines: SLURM_CONF, ZL_CLUSTER_DIR) and DIR/nodes (one line per node,
#     in node order: `name address netns`).
#   - The system's /etc/slurm, /etc/munge, munged and /etc/hosts are left alone. Nothing needs name
#     resolution: every node has NodeAddr (an IP) and NodeHostname, the controller SlurmctldHost=name(IP),
#     and slurmd is told its node name with -N.
#   - Batch scripts run on the first node of their allocation, in its namespaces, with the submitter's
#     environment (sbatch's default --export=ALL) and working directory (the file system is shared).
#   - The cluster belongs to the process that ran `start` (this script's parent). It is listed in
#     /run/zl_slurm_clusters/<T> (DIR, owner pid, owner start time) until `stop`; a later `start` stops
#     and removes every listed cluster whose owner is gone (a test killed by its timeout never stops its
#     own), so none outlives its owner by more than the next start.
#
# Knobs (environment): ZL_CLUSTER_START_TIMEOUT (seconds to wait for all-idle, default 30),
# ZL_CLUSTER_CPUS (CPUs each node declares, default 4), ZL_CLUSTER_DEBUG (SlurmctldDebug/SlurmdDebug
# level, default info).
set -euo pipefail

readonly SUBNET_PREFIX=10.201
readonly REGISTRY=/run/zl_slurm_clusters
readonly PLUGIN_DIR=/usr/lib/x86_64-linux-gnu/slurm-wlm

die() {
  echo "slurm_cluster: $*" >&2
  exit 1
}

# ---- check ----------------------------------------------------------------------------------------------

# Prints why a cluster cannot be made here, or nothing when it can.
why_not_possible() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "needs root (network and UTS namespaces, bridges, daemons as root)"
    return
  fi
  local cmd package
  for cmd in ip:iproute2 nsenter:util-linux unshare:util-linux munged:munge munge:munge slurmctld:slurmctld \
    slurmd:slurmd sbatch:slurm-client srun:slurm-client sinfo:slurm-client scontrol:slurm-client; do
    package=${cmd#*:}
    cmd=${cmd%%:*}
    if ! command -v "$cmd" >/dev/null 2>&1; then
      echo "$cmd is missing: install the package $package (scripts/install-deps.sh installs it)"
      return
    fi
  done
  if [[ ! -e $PLUGIN_DIR/proctrack_linuxproc.so || ! -e $PLUGIN_DIR/select_cons_tres.so ]]; then
    echo "Slurm plugins are missing from $PLUGIN_DIR: install slurm-wlm-basic-plugins (scripts/install-deps.sh installs it)"
    return
  fi
  local probe="zlscchk$$"
  if ! ip netns add "$probe" 2>/dev/null; then
    echo "\`ip netns add\` fails here (no network namespaces)"
    return
  fi
  ip netns del "$probe" 2>/dev/null || true
  if ! unshare --uts true 2>/dev/null; then
    echo "\`unshare --uts\` fails here (no UTS namespaces)"
    return
  fi
  if ! ip link add "${probe}b" type bridge 2>/dev/null; then
    echo "\`ip link add ... type bridge\` fails here (no Linux bridges)"
    return
  fi
  ip link del "${probe}b" 2>/dev/null || true
  if ! ip link add "${probe}a" type veth peer name "${probe}z" 2>/dev/null; then
    echo "\`ip link add ... type veth\` fails here (no veth pairs)"
    return
  fi
  ip link del "${probe}a" 2>/dev/null || true
}

cmd_check() {
  local why
  why=$(why_not_possible)
  if [[ -n $why ]]; then
    echo "slurm_cluster: cannot make a Slurm cluster here: $why"
    exit 77
  fi
}

# ---- names ----------------------------------------------------------------------------------------------
# All names derive from the tag T and the node count in DIR/cluster.state, so `stop` can find them.

load_state() {
  local dir=$1
  [[ -f $dir/cluster.state ]] || return 1
  # shellcheck source=/dev/null
  source "$dir/cluster.state"
  BRIDGE="zlsc${TAG}b"
  SUBNET="$SUBNET_PREFIX.$TAG"
  CTL_NAME="zl${TAG}ctl"
  CTL_NETNS="zlsc${TAG}ctl"
  CTL_ADDR="$SUBNET.1"
  ROOT_ADDR="$SUBNET.254"
}
node_name() { echo "zl${TAG}n$1"; }
node_netns() { echo "zlsc${TAG}n$1"; }
node_addr() { echo "$SUBNET.$(($1 + 1))"; }
# The host end of machine i's veth pair (0 = the controller); the namespace end is eth0.
host_link() { echo "zlsc${TAG}v$1"; }

# ---- start ----------------------------------------------------------------------------------------------

# The start time of process $1 (clock ticks after boot, /proc/PID/stat field 22), "" when it is gone:
# with the pid it names one process, never a later one that got the same pid.
process_start() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
  # Field 2, the command, may hold spaces: count from the ") " that ends it (field 3 is first after it).
  cut -d' ' -f20 <<<"${stat##*) }"
}

# Stops and removes the listed clusters whose owner is gone.
sweep_orphans() {
  local entry dir owner started
  for entry in "$REGISTRY"/*; do
    [[ -f $entry ]] || continue
    read -r dir owner started <"$entry" || true
    if [[ -n ${owner:-} && $(process_start "$owner") == "${started:-}" ]]; then
      continue
    fi
    echo "slurm_cluster: stopping the cluster in $dir: its owner, process ${owner:-?}, is gone" >&2
    if [[ ! -d $dir ]] || (cmd_stop "$dir"); then
      rm -f "$entry"
      [[ -d $dir ]] && rm -rf "$dir"
    fi
  done
  return 0
}

# Claims a free tag by creating its bridge; prints the tag.
claim_tag() {
  local start=$(($$ % 250)) i t
  for ((i = 0; i < 250; i++)); do
    t=$(((start + i) % 250 + 1))
    if ip link add "zlsc${t}b" type bridge 2>/dev/null; then
      echo "$t"
      return
    fi
  done
  die "no free tag: bridges zlsc1b..zlsc250b all exist"
}

# Makes machine i (0 = controller) a network namespace on the bridge, and a UTS namespace named $3.
make_machine() {
  local i=$1 netns=$2 hostname=$3 addr=$4
  ip netns add "$netns"
  ip link add "$(host_link "$i")" type veth peer name eth0 netns "$netns"
  ip link set "$(host_link "$i")" master "$BRIDGE" up
  ip -n "$netns" addr add "$addr/24" dev eth0
  ip -n "$netns" link set eth0 up
  ip -n "$netns" link set lo up
  touch "$DIR/ns/$hostname.uts"
  unshare --uts="$DIR/ns/$hostname.uts" hostname "$hostname"
}

# Runs a daemon in the foreground inside machine $1's namespaces, detached from the caller: its own
# session, stdio on its log, so a caller that waits for our pipes to close does not wait for it.
spawn_in() {
  local netns=$1 hostname=$2 log=$3
  shift 3
  setsid nsenter --net="/run/netns/$netns" --uts="$DIR/ns/$hostname.uts" -- "$@" </dev/null >>"$log" 2>&1 &
}

write_slurm_conf() {
  local cpus=${ZL_CLUSTER_CPUS:-4} debug=${ZL_CLUSTER_DEBUG:-info} i
  cat >"$DIR/slurm.conf" <<EOF
# Written by tests/cluster/slurm_cluster.sh for a throw-away test cluster; every path is under $DIR.
ClusterName=zl$TAG
SlurmctldHost=$CTL_NAME($CTL_ADDR)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$DIR/munge/munge.socket
PluginDir=$PLUGIN_DIR
PlugStackConfig=$DIR/plugstack.conf
StateSaveLocation=$DIR/ctld/state
SlurmctldPidFile=$DIR/ctld/slurmctld.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdSpoolDir=$DIR/node/%n/spool
SlurmdPidFile=$DIR/node/%n/slurmd.pid
SlurmdLogFile=$DIR/log/slurmd.%n.log
SlurmctldDebug=$debug
SlurmdDebug=$debug
# No cgroups for Slurm here. linuxproc tracks a step's processes by parentage, so scancel also kills task
# children that moved to a process group or session of their own (zlaunch puts each rank in one), which
# proctrack/pgid misses. Its limit: a process that ignores SIGTERM and whose parent exits on it is
# reparented to init before the SIGKILL (KillWait later) and survives; pgid would kill that one.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
# A batch job whose node fails ends NODE_FAIL instead of being requeued (and rerun once the node is back).
JobRequeue=0
MailProg=/bin/true
# Nodes declare more CPUs than the machine has, so one node can take 2-4 tasks.
SlurmdParameters=config_overrides
# A node that was DOWN for not responding comes back as soon as its slurmd registers again.
ReturnToService=2
# Short timeouts so failure cases end in seconds, not minutes, while leaving room for a loaded machine:
#   SlurmdTimeout: a dead slurmd makes its node DOWN and its jobs end NODE_FAIL 14-20 s after it died
#     (10 s plus up to a ping cycle), not minutes; lower risks nodes flapping DOWN on a loaded machine.
#   MessageTimeout: an srun launching tasks on a stopped (SIGSTOP) slurmd gives up after 15 s (measured; the default is 10).
#   KillWait: scancel's SIGTERM is followed by SIGKILL after 2 s, not 30 s.
#   InactiveLimit: an allocation whose srun died is ended after 10 s (0 = never).
#   MinJobAge: finished jobs stay visible to squeue/scontrol for 60 s.
#   BatchStartTimeout/TCPTimeout stay at their defaults (10 s, 2 s).
SlurmdTimeout=10
MessageTimeout=5
KillWait=2
InactiveLimit=10
MinJobAge=60
EOF
  for ((i = 1; i <= NODES; i++)); do
    echo "NodeName=$(node_name "$i") NodeHostname=$(node_name "$i") NodeAddr=$(node_addr "$i") CPUs=$cpus RealMemory=1000 State=UNKNOWN" >>"$DIR/slurm.conf"
  done
  echo "PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP" >>"$DIR/slurm.conf"
  : >"$DIR/plugstack.conf"
}

start_munged() {
  mkdir -m 700 "$DIR/munge"
  head -c 1024 /dev/urandom >"$DIR/munge/munge.key"
  chmod 600 "$DIR/munge/munge.key"
  # --force: munged wants every directory above its socket to be world-searchable; DIR is the caller's
  # mkdtemp (0700), and only root talks to this munged.
  munged --force --socket="$DIR/munge/munge.socket" --key-file="$DIR/munge/munge.key" \
    --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munged.seed" \
    </dev/null >>"$DIR/log/munged.log" 2>&1
}

# Node states as "name state" lines (state without the suffixes *, ~, #, ...).
node_states() {
  SLURM_CONF="$DIR/slurm.conf" sinfo --noheader --Node --format='%N %t' 2>/dev/null | sed 's/[*~#!%$@^-]*$//'
}

all_idle() {
  local states idle
  states=$(node_states) || return 1
  idle=$(awk '$2 == "idle"' <<<"$states" | wc -l)
  [[ $idle -eq $NODES ]]
}

explain_failure() {
  echo "slurm_cluster: the cluster in $DIR did not come up: $1" >&2
  if [[ -f $DIR/slurm.conf ]]; then
    echo "--- sinfo" >&2
    SLURM_CONF="$DIR/slurm.conf" timeout 10 sinfo --Node --long >&2 2>&1 || true
  fi
  local log
  # *.log: the daemons' log files; *.out: what they printed before opening them (a fatal config error).
  for log in "$DIR"/log/*.log "$DIR"/log/*.out; do
    [[ -s $log ]] || continue
    echo "--- tail of $log" >&2
    tail -n 15 "$log" >&2
  done
}

cmd_start() {
  DIR=$1
  NODES=$2
  [[ -d $DIR ]] || die "start: $DIR is not a directory"
  [[ $NODES =~ ^[1-9][0-9]*$ && $NODES -le 250 ]] || die "start: NODES must be a number from 1 to 250, not '$NODES'"
  [[ ! -e $DIR/cluster.state ]] || die "start: $DIR already holds a cluster (stop it first)"
  DIR=$(cd "$DIR" && pwd)
  local why
  why=$(why_not_possible)
  if [[ -n $why ]]; then
    echo "slurm_cluster: cannot make a Slurm cluster here: $why" >&2
    exit 77
  fi

  mkdir -p "$REGISTRY"
  sweep_orphans
  local tag
  tag=$(claim_tag)
  printf 'TAG=%s\nNODES=%s\n' "$tag" "$NODES" >"$DIR/cluster.state"
  printf '%s %s %s\n' "$DIR" "$PPID" "$(process_start "$PPID")" >"$REGISTRY/$tag"
  load_state "$DIR"
  # Whatever fails from here on, undo it all.
  trap 'explain_failure "a setup step failed (line $LINENO)"; cmd_stop "$DIR" >&2 || true' ERR
  set -E

  mkdir -p "$DIR/ns" "$DIR/log" "$DIR/ctld/state"
  ip addr add "$ROOT_ADDR/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  make_machine 0 "$CTL_NETNS" "$CTL_NAME" "$CTL_ADDR"
  local i
  for ((i = 1; i <= NODES; i++)); do
    mkdir -p "$DIR/node/$(node_name "$i")/spool"
    make_machine "$i" "$(node_netns "$i")" "$(node_name "$i")" "$(node_addr "$i")"
  done

  start_munged
  write_slurm_conf
  spawn_in "$CTL_NETNS" "$CTL_NAME" "$DIR/log/slurmctld.out" slurmctld -D -f "$DIR/slurm.conf"
  for ((i = 1; i <= NODES; i++)); do
    spawn_in "$(node_netns "$i")" "$(node_name "$i")" "$DIR/log/slurmd.$(node_name "$i").out" \
      slurmd -D -f "$DIR/slurm.conf" -N "$(node_name "$i")"
  done

  local timeout=${ZL_CLUSTER_START_TIMEOUT:-30}
  local deadline=$((SECONDS + timeout))
  until all_idle; do
    if ((SECONDS >= deadline)); then
      trap - ERR
      explain_failure "not all $NODES nodes idle after ${timeout} s"
      cmd_stop "$DIR" >&2 || true
      exit 1
    fi
    sleep 0.3
  done
  trap - ERR

  printf 'SLURM_CONF=%s\nZL_CLUSTER_DIR=%s\n' "$DIR/slurm.conf" "$DIR" >"$DIR/env"
  : >"$DIR/nodes"
  for ((i = 1; i <= NODES; i++)); do
    echo "$(node_name "$i") $(node_addr "$i") $(node_netns "$i")" >>"$DIR/nodes"
  done
}

# ---- stop -----------------------------------------------------------------------------------------------

# Pids of every process in our namespaces: daemons, slurmstepd, tasks and whatever they started.
cluster_pids() {
  local netns
  for netns in "$CTL_NETNS" $(for ((i = 1; i <= NODES; i++)); do node_netns "$i"; done); do
    [[ -e /run/netns/$netns ]] && ip netns pids "$netns" 2>/dev/null
  done
  return 0
}

munged_pid() {
  local pid
  pid=$(cat "$DIR/munge/munged.pid" 2>/dev/null) || return 0
  # Only if that pid is still our munged (not a reused pid).
  if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$DIR/munge/munge.socket"; then
    echo "$pid"
  fi
}

cmd_stop() {
  DIR=$1
  [[ -d $DIR ]] || return 0
  DIR=$(cd "$DIR" && pwd)
  load_state "$DIR" || return 0
  local i pids deadline=$((SECONDS + 10))
  # SIGKILL is enough: the cluster is thrown away, nothing needs saving. Processes that fork while we
  # kill are caught by the next round.
  while pids=$(cluster_pids) && [[ -n $pids ]]; do
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    ((SECONDS < deadline)) || break
    sleep 0.1
  done
  pids=$(munged_pid)
  if [[ -n $pids ]]; then
    kill -TERM "$pids" 2>/dev/null || true
    for _ in $(seq 50); do
      [[ -n $(munged_pid) ]] || break
      sleep 0.05
    done
    kill -KILL "$pids" 2>/dev/null || true
  fi
  for ((i = 0; i <= NODES; i++)); do
    ip link del "$(host_link "$i")" 2>/dev/null || true
  done
  ip netns del "$CTL_NETNS" 2>/dev/null || true
  for ((i = 1; i <= NODES; i++)); do
    ip netns del "$(node_netns "$i")" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  local f
  for f in "$DIR"/ns/*.uts; do
    [[ -e $f ]] || continue
    umount "$f" 2>/dev/null || true
    rm -f "$f"
  done

  local left
  left=$(cluster_pids; munged_pid)
  if [[ -n $left ]] || ip link show "$BRIDGE" >/dev/null 2>&1; then
    echo "slurm_cluster: stop: still there after stopping: pids [${left//$'\n'/ }], bridge $BRIDGE" >&2
    return 1
  fi
  rm -f "$DIR/cluster.state" "$REGISTRY/$TAG"
}

# ---- main -----------------------------------------------------------------------------------------------

case "${1:-}" in
  check)
    [[ $# -eq 1 ]] || die "usage: slurm_cluster.sh check"
    cmd_check
    ;;
  start)
    [[ $# -eq 3 ]] || die "usage: slurm_cluster.sh start DIR NODES"
    cmd_start "$2" "$3"
    ;;
  stop)
    [[ $# -eq 2 ]] || die "usage: slurm_cluster.sh stop DIR"
    cmd_stop "$2"
    ;;
  *) die "usage: slurm_cluster.sh check | start DIR NODES | stop DIR" ;;
esac
