#!/bin/sh
# Installs the Debian packages cdmeasure builds, runs and tests with, if any is missing.
set -eu
PKGS="build-essential pkg-config libulfius-dev libmicrohttpd-dev libjansson-dev libpq-dev
librdkafka-dev libcmocka-dev libcurl4-gnutls-dev libssl-dev postgresql postgresql-client kcat
python3 python3-confluent-kafka python3-psycopg2 python3-requests python3-jsonschema
python3-pytest python3-yaml valgrind curl util-linux wrk docker-compose"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
