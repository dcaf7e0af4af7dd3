"""zones and agencies: the mall. Every site gets one zone and one agency holding its services
and counters; its hall cap stays the building cap, so it behaves exactly as before.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 23:10:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'zones',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('floor', sa.Integer(), nullable=False),
        sa.Column('room_capacity', sa.Integer(), nullable=True),
        sa.Column('distancing_pct', sa.Integer(), server_default=sa.text('100'), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.CheckConstraint(
            'distancing_pct > 0 AND distancing_pct <= 100', name=op.f('ck_zones_distancing_pct')
        ),
        sa.CheckConstraint(
            'room_capacity IS NULL OR room_capacity >= 0', name=op.f('ck_zones_room_nonneg')
        ),
        sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_zones_site_id_sites')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_zones')),
        sa.UniqueConstraint('site_id', 'name', name=op.f('uq_zones_site_id_name')),
    )
    with op.batch_alter_table('zones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_zones_site_id'), ['site_id'], unique=False)
    op.create_table(
        'agencies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=12), nullable=False),
        sa.Column('name_id', sa.String(length=120), nullable=False),
        sa.Column('name_en', sa.String(length=120), nullable=False),
        sa.Column('colour', sa.String(length=7), server_default='#1f6f8b', nullable=False),
        sa.Column('walk_in', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        sa.Column('daily_cap', sa.Integer(), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.CheckConstraint(
            'daily_cap IS NULL OR daily_cap >= 0', name=op.f('ck_agencies_daily_cap_nonneg')
        ),
        sa.ForeignKeyConstraint(
            ['site_id'], ['sites.id'], name=op.f('fk_agencies_site_id_sites')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agencies')),
        sa.UniqueConstraint('site_id', 'code', name=op.f('uq_agencies_site_id_code')),
    )
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agencies_site_id'), ['site_id'], unique=False)

    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('zone_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('counters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('zone_id', sa.Integer(), nullable=True))

    # One zone and one agency per existing site, holding all it has.
    bind = op.get_bind()
    sites = bind.execute(sa.text('SELECT id, name FROM sites ORDER BY id')).all()
    for site_id, name in sites:
        bind.execute(
            sa.text(
                'INSERT INTO zones (site_id, name, floor, room_capacity, distancing_pct, position)'
                ' VALUES (:site, :name, 1, NULL, 100, 0)'
            ),
            {'site': site_id, 'name': 'Ruang layanan'},
        )
        bind.execute(
            sa.text(
                'INSERT INTO agencies (site_id, code, name_id, name_en, colour, walk_in,'
                ' daily_cap, position)'
                " VALUES (:site, 'UMUM', :name, :name, '#1f6f8b', :yes, NULL, 0)"
            ),
            {'site': site_id, 'name': name[:120], 'yes': True},
        )
        zone = bind.execute(
            sa.text('SELECT id FROM zones WHERE site_id = :site'), {'site': site_id}
        ).scalar_one()
        agency = bind.execute(
            sa.text('SELECT id FROM agencies WHERE site_id = :site'), {'site': site_id}
        ).scalar_one()
        bind.execute(
            sa.text('UPDATE services SET zone_id = :zone, agency_id = :agency WHERE site_id = :site'),
            {'zone': zone, 'agency': agency, 'site': site_id},
        )
        bind.execute(
            sa.text('UPDATE counters SET zone_id = :zone WHERE site_id = :site'),
            {'zone': zone, 'site': site_id},
        )

    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.alter_column('agency_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('zone_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_services_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_services_zone_id'), ['zone_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_services_agency_id_agencies'), 'agencies', ['agency_id'], ['id']
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_services_zone_id_zones'), 'zones', ['zone_id'], ['id']
        )
    with op.batch_alter_table('counters', schema=None) as batch_op:
        batch_op.alter_column('zone_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_counters_zone_id'), ['zone_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_counters_zone_id_zones'), 'zones', ['zone_id'], ['id']
        )
    with op.batch_alter_table('refusals', schema=None) as batch_op:
        batch_op.alter_column(
            'reason',
            existing_type=sa.String(length=16),
            type_=sa.String(length=24),
            existing_nullable=False,
        )


def downgrade():
    with op.batch_alter_table('refusals', schema=None) as batch_op:
        batch_op.alter_column(
            'reason',
            existing_type=sa.String(length=24),
            type_=sa.String(length=16),
            existing_nullable=False,
        )
    with op.batch_alter_table('counters', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_counters_zone_id_zones'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_counters_zone_id'))
        batch_op.drop_column('zone_id')
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_services_zone_id_zones'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_services_agency_id_agencies'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_services_zone_id'))
        batch_op.drop_index(batch_op.f('ix_services_agency_id'))
        batch_op.drop_column('zone_id')
        batch_op.drop_column('agency_id')
    with op.batch_alter_table('agencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agencies_site_id'))
    op.drop_table('agencies')
    with op.batch_alter_table('zones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_zones_site_id'))
    op.drop_table('zones')
