"""reports: refusals table, services.closes_early, tickets (site_id, service_day, state) index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 17:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('refusals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('service_day', sa.Date(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_refusals_service_id_services')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_refusals_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refusals'))
    )
    with op.batch_alter_table('refusals', schema=None) as batch_op:
        batch_op.create_index('ix_refusals_site_day', ['site_id', 'service_day'], unique=False)

    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closes_early', sa.Boolean(), server_default=sa.text('false'), nullable=False))

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_site_day', ['site_id', 'service_day', 'state'], unique=False)


def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_site_day')

    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_column('closes_early')

    with op.batch_alter_table('refusals', schema=None) as batch_op:
        batch_op.drop_index('ix_refusals_site_day')

    op.drop_table('refusals')
