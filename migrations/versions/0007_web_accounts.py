"""Web pages: user language, time zone and active flag; server-side sign-in sessions

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), server_default='Asia/Shanghai',
                                      nullable=False))
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table(
        'web_session',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_web_session_user_id', 'web_session', ['user_id'])


def downgrade() -> None:
    op.drop_index('ix_web_session_user_id', table_name='web_session')
    op.drop_table('web_session')
    with op.batch_alter_table('app_user', schema=None) as batch_op:
        batch_op.drop_column('active')
        batch_op.drop_column('time_zone')
        batch_op.drop_column('language')
