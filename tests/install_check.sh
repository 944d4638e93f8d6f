#!/bin/sh
# ctest "install: ...": `cmake --install` of the build folder $1 into a scratch prefix puts every program in bin/
# and the demo data and systemd unit in share/wms/, and the installed wmsd seeds a demo warehouse from there and
# answers the installed wmsctl. Exit status 0 only if all of it works.
set -eu
build=$1
cmake=${2:-cmake}
p="$build/install-check"
e="ipc:///tmp/wms-install-$$"
rm -rf "$p"
"$cmake" --install "$build" --prefix "$p" >/dev/null
for b in wmsd wmsctl wms-shift wms-terminal wms-sim; do "$p/bin/$b" --version; done
# The unit names the installed wmsd, wherever the prefix is.
grep -q "^ExecStart=$p/bin/wmsd " "$p/share/wms/wmsd.service"
test -f "$p/share/wms/demo/products.csv"
# Everything installed is in install_manifest.txt (what a package or `xargs rm < install_manifest.txt` removes),
# the unit written by install(CODE) too.
for f in bin/wmsd bin/wms-terminal share/wms/demo/products.csv share/wms/wmsd.service; do
  grep -qx "$p/$f" "$build/install_manifest.txt"
done
WMS_ADMIN_PIN=1234 "$p/bin/wmsd" --data "$p/data" --add-admin boss
# No --assets: the installed wmsd finds the demo data beside itself (the source tree may be gone).
"$p/bin/wmsd" --data "$p/data" --demo --bind "$e-req" --pub "$e-pub" >"$p/wmsd.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
# The demo's users are there (picker1 signs in), and so is the admin added before.
WMS_PIN=1111 "$p/bin/wmsctl" --server "$e-req" --user picker1 ping
WMS_PIN=1234 "$p/bin/wmsctl" --server "$e-req" --user boss products --prefix SKU-1001 | grep -q "SKU-1001"
grep -q "demo: imported $p/share/wms/demo/products.csv" "$p/wmsd.log"
kill "$pid"
wait "$pid"
trap - EXIT
rm -rf "$p"
echo "install check passed"
