#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for testing `kare plan --slurm` end to end
# (scripts/slurm-e2e.sh, `make test-slurm`). Needs root and Debian's `slurm-wlm` and `munge`
# packages (`apt-get install --no-install-recommends slurm-wlm munge`).
#
#   scripts/slurm-local.sh start   write /etc/slurm/slurm.conf for this host, start munged,
#                                  slurmctld and slurmd, wait until the node is idle
#   scripts/slurm-local.sh stop    stop the daemons this script started (by their pid files)
#   scripts/slurm-local.sh status  sinfo
#
# The configuration is minimal: no cgroups (proctrack/linuxproc, task/none), no accounting, one
# partition `local` (the default) holding this node with every CPU and a little less memory than
# is available. It refuses to overwrite a slurm.conf that it did not write itself.
set -euo pipefail

CONF_DIR=/etc/slurm
CONF="$CONF_DIR/slurm.conf"
MARKER="# written by kare-ntk scripts/slurm-local.sh"
STATE=/var/spool/kare-slurm
LOGS=/var/log/slurm
RUN=/run/kare-slurm
MUNGE_RUN=/run/munge
MUNGE_KEY=/etc/munge/munge.key
MUNGE_PID="$MUNGE_RUN/munged.pid"
CTLD_PID="$RUN/slurmctld.pid"
SLURMD_PID="$RUN/slurmd.pid"

die() { echo "slurm-local: $*" >&2; exit 1; }
say() { echo "slurm-local: $*"; }

need_root() { [ "$(id -u)" -eq 0 ] || die "must run as root (it starts munged, slurmctld and slurmd)"; }

need_tools() {
    local t
    for t in munged slurmctld slurmd sinfo scontrol; do
        command -v "$t" >/dev/null || die "$t not found: apt-get install --no-install-recommends slurm-wlm munge"
    done
}

# True when the pid file names a live process.
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

write_conf() {
    if [ -f "$CONF" ] && ! grep -qF "$MARKER" "$CONF"; then
        die "$CONF exists and was not written by this script: not overwriting it"
    fi
    local host cpus mem_mb
    host=$(hostname -s)
    cpus=$(nproc)
    # A bit below the available memory, or slurmd finds less than declared and drains the node.
    mem_mb=$(awk '/^MemAvailable:/ { m = int($2 / 1024 * 0.9); print (m > 100 ? m : 100) }' /proc/meminfo)
    mkdir -p "$CONF_DIR" "$STATE/ctld" "$STATE/d" "$LOGS" "$RUN"
    cat > "$CONF" <<EOF
$MARKER: a one-node test cluster on $host
ClusterName=kare-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOGS/slurmctld.log
SlurmdLogFile=$LOGS/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=60
SlurmdTimeout=60
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
    say "wrote $CONF ($host: $cpus CPUs, $mem_mb MB)"
}

start_munge() {
    if alive "$MUNGE_PID"; then
        say "munged already running (pid $(cat "$MUNGE_PID"))"
        return
    fi
    if [ ! -s "$MUNGE_KEY" ]; then
        say "creating the munge key $MUNGE_KEY"
        if command -v mungekey >/dev/null; then
            mungekey --create --keyfile="$MUNGE_KEY"
        else
            dd if=/dev/urandom of="$MUNGE_KEY" bs=1 count=1024 status=none
        fi
    fi
    chown munge:munge "$MUNGE_KEY"
    chmod 0400 "$MUNGE_KEY"
    mkdir -p "$MUNGE_RUN" /var/log/munge /var/lib/munge
    chown munge:munge "$MUNGE_RUN" /var/log/munge /var/lib/munge
    chmod 0755 "$MUNGE_RUN"
    runuser -u munge -- munged --pid-file="$MUNGE_PID"
    say "started munged (pid $(cat "$MUNGE_PID"))"
}

start_daemon() { # name pidfile
    local name=$1 pidfile=$2
    if alive "$pidfile"; then
        say "$name already running (pid $(cat "$pidfile"))"
        return
    fi
    "$name"
    local i
    for i in $(seq 50); do
        alive "$pidfile" && { say "started $name (pid $(cat "$pidfile"))"; return; }
        sleep 0.2
    done
    die "$name did not start: see $LOGS/$name.log"
}

wait_idle() {
    local host state i
    host=$(hostname -s)
    for i in $(seq 60); do
        state=$(sinfo -h -N -n "$host" -o '%T' 2>/dev/null || true)
        case "$state" in
            idle*) say "node $host is idle"; sinfo; return ;;
        esac
        sleep 1
    done
    sinfo -N -l >&2 || true
    die "node $host not idle after 60 s (state: ${state:-unknown}); see $LOGS/slurmctld.log and $LOGS/slurmd.log"
}

start() {
    need_root
    need_tools
    write_conf
    start_munge
    start_daemon slurmctld "$CTLD_PID"
    start_daemon slurmd "$SLURMD_PID"
    wait_idle
}

stop_pid() { # name pidfile
    local name=$1 pidfile=$2 pid i
    alive "$pidfile" || return 0
    pid=$(cat "$pidfile")
    kill "$pid"
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || { say "stopped $name (pid $pid)"; return 0; }
        sleep 0.2
    done
    die "$name (pid $pid) did not stop"
}

stop() {
    need_root
    stop_pid slurmd "$SLURMD_PID"
    stop_pid slurmctld "$CTLD_PID"
    stop_pid munged "$MUNGE_PID"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) sinfo ;;
    *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
