# Sourced by the CLI benchmarks (cli-run, cli-list): builds the kernel, guest-init and the
# ./peapod uber-jar (package only: nothing is installed into ~/.m2), makes a throwaway
# PEAPOD_HOME with the example images loaded, and gives timing helpers.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/install-deps.sh >/dev/null
make -s kernel guest-init >/dev/null
mvn -B -ntp -q package -DskipTests -pl reconciler/cli -am
PEAPOD_HOME="$(mktemp -d /tmp/peapod-bench.XXXXXX)"
export PEAPOD_HOME
cleanup() {
  # Whatever a failed run left: every pod of this PEAPOD_HOME (their VMs with them), then the directory.
  local dir
  for dir in "$PEAPOD_HOME"/pods/*/; do
    [ -d "$dir" ] && ./peapod rm --force "$(basename "$dir")" --grace 0 >/dev/null 2>&1 || true
  done
  rm -rf "$PEAPOD_HOME"
}
trap cleanup EXIT
examples/images/build.sh >/dev/null
./peapod version >/dev/null # the first run after a build makes the class-data sharing archive

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# median NAME UNIT VALUES...: prints "NAME: median UNIT (median, n=N, min A, max B)"
median() {
  local name="$1" unit="$2"; shift 2
  printf '%s\n' "$@" | sort -n | awk -v name="$name" -v unit="$unit" '
    { v[NR] = $1 }
    END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
          printf "%s: %d %s (median, n=%d, min %d, max %d)\n", name, m, unit, NR, v[1], v[NR] }'
}
