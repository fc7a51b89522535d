from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "interop"
    verbose_name = _("Import and export")

    def ready(self) -> None:
        from interop import gift
        from quizzes import banks

        banks.UPLOAD_READERS[".gift"] = gift.upload_read
