"""booking_contacts and the outbox's booking columns: an online booking's number for
notifications (issue 17: booking.confirmed, booking.reminder).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 06:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'booking_contacts',
        sa.Column('booking_id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('recipient', sa.Text(), nullable=False),
        sa.Column('recipient_key', sa.String(length=64), nullable=False),
        sa.Column('lang', sa.String(length=2), nullable=False),
        sa.Column('link', sa.String(length=255), nullable=False),
        sa.Column('reminders', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['booking_id'], ['bookings.id'], name=op.f('fk_booking_contacts_booking_id_bookings')
        ),
        sa.ForeignKeyConstraint(
            ['site_id'], ['sites.id'], name=op.f('fk_booking_contacts_site_id_sites')
        ),
        sa.PrimaryKeyConstraint('booking_id', name=op.f('pk_booking_contacts')),
    )
    op.create_index('ix_booking_contacts_day', 'booking_contacts', ['day'], unique=False)
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('booking_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('booking_code', sa.String(length=8), nullable=True))
        batch.add_column(sa.Column('booking_session', sa.String(length=16), nullable=True))
        batch.create_foreign_key(
            op.f('fk_notifications_booking_id_bookings'), 'bookings', ['booking_id'], ['id']
        )
        batch.create_index(
            op.f('ix_notifications_booking_id'), ['booking_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('notifications') as batch:
        batch.drop_index(op.f('ix_notifications_booking_id'))
        batch.drop_constraint(op.f('fk_notifications_booking_id_bookings'), type_='foreignkey')
        batch.drop_column('booking_session')
        batch.drop_column('booking_code')
        batch.drop_column('booking_id')
    op.drop_index('ix_booking_contacts_day', table_name='booking_contacts')
    op.drop_table('booking_contacts')
