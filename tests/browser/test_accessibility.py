"""axe-core on every main page, in the light and the dark theme: no serious or critical violation.
Then the two user preferences the CSS follows: a dark colour scheme and reduced motion."""

from __future__ import annotations

import pytest

from tests.browser.helpers import PUBLIC_PAGES, shoot, student_pages, trainer_pages, turn_card

SERIOUS = {"serious", "critical"}

# Only the rules' verdicts cross back from the page: id, impact, what to fix, and where.
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    where: v.nodes.slice(0, 4).map(node => `${node.target.join(" ")}: ${(node.failureSummary || "").trim()}`),
  }));
}"""


def serious_violations(page) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {'; '.join(v['where'])}"
        for v in page.evaluate(RUN_AXE)
        if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violation_on_the_main_pages(
    scheme, new_context, log_in, live_server, school, axe_source
):
    found: dict[str, list[str]] = {}

    def browse_as(user=None):
        context = new_context(color_scheme=scheme)
        # Playwright's init scripts run in every new document, outside the page's CSP: the app
        # keeps its strict policy (no bypass_csp), and axe is sent to the browser once.
        context.add_init_script(script=axe_source)
        if user is not None:
            log_in(context, user)
        return context.new_page()

    def visit(page, pages: dict[str, str]) -> None:
        for name, path in pages.items():
            assert page.goto(live_server.url + path).ok, name
            found[name] = serious_violations(page)

    visit(browse_as(), PUBLIC_PAGES)
    page = browse_as(school.student)
    visit(page, student_pages(school))
    page.goto(live_server.url + student_pages(school)["review"])
    turn_card(page)  # the back of a card: verdict or answer, and the rating buttons (an htmx swap)
    found["review, card turned"] = serious_violations(page)
    visit(browse_as(school.trainer), trainer_pages(school))

    assert len(found) == len(PUBLIC_PAGES) + len(student_pages(school)) + 1 + len(trainer_pages(school))
    problems = [f"{name}: {violation}" for name, violations in found.items() for violation in violations]
    assert not problems, f"{len(problems)} serious or critical violations ({scheme}):\n" + "\n".join(problems)


THEME = """() => ({
  background: getComputedStyle(document.body).backgroundColor,
  text: getComputedStyle(document.body).color,
  card: getComputedStyle(document.querySelector(".card")).backgroundColor,
})"""

LUMINANCE = """([color]) => {
  const [r, g, b] = color.match(/[\\d.]+/g).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}"""


def test_the_theme_follows_the_dark_colour_scheme_preference(new_context, log_in, live_server, school):
    context = new_context(color_scheme="light")
    log_in(context, school.student)
    page = context.new_page()
    page.goto(live_server.url + student_pages(school)["feedback (wrong, single choice)"])
    light = page.evaluate(THEME)
    page.emulate_media(color_scheme="dark")
    dark = page.evaluate(THEME)
    assert light["background"] != dark["background"] and light["card"] != dark["card"]
    assert page.evaluate(LUMINANCE, [dark["background"]]) < 0.2  # a dark background...
    assert page.evaluate(LUMINANCE, [light["background"]]) > 0.8  # ...where the light theme's is light
    assert page.evaluate(LUMINANCE, [dark["text"]]) > 0.8  # light text on the dark background
    shoot(page, "dark-feedback.png", full_page=True)


# Every element of the pages where things move: buttons, choices, cards, rating buttons.
MOTION = """() => [...document.querySelectorAll("body *")].flatMap(element => {
  const style = getComputedStyle(element);
  const toSeconds = value => parseFloat(value) * (value.trim().endsWith("ms") ? 0.001 : 1);
  const longest = list => Math.max(...list.split(",").map(toSeconds));
  const seconds = Math.max(longest(style.transitionDuration), longest(style.animationDuration));
  return seconds > 0.01 ? [`${element.tagName.toLowerCase()}.${element.className} ${seconds}s`] : [];
})"""


def test_reduced_motion_stops_transitions_and_animations(new_context, log_in, live_server, school):
    names = ("question (matching)", "feedback (wrong, single choice)", "review")
    pages = [student_pages(school)[name] for name in names]
    moving = {}
    for preference in ("no-preference", "reduce"):
        context = new_context(reduced_motion=preference)
        log_in(context, school.student)
        page = context.new_page()
        moving[preference] = []
        for path in pages:
            page.goto(live_server.url + path)
            moving[preference] += page.evaluate(MOTION)
        page.goto(live_server.url + student_pages(school)["review"])
        turn_card(page)
        moving[preference] += page.evaluate(MOTION)
    assert moving["no-preference"], "nothing moves at all: this test would prove nothing"
    assert moving["reduce"] == []
