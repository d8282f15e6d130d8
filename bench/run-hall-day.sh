#!/usr/bin/env bash
# The hall-day benchmark (bench/TongBan.Bench): Release build, then the embedded run and the PostgreSQL run.
# Each run prints its own table, baselines, ratio and PASS/FAIL checks; the exit code is non-zero if a check failed.
#
#   bench/run-hall-day.sh                 # both modes with the defaults (≈ 45 s + ≈ 60 s on a 2-core box)
#   bench/run-hall-day.sh embedded        # one mode
#   bench/run-hall-day.sh postgres --pg "Host=…;Username=…;Password=…;Database=…"   # an existing server
#   bench/run-hall-day.sh embedded --duration 10 --halls 20    # any further options go to every run (--help lists them)
#
# PostgreSQL mode without --pg starts a throwaway server from /usr/lib/postgresql/*/bin (apt-get install postgresql)
# on 127.0.0.1 with fsync/synchronous_commit/full_page_writes off, like the test fixture, and deletes it afterwards.
# The box should be quiet: the run prints the load average, and other builds on two cores halve the numbers.
set -euo pipefail
cd "$(dirname "$0")/.."

modes=(embedded postgres)
if [ $# -gt 0 ] && [[ "$1" != --* ]]; then
  modes=("$1")
  shift
fi

dotnet build bench/TongBan.Bench/TongBan.Bench.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
bench=(dotnet bench/TongBan.Bench/bin/Release/net10.0/TongBan.Bench.dll)

status=0
for mode in "${modes[@]}"; do
  echo "== load average before the $mode run: $(cut -d' ' -f1-3 /proc/loadavg)"
  "${bench[@]}" --mode "$mode" "$@" || status=$?
  echo
done
exit $status
