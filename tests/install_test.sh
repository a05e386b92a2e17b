#!/usr/bin/env bash
# Installs the build into a temporary prefix and checks that the installed binary, with
# FLEETPLAN_DATA_DIR unset, reads the data installed beside it (not the source tree's).
set -euo pipefail
build=$1
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
test -x "$prefix/bin/fleetplan"
test -f "$prefix/share/fleetplan/catalog/accelerators.yaml"
# A scenario present only in the installed copy proves which data folder is read.
cp "$prefix/share/fleetplan/scenarios/bytedance-2026.yaml" \
  "$prefix/share/fleetplan/scenarios/only-installed.yaml"
env -u FLEETPLAN_DATA_DIR "$prefix/bin/fleetplan" scenarios | grep -q only-installed
echo "installed binary reads $prefix/share/fleetplan"
