"""The GIFT converter: every construct of our own GIFT file, each malformed case at its line,
round trips Rappel -> GIFT -> Rappel (hand-made and real bank questions), and the commands."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from course.yamlio import Problem
from interop import gift
from interop.gift import SUPPORTED_KINDS, gift_dump, gift_escape, gift_parse, gift_read, html_to_markdown
from quizzes import kinds
from quizzes.banks import bank_read
from quizzes.models import Question

FIXTURES = Path(__file__).parent / "fixtures" / "gift"
FULL = FIXTURES / "full.gift"
MALFORMED = FIXTURES / "malformed.gift"
BANKS = Path(__file__).resolve().parents[2] / "fixtures" / "banks"


def msg(message, **params) -> str:
    return str(message) % params


def read_full() -> dict[str, dict]:
    questions, problems = gift_parse(FULL.read_text(encoding="utf-8"), path="full.gift")
    assert problems == []
    return {q["uid"]: q for q in questions}


def canonical(raw: dict, *, section: str | None = None) -> dict:
    """A bank question as Rappel stores it: defaults filled in, kind fields normalised."""
    module = kinds.get(raw["kind"])
    out = {
        "uid": raw["uid"],
        "kind": raw["kind"],
        "prompt": str(raw["prompt"]).strip(),
        "explanation": str(raw["explanation"]).strip(),
        "difficulty": raw.get("difficulty", 2),
        "tags": list(raw.get("tags", [])),
        **module.to_raw(module.build_spec(raw, uid=raw["uid"])),
    }
    if section or raw.get("section"):
        out["section"] = section or raw["section"]
    if raw.get("erratum"):
        out["erratum"] = dict(raw["erratum"])
    return out


def round_trip(raws: list[dict]) -> tuple[list[dict], list[Problem], list[tuple[str, str]]]:
    text, skipped = gift_dump(raws)
    questions, problems = gift_parse(text, path="export.gift")
    return questions, problems, skipped


# --- our own GIFT file: every construct -------------------------------------------------------


def test_full_file_reads_every_question_with_notes_for_what_was_adapted():
    read = gift_read(FULL.read_text(encoding="utf-8"), path="full.gift")
    assert read.problems == []
    assert len(read.questions) == 22
    assert read.notes == [
        Problem("full.gift", 93, msg(gift.TOLERANCE_DROPPED, value="64", tolerance="1")),
        Problem("full.gift", 104, msg(gift.HTML_CONVERTED)),
    ]
    assert read.lines[:3] == [10, 19, 27]


def test_ids_tags_and_rappel_comment_give_uid_tags_difficulty_and_erratum():
    question = read_full()["gift-configmap-single"]
    assert question == {
        "uid": "gift-configmap-single",
        "kind": "single",
        "section": "resources",
        "difficulty": 1,
        "tags": ["shortname", "configmap"],
        "prompt": "Quelle ressource désigne `kubectl get cm` ?",
        "explanation": "`cm` est le nom court de la ressource `configmaps`.",
        "erratum": {
            "claim": "Le cours donne crd pour ConfigMap.",
            "fact": "Le nom court de ConfigMap est cm.",
            "source": "kubectl api-resources",
        },
        "choices": [
            {
                "text": "ConfigMap",
                "correct": True,
                "feedback": "Oui : `cm` est le nom court de `configmaps`.",
            },
            {"text": "CronJob", "feedback": "Le nom court de CronJob est `cj`."},
            {"text": "CustomResourceDefinition", "feedback": "Son nom court est `crd`."},
        ],
    }


def test_uid_without_id_is_the_section_and_the_title_or_the_first_words():
    uids = set(read_full())
    assert "resources-ressources-avec-un-nom-court" in uids
    assert "images-layers-instructions-dockerfile" in uids
    assert "images-layers-quelle-commande-affiche-l-historique-des-couches-d-une-image" in uids


def test_categories_set_the_section_of_the_questions_that_follow():
    questions = read_full()
    assert questions["resources-tabulations-yaml"]["section"] == "resources"
    # `$course$/top/Default for Docker/images-layers`: the last part of the path
    assert questions["images-layers-port-https"]["section"] == "images-layers"


def test_weights_make_a_multiple_choice_with_the_positive_weights_right():
    questions = read_full()
    assert questions["resources-ressources-avec-un-nom-court"]["kind"] == "multiple"
    assert questions["resources-ressources-avec-un-nom-court"]["choices"] == [
        {"text": "Deployment", "correct": True, "feedback": "`deploy`"},
        {"text": "Service", "correct": True, "feedback": "`svc`"},
        {"text": "Secret", "feedback": "Secret n'a aucun nom court."},
    ]
    three = questions["resources-objets-namespaced"]
    assert [c.get("correct", False) for c in three["choices"]] == [True, True, True, False]


@pytest.mark.parametrize(
    ("uid", "answer"),
    [
        ("resources-tabulations-yaml", False),  # {F}
        ("resources-pod-dans-un-namespace", True),  # {TRUE} over two lines
        ("resources-chemin-kubeconfig", True),  # {T}
        ("resources-secret-chiffre", False),  # {FALSE}
    ],
)
def test_true_false_in_its_four_spellings(uid, answer):
    question = read_full()[uid]
    assert question["kind"] == "truefalse"
    assert question["answer"] is answer


def test_short_answer_keeps_every_accepted_spelling():
    question = read_full()["resources-lister-les-services"]
    assert question["kind"] == "short"
    assert question["answers"] == ["svc", "services", "service"]


def test_escaped_characters_are_read_as_themselves():
    questions = read_full()
    assert questions["resources-dry-run"]["answers"] == ["--dry-run=client"]
    assert questions["resources-dry-run"]["explanation"].startswith("`--dry-run=client` construit")
    jsonpath = questions["resources-jsonpath"]
    assert jsonpath["prompt"] == "Que renvoie `kubectl get pod web -o jsonpath='{.spec.nodeName}'` ?"
    assert jsonpath["explanation"] == "Le modèle jsonpath `{.spec.nodeName}` extrait ce seul champ."
    assert questions["resources-commentaire-yaml"]["answers"] == ["#"]
    assert questions["resources-chemin-kubeconfig"]["prompt"].endswith("`~/.kube/config`.")
    assert "barre oblique inverse `\\` en fin" in questions["resources-suite-de-ligne"]["prompt"]
    assert questions["resources-option-de-publication"]["explanation"] == "La forme est `-p HÔTE:CONTENEUR`."


def test_multi_line_question_with_escaped_newlines_keeps_its_code_block():
    question = read_full()["resources-option-de-publication"]
    assert question["prompt"] == (
        "Que fait l'option de cette commande ?\n\n```bash\ndocker run -p 8080:80 nginx\n```\n"
        "Choisissez une réponse."
    )
    assert question["choices"][0] == {
        "text": "Elle publie le port 8080 de l'hôte vers le port 80 du conteneur.",
        "correct": True,
    }


def test_missing_word_keeps_a_blank_where_the_braces_were():
    questions = read_full()
    single = questions["resources-le-nom-court-de-la-ressource-configmap-est"]
    assert single["kind"] == "single"
    assert single["prompt"] == "Le nom court de la ressource ConfigMap est ______."
    short = questions["images-layers-lister-les-conteneurs"]
    assert short["kind"] == "short"
    assert short["prompt"] == "La commande ______ liste les conteneurs en cours d'exécution."
    assert short["answers"] == ["docker ps", "docker container ls"]


def test_matching_pairs_and_a_distractor():
    question = read_full()["images-layers-instructions-dockerfile"]
    assert question["kind"] == "matching"
    assert question["pairs"] == [
        {"left": "FROM", "right": "choisit l'image de base"},
        {"left": "WORKDIR", "right": "fixe le répertoire de travail"},
        {"left": "EXPOSE", "right": "documente un port écouté"},
    ]
    assert question["distractors"] == ["publie un port sur l'hôte"]


def test_numerical_becomes_a_short_answer_with_the_exact_number():
    questions = read_full()
    assert questions["images-layers-port-https"]["kind"] == "short"
    assert questions["images-layers-port-https"]["answers"] == ["443"]
    assert questions["images-layers-taille-de-shm"]["answers"] == ["64"]


def test_text_formats_moodle_plain_and_html():
    questions = read_full()
    assert questions["images-layers-format-moodle"]["prompt"] == (
        "Quelle instruction du Dockerfile définit la commande par défaut ?"
    )
    plain = questions["images-layers-format-plain"]
    assert plain["prompt"] == "Dans COPY \\*.txt /app/, que désigne \\*.txt ?"
    assert plain["explanation"].endswith("contexte de build : &lt;src> n'en sort jamais.")
    html = questions["images-layers-format-html"]
    assert html["prompt"] == (
        "Quel composant **choisit le nœud** de chaque Pod ? Voir [la documentation]"
        "(https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/)."
    )
    assert html["choices"][2]["feedback"] == (
        "Le `kubelet` démarre les conteneurs du Pod une fois le nœud choisi."
    )
    assert html["explanation"] == "Le *kube-scheduler* écrit le nœud choisi dans `spec.nodeName`."


def test_every_question_read_passes_its_kind_validation():
    for question in read_full().values():
        spec = kinds.get(question["kind"]).build_spec(question, uid=question["uid"])
        assert spec


def test_a_question_written_the_way_moodle_exports_it_is_read():
    text = (
        "// question: 0  name: Switch category to $course$/top/Défaut/resources\n"
        "$CATEGORY: $course$/top/Défaut/resources\n"
        "\n"
        "// question: 12  name: Service\n"
        "// [id:resources-svc-moodle] [tag:shortname]\n"
        "::Service::[html]<p>Nom court de <b>Service</b> ?</p>{\n"
        "\t=%100%svc#\n"
        "\t=%100%services#\n"
        "\t####<p>La colonne SHORTNAMES affiche <code>svc</code>.</p>\n"
        "}\n"
    )
    questions, problems = gift_parse(text, path="moodle.gift")
    assert problems == []
    assert questions == [
        {
            "uid": "resources-svc-moodle",
            "kind": "short",
            "section": "resources",
            "difficulty": 2,
            "tags": ["shortname"],
            "prompt": "Nom court de **Service** ?",
            "explanation": "La colonne SHORTNAMES affiche `svc`.",
            "answers": ["svc", "services"],
        }
    ]


# --- malformed questions: each reported at its line, and nothing kept -----------------------


def test_each_malformed_case_is_reported_at_its_line():
    questions, problems = gift_parse(MALFORMED.read_text(encoding="utf-8"), path="m.gift")
    arrow = gift.ARROW_IN_CHOICE
    assert [(p.line, p.message) for p in problems] == sorted(
        [
            (5, msg(gift.UNCLOSED_BRACE)),
            (9, msg(gift.ESSAY)),
            (12, msg(gift.WEIGHTS_UNEQUAL, weights="50 + 30")),
            (15, msg(gift.WEIGHTS_UNEQUAL, weights="40 + 40")),
            (18, msg(gift.PARTIAL_SINGLE, weight="50")),
            (21, msg(arrow, text="cm -> ConfigMap")),
            (21, msg(arrow, text="sts -> StatefulSet")),
            (24, msg(gift.EMPTY_ANSWER)),
            (27, msg(gift.UNKNOWN_FORMAT, name="wiki")),
            (30, msg(gift.NO_EXPLANATION)),
            (33, msg(gift.TF_FEEDBACK)),
            (36, msg(gift.NUMERIC_RANGE, text="3..5")),
            (39, msg(gift.SEVERAL_RIGHT, count=2)),
            (42, msg(gift.HTML_UNSUPPORTED, tags="img")),
            (45, msg(gift.TOO_FEW_PAIRS)),
            (45, msg(gift.MATCH_NO_ARROW, text="sts")),
            (48, msg(gift.NO_ANSWER_BLOCK)),
            (50, msg(gift.BAD_ID, uid="Pas Un Uid")),
            (53, msg(gift.BAD_METADATA, reason="difficulty must be 1, 2 or 3")),
            (60, msg(gift.DUPLICATE_UID, uid="gift-doublon", line=57)),
            (63, msg(gift.STRAY_CLOSING_BRACE)),
            (66, msg(gift.SECOND_BLOCK)),
            (70, msg(gift.SHORT_WILDCARD)),
            (72, msg(gift.CATEGORY_NOT_ALONE)),
            (76, msg(gift.NO_MARKER, text="svc")),
        ]
    )
    assert {p.path for p in problems} == {"m.gift"}
    # only the first of the two questions sharing a uid is sound; the caller refuses the file anyway
    assert [q["uid"] for q in questions] == ["gift-doublon"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("::T::Q ?{=a ~b}", gift.NO_EXPLANATION),
        ("::T::Q ?{~a ~b####E}", gift.NO_RIGHT_CHOICE),
        ("::T::Q ?{=a####E}\n", None),
        ("::T::Q ?{=a ~b ~%150%c####E}", gift.WEIGHT_RANGE),
        ("::T::Q ?{=a =%50%b####E}", gift.PARTIAL_ANSWER),
        ("::T::Q ?{=a#pas ici####E}", gift.ANSWER_FEEDBACK),
        ("::T::Q ?{#abc####E}", gift.NUMERIC_NOT_NUMBER),
        ("::T::Q ?{#=42#non####E}", gift.ANSWER_FEEDBACK),
        ("::T::Q ?{=a -> b =c -> ####E}", gift.MATCH_NO_RIGHT),
        ("::T::Q ?{=a -> b#x =c -> d####E}", gift.MATCH_FEEDBACK),
        ("::T::Q ?{=a ~%50%b ####E}", gift.PARTIAL_SINGLE),
        ("::T::Q ?{=a}", gift.NO_EXPLANATION),
        ("::T::Q ?{=a ####E}", None),
        ("::T::Q ?{~only####E}", gift.NO_RIGHT_CHOICE),
        ("::T::Q ?{=only ~####E}", gift.EMPTY_ANSWER),
        ("::T::Q ?{#####E}", gift.NUMERIC_EMPTY),
        ("::Titre{=a####E}", gift.UNCLOSED_TITLE),
        ("texte {=a{=b}####E}", gift.NESTED_BRACE),
        ("::T::{=a####E}", gift.NO_PROMPT),
        ("::T::Q ?{~=a ~b####E}", gift.EMPTY_ANSWER),
        ("::T::Q ?{texte =a ~b####E}", gift.TEXT_BEFORE_ANSWERS),
    ],
)
def test_one_problem_per_malformed_question(text, message):
    _, problems = gift_parse("$CATEGORY: $course$/top/alpha\n\n" + text, path="x.gift")
    if message is None:
        assert problems == []
    else:
        prefix = str(message).split("%(")[0].replace("%%", "%")
        assert any(p.message.startswith(prefix) for p in problems), problems
        assert {p.line for p in problems} == {3}


def test_a_question_without_section_is_a_problem_unless_a_section_is_given():
    text = "::Service::Nom court ?{=svc####`svc`.}\n"
    read = gift_read(text, path="x.gift")
    assert read.problems == [Problem("x.gift", 1, msg(gift.NO_SECTION))]
    read = gift_read("$CATEGORY: $course$/top/beta\n\n" + text, path="x.gift", section="alpha")
    assert read.problems == []
    assert read.questions[0]["section"] == "alpha"
    assert read.questions[0]["uid"] == "alpha-service"


def test_uids_made_from_the_same_title_get_a_suffix():
    text = (
        "$CATEGORY: $course$/top/alpha\n\n::Q::A ?{=a####E}\n\n::Q::B ?{=b####E}\n\n"
        "// [id:alpha-q]\n::X::C ?{=c####E}\n"
    )
    questions, problems = gift_parse(text, path="x.gift")
    assert problems == []
    assert [q["uid"] for q in questions] == ["alpha-q-2", "alpha-q-3", "alpha-q"]


def test_private_use_characters_are_refused():
    _, problems = gift_parse("$CATEGORY: $course$/top/alpha\n\n::Q::A \ue001?{=a####E}\n", path="x.gift")
    assert problems == [Problem("x.gift", 3, msg(gift.PRIVATE_CHARACTERS))]


# --- escapes and HTML -----------------------------------------------------------------------

TRICKY = [
    "a ~ b = c # d { e } f : g \\ h",
    "ligne 1\nligne 2\n\nparagraphe",
    "\\n n'est pas un saut de ligne, \\\\ non plus",
    "// pas un commentaire\n// ni ceci",
    "fin par une barre \\",
    "####",
    "\\{\\}",
]


@pytest.mark.parametrize("text", TRICKY)
def test_escape_then_read_gives_the_text_back(text):
    assert gift._unmask(gift._mask(gift_escape(text))) == text


def test_escape_writes_moodle_escapes():
    assert gift_escape("a~b=c#d{e}f:g\\h\ni") == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\ni"


def test_html_to_markdown_converts_the_simple_tags():
    markdown, unsupported = html_to_markdown(
        "<p>Un <em>texte</em> avec <code>kubectl get `x`</code> et * et_</p>"
        "<ol><li>un</li><li>deux<ul><li>sous</li></ul></li></ol>"
        "<pre><code>FROM alpine\nRUN echo &lt;ok&gt;</code></pre><p>a<br>b &amp; c</p>"
    )
    assert unsupported == []
    assert markdown == (
        "Un *texte* avec `` kubectl get `x` `` et \\* et\\_\n\n"
        "1. un\n2. deux\n    - sous\n\n"
        "```\nFROM alpine\nRUN echo <ok>\n```\n\n"
        "a  \nb & c"
    )


def test_html_to_markdown_names_the_tags_it_cannot_convert():
    _, unsupported = html_to_markdown("<table><tr><td>x</td></tr></table><img src='a.png'>")
    assert unsupported == ["table", "tr", "td", "img"]


# --- round trips: Rappel -> GIFT -> Rappel ----------------------------------------------------

HAND_MADE = [
    {
        "uid": "alpha-single-1",
        "kind": "single",
        "section": "alpha",
        "difficulty": 1,
        "tags": ["shortname", "a]b"],
        "prompt": "Quelle ressource désigne `cm` ?\n\n```yaml\n# commentaire\nkey: {a: 1}\n```",
        "explanation": "`cm` ~ configmaps = ok #1 \\ fin\n\n#### pas un séparateur",
        "erratum": {"claim": "Le cours écrit crd.", "fact": "C'est cm.", "source": "kubectl api-resources"},
        "choices": [
            {"text": "ConfigMap", "correct": True, "feedback": "[markdown] reste du texte"},
            {"text": "[lien](https://kubernetes.io) vers la doc", "feedback": "voir a -> b"},
            {"text": "%50% des pods"},
        ],
    },
    {
        "uid": "alpha-multiple-1",
        "kind": "multiple",
        "section": "alpha",
        "difficulty": 3,
        "tags": [],
        "prompt": "Quels composants tournent sur chaque nœud ?",
        "explanation": "Le scheduler tourne au control plane.",
        "choices": [
            {"text": "kubelet", "correct": True},
            {"text": "un runtime CRI", "correct": True},
            {"text": "kube-proxy", "correct": True},
            {"text": "kube-scheduler", "feedback": "Au control plane."},
        ],
    },
    {
        "uid": "alpha-multiple-2",
        "kind": "multiple",
        "section": "alpha",
        "difficulty": 2,
        "tags": [],
        "prompt": "Un seul bon choix, mais plusieurs cases à cocher.",
        "explanation": "Seul `cm` est juste.",
        "choices": [{"text": "cm", "correct": True}, {"text": "cmap"}],
    },
    {
        "uid": "beta-truefalse-1",
        "kind": "truefalse",
        "section": "beta",
        "difficulty": 2,
        "tags": ["yaml"],
        "prompt": "En YAML, on peut indenter avec des tabulations.",
        "explanation": "Non.",
        "answer": False,
    },
    {
        "uid": "beta-truefalse-2",
        "kind": "truefalse",
        "section": "beta",
        "difficulty": 2,
        "tags": [],
        "prompt": "Le port ______ est celui de HTTPS : 443.",
        "explanation": "Oui.",
        "answer": True,
    },
    {
        "uid": "beta-short-1",
        "kind": "short",
        "section": "beta",
        "difficulty": 2,
        "tags": [],
        "prompt": "Complétez :\n\n```bash\nkubectl run web --image nginx ______ -o yaml\n```",
        "explanation": "`--dry-run=client`.",
        "answers": ["--dry-run=client", "T", "TRUE", "*.yaml", "a\\*b", "%20", "[x]"],
    },
    {
        "uid": "beta-short-2",
        "kind": "short",
        "section": "beta",
        "difficulty": 2,
        "tags": [],
        "prompt": "Le nom court de Service est ______",
        "explanation": "Blanc à la fin : il reste dans le texte.",
        "answers": ["svc"],
    },
    {
        "uid": "beta-matching-1",
        "kind": "matching",
        "section": "beta",
        "difficulty": 2,
        "tags": [],
        "prompt": "Associez.",
        "explanation": "Voir `kubectl api-resources`.",
        "pairs": [
            {"left": "cm", "right": "ConfigMap -> configmaps"},
            {"left": "[sts]", "right": "[StatefulSet]"},
            {"left": "sa = compte", "right": "ServiceAccount"},
        ],
        "distractors": ["Secret", "%pas une ressource"],
    },
]


@pytest.mark.parametrize("raw", HAND_MADE, ids=lambda raw: raw["uid"])
def test_round_trip_keeps_every_supported_question_identical(raw):
    questions, problems, skipped = round_trip([raw])
    assert problems == []
    assert skipped == []
    assert questions == [canonical(raw)]


def test_round_trip_of_all_hand_made_questions_in_one_file():
    questions, problems, _ = round_trip(HAND_MADE)
    assert problems == []
    assert questions == [canonical(raw) for raw in HAND_MADE]


def test_missing_word_is_written_in_place_of_the_blank():
    text, _ = gift_dump([HAND_MADE[4]])
    expected = "::beta-truefalse-2::[markdown]Le port {\n\tTRUE\n\t####Oui.\n} est celui de HTTPS \\: 443."
    assert expected in text


def test_multiple_choice_is_written_with_rappel_s_own_weights():
    text, _ = gift_dump([HAND_MADE[1]])
    assert "\t~%33.33333%kubelet\n" in text
    assert "\t~%-33.33333%kube-scheduler#Au control plane.\n" in text


def test_reading_our_own_file_then_writing_it_reads_back_the_same():
    questions, _ = gift_parse(FULL.read_text(encoding="utf-8"), path="full.gift")
    again, problems, skipped = round_trip(questions)
    assert problems == [] and skipped == []
    assert again == questions


def test_kinds_without_a_gift_form_are_skipped_with_a_comment():
    ordering = {
        "uid": "beta-ordering-1",
        "kind": "ordering",
        "prompt": "Ordre ?",
        "explanation": "x",
        "items": ["a", "b"],
    }
    text, skipped = gift_dump([ordering, HAND_MADE[3]])
    assert skipped == [("beta-ordering-1", msg(gift.SKIP_KIND, kind="ordering"))]
    assert f"// skipped beta-ordering-1 (ordering): {msg(gift.SKIP_KIND, kind='ordering')}" in text
    questions, problems = gift_parse(text, path="x.gift")
    assert problems == []
    assert [q["uid"] for q in questions] == ["beta-truefalse-1"]


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "single", "choices": [{"text": "a -> b", "correct": True}, {"text": "c"}]},
        {"kind": "short", "answers": ["a->b"]},
        {"kind": "matching", "pairs": [{"left": "a->", "right": "b"}, {"left": "c", "right": "d"}]},
    ],
)
def test_arrows_that_moodle_would_misread_are_skipped(fields):
    raw = {"uid": "alpha-arrow-1", "prompt": "Q ?", "explanation": "E", **fields}
    _, skipped = gift_dump([raw])
    assert skipped == [("alpha-arrow-1", msg(gift.SKIP_ARROW))]


def _real_bank_questions() -> list[dict]:
    paths = sorted(BANKS.glob("*.yaml"))
    sections = {yaml.safe_load(path.read_text(encoding="utf-8"))["section"] for path in paths}
    read = bank_read(paths, sections=sections)
    assert read.problems == []
    raws = {}
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for raw in data["questions"]:
            raws[raw["uid"]] = {**raw, "section": raw.get("section", data["section"])}
    # the raw YAML and what bank_read made of it describe the same questions
    assert [q.uid for q in read.questions] == list(raws)
    return list(raws.values())


def test_every_real_bank_question_of_a_supported_kind_survives_the_round_trip():
    raws = _real_bank_questions()
    questions, problems, skipped = round_trip(raws)
    assert problems == []
    supported = [raw for raw in raws if raw["kind"] in SUPPORTED_KINDS]
    assert len(supported) == 357
    assert questions == [canonical(raw) for raw in supported]
    assert {uid for uid, _ in skipped} == {raw["uid"] for raw in raws if raw["kind"] not in SUPPORTED_KINDS}
    # [R11] the banks now hold flashcards too: GIFT has no such kind, so they are skipped as well.
    assert {reason for _, reason in skipped} == {
        msg(gift.SKIP_KIND, kind=kind) for kind in ("ordering", "cloze", "yaml", "command", "flashcard")
    }
    for question in questions:
        assert kinds.get(question["kind"]).build_spec(question, uid=question["uid"])


# --- the commands ----------------------------------------------------------------------------


@pytest.fixture
def gift_sections(section_factory):
    return [section_factory(slug="resources"), section_factory(slug="images-layers")]


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_import_gift_loads_the_file_once_and_again_changes_nothing(gift_sections):
    out = StringIO()
    call_command("import_gift", str(FULL), stdout=out)
    assert "22 created" in out.getvalue()
    assert f"{FULL}:93: " in out.getvalue()  # the dropped tolerance is noted
    question = Question.objects.get(uid="gift-configmap-single")
    assert question.section.slug == "resources"
    assert question.difficulty == 1
    assert question.erratum["fact"] == "Le nom court de ConfigMap est cm."
    out = StringIO()
    call_command("import_gift", str(FULL), stdout=out)
    assert "0 created, 0 revised, 0 updated, 22 unchanged" in out.getvalue()


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_import_gift_check_writes_nothing(gift_sections):
    out = StringIO()
    call_command("import_gift", str(FULL), "--check", stdout=out)
    assert out.getvalue().splitlines()[-1].startswith("Check passed (nothing written): 22 created")
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_import_gift_refuses_a_malformed_file_whole(gift_sections):
    err = StringIO()
    with pytest.raises(CommandError, match="rien n’a été importé"):
        call_command("import_gift", str(MALFORMED), stderr=err)
    assert f"{MALFORMED}:5: {msg(gift.UNCLOSED_BRACE)}" in err.getvalue().splitlines()
    assert not Question.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_import_gift_reports_bank_problems_at_the_gift_line(gift_sections, tmp_path):
    path = tmp_path / "nowhere.gift"
    path.write_text(
        "$CATEGORY: $course$/top/resources\n\n::A::Bon ?{T####Oui.}\n\n"
        "$CATEGORY: $course$/top/nowhere\n\n// commentaire\n::B::Section inconnue ?{T####Oui.}\n",
        encoding="utf-8",
    )
    err = StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("import_gift", str(path), stderr=err)
    assert err.getvalue().splitlines() == [f"{path}:8: unknown section 'nowhere'"]
    assert not Question.objects.exists()


@pytest.mark.django_db
def test_import_gift_section_option_overrides_the_categories(gift_sections, tmp_path):
    path = tmp_path / "q.gift"
    path.write_text("$CATEGORY: $course$/top/nowhere\n\n::Vrai::Vrai ?{T####Oui.}\n", encoding="utf-8")
    call_command("import_gift", str(path), "--section", "resources", stdout=StringIO())
    assert Question.objects.get(uid="resources-vrai").section.slug == "resources"
    with pytest.raises(CommandError, match="section .nowhere. inconnue"):
        call_command("import_gift", str(path), "--section", "nowhere")


@pytest.mark.django_db
@pytest.mark.usefixtures("english")
def test_export_gift_then_import_changes_nothing(loaded_banks, tmp_path):
    target = tmp_path / "bank.gift"
    out = StringIO()
    call_command("export_gift", str(target), stdout=out)
    lines = out.getvalue().splitlines()
    assert lines == [
        f"skipped beta-ordering-1: {msg(gift.SKIP_KIND, kind='ordering')}",
        f"5 question(s) written to {target}, 1 skipped",
    ]
    out = StringIO()
    call_command("import_gift", str(target), stdout=out)
    assert "0 created, 0 revised, 0 updated, 5 unchanged" in out.getvalue()


@pytest.mark.django_db
def test_export_gift_of_one_section(loaded_banks, tmp_path):
    target = tmp_path / "beta.gift"
    call_command("export_gift", str(target), "--section", "beta", stdout=StringIO())
    questions, problems = gift_parse(target.read_text(encoding="utf-8"), path="beta.gift")
    assert problems == []
    assert [q["uid"] for q in questions] == ["beta-short-1", "beta-matching-1"]
    with pytest.raises(CommandError, match="unknown section"):
        call_command("export_gift", str(target), "--section", "nowhere")


def _deep_list_in_html(levels: int) -> str:
    return "<ul><li>" * levels + "au fond" + "</li></ul>" * levels


def _deep_list_in_markdown(levels: int) -> str:
    return "\\n".join("    " * level + "- niveau" for level in range(levels))


@pytest.mark.parametrize(
    "prompt",
    [f"[html]{_deep_list_in_html(10_000)}", f"[markdown]{_deep_list_in_markdown(gift.MAX_NESTING + 2)}"],
)
def test_lists_nested_past_the_limit_are_refused(prompt):
    text = f"$CATEGORY: alpha\n\n::deep:: {prompt} {{=oui ~non ####Parce que.}}\n"
    read = gift_read(text, path="deep.gift")
    assert read.questions == []
    assert [p.message for p in read.problems] == [str(gift.TOO_DEEP % {"limit": gift.MAX_NESTING})]


def test_nesting_within_the_limit_and_indented_code_are_kept():
    manifest = "```yaml\n" + "\n".join("  " * level + f"k{level}:" for level in range(60)) + "\n```"
    prompt = f"[markdown]{_deep_list_in_markdown(gift.MAX_NESTING)}\n\n{manifest}"
    prompt = prompt.replace("\n", "\\n")
    read = gift_read(f"$CATEGORY: alpha\n\n::ok:: {prompt} {{=oui ~non ####Parce que.}}\n", path="ok.gift")
    assert read.problems == [] and len(read.questions) == 1
