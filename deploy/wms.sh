#!/usr/bin/env bash
# The two set-up commands of the README:
#   deploy/wms.sh demo   install what is missing, build, start wmsd on ./data with the demo warehouse and run a
#                        short simulated shift through it (wmsd keeps running in an interactive terminal)
#   deploy/wms.sh test   install what is missing, build, run every test (plus a sanitizer build of them)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)

bash deploy/install-deps.sh

build() {  # build DIR [cmake args...]
  local dir=$1; shift
  cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

case "${1:-}" in
  test)
    build build -DBUILD_TESTING=ON
    (cd build && ctest --no-tests=error --output-on-failure -j "$jobs" --timeout 600)
    if [ "${WMS_SKIP_SANITIZE:-0}" != 1 ]; then
      echo "== sanitizer build (address + undefined behaviour)"
      build build-asan -DWMS_SANITIZE=ON
      (cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest --no-tests=error --output-on-failure -j "$jobs" --timeout 900)
    fi
    echo "== all tests passed"
    ;;
  demo)
    build build -DBUILD_TESTING=OFF
    data="${WMS_DATA:-$root/data}"
    port="${WMS_PORT:-5555}"
    ep="tcp://127.0.0.1:$port"
    pub="tcp://127.0.0.1:$((port + 1))"
    mkdir -p "$data"
    echo "== starting wmsd on $ep (events $pub), data in $data, log in $data/wmsd.log"
    build/server/wmsd --data "$data" --bind "$ep" --pub "$pub" --demo >>"$data/wmsd.log" 2>&1 &
    pid=$!
    trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
    up=0
    for _ in $(seq 50); do
      # Our wmsd must be the one answering: if it died (port taken, folder locked), say so and stop.
      kill -0 $pid 2>/dev/null || { echo "wmsd failed to start:"; tail -5 "$data/wmsd.log"; exit 1; }
      if WMS_PIN=2468 build/server/wmsctl --server "$ep" --user manager ping >/dev/null 2>&1; then up=1; break; fi
      sleep 0.2
    done
    sleep 0.3
    kill -0 $pid 2>/dev/null || { echo "wmsd failed to start:"; tail -5 "$data/wmsd.log"; exit 1; }
    [ $up = 1 ] || { echo "wmsd did not answer on $ep; see $data/wmsd.log"; exit 1; }
    echo "== a short simulated shift"
    build/server/wms-shift --server "$ep" --pub "$pub"
    echo "== invoices so far"
    WMS_PIN=2468 build/server/wmsctl --server "$ep" --user manager invoices
    if [ -t 0 ] && [ -z "${CI:-}" ]; then
      echo "== wmsd keeps running. In another terminal try:"
      echo "     WMS_PIN=2468 build/server/wmsctl --user manager --server $ep orders"
      echo "   Ctrl-C stops it."
      wait $pid
    fi
    ;;
  *)
    echo "usage: deploy/wms.sh demo|test" >&2
    exit 2
    ;;
esac
