"""Train FSRS parameters from the review log: per student, per class, the course default.

Here rather than in `review` because the per-class sets need the classes, and `review` may not
read `classes` (the layers); `review.optimizer` does the work, given each class's students.
Run nightly by deploy/k8s/cronjob-optimize.yaml.
"""

from __future__ import annotations

import json
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from classes.models import Enrolment
from review import optimizer


def class_members() -> dict[int, set[int]]:
    """Each class's students: {cohort id: {student id, ...}}."""
    out: dict[int, set[int]] = {}
    for cohort_id, student_id in Enrolment.objects.values_list("cohort_id", "student_id").iterator():
        out.setdefault(cohort_id, set()).add(student_id)
    return out


class Command(BaseCommand):
    help = (
        "Train FSRS parameters (fsrs-rs-python) from the review log: a set per student with enough "
        "reviews, per class, and the course default; each student gets the most specific set that "
        "predicts their held-out reviews better than the defaults."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--min-personal",
            type=int,
            default=optimizer.MIN_PERSONAL_REVIEWS,
            help="reviews a student needs for parameters of their own (default %(default)s)",
        )
        parser.add_argument(
            "--min-group",
            type=int,
            default=optimizer.MIN_GROUP_REVIEWS,
            help="reviews a class (or the course) needs between its students (default %(default)s)",
        )
        parser.add_argument(
            "--held-out",
            type=float,
            default=optimizer.HELD_OUT_SHARE,
            help="share of each student's latest reviews held out to judge the sets (default %(default)s)",
        )
        parser.add_argument("--no-classes", action="store_true", help="no per-class sets")

    def handle(self, *args, min_personal, min_group, held_out, no_classes, **options):
        if min_personal < 1 or min_group < 1:
            raise CommandError("--min-personal and --min-group must be at least 1.")
        if not 0 < held_out < 1:
            raise CommandError("--held-out must be between 0 and 1, e.g. 0.2.")
        started = time.perf_counter()
        report = optimizer.optimize(
            groups=None if no_classes else class_members(),
            min_personal=min_personal,
            min_group=min_group,
            share=held_out,
            progress=lambda message: self.stderr.write(message),
        )
        summary = {
            "seconds": round(time.perf_counter() - started, 1),
            "sets": dict(Counter(s.scope for s in report.sets)),
            "students_scheduled_by": report.chosen,
            "engine": optimizer.ENGINE,
        }
        self.stdout.write(json.dumps(summary))
