"""The editor's question form: fields fitted to the question's kind.

Choices are rows with a "correct" box, matching pairs are rows of two, ordering items are rows
in order, accepted answers are one per line; YAML checks and command mistakes are small YAML
blocks. The form turns them into the kind's bank fields and validates them with the kind's own
`build_spec`, so an editor gets the same messages as a bank file (two right answers to a single
choice question, a pair without a partner, a YAML check with a bad path).
"""

from __future__ import annotations

from typing import Any

import yaml
from django import forms
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from course import yamlio
from course.markdown import MarkdownRefused
from course.markdown import refusal as markdown_refusal
from course.yamlerrors import yaml_error_message
from quizzes import kinds
from quizzes.models import Question

EXTRA_ROWS = 2
MAX_ROWS = 12


class PreviewTextarea(forms.Textarea):
    """A Markdown textarea with a live preview beside it (htmx posts the text as you type)."""

    def __init__(self, *, preview_url: str, csrf_token: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.preview_url, self.csrf_token = preview_url, csrf_token

    template_name = "quizzes/widgets/preview_textarea.html"

    def get_context(self, name, value, attrs):
        attrs = {
            **(attrs or {}),
            "hx-post": self.preview_url,
            "hx-trigger": "input changed delay:300ms, load",
            "hx-target": f"#preview-{name}",
            "hx-headers": f'{{"X-CSRFToken": "{self.csrf_token}"}}',
            "hx-vals": f'{{"preview_field": "{name}"}}',  # htmx posts the whole form: say which text
            "class": "md-source",
        }
        return super().get_context(name, value, attrs)


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


class _Rows:
    """A group of rows (choices, pairs, items) spread over numbered fields."""

    def __init__(self, name: str, label, columns: list[tuple[str, forms.Field]]) -> None:
        self.name, self.label, self.columns = name, label, columns

    def field_name(self, row: int, column: str) -> str:
        return f"{self.name}-{row}-{column}"

    def add_fields(self, form: forms.Form, initial: list[dict]) -> list[tuple[str, ...]]:
        count = min(MAX_ROWS, len(initial) + EXTRA_ROWS)
        rows = []
        for row in range(1, count + 1):
            names = []
            for column, template in self.columns:
                field = template.__class__(**_field_kwargs(template))
                field.label = f"{template.label} {row}" if column == self.columns[0][0] else template.label
                name = self.field_name(row, column)
                form.fields[name] = field
                if row <= len(initial):
                    form.initial[name] = initial[row - 1].get(column)
                names.append(name)
            rows.append(tuple(names))
        return rows

    def collect(self, data: dict, count: int) -> list[dict]:
        out = []
        for row in range(1, count + 1):
            values = {column: data.get(self.field_name(row, column)) for column, _f in self.columns}
            first = values[self.columns[0][0]]
            if first not in (None, ""):
                out.append(values)
        return out


def _field_kwargs(template: forms.Field) -> dict:
    kwargs = {
        "required": False,
        "label": template.label,
        "widget": template.widget.__class__(attrs=template.widget.attrs),
    }
    if isinstance(template, forms.CharField):
        kwargs["max_length"] = template.max_length
    return kwargs


CHOICE_ROWS = _Rows(
    "choices",
    _("Choices"),
    [
        (
            "text",
            forms.CharField(label=_("Choice"), max_length=500, widget=forms.TextInput(attrs={"size": 50})),
        ),
        ("correct", forms.BooleanField(label=_("correct"))),
        (
            "feedback",
            forms.CharField(
                label=_("feedback if picked"), max_length=500, widget=forms.TextInput(attrs={"size": 40})
            ),
        ),
    ],
)
PAIR_ROWS = _Rows(
    "pairs",
    _("Pairs"),
    [
        ("left", forms.CharField(label=_("Item"), max_length=300)),
        ("right", forms.CharField(label=_("partner"), max_length=300)),
    ],
)
ITEM_ROWS = _Rows(
    "items",
    _("Items, in the right order"),
    [
        (
            "text",
            forms.CharField(label=_("Item"), max_length=300, widget=forms.TextInput(attrs={"size": 60})),
        ),
    ],
)

ROWS = {"single": CHOICE_ROWS, "multiple": CHOICE_ROWS, "matching": PAIR_ROWS, "ordering": ITEM_ROWS}
LINES = {  # kind -> bank fields edited one entry per line
    "short": ["answers"],
    "matching": ["distractors"],
    "command": ["answers", "any_value"],
}
YAML_BLOCKS = {"yaml": ["checks", "free"], "command": ["mistakes"]}
TEXTS = {"yaml": ["starter", "solution"], "cloze": ["text"], "flashcard": ["answer"]}
OPTIONAL_TEXTS = frozenset({"starter", "solution"})
FIELD_LABELS = {
    "answers": _("Accepted answers (one per line)"),
    "distractors": _("Extra partners that match nothing (one per line)"),
    "any_value": _("Flags whose value is free (one per line)"),
    "checks": _("Checks (YAML list)"),
    "mistakes": _("Known mistakes and their feedback (YAML list)"),
    "starter": _("Starting text in the editor"),
    "solution": _("Model answer (the bank linter tests the checks against it)"),
    "free": _("Values the prompt leaves free (YAML list of path, doc, reason)"),
    "text": _("Code with [[blanks|variants]]"),
    "answer": _("Back of the card (Markdown)"),
}


class QuestionForm(forms.ModelForm):
    """Built for one kind (`kind`); `spec` holds the validated spec after `is_valid()`."""

    prompt = forms.CharField(label=_("Prompt (Markdown)"))
    explanation = forms.CharField(label=_("Explanation (Markdown)"))
    tag_list = forms.CharField(label=_("Tags (comma separated)"), required=False)

    class Meta:
        model = Question
        fields = ["uid", "section", "kind", "difficulty", "active", "erratum"]

    kind_name = "single"
    request = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kind_module = kinds.get(self.kind_name)
        preview_url = reverse("admin:quizzes_question_markdown_preview")
        token = get_token(self.request) if self.request else ""
        for name in ("prompt", "explanation"):
            self.fields[name].widget = PreviewTextarea(
                preview_url=preview_url, csrf_token=token, attrs={"rows": 6}
            )
        if "kind" in self.fields:
            self.fields["kind"].initial = self.kind_name
            self.fields["kind"].widget = forms.HiddenInput()
        raw: dict[str, Any] = {}
        revision = self.instance.current_revision if self.instance.pk else None
        if revision is not None:
            raw = self.kind_module.to_raw(revision.spec)
            self.initial.setdefault("prompt", revision.prompt)
            self.initial.setdefault("explanation", revision.explanation)
        if self.instance.pk:
            self.initial.setdefault("tag_list", ", ".join(self.instance.tags))
        self.kind_fieldsets: list[tuple[str, dict]] = []
        kind = self.kind_name
        if kind in ROWS:
            rows = ROWS[kind]
            initial = raw.get(rows.name, [])
            if kind == "ordering":
                initial = [{"text": text} for text in initial]
            self.row_count = min(MAX_ROWS, len(initial) + EXTRA_ROWS)
            self.kind_fieldsets.append(
                (str(rows.label), {"fields": rows.add_fields(self, initial), "classes": ["kind-rows"]})
            )
        extra = []
        if kind == "truefalse":
            self.fields["tf_answer"] = forms.TypedChoiceField(
                label=_("The statement is"),
                choices=[("true", _("True")), ("false", _("False"))],
                coerce=lambda v: v == "true",
                widget=forms.RadioSelect,
            )
            self.initial["tf_answer"] = "true" if raw.get("answer", True) else "false"
            extra.append("tf_answer")
        for name in LINES.get(kind, []):
            self.fields[f"lines_{name}"] = forms.CharField(
                label=FIELD_LABELS[name],
                required=name == "answers",
                widget=forms.Textarea(attrs={"rows": 4, "class": "mono"}),
            )
            self.initial[f"lines_{name}"] = "\n".join(raw.get(name, []))
            extra.append(f"lines_{name}")
        for name in YAML_BLOCKS.get(kind, []):
            self.fields[f"yaml_{name}"] = forms.CharField(
                label=FIELD_LABELS[name],
                required=False,
                widget=forms.Textarea(attrs={"rows": 10, "class": "mono"}),
            )
            value = raw.get(name)
            self.initial[f"yaml_{name}"] = (
                yaml.safe_dump(value, allow_unicode=True, sort_keys=False) if value else ""
            )
            extra.append(f"yaml_{name}")
        for name in TEXTS.get(kind, []):
            self.fields[f"text_{name}"] = forms.CharField(
                label=FIELD_LABELS[name],
                required=name not in OPTIONAL_TEXTS,
                widget=forms.Textarea(attrs={"rows": 8, "class": "mono"}),
            )
            self.initial[f"text_{name}"] = raw.get(name, "")
            extra.append(f"text_{name}")
        if kind == "yaml":
            self.fields["kubernetes"] = forms.BooleanField(
                label=_("Validate against the Kubernetes schema"), required=False
            )
            self.initial["kubernetes"] = bool(raw.get("kubernetes"))
            extra.append("kubernetes")
        if kind == "cloze":
            self.fields["language"] = forms.CharField(
                label=_("Language (yaml, dockerfile, bash…)"), required=False
            )
            self.fields["ignore_case"] = forms.BooleanField(label=_("Ignore case"), required=False)
            self.initial["language"] = raw.get("language", "yaml")
            self.initial["ignore_case"] = bool(raw.get("ignore_case"))
            extra += ["language", "ignore_case"]
        if extra:
            self.kind_fieldsets.append((str(kinds.get(kind).LABEL), {"fields": extra}))

    def _clean_markdown(self, name: str) -> str:
        text = self.cleaned_data.get(name) or ""
        refused = markdown_refusal(text)
        if refused:
            raise forms.ValidationError(refused)
        return text

    def clean_prompt(self) -> str:
        return self._clean_markdown("prompt")

    def clean_explanation(self) -> str:
        return self._clean_markdown("explanation")

    def clean_tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data.get("tag_list", "").split(",") if tag.strip()]

    def _raw(self) -> dict[str, Any]:
        data, kind, raw = self.cleaned_data, self.kind_name, {}
        if kind in ROWS:
            rows = ROWS[kind].collect(data, self.row_count)
            if kind in {"single", "multiple"}:
                raw["choices"] = [
                    {k: v for k, v in row.items() if v not in (None, "", False)} for row in rows
                ]
            elif kind == "matching":
                raw["pairs"] = rows
            else:
                raw["items"] = [row["text"] for row in rows]
        if kind == "truefalse":
            raw["answer"] = data.get("tf_answer")
        for name in LINES.get(kind, []):
            values = _lines(data.get(f"lines_{name}", ""))
            if values:
                raw[name] = values
        for name in YAML_BLOCKS.get(kind, []):
            text = data.get(f"yaml_{name}") or ""
            if text.strip():
                try:
                    raw[name] = yamlio.safe_load(text)
                except yamlio.YamlLimitError as error:
                    self.add_error(f"yaml_{name}", error.message)
                except yaml.YAMLError as error:
                    self.add_error(f"yaml_{name}", yaml_error_message(error))
        for name in TEXTS.get(kind, []):
            if data.get(f"text_{name}"):
                raw[name] = data[f"text_{name}"]
        if kind == "yaml" and data.get("kubernetes"):
            raw["kubernetes"] = True
        if kind == "cloze":
            raw["language"] = data.get("language") or "yaml"
            if data.get("ignore_case"):
                raw["ignore_case"] = True
        return raw

    def clean(self):
        data = super().clean()
        uid = data.get("uid") or self.instance.uid or "new"
        raw = self._raw()
        if self.errors:
            return data
        try:
            self.spec = self.kind_module.build_spec(raw, uid=uid)
        except MarkdownRefused as error:
            self.add_error(None, error.message)
        except kinds.SpecError as error:
            for key, message in error.problems:
                label = FIELD_LABELS.get(key) or {
                    "choices": _("Choices"),
                    "pairs": _("Pairs"),
                    "items": _("Items"),
                }.get(key, key)
                self.add_error(None, f"{label} : {message}")
        return data
