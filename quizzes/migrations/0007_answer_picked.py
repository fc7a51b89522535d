"""Answers keep the choices they picked (`kinds.picked_json` of the response), filled here for
the answers already stored, and the index item analysis reads covers them: the picks are counted
without reading the responses. The index covers `correct` too, for the heatmap: filling the column
rewrites most rows, and PostgreSQL then read the whole table rather than the rows of a class."""

from django.db import migrations, models

BATCH = 2000


def fill_picked(apps, schema_editor):
    """One UPDATE per distinct pick (a few per choice question), not one per answer."""
    from quizzes.kinds import picked_json

    Answer = apps.get_model("quizzes", "Answer")
    ids_by_pick: dict[str, list[int]] = {}
    for pk, response in Answer.objects.order_by("pk").values_list("pk", "response").iterator(chunk_size=BATCH):
        picked = picked_json(response)
        if picked is not None:
            ids_by_pick.setdefault(picked, []).append(pk)
    for picked, ids in ids_by_pick.items():
        for start in range(0, len(ids), BATCH):
            Answer.objects.filter(pk__in=ids[start : start + BATCH]).update(picked=picked)


class Migration(migrations.Migration):

    dependencies = [
        ('quizzes', '0006_answer_scores_index'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='answer',
            name='answer_attempt_scores',
        ),
        migrations.AddField(
            model_name='answer',
            name='picked',
            field=models.TextField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill_picked, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name='answer',
            index=models.Index(fields=['attempt', 'question', 'score', 'picked', 'correct'], name='answer_attempt_covering'),
        ),
    ]
