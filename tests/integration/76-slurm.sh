#!/bin/bash
# 76-slurm.sh - sharded patrols on the engines of issue 16, for real where
# this machine can: a one-node Slurm cluster (Debian's slurm-wlm, with its
# own munged, on loopback) runs packaging/slurm/ronda-slurm-patrol: a job
# array of 4 shards of the loopback fleet and a merge job (afterany).  The
# merged run holds every host of the pattern exactly once, checked with jq
# against ronda hosts; an array task cancelled before it ran leaves its
# hosts "not patrolled (shard K missing)" and the merge job exits 4; one
# cancelled while it runs leaves them interrupted and the merge exits 2.
# Kubernetes (no cluster here): packaging/kubernetes/ parses and passes
# kubectl's client-side dry run, and the commands its pods run, taken from
# the manifests, run as local processes with the pods' environment
# (JOB_COMPLETION_INDEX, the mounts' paths) and merge exactly once.
#
# The Slurm cluster, in a temp dir: munged with its own key, socket and pid
# file; slurmctld and slurmd in the foreground (-D) on free 127.0.0.1
# ports, as root, with proctrack/linuxproc and task/none: this container
# has no systemd and no cgroup delegation, and those two plugins need
# neither.  Every daemon runs under timeout and is stopped by PID.
source "$(dirname "$0")/../lib.sh"
R="$BUILD/ronda"
S=$TOP/packaging/slurm
K8S=$TOP/packaging/kubernetes
PATTERN='node[001-020]'
N=4

