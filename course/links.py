"""Links for pages that list many objects: one `reverse()` for all of them."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

_SLUG = "slug-placeholder"


def slug_url(viewname: str) -> Callable[[str], str]:
    """`lambda slug: reverse(viewname, kwargs={"slug": slug})` at the cost of one reverse() for
    any number of slugs: a slug needs no quoting, so it takes the place of a placeholder as is."""
    before, _placeholder, after = reverse(viewname, kwargs={"slug": _SLUG}).rpartition(_SLUG)
    return lambda slug: f"{before}{slug}{after}"
