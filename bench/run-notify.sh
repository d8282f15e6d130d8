#!/usr/bin/env bash
# The notification dispatcher's benchmark (bench/TongBan.NotifyBench): Release build, then one run in one process:
# a loopback provider (Kestrel on 127.0.0.1 speaking the 多彩宝 webhook), the dispatcher with the real webhook adapter,
# and the outbox in memory (embedded mode), then in a throwaway PostgreSQL (from /usr/lib/postgresql/*/bin like the
# tests' fixture; fsync off; deleted afterwards). It prints, per mode:
#   max      N records enqueued in batches of 100 while the dispatchers run: sends/s to the last provider accept,
#            and CPU per notification (this process, and the PostgreSQL server's processes);
#   offered  500 records/s paced by the clock for 20 s: record insert → provider accept p50 / p99 / max;
# and first a baseline in the same run: a bare HTTP POST loop to the same provider with the same requests in flight.
# Exit code 1 below the issue's targets (≥ 2,000 sends/s, p99 < 2 s at 500/s).
#
#   bench/run-notify.sh                                   # the run in docs/PERFORMANCE.md ("Notifications")
#   bench/run-notify.sh --postgres-only --count 50000     # options: --count --rate --seconds --parallelism
#   bench/run-notify.sh --dispatchers 1 --poll-ms 1000    #          --dispatchers --poll-ms --batch --memory-only
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/TongBan.NotifyBench/TongBan.NotifyBench.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
echo "== load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
exec dotnet bench/TongBan.NotifyBench/bin/Release/net10.0/TongBan.NotifyBench.dll "$@"
