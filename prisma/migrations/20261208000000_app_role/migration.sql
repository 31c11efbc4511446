-- The application's own database role. Migrations run as the owner of the schema; the API connects
-- as slicewise_app, which can read and write rows but cannot change the schema, disable triggers
-- (only a table's owner or a superuser can), or UPDATE / DELETE / TRUNCATE audit events.
-- Roles are cluster-wide: the role is created once per server (creating it needs CREATEROLE; an
-- operator may create it beforehand instead, see README "An external PostgreSQL").
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'slicewise_app') THEN
    CREATE ROLE slicewise_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS;
  END IF;
END $$;

-- The owner may act as the app role (SET ROLE), the fallback when no separate app login is configured.
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'slicewise_app', 'MEMBER') THEN
    EXECUTE format('GRANT slicewise_app TO %I', current_user);
  END IF;
END $$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO slicewise_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO slicewise_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO slicewise_app;
-- Audit events are append-only for the application, whatever the triggers say.
REVOKE UPDATE, DELETE, TRUNCATE ON "AuditEvent" FROM slicewise_app;
-- Migration bookkeeping is the owner's.
REVOKE ALL ON "_prisma_migrations" FROM slicewise_app;
-- Tables and sequences that later migrations create (as the same owner) get the same grants.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO slicewise_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO slicewise_app;
