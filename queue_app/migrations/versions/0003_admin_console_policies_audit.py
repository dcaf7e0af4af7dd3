"""admin console: site policies (recall, no-show, wait alert, holder id, public URL),
tickets.holder_hash, admin_changes audit table

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:02:06.732124

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('admin_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('entity', sa.String(length=16), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=24), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_admin_changes_site_id_sites')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_admin_changes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_changes'))
    )
    with op.batch_alter_table('admin_changes', schema=None) as batch_op:
        batch_op.create_index('ix_admin_changes_site_at', ['site_id', 'at'], unique=False)

    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_base_url', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('recall_limit', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('no_show_after_s', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('wait_alert_min', sa.Integer(), server_default=sa.text('45'), nullable=False))
        batch_op.add_column(sa.Column('holder_id_kind', sa.String(length=8), nullable=True))

    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder_hash', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_tickets_holder', ['issued_service_id', 'service_day', 'holder_hash'], unique=False)



def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_holder')
        batch_op.drop_column('holder_hash')

    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_column('holder_id_kind')
        batch_op.drop_column('wait_alert_min')
        batch_op.drop_column('no_show_after_s')
        batch_op.drop_column('recall_limit')
        batch_op.drop_column('public_base_url')

    with op.batch_alter_table('admin_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_admin_changes_site_at')

    op.drop_table('admin_changes')
