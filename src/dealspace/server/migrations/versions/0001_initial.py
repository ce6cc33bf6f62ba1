"""The negotiation room's first schema.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "negotiations",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("shared", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("zopa", sa.Boolean, nullable=True),
        sa.Column("final", sa.JSON, nullable=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "credentials",
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column(
            "negotiation_id",
            sa.String(32),
            sa.ForeignKey("negotiations.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("party_id", sa.String(80), nullable=True),
        sa.Column("hash", sa.Text, nullable=False),
    )
    op.create_table(
        "parties",
        sa.Column(
            "negotiation_id", sa.String(32), sa.ForeignKey("negotiations.id"), primary_key=True
        ),
        sa.Column("party_id", sa.String(80), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("preferences", sa.JSON, nullable=False),
        sa.Column("submitted", sa.Boolean, nullable=False),
        sa.Column("advice", sa.JSON, nullable=True),
    )
    op.create_table(
        "rounds",
        sa.Column(
            "negotiation_id", sa.String(32), sa.ForeignKey("negotiations.id"), primary_key=True
        ),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("package", sa.JSON, nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "responses",
        sa.Column(
            "negotiation_id", sa.String(32), sa.ForeignKey("negotiations.id"), primary_key=True
        ),
        sa.Column("round", sa.Integer, primary_key=True),
        sa.Column("part", sa.String(80), primary_key=True),
        sa.Column("party_id", sa.String(80), primary_key=True),
        sa.Column("verdict", sa.String(8), nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "locks",
        sa.Column(
            "negotiation_id", sa.String(32), sa.ForeignKey("negotiations.id"), primary_key=True
        ),
        sa.Column("part", sa.String(80), primary_key=True),
        sa.Column("terms", sa.JSON, nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "negotiation_id",
            sa.String(32),
            sa.ForeignKey("negotiations.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(80), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("part", sa.String(80), nullable=True),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.UniqueConstraint("negotiation_id", "seq"),
    )
    # The audit log is append-only: the database refuses to change or delete a line.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in (
        "audit_log",
        "locks",
        "responses",
        "rounds",
        "parties",
        "credentials",
        "negotiations",
        "meta",
    ):
        op.drop_table(table)
