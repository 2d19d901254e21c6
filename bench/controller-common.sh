# Sourced by the controller benchmarks (controller-*): what cli-common.sh gives (a throwaway
# PEAPOD_HOME with the example images, ./peapod built, median) plus the controller's
# quarkus-app (package only), and helpers to run `./peapod serve` on that home, talk to its API
# over $PEAPOD_HOME/peapod.sock, and read a process's CPU time.
source "$(dirname "${BASH_SOURCE[0]}")/cli-common.sh"
mvn -B -ntp -q package -DskipTests -pl reconciler/controller -am
controller_pid=""
git_daemon_pid=""
# Unlike cli-common's cleanup (one ./peapod rm per pod, a JVM start each: minutes for 1,000 pods),
# the VMs of this home are ended by their process ids, found by the home in their command lines,
# and the home is deleted.
controller_cleanup() {
  local pid
  [ -n "$controller_pid" ] && kill -9 "$controller_pid" 2>/dev/null || true
  [ -n "$git_daemon_pid" ] && kill "$git_daemon_pid" 2>/dev/null || true
  # the pods' VMs and helpers, and the pool VMs and keepers of the home (a pool VM outlives a
  # deleted home: nothing else would end it)
  for pid in $(pgrep -f -- "$PEAPOD_HOME/(pods|pool)/" || true); do
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$PEAPOD_HOME"
}
trap controller_cleanup EXIT

# api METHOD PATH [curl args...]: one request to the controller's API on its unix socket.
api() {
  local method="$1" path="$2"; shift 2
  curl -s --unix-socket "$PEAPOD_HOME/peapod.sock" -X "$method" "http://peapod$path" "$@"
}

# serve ARGS...: starts `./peapod serve ARGS...` in the background (log: $PEAPOD_HOME/serve.log)
# and waits until its API answers and every source has been read once (/q/health/ready).
serve() {
  ./peapod serve "$@" >>"$PEAPOD_HOME/serve.log" 2>&1 &
  controller_pid=$!
  for _ in $(seq 1 1200); do
    if [ "$(api GET /q/health/ready -o /dev/null -w '%{http_code}' 2>/dev/null)" = 200 ]; then
      return 0
    fi
    kill -0 "$controller_pid" 2>/dev/null || { cat "$PEAPOD_HOME/serve.log" >&2; return 1; }
    sleep 0.1
  done
  echo "the controller did not get ready in 120 s" >&2
  return 1
}

# stop_serving: SIGTERM (the VMs stay), then wait for the controller to end.
stop_serving() {
  kill -TERM "$controller_pid"
  wait "$controller_pid" || true
  controller_pid=""
}

# cpu_ms PID: the process's user + system CPU time so far, in ms (/proc/PID/stat fields 14, 15).
cpu_ms() {
  local ticks
  ticks=$(awk '{ print $14 + $15 }' "/proc/$1/stat")
  echo $(( ticks * 1000 / $(getconf CLK_TCK) ))
}

# rss_kib PID: the process's resident set (VmRSS) in KiB.
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# git_daemon DIR: serves the bare repositories under DIR on git://127.0.0.1:$git_port/
# (BENCH_GIT_PORT, default 19418).
git_daemon() {
  git_port="${BENCH_GIT_PORT:-19418}"
  git daemon --reuseaddr --export-all --base-path="$1" --listen=127.0.0.1 --port="$git_port" "$1" \
    >"$PEAPOD_HOME/git-daemon.log" 2>&1 &
  git_daemon_pid=$!
  until (exec 3<>"/dev/tcp/127.0.0.1/$git_port") 2>/dev/null; do sleep 0.05; done
}
