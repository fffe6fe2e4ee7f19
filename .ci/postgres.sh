#!/usr/bin/env bash
# Starts a local PostgreSQL server from Debian's packages for central's test suite and prints the
# connection URL (the caller exports it as TEST_DATABASE_URL). Run as root: the cluster is created
# with pg_createcluster and the server runs as the `postgres` user, on loopback only.
# Idempotent: an existing cluster is reused, a running one is left running.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -1)
cluster=kiosktest
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version $cluster"; then
  pg_createcluster "$version" "$cluster" -- --auth-local=peer --auth-host=scram-sha-256 >/dev/null
fi
conf=/etc/postgresql/$version/$cluster/postgresql.conf
# Loopback only; fsync kept on (the tests exercise real durability).
sed -i "s/^#\?listen_addresses.*/listen_addresses = '127.0.0.1'/" "$conf"
port=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c {print $3}')
if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c {print $4}' | grep -q online; then
  pg_ctlcluster "$version" "$cluster" start >&2  # its messages (e.g. a stale pid file removed) must not mix with the URL on stdout
fi
for _ in $(seq 1 50); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 0.2
done
pg_isready -q -h 127.0.0.1 -p "$port"
runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 <<SQL >/dev/null
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kiosk_test') THEN
    CREATE ROLE kiosk_test LOGIN PASSWORD 'kiosk_test' CREATEDB;
  END IF;
END \$\$;
SQL
if ! runuser -u postgres -- psql -p "$port" -tAc "SELECT 1 FROM pg_database WHERE datname = 'kiosk_test'" | grep -q 1; then
  runuser -u postgres -- createdb -p "$port" -O kiosk_test kiosk_test
fi
echo "postgres://kiosk_test:kiosk_test@127.0.0.1:$port/kiosk_test"
