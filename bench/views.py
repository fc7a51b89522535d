"""The baseline the key pages are compared with: a signed-in request that reads one indexed row
and writes one row, through the same middleware (session, user, CSRF, locale, CSP)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from review.models import ReviewSettings


@require_http_methods(["GET", "POST"])
@login_required
def baseline(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        # One row through the unique index on student_id ...
        row = ReviewSettings.objects.filter(student=request.user).values_list("pk", "new_per_day").first()
        if row is None:
            raise Http404("No review settings for this user.")
        # ... and one row written (a real UPDATE, value unchanged).
        ReviewSettings.objects.filter(pk=row[0]).update(new_per_day=F("new_per_day"))
    return HttpResponse(f"ok {row[1]}\n", content_type="text/plain")
