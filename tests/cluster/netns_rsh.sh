#!/usr/bin/env bash
# An rsh/ssh stand-in that "logs in" to a node of a slurm_cluster.sh cluster: runs COMMAND in that node's
# network and UTS namespaces, so it sees the node's address and hostname. Needs root.
#
#   netns_rsh.sh [ssh-like options] HOST COMMAND...
#
# Contract:
#   - The cluster is the one in $ZL_CLUSTER_DIR (slurm_cluster.sh writes it to DIR/env; mpirun passes its
#     environment on to the agent). HOST is matched against DIR/nodes by node name or address.
#   - Like ssh, the words of COMMAND are joined with spaces and run by `sh -c` on the node, so quoting is
#     the remote shell's (OpenMPI relies on this for the orted command line). Unlike ssh, the environment
#     is inherited, not a login environment, and the working directory is kept.
#   - The node is entered with `nsenter --net=/run/netns/<netns> --uts=DIR/ns/<name>.uts`: the UTS namespace
#     is held by a bind mount made by slurm_cluster.sh, so no process of the node has to be alive.
#   - Options before HOST (ssh's -x, -q, -T, -n, -A, -a, -o OPT, -p PORT, -l USER, ...) are accepted and
#     ignored; OpenMPI 4.1 passes none when the agent is not named ssh. Exit status: COMMAND's, or 255
#     (as ssh) when the node cannot be entered.
#
# OpenMPI over the cluster, run from inside node 1 (`nsenter ... mpirun`, or from a Slurm task there):
#   mpirun --allow-run-as-root --mca plm_rsh_agent tests/cluster/netns_rsh.sh --hostfile H \
#          --mca oob_tcp_if_include 10.201.<T>.0/24 --mca btl tcp,self --mca btl_tcp_if_include 10.201.<T>.0/24 ...
#   with H listing nodes by address ("10.201.<T>.2 slots=2"). Without oob_tcp_if_include the orted on
#   another node may try mpirun's loopback address first; the btl options keep MPI traffic on the veths.
set -euo pipefail

fail() {
  echo "netns_rsh: $*" >&2
  exit 255
}

while [[ $# -gt 0 && $1 == -* ]]; do
  case "$1" in
    -[bcDEeFIiJLlmOopQRSWw]) shift 2 ;;  # ssh options that take an argument
    --) shift; break ;;
    *) shift ;;
  esac
done
[[ $# -ge 2 ]] || fail "usage: netns_rsh.sh [options] HOST COMMAND..."
host=${1#*@}  # user@host: the user is ignored (everything runs as root)
shift

dir=${ZL_CLUSTER_DIR:-}
[[ -n $dir && -f $dir/nodes ]] || fail "ZL_CLUSTER_DIR does not name a running cluster (no \$ZL_CLUSTER_DIR/nodes)"
read -r name netns < <(awk -v h="$host" '$1 == h || $2 == h { print $1, $3; exit }' "$dir/nodes") ||
  fail "no node named or at '$host' in $dir/nodes"
[[ -e /run/netns/$netns && -e $dir/ns/$name.uts ]] || fail "node $name's namespaces are gone (cluster stopped?)"

exec nsenter --net="/run/netns/$netns" --uts="$dir/ns/$name.uts" -- /bin/sh -c "$*"
