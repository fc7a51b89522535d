"""An index covering the columns the progress page reads from a student's cards."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('quizzes', '0004_review_day'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='card',
            index=models.Index(
                fields=['student', 'question', 'state', 'last_review', 'due', 'stability'],
                name='card_student_progress',
            ),
        ),
    ]
