-- The backend's own database user, for IAM database authentication.
--
-- Creates `treepli_app` (no password: it signs in with IAM tokens, through RDS's `rds_iam` role) and gives it
-- what the Go service needs in the `treepli` database: connect, use and create objects in the `public`
-- schema, and own the objects there that the master user created while the service still connected as
-- the master user, so that the service keeps running its migrations without any superuser right.
--
-- Run once per environment, as the master user, after `<env>-backend` is applied and before the
-- application release that connects with IAM tokens is deployed (docs/database/README.md says how).
-- Idempotent: running it again changes nothing. One transaction: on any error nothing is changed.

\set ON_ERROR_STOP on

BEGIN;

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'treepli_app') THEN
    CREATE ROLE treepli_app LOGIN;
  END IF;
END
$$;

-- No superuser, no role or database creation, no replication, row-level security applies. A connection
-- limit keeps a runaway pool from using every connection the instance has (the master user keeps its own).
ALTER ROLE treepli_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 200;
-- IAM authentication instead of a password (RDS refuses a password for members of rds_iam).
GRANT rds_iam TO treepli_app;

GRANT CONNECT, TEMPORARY ON DATABASE treepli TO treepli_app;
GRANT USAGE, CREATE ON SCHEMA public TO treepli_app;

-- Hand the application's existing objects over to its user. PostgreSQL 16 requires the giver to be a
-- member of the receiving role; the master user keeps that membership (it can still act on the objects).
GRANT treepli_app TO CURRENT_USER;

DO $$
DECLARE
  object record;
BEGIN
  -- Tables, partitioned tables, views, materialized views, foreign tables; and sequences that no column
  -- owns (a column's sequence follows its table).
  FOR object IN
    SELECT c.oid::regclass AS name,
           CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
                          WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public'
      AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
      AND NOT (c.relkind = 'S' AND EXISTS (
        SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO treepli_app', object.kind, object.name);
  END LOOP;

  -- Functions and procedures.
  FOR object IN
    SELECT p.oid::regprocedure AS name, CASE p.prokind WHEN 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END AS kind
    FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public'
      AND p.prokind IN ('f', 'p')
      AND p.proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO treepli_app', object.kind, object.name);
  END LOOP;

  -- Enums, domains and composite types of their own (not a table's row type, not an extension's).
  FOR object IN
    SELECT t.oid::regtype AS name, CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END AS kind
    FROM pg_type t
    JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = 'public'
      AND t.typtype IN ('e', 'd', 'c')
      AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
      AND t.typowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
      AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e')
  LOOP
    EXECUTE format('ALTER %s %s OWNER TO treepli_app', object.kind, object.name);
  END LOOP;
END
$$;

COMMIT;

-- What the user can do now, for the log of the task that ran this.
SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolconnlimit,
       pg_has_role('treepli_app', 'rds_iam', 'member') AS iam_authentication
FROM pg_roles WHERE rolname = 'treepli_app';
SELECT count(*) AS objects_owned_in_public FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = 'treepli_app');
