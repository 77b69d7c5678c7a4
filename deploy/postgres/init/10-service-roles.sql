-- One least-privilege role per service, owning that service's database and nothing else.
-- The postgres image runs this once, as the superuser, when it starts on an empty volume
-- (docker-entrypoint-initdb.d; compose.yaml mounts this folder). Each role's password is
-- the compose secret /run/secrets/<service>_db_password (psql reads it with `cat`; the
-- folder can be changed for a test run: psql -v secrets=/some/folder -f this file).
--
-- A role may log in, may not create roles or databases, and is not a superuser. It can
-- connect to its own database only (CONNECT is revoked from PUBLIC there), where it owns
-- the public schema (PostgreSQL 15: pg_database_owner) and so every table it creates. It
-- can still connect to the `postgres` maintenance database, where a service looks up
-- whether its database exists, and where (PostgreSQL 15) PUBLIC may create nothing.

\set ON_ERROR_STOP on
\if :{?secrets}
\else
  \set secrets /run/secrets
\endif

\set production_password `cat :secrets/production_db_password`
\set quality_password `cat :secrets/quality_db_password`
\set inventory_password `cat :secrets/inventory_db_password`
\set sales_password `cat :secrets/sales_db_password`
\set trace_password `cat :secrets/trace_db_password`
\set identity_password `cat :secrets/identity_db_password`
\set console_password `cat :secrets/console_db_password`

-- Pools of 20 + 10 overflow per process; a few replicas each.
CREATE ROLE jejak_production LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    CONNECTION LIMIT 120 PASSWORD :'production_password';
CREATE ROLE jejak_quality LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    CONNECTION LIMIT 120 PASSWORD :'quality_password';
CREATE ROLE jejak_inventory LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    CONNECTION LIMIT 120 PASSWORD :'inventory_password';
CREATE ROLE jejak_sales LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    CONNECTION LIMIT 120 PASSWORD :'sales_password';
CREATE ROLE jejak_trace LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    CONNECTION LIMIT 120 PASSWORD :'trace_password';
CREATE ROLE jejak_identity LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    CONNECTION LIMIT 120 PASSWORD :'identity_password';
CREATE ROLE jejak_console LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    CONNECTION LIMIT 120 PASSWORD :'console_password';

CREATE DATABASE jejak_production OWNER jejak_production;
CREATE DATABASE jejak_quality OWNER jejak_quality;
CREATE DATABASE jejak_inventory OWNER jejak_inventory;
CREATE DATABASE jejak_sales OWNER jejak_sales;
CREATE DATABASE jejak_trace OWNER jejak_trace;
CREATE DATABASE jejak_identity OWNER jejak_identity;
CREATE DATABASE jejak_console OWNER jejak_console;

REVOKE ALL ON DATABASE jejak_production FROM PUBLIC;
REVOKE ALL ON DATABASE jejak_quality FROM PUBLIC;
REVOKE ALL ON DATABASE jejak_inventory FROM PUBLIC;
REVOKE ALL ON DATABASE jejak_sales FROM PUBLIC;
REVOKE ALL ON DATABASE jejak_trace FROM PUBLIC;
REVOKE ALL ON DATABASE jejak_identity FROM PUBLIC;
REVOKE ALL ON DATABASE jejak_console FROM PUBLIC;
