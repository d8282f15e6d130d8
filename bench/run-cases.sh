#!/usr/bin/env bash
# The case-store benchmark (bench/TongBan.CaseBench): Release build, then one run against a throwaway PostgreSQL
# (started from /usr/lib/postgresql/*/bin like the tests' fixture: 127.0.0.1, a free port, fsync /
# synchronous_commit / full_page_writes off; deleted afterwards). It prints, per concurrency 1, 8 and 32:
#   (a)  persisted case transitions/s through PostgresCaseStore: load → CaseStateMachine transition → commit
#   (a') commits/s with the state held in memory, as a case grain does once activated
#   (b)  raw Npgsql single-row insert transactions (21-character text key + jsonb of a case state's size)
# raw and case work alternate in slices so both see the same load from the rest of the box, plus CPU per operation
# (this process + the PostgreSQL processes), the stored sizes, and a final seal + VerifyAllAsync of the whole log.
# Exit code 1 if a ratio (a)/(b) is below --target (0.5), an operation failed, or the audit does not verify.
#
#   bench/run-cases.sh                              # the run in docs/PERFORMANCE.md ("Cases"), ≈ 3 minutes
#   bench/run-cases.sh --durable                    # throwaway server with fsync and synchronous_commit on
#   bench/run-cases.sh --pg "Host=…;Username=…;Password=…;Database=postgres"   # an existing server
#   bench/run-cases.sh --chain both                 # SHA-256 vs SM3 audit chains, same workload, alternating (issue 21)
#   bench/run-cases.sh --lookup                     # HMAC-SHA256 vs HMAC-SM3 and one- vs two-key case look-ups (issue 21)
#   bench/run-cases.sh --concurrency 8 --duration 5 # any option of the console (--help lists them)
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/TongBan.CaseBench/TongBan.CaseBench.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
echo "== load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
exec dotnet bench/TongBan.CaseBench/bin/Release/net10.0/TongBan.CaseBench.dll "$@"
