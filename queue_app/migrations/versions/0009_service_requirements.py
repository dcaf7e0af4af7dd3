"""service_requirements: the documents a service asks applicants to bring (persyaratan)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 20:30:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'service_requirements',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('name_id', sa.String(length=120), nullable=False),
        sa.Column('name_en', sa.String(length=120), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ['service_id'],
            ['services.id'],
            name=op.f('fk_service_requirements_service_id_services'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_service_requirements')),
    )
    with op.batch_alter_table('service_requirements', schema=None) as batch_op:
        batch_op.create_index(
            'ix_service_requirements_service', ['service_id', 'position'], unique=False
        )


def downgrade():
    with op.batch_alter_table('service_requirements', schema=None) as batch_op:
        batch_op.drop_index('ix_service_requirements_service')
    op.drop_table('service_requirements')
