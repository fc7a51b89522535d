"""Keep the editors group's permissions in step with the models after every migrate, and an
answer's `picked` in step with its response; and the signal other apps listen to when an attempt
is finished."""

from __future__ import annotations

from django.db.models.signals import pre_save
from django.dispatch import Signal, receiver

from quizzes import kinds
from quizzes.models import Answer

EDITOR_MODELS = ("question", "revision", "quiz", "quizitem", "answerregrade")

#: Sent with `attempt=` inside the transaction that finishes an attempt (`attempts.attempt_finish`),
#: once per attempt: the review app makes cards of the questions it missed. Apps above quizzes
#: hook in here, so that quizzes imports none of them.
attempt_finished = Signal()


def grant_editor_permissions(sender, app_config=None, using="default", **kwargs) -> None:
    """After migrate: give the editors group the rights on the bank's models. Connected by
    `QuizzesConfig.ready`, after auth has connected the receiver that creates those rights."""
    if app_config is None or app_config.label != "quizzes":
        return
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.using(using).filter(name="editors").first()
    if group is None:
        return
    permissions = Permission.objects.using(using).filter(
        content_type__app_label="quizzes", content_type__model__in=EDITOR_MODELS
    )
    group.permissions.add(*permissions)
    view_only = Permission.objects.using(using).filter(
        content_type__app_label="course", codename__in=["view_section", "change_section", "view_course"]
    )
    group.permissions.add(*view_only)


@receiver(pre_save, sender=Answer)
def answer_picked(sender, instance: Answer, **kwargs) -> None:
    """Every save, a restored backup's (raw) included; bulk writes set it themselves."""
    instance.picked = kinds.picked_json(instance.response)
