from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from quizzes.lint import lint_paths


class Command(BaseCommand):
    help = (
        "Check the question banks against the bank rules (quizzes/lint.py). With no path: every "
        "bank, and every section of the outline held to its minimum. Prints file:line: problem."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, help="bank files or folders")

    def handle(self, *args, paths, **options):
        report = lint_paths(paths or None)
        for problem in report.problems:
            self.stdout.write(str(problem))
        if report.problems:
            raise CommandError(f"{len(report.problems)} problem(s) in the banks.")
        self.stdout.write(
            f"Banks clean: {report.questions} questions in {report.files} file(s), "
            f"{report.sections} sections at their minimum."
        )
