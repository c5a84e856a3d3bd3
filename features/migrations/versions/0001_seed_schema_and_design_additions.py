"""seed schema and design additions

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-24 22:55:23.956156
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from features import db_types

revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('batch_runs',
    sa.Column('run_id', sa.String(length=64), nullable=False),
    sa.Column('flow', sa.String(length=50), nullable=False),
    sa.Column('as_of', sa.DateTime(), nullable=True),
    sa.Column('started_on', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False),
    sa.Column('finished_on', sa.DateTime(), nullable=True),
    sa.Column('status', db_types.Choice('running', 'succeeded', 'failed'), server_default='running', nullable=False),
    sa.Column('counts', db_types.JSON, nullable=True),
    sa.Column('model_versions', db_types.JSON, nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('run_id', name=op.f('pk_batch_runs')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('batch_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_batch_runs_flow_status_finished_on'), ['flow', 'status', 'finished_on'], unique=False)

    op.create_table('career_roles',
    sa.Column('role_id', db_types.UnsignedInt, autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('field', sa.String(length=100), nullable=True),
    sa.Column('seniority', sa.String(length=20), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('required_skills', db_types.JSON, nullable=True),
    sa.Column('next_roles', db_types.JSON, nullable=True),
    sa.PrimaryKeyConstraint('role_id', name=op.f('pk_career_roles')),
    sa.UniqueConstraint('title', name=op.f('uq_career_roles_title')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    op.create_table('courses',
    sa.Column('course_id', db_types.UnsignedInt, autoincrement=True, nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('skills', db_types.JSON, nullable=True),
    sa.Column('level', db_types.Choice('Beginner', 'Intermediate', 'Advanced'), nullable=True),
    sa.Column('format', sa.String(length=50), nullable=True),
    sa.Column('duration_hours', db_types.Decimal(6, 2), nullable=True),
    sa.Column('is_active', db_types.Flag, server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('course_id', name=op.f('pk_courses')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    op.create_table('learner_notifications',
    sa.Column('notification_id', db_types.UnsignedBigInt20, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt10, nullable=False),
    sa.Column('title', sa.String(length=255), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('type', db_types.Choice('System', 'Course', 'Reward', 'Reminder', 'Message', 'AI_Nudge'), server_default='System', nullable=True),
    sa.Column('channel_email', db_types.Flag, server_default=sa.text('0'), nullable=True),
    sa.Column('channel_browser', db_types.Flag, server_default=sa.text('0'), nullable=True),
    sa.Column('channel_app', db_types.Flag, server_default=sa.text('0'), nullable=True),
    sa.Column('frequency', db_types.Choice('Anytime', 'OnlineOnly', 'DailyDigest', 'WeeklySummary'), server_default='Anytime', nullable=True),
    sa.Column('is_read', db_types.Flag, server_default=sa.text('0'), nullable=True),
    sa.Column('created_on', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.Column('updated_on', sa.DateTime(), server_default=db_types.CurrentTimestampOnUpdate(), nullable=True),
    sa.PrimaryKeyConstraint('notification_id', name=op.f('pk_learner_notifications')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_notifications_learner_id'), ['learner_id'], unique=False)

    op.create_table('learning_groups',
    sa.Column('group_id', db_types.UnsignedInt, autoincrement=True, nullable=False),
    sa.Column('group_name', sa.String(length=255), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('course_id', db_types.UnsignedInt, nullable=True),
    sa.Column('facilitator_id', db_types.UnsignedInt, nullable=True),
    sa.Column('created_on', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.PrimaryKeyConstraint('group_id', name=op.f('pk_learning_groups')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    op.create_table('skill_catalog',
    sa.Column('skill_key', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=150), nullable=False),
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('skill_key', name=op.f('pk_skill_catalog')),
    sa.UniqueConstraint('name', name=op.f('uq_skill_catalog_name')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    op.create_table('text_embeddings',
    sa.Column('model_id', sa.String(length=100), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.Column('dim', sa.Integer(), nullable=False),
    sa.Column('vector', db_types.Blob, nullable=False),
    sa.Column('created_on', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.PrimaryKeyConstraint('model_id', 'text_hash', name=op.f('pk_text_embeddings')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    op.create_table('users',
    sa.Column('id', db_types.UnsignedInt, autoincrement=True, nullable=False),
    sa.Column('full_name', sa.String(length=255), nullable=True),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('created_on', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    op.create_table('content_items',
    sa.Column('content_id', db_types.UnsignedInt, autoincrement=True, nullable=False),
    sa.Column('course_id', db_types.UnsignedInt, nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('format', sa.String(length=50), nullable=True),
    sa.Column('skills', db_types.JSON, nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.course_id'], name=op.f('fk_content_items_course_id_courses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('content_id', name=op.f('pk_content_items')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('content_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_content_items_course_id'), ['course_id'], unique=False)

    op.create_table('learners',
    sa.Column('learner_id', db_types.UnsignedInt, autoincrement=True, nullable=False),
    sa.Column('user_id', db_types.UnsignedInt, nullable=False),
    sa.Column('nationality', sa.String(length=100), nullable=True),
    sa.Column('gender', db_types.Choice('Male', 'Female', 'Other'), nullable=True),
    sa.Column('dob', sa.Date(), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('address_line1', sa.String(length=255), nullable=True),
    sa.Column('address_line2', sa.String(length=255), nullable=True),
    sa.Column('city', sa.String(length=100), nullable=True),
    sa.Column('state', sa.String(length=100), nullable=True),
    sa.Column('country', sa.String(length=100), nullable=True),
    sa.Column('timezone', sa.String(length=50), server_default='Asia/Kolkata', nullable=True),
    sa.Column('language_pref', sa.String(length=50), server_default='English', nullable=True),
    sa.Column('profile_photo', sa.String(length=255), nullable=True),
    sa.Column('registration_date', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.Column('last_active', sa.DateTime(), server_default=db_types.CurrentTimestampOnUpdate(), nullable=True),
    sa.Column('status', db_types.Choice('Active', 'Inactive', 'Suspended'), server_default='Active', nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_learners_user_id_users'), onupdate='CASCADE', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('learner_id', name=op.f('pk_learners')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learners_user_id'), ['user_id'], unique=False)

    op.create_table('course_enrollments',
    sa.Column('enrollment_id', db_types.UnsignedBigInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=False),
    sa.Column('course_id', db_types.UnsignedInt, nullable=False),
    sa.Column('enrolled_on', sa.DateTime(), nullable=False),
    sa.Column('unenrolled_on', sa.DateTime(), nullable=True),
    sa.Column('completed_on', sa.DateTime(), nullable=True),
    sa.Column('status', db_types.Choice('Active', 'Completed', 'Withdrawn', 'Failed'), server_default='Active', nullable=False),
    sa.Column('final_score', db_types.Decimal(5, 2), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_course_enrollments_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('enrollment_id', name=op.f('pk_course_enrollments')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('course_enrollments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_enrollments_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_enrollments_learner_id'), ['learner_id'], unique=False)

    op.create_table('learner_activity_log',
    sa.Column('log_id', db_types.UnsignedBigInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=False),
    sa.Column('course_id', db_types.UnsignedInt, nullable=True),
    sa.Column('module_name', sa.String(length=255), nullable=True),
    sa.Column('activity_type', db_types.Choice('View', 'Quiz', 'Assignment', 'Forum', 'Video', 'VR', 'Login', 'Logout'), nullable=False),
    sa.Column('duration_seconds', db_types.UnsignedInt, server_default=sa.text('0'), nullable=True),
    sa.Column('score', db_types.Decimal(5, 2), nullable=True),
    sa.Column('device_type', sa.String(length=100), nullable=True),
    sa.Column('user_agent', sa.String(length=255), nullable=True),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('timestamp', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_activity_log_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('log_id', name=op.f('pk_learner_activity_log')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_activity_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_activity_log_learner_id'), ['learner_id'], unique=False)

    op.create_table('learner_ai_features',
    sa.Column('learner_id', db_types.UnsignedInt, autoincrement=False, nullable=False),
    sa.Column('engagement_vector', db_types.JSON, nullable=True),
    sa.Column('skill_vector', db_types.JSON, nullable=True),
    sa.Column('recommendation_vector', db_types.JSON, nullable=True),
    sa.Column('career_prediction', db_types.JSON, nullable=True),
    sa.Column('risk_prediction', db_types.JSON, nullable=True),
    sa.Column('model_version', sa.String(length=50), nullable=True),
    sa.Column('last_model_update', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_ai_features_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('learner_id', name=op.f('pk_learner_ai_features')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    op.create_table('learner_audit_log',
    sa.Column('audit_id', db_types.UnsignedBigInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=True),
    sa.Column('action', sa.String(length=255), nullable=True),
    sa.Column('module', sa.String(length=100), nullable=True),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('action_by', sa.String(length=100), nullable=True),
    sa.Column('action_on', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_audit_log_learner_id_learners'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('audit_id', name=op.f('pk_learner_audit_log')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_audit_log_learner_id'), ['learner_id'], unique=False)

    op.create_table('learner_career_pathways',
    sa.Column('path_id', db_types.UnsignedInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=False),
    sa.Column('current_role', sa.String(length=150), nullable=True),
    sa.Column('next_role', sa.String(length=150), nullable=True),
    sa.Column('recommended_courses', sa.Text(), nullable=True),
    sa.Column('gap_analysis', sa.Text(), nullable=True),
    sa.Column('ai_confidence_score', db_types.Decimal(4, 2), server_default=sa.text('(0.80)'), nullable=True),
    sa.Column('last_updated', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_career_pathways_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('path_id', name=op.f('pk_learner_career_pathways')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_career_pathways', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_career_pathways_learner_id'), ['learner_id'], unique=False)

    op.create_table('learner_certifications',
    sa.Column('cert_id', db_types.UnsignedInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=False),
    sa.Column('cert_name', sa.String(length=255), nullable=True),
    sa.Column('issuing_org', sa.String(length=255), nullable=True),
    sa.Column('issue_date', sa.Date(), nullable=True),
    sa.Column('expiry_date', sa.Date(), nullable=True),
    sa.Column('credential_id', sa.String(length=100), nullable=True),
    sa.Column('credential_url', sa.String(length=255), nullable=True),
    sa.Column('verification_status', db_types.Choice('Verified', 'Pending', 'Rejected'), server_default='Pending', nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_certifications_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cert_id', name=op.f('pk_learner_certifications')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_certifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_certifications_learner_id'), ['learner_id'], unique=False)

    op.create_table('learner_discussion_activity',
    sa.Column('post_id', db_types.UnsignedBigInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=False),
    sa.Column('topic_id', db_types.UnsignedInt, nullable=False),
    sa.Column('parent_post_id', db_types.UnsignedBigInt, nullable=True),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('likes_count', sa.Integer(), server_default=sa.text('0'), nullable=True),
    sa.Column('sentiment', db_types.Choice('Positive', 'Neutral', 'Negative'), server_default='Neutral', nullable=True),
    sa.Column('created_on', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_discussion_activity_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', name=op.f('pk_learner_discussion_activity')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_discussion_activity', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_discussion_activity_learner_id'), ['learner_id'], unique=False)

    op.create_table('learner_education',
    sa.Column('edu_id', db_types.UnsignedInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=False),
    sa.Column('institution', sa.String(length=255), nullable=True),
    sa.Column('qualification', sa.String(length=255), nullable=True),
    sa.Column('specialization', sa.String(length=255), nullable=True),
    sa.Column('start_year', db_types.Year, nullable=True),
    sa.Column('end_year', db_types.Year, nullable=True),
    sa.Column('is_current', db_types.Flag, server_default=sa.text('0'), nullable=True),
    sa.Column('gpa', db_types.Decimal(4, 2), nullable=True),
    sa.Column('achievements', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_education_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('edu_id', name=op.f('pk_learner_education')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_education', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_education_learner_id'), ['learner_id'], unique=False)

    op.create_table('learner_emotion_metrics',
    sa.Column('emotion_id', db_types.UnsignedBigInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=False),
    sa.Column('session_id', sa.String(length=100), nullable=True),
    sa.Column('emotion_label', db_types.Choice('Focused', 'Bored', 'Confused', 'Engaged', 'Frustrated', 'Happy'), server_default='Focused', nullable=True),
    sa.Column('confidence', db_types.Decimal(4, 2), server_default=sa.text('(0.90)'), nullable=True),
    sa.Column('detected_by', db_types.Choice('CameraAI', 'VoiceAI', 'TextSentiment', 'SelfReport'), server_default='SelfReport', nullable=True),
    sa.Column('recorded_on', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_emotion_metrics_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('emotion_id', name=op.f('pk_learner_emotion_metrics')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_emotion_metrics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_emotion_metrics_learner_id'), ['learner_id'], unique=False)

    op.create_table('learner_engagement',
    sa.Column('engagement_id', db_types.UnsignedInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=False),
    sa.Column('avg_session_duration', sa.Integer(), server_default=sa.text('0'), nullable=True),
    sa.Column('avg_quiz_accuracy', db_types.Decimal(5, 2), server_default=sa.text('0'), nullable=True),
    sa.Column('courses_completed', sa.Integer(), server_default=sa.text('0'), nullable=True),
    sa.Column('discussion_posts', sa.Integer(), server_default=sa.text('0'), nullable=True),
    sa.Column('peer_likes', sa.Integer(), server_default=sa.text('0'), nullable=True),
    sa.Column('engagement_score', db_types.Decimal(5, 2), server_default=sa.text('0'), nullable=True),
    sa.Column('updated_on', sa.DateTime(), server_default=db_types.CurrentTimestampOnUpdate(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_engagement_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('engagement_id', name=op.f('pk_learner_engagement')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_engagement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_engagement_learner_id'), ['learner_id'], unique=False)

    op.create_table('learner_feedback_responses',
    sa.Column('feedback_id', db_types.UnsignedInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=False),
    sa.Column('course_id', db_types.UnsignedInt, nullable=True),
    sa.Column('feedback_type', db_types.Choice('Course', 'Instructor', 'Platform', 'Feature'), server_default='Course', nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('comments', sa.Text(), nullable=True),
    sa.Column('sentiment', db_types.Choice('Positive', 'Neutral', 'Negative'), server_default='Neutral', nullable=True),
    sa.Column('submitted_on', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_feedback_responses_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('feedback_id', name=op.f('pk_learner_feedback_responses')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_feedback_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_feedback_responses_learner_id'), ['learner_id'], unique=False)

    op.create_table('learner_goals',
    sa.Column('goal_id', db_types.UnsignedInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=False),
    sa.Column('desired_role', sa.String(length=150), nullable=True),
    sa.Column('target_skills', sa.Text(), nullable=True),
    sa.Column('career_motivation', sa.Text(), nullable=True),
    sa.Column('target_timeline', sa.String(length=50), nullable=True),
    sa.Column('progress_percent', db_types.Decimal(5, 2), server_default=sa.text('0'), nullable=True),
    sa.Column('last_reviewed', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_goals_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('goal_id', name=op.f('pk_learner_goals')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_goals_learner_id'), ['learner_id'], unique=False)

    op.create_table('learner_group_mapping',
    sa.Column('map_id', db_types.UnsignedInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=False),
    sa.Column('group_id', db_types.UnsignedInt, nullable=False),
    sa.Column('role', db_types.Choice('Learner', 'Facilitator', 'Mentor'), server_default='Learner', nullable=True),
    sa.Column('join_date', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.Column('status', db_types.Choice('Active', 'Inactive'), server_default='Active', nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_group_mapping_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('map_id', name=op.f('pk_learner_group_mapping')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_group_mapping', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_group_mapping_learner_id'), ['learner_id'], unique=False)

    op.create_table('learner_metaverse_logs',
    sa.Column('meta_id', db_types.UnsignedBigInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=False),
    sa.Column('session_id', sa.String(length=100), nullable=True),
    sa.Column('environment', sa.String(length=255), nullable=True),
    sa.Column('activity_summary', sa.Text(), nullable=True),
    sa.Column('duration_seconds', sa.Integer(), server_default=sa.text('0'), nullable=True),
    sa.Column('recorded_on', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_metaverse_logs_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meta_id', name=op.f('pk_learner_metaverse_logs')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_metaverse_logs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_metaverse_logs_learner_id'), ['learner_id'], unique=False)

    op.create_table('learner_preferences',
    sa.Column('pref_id', db_types.UnsignedInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=False),
    sa.Column('preferred_content_format', sa.String(length=50), server_default='Video', nullable=True),
    sa.Column('preferred_learning_time', sa.String(length=50), server_default='Evening', nullable=True),
    sa.Column('notification_preference', sa.String(length=50), server_default='Email', nullable=True),
    sa.Column('privacy_consent', db_types.Flag, server_default=sa.text('0'), nullable=True),
    sa.Column('ai_personalization_optin', db_types.Flag, server_default=sa.text('1'), nullable=True),
    sa.Column('accessibility_needs', sa.Text(), nullable=True),
    sa.Column('theme_mode', db_types.Choice('Light', 'Dark', 'System'), server_default='System', nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_preferences_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pref_id', name=op.f('pk_learner_preferences')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_preferences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_preferences_learner_id'), ['learner_id'], unique=False)

    op.create_table('learner_psychographics',
    sa.Column('psychographic_id', db_types.UnsignedInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=False),
    sa.Column('learning_motivation', sa.String(length=100), nullable=True),
    sa.Column('learning_style', db_types.Choice('Visual', 'Auditory', 'Reading/Writing', 'Kinesthetic'), nullable=True),
    sa.Column('cognitive_pattern', sa.Text(), nullable=True),
    sa.Column('engagement_type', sa.String(length=100), nullable=True),
    sa.Column('gamification_persona', db_types.Choice('Achiever', 'Explorer', 'Socializer', 'Killer'), nullable=True),
    sa.Column('confidence_score', db_types.Decimal(4, 2), server_default=sa.text('(0.85)'), nullable=True),
    sa.Column('derived_from', db_types.Choice('Survey', 'AI', 'Hybrid'), server_default='Hybrid', nullable=True),
    sa.Column('last_updated', sa.DateTime(), server_default=db_types.CurrentTimestampOnUpdate(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_psychographics_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('psychographic_id', name=op.f('pk_learner_psychographics')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_psychographics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_psychographics_learner_id'), ['learner_id'], unique=False)

    op.create_table('learner_recommendations',
    sa.Column('rec_id', db_types.UnsignedBigInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=False),
    sa.Column('recommendation_type', db_types.Choice('Course', 'Skill', 'Career', 'Mentor', 'Content'), nullable=False),
    sa.Column('reference_id', sa.String(length=100), nullable=True),
    sa.Column('recommendation_reason', sa.Text(), nullable=True),
    sa.Column('confidence_score', db_types.Decimal(4, 2), server_default=sa.text('(0.85)'), nullable=True),
    sa.Column('action_status', db_types.Choice('Pending', 'Clicked', 'Ignored', 'Completed'), server_default='Pending', nullable=True),
    sa.Column('created_on', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.Column('run_id', sa.String(length=64), nullable=True),
    sa.Column('model_version', sa.String(length=100), nullable=True),
    sa.Column('rec_rank', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_recommendations_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('rec_id', name=op.f('pk_learner_recommendations')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_recommendations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_recommendations_learner_id'), ['learner_id'], unique=False)

    op.create_table('learner_rewards',
    sa.Column('reward_id', db_types.UnsignedInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=False),
    sa.Column('xp_points', sa.Integer(), server_default=sa.text('0'), nullable=True),
    sa.Column('level', sa.Integer(), server_default=sa.text('1'), nullable=True),
    sa.Column('badge_name', sa.String(length=255), nullable=True),
    sa.Column('badge_earned_on', sa.DateTime(), nullable=True),
    sa.Column('streak_days', sa.Integer(), server_default=sa.text('0'), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_rewards_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('reward_id', name=op.f('pk_learner_rewards')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_rewards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_rewards_learner_id'), ['learner_id'], unique=False)

    op.create_table('learner_skills',
    sa.Column('skill_id', db_types.UnsignedInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=False),
    sa.Column('skill_name', sa.String(length=150), nullable=False),
    sa.Column('skill_level', db_types.Choice('Beginner', 'Intermediate', 'Advanced', 'Expert'), server_default='Beginner', nullable=True),
    sa.Column('proficiency_score', db_types.Decimal(5, 2), server_default=sa.text('(0.00)'), nullable=True),
    sa.Column('endorsed_by', sa.String(length=255), nullable=True),
    sa.Column('source', db_types.Choice('Course', 'Assessment', 'PeerReview', 'Manual'), server_default='Manual', nullable=True),
    sa.Column('last_validated', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_skills_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('skill_id', name=op.f('pk_learner_skills')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_skills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_skills_learner_id'), ['learner_id'], unique=False)

    op.create_table('learner_social_interactions',
    sa.Column('interaction_id', db_types.UnsignedBigInt, autoincrement=True, nullable=False),
    sa.Column('sender_id', db_types.UnsignedInt, nullable=False),
    sa.Column('receiver_id', db_types.UnsignedInt, nullable=False),
    sa.Column('interaction_type', db_types.Choice('Message', 'Comment', 'Like', 'PeerReview', 'MentorshipRequest'), nullable=False),
    sa.Column('context', sa.String(length=255), nullable=True),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('created_on', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.ForeignKeyConstraint(['receiver_id'], ['learners.learner_id'], name=op.f('fk_learner_social_interactions_receiver_id_learners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_id'], ['learners.learner_id'], name=op.f('fk_learner_social_interactions_sender_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('interaction_id', name=op.f('pk_learner_social_interactions')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_social_interactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_social_interactions_receiver_id'), ['receiver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_learner_social_interactions_sender_id'), ['sender_id'], unique=False)

    op.create_table('learner_system_telemetry',
    sa.Column('telemetry_id', db_types.UnsignedBigInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=False),
    sa.Column('device_info', sa.String(length=255), nullable=True),
    sa.Column('browser_info', sa.String(length=255), nullable=True),
    sa.Column('os_info', sa.String(length=100), nullable=True),
    sa.Column('network_speed', db_types.Decimal(6, 2), nullable=True),
    sa.Column('latency_ms', sa.Integer(), nullable=True),
    sa.Column('timestamp', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_system_telemetry_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('telemetry_id', name=op.f('pk_learner_system_telemetry')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_system_telemetry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_system_telemetry_learner_id'), ['learner_id'], unique=False)

    op.create_table('learner_xp',
    sa.Column('xp_id', db_types.UnsignedBigInt, autoincrement=True, nullable=False),
    sa.Column('learner_id', db_types.UnsignedInt, nullable=False),
    sa.Column('points', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('reason', sa.String(length=255), nullable=True),
    sa.Column('source_log_id', db_types.UnsignedBigInt, nullable=True),
    sa.Column('earned_on', sa.DateTime(), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['learners.learner_id'], name=op.f('fk_learner_xp_learner_id_learners'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('xp_id', name=op.f('pk_learner_xp')),
    mysql_charset='utf8mb4',
    mysql_collate='utf8mb4_unicode_ci',
    mysql_engine='InnoDB'
    )
    with op.batch_alter_table('learner_xp', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_learner_xp_learner_id'), ['learner_id'], unique=False)



def downgrade() -> None:
    # Dropping a table drops its indexes; dropping an index first fails on MySQL,
    # which needs it for the foreign key.
    op.drop_table('learner_xp')
    op.drop_table('learner_system_telemetry')
    op.drop_table('learner_social_interactions')
    op.drop_table('learner_skills')
    op.drop_table('learner_rewards')
    op.drop_table('learner_recommendations')
    op.drop_table('learner_psychographics')
    op.drop_table('learner_preferences')
    op.drop_table('learner_metaverse_logs')
    op.drop_table('learner_group_mapping')
    op.drop_table('learner_goals')
    op.drop_table('learner_feedback_responses')
    op.drop_table('learner_engagement')
    op.drop_table('learner_emotion_metrics')
    op.drop_table('learner_education')
    op.drop_table('learner_discussion_activity')
    op.drop_table('learner_certifications')
    op.drop_table('learner_career_pathways')
    op.drop_table('learner_audit_log')
    op.drop_table('learner_ai_features')
    op.drop_table('learner_activity_log')
    op.drop_table('course_enrollments')
    op.drop_table('learners')
    op.drop_table('content_items')
    op.drop_table('users')
    op.drop_table('text_embeddings')
    op.drop_table('skill_catalog')
    op.drop_table('learning_groups')
    op.drop_table('learner_notifications')
    op.drop_table('courses')
    op.drop_table('career_roles')
    op.drop_table('batch_runs')
