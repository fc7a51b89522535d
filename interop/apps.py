from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteropConfig(AppConfig):
    name = "interop"
    verbose_name = _("Import and export")

    def ready(self) -> None:
        from interop import gift
        from quizzes import banks

        if gift.UPLOAD_FORMAT not in banks.UPLOAD_FORMATS:  # ready() may run more than once
            banks.UPLOAD_FORMATS.append(gift.UPLOAD_FORMAT)
