#!/usr/bin/env bash
# Runs a command and checks its exit code and output (stdout and stderr together).
# usage: expect.sh EXIT_CODE 'TEXT|TEXT...' [--not 'TEXT'] -- COMMAND ARGS...
# Each '|'-separated TEXT must appear verbatim (fixed string); --not TEXT must not appear.
set -u
want_rc=$1
expect=$2
shift 2
reject=""
if [ "${1:-}" = "--not" ]; then
  reject=$2
  shift 2
fi
[ "${1:-}" = "--" ] && shift
out=$(timeout 60 "$@" 2>&1)
rc=$?
fail=0
if [ "$rc" != "$want_rc" ]; then
  echo "exit code $rc, expected $want_rc"
  fail=1
fi
IFS='|' read -ra texts <<<"$expect"
for text in "${texts[@]}"; do
  if [ -n "$text" ] && ! grep -qF -- "$text" <<<"$out"; then
    echo "missing in the output: $text"
    fail=1
  fi
done
if [ -n "$reject" ] && grep -qF -- "$reject" <<<"$out"; then
  echo "unexpected in the output: $reject"
  fail=1
fi
if [ "$fail" != 0 ]; then
  echo "--- command: $*"
  echo "--- output (first 40 lines):"
  head -40 <<<"$out"
fi
exit "$fail"
