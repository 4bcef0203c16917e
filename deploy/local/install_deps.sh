#!/bin/sh
# Installs the Debian packages cdmeasure builds, runs and tests with, if any is missing.
set -eu
PKGS="build-essential pkg-config libulfius-dev libmicrohttpd-dev libjansson-dev libpq-dev
librdkafka-dev libcmocka-dev libcurl4-gnutls-dev libssl-dev postgresql postgresql-client kcat
python3 python3-confluent-kafka python3-psycopg2 python3-requests python3-jsonschema
python3-pytest python3-yaml valgrind curl util-linux wrk docker-compose nodejs npm"
# The fuzz targets (tests/fuzz): Debian's clang and its libFuzzer runtime (test only, not the image's).
FUZZ_PKGS="clang libclang-rt-14-dev"
missing=""
for p in $PKGS $FUZZ_PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node from elsewhere (nvm, a tarball) will do as well as Debian's.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  missing=$(echo "$missing" | sed 's/ nodejs//; s/ npm//')
fi
if [ -n "$(echo "$missing" | tr -d ' ')" ]; then
  echo "installing:$missing"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
# The test tooling from npm (the OpenAPI validator), exactly as locked.
TOOLING="$(cd "$(dirname "$0")/../.." && pwd)/tests/tooling"
if [ ! -f "$TOOLING/node_modules/.package-lock.json" ] ||
   [ "$TOOLING/package-lock.json" -nt "$TOOLING/node_modules/.package-lock.json" ]; then
  (cd "$TOOLING" && npm ci --no-audit --no-fund --loglevel=error)
fi
