#!/usr/bin/env bash
# Regenerates src/db/schema.rs from the migrations, in a scratch database that is
# dropped afterwards. Needs diesel_cli: cargo install diesel_cli --no-default-features --features postgres
set -euo pipefail
cd "$(dirname "$0")/.."
server=${PGSERVER_URL:-postgres://postgres@127.0.0.1:5432}
scratch="tokendesk_schema_$$"
trap 'psql "$server/postgres" -qc "DROP DATABASE IF EXISTS $scratch WITH (FORCE)"' EXIT
psql "$server/postgres" -qc "CREATE DATABASE $scratch"
# With diesel.toml's print_schema.file set, running the migrations rewrites schema.rs.
DATABASE_URL="$server/$scratch" diesel migration run
echo "src/db/schema.rs regenerated"
