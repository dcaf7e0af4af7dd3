"""notification_settings: per-site switches and texts of each kind, N ahead, retention and the
site's own gateway (issue 17). No row means the defaults: existing sites behave as before.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 06:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notification_settings',
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('almost_ahead', sa.Integer(), nullable=False),
        sa.Column('retention_days', sa.Integer(), nullable=True),
        sa.Column('kinds', sa.JSON(), nullable=False),
        sa.Column('webhook_url', sa.String(length=255), nullable=True),
        sa.Column('webhook_secret', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ['site_id'], ['sites.id'], name=op.f('fk_notification_settings_site_id_sites')
        ),
        sa.PrimaryKeyConstraint('site_id', name=op.f('pk_notification_settings')),
    )


def downgrade():
    op.drop_table('notification_settings')
