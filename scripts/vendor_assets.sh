#!/usr/bin/env bash
# Refresh the vendored front-end assets from the npm registry (run by hand when upgrading).
set -euo pipefail
BOOTSTRAP=5.3.8
ECHARTS=6.1.0
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack "bootstrap@$BOOTSTRAP" "echarts@$ECHARTS" >/dev/null
mkdir b e
tar xzf "bootstrap-$BOOTSTRAP.tgz" -C b
tar xzf "echarts-$ECHARTS.tgz" -C e
cp b/package/dist/css/bootstrap.min.css b/package/dist/js/bootstrap.bundle.min.js b/package/LICENSE "$root/static/vendor/bootstrap/"
cp e/package/dist/echarts.min.js e/package/LICENSE "$root/static/vendor/echarts/"
# No .map files are vendored, so drop the references (the manifest storage would fail on them).
sed -i -E 's@/\*# sourceMappingURL=[^*]*\*/@@; s@//# sourceMappingURL=.*$@@' "$root"/static/vendor/*/*.min.*
echo "vendored bootstrap $BOOTSTRAP, echarts $ECHARTS"
