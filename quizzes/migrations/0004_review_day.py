"""The daily review rollup, filled from the existing review log."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_from_log(apps, schema_editor):
    from quizzes.review import review_days_rebuild

    models = tuple(apps.get_model("quizzes", name) for name in ("Review", "ReviewDay", "ReviewSettings"))
    review_days_rebuild(models=models)


class Migration(migrations.Migration):

    dependencies = [
        ('quizzes', '0003_question_kinds'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ReviewDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('reviews', models.PositiveIntegerField(default=0)),
                ('new_cards', models.PositiveIntegerField(default=0, help_text='cards studied for the first time')),
                ('recall_reviews', models.PositiveIntegerField(default=0, help_text='reviews of cards in review state')),
                ('recall_passed', models.PositiveIntegerField(default=0, help_text='of those, not rated Again')),
                ('duration_ms', models.PositiveBigIntegerField(default=0)),
                ('student', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='review_days', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'review day',
                'verbose_name_plural': 'review days',
                'constraints': [models.UniqueConstraint(fields=('student', 'day'), name='review_day_once')],
            },
        ),
        migrations.RunPython(fill_from_log, migrations.RunPython.noop),
    ]
