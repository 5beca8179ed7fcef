#!/bin/sh
# Runs once, when the Postgres image initializes an empty data directory (docker-entrypoint-initdb.d).
# Roles, database, per-role session limits and extensions, as deploy/local/up converges them.
# ORDERS_DB_NAME names the database; ORDERS_READ_SIDE=true adds the replication and read-only roles.
set -eu
psql -X -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v app_user="$ORDERS_DB_USER" -v app_password="$ORDERS_DB_PASSWORD" -v db="$ORDERS_DB_NAME" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'app_user', :'app_password') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' TEMPLATE template0', :'db', :'app_user') \gexec
-- a session SET does not survive PgBouncer transaction pooling: limits live on the role
SELECT format('ALTER ROLE %I SET statement_timeout = ''5s''', :'app_user') \gexec
SELECT format('ALTER ROLE %I SET lock_timeout = ''2s''', :'app_user') \gexec
SELECT format('ALTER ROLE %I SET idle_in_transaction_session_timeout = ''10s''', :'app_user') \gexec
SQL
psql -X -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$ORDERS_DB_NAME" <<'SQL'
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
SQL
if [ "${ORDERS_READ_SIDE:-false}" = true ]; then
  psql -X -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$ORDERS_DB_NAME" \
    -v repl_user="$ORDERS_REPLICATION_USER" -v repl_password="$ORDERS_REPLICATION_PASSWORD" \
    -v reader="$ORDERS_READER_USER" -v reader_password="$ORDERS_READER_PASSWORD" -v owner="$ORDERS_DB_USER" <<'SQL'
SELECT format('CREATE ROLE %I REPLICATION LOGIN PASSWORD %L', :'repl_user', :'repl_password') \gexec
-- query-service's read-only role: SELECT on what the projector creates, a short statement_timeout
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'reader', :'reader_password') \gexec
SELECT format('ALTER ROLE %I SET statement_timeout = ''2s''', :'reader') \gexec
SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'reader') \gexec
SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT SELECT ON TABLES TO %I', :'owner', :'reader') \gexec
SQL
fi
