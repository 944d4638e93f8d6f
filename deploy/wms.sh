#!/usr/bin/env bash
# The two set-up commands of the README:
#   deploy/wms.sh demo   install what is missing, build, start wmsd on ./data with the demo warehouse, bring in
#                        the demo orders, release waves, let virtual terminals (wms-sim) pick them, dispatch
#                        and print the invoices (wmsd, and the terminal app where a display exists, keep
#                        running in an interactive terminal)
#   deploy/wms.sh test   install what is missing, build, run every test (plus a sanitizer build of them)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)

case "${1:-}" in
  demo | test) ;;
  *)  # before anything is installed
    echo "usage: deploy/wms.sh demo|test" >&2
    exit 2
    ;;
esac

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
    log_from=$(($(stat -c %s "$data/wmsd.log" 2>/dev/null || echo 0) + 1))
    build/server/wmsd --data "$data" --bind "$ep" --pub "$pub" --demo >>"$data/wmsd.log" 2>&1 &
    pid=$!
    trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
    # Our wmsd must be the one serving: wait for its own log line (after seeding the demo), not for an answer on
    # the port, which another wmsd already running there would give. If it dies (port taken, folder in use),
    # say so and stop before anything is sent.
    up=0
    for _ in $(seq 300); do
      kill -0 $pid 2>/dev/null || { echo "wmsd failed to start:" >&2; tail -c +"$log_from" "$data/wmsd.log" | tail -5 >&2; exit 1; }
      if tail -c +"$log_from" "$data/wmsd.log" | grep -q "serving requests on $ep"; then up=1; break; fi
      sleep 0.1
    done
    [ $up = 1 ] || { echo "wmsd did not start serving on $ep within 30 s; see $data/wmsd.log" >&2; exit 1; }
    ctl() { WMS_PIN=2468 build/server/wmsctl --server "$ep" --user manager "$@"; }
    echo "== the office: the demo orders come in (refs made unique for this run), are confirmed, waves released"
    run=$(date +%H%M%S)
    orders_csv=$(mktemp "${TMPDIR:-/tmp}/wms-demo-orders.XXXXXX")
    sed "1!s/^SO-/SO-$run-/" assets/demo/orders.csv >"$orders_csv"
    WMS_PIN=1234 build/server/wmsctl --server "$ep" --user admin import orders "$orders_csv"
    refs=$(tail -n +2 "$orders_csv" | cut -d, -f1 | sort -u)
    rm -f "$orders_csv"
    for ref in $refs; do ctl order confirm "$ref"; done
    for mode in parcel pallet; do
      if out=$(ctl wave create --mode "$mode" 2>&1); then
        echo "$out"
        ctl wave release "$(echo "$out" | sed -n 's/^created wave \([0-9]*\).*/\1/p')"
      else
        case "$out" in
          *"no allocated $mode orders"*) echo "no $mode orders with stock reserved: no $mode wave this time" ;;
          *) echo "$out" ;;
        esac
      fi
    done
    echo "== the floor: 2 virtual handhelds and 1 forklift terminal (wms-sim, the app's own screen logic) work the"
    echo "   pushed tasks, with some wrong scans (caught on the device) and short picks"
    build/handheld/wms-sim --server "$ep" --events "$pub" --pickers 2 --forklifts 1 --wrong-rate 0.05 \
      --short-rate 0.05 --until-idle 3 --data "$data/devices" ||
      echo "(wms-sim reported problems, listed above; the demo goes on)"
    echo "== counts: a bin where a short pick was reported gives no order stock until it is counted"
    ctl stock --count-due
    # The demo's counter finds what the books say (the simulated shorts are invented); on a site, people count.
    # --expected: the figure on the count sheet, so a bin that changed since is not counted blind.
    ctl stock --count-due | awk 'NR > 1 && $1 !~ /^\(/ {print $1, $2, $3}' | while read -r sku loc qty; do
      if ctl count --sku "$sku" --location "$loc" --qty "$qty" --expected "$qty" --reason "demo count" >/dev/null; then
        echo "  counted $qty x $sku at $loc: count due cleared"
      else
        echo "  $sku at $loc: not counted (see above)"
      fi
    done
    echo "== dispatch: each order ships what was picked and is invoiced for exactly that"
    dispatch() {
      if out=$(ctl dispatch "$1" 2>&1); then
        echo "$out"
      else
        case "$out" in
          *"nothing picked"*) [ "${2:-}" = quiet ] || echo "$1: nothing picked yet (it waits for stock or the next wave)" ;;
          *) echo "$out" ;;
        esac
      fi
    }
    for ref in $refs; do dispatch "$ref"; done
    # Every other confirmed order of this data folder with picks ships too: an earlier run's backorder served and
    # picked in this run's waves (older backorders come first), or orders you entered yourself and picked.
    # (The column named "ref" of the table; its first column is the order id.)
    for ref in $(ctl orders --status confirmed --limit 10000 |
      awk 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == "ref") c = i; next} c && $1 !~ /^\(/ {print $c}'); do
      case " $(echo $refs) " in *" $ref "*) continue ;; esac
      dispatch "$ref" quiet
    done
    echo "== invoices so far"
    ctl invoices
    if [ -t 0 ] && [ -z "${CI:-}" ]; then
      if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
        echo "== starting the terminal app (handheld profile): sign in as picker1 / 1111"
        build/handheld/wms-terminal --server "$ep" --events "$pub" --profile handheld --device demo-handheld \
          --data "$data/devices/demo-handheld" >>"$data/terminal.log" 2>&1 &
      fi
      echo "== wmsd keeps running. In another terminal try:"
      echo "     WMS_PIN=2468 build/server/wmsctl --user manager --server $ep orders"
      echo "     build/handheld/wms-terminal --server $ep --profile handheld   (needs a display)"
      echo "   Ctrl-C stops it."
      wait $pid
    else
      echo "== demo done; wmsd stops now (no terminal to keep it for). Start it again on the same data with:"
      echo "     build/server/wmsd --data $data --bind $ep"
    fi
    ;;
  *)
    echo "usage: deploy/wms.sh demo|test" >&2
    exit 2
    ;;
esac
