"""The one table of Kubernetes resource names the course, the banks and the graders agree on.

Each row is what ``kubectl api-resources`` prints for a resource (Kubernetes 1.33-1.35): its
plural name (the NAME column), its singular name, its short names (SHORTNAMES, often none),
its API group, whether it is namespaced, and its kind. A few rows are names the course uses
that are *not* API resources (``api=False``): a Volume is a field of the Pod spec, users and
groups come from authentication, PodSecurityPolicy was removed in 1.25. They are here so that
graders and the bank linter can say so instead of "unknown".

kubectl resolves a resource argument case-insensitively and accepts the plural, the singular,
a short name or the kind, optionally followed by ``.group`` or ``.version.group``
(``deploy.apps``, ``deployments.v1.apps``). ``canonical_resource`` does the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Resource:
    plural: str
    singular: str
    kind: str
    short_names: tuple[str, ...] = ()
    group: str = ""  # "" is the core group (apiVersion: v1)
    version: str = "v1"
    namespaced: bool = True
    api: bool = True  # False: kubectl does not know it (a field, an identity, a removed API)
    removed_in: str = ""  # the Kubernetes minor version that stopped serving it
    category: bool = False  # True for `all`, a category that expands to several resources

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def names(self) -> tuple[str, ...]:
        """Every lower-case spelling kubectl accepts for this resource (plural first)."""
        spellings = (self.plural, self.singular, *self.short_names, self.kind.lower())
        return tuple(dict.fromkeys(name for name in spellings if name))


def _r(plural: str, singular: str, kind: str, *short: str, **options: object) -> Resource:
    return Resource(plural=plural, singular=singular, kind=kind, short_names=tuple(short), **options)


RESOURCES: tuple[Resource, ...] = (
    # core group (apiVersion: v1)
    _r("pods", "pod", "Pod", "po"),
    _r("services", "service", "Service", "svc"),
    _r("configmaps", "configmap", "ConfigMap", "cm"),
    _r("secrets", "secret", "Secret"),
    _r("namespaces", "namespace", "Namespace", "ns", namespaced=False),
    _r("nodes", "node", "Node", "no", namespaced=False),
    _r("persistentvolumes", "persistentvolume", "PersistentVolume", "pv", namespaced=False),
    _r("persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", "pvc"),
    _r("serviceaccounts", "serviceaccount", "ServiceAccount", "sa"),
    _r("endpoints", "endpoints", "Endpoints", "ep"),  # deprecated in 1.33 for EndpointSlice
    _r("events", "event", "Event", "ev"),
    _r("limitranges", "limitrange", "LimitRange", "limits"),
    _r("resourcequotas", "resourcequota", "ResourceQuota", "quota"),
    _r("replicationcontrollers", "replicationcontroller", "ReplicationController", "rc"),
    _r("componentstatuses", "componentstatus", "ComponentStatus", "cs", namespaced=False),
    _r("podtemplates", "podtemplate", "PodTemplate"),
    # apps
    _r("deployments", "deployment", "Deployment", "deploy", group="apps"),
    _r("replicasets", "replicaset", "ReplicaSet", "rs", group="apps"),
    _r("statefulsets", "statefulset", "StatefulSet", "sts", group="apps"),
    _r("daemonsets", "daemonset", "DaemonSet", "ds", group="apps"),
    _r("controllerrevisions", "controllerrevision", "ControllerRevision", group="apps"),
    # batch
    _r("jobs", "job", "Job", group="batch"),
    _r("cronjobs", "cronjob", "CronJob", "cj", group="batch"),
    # autoscaling, policy, scheduling
    _r(
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        "HorizontalPodAutoscaler",
        "hpa",
        group="autoscaling",
        version="v2",
    ),
    _r("poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", "pdb", group="policy"),
    _r(
        "priorityclasses", "priorityclass", "PriorityClass", "pc", group="scheduling.k8s.io", namespaced=False
    ),
    # networking and discovery
    _r("ingresses", "ingress", "Ingress", "ing", group="networking.k8s.io"),
    _r("ingressclasses", "ingressclass", "IngressClass", group="networking.k8s.io", namespaced=False),
    _r("networkpolicies", "networkpolicy", "NetworkPolicy", "netpol", group="networking.k8s.io"),
    _r("endpointslices", "endpointslice", "EndpointSlice", group="discovery.k8s.io"),
    # storage
    _r("storageclasses", "storageclass", "StorageClass", "sc", group="storage.k8s.io", namespaced=False),
    _r("volumeattachments", "volumeattachment", "VolumeAttachment", group="storage.k8s.io", namespaced=False),
    _r("csidrivers", "csidriver", "CSIDriver", group="storage.k8s.io", namespaced=False),
    _r("csinodes", "csinode", "CSINode", group="storage.k8s.io", namespaced=False),
    # access control and certificates: no short names for the RBAC resources
    _r("roles", "role", "Role", group="rbac.authorization.k8s.io"),
    _r("rolebindings", "rolebinding", "RoleBinding", group="rbac.authorization.k8s.io"),
    _r("clusterroles", "clusterrole", "ClusterRole", group="rbac.authorization.k8s.io", namespaced=False),
    _r(
        "clusterrolebindings",
        "clusterrolebinding",
        "ClusterRoleBinding",
        group="rbac.authorization.k8s.io",
        namespaced=False,
    ),
    _r(
        "certificatesigningrequests",
        "certificatesigningrequest",
        "CertificateSigningRequest",
        "csr",
        group="certificates.k8s.io",
        namespaced=False,
    ),
    # cluster extension and machinery
    _r(
        "customresourcedefinitions",
        "customresourcedefinition",
        "CustomResourceDefinition",
        "crd",
        "crds",
        group="apiextensions.k8s.io",
        namespaced=False,
    ),
    _r("apiservices", "apiservice", "APIService", group="apiregistration.k8s.io", namespaced=False),
    _r("leases", "lease", "Lease", group="coordination.k8s.io"),
    _r("runtimeclasses", "runtimeclass", "RuntimeClass", group="node.k8s.io", namespaced=False),
    _r(
        "mutatingwebhookconfigurations",
        "mutatingwebhookconfiguration",
        "MutatingWebhookConfiguration",
        group="admissionregistration.k8s.io",
        namespaced=False,
    ),
    _r(
        "validatingwebhookconfigurations",
        "validatingwebhookconfiguration",
        "ValidatingWebhookConfiguration",
        group="admissionregistration.k8s.io",
        namespaced=False,
    ),
    # the category `kubectl get all` expands (pods, services, deployments, replicasets,
    # statefulsets, daemonsets, jobs, cronjobs, hpa, replicationcontrollers): never ConfigMaps,
    # Secrets, Ingresses or PVCs
    _r("all", "all", "", category=True, namespaced=False),
    # names the course uses that kubectl does not know
    _r("volumes", "volume", "Volume", api=False),  # a field of the Pod spec: spec.volumes
    _r("users", "user", "User", api=False, namespaced=False),  # identities come from authentication
    _r("groups", "group", "Group", api=False, namespaced=False),
    _r(
        "podsecuritypolicies",
        "podsecuritypolicy",
        "PodSecurityPolicy",
        "psp",
        group="policy",
        version="v1beta1",
        namespaced=False,
        api=False,
        removed_in="1.25",
    ),  # now Pod Security Admission
)


@cache
def _by_name() -> dict[str, Resource]:
    table: dict[str, Resource] = {}
    for resource in RESOURCES:
        for name in resource.names:
            if name in table and table[name] is not resource:
                raise ValueError(f"{name!r} names both {table[name].plural} and {resource.plural}")
            table[name] = resource
    return table


def lookup(token: str) -> Resource | None:
    """The row for any spelling kubectl accepts, removed and non-API rows included.

    An optional ``.group`` or ``.version.group`` suffix must name the resource's own group.
    """
    token = token.strip().lower()
    if not token:
        return None
    table = _by_name()
    found = table.get(token)
    if found is not None:
        return found
    name, dot, rest = token.partition(".")
    found = table.get(name) if dot else None
    if found is None or found.category:
        return None
    version, _, group = rest.partition(".")
    if rest == found.group or (group and group == found.group and version.startswith("v")):
        return found
    return None


def canonical_resource(token: str) -> str | None:
    """The plural name kubectl resolves ``token`` to (``po``, ``Pod``, ``deploy.apps``...).

    ``all`` gives ``"all"``. ``None`` for an unknown name and for names that are not API
    resources of current Kubernetes (``volume``, ``user``, ``psp``).
    """
    found = lookup(token)
    if found is None or not found.api:
        return None
    return found.plural


def short_names(kind: str) -> tuple[str, ...]:
    """The short names of a resource given by kind or by any of its names (may be empty)."""
    found = lookup(kind)
    return found.short_names if found is not None else ()


def api_resources() -> tuple[Resource, ...]:
    """The rows that are real API resources served by current Kubernetes (no category)."""
    return tuple(r for r in RESOURCES if r.api and not r.category)


def all_names() -> tuple[str, ...]:
    """Every spelling of every API resource, for "did you mean" suggestions."""
    return tuple(name for resource in RESOURCES if resource.api for name in resource.names)
