"""survey_responses: the citizens' satisfaction survey (IKM); tickets.surveyed

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 20:10:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'survey_responses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('site_id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('counter_id', sa.Integer(), nullable=True),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('service_day', sa.Date(), nullable=False),
        sa.Column('channel', sa.String(length=8), nullable=False),
        *[sa.Column(f'u{i}', sa.SmallInteger(), nullable=False) for i in range(1, 10)],
        sa.Column('comment', sa.String(length=500), nullable=True),
        sa.Column('age_group', sa.String(length=8), nullable=True),
        sa.Column('sex', sa.String(length=1), nullable=True),
        sa.Column('education', sa.String(length=8), nullable=True),
        sa.Column('occupation', sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ['counter_id'], ['counters.id'], name=op.f('fk_survey_responses_counter_id_counters')
        ),
        sa.ForeignKeyConstraint(
            ['service_id'], ['services.id'], name=op.f('fk_survey_responses_service_id_services')
        ),
        sa.ForeignKeyConstraint(
            ['site_id'], ['sites.id'], name=op.f('fk_survey_responses_site_id_sites')
        ),
        sa.ForeignKeyConstraint(
            ['staff_id'], ['users.id'], name=op.f('fk_survey_responses_staff_id_users')
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(
            'ix_survey_responses_site_day', ['site_id', 'service_day'], unique=False
        )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('surveyed', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('surveyed')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_responses_site_day')
    op.drop_table('survey_responses')
