"""An index covering the scores item analysis reads."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('quizzes', '0005_card_progress_index'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='answer',
            index=models.Index(fields=['attempt', 'question', 'score'], name='answer_attempt_scores'),
        ),
    ]
