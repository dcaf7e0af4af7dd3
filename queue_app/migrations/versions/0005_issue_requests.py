"""issue_requests: what a POST /api/v1/tickets with an Idempotency-Key issued and answered

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 13:10:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'issue_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('response', sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_issue_requests_ticket_id_tickets')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_issue_requests')),
        sa.UniqueConstraint('key', name=op.f('uq_issue_requests_key')),
    )


def downgrade():
    op.drop_table('issue_requests')
