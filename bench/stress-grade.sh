#!/usr/bin/env bash
# Grades one submission RUNS times back to back while busy loops keep every
# core loaded, and says whether every run gave the same full-marks result.
# A check whose verdict depends on the machine being quiet shows up here.
#
#   bench/stress-grade.sh LAB SUBMISSION [RUNS] [BUSY_LOOPS]
#
#   bench/stress-grade.sh multiplexed-client-server reference/multiplexed-client-server/c 20
#
# RUNS defaults to 20, BUSY_LOOPS (`yes > /dev/null`) to the number of cores.
# Prints one line per run (score, wall time, checks that did not pass) and a
# summary; exits 0 only if every run scored full marks with the same
# per-check result. The busy loops are killed on exit, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -lt 2 ]; then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
lab=$1
submission=$2
runs=${3:-20}
loops=${4:-$(nproc)}
deno=./node_modules/deno/deno

busy=()
stop_busy() {
  for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_busy EXIT
for _ in $(seq "$loops"); do
  yes >/dev/null &
  busy+=("$!")
done
echo "grading $submission ($lab) $runs times with $loops busy loops (pids ${busy[*]}) on $(nproc) cores"

out=$(mktemp -d)
trap 'stop_busy; rm -rf "$out"' EXIT
for i in $(seq "$runs"); do
  start=$(date +%s%N)
  NO_COLOR=1 "$deno" task grade "$lab" --submission "$submission" --format json \
    --output "$out/run-$i.json" >/dev/null 2>"$out/run-$i.err" || true
  end=$(date +%s%N)
  echo $(((end - start) / 1000000)) >"$out/run-$i.ms"
done

# One line per run, then the summary: python3 is a requirement of the grader anyway.
python3 - "$out" "$runs" <<'EOF'
import json, os, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
signatures, walls = [], []
for i in range(1, runs + 1):
    wall = int(open(os.path.join(out, f"run-{i}.ms")).read())
    walls.append(wall)
    try:
        report = json.load(open(os.path.join(out, f"run-{i}.json")))
    except (OSError, ValueError):
        err = open(os.path.join(out, f"run-{i}.err")).read().strip().splitlines()
        print(f"run {i:3}: no report ({err[-1] if err else 'no output'})")
        signatures.append(None)
        continue
    signature = tuple((c["id"], c["status"], c["points"]) for c in report["checks"])
    signatures.append(signature)
    missed = [f'{c["id"]} ({c["status"]})' for c in report["checks"] if c["status"] != "pass"]
    print(f'run {i:3}: {report["score"]}/{report["max_score"]} in {wall / 1000:.1f} s'
          + (f'  not passed: {", ".join(missed)}' if missed else ""))
# Full marks: every check passed with all its points; identical: the same checks as the first such run.
perfect = [s for s in signatures if s is not None and all(status == "pass" for _, status, _ in s)]
identical_full = sum(1 for s in perfect if s == perfect[0]) if perfect else 0
print(f"{identical_full}/{runs} runs gave identical full-marks results;"
      f" wall time median {statistics.median(walls) / 1000:.1f} s, max {max(walls) / 1000:.1f} s")
sys.exit(0 if identical_full == runs else 1)
EOF
