"""ticket_events: unique (site_id, seq), the index a snapshot reads the changes since a seq by

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 08:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index('uq_ticket_events_site_seq', ['site_id', 'seq'], unique=True)


def downgrade():
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index('uq_ticket_events_site_seq')
