"""Cloze: a code block (a manifest, a kubeconfig, a Dockerfile) with blanks to fill in.

In the bank, ``text:`` holds the code and each blank is written ``[[answer]]`` or
``[[answer1|answer2]]`` (every accepted spelling). ``\\[[`` writes a literal ``[[`` (bash's
``[[ -f x ]]``) and ``\\|`` a literal ``|`` inside a blank. ``language:`` names the code
(yaml, dockerfile, bash...). Answers are compared after trimming and collapsing spaces,
case-sensitively (YAML keys and kinds are case-sensitive) unless ``ignore_case: true``.
An answer is also right when the tool reads it as an accepted one (``same_for_the_tool``): in
YAML or JSON, a value that makes the code read as the same data (``"Config"`` = ``Config``, but
``"80"`` is a string, not ``80``); in bash, a word in quotes (``'get'``); in a Dockerfile, the
instruction that starts a line, in any case (``from`` = ``FROM``).

In a Dockerfile, the paths of a ``COPY`` or ``ADD`` line are read as Docker reads them:
``./x`` is ``x`` and ``./`` is ``.`` (sources are relative to the build context, the
destination to ``WORKDIR``, with or without ``./``). A trailing ``/`` is not dropped: ``/app/``
and ``/app`` are one destination only when it is a directory, which the question must say by
listing both.

Score: blanks right / blanks.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from quizzes.kinds import (
    EMPTY_RESPONSE,
    MANY,
    NOTHING,
    TAMPERED_RESPONSE,
    InvalidResponse,
    SpecError,
    UnreadableResponse,
    Verdict,
    response_field,
    yamldoc,
)

NAME = "cloze"
LABEL = _("Fill in the blanks")
TEMPLATE = "quizzes/kinds/cloze.html"
FIELDS = frozenset({"text", "language", "ignore_case"})
LANGUAGES = ("yaml", "dockerfile", "bash", "json", "text")
MAX_BLANKS = 30
MAX_LENGTH = 200  # one blank's answer

TOO_LONG = _("This answer is too long.")

_BLANK = re.compile(r"(?<!\\)\[\[(.*?)(?<!\\)\]\]", re.DOTALL)


def field_name(number: int) -> str:
    return f"blank-{number}"


def normalise(text: str, *, ignore_case: bool) -> str:
    text = " ".join(text.split())
    return text.casefold() if ignore_case else text


_PATH_INSTRUCTIONS = frozenset({"COPY", "ADD"})


def _dockerfile_paths(text: str, *, instruction: str) -> str:
    """``text`` with ``./x`` written ``x`` in the paths of a COPY or ADD line.

    ``instruction`` is the instruction of the line the text sits on, or "" when the text starts
    the line (it then names the instruction itself). Flags (``--chown=...``) are left alone.
    """
    words = text.split(" ")
    start = 0
    if not instruction and words:
        instruction, start = words[0], 1
    if instruction.upper() not in _PATH_INSTRUCTIONS:
        return text
    out = words[:start]
    for word in words[start:]:
        while word.startswith("./") and len(word) > 2:
            word = word[2:]
        out.append("." if word == "./" else word)
    return " ".join(out)


def _blank_instructions(spec: Mapping[str, Any]) -> list[str]:
    """For a Dockerfile, the instruction of the line each blank sits on ("" when the blank
    starts its line); "" for every blank of other languages."""
    if spec["language"] != "dockerfile":
        return [""] * len(spec["blanks"])
    out: list[str] = []
    line = ""
    for part, blank in zip(spec["parts"], spec["blanks"], strict=False):
        line = (line + part).rsplit("\n", 1)[-1]
        words = line.split()
        out.append(words[0] if words else "")
        line += blank["answers"][0]
    return out


def _unescape(text: str) -> str:
    return text.replace("\\[[", "[[").replace("\\]]", "]]")


def split_text(text: str) -> tuple[list[str], list[list[str]]]:
    """The literal parts between blanks (one more than blanks) and each blank's answers.

    Raises ValueError when a blank is empty or spans lines.
    """
    parts: list[str] = []
    blanks: list[list[str]] = []
    position = 0
    for match in _BLANK.finditer(text):
        inner = match.group(1)
        if "\n" in inner:
            raise ValueError(gettext("blank %(number)s spans several lines") % {"number": len(blanks) + 1})
        answers = []
        for answer in re.split(r"(?<!\\)\|", inner):
            answer = " ".join(_unescape(answer.replace("\\|", "|")).split())
            if answer and answer not in answers:
                answers.append(answer)
        if not answers:
            raise ValueError(gettext("blank %(number)s has no accepted answer") % {"number": len(blanks) + 1})
        parts.append(_unescape(text[position : match.start()]))
        blanks.append(answers)
        position = match.end()
    parts.append(_unescape(text[position:]))
    return parts, blanks


def build_spec(raw: Mapping[str, Any], *, uid: str) -> dict:
    problems: list[tuple[str, str]] = []
    text = raw.get("text")
    parts: list[str] = []
    blanks: list[list[str]] = []
    if not isinstance(text, str) or not text.strip():
        problems.append(
            ("text", gettext("text must be the code, with blanks written [[answer|other answer]]"))
        )
    else:
        text = text.strip("\n")
        try:
            parts, blanks = split_text(text)
        except ValueError as error:
            problems.append(("text", str(error)))
        else:
            if not blanks:
                problems.append(("text", gettext("text has no blank: write one as [[answer]]")))
            elif len(blanks) > MAX_BLANKS:
                problems.append(("text", gettext("at most %(count)s blanks") % {"count": MAX_BLANKS}))
            if any(len(a) > MAX_LENGTH for answers in blanks for a in answers):
                problems.append(
                    (
                        "text",
                        gettext("an accepted answer is longer than %(count)s characters")
                        % {"count": MAX_LENGTH},
                    )
                )
    language = raw.get("language")
    if language not in LANGUAGES:
        problems.append(
            ("language", gettext("language must be one of: %(values)s") % {"values": ", ".join(LANGUAGES)})
        )
    ignore_case = raw.get("ignore_case", False)
    if not isinstance(ignore_case, bool):
        problems.append(("ignore_case", gettext("ignore_case must be true or false")))
    if problems:
        raise SpecError(problems)
    return {
        "text": text,
        "language": language,
        "ignore_case": ignore_case,
        "parts": parts,
        "blanks": [{"answers": answers} for answers in blanks],
    }


def to_raw(spec: Mapping[str, Any]) -> dict:
    raw: dict[str, Any] = {"language": spec["language"], "text": spec["text"]}
    if spec["ignore_case"]:
        raw["ignore_case"] = True
    return raw


def parse_response(spec: Mapping[str, Any], form: Mapping[str, Sequence[str]]) -> dict:
    given: list[str] = []
    for number in range(1, len(spec["blanks"]) + 1):
        values = form.get(field_name(number)) or []
        if len(values) > 1:
            raise InvalidResponse(TAMPERED_RESPONSE)
        value = " ".join((values[0] if values else "").split())
        if len(value) > MAX_LENGTH:
            raise InvalidResponse(TOO_LONG)
        given.append(value)
    if not any(given):
        raise InvalidResponse(EMPTY_RESPONSE)
    return {"blanks": given}


def _key(text: str, *, instruction: str, ignore_case: bool) -> str:
    """What two answers of one blank are compared by."""
    text = _dockerfile_paths(" ".join(text.split()), instruction=instruction)
    return normalise(text, ignore_case=ignore_case)


def _marks(spec: Mapping[str, Any], response: Mapping[str, Any]) -> list[bool]:
    given = response.get("blanks")
    if not isinstance(given, list):
        given = []
    out = []
    for index, (blank, instruction) in enumerate(zip(spec["blanks"], _blank_instructions(spec), strict=True)):
        value = given[index] if index < len(given) and isinstance(given[index], str) else ""
        options = {"instruction": instruction, "ignore_case": spec["ignore_case"]}
        wanted = {_key(answer, **options) for answer in blank["answers"]}
        right = _key(value, **options) in wanted
        out.append(bool(value) and (right or same_for_the_tool(spec, index, value)))
    return out


# --- what the tool reads the same -----------------------------------------------------------------

# Dockerfile instructions: the builder reads them in any case (``from`` = ``FROM``).
DOCKERFILE_INSTRUCTIONS = frozenset(
    {
        "ADD",
        "ARG",
        "CMD",
        "COPY",
        "ENTRYPOINT",
        "ENV",
        "EXPOSE",
        "FROM",
        "HEALTHCHECK",
        "LABEL",
        "MAINTAINER",
        "ONBUILD",
        "RUN",
        "SHELL",
        "STOPSIGNAL",
        "USER",
        "VOLUME",
        "WORKDIR",
    }  # fmt: skip
)


def is_instruction(spec: Mapping[str, Any], index: int) -> bool:
    """Whether blank ``index`` of a Dockerfile is the instruction that starts its line."""
    before = spec["parts"][index]
    return (
        spec["language"] == "dockerfile"
        and (before == "" and index == 0 or before.endswith("\n"))
        and all(answer.upper() in DOCKERFILE_INSTRUCTIONS for answer in spec["blanks"][index]["answers"])
    )


def first_answers(spec: Mapping[str, Any]) -> list[str]:
    """The first accepted answer of each blank, in order."""
    return [blank["answers"][0] for blank in spec["blanks"]]


def filled(spec: Mapping[str, Any], values: Sequence[str] | None = None) -> str:
    """The code with its blanks filled with ``values``, by default with their first answers."""
    if values is None:
        values = first_answers(spec)
    pieces = [spec["parts"][0]]
    for value, part in zip(values, spec["parts"][1:], strict=True):
        pieces += [value, part]
    return "".join(pieces)


def _read(language: str, text: str) -> tuple[bool, Any]:
    if language == "json":
        try:
            return True, json.loads(text)
        except ValueError:
            return False, None
    documents, refusal = yamldoc.load_documents(text)
    return refusal is None, [document.data for document in documents]


def same_for_the_tool(spec: Mapping[str, Any], index: int, value: str) -> bool:
    """Whether the tool reads ``value`` in blank ``index`` as one of its answers, the other blanks
    holding their first answer: a YAML or JSON text that reads as the same data (``"Config"`` =
    ``Config``, but ``"80"`` is not ``80``); a shell word quoted (``'get'`` = ``get``); a
    Dockerfile instruction in any case."""
    answers = spec["blanks"][index]["answers"]
    language = spec["language"]
    if is_instruction(spec, index):
        return value.strip().upper() in {answer.upper() for answer in answers}
    if language == "bash":
        try:
            words = shlex.split(value)
        except ValueError:
            return False
        return any(words == shlex.split(answer) for answer in answers)
    if language not in ("yaml", "json") or "&" in value or "*" in value:
        return False
    values = first_answers(spec)
    values[index] = value
    ok, given = _read(language, filled(spec, values))
    if not ok:
        return False
    for answer in answers:
        values[index] = answer
        ok, expected = _read(language, filled(spec, values))
        if ok and yamldoc.same_value(given, expected):
            return True
    return False


def grade(*, spec: Mapping[str, Any], response: Mapping[str, Any]) -> Verdict:
    marks = _marks(spec, response)
    right = sum(marks)
    return Verdict(correct=right == len(marks), score=right / len(marks))


def _width(answers: Sequence[str]) -> int:
    return min(40, max(4, max(len(a) for a in answers) + 2))


def present(spec: Mapping[str, Any], *, seed: int | str) -> dict:
    segments: list[dict] = []
    for number, (part, blank) in enumerate(zip(spec["parts"], spec["blanks"], strict=False), start=1):
        segments.append({"text": part})
        segments.append({"blank": number, "name": field_name(number), "size": _width(blank["answers"])})
    segments.append({"text": spec["parts"][-1]})
    return {"language": spec["language"], "segments": segments, "max_length": MAX_LENGTH}


def reveal(spec: Mapping[str, Any], response: Mapping[str, Any]) -> dict:
    given = response.get("blanks") if isinstance(response.get("blanks"), list) else []
    marks = _marks(spec, response)
    segments: list[dict] = []
    for index, (part, blank) in enumerate(zip(spec["parts"], spec["blanks"], strict=False)):
        segments.append({"text": part})
        segments.append(
            {
                "blank": index + 1,
                "given": given[index] if index < len(given) and isinstance(given[index], str) else "",
                "ok": marks[index],
                "answers": blank["answers"],
            }
        )
    segments.append({"text": spec["parts"][-1]})
    return {"language": spec["language"], "segments": segments, "right": sum(marks), "total": len(marks)}


def _given_blanks(spec: Mapping[str, Any], response: Any) -> list[str]:
    given = response_field(response, "blanks", list)
    if len(given) != len(spec["blanks"]) or not all(isinstance(value, str) for value in given):
        raise UnreadableResponse("blanks")
    return given


def response_view(spec: Mapping[str, Any], response: Any) -> dict:
    """The code with the student's blanks filled in, each marked right or not
    (``{"language", "segments": [{"text"} | {"blank", "given", "ok"}]}``)."""
    given = _given_blanks(spec, response)
    segments: list[dict] = []
    for index, (part, ok) in enumerate(zip(spec["parts"], _marks(spec, response), strict=False)):
        segments.append({"text": part})
        segments.append({"blank": index + 1, "given": given[index], "ok": ok})
    segments.append({"text": spec["parts"][-1]})
    return {"language": spec["language"], "segments": segments}


def response_text(spec: Mapping[str, Any], response: Any) -> str:
    return MANY.join(value or NOTHING for value in _given_blanks(spec, response))
