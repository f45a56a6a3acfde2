#!/usr/bin/env bash
# Refresh the vendored front-end assets from the npm registry (run by hand when upgrading).
set -euo pipefail
BOOTSTRAP=5.3.8
ECHARTS=6.1.0
WORKBOX=7.4.1
IDB_KEYVAL=6.3.0
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack "bootstrap@$BOOTSTRAP" "echarts@$ECHARTS" "idb-keyval@$IDB_KEYVAL" >/dev/null
mkdir b e i
tar xzf "bootstrap-$BOOTSTRAP.tgz" -C b
tar xzf "echarts-$ECHARTS.tgz" -C e
tar xzf "idb-keyval-$IDB_KEYVAL.tgz" -C i
cp b/package/dist/css/bootstrap.min.css b/package/dist/js/bootstrap.bundle.min.js b/package/LICENSE "$root/static/vendor/bootstrap/"
cp e/package/dist/echarts.min.js e/package/LICENSE "$root/static/vendor/echarts/"
cp i/package/dist/umd.js "$root/static/vendor/idb-keyval/idb-keyval.umd.js"
cp i/package/LICENCE "$root/static/vendor/idb-keyval/LICENSE"
# Workbox's browser builds, imported by the service worker (templates/sw.js) in this order.
for module in core routing strategies; do
  npm pack "workbox-$module@$WORKBOX" >/dev/null
  mkdir "w-$module"
  tar xzf "workbox-$module-$WORKBOX.tgz" -C "w-$module"
  cp "w-$module/package/build/workbox-$module.prod.js" "$root/static/vendor/workbox/"
done
cp w-core/package/LICENSE "$root/static/vendor/workbox/"
# No .map files are vendored, so drop the references (the manifest storage would fail on them).
sed -i -E 's@/\*# sourceMappingURL=[^*]*\*/@@; s@//# sourceMappingURL=.*$@@' "$root"/static/vendor/*/*.min.* "$root"/static/vendor/workbox/*.js
echo "vendored bootstrap $BOOTSTRAP, echarts $ECHARTS, workbox $WORKBOX, idb-keyval $IDB_KEYVAL"
