#!/usr/bin/env bash
# Installs the PostgreSQL and Redis server programs the `medic wait-for` integration tests run
# (Debian/Ubuntu packages), when they are missing. The test setup (test/support/services.globalSetup.ts)
# calls it, so `npm ci && npm test` needs no manual step. Only the programs are installed:
# their system services are not started (policy-rc.d 101 = "do not start"); the tests start
# private servers on free ports.
set -euo pipefail

have_postgres() {
  command -v pg_ctl >/dev/null 2>&1 || compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null
}
if have_postgres && command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install PostgreSQL and Redis server programs (no apt-get here: e.g. brew install postgresql redis)" >&2
  exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod 755 /usr/sbin/policy-rc.d
  trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
fi
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql redis-server >/dev/null
