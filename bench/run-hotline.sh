#!/usr/bin/env bash
# 12345 hotline look-up benchmark (embedded mode by default; --pg throwaway for PostgreSQL mode on a throwaway server
# started from /usr/lib/postgresql/*/bin, or --pg "<connection string>" for an existing one). Prints the load average.
# Usage: bench/run-hotline.sh [--rate 500] [--seconds 20] [--cases 300] [--pg throwaway | --pg "Host=127.0.0.1;Port=5432;Username=postgres;Database=tongban"]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/TongBan.HotlineBench -c Release -nologo -v quiet -clp:ErrorsOnly
exec dotnet bench/TongBan.HotlineBench/bin/Release/net10.0/TongBan.HotlineBench.dll "$@" 2> >(grep -v -E 'warn:|fail:' >&2)
