"""notifications: ticket_contacts (encrypted numbers), the notifications outbox, leases

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 20:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'leases',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('holder', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_leases')),
    )
    op.create_table(
        'ticket_contacts',
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('service_day', sa.Date(), nullable=False),
        sa.Column('recipient', sa.Text(), nullable=False),
        sa.Column('recipient_key', sa.String(length=64), nullable=False),
        sa.Column('lang', sa.String(length=2), nullable=False),
        sa.Column('link', sa.String(length=255), nullable=False),
        sa.Column('almost_sent', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ['site_id'], ['sites.id'], name=op.f('fk_ticket_contacts_site_id_sites')
        ),
        sa.ForeignKeyConstraint(
            ['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_contacts_ticket_id_tickets')
        ),
        sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_ticket_contacts')),
    )
    with op.batch_alter_table('ticket_contacts', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_contacts_service_day', ['service_day'], unique=False)
    op.create_table(
        'notifications',
        sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('event', sa.String(length=32), nullable=False),
        sa.Column('recipient', sa.Text(), nullable=True),
        sa.Column('recipient_key', sa.String(length=64), nullable=True),
        sa.Column('lang', sa.String(length=2), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('ticket_code', sa.String(length=16), nullable=True),
        sa.Column('service_code', sa.String(length=8), nullable=True),
        sa.Column('counter_number', sa.Integer(), nullable=True),
        sa.Column('service_day', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('tries', sa.Integer(), nullable=False),
        sa.Column('next_try_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['site_id'], ['sites.id'], name=op.f('fk_notifications_site_id_sites')
        ),
        sa.ForeignKeyConstraint(
            ['ticket_id'], ['tickets.id'], name=op.f('fk_notifications_ticket_id_tickets')
        ),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_notifications')),
        sa.UniqueConstraint('id', name=op.f('uq_notifications_id')),
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_recipient_key', ['recipient_key'], unique=False)
        batch_op.create_index('ix_notifications_state_seq', ['state', 'seq'], unique=False)
        batch_op.create_index(
            batch_op.f('ix_notifications_ticket_id'), ['ticket_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_ticket_id'))
        batch_op.drop_index('ix_notifications_state_seq')
        batch_op.drop_index('ix_notifications_recipient_key')
    op.drop_table('notifications')
    with op.batch_alter_table('ticket_contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_contacts_service_day')
    op.drop_table('ticket_contacts')
    op.drop_table('leases')
