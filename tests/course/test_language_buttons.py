"""The language switcher's buttons (`{% language_buttons %}` in base.html) against the template
loop they replace."""

from __future__ import annotations

import pytest
from django.template import engines
from django.utils import translation

LOOP = """{% load i18n %}{% get_current_language as LANGUAGE_CODE %}
        {% get_available_languages as LANGUAGES %}
        {% for code, name in LANGUAGES %}
          <button type="submit" name="language" value="{{ code }}" class="link{% if code == LANGUAGE_CODE %} current{% endif %}"
                  lang="{{ code }}" {% if code == LANGUAGE_CODE %}aria-current="true"{% endif %}>{{ code|upper }}</button>
        {% endfor %}
"""  # noqa: E501 - base.html's lines
TAG = """{% load rappel %}
        {% language_buttons %}
"""


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_buttons_are_those_of_the_loop(language):
    with translation.override(language):
        expected = engines["django"].from_string(LOOP).render({})
        made = engines["django"].from_string(TAG).render({})
    assert made == expected
    assert f'value="{language}" class="link current"' in made and made.count('aria-current="true"') == 1
