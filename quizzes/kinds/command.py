"""Command: the student types one ``kubectl`` or ``docker`` command, graded as the CLI reads it.

Bank fields
-----------
- ``answers`` (required): the accepted commands. Each must parse with no problem (a typo in
  a flag is a spec error) and no two may be equivalent (the grader accepts the variants).
- ``mistakes`` (optional): common wrong commands with their own Markdown feedback, shown when
  the student's command is equivalent to one: ``[{command: "kubectl get all", feedback: "…"}]``.
- ``any_value`` (optional): flags whose value is the student's choice, e.g. ``["-m"]`` for a
  commit message: only their presence is compared.

Refused before grading (``InvalidResponse``, the student types again)
--------------------------------------------------------------------
More than ``MAX_LENGTH`` characters; control or invisible characters; unbalanced quotes; any
shell syntax beyond one simple command (``;``, ``&``, ``|``, ``&&``, ``||``, ``( )``, ``< >``,
back-quotes, ``$( )``). A ``#`` that starts a word starts a comment, as in bash.

Read as a shell and the CLI would
---------------------------------
Words are split with ``shlex`` (POSIX). A leading ``$`` prompt and ``sudo`` are dropped; ``k``
(the alias the Kubernetes docs suggest), ``k3s kubectl`` and ``microk8s kubectl`` mean
``kubectl``; a path to the binary means the binary. ``$VAR`` and ``~`` are compared as written.
A variable set before the program (``KUBECONFIG=k.yaml kubectl get pods``, also after ``env``)
is read as the flag it stands for (``_ENV_FLAGS``: ``KUBECONFIG`` naming one file is
``--kubeconfig``); the flag, when also given, wins, as in kubectl. Any other variable, a list of
files in ``KUBECONFIG`` (no flag merges files) and a variable set before ``sudo`` (which starts
the command with a clean environment) are refused with a message saying so.
Both CLIs are built on cobra/pflag; the words are read the same way, from the command tables
below (``_KUBECTL``, ``_DOCKER``), so these are equivalent:

- flags in any order; ``--flag=value`` = ``--flag value``; ``-n x`` = ``-nx`` = ``-n=x`` =
  ``--namespace x``; bundled short booleans (``-it`` = ``-ti`` = ``-i -t``);
- ``--bool`` = ``--bool=true``; a flag given its default value = the flag left out
  (``--recursive=false``, ``--dry-run=none``, ``docker commit --pause``); the last value of a
  single-valued flag wins; repeatable flags (``-e``, ``-v``, ``-p``) compare as sets of values;
- kubectl global flags before the verb (``kubectl -n kube-system get pods``); only global ones,
  as in kubectl (``kubectl -A get pods`` fails there, and is reported here);
- resource types by any name kubectl accepts (``quizzes.kinds.resource_names``: ``po``/``pod``/
  ``pods``/``Pod``, ``deploy.apps``), ``type/name`` = ``type name``, ``get po,svc`` = ``get
  services,pods``, ``kubectl logs web`` = ``kubectl logs pod/web``;
- an image without tag is ``:latest`` (``nginx`` = ``nginx:latest`` = ``docker.io/library/nginx``);
- docker's legacy and management verbs (``docker ps`` = ``docker container ls``/``list``/``ps``).

Kept strict, on purpose: ``-n default`` is not the same as no ``-n`` (without it kubectl uses the
current context's namespace, which ``kubectl config set-context --current --namespace`` changes):
the feedback says so. ``docker inspect`` is not ``docker container inspect`` (it inspects any
object). Other values are compared as written. A bare ``--dry-run`` is ``--dry-run=client``, as
kubectl reads it (with a deprecation warning).

Grading
-------
Score 1 when the command is equivalent to an accepted answer, else 0: a command either does the
job or does not, and "half a command" has no meaning a partial score could carry. The feedback
lists what differs from the closest accepted answer ("missing: -n kube-system", "unexpected: -A",
"wrong resource: services instead of pods", "unknown flag --namespaces (did you mean
--namespace?)"); ``reveal`` gives that list to the template, as HTML in which every part that
comes from the student is escaped. The verdict's own feedback is the bank's text for a listed
mistake.
Accepted answers are parsed once per process (``functools.lru_cache``); a student's command is
parsed on each call.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import shlex
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from django.utils.html import escape
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from course.markdown import render_inline
from quizzes.kinds import (
    EMPTY_RESPONSE,
    InvalidResponse,
    SpecError,
    Verdict,
    resource_names,
    response_field,
    single_value,
)

NAME = "command"
LABEL = _("Command")
TEMPLATE = "quizzes/kinds/command.html"
FIELDS = frozenset({"answers", "mistakes", "any_value"})
MAX_LENGTH = 500

# --- messages: refused input (the student types the command again) ---------------------------

TOO_LONG = _("This command is too long (500 characters at most).")
CONTROL_CHARACTERS = _("The command contains control or invisible characters: type it on one line.")
UNBALANCED_QUOTES = _("The command cannot be read: a quote is not closed or a backslash ends it.")
MULTIPLE_COMMANDS = _("Type one command only: ;, &, &&, | and || are not graded.")
SHELL_SYNTAX = _("Type one simple command: parentheses are not graded.")
REDIRECTION = _("Redirections (> and <) are not graded: type the command alone.")
SUBSTITUTION = _("Command substitution (`…` and $(…)) is not graded: type the command itself.")

# --- messages: feedback (the values are inserted as HTML <code>) ------------------------------

UNKNOWN_PROGRAM = _("unknown program %(program)s: the answer is a kubectl or docker command")
UNKNOWN_PROGRAM_HINT = _("unknown program %(program)s (did you mean %(hint)s?)")
ENV_ASSIGNMENT = _(
    "%(word)s: the only variable graded before the command is KUBECONFIG=file, for kubectl; "
    "use the command's flag"
)
ENV_BEFORE_SUDO = _(
    "%(word)s does not reach the command: sudo starts it with a clean environment (write sudo %(word)s …)"
)
NO_COMMAND = _("missing command after %(program)s")
INCOMPLETE_COMMAND = _("%(command)s needs a subcommand")
UNKNOWN_COMMAND = _("unknown command %(command)s")
UNKNOWN_COMMAND_HINT = _("unknown command %(command)s (did you mean %(hint)s?)")
UNKNOWN_FLAG = _("unknown flag %(flag)s")
UNKNOWN_FLAG_HINT = _("unknown flag %(flag)s (did you mean %(hint)s?)")
MISSING_VALUE = _("flag %(flag)s needs a value")
NOT_A_BOOLEAN = _("flag %(flag)s takes true or false, not %(value)s")
MISPLACED_FLAG = _("%(flag)s must come after the command: only global flags may come before it")
SINGLE_DASH = _("%(flag)s: a long flag takes two dashes (%(fixed)s)")
TYPOGRAPHIC_DASH = _("%(word)s starts with a typographic dash: type %(fixed)s")
UNKNOWN_RESOURCE = _("unknown resource type %(resource)s")
UNKNOWN_RESOURCE_HINT = _("unknown resource type %(resource)s (did you mean %(hint)s?)")
NOT_AN_API_RESOURCE = _("%(resource)s is not a Kubernetes API resource")
REMOVED_RESOURCE = _("%(resource)s was removed from Kubernetes in %(version)s")
MIXED_RESOURCE_FORMS = _("write either TYPE NAME or TYPE/NAME for every resource, not both")
WRONG_PROGRAM = _("wrong program: %(given)s instead of %(expected)s")
WRONG_COMMAND = _("wrong command: %(given)s instead of %(expected)s")
WRONG_RESOURCE = _("wrong resource: %(given)s instead of %(expected)s")
WRONG_NAME = _("wrong name: %(given)s instead of %(expected)s")
WRONG_ARGUMENT = _("wrong argument: %(given)s instead of %(expected)s")
WRONG_VALUE = _("wrong value for %(flag)s: %(given)s instead of %(expected)s")
MISSING = _("missing: %(item)s")
UNEXPECTED = _("unexpected: %(item)s")
DEFAULT_NAMESPACE = _(
    "%(flag)s is not the same as no -n: without it, kubectl uses the namespace of the current "
    "context, which may not be default"
)


@dataclass(frozen=True)
class Note:
    """One problem or difference: a message and the values to insert in it."""

    message: Any  # a lazy translation string
    params: tuple[tuple[str, str], ...] = ()

    def html(self) -> str:
        return str(self.message) % {key: f"<code>{escape(value)}</code>" for key, value in self.params}

    def text(self) -> str:
        return str(self.message) % dict(self.params)


def _note(message: Any, **params: str) -> Note:
    return Note(message, tuple(params.items()))


# --- flags -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    key: str  # what equivalence compares: the long name (docker global flags: "docker.<name>")
    long: str
    short: str = ""
    mode: str = "bool"  # bool | value | optional (the value must be attached with '=')
    repeat: bool = False  # may be given several times; values compared as a multiset
    split: bool = False  # a repeated value may also be a comma list (kubectl -f a.yaml,b.yaml)
    image: bool = False  # the value is an image reference
    bare: str = "true"  # the value of the flag given alone (bool and optional flags)
    default: str | None = "false"  # a value equal to leaving the flag out; None: none is

    @property
    def name(self) -> str:
        """The name the feedback uses: the short form when there is one."""
        return f"-{self.short}" if self.short else f"--{self.long}"

    def display(self, value: str) -> str:
        """How the feedback shows this flag with this value."""
        if self.mode == "bool":
            return self.name if value == "true" else f"--{self.long}={value}"
        if self.mode == "optional":
            return f"--{self.long}={shlex.quote(value)}"
        return f"{self.name} {shlex.quote(value)}"


_FLAG_SPEC = re.compile(
    r"^(?:-(?P<short>[A-Za-z0-9])\|)?--(?P<long>[a-z0-9][a-z0-9-]*)(?P<aliases>(?:,--[a-z0-9-]+)*)"
    r"(?:(?P<on>!)|=(?:\?(?P<bare>[^~\s]+)|(?P<repeat>[*+])?(?P<image>@)?))?(?:~(?P<default>\S*))?$"
)


def _flags(spec: str, *, prefix: str = "") -> dict[str, Flag]:
    """Flags from a compact spec, one per word: ``[-s|]--long[,--alias][kind][~default]``.

    kind: nothing (boolean, off by default), ``!`` (boolean, on by default), ``=`` (takes a
    value), ``=*`` (value, repeatable), ``=+`` (value, repeatable, comma lists split), ``=@`` /
    ``=*@`` (image reference), ``=?X`` (optional value: alone it means X). ``~D``: the value D
    is the default (``~`` alone: no value is the default, e.g. a tri-state boolean).
    """
    out: dict[str, Flag] = {}
    for word in spec.split():
        match = _FLAG_SPEC.match(word)
        if match is None:
            raise ValueError(f"bad flag spec {word!r}")
        long = match["long"]
        if match["bare"] is not None:
            mode, default = "optional", None
        elif "=" in word.split("~")[0]:
            mode, default = "value", None
        else:
            mode, default = "bool", "true" if match["on"] else "false"
        if match["default"] is not None:
            default = match["default"] or None
        flag = Flag(
            key=prefix + long,
            long=long,
            short=match["short"] or "",
            mode=mode,
            repeat=bool(match["repeat"]),
            split=match["repeat"] == "+",
            image=bool(match["image"]),
            bare=match["bare"] or "true",
            default=default,
        )
        out[long] = flag
        for alias in filter(None, match["aliases"].split(",--")):
            out[alias] = flag
    return out


@dataclass(frozen=True)
class FlagTable:
    longs: Mapping[str, Flag]
    shorts: Mapping[str, Flag]

    @classmethod
    def of(cls, *groups: Mapping[str, Flag]) -> FlagTable:
        """Merge flag groups; a later group never overrides a long name an earlier one defines.

        So a command's own ``--namespace`` hides the global one *and* its ``-n`` (cobra skips a
        persistent flag whose name the command defines).
        """
        longs: dict[str, Flag] = {}
        for group in groups:
            for name, flag in group.items():
                if longs.get(name, flag) is flag and longs.get(flag.long, flag) is flag:
                    longs[name] = flag
        shorts: dict[str, Flag] = {}
        for flag in longs.values():
            if flag.short and flag.short not in shorts:
                shorts[flag.short] = flag
        return cls(longs=longs, shorts=shorts)


# --- command tables ----------------------------------------------------------------------------


@dataclass(eq=False)
class Node:
    program: str
    path: tuple[str, ...]
    table: FlagTable
    args: str = "lit"  # lit | res | res+ | pod | explain | image | images | commit
    interspersed: bool = True  # False: the first positional ends the flags (docker run, exec)
    runnable: bool = False
    children: dict[str, Node] = field(default_factory=dict)
    by_key: dict[str, Flag] = field(default_factory=dict)

    @property
    def display(self) -> str:
        return " ".join((self.program, *self.path))


_K_GLOBAL = _flags(
    "--as= --as-group=* --as-uid= --cache-dir= --certificate-authority= --client-certificate= "
    "--client-key= --cluster= --context= --disable-compression --insecure-skip-tls-verify "
    "--kubeconfig= --match-server-version -n|--namespace= --password= --profile=~none "
    "--profile-output= --request-timeout=~0 -s|--server= --tls-server-name= --token= --user= "
    "--username= -v|--v=~0 --vmodule= --warnings-as-errors --log-flush-frequency= -h|--help"
)
_K_PRINT = "-o|--output= --allow-missing-template-keys! --show-managed-fields --template= "
_K_DRY = "--dry-run=?client~none "
_K_MUTATE = _K_PRINT + _K_DRY + "--field-manager= --save-config --validate=?strict~strict "
_K_FILES = "-f|--filename=+ -k|--kustomize= -R|--recursive "
_K_LABEL = (
    _K_PRINT + _K_DRY + _K_FILES + "--all -A|--all-namespaces --field-manager= --field-selector= "
    "--list --local --overwrite --resource-version= -l|--selector= "
)
_K_ROLLOUT = _K_PRINT + _K_FILES + "--field-manager= -l|--selector= "
_K_CERT = _K_PRINT + _K_FILES + "--force "

# (command path with aliases, positional arguments, flags)
_KUBECTL: tuple[tuple[str, str, str], ...] = (
    (
        "get",
        "res",
        _K_PRINT + _K_FILES + "-A|--all-namespaces --chunk-size=~500 --field-selector= "
        "--ignore-not-found -L|--label-columns=+ --no-headers --output-watch-events --raw= "
        "-l|--selector= --server-print! --show-kind --show-labels --sort-by= --subresource= "
        "-w|--watch --watch-only",
    ),
    ("describe", "res", _K_FILES + "-A|--all-namespaces --chunk-size=~500 -l|--selector= --show-events!"),
    ("create", "lit", _K_MUTATE + _K_FILES + "--edit --raw= --windows-line-endings -l|--selector="),
    ("create namespace|ns", "lit", _K_MUTATE),
    ("create deployment|deploy", "lit", _K_MUTATE + "--image=*@ --port= -r|--replicas="),
    ("create service|svc clusterip", "lit", _K_MUTATE + "--clusterip= --tcp=*"),
    ("create service nodeport", "lit", _K_MUTATE + "--node-port= --tcp=*"),
    ("create service loadbalancer", "lit", _K_MUTATE + "--tcp=*"),
    ("create service externalname", "lit", _K_MUTATE + "--external-name= --tcp=*"),
    (
        "create configmap|cm",
        "lit",
        _K_MUTATE + "--append-hash --from-env-file=* --from-file=* --from-literal=*",
    ),
    (
        "create secret generic",
        "lit",
        _K_MUTATE + "--append-hash --from-env-file=* --from-file=* --from-literal=* --type=",
    ),
    ("create secret tls", "lit", _K_MUTATE + "--append-hash --cert= --key="),
    (
        "create secret docker-registry",
        "lit",
        _K_MUTATE + "--append-hash --docker-email= "
        "--docker-password= --docker-server= --docker-username= --from-file=*",
    ),
    ("create serviceaccount|sa", "lit", _K_MUTATE),
    ("create job", "lit", _K_MUTATE + "--from= --image=@"),
    ("create cronjob|cj", "lit", _K_MUTATE + "--image=@ --restart= --schedule="),
    ("create role", "lit", _K_MUTATE + "--resource=* --resource-name=* --verb=*"),
    (
        "create clusterrole",
        "lit",
        _K_MUTATE + "--aggregation-rule= --non-resource-url=* --resource=* --resource-name=* --verb=*",
    ),
    ("create rolebinding", "lit", _K_MUTATE + "--clusterrole= --group=* --role= --serviceaccount=* --user=*"),
    ("create clusterrolebinding", "lit", _K_MUTATE + "--clusterrole= --group=* --serviceaccount=* --user=*"),
    ("create quota|resourcequota", "lit", _K_MUTATE + "--hard= --scopes="),
    ("create ingress|ing", "lit", _K_MUTATE + "--annotation=* --class= --default-backend= --rule=*"),
    (
        "create priorityclass|pc",
        "lit",
        _K_MUTATE + "--description= --global-default --preemption-policy= --value=",
    ),
    ("create poddisruptionbudget|pdb", "lit", _K_MUTATE + "--max-unavailable= --min-available= --selector="),
    (
        "create token",
        "lit",
        _K_PRINT + "--audience=* --bound-object-kind= --bound-object-name= --bound-object-uid= --duration=",
    ),
    (
        "apply",
        "lit",
        _K_MUTATE + _K_FILES + "--all --cascade=?background~background --force "
        "--force-conflicts --grace-period=~-1 --overwrite! --prune --prune-allowlist=* -l|--selector= "
        "--server-side --timeout= --wait",
    ),
    (
        "delete",
        "res",
        _K_FILES + _K_DRY + "-A|--all-namespaces --all --cascade=?background~background "
        "--field-selector= --force --grace-period=~-1 --ignore-not-found -i|--interactive --now "
        "-o|--output= --raw= -l|--selector= --timeout= --wait!",
    ),
    (
        "edit",
        "res",
        _K_PRINT + _K_FILES + "--field-manager= --output-patch --save-config "
        "--subresource= --validate=?strict~strict --windows-line-endings",
    ),
    (
        "replace",
        "lit",
        _K_MUTATE + _K_FILES + "--cascade=?background~background --force "
        "--grace-period=~-1 --raw= --subresource= --timeout= --wait",
    ),
    (
        "patch",
        "res+",
        _K_PRINT + _K_DRY + _K_FILES + "--field-manager= --local -p|--patch= "
        "--patch-file= --subresource= --type=~strategic",
    ),
    (
        "diff",
        "lit",
        _K_FILES + "--concurrency= --field-manager= --force-conflicts --prune "
        "--prune-allowlist=* -l|--selector= --server-side --show-managed-fields",
    ),
    # (-f, -k, -R, --force, --grace-period, --timeout, --wait, --cascade: accepted, ignored, deprecated)
    (
        "run",
        "lit",
        _K_MUTATE + _K_FILES + "--annotations=* --attach --cascade=?background~background "
        "--command --detach-keys= --env=* --expose --force --grace-period=~-1 --image=@ "
        "--image-pull-policy= -l|--labels= --leave-stdin-open --override-type=~merge --overrides= "
        "--pod-running-timeout= --port= --privileged -q|--quiet --restart=~Always --rm -i|--stdin "
        "-t|--tty --timeout= --wait",
    ),
    (
        "expose",
        "res+",
        _K_MUTATE + _K_FILES + "--cluster-ip= --external-ip= -l|--labels= "
        "--load-balancer-ip= --name= --override-type=~merge --overrides= --port= --protocol= "
        "--selector= --session-affinity= --target-port= --type=",
    ),
    ("explain", "explain", "--api-version= -o|--output=~plaintext --recursive"),
    (
        "logs",
        "pod",
        "--all-containers --all-pods -c|--container= -f|--follow --ignore-errors "
        "--insecure-skip-tls-verify-backend --limit-bytes= --max-log-requests= --pod-running-timeout= "
        "--prefix -p|--previous -l|--selector= --since= --since-time= --tail=~-1 --timestamps",
    ),
    ("exec", "pod", "-c|--container= -f|--filename=+ --pod-running-timeout= -q|--quiet -i|--stdin -t|--tty"),
    ("attach", "pod", "-c|--container= --pod-running-timeout= -q|--quiet -i|--stdin -t|--tty"),
    ("port-forward", "pod", "--address=+ --pod-running-timeout="),
    ("cp", "lit", "-c|--container= --no-preserve --retries="),
    ("label", "res+", _K_LABEL),
    ("annotate", "res+", _K_LABEL),
    (
        "scale",
        "res+",
        _K_PRINT + _K_DRY + _K_FILES + "--all --current-replicas= --replicas= "
        "--resource-version= -l|--selector= --timeout=",
    ),
    ("autoscale", "res+", _K_MUTATE + _K_FILES + "--cpu= --cpu-percent= --max= --memory= --min= --name="),
    (
        "wait",
        "res+",
        _K_PRINT + _K_FILES + "-A|--all-namespaces --all --field-selector= --for=* "
        "--local -l|--selector= --timeout=",
    ),
    ("rollout status", "res+", _K_FILES + "--revision= -l|--selector= --timeout= -w|--watch!"),
    ("rollout history", "res+", _K_PRINT + _K_FILES + "--revision= -l|--selector="),
    ("rollout undo", "res+", _K_PRINT + _K_DRY + _K_FILES + "-l|--selector= --to-revision="),
    ("rollout restart", "res+", _K_ROLLOUT),
    ("rollout pause", "res+", _K_ROLLOUT),
    ("rollout resume", "res+", _K_ROLLOUT),
    ("set image", "res+", _K_PRINT + _K_DRY + _K_FILES + "--all --field-manager= --local -l|--selector="),
    (
        "set env",
        "res+",
        _K_PRINT + _K_DRY + _K_FILES + "--all -c|--containers= -e|--env=* --from= "
        "--keys=* --list --local --overwrite! --prefix= --resolve -l|--selector=",
    ),
    (
        "set resources",
        "res+",
        _K_PRINT + _K_DRY + _K_FILES + "--all -c|--containers= --field-manager= "
        "--limits= --local --requests= -l|--selector=",
    ),
    (
        "top node|nodes|no",
        "lit",
        "--no-headers -l|--selector= --show-capacity --sort-by= --use-protocol-buffers!",
    ),
    (
        "top pod|pods|po",
        "lit",
        "-A|--all-namespaces --containers --field-selector= --no-headers "
        "-l|--selector= --sort-by= --sum --use-protocol-buffers!",
    ),
    ("cordon", "lit", _K_DRY + "-l|--selector="),
    ("uncordon", "lit", _K_DRY + "-l|--selector="),
    (
        "drain",
        "lit",
        _K_DRY + "--chunk-size= --delete-emptydir-data --disable-eviction --force "
        "--grace-period=~-1 --ignore-daemonsets --pod-selector= -l|--selector= "
        "--skip-wait-for-delete-timeout= --timeout=",
    ),
    (
        "taint",
        "res+",
        _K_PRINT + _K_DRY + "--all --field-manager= --overwrite -l|--selector= --validate=?strict~strict",
    ),
    ("cluster-info", "lit", ""),
    (
        "cluster-info dump",
        "lit",
        "-A|--all-namespaces --namespaces= -o|--output= --output-directory= --pod-running-timeout=",
    ),
    ("version", "lit", "--client -o|--output="),
    (
        "api-resources",
        "lit",
        "--api-group= --cached --categories=+ --namespaced~ --no-headers -o|--output= --sort-by= --verbs=+",
    ),
    ("api-versions", "lit", ""),
    ("config view", "lit", _K_PRINT + "--flatten --merge! --minify --raw"),
    ("config use-context|use", "lit", ""),
    ("config current-context", "lit", ""),
    ("config get-contexts", "lit", "--no-headers -o|--output="),
    ("config get-clusters", "lit", ""),
    ("config get-users", "lit", ""),
    # -n for set-context arrived in kubectl 1.35 (kubernetes/kubernetes#134384)
    ("config set-context", "lit", "--cluster= --current -n|--namespace= --user="),
    (
        "config set-cluster",
        "lit",
        "--certificate-authority= --embed-certs --insecure-skip-tls-verify "
        "--proxy-url= --server= --tls-server-name=",
    ),
    (
        "config set-credentials",
        "lit",
        "--auth-provider= --auth-provider-arg=* --client-certificate= "
        "--client-key= --embed-certs --exec-api-version= --exec-arg=* --exec-command= --exec-env=* "
        "--password= --token= --username=",
    ),
    ("config delete-context", "lit", ""),
    ("config delete-cluster", "lit", ""),
    ("config delete-user", "lit", ""),
    ("config rename-context", "lit", ""),
    ("config set", "lit", "--set-raw-bytes"),
    ("config unset", "lit", ""),
    ("auth can-i", "lit", "-A|--all-namespaces --list --no-headers -q|--quiet --subresource="),
    ("auth whoami", "lit", _K_PRINT),
    (
        "events",
        "lit",
        "-o|--output= --allow-missing-template-keys! --show-managed-fields --template= "
        "-A|--all-namespaces --chunk-size=~500 --for= --no-headers --types=+ -w|--watch",
    ),
    (
        "debug",
        "lit",
        "--arguments-only --attach -c|--container= --copy-to= --custom= --env=* "
        "--image=@ --image-pull-policy= --keep-annotations --keep-init-containers! --keep-labels "
        "--keep-liveness --keep-readiness --keep-startup --profile=~legacy -q|--quiet --replace "
        "--same-node --set-image=* --share-processes! -i|--stdin --target= -t|--tty",
    ),
    (
        "proxy",
        "lit",
        "--accept-hosts= --accept-paths= --address= --api-prefix= --append-server-path "
        "--disable-filter --keepalive= -p|--port= --reject-methods= --reject-paths= -u|--unix-socket= "
        "-w|--www= -P|--www-prefix=",
    ),
    ("kustomize", "lit", "--enable-helm --load-restrictor= -o|--output="),
    ("certificate approve", "lit", _K_CERT),
    ("certificate deny", "lit", _K_CERT),
    ("completion", "lit", ""),
    ("plugin list", "lit", "--name-only"),
    ("options", "lit", ""),
)

_D_GLOBAL = _flags(
    "--config= -c|--context= -D|--debug -H|--host=* -l|--log-level=~info --tls --tlscacert= "
    "--tlscert= --tlskey= --tlsverify",
    prefix="docker.",
)
_D_RUN_COMMON = (
    "--add-host=* -a|--attach=* --cap-add=* --cap-drop=* --cgroupns= --cidfile= -c|--cpu-shares= "
    "--cpus= --cpuset-cpus= --device=* --dns=* --dns-option=* --dns-search=* --domainname= "
    "--entrypoint= -e|--env=* --env-file=* --expose=* --gpus= --group-add=* --health-cmd= "
    "--health-interval= --health-retries= --health-start-period= --health-timeout= "
    "-h|--hostname= --init -i|--interactive --ip= --ip6= --ipc= --isolation= -l|--label=* "
    "--label-file=* --link=* --log-driver= --log-opt=* --mac-address= -m|--memory= "
    "--memory-reservation= --memory-swap= --mount=* --name= --network,--net= "
    "--network-alias,--net-alias=* --no-healthcheck --oom-kill-disable --pid= --pids-limit= "
    "--platform= --privileged -p|--publish=* -P|--publish-all --pull=~missing -q|--quiet "
    "--read-only --restart=~no --rm --runtime= --security-opt=* --shm-size= --stop-signal= "
    "--stop-timeout= --storage-opt=* --sysctl=* --tmpfs=* -t|--tty --ulimit=* -u|--user= "
    "--userns= --uts= -v|--volume=* --volume-driver= --volumes-from=* -w|--workdir= "
)
_D_BUILD = (
    "--add-host=* --allow=* --annotation=* --build-arg=* --build-context=* --builder= "
    "--cache-from=* --cache-to=* --call= --cgroup-parent= --check -f|--file= --iidfile= --label=* "
    "--load --metadata-file= --network= --no-cache --no-cache-filter=* -o|--output=* --platform=+ "
    "--progress=~auto --provenance= --pull --push -q|--quiet --sbom= --secret=* --shm-size= "
    "--ssh=* -t|--tag=*@ --target= --ulimit=*"
)
_D_STOP = "-s|--signal= -t|--timeout,--time="

# (command path with aliases, positional arguments, flags, legacy top-level names, interspersed)
_DOCKER: tuple[tuple[str, str, str, str, bool], ...] = (
    (
        "container ls|list|ps",
        "lit",
        "-a|--all -f|--filter=* --format= -n|--last=~-1 -l|--latest --no-trunc -q|--quiet -s|--size",
        "ps",
        True,
    ),
    ("container run", "image", _D_RUN_COMMON + "-d|--detach --detach-keys= --sig-proxy!", "run", False),
    ("container create", "image", _D_RUN_COMMON, "create", False),
    (
        "container exec",
        "lit",
        "-d|--detach --detach-keys= -e|--env=* --env-file=* -i|--interactive "
        "--privileged -t|--tty -u|--user= -w|--workdir=",
        "exec",
        False,
    ),
    (
        "container logs",
        "lit",
        "--details -f|--follow --since= -n|--tail=~all -t|--timestamps --until=",
        "logs",
        True,
    ),
    ("container inspect", "lit", "-f|--format= -s|--size", "", True),
    ("container commit", "commit", "-a|--author= -c|--change=* -m|--message= -p|--pause!", "commit", False),
    ("container diff", "lit", "", "diff", True),
    ("container rm|remove", "lit", "-f|--force -l|--link -v|--volumes", "rm", True),
    (
        "container start",
        "lit",
        "-a|--attach --checkpoint= --checkpoint-dir= --detach-keys= -i|--interactive",
        "start",
        True,
    ),
    ("container stop", "lit", _D_STOP, "stop", True),
    ("container restart", "lit", _D_STOP, "restart", True),
    ("container kill", "lit", "-s|--signal=", "kill", True),
    ("container pause", "lit", "", "pause", True),
    ("container unpause", "lit", "", "unpause", True),
    ("container top", "lit", "", "top", False),
    ("container port", "lit", "", "port", True),
    ("container rename", "lit", "", "rename", True),
    ("container wait", "lit", "", "wait", True),
    ("container attach", "lit", "--detach-keys= --no-stdin --sig-proxy!", "attach", True),
    ("container cp", "lit", "-a|--archive -L|--follow-link -q|--quiet", "cp", True),
    ("container export", "lit", "-o|--output=", "export", True),
    ("container stats", "lit", "-a|--all --format= --no-stream --no-trunc", "stats", True),
    (
        "container update",
        "lit",
        "-c|--cpu-shares= --cpus= -m|--memory= --memory-swap= --restart=",
        "update",
        True,
    ),
    ("container prune", "lit", "--filter=* -f|--force", "", True),
    (
        "image ls|list",
        "lit",
        "-a|--all --digests -f|--filter=* --format= --no-trunc -q|--quiet --tree",
        "images",
        True,
    ),
    ("image history", "image", "--format= -H|--human! --no-trunc --platform= -q|--quiet", "history", True),
    ("image rm|remove", "images", "-f|--force --no-prune --platform=*", "rmi", True),
    ("image inspect", "images", "-f|--format= --platform=", "", True),
    ("image pull", "image", "-a|--all-tags --disable-content-trust! --platform= -q|--quiet", "pull", True),
    ("image push", "image", "-a|--all-tags --disable-content-trust! --platform= -q|--quiet", "push", True),
    ("image tag", "images", "", "tag", False),
    ("image build", "lit", _D_BUILD, "build", True),
    ("image save", "images", "-o|--output= --platform=*", "save", True),
    ("image load", "lit", "-i|--input= -q|--quiet --platform=*", "load", True),
    ("image import", "lit", "-c|--change=* -m|--message= --platform=", "import", True),
    ("image prune", "lit", "-a|--all --filter=* -f|--force", "", True),
    ("inspect", "lit", "-f|--format= -s|--size --type=", "", True),
    ("volume ls|list", "lit", "--cluster -f|--filter=* --format= -q|--quiet", "", True),
    ("volume create", "lit", "-d|--driver=~local --label=* --name= -o|--opt=*", "", True),
    ("volume rm|remove", "lit", "-f|--force", "", True),
    ("volume inspect", "lit", "-f|--format=", "", True),
    ("volume prune", "lit", "-a|--all --filter=* -f|--force", "", True),
    ("network ls|list", "lit", "-f|--filter=* --format= --no-trunc -q|--quiet", "", True),
    (
        "network create",
        "lit",
        "--attachable --aux-address=* --config-from= --config-only "
        "-d|--driver=~bridge --gateway=* --ingress --internal --ip-range=* --ipam-driver= --ipam-opt=* "
        "--ipv4! --ipv6 --label=* -o|--opt=* --scope= --subnet=*",
        "",
        True,
    ),
    ("network rm|remove", "lit", "-f|--force", "", True),
    ("network inspect", "lit", "-f|--format= -v|--verbose", "", True),
    (
        "network connect",
        "lit",
        "--alias=* --driver-opt=* --gw-priority= --ip= --ip6= --link=* --link-local-ip=*",
        "",
        True,
    ),
    ("network disconnect", "lit", "-f|--force", "", True),
    ("network prune", "lit", "--filter=* -f|--force", "", True),
    ("system df", "lit", "--format= -v|--verbose", "", True),
    ("system prune", "lit", "-a|--all --filter=* -f|--force --volumes", "", True),
    ("system info", "lit", "-f|--format=", "info", True),
    ("system events", "lit", "-f|--filter=* --format= --since= --until=", "events", True),
    ("context ls|list", "lit", "--format= -q|--quiet", "", True),
    ("context use", "lit", "", "", True),
    ("context show", "lit", "", "", True),
    ("context inspect", "lit", "-f|--format=", "", True),
    ("context rm|remove", "lit", "-f|--force", "", True),
    ("builder prune", "lit", "-a|--all --filter=* -f|--force --keep-storage=", "", True),
    ("version", "lit", "-f|--format=", "", True),
    ("login", "lit", "-p|--password= --password-stdin -u|--username=", "", True),
    ("logout", "lit", "", "", True),
    ("search", "lit", "-f|--filter=* --format= --limit= --no-trunc", "", True),
)
_D_HELP = _flags("--help")


def _child(parent: Node, words: str, table: FlagTable) -> Node:
    names = words.split("|")
    node = parent.children.get(names[0])
    if node is None:
        node = Node(program=parent.program, path=(*parent.path, names[0]), table=table)
    for name in names:
        parent.children[name] = node
    return node


def _finish(node: Node, table: FlagTable, extra: Mapping[str, Flag] = {}) -> None:
    node.table = table
    node.by_key = {flag.key: flag for flag in (*table.longs.values(), *extra.values())}


def _build_kubectl() -> Node:
    globals_only = FlagTable.of(_K_GLOBAL)
    root = Node(program="kubectl", path=(), table=globals_only)
    _finish(root, globals_only)
    for path, args, spec in _KUBECTL:
        node = root
        for words in path.split():
            node = _child(node, words, globals_only)
            if not node.by_key:
                _finish(node, globals_only)
        _finish(node, FlagTable.of(_flags(spec), _K_GLOBAL))
        node.args, node.runnable = args, True
    return root


def _build_docker() -> Node:
    help_only = FlagTable.of(_D_HELP)
    root = Node(program="docker", path=(), table=FlagTable.of(_D_GLOBAL, _D_HELP))
    _finish(root, root.table)
    for path, args, spec, legacy, interspersed in _DOCKER:
        node = root
        for words in path.split():
            node = _child(node, words, help_only)
            if not node.by_key:
                _finish(node, help_only, _D_GLOBAL)
        _finish(node, FlagTable.of(_flags(spec), _D_HELP), _D_GLOBAL)
        node.args, node.runnable, node.interspersed = args, True, interspersed
        if legacy:
            root.children[legacy] = node
    return root


PROGRAMS: dict[str, Node] = {"kubectl": _build_kubectl(), "docker": _build_docker()}

# --- reading the text --------------------------------------------------------------------------

_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_ENV_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"


def split_command(text: str) -> list[str]:
    """The words of one simple shell command; raise ``InvalidResponse`` for anything else."""
    if len(text) > MAX_LENGTH:
        raise InvalidResponse(TOO_LONG)
    if not text.isascii():
        text = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in text)
        if any(unicodedata.category(ch) in _BAD_CATEGORIES for ch in text):
            raise InvalidResponse(CONTROL_CHARACTERS)
    elif _ASCII_CONTROL.search(text):
        raise InvalidResponse(CONTROL_CHARACTERS)
    text = _check_shell_syntax(text)
    try:
        words = shlex.split(text, posix=True)
    except ValueError:
        raise InvalidResponse(UNBALANCED_QUOTES) from None
    while words and words[0] in {"$", "sudo"}:
        words.pop(0)
    if not words:
        raise InvalidResponse(EMPTY_RESPONSE)
    return words


def _check_shell_syntax(text: str) -> str:
    """Refuse operators outside quotes; cut a comment. Quotes themselves are left to shlex."""
    quote = ""
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if quote == "'":
            if char == "'":
                quote = ""
        elif char == "\\":
            index += 1
        elif char == "`" or (char == "$" and text[index + 1 : index + 2] == "("):
            raise InvalidResponse(SUBSTITUTION)
        elif quote == '"':
            if char == '"':
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or text[index - 1] in " \t"):
            return text[:index]
        elif char in ";&|":
            raise InvalidResponse(MULTIPLE_COMMANDS)
        elif char in "<>":
            raise InvalidResponse(REDIRECTION)
        elif char in "()":
            raise InvalidResponse(SHELL_SYNTAX)
        index += 1
    return text


# --- parsing the words -------------------------------------------------------------------------

Pair = tuple[str, str]


@dataclass(frozen=True)
class Parsed:
    """A command in canonical form. Two commands are equivalent when their ``key`` is equal."""

    program: str = ""
    verb: tuple[str, ...] = ()
    resources: frozenset[Pair] | None = None  # (plural, name or "") for the resource verbs
    args: tuple[str, ...] = ()  # the other positional arguments, in order
    flags: tuple[Pair, ...] = ()  # (flag key, value), sorted
    problems: tuple[Note, ...] = ()
    node: Node | None = field(default=None, compare=False, repr=False)
    # Where the parts stand in the words read, for tools that rewrite a command word by word
    # (not compared): ``words[start:end]`` of ``program_span`` name the program (``k3s kubectl``),
    # the words before set its variables (``env KUBECONFIG=k.yaml``); ``verb_indexes`` are the
    # command words (``get``; ``image ls``), wherever flags stand between them.
    program_span: tuple[int, int] = field(default=(0, 0), compare=False, repr=False)
    verb_indexes: frozenset[int] = field(default=frozenset(), compare=False, repr=False)

    @property
    def key(self) -> tuple:
        return (self.program, self.verb, self.resources, self.args, self.flags)


_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})
_VALUE_ALIASES = {
    "validate": {"true": "strict", "false": "ignore"},
    "cascade": {"true": "background", "false": "orphan"},
}


def normalise_image(reference: str) -> str:
    """``nginx`` -> ``nginx:latest``; ``docker.io/library/`` and ``docker.io/`` dropped."""
    name, at, digest = reference.partition("@")
    for prefix in ("docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/"):
        if name.startswith(prefix) and len(name) > len(prefix):
            name = name[len(prefix) :]
            break
    if not at and name and ":" not in name.rsplit("/", 1)[-1]:
        name += ":latest"
    return name + at + digest


class _Reader:
    """Reads the words after the program name, as pflag would, into flags and positionals."""

    def __init__(self, words: Sequence[str], problems: list[Note]) -> None:
        self.words = words
        self.problems = problems
        self.values: dict[str, list[str]] = {}
        self.flags_of: dict[str, Flag] = {}

    def _record(self, flag: Flag, value: str) -> None:
        if flag.mode == "bool":
            if value in _TRUE:
                value = "true"
            elif value in _FALSE:
                value = "false"
            else:
                self.problems.append(_note(NOT_A_BOOLEAN, flag=f"--{flag.long}", value=value))
                return
        else:
            value = _VALUE_ALIASES.get(flag.long, {}).get(value, value)
            if flag.image:
                value = normalise_image(value)
        self.flags_of[flag.key] = flag
        if flag.repeat:
            values = value.split(",") if flag.split else [value]
            self.values.setdefault(flag.key, []).extend(values)
        else:
            self.values[flag.key] = [value]

    def flag(self, index: int, table: FlagTable) -> int:
        """Read the flag word at ``index`` (and its value); return the index of the next word."""
        word = self.words[index]
        if word.startswith("--"):
            name, eq, value = word[2:].partition("=")
            flag = table.longs.get(name)
            if flag is None:
                self.problems.append(_unknown_flag(f"--{name}", table))
                return index + 1
            if flag.mode != "value":
                self._record(flag, value if eq else flag.bare)
            elif eq:
                self._record(flag, value)
            elif index + 1 < len(self.words):
                self._record(flag, self.words[index + 1])
                return index + 2
            else:
                self.problems.append(_note(MISSING_VALUE, flag=word))
            return index + 1
        body = word[1:]
        name = body.split("=", 1)[0]
        if len(name) > 1 and name in table.longs:
            self.problems.append(_note(SINGLE_DASH, flag=word, fixed=f"-{word}"))
            return index + 1
        position = 0
        while position < len(body):
            flag = table.shorts.get(body[position])
            if flag is None:
                self.problems.append(_unknown_flag(f"-{body[position]}", table))
                return index + 1
            rest = body[position + 1 :]
            if flag.mode != "value":
                if rest.startswith("="):
                    self._record(flag, rest[1:])
                    return index + 1
                self._record(flag, flag.bare)
                position += 1
                continue
            if rest:
                self._record(flag, rest[1:] if rest.startswith("=") else rest)
            elif index + 1 < len(self.words):
                self._record(flag, self.words[index + 1])
                return index + 2
            else:
                self.problems.append(_note(MISSING_VALUE, flag=f"-{body[position]}"))
            return index + 1
        return index + 1

    def rest(self, start: int, table: FlagTable, *, interspersed: bool, skip: frozenset[int]) -> list[str]:
        """Read flags and positionals from ``start`` to the end; return the positionals."""
        positionals: list[str] = []
        index = start
        while index < len(self.words):
            if index in skip:
                index += 1
                continue
            word = self.words[index]
            if word == "--":
                tail = enumerate(self.words[index + 1 :], index + 1)
                positionals.extend(w for i, w in tail if i not in skip)
                break
            if word.startswith("-") and len(word) > 1:
                index = self.flag(index, table)
                continue
            positionals.append(word)
            index += 1
            if not interspersed:
                positionals.extend(self.words[index:])
                break
        return positionals

    def canonical_flags(self) -> tuple[Pair, ...]:
        pairs: list[Pair] = []
        for key, values in self.values.items():
            flag = self.flags_of[key]
            if not flag.repeat and values[0] == flag.default:
                continue
            pairs.extend((key, value) for value in values)
        return tuple(sorted(pairs))


def _hint(word: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.7)
    return close[0] if close else ""


def _unknown_flag(flag: str, table: FlagTable) -> Note:
    if flag.startswith("--"):
        hint = _hint(flag[2:], table.longs)
        if hint:
            return _note(UNKNOWN_FLAG_HINT, flag=flag, hint=f"--{hint}")
    return _note(UNKNOWN_FLAG, flag=flag)


def _typographic_dash(words: Sequence[str]) -> Note | None:
    for word in words:
        if word[:1] in _DASHES:
            body = word.lstrip(_DASHES)
            name = body.split("=", 1)[0]
            fixed = f"-{body}" if len(name) == 1 else f"--{body}"
            return _note(TYPOGRAPHIC_DASH, word=word, fixed=fixed)
    return None


def _resource_type(token: str, problems: list[Note]) -> str:
    canonical = resource_names.canonical_resource(token)
    if canonical is not None:
        return canonical
    found = resource_names.lookup(token)
    if found is not None and found.removed_in:
        problems.append(_note(REMOVED_RESOURCE, resource=token, version=found.removed_in))
    elif found is not None:
        problems.append(_note(NOT_AN_API_RESOURCE, resource=token))
    else:
        hint = _hint(token.lower(), resource_names.all_names())
        if hint:
            problems.append(_note(UNKNOWN_RESOURCE_HINT, resource=token, hint=hint))
        else:
            problems.append(_note(UNKNOWN_RESOURCE, resource=token))
    return token


def _resources(tokens: Sequence[str], problems: list[Note]) -> frozenset[Pair]:
    if not tokens:
        return frozenset()
    if any("/" in token for token in tokens):
        if not all("/" in token for token in tokens):
            problems.append(_note(MIXED_RESOURCE_FORMS))
            return frozenset()
        pairs = set()
        for token in tokens:
            kind, _slash, name = token.partition("/")
            pairs.add((_resource_type(kind, problems), name))
        return frozenset(pairs)
    kinds = [_resource_type(kind, problems) for kind in tokens[0].split(",") if kind]
    names = tokens[1:] or [""]
    return frozenset((kind, name) for kind in kinds for name in names)


def _positionals(node: Node, words: list[str], problems: list[Note]) -> tuple[frozenset[Pair] | None, tuple]:
    shape = node.args
    if shape == "res":
        return _resources(words, problems), ()
    if shape == "res+":
        count = 0
        while count < len(words) and "=" not in words[count] and not words[count].endswith("-"):
            count += 1
        return _resources(words[:count], problems), tuple(words[count:])
    if shape == "pod":
        if not words:
            return frozenset(), ()
        first = words[0] if "/" in words[0] else f"pods/{words[0]}"
        return _resources([first], problems), tuple(words[1:])
    if shape == "explain" and words:
        kind, dot, path = words[0].partition(".")
        return None, (_resource_type(kind, problems) + dot + path, *words[1:])
    if shape == "image" and words:
        return None, (normalise_image(words[0]), *words[1:])
    if shape == "images":
        return None, tuple(map(normalise_image, words))
    if shape == "commit" and len(words) > 1:
        return None, (words[0], normalise_image(words[1]), *words[2:])
    return None, tuple(words)


def _find_kubectl_verb(words: Sequence[str], root: Node) -> tuple[Node, set[int], list[str], str]:
    """Walk the command words as cobra does: flags may come before and between them.

    Returns the command node, the indexes of its words, the flags found before a command word
    that the node before it does not know (cobra would take the command word as their value),
    and the word where the walk stopped.
    """
    node, used, index = root, set(), 0
    misplaced: list[str] = []
    while index < len(words):
        word = words[index]
        if word == "--":
            break
        if word.startswith("-") and len(word) > 1:
            following = words[index + 1] if index + 1 < len(words) else ""
            if word.startswith("--"):
                name, eq, _value = word[2:].partition("=")
                flag = node.table.longs.get(name)
                takes_next = not eq and (flag is None or flag.mode == "value")
            else:
                flag = node.table.shorts.get(word[1])
                takes_next = len(word) == 2 and (flag is None or flag.mode == "value")
            if flag is None and node.children and following in node.children:
                misplaced.append(word)
                takes_next = False
            index += 2 if takes_next else 1
            continue
        child = node.children.get(word)
        if child is None:
            return node, used, misplaced, word
        node = child
        used.add(index)
        index += 1
    return node, used, misplaced, ""


def _knows(table: FlagTable, word: str) -> bool:
    if word.startswith("--"):
        return word[2:].partition("=")[0] in table.longs
    return word[1:2] in table.shorts


def _command_problem(node: Node, following: str) -> Note | None:
    """A problem when the words name no runnable command."""
    if node.runnable:
        return None
    if following and node.children:
        name = " ".join((node.display, following))
        hint = _hint(following, node.children)
        if hint:
            return _note(UNKNOWN_COMMAND_HINT, command=name, hint=" ".join((node.display, hint)))
        return _note(UNKNOWN_COMMAND, command=name)
    if not node.path:
        return _note(NO_COMMAND, program=node.program)
    return _note(INCOMPLETE_COMMAND, command=node.display)


# A variable set before the program, and the global flag it stands for. Only variables with an
# exact flag equivalent: KUBECONFIG names one file here (kubectl merges a list: no flag does).
_ENV_FLAGS: dict[str, dict[str, str]] = {"kubectl": {"KUBECONFIG": "--kubeconfig"}}


def _assignments(words: list[str]) -> tuple[list[str], list[str]]:
    """The ``NAME=value`` words before the program (after ``env``, if it comes first), and the
    words that follow them."""
    start = 1 if words[0] == "env" and len(words) > 1 and _ENV_WORD.match(words[1]) else 0
    end = start
    while end < len(words) and _ENV_WORD.match(words[end]):
        end += 1
    return words[start:end], words[end:]


def _environment_flags(program: str, assignments: Sequence[str]) -> tuple[list[str], Note | None]:
    """The flag words the variables stand for, to put before the other words (so a flag the
    command also gives comes later and wins, as in the CLI)."""
    flags: list[str] = []
    for word in assignments:
        name, _eq, value = word.partition("=")
        flag = _ENV_FLAGS.get(program, {}).get(name)
        if flag is None or ":" in value:
            return [], _note(ENV_ASSIGNMENT, word=word)
        if value:  # KUBECONFIG= (empty) is as good as unset
            flags.append(f"{flag}={value}")
    return flags, None


class _Start(NamedTuple):
    """How a command starts: the program, where its name stands among the words (those before
    set its variables), the flag words the variables stand for; or a problem."""

    program: str = ""
    span: tuple[int, int] = (0, 0)
    flags: tuple[str, ...] = ()
    problem: Note | None = None


def _program(words: list[str]) -> _Start:
    assignments, after = _assignments(words)
    start = len(words) - len(after)
    if not after:
        return _Start(problem=_note(NO_COMMAND, program=assignments[-1]))
    if assignments and after[0] == "sudo":
        return _Start(problem=_note(ENV_BEFORE_SUDO, word=assignments[0]))
    first = after[0]
    base = first.rsplit("/", 1)[-1]
    program, length = "", 0
    if base in {"kubectl", "k", "microk8s.kubectl"}:
        program, length = "kubectl", 1
    elif base in {"k3s", "microk8s"} and after[1:2] == ["kubectl"]:
        program, length = "kubectl", 2
    elif base == "docker":
        program, length = "docker", 1
    if program:
        flags, problem = _environment_flags(program, assignments)
        return _Start(program, (start, start + length), tuple(flags), problem)
    hint = _hint(base, PROGRAMS)
    if hint:
        return _Start(problem=_note(UNKNOWN_PROGRAM_HINT, program=first, hint=hint))
    return _Start(problem=_note(UNKNOWN_PROGRAM, program=first))


def parse_command(text: str) -> Parsed:
    """Parse one command; raise ``InvalidResponse`` when it cannot be read at all.

    A command that can be read but is wrong in itself (unknown flag, unknown resource...)
    comes back with ``problems``.
    """
    return parse_words(split_command(text))


def parse_words(given: list[str]) -> Parsed:
    program, span, env_flags, problem = _program(given)
    if problem is not None:
        return Parsed(problems=(problem,))
    # The variables' flags first, so that a flag the command also gives comes later and wins.
    words = [*env_flags, *given[span[1] :]]
    shift = span[1] - len(env_flags)  # words[i] is given[i + shift], past the variables' flags
    dash = _typographic_dash(words)
    if dash is not None:
        return Parsed(program=program, problems=(dash,))
    problems: list[Note] = []
    reader = _Reader(words, problems)
    root = PROGRAMS[program]
    start = 0
    if program == "kubectl":
        node, used, misplaced, following = _find_kubectl_verb(words, root)
        problems += [_note(MISPLACED_FLAG, flag=word) for word in misplaced if _knows(node.table, word)]
    else:
        while start < len(words) and words[start].startswith("-") and len(words[start]) > 1:
            start = reader.flag(start, root.table)
        node, used = root, set()
        while start < len(words) and words[start] in node.children:
            node = node.children[words[start]]
            used.add(start)
            start += 1
        following = words[start] if start < len(words) else ""
    where = {"program_span": span, "verb_indexes": frozenset(index + shift for index in used)}
    missing = _command_problem(node, following)
    if missing is not None:
        return Parsed(program=program, verb=node.path, problems=(*problems, missing), node=node, **where)
    positionals = reader.rest(start, node.table, interspersed=node.interspersed, skip=frozenset(used))
    resources, args = _positionals(node, positionals, problems)
    return Parsed(
        program=program,
        verb=node.path,
        resources=resources,
        args=args,
        flags=reader.canonical_flags(),
        problems=tuple(problems),
        node=node,
        **where,
    )


@lru_cache(maxsize=4096)
def _accepted(text: str) -> Parsed:
    """Accepted answers and mistakes from a spec: validated by build_spec, parsed once."""
    return parse_command(text)


# --- comparing ---------------------------------------------------------------------------------


def _flag_of(parsed: Parsed, key: str) -> Flag:
    flag = parsed.node.by_key.get(key) if parsed.node is not None else None
    return flag or Flag(key=key, long=key.removeprefix("docker."))


def _display_resource(pair: Pair) -> str:
    kind, name = pair
    return f"{kind}/{name}" if name else kind


def _differences(given: Parsed, expected: Parsed) -> list[Note]:
    if given.program != expected.program:
        return [_note(WRONG_PROGRAM, given=given.program, expected=expected.program)]
    if given.verb != expected.verb:
        return [
            _note(
                WRONG_COMMAND,
                given=" ".join((given.program, *given.verb)),
                expected=" ".join((expected.program, *expected.verb)),
            )
        ]
    notes = _resource_differences(given.resources or frozenset(), expected.resources or frozenset())
    notes += _argument_differences(given.args, expected.args)
    notes += _flag_differences(given, expected)
    return notes


def _resource_differences(given: frozenset[Pair], expected: frozenset[Pair]) -> list[Note]:
    missing, extra = sorted(expected - given), sorted(given - expected)
    # `describe node` against `describe node/x`: the bare type is just the name left out
    missing_kinds = {kind for kind, name in missing if name}
    extra_kinds = {kind for kind, name in extra if name}
    missing = [pair for pair in missing if pair[1] or pair[0] not in extra_kinds]
    extra = [pair for pair in extra if pair[1] or pair[0] not in missing_kinds]
    if len(missing) == 1 and len(extra) == 1:
        (want_kind, want_name), (got_kind, got_name) = missing[0], extra[0]
        if want_kind == got_kind and want_name and got_name:
            return [_note(WRONG_NAME, given=got_name, expected=want_name)]
        if want_kind != got_kind and want_name == got_name:
            given_text, expected_text = _display_resource(extra[0]), _display_resource(missing[0])
            return [_note(WRONG_RESOURCE, given=given_text, expected=expected_text)]
    return [_note(MISSING, item=_display_resource(p)) for p in missing] + [
        _note(UNEXPECTED, item=_display_resource(p)) for p in extra
    ]


def _argument_differences(given: tuple[str, ...], expected: tuple[str, ...]) -> list[Note]:
    notes: list[Note] = []
    matcher = difflib.SequenceMatcher(a=given, b=expected, autojunk=False)
    for tag, g1, g2, e1, e2 in matcher.get_opcodes():
        if tag == "replace" and g2 - g1 == e2 - e1:
            pairs = zip(given[g1:g2], expected[e1:e2], strict=True)
            notes += [_note(WRONG_ARGUMENT, given=g, expected=e) for g, e in pairs]
        elif tag != "equal":
            notes += [_note(MISSING, item=e) for e in expected[e1:e2]]
            notes += [_note(UNEXPECTED, item=g) for g in given[g1:g2]]
    return notes


def _flag_differences(given: Parsed, expected: Parsed) -> list[Note]:
    notes: list[Note] = []
    given_values: dict[str, list[str]] = {}
    expected_values: dict[str, list[str]] = {}
    for key, value in given.flags:
        given_values.setdefault(key, []).append(value)
    for key, value in expected.flags:
        expected_values.setdefault(key, []).append(value)
    for key in sorted(set(given_values) | set(expected_values)):
        mine, theirs = given_values.get(key, []), expected_values.get(key, [])
        if mine == theirs:
            continue
        flag = _flag_of(expected if theirs else given, key)
        if mine and theirs and not flag.repeat and flag.mode != "bool":
            name = flag.name if flag.mode == "value" else f"--{flag.long}"
            notes.append(_note(WRONG_VALUE, flag=name, given=mine[0], expected=theirs[0]))
            continue
        remaining = list(mine)
        for value in theirs:
            if value in remaining:
                remaining.remove(value)
            else:
                notes.append(_note(MISSING, item=flag.display(value)))
        for value in remaining:
            notes.append(_note(UNEXPECTED, item=flag.display(value)))
        if key == "namespace" and "default" in mine + theirs and not (mine and theirs):
            notes.append(_note(DEFAULT_NAMESPACE, flag=flag.display("default")))
    return notes


def _distance(given: Parsed, expected: Parsed, notes: list[Note]) -> int:
    if given.program != expected.program:
        return 10_000
    if given.verb != expected.verb:
        return 1_000
    return len(notes)


def _free_keys(spec: Mapping[str, Any], parsed: Parsed) -> frozenset[str]:
    if not spec.get("any_value") or parsed.node is None:
        return frozenset()
    keys = set()
    for spelling in spec["any_value"]:
        table = parsed.node.table
        flag = table.longs.get(spelling[2:]) if spelling.startswith("--") else table.shorts.get(spelling[1:])
        if flag is not None:
            keys.add(flag.key)
    return frozenset(keys)


def _masked(parsed: Parsed, free: frozenset[str]) -> Parsed:
    if not free or not any(key in free for key, _value in parsed.flags):
        return parsed
    flags = tuple(sorted((key, "…" if key in free else value) for key, value in parsed.flags))
    return dataclasses.replace(parsed, flags=flags)


@dataclass(frozen=True)
class Comparison:
    correct: bool
    closest: str  # the accepted answer closest to the student's command
    notes: tuple[Note, ...]  # problems of the command, or what differs from ``closest``
    mistake_html: str = ""


def compare(spec: Mapping[str, Any], text: str) -> Comparison:
    """Compare a student's command with the spec's accepted answers. Pure and cheap."""
    answers: list[str] = spec["answers"]
    try:
        given = parse_command(text)
    except InvalidResponse as error:
        return Comparison(False, answers[0], (Note(error.args[0]),))
    if given.problems:
        return Comparison(False, answers[0], given.problems)
    best: tuple[int, str, list[Note]] | None = None
    for answer in answers:
        expected = _accepted(answer)
        free = _free_keys(spec, expected)
        mine, theirs = _masked(given, free), _masked(expected, free)
        if mine.key == theirs.key:
            return Comparison(True, answer, ())
        notes = _differences(mine, theirs)
        distance = _distance(mine, theirs, notes)
        if best is None or distance < best[0]:
            best = (distance, answer, notes)
    assert best is not None
    mistake_html = next(
        (m["feedback_html"] for m in spec.get("mistakes", ()) if _accepted(m["command"]).key == given.key),
        "",
    )
    return Comparison(False, best[1], tuple(best[2]), mistake_html)


# --- the kind interface ------------------------------------------------------------------------


def _text_list(
    raw: Mapping[str, Any], key: str, problems: list[tuple[str, str]], *, required: bool
) -> list[str]:
    value = raw.get(key)
    if value is None and not required:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        problems.append((key, gettext("%(field)s must be a non-empty list of commands") % {"field": key}))
        return []
    out: list[str] = []
    for index, item in enumerate(value, start=1):
        if not isinstance(item, str) or not item.strip():
            problems.append(
                (
                    key,
                    gettext("%(field)s item %(number)s must be non-empty text")
                    % {"field": key, "number": index},
                )
            )
            continue
        out.append(item.strip())
    return out


def _check_command(text: str, label: str, problems: list[tuple[str, str]], key: str) -> Parsed | None:
    """Parse an accepted command of the spec; a problem (in the active language) if it is wrong."""
    try:
        parsed = _accepted(text)
        error = "; ".join(note.text() for note in parsed.problems) or None
    except InvalidResponse as refused:  # it cannot be read at all
        error = refused.args[0]
    if error is None:
        return parsed
    problems.append(
        (key, gettext("%(label)s %(text)s: %(error)s") % {"label": label, "text": repr(text), "error": error})
    )
    return None


def build_spec(raw: Mapping[str, Any], *, uid: str) -> dict:
    problems: list[tuple[str, str]] = []
    answers = _text_list(raw, "answers", problems, required=True)
    parsed_answers: list[tuple[str, Parsed]] = []
    for index, text in enumerate(answers, start=1):
        parsed = _check_command(text, gettext("answer %(number)s") % {"number": index}, problems, "answers")
        if parsed is None:
            continue
        twin = next((other for other, p in parsed_answers if p.key == parsed.key), None)
        if twin is not None:
            problems.append(
                (
                    "answers",
                    gettext(
                        "answer %(number)s %(text)s is equivalent to %(twin)s: "
                        "the grader accepts its variants"
                    )
                    % {"number": index, "text": repr(text), "twin": repr(twin)},
                )
            )
            continue
        parsed_answers.append((text, parsed))
    free = _text_list(raw, "any_value", problems, required=False)
    for spelling in free:
        probe = {"any_value": [spelling]}
        for text, parsed in parsed_answers:
            keys = _free_keys(probe, parsed)
            if not keys or parsed.node.by_key[next(iter(keys))].mode != "value":
                problems.append(
                    (
                        "any_value",
                        gettext("%(flag)s is not a flag with a value in %(text)s")
                        % {"flag": repr(spelling), "text": repr(text)},
                    )
                )
    mistakes: list[dict] = []
    items = raw.get("mistakes")
    if items is not None and not isinstance(items, list):
        problems.append(("mistakes", gettext("mistakes must be a list of {command, feedback}")))
        items = []
    for index, item in enumerate(items or [], start=1):
        if not isinstance(item, Mapping) or set(item) - {"command", "feedback"}:
            problems.append(
                (
                    "mistakes",
                    gettext("mistake %(number)s must be a mapping with command and feedback")
                    % {"number": index},
                )
            )
            continue
        command, feedback = str(item.get("command") or "").strip(), str(item.get("feedback") or "").strip()
        if not command or not feedback:
            problems.append(
                (
                    "mistakes",
                    gettext("mistake %(number)s needs both command and feedback") % {"number": index},
                )
            )
            continue
        parsed = _check_command(
            command, gettext("mistake %(number)s") % {"number": index}, problems, "mistakes"
        )
        if parsed is not None and any(p.key == parsed.key for _text, p in parsed_answers):
            problems.append(
                (
                    "mistakes",
                    gettext("mistake %(number)s %(command)s is equivalent to an accepted answer")
                    % {"number": index, "command": repr(command)},
                )
            )
            continue
        mistakes.append({"command": command, "feedback": feedback, "feedback_html": render_inline(feedback)})
    if problems:
        raise SpecError(problems)
    spec: dict[str, Any] = {"answers": answers}
    if mistakes:
        spec["mistakes"] = mistakes
    if free:
        spec["any_value"] = free
    return spec


def to_raw(spec: Mapping[str, Any]) -> dict:
    raw: dict[str, Any] = {"answers": list(spec["answers"])}
    if spec.get("mistakes"):
        raw["mistakes"] = [{"command": m["command"], "feedback": m["feedback"]} for m in spec["mistakes"]]
    if spec.get("any_value"):
        raw["any_value"] = list(spec["any_value"])
    return raw


def parse_response(spec: Mapping[str, Any], form: Mapping[str, Sequence[str]]) -> dict:
    text = single_value(form, "command")
    split_command(text)  # refuse now what cannot be graded, so the student can retype it
    return {"command": text}


def grade(*, spec: Mapping[str, Any], response: Mapping[str, Any]) -> Verdict:
    """1 or 0. The verdict carries the bank's feedback for a listed mistake; what differs from
    the closest accepted answer is shown by the template, from ``reveal`` (as for yaml, cloze)."""
    result = compare(spec, str(response.get("command", "")))
    if result.correct:
        return Verdict(correct=True, score=1.0)
    return Verdict(correct=False, score=0.0, feedback=(result.mistake_html,) if result.mistake_html else ())


def present(spec: Mapping[str, Any], *, seed: int | str) -> dict:
    return {"max_length": MAX_LENGTH}


def reveal(spec: Mapping[str, Any], response: Mapping[str, Any]) -> dict:
    """The accepted answers (closest first) and what differs from the closest one."""
    result = compare(spec, str(response.get("command", "")))
    answers = [result.closest, *(a for a in spec["answers"] if a != result.closest)]
    return {
        "correct": result.correct,
        "answers": answers,
        "closest": result.closest,
        "differences": [note.html() for note in result.notes],
    }


def response_view(spec: Mapping[str, Any], response: Any) -> dict:
    """The command as typed (``{"command"}``), for the template to escape."""
    return {"command": response_field(response, "command", str)}


def response_text(spec: Mapping[str, Any], response: Any) -> str:
    return response_field(response, "command", str)
