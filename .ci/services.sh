#!/usr/bin/env bash
# Install (Debian packages) and start the services the negotiation room's tests
# use: PostgreSQL on loopback and Chromium for the browser test. Idempotent.
#
# Prints the environment the tests read, for the caller to evaluate:
#   eval "$(.ci/services.sh)"
# which sets DEALSPACE_TEST_PG (a PostgreSQL URL). All notes go to stderr.
set -euo pipefail

note() { echo "services: $*" >&2; }

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
if ((${#need[@]})); then
  note "installing ${need[*]}"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null) >&2 \
    || note "could not install ${need[*]}"
fi

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  note "PostgreSQL is not available; the PostgreSQL tests need DEALSPACE_TEST_PG"
  exit 0
fi

version=$(ls /usr/lib/postgresql | sort -V | tail -1)
if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$version main"; then
  note "creating cluster $version/main"
  pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -qx online; then
  note "starting PostgreSQL $version"
  pg_ctlcluster "$version" main start >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')

psql_admin() { su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -qAt $*" ; }
for _ in $(seq 1 30); do psql_admin "-c 'select 1'" >/dev/null 2>&1 && break; sleep 0.5; done
if [[ "$(psql_admin "-c \"select 1 from pg_roles where rolname='dealspace'\"")" != 1 ]]; then
  psql_admin "-c \"create role dealspace login password 'dealspace' createdb\"" >&2
fi
if [[ "$(psql_admin "-c \"select 1 from pg_database where datname='dealspace_test'\"")" != 1 ]]; then
  psql_admin "-c 'create database dealspace_test owner dealspace'" >&2
fi
note "PostgreSQL $version on 127.0.0.1:$port, database dealspace_test"
echo "export DEALSPACE_TEST_PG=postgresql+psycopg://dealspace:dealspace@127.0.0.1:$port/dealspace_test"
