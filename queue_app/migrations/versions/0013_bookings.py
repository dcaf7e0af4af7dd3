"""bookings: online registration (antrean daring, issue 16). Booking settings and closed days
per site, arrival sessions, bookings and their event log; a channel policy per agency and
service. Existing agencies keep their meaning (channels NULL: what walk_in says).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 05:56:35

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('booking_holders',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('week_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_booking_holders_site_id_sites')),
    sa.PrimaryKeyConstraint('site_id', 'week_hash', name=op.f('pk_booking_holders'))
    )
    op.create_table('booking_settings',
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('windows', sa.String(length=200), nullable=False),
    sa.Column('days_ahead', sa.Integer(), nullable=False),
    sa.Column('working_days', sa.String(length=7), nullable=False),
    sa.Column('holder_kind', sa.String(length=8), nullable=False),
    sa.Column('week_limit', sa.Integer(), nullable=False),
    sa.Column('early_min', sa.Integer(), nullable=False),
    sa.Column('late_min', sa.Integer(), nullable=False),
    sa.Column('session_min', sa.Integer(), nullable=False),
    sa.CheckConstraint('days_ahead >= 1', name=op.f('ck_booking_settings_days_ahead_positive')),
    sa.CheckConstraint('early_min >= 0 AND late_min >= 0', name=op.f('ck_booking_settings_tolerance_nonneg')),
    sa.CheckConstraint('session_min >= 5', name=op.f('ck_booking_settings_session_min_min')),
    sa.CheckConstraint('week_limit >= 1', name=op.f('ck_booking_settings_week_limit_positive')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_booking_settings_site_id_sites')),
    sa.PrimaryKeyConstraint('site_id', name=op.f('pk_booking_settings'))
    )
    op.create_table('closed_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_closed_days_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closed_days')),
    sa.UniqueConstraint('site_id', 'day', name=op.f('uq_closed_days_site_id_day'))
    )
    op.create_table('booking_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('capacity_override', sa.Integer(), nullable=True),
    sa.Column('taken', sa.Integer(), nullable=False),
    sa.CheckConstraint('capacity >= 0', name=op.f('ck_booking_sessions_capacity_nonneg')),
    sa.CheckConstraint('taken >= 0', name=op.f('ck_booking_sessions_taken_nonneg')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_booking_sessions_service_id_services')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_booking_sessions_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_sessions')),
    sa.UniqueConstraint('service_id', 'day', 'starts_at', name=op.f('uq_booking_sessions_service_id_day_starts_at'))
    )
    op.create_table('bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('holder_hash', sa.String(length=64), nullable=False),
    sa.Column('week_hash', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=8), server_default=sa.text("'api'"), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_bookings_service_id_services')),
    sa.ForeignKeyConstraint(['session_id'], ['booking_sessions.id'], name=op.f('fk_bookings_session_id_booking_sessions')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_bookings_site_id_sites')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_bookings_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings')),
    sa.UniqueConstraint('code', name=op.f('uq_bookings_code')),
    sa.UniqueConstraint('token', name=op.f('uq_bookings_token'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index('ix_bookings_holder_day', ['service_id', 'day', 'holder_hash'], unique=False)
        batch_op.create_index('ix_bookings_holder_week', ['site_id', 'week_hash'], unique=False)
        batch_op.create_index('ix_bookings_session_state', ['session_id', 'state'], unique=False)

    op.create_table('booking_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['booking_id'], ['bookings.id'], name=op.f('fk_booking_events_booking_id_bookings')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_booking_events_site_id_sites')),
    sa.ForeignKeyConstraint(['staff_id'], ['users.id'], name=op.f('fk_booking_events_staff_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_events'))
    )
    with op.batch_alter_table('booking_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_events_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index('ix_booking_events_site_at', ['site_id', 'at'], unique=False)

    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channels', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('online_pct', sa.Integer(), server_default=sa.text("50"), nullable=False))

    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channels', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('online_pct', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('release_no_shows', sa.Boolean(), server_default=sa.text("true"), nullable=False))



def downgrade():
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_column('release_no_shows')
        batch_op.drop_column('online_pct')
        batch_op.drop_column('channels')

    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_column('online_pct')
        batch_op.drop_column('channels')

    with op.batch_alter_table('booking_events', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_events_site_at')
        batch_op.drop_index(batch_op.f('ix_booking_events_booking_id'))

    op.drop_table('booking_events')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index('ix_bookings_session_state')
        batch_op.drop_index('ix_bookings_holder_week')
        batch_op.drop_index('ix_bookings_holder_day')

    op.drop_table('bookings')
    op.drop_table('booking_sessions')
    op.drop_table('closed_days')
    op.drop_table('booking_settings')
    op.drop_table('booking_holders')
