#!/usr/bin/env bash
# TongBan's whole test suite: the README's test command, and what .ci/run calls.
# Installs what the tests need on a fresh Debian machine (PostgreSQL server binaries, chromium),
# runs every test project, and ends with one line "N passed, N failed" summed from the TRX files.
set -euo pipefail
cd "$(dirname "$0")"

# ./test.sh --fast: the Unit tests only (pure rules, no cluster, database or browser), built without the web pages.
fast=0
if [ "${1:-}" = --fast ]; then
  fast=1
  shift
fi
results="${TONGBAN_TEST_RESULTS:-$PWD/TestResults}"
rm -rf "$results"
mkdir -p "$results"

log() { printf '[test.sh %(%H:%M:%S)T] %s\n' -1 "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    as_root apt-get update -qq || { log "apt-get update failed"; return 1; }
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@"
}

if [ "$fast" = 1 ]; then
  log "building (fast subset: Unit tests, no web pages)"
  dotnet build TongBan.sln -c Debug -nologo -v quiet -clp:ErrorsOnly -p:TongBanBuildWeb=false
  set -- --filter "Category=Unit" "$@"
else

# PostgreSQL: the tests start a throwaway server from the installed binaries unless TONGBAN_TEST_PG names one.
if [ -z "${TONGBAN_TEST_PG:-}" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  log "PostgreSQL server binaries not found: installing the 'postgresql' package"
  apt_install postgresql || {
    echo "PostgreSQL is needed for the tests: install it (apt-get install postgresql) or set TONGBAN_TEST_PG to a connection string." >&2
    exit 2
  }
fi

# 商用密码 interop: the SM2/SM3 tests check TongBan's seals against the openssl command (OpenSSL 3 has SM2/SM3/SM4).
if ! command -v openssl >/dev/null; then
  log "openssl not found: installing the 'openssl' package"
  apt_install openssl || {
    echo "openssl is needed for the SM2 interop tests: install it (apt-get install openssl)." >&2
    exit 2
  }
fi

# Browser tests (tests/TongBan.Web.Tests) drive Debian's chromium headless; Playwright's own browser download is not used.
# A CJK font makes the zh-CN screenshots readable (without one chromium draws boxes; the tests pass either way).
if [ ! -x /usr/bin/chromium ]; then
  log "/usr/bin/chromium not found: installing the 'chromium' package"
  apt_install chromium || {
    echo "chromium is needed for the browser tests: install it (apt-get install chromium)." >&2
    exit 2
  }
fi
if command -v fc-list >/dev/null && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
  log "no CJK font found: installing 'fonts-wqy-microhei' for readable screenshots"
  apt_install fonts-wqy-microhei || log "fonts-wqy-microhei could not be installed; screenshots will show boxes for Chinese text"
fi

log "building"
dotnet build TongBan.sln -c Debug -nologo -v quiet -clp:ErrorsOnly
fi

status=0
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  if [ "$fast" = 1 ] && [ "$name" = TongBan.Web.Tests ]; then
    continue
  fi
  log "running $name"
  dotnet test "$project" --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" "$@" || status=1
done

# Sum the counters of every TRX file; a run that executed nothing must not look green.
passed=0; failed=0; executed=0; files=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { printf '%s' "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  executed=$((executed + $(get executed)))
done

if [ "$files" = 0 ] || [ "$executed" = 0 ]; then
  log "no test results found in $results"
  status=1
fi
[ "$failed" = 0 ] || status=1
echo "$passed passed, $failed failed"
exit $status
