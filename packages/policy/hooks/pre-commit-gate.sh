#!/usr/bin/env bash
# pre-commit entry (.pre-commit-hooks.yaml): `palisade gate` on every staged model file, `--policy baseline`
# unless the hook's args give policies. Hook args must be written --option=value; every other argument is a file.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
if [ ! -d "$root/node_modules/@palisade" ]; then
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
options=()
files=()
for arg in "$@"; do
  case "$arg" in
    --*) options+=("$arg") ;;
    *) files+=("$arg") ;;
  esac
done
case " ${options[*]-} " in
  *" --policy="*) ;;
  *) options+=(--policy=baseline) ;;
esac
status=0
for file in "${files[@]}"; do
  node "$root/packages/cli/bin/palisade.js" gate "$file" "${options[@]}" --quiet || {
    code=$?
    [ "$code" -gt "$status" ] && status=$code
  }
done
exit "$status"
