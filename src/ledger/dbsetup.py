"""`ledger db setup`: every table created by the owner, an application role granted only what
the service needs (PostgreSQL), so the service cannot bypass the log's append-only guard.

Run it as the role that is to own the tables (LEDGER_DATABASE_URL names it), after installing
and after every upgrade; it is idempotent. The service then runs as the application role:
SELECT and INSERT on the event log (and its position sequence), SELECT, INSERT, UPDATE and
DELETE on the other tables (read models, tokens, idempotency keys, throttle counts, stored
verifications, the session key), nothing else: no UPDATE, DELETE or TRUNCATE on the log, no
ownership (so no DROP/ALTER of the triggers), no CREATE in the schema, no superuser rights
(so no `SET session_replication_role = replica`, which would switch triggers off).
"""

from __future__ import annotations

import re

import click
import sqlalchemy as sa

EVENTS_TABLE = "ledger_events"
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def create_schema(url: str) -> list[str]:
    """Create every table the service would create on first use; the tables' names.

    The app itself is built on the store (which creates the log with its guard, the read
    models and their first generations, and every table made at start-up), then every table
    any module registers is created, and the token table is brought up to date.
    """
    from ledger.api import create_app
    from ledger.projections.store import tables as read_model_tables
    from ledger.schema import create_tables
    from ledger.storage import metadata
    from ledger.tokens import migrate_tokens
    import ledger.integrity.last  # noqa: F401 - registers the stored verifications' tables

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": None})
    try:
        engine = app.extensions["ledger"].ledger.engine
        create_tables(engine, metadata)
        create_tables(engine, read_model_tables.metadata)
        migrate_tokens(engine)
        return sorted(sa.inspect(engine).get_table_names())
    finally:
        app.extensions["ledger"].close()


def grant_app_role(engine: sa.Engine, role: str, password: str | None = None) -> list[str]:
    """Create `role` (LOGIN) unless it exists and grant it exactly what the service needs.

    Earlier grants on the schema's tables are revoked first, so the result is exact.
    Returns the statements run (the password shown as ***).
    """
    if engine.dialect.name != "postgresql":
        raise click.UsageError("application roles exist on PostgreSQL only; a SQLite store "
                               "is protected by its file's permissions")
    if not ROLE_NAME.match(role):
        raise click.UsageError(f"--app-role must be a plain lower-case name, got {role!r}")
    done: list[str] = []
    with engine.begin() as conn:
        me = conn.exec_driver_sql("SELECT current_user").scalar()
        if role == me:
            raise click.UsageError("the application role must not be the owner running setup")
        found = conn.execute(sa.text("SELECT rolsuper, rolbypassrls FROM pg_roles "
                                     "WHERE rolname = :r"), {"r": role}).first()
        if found is not None and (found.rolsuper or found.rolbypassrls):
            raise click.UsageError(f"role {role} is a superuser (or bypasses row security): "
                                   "it could switch the append-only triggers off")
        database = conn.exec_driver_sql("SELECT current_database()").scalar()
        quoted_db = conn.dialect.identifier_preparer.quote(database)

        def run(statement: str, shown: str | None = None) -> None:
            conn.exec_driver_sql(statement)
            done.append(shown or statement)

        if found is None:
            run(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS")
        if password is not None:
            from psycopg import sql

            raw = conn.connection.dbapi_connection
            run(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(password)).as_string(raw),
                f"ALTER ROLE {role} PASSWORD ***")
        tables = [r[0] for r in conn.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        if EVENTS_TABLE not in tables:
            raise click.ClickException("no event log in this database: the schema was not "
                                       "created (run without --grants-only)")
        run(f"GRANT CONNECT ON DATABASE {quoted_db} TO {role}")
        run(f"GRANT USAGE ON SCHEMA public TO {role}")
        run(f"REVOKE CREATE ON SCHEMA public FROM {role}")
        run(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
        run(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}")
        for table in tables:
            privileges = "SELECT, INSERT" if table == EVENTS_TABLE else \
                "SELECT, INSERT, UPDATE, DELETE"
            run(f"GRANT {privileges} ON {table} TO {role}")
        # Sequences: nextval (USAGE) for positions and generated ids; never setval (UPDATE).
        run(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}")
    return done


@click.group()
def db() -> None:
    """The database: schema and least-privilege role (run as the owning role)."""


@db.command("setup")
@click.option("--app-role", default=None, metavar="NAME",
              help="PostgreSQL: create (if missing) and grant the role the service runs as.")
@click.option("--app-password-env", default=None, metavar="VAR",
              help="Set the app role's password from this environment variable.")
@click.option("--grants-only", is_flag=True, help="Only (re)grant; create no table.")
def setup(app_role: str | None, app_password_env: str | None, grants_only: bool) -> None:
    """Create every table as the owner (LEDGER_DATABASE_URL), then grant --app-role.

    Idempotent: run it after every upgrade, since a new release may add tables.
    """
    import os

    from ledger.config import database_url

    url = database_url()
    if not grants_only:
        tables = create_schema(url)
        click.echo(f"schema ready: {len(tables)} tables ({', '.join(tables)})")
    if app_role is None:
        return
    password = None
    if app_password_env:
        password = os.environ.get(app_password_env)
        if password is None:
            raise click.UsageError(f"{app_password_env} is not set")
    engine = sa.create_engine(url)
    try:
        for statement in grant_app_role(engine, app_role, password):
            click.echo(statement)
    finally:
        engine.dispose()
    click.echo(f"serve as {app_role}: LEDGER_DATABASE_URL=" + sa.engine.make_url(url).set(
        username=app_role, password=None).render_as_string(hide_password=True))


def add_db_commands(group: click.Group) -> None:
    group.add_command(db)