dir=$("$TOP/tests/fleet/up.sh" -n 20 -t 600) || { t_fail "fleet up"; t_finish; exit 1; }
T=$(mktemp -d /tmp/ronda-slurm.XXXXXX)
pids=()		# the daemons' timeout wrappers, newest last
jobs_seen=()	# every job submitted, cancelled at the end if still there
cleanup() {
	if [ ${#jobs_seen[@]} -gt 0 ] && [ -n "${SLURM_CONF:-}" ]; then
		scancel "${jobs_seen[@]}" 2>/dev/null
		for _ in $(seq 1 50); do
			[ -z "$(squeue -h -j "$(IFS=,; echo "${jobs_seen[*]}")" 2>/dev/null)" ] && break
			sleep 0.2
		done
	fi
	local i p
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do	# slurmd, slurmctld, then munged
		p=${pids[i]}
		kill -TERM "$p" 2>/dev/null || continue
		for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$p" 2>/dev/null
	done
	"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
source "$dir/fleet.env"
INV=$FLEET_INVENTORY
# (what the shards and the pods pass to ronda besides the packaging's own options)
OPTS="--known-hosts $FLEET_KNOWN_HOSTS --connect-timeout 10 --retries 0"
want=$("$R" hosts -i "$INV" --list "$PATTERN" | sort)

cat > "$T/pb.cfg" <<'EOP'
name = "sharded patrol";
defaults = { timeout = 60.0; task_timeout = 20.0; become = false; profile = "inspect"; };
tasks = ( { name = "sshd running"; check = "process"; comm = "sshd"; min = 1; } );
EOP

# Every host key of .hosts in a run.json, in the order written, duplicates
# kept (--stream sees the text, before an object folds duplicate keys).
run_hosts() { jq -r --stream 'select(length == 2 and .[0][0] == "hosts" and (.[0] | length) == 2) | .[0][1]' "$1"; }
# exactly_once NAME RUNDIR [ABSENT]: .hosts is the pattern's hosts, once
# each, and hosts/ has a file for each but those of ABSENT (sorted lines)
exactly_once() {
	local got files dups
	got=$(run_hosts "$2/run.json" | sort)
	dups=$(run_hosts "$2/run.json" | sort | uniq -d)
	files=$(cd "$2/hosts" && ls | sed 's/\.json$//' | sort)
	if [ -n "$want" ] && [ "$got" = "$want" ] && [ -z "$dups" ] &&
		[ "$files" = "$(comm -23 <(echo "$want") <(echo "${3:-}" | grep .))" ]; then
		t_ok "$1: each of the $(wc -l <<<"$want") hosts of $PATTERN exactly once (run.json; hosts/${3:+ but the missing})"
	else
		t_fail "$1: each host of $PATTERN exactly once" \
			"dups=[$dups] missing=[$(comm -23 <(echo "$want") <(echo "$got") | paste -sd,)] extra=[$(comm -13 <(echo "$want") <(echo "$got") | paste -sd,)] files=$(wc -l <<<"$files")"
	fi
}
# shard_runs NAME ROOT: ROOT/K/STAMP holds shard K's hosts, each host in one shard
shard_runs() {
	local k bad="" all=""
	for k in $(seq 0 $((N - 1))); do
		local mine got
		mine=$("$R" hosts -i "$INV" --list --shard "$k/$N" "$PATTERN" | sort)
		got=$(cat "$2/$k"/*/run.json 2>/dev/null | jq -r '.hosts | keys[]' | sort)
		[ "$got" = "$mine" ] || bad="$bad shard $k: [$(paste -sd, <<<"$got")] not [$(paste -sd, <<<"$mine")]"
		all="$all$got"$'\n'
	done
	local dups
	dups=$(grep . <<<"$all" | sort | uniq -d)
	[ -z "$bad" ] && [ -z "$dups" ] && [ "$(grep . <<<"$all" | sort)" = "$want" ] &&
		t_ok "$1: shard K's run holds ronda hosts --shard K/$N, no host in two shards" ||
		t_fail "$1: shard K's run holds ronda hosts --shard K/$N" "$bad dups=[$dups]"
}

# ============================== Slurm =======================================
listening() { ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }
# Two free ports on 127.0.0.1 (slurmctld, slurmd), held by a lock until they listen.
exec 8>/tmp/ronda-slurm.lock
flock -w 60 8 || echo "warning: /tmp/ronda-slurm.lock held for 60 s; going on" >&2
ctld_port="" slurmd_port=""
for p in $(seq 26800 2 26998); do
	listening $p || listening $((p + 1)) || { ctld_port=$p; slurmd_port=$((p + 1)); break; }
done

slurm_up() {
	[ -n "$ctld_port" ] || { echo "no free port pair in 26800-26999"; return 1; }
	mkdir -p "$T/munge" "$T/run" "$T/state" "$T/spool" "$T/log"
	# munged wants its key private and its socket's directory searchable by all
	chmod 711 "$T"; chmod 700 "$T/munge"; chmod 755 "$T/run"
	head -c 1024 /dev/urandom > "$T/munge/munge.key"
	chmod 400 "$T/munge/munge.key"
	timeout 600 munged -F --socket="$T/run/munge.sock" --key-file="$T/munge/munge.key" \
		--pid-file="$T/run/munged.pid" --seed-file="$T/munge/seed" --log-file="$T/log/munged.log" \
		>"$T/log/munged.out" 2>&1 &
	pids+=($!)
	local ok=0
	for _ in $(seq 1 50); do
		[ -S "$T/run/munge.sock" ] && munge -n -S "$T/run/munge.sock" 2>/dev/null | unmunge -S "$T/run/munge.sock" >/dev/null 2>&1 && { ok=1; break; }
		sleep 0.2
	done
	[ $ok = 1 ] || { echo "munged did not answer in 10 s: $(tail -3 "$T/log/munged.out")"; return 1; }
	cat > "$T/slurm.conf" <<EOC
ClusterName=ronda76
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$T/run/munge.sock
CredType=cred/munge
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/run/slurmctld.pid
SlurmdPidFile=$T/run/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
MailProg=/bin/true
SchedulerParameters=sched_interval=1
MinJobAge=600
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=ronda Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOC
	export SLURM_CONF=$T/slurm.conf
	timeout 600 slurmctld -D -f "$SLURM_CONF" >"$T/log/slurmctld.out" 2>&1 &
	pids+=($!)
	timeout 600 slurmd -D -N localhost -f "$SLURM_CONF" >"$T/log/slurmd.out" 2>&1 &
	pids+=($!)
	for _ in $(seq 1 100); do
		[ "$(sinfo -h -n localhost -o %t 2>/dev/null)" = idle ] && return 0
		sleep 0.2
	done
	echo "no idle node in 20 s: $(scontrol ping 2>&1 | head -1); $(tail -3 "$T/log/slurmctld.log" "$T/log/slurmd.log" 2>&1)"
	return 1
}

state_of() { scontrol -o show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 | sort -u | paste -sd,; }
exit_of() { scontrol -o show job "$1" 2>/dev/null | grep -o ' ExitCode=[0-9:]*' | cut -d= -f2; }
# ended JOB [SECONDS]: waits until every element of JOB has ended (a job
# the controller does not know fails at once)
ended() {
	local s
	[[ ${1:-} =~ ^[0-9]+$ ]] || return 1
	for _ in $(seq 1 $((${2:-120} * 5))); do
		s=$(state_of "$1")
		[ -n "$s" ] || return 1
		! grep -qE 'PENDING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED|REQUEUE' <<<"$s" && return 0
		sleep 0.2
	done
	return 1
}

# the batch script refuses an array that would leave shards without a task
SLURM_ARRAY_JOB_ID=1 SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=4 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=4 \
	RONDA=/bin/false RONDA_RESULTS=$T/never "$S/ronda-patrol.sbatch" >/dev/null 2>"$T/arr.err"; rc=$?
[ $rc -eq 64 ] && grep -q 'must be 0-3' "$T/arr.err" && [ ! -e "$T/never" ] &&
	t_ok "ronda-patrol.sbatch refuses --array=1-4 (64, names 0-3), runs nothing" ||
	t_fail "ronda-patrol.sbatch refuses --array=1-4" "rc=$rc $(cat "$T/arr.err")"

# (not in a subshell: it sets SLURM_CONF and records the daemons' PIDs)
if ! slurm_up >"$T/up.err" 2>&1; then
	t_fail "one-node Slurm cluster up (munged, slurmctld, slurmd on 127.0.0.1)" "$(cat "$T/up.err")"
else
	flock -u 8
	t_ok "one-node Slurm cluster up (munged, slurmctld :$ctld_port, slurmd :$slurmd_port on 127.0.0.1)"
	export RONDA=$R RONDA_INVENTORY=$INV RONDA_PLAYBOOK=$T/pb.cfg RONDA_PATTERN=$PATTERN RONDA_OPTS=$OPTS

	# --- a 4-shard patrol and its merge ----------------------------------------
	export RONDA_RESULTS=$T/results
	ids=$("$S/ronda-slurm-patrol" -n $N 2>"$T/submit.err"); rc=$?
	read -r array merge <<<"$ids"
	jobs_seen+=(${array:+"$array"} ${merge:+"$merge"})
	if [ $rc -eq 0 ] && [[ $array =~ ^[0-9]+$ ]] && [[ $merge =~ ^[0-9]+$ ]]; then
		t_ok "ronda-slurm-patrol -n $N submits an array and a merge job ($array, $merge)"
	else
		t_fail "ronda-slurm-patrol -n $N submits an array and a merge job" "rc=$rc ids=$ids $(cat "$T/submit.err")"
	fi
	dep=$(scontrol -o show job "$merge" 2>/dev/null | grep -o 'Dependency=[^ ]*')
	case $dep in
	"Dependency=afterany:${array}_"*) t_ok "the merge job depends on the array: $dep" ;;
	*) t_fail "the merge job depends on the array (afterany)" "$dep" ;;
	esac
	if ended "$merge" 180 && ended "$array" 5; then t_ok "array and merge ended within 180 s"
	else t_fail "array and merge ended within 180 s" "array $(state_of "$array") merge $(state_of "$merge")"; fi
	st=$(state_of "$array"); n_tasks=$(scontrol -o show job "$array" | grep -c 'ArrayTaskId=')
	[ "$st" = COMPLETED ] && [ "$n_tasks" -eq $N ] && t_ok "$N array tasks, all COMPLETED" ||
		t_fail "$N array tasks, all COMPLETED" "states=$st tasks=$n_tasks"
	ran=$(cat "$T/results/logs/ronda-patrol-${array}_"*.out 2>/dev/null | grep -o "shard [0-9]/$N of job $array" | sort -u | wc -l)
	[ "$ran" -eq $N ] && t_ok "each task patrolled its own shard K/$N (SLURM_ARRAY_TASK_ID/COUNT)" ||
		t_fail "each task patrolled its own shard K/$N" "$ran of $N; $(tail -5 "$T/results/logs/"*.out)"
	shard_runs "slurm" "$T/results/shards/$array"
	mrc=$(exit_of "$merge")
	runs=$(ls -d "$T/results"/20*/ 2>/dev/null)
	[ "$mrc" = 0:0 ] && [ "$(grep -c . <<<"$runs")" -eq 1 ] && [ -f "$runs/report.html" ] && [ -f "$runs/ronda.prom" ] &&
		t_ok "merge job exit 0 (all ok), one merged run with summary, run.json, report.html, ronda.prom" ||
		t_fail "merge job exit 0, one merged run" "ExitCode=$mrc runs=[$runs] $(tail -5 "$T/results/logs/ronda-merge-$merge.out")"
	run=${runs%/}
	if [ -f "$run/run.json" ]; then
		exactly_once "slurm merged run" "$run"
		sh=$(jq -c .shard "$run/run.json")
		[ "$sh" = '{"n":4,"merged":[0,1,2,3],"missing":[]}' ] && t_ok "run.json: shards 0-3 of 4 merged, none missing" ||
			t_fail "run.json: shards 0-3 of 4 merged, none missing" "$sh"
		head -1 "$run/summary.txt" | grep -qx '20 host(s): 20 ok, 0 warn, 0 fail, 0 unreachable, 0 error' &&
			t_ok "merged summary: 20 hosts ok" || t_fail "merged summary: 20 hosts ok" "$(head -3 "$run/summary.txt")"
		echo "--- the Slurm run's merged summary ($run):"
		sed 's/^/    /' "$run/summary.txt"
		echo "--- its merge job's log:"
		sed 's/^/    /' "$T/results/logs/ronda-merge-$merge.out"
	else
		t_fail "slurm merged run exists" "no run.json in [$run]"
	fi

	# --- one array task killed: its hosts are named, the merge exits 4 ---------
	# Held at submission so that the task is surely killed before it runs;
	# the rest is released, and afterany still starts the merge.
	gone=""
	for k in $(seq 0 $((N - 1))); do
		[ -n "$("$R" hosts -i "$INV" --shard "$k/$N" "$PATTERN")" ] && { gone=$k; break; }
	done
	gone_hosts=$("$R" hosts -i "$INV" --shard "$gone/$N" "$PATTERN")
	export RONDA_RESULTS=$T/killed
	ids=$("$S/ronda-slurm-patrol" -n $N --hold 2>"$T/submit2.err"); rc=$?
	read -r array2 merge2 <<<"$ids"
	jobs_seen+=(${array2:+"$array2"} ${merge2:+"$merge2"})
	scancel "${array2}_$gone"; crc=$?
	scontrol release "$array2" && scontrol release "$merge2"
	if ended "$merge2" 180 && ended "$array2" 5; then t_ok "killed-shard run: array and merge ended within 180 s"
	else t_fail "killed-shard run: array and merge ended within 180 s" "array $(state_of "$array2") merge $(state_of "$merge2")"; fi
	# (the controller forgets a task cancelled while pending at once)
	left=$(scontrol -o show job "$array2" | grep -o 'ArrayTaskId=[0-9]* .*JobState=[A-Z]*' | sed 's/ .*JobState=/=/' | sort | paste -sd' ')
	want_left=$(for k in $(seq 0 $((N - 1))); do [ "$k" = "$gone" ] || echo "ArrayTaskId=$k=COMPLETED"; done | paste -sd' ')
	[ $crc -eq 0 ] && [ "$left" = "$want_left" ] && [ ! -e "$T/killed/shards/$array2/$gone" ] &&
		t_ok "scancel ${array2}_$gone: it never ran, the other $((N - 1)) tasks COMPLETED" ||
		t_fail "scancel ${array2}_$gone: it never ran, the others COMPLETED" "scancel rc=$crc tasks: $left"
	mrc=$(exit_of "$merge2")
	run2=$(ls -d "$T/killed"/20*/ 2>/dev/null); run2=${run2%/}
	[ "$mrc" = 4:0 ] && t_ok "the merge job exits 4 (incomplete)" ||
		t_fail "the merge job exits 4 (incomplete)" "ExitCode=$mrc $(tail -5 "$T/killed/logs/ronda-merge-$merge2.out")"
	line="error        $gone_hosts ($(grep -c . <<<"$("$R" hosts -i "$INV" --list --shard "$gone/$N" "$PATTERN")")): not patrolled (shard $gone missing)"
	np=$(jq -r '.hosts | to_entries[] | select(.value == "not patrolled") | .key' "$run2/run.json" 2>/dev/null | sort)
	if grep -qxF "$line" "$run2/summary.txt" 2>/dev/null &&
		[ "$np" = "$("$R" hosts -i "$INV" --list --shard "$gone/$N" "$PATTERN" | sort)" ] &&
		[ "$(jq -c .shard.missing "$run2/run.json")" = "[$gone]" ] &&
		grep -F "shard $gone/$N missing: " "$T/killed/logs/ronda-merge-$merge2.out" | grep -qF "not patrolled: $gone_hosts"; then
		t_ok "the merge names shard $gone's hosts: $gone_hosts not patrolled (shard $gone missing)"
	else
		t_fail "the merge names shard $gone's hosts as not patrolled" "want '$line'; $(head -3 "$run2/summary.txt" 2>&1) np=[$np]"
	fi
	[ -f "$run2/run.json" ] && exactly_once "killed-shard merged run" "$run2" "$np"
	echo "--- the killed-shard case ($run2):"
	sed 's/^/    /' "$run2/summary.txt" 2>/dev/null
	sed 's/^/    /' "$T/killed/logs/ronda-merge-$merge2.out"

	# --- a task cancelled while it runs ---------------------------------------
	# scancel sends SIGTERM: ronda stops its hosts in flight and still
	# writes its shard's run, so the merge has them, as interrupted (not
	# missing), and exits 2.  Each host's task sleeps so the shard is caught.
	cat > "$T/slow.cfg" <<'EOP'
name = "sharded patrol";
defaults = { timeout = 60.0; task_timeout = 30.0; become = false; profile = "inspect"; };
tasks = ( { name = "slow"; check = "command"; argv = [ "/bin/sleep", "6.25" ]; } );
EOP
	export RONDA_RESULTS=$T/term RONDA_PLAYBOOK=$T/slow.cfg
	ids=$("$S/ronda-slurm-patrol" -n $N 2>"$T/submit3.err")
	read -r array3 merge3 <<<"$ids"
	jobs_seen+=(${array3:+"$array3"} ${merge3:+"$merge3"})
	log3=$T/term/logs/ronda-patrol-${array3}_$gone.out
	# until task $gone runs and the agent's sleep has started on each of its
	# hosts (the agent, its parent, has its host's HOME: FLEET_HOMES/NAME)
	mine=$("$R" hosts -i "$INV" --list --shard "$gone/$N" "$PATTERN" | sort)
	sleeping() {
		local pid pp
		for pid in $(pgrep -f '^(/usr)?/bin/sleep 6\.25$'); do
			pp=$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null) || continue
			tr '\0' '\n' < "/proc/$pp/environ" 2>/dev/null | sed -n "s|^HOME=$FLEET_HOMES/||p"
		done | sort -u | comm -12 - <(echo "$mine") | grep -c .
	}
	started=0
	for _ in $(seq 1 150); do
		[ "$(sleeping)" -eq "$(grep -c . <<<"$mine")" ] && { started=1; break; }
		sleep 0.2
	done
	scancel "${array3}_$gone"
	if [ $started = 1 ] && ended "$merge3" 180 && ended "$array3" 5; then t_ok "task ${array3}_$gone cancelled while running; merge ended"
	else t_fail "task ${array3}_$gone cancelled while running; merge ended" "started=$started array $(state_of "$array3") merge $(state_of "$merge3")"; fi
	run3=$(ls -d "$T/term"/20*/ 2>/dev/null); run3=${run3%/}
	mrc=$(exit_of "$merge3")
	intr=$(jq -r '.hosts | to_entries[] | select(.value != "ok") | .key' "$run3/run.json" 2>/dev/null | sort)
	if [ "$mrc" = 2:0 ] && [ "$intr" = "$mine" ] && grep -q "^error .*$(sed 's/[][]/\\&/g' <<<"$gone_hosts") .*interrupted" "$run3/summary.txt" &&
		[ "$(jq -c .shard.missing "$run3/run.json")" = "[]" ]; then
		t_ok "the merge has the cancelled shard's hosts as interrupted (no shard missing), exits 2"
	else
		t_fail "the merge has the cancelled shard's hosts as interrupted, exits 2" \
			"ExitCode=$mrc not ok=[$(paste -sd, <<<"$intr")] $(head -3 "$run3/summary.txt" 2>&1) $(tail -3 "$log3" 2>&1)"
	fi
	[ -f "$run3/run.json" ] && exactly_once "cancelled-while-running merged run" "$run3"
	echo "--- a task cancelled while running ($run3):"
	sed 's/^/    /' "$run3/summary.txt" 2>/dev/null
fi

# ============================== Kubernetes ==================================
# Offline: kubectl apply/create --dry-run=client still ask a server for
# its API groups (kubectl 1.32), so the client check is kubectl kustomize,
# which reads and re-emits every manifest with no cluster; the YAML and
# what the manifests say of each other are checked with python3-yaml.
K=$T/k8s
mkdir -p "$K"
if command -v kubectl >/dev/null; then
	if kubectl kustomize "$K8S" >"$K/all.yaml" 2>"$K/kz.err"; then
		kinds=$(python3 -c 'import sys, yaml; print(" ".join(sorted(d["kind"] + "/" + d["metadata"]["name"] for d in yaml.safe_load_all(open(sys.argv[1])) if d)))' "$K/all.yaml")
		[ "$kinds" = "ConfigMap/ronda-config Job/ronda-merge Job/ronda-patrol PersistentVolumeClaim/ronda-results Secret/ronda-ssh" ] &&
			t_ok "kubectl kustomize packaging/kubernetes: Secret, ConfigMap, PVC, the patrol and merge Jobs" ||
			t_fail "kubectl kustomize packaging/kubernetes: the five resources" "$kinds"
	else
		t_fail "kubectl kustomize packaging/kubernetes" "$(head -3 "$K/kz.err")"
	fi
else
	echo "kubectl not installed: the client-side check is skipped (the YAML checks below still run)"
fi
cat > "$K/check.py" <<'EOP'
# The manifests' own consistency: what a cluster would refuse or run wrong.
import glob, os, sys, yaml
docs = {}
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.yaml"))):
    for d in yaml.safe_load_all(open(f)):
        if d and d.get("kind") != "Kustomization":
            assert d.get("apiVersion") and d["metadata"].get("name"), f
            docs[(d["kind"], d["metadata"]["name"])] = d
def env(job):
    c = job["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e for e in c["env"]}, c
patrol, merge = docs[("Job", "ronda-patrol")], docs[("Job", "ronda-merge")]
pe, pc = env(patrol)
me, mc = env(merge)
n = int(pe["RONDA_SHARDS"]["value"])
sp = patrol["spec"]
assert sp["completionMode"] == "Indexed", "not Indexed"
assert sp["completions"] == sp["parallelism"] == n, "completions, parallelism, RONDA_SHARDS differ"
assert pe["JOB_COMPLETION_INDEX"]["valueFrom"]["fieldRef"]["fieldPath"] == \
    "metadata.annotations['batch.kubernetes.io/job-completion-index']"
assert me["RONDA_SHARDS"]["value"] == str(n) and me["RONDA_RUN"] == pe["RONDA_RUN"], "merge: another run"
assert merge["spec"]["backoffLimit"] == 0 and "completionMode" not in merge["spec"]
cm, sec = docs[("ConfigMap", "ronda-config")], docs[("Secret", "ronda-ssh")]
pvc = docs[("PersistentVolumeClaim", "ronda-results")]
assert "ReadWriteMany" in pvc["spec"]["accessModes"]
for job, c in ((patrol, pc), (merge, mc)):
    t = job["spec"]["template"]["spec"]
    assert t["restartPolicy"] == "Never"
    vols = {v["name"]: v for v in t["volumes"]}
    for m in c["volumeMounts"]:
        v = vols[m["name"]]
        if "configMap" in v: assert v["configMap"]["name"] == "ronda-config"
        if "secret" in v: assert v["secret"]["secretName"] == "ronda-ssh"
        if "persistentVolumeClaim" in v: assert v["persistentVolumeClaim"]["claimName"] == "ronda-results"
    e, _ = env(job)
    assert e["RONDA_RESULTS"]["value"] in [m["mountPath"] for m in c["volumeMounts"]]
mounts = {m["name"]: m["mountPath"] for m in pc["volumeMounts"]}
for var, vol, keys in (("RONDA_INVENTORY", "config", cm["data"]), ("RONDA_PLAYBOOK", "config", cm["data"]),
                       ("RONDA_KEY", "ssh", sec["stringData"]), ("RONDA_KNOWN_HOSTS", "ssh", sec["stringData"])):
    d, b = os.path.split(pe[var]["value"])
    assert d == mounts[vol] and b in keys, var
open(os.path.join(sys.argv[2], "inventory.cfg"), "w").write(cm["data"]["inventory.cfg"])
open(os.path.join(sys.argv[2], "patrol.cfg"), "w").write(cm["data"]["patrol.cfg"])
print(n)
EOP
if kn=$(python3 "$K/check.py" "$K8S" "$K" 2>"$K/check.err"); then
	t_ok "manifests parse (python3-yaml) and agree: Indexed, completions = parallelism = RONDA_SHARDS = $kn, mounts, Secret, ConfigMap, PVC"
else
	kn=4
	t_fail "manifests parse and agree" "$(tail -3 "$K/check.err")"
fi
if "$R" run --dry-run -i "$K/inventory.cfg" "$K/patrol.cfg" >"$K/dry.out" 2>&1; then
	t_ok "the ConfigMap's inventory and playbook pass ronda run --dry-run"
else
	t_fail "the ConfigMap's inventory and playbook pass ronda run --dry-run" "$(head -3 "$K/dry.out")"
fi

# The pods as local processes: the container's command and args and its
# env, read from the manifest, each mount's path mapped to a local
# directory (the ConfigMap, Secret and PVC stand-ins), nothing else in
# the environment but PATH (ronda from the build) and HOME.
cat > "$K/pod.py" <<'EOP'
# pod.py MANIFEST OUTDIR VOLUME=LOCALDIR...: OUTDIR/argv and OUTDIR/env, NUL-separated
import os, sys, yaml
job = yaml.safe_load(open(sys.argv[1]))
c = job["spec"]["template"]["spec"]["containers"][0]
local = dict(a.split("=", 1) for a in sys.argv[3:])
mounts = [(m["mountPath"], local[m["name"]]) for m in c.get("volumeMounts", [])]
env = []
for e in c.get("env", []):
    if "value" not in e:
        continue  # fieldRef: JOB_COMPLETION_INDEX, set per pod below
    v = e["value"]
    for mp, ld in mounts:
        if v == mp or v.startswith(mp + "/"):
            v = ld + v[len(mp):]
    env.append(e["name"] + "=" + v)
open(os.path.join(sys.argv[2], "argv"), "w").write("\0".join(c["command"] + c.get("args", [])) + "\0")
open(os.path.join(sys.argv[2], "env"), "w").write("\0".join(env) + "\0")
EOP
mkdir -p "$K/config" "$K/ssh" "$K/results" "$K/patrol" "$K/merge"
cp "$INV" "$K/config/inventory.cfg"; cp "$T/pb.cfg" "$K/config/patrol.cfg"
cp "$FLEET_KEY" "$K/ssh/id_ed25519"; cp "$FLEET_KNOWN_HOSTS" "$K/ssh/known_hosts"
chmod 400 "$K/ssh/id_ed25519"	# the Secret's defaultMode
vols=(config="$K/config" ssh="$K/ssh" results="$K/results")
python3 "$K/pod.py" "$K8S/ronda-patrol-job.yaml" "$K/patrol" "${vols[@]}" &&
	python3 "$K/pod.py" "$K8S/ronda-merge-job.yaml" "$K/merge" "${vols[@]}" ||
	t_fail "the pods' commands read from the manifests"
mapfile -d '' p_argv < "$K/patrol/argv"; mapfile -d '' p_env < "$K/patrol/env"
mapfile -d '' m_argv < "$K/merge/argv"; mapfile -d '' m_env < "$K/merge/env"
# what an operator sets in the manifest for this fleet
site=(RONDA_PATTERN="$PATTERN" "RONDA_OPTS=--connect-timeout 10 --retries 0")
pod() { timeout -k 5 120 env -i PATH="$BUILD:/usr/bin:/bin" HOME="$K" "$@"; }
prc=""
for k in $(seq 0 $((kn - 1))); do
	pod "${p_env[@]}" "${site[@]}" JOB_COMPLETION_INDEX=$k "${p_argv[@]}" >"$K/patrol-$k.log" 2>&1
	prc="$prc$?"
done
run_name=$(printf '%s\n' "${p_env[@]}" | sed -n 's/^RONDA_RUN=//p')
[ "$prc" = "$(printf '0%.0s' $(seq 1 "$kn"))" ] && t_ok "$kn patrol pods (JOB_COMPLETION_INDEX 0-$((kn - 1))) exit 0" ||
	t_fail "$kn patrol pods exit 0" "exit codes $prc; $(tail -3 "$K"/patrol-*.log)"
N=$kn shard_runs "kubernetes" "$K/results/shards/$run_name"
pod "${m_env[@]}" "${m_argv[@]}" >"$K/merge.log" 2>&1; rc=$?
krun=$(ls -d "$K/results"/20*/ 2>/dev/null); krun=${krun%/}
[ $rc -eq 0 ] && [ -f "$krun/run.json" ] && [ ! -e "$K/results/shards/$run_name" ] &&
	t_ok "the merge pod exits 0, writes one merged run, removes the merged shards" ||
	t_fail "the merge pod exits 0 and writes one merged run" "rc=$rc run=[$krun] $(tail -3 "$K/merge.log")"
[ -f "$krun/run.json" ] && exactly_once "kubernetes merged run" "$krun"
# a pod that never ran: the merge (not waiting) names its hosts, exits 4
rm -rf "$K/results"; mkdir -p "$K/results"
for k in $(seq 1 $((kn - 1))); do
	pod "${p_env[@]}" "${site[@]}" JOB_COMPLETION_INDEX=$k "${p_argv[@]}" >/dev/null 2>&1
done
pod "${m_env[@]}" RONDA_MERGE_WAIT=0 "${m_argv[@]}" >"$K/merge2.log" 2>&1; rc=$?
krun=$(ls -d "$K/results"/20*/ 2>/dev/null); krun=${krun%/}
g=$("$R" hosts -i "$INV" --shard "0/$kn" "$PATTERN")
[ $rc -eq 4 ] && grep -qF "$g ($(N=$kn; "$R" hosts -i "$INV" --list --shard "0/$kn" "$PATTERN" | grep -c .)): not patrolled (shard 0 missing)" "$krun/summary.txt" 2>/dev/null &&
	t_ok "pod 0 missing: the merge pod names $g not patrolled (shard 0 missing), exits 4" ||
	t_fail "pod 0 missing: the merge pod names its hosts, exits 4" "rc=$rc $(tail -3 "$K/merge2.log")"

t_finish
