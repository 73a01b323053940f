#!/usr/bin/env bash
# PostgreSQL initialisation for Fengchao. The official postgres image runs it once, on an empty
# data directory (/docker-entrypoint-initdb.d); on any other server run it as a superuser:
#   PGHOST=… PGUSER=postgres FENGCHAO_OWNER_PASSWORD=… DATABASE_APP_PASSWORD=… bash deploy/postgres/10-fengchao.sh
#
# What it makes:
# - the owner role (FENGCHAO_OWNER, default `fengchao`): owns the six databases; migrations and the
#   outbox relay connect as it. Not a superuser.
# - the app role (DATABASE_APP_USER, default `fengchao_app`): what the services connect as. NOBYPASSRLS,
#   owns nothing, so the row-level-security policies the migrations create bind it.
# - one database per component (`<FENGCHAO_DB_PREFIX><component>`): jobs, training, governance, points,
#   notifications, gateway — each service owns its database; no shared schema.
# - default privileges, so tables a later migration creates are open to the app role at once (migrate
#   grants them too), and nothing for PUBLIC.
# Idempotent: running it again changes nothing but the passwords.
set -euo pipefail

owner="${FENGCHAO_OWNER:-fengchao}"
owner_password="${FENGCHAO_OWNER_PASSWORD:?FENGCHAO_OWNER_PASSWORD is required}"
app="${DATABASE_APP_USER:-fengchao_app}"
app_password="${DATABASE_APP_PASSWORD:?DATABASE_APP_PASSWORD is required}"
prefix="${FENGCHAO_DB_PREFIX:-fengchao_}"
components="${FENGCHAO_COMPONENTS:-jobs training governance points notifications gateway}"
admin_db="${POSTGRES_DB:-postgres}"

psql_admin() { psql -v ON_ERROR_STOP=1 --no-psqlrc -q --dbname "$admin_db" "$@"; }

psql_admin -v owner="$owner" -v owner_password="$owner_password" -v app="$app" -v app_password="$app_password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS CREATEROLE', :'owner')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE', :'app')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'owner', :'owner_password') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'app', :'app_password') \gexec
-- migrate may set the app role's password again (DATABASE_APP_PASSWORD): the owner administers it.
SELECT format('GRANT %I TO %I WITH ADMIN OPTION', :'app', :'owner') \gexec
SQL

for component in $components; do
  db="${prefix}${component}"
  psql_admin -v db="$db" -v owner="$owner" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'db', :'owner', 'UTF8')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \gexec
SQL
  psql -v ON_ERROR_STOP=1 --no-psqlrc -q --dbname "$db" -v db="$db" -v owner="$owner" -v app="$app" <<'SQL'
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', :'db', :'app') \gexec
SELECT format('ALTER SCHEMA public OWNER TO %I', :'owner') \gexec
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'app') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I',
              :'owner', :'app') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO %I',
              :'owner', :'app') \gexec
SQL
done
echo "fengchao: roles ${owner}, ${app} and databases ${prefix}{${components// /,}} ready"
