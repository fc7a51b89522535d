"""Remember at login whether the user is a trainer, so every page's menu can show the trainer
link without a query. Permissions are still checked on each trainer page (classes.access)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from classes import access


@receiver(user_logged_in)
def remember_role(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session["is_trainer"] = access.is_trainer(user)
