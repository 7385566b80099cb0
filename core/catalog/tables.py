"""SQLAlchemy Core tables of the catalog: the app's own database of accounts, destinations, and the
index of the backups stored at those destinations. Lists and maps are stored as JSON text."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

accounts = Table(
    "accounts", metadata,
    Column("id", String(36), primary_key=True),            # UUID, never reused
    Column("username", String(64), nullable=False),        # unique among accounts not deleted (checked in code)
    Column("email", String(254), nullable=False, default=""),
    Column("home_dir", Text, nullable=False),
    Column("status", String(16), nullable=False),          # active | suspended | deleted
    Column("excludes", Text, nullable=False),              # JSON list of gitignore-style patterns
    Column("encryption", String(16), nullable=False),      # app | owner
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("deleted_at", String(40), nullable=True),
    Column("max_on_demand", Integer, nullable=True),       # None: the global maximum (c0003)
    Column("priority_group", String(32), nullable=True),   # overrides tags and job type (c0003)
)
Index("ix_accounts_username", accounts.c.username)

account_units = Table(
    "account_units", metadata,
    Column("account_id", String(36), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_name", String(63), primary_key=True),
)

destinations = Table(
    "destinations", metadata,
    Column("name", String(64), primary_key=True),
    Column("type", String(16), nullable=False),
    Column("params", Text, nullable=False),                # JSON, never secrets
    Column("created_at", String(40), nullable=False),
)

backups = Table(
    "backups", metadata,
    Column("id", String(32), primary_key=True),            # random hex, unique across accounts/destinations
    Column("account_id", String(36), nullable=False),      # no FK: orphans (unknown accounts) are indexed too
    Column("destination", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("kind", String(16), nullable=False),            # scheduled (by a job) | on-demand | manual (older versions)
    Column("items", Text, nullable=False),                 # JSON list: account, units, files
    Column("size", BigInteger, nullable=False),            # logical bytes of the backup
    Column("new_data", BigInteger, nullable=False),        # bytes uploaded by the run that made it
    Column("encrypted", Boolean, nullable=False),
    Column("encryption", String(16), nullable=False),      # app | owner
    Column("status", String(16), nullable=False),          # complete | damaged | missing
    Column("file_count", BigInteger, nullable=False),
    Column("info", Text, nullable=False),                  # JSON: username, units, counts
    Column("job", String(64), nullable=True),              # the job that made it (c0003)
    Column("locked", Boolean, nullable=False, server_default="0"),
    Column("locked_until", String(40), nullable=True),     # with locked: None means until unlocked
    Column("lock_reason", Text, nullable=True),
    Column("expires_at", String(40), nullable=True),       # on-demand backups' TTL
)
Index("ix_backups_account", backups.c.account_id, backups.c.created_at)

# A cache of the repository's pack indexes (the destination's listing is the truth): which packs
# were read, and where each blob lives.
known_packs = Table(
    "known_packs", metadata,
    Column("destination", String(64), primary_key=True),
    Column("account_id", String(36), primary_key=True),
    Column("pack_id", String(64), primary_key=True),
)

known_blobs = Table(
    "known_blobs", metadata,
    Column("destination", String(64), primary_key=True),
    Column("account_id", String(36), primary_key=True),
    Column("blob_id", String(64), primary_key=True),
    Column("pack_id", String(64), nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("length", BigInteger, nullable=False),
    Column("raw_size", BigInteger, nullable=False),
)

# --- account backups II (c0003) ------------------------------------------------------------------------
priority_groups = Table(
    "priority_groups", metadata,
    Column("name", String(32), primary_key=True),
    Column("value", Integer, nullable=False),              # lower runs first
)

type_priorities = Table(
    "type_priorities", metadata,
    Column("type", String(16), primary_key=True),          # backup | restore | download
    Column("priority_group", String(32), nullable=False),
)

tags = Table(
    "tags", metadata,
    Column("name", String(64), primary_key=True),
    Column("color", String(7), nullable=False),            # #RRGGBB
    Column("priority_group", String(32), nullable=True),
    Column("created_at", String(40), nullable=False),
)

account_tags = Table(
    "account_tags", metadata,
    Column("account_id", String(36), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(64), ForeignKey("tags.name", ondelete="CASCADE", onupdate="CASCADE"), primary_key=True),
)

jobs = Table(
    "jobs", metadata,
    Column("name", String(64), primary_key=True),
    Column("destination", String(64), nullable=False),
    Column("items", Text, nullable=False),                 # JSON list: account, units, files
    Column("accounts", Text, nullable=False),              # JSON: {"all": true} | {"usernames": [...]} | {"tag": T}
    Column("schedule", String(200), nullable=False),       # hourly | daily@HH:MM | weekly@DAY,HH:MM | monthly@D,HH:MM | cron
    Column("timezone", String(64), nullable=False),
    Column("keep_last", Integer, nullable=False),
    Column("keep_daily", Integer, nullable=True),
    Column("keep_weekly", Integer, nullable=True),
    Column("keep_monthly", Integer, nullable=True),
    Column("enabled", Boolean, nullable=False),
    Column("last_scheduled", String(40), nullable=True),   # the latest scheduled run already queued
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
)

queue_items = Table(
    "queue_items", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),            # backup | restore | download
    Column("state", String(16), nullable=False),           # queued | running | done | failed | cancelled
    Column("priority", Integer, nullable=False),           # the group's value when queued; lower runs first
    Column("priority_group", String(32), nullable=False),
    Column("account_id", String(36), nullable=True),
    Column("destination", String(64), nullable=True),
    Column("job", String(64), nullable=True),
    Column("scheduled_for", String(40), nullable=True),
    Column("request", Text, nullable=False),               # JSON: the use case's request (never secrets)
    Column("created_at", String(40), nullable=False),
    Column("started_at", String(40), nullable=True),
    Column("finished_at", String(40), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("max_attempts", Integer, nullable=False, server_default="3"),
    Column("worker", String(64), nullable=True),
    Column("lease_until", String(40), nullable=True),
    Column("stage", String(64), nullable=True),
    Column("done", BigInteger, nullable=True),
    Column("total", BigInteger, nullable=True),
    Column("progress_unit", String(8), nullable=True),
    Column("cancel_requested", Boolean, nullable=False, server_default="0"),
    Column("error", Text, nullable=True),
    Column("result", Text, nullable=True),                 # JSON summary
    Column("holder", String(96), nullable=True),           # the process holding its secrets (c0004)
    UniqueConstraint("job", "scheduled_for", "account_id", name="uq_queue_scheduled_run"),
)
Index("ix_queue_state", queue_items.c.state, queue_items.c.priority, queue_items.c.id)
Index("ix_queue_finished", queue_items.c.state, queue_items.c.finished_at)     # c0004: finished items, latest first

restore_conditions = Table(
    "restore_conditions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("text", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
)

orphans = Table(
    "orphans", metadata,
    Column("account_id", String(36), primary_key=True),
    Column("username", String(64), nullable=False),        # the former username (from the backups)
    Column("first_seen", String(40), nullable=False),
    Column("empty_since", String(40), nullable=True),      # no backups left since; removed after 14 days
)

account_aliases = Table(          # backups filed under another UUID that belong to this account (reassigned)
    "account_aliases", metadata,
    Column("uuid", String(36), primary_key=True),
    Column("account_id", String(36), ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", String(40), nullable=False),
)

catalog_settings = Table(
    "catalog_settings", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
# c0006: what retention reads, in its order (a series' backups newest first), so that a pass reads these
# indexes alone and in order, never the table (core/catalog/backups.py retention_series): every backup's
# id and time, and the few backups with a lock or an expiry. The first also serves every lookup by
# destination (c0003's index on destination and job was its prefix).
Index("ix_backups_retention", backups.c.destination, backups.c.job, backups.c.account_id, backups.c.created_at.desc(),
      backups.c.id.desc())
HELD = backups.c.locked | backups.c.expires_at.is_not(None)
Index("ix_backups_held", backups.c.destination, backups.c.job, backups.c.account_id, backups.c.id,
      backups.c.expires_at, backups.c.locked, backups.c.locked_until, sqlite_where=HELD, postgresql_where=HELD)

# --- who may do what (c0005): users and roles, backup tokens, sessions, plans, user-configured backups,
# and the audit log --------------------------------------------------------------------------------------
users = Table(
    "users", metadata,
    Column("id", String(36), primary_key=True),            # UUID
    Column("username", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),            # admin | helpdesk | user
    Column("email", String(254), nullable=False, server_default=""),
    Column("password_hash", Text, nullable=True),          # argon2 PasswordHasher string; None: password-less
    Column("vault", Text, nullable=True),                  # the user's sealed backup settings (core/governance/vault.py)
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
)

user_accounts = Table(            # the accounts a user owns (role user)
    "user_accounts", metadata,
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("account_id", String(36), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
)

user_tokens = Table(              # one backup token per user: its SHA-256, never the token
    "user_tokens", metadata,
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("valid_from", String(40), nullable=False),      # later than created_at for password-less users
    Column("resets", Integer, nullable=False, server_default="0"),
)

user_sessions = Table(            # CLI sessions: the SHA-256 of the session secret kept in the home
    "user_sessions", metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("expires_at", String(40), nullable=False),
)

plans = Table(                    # a named feature set assigned to accounts
    "plans", metadata,
    Column("name", String(64), primary_key=True),
    Column("backups", Boolean, nullable=False),            # the Backups module (user-configured mode)
    Column("created_at", String(40), nullable=False),
)

account_governance = Table(       # per account: its plan and which backup/restore outcomes are emailed
    "account_governance", metadata,
    Column("account_id", String(36), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("plan", String(64), ForeignKey("plans.name", ondelete="SET NULL", onupdate="CASCADE"), nullable=True),
    Column("notify", String(16), nullable=True),           # all | failures | none (None: all)
)

user_backups = Table(             # user-configured backups: what the user chose (secrets are in the vault)
    "user_backups", metadata,
    Column("account_id", String(36), ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("destination", String(64), nullable=True),      # the user's own destination (named user.USERNAME...)
    Column("items", Text, nullable=False),                 # JSON list: account, units, files
    Column("schedule", String(200), nullable=True),        # None: on demand only
    Column("timezone", String(64), nullable=False),
    Column("bandwidth", BigInteger, nullable=True),        # bytes/s; None: no limit
    Column("workers", Integer, nullable=True),             # sealing threads; None: the default
    Column("cpu_priority", Integer, nullable=True),        # niceness 0..19; None: unchanged
    Column("last_run", String(40), nullable=True),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
)

audit_log = Table(                # append-only; each entry's hash covers the previous entry's hash
    "audit_log", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", Text, nullable=False),
    Column("outcome", String(16), nullable=False),         # done | failed | refused | cancelled
    Column("detail", Text, nullable=False),                # JSON: reason, error (never a secret)
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
Index("ix_audit_at", audit_log.c.at)
