"""The project's own exceptions.

Library exceptions (kubernetes_asyncio's ApiException, aiohttp's client errors) are
wrapped at the edge with `raise ... from e`, so the core and the message functions
only ever see these, each with a message an operator can act on.
"""

from __future__ import annotations


class BotError(Exception):
    """Base class: the message is safe to show to a user."""


class RuleError(BotError):
    """A rule file is invalid; the message names the file, the rule and the field."""


class ConfigError(BotError):
    """The configuration is invalid; the message names the setting."""


class TargetError(BotError):
    """A pod reference that cannot be parsed or is not a valid Kubernetes name."""


class ClusterAccessError(BotError):
    """The pod could not be read from the cluster (or the snapshot)."""


class PodNotFound(ClusterAccessError):
    def __init__(self, namespace: str, pod: str, suggestions: tuple[str, ...] = ()) -> None:
        self.namespace = namespace
        self.pod = pod
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f'pod "{pod}" not found in namespace "{namespace}".{hint}')


class Forbidden(ClusterAccessError):
    def __init__(self, verb: str, resource: str, namespace: str | None, detail: str = "") -> None:
        self.verb = verb
        self.resource = resource
        self.namespace = namespace
        where = f' in namespace "{namespace}"' if namespace else ""
        super().__init__(
            f"forbidden: the bot's service account may not {verb} {resource}{where}"
            f" (grant {verb} on {resource} in its Role/ClusterRole)."
            + (f" {detail}" if detail else "")
        )


class ClusterUnreachable(ClusterAccessError):
    def __init__(self, cluster: str | None, detail: str) -> None:
        self.cluster = cluster
        name = f' "{cluster}"' if cluster else ""
        super().__init__(f"cluster{name} unreachable: {detail}")


class NamespaceNotAllowed(BotError):
    def __init__(self, namespace: str, where: str) -> None:
        self.namespace = namespace
        super().__init__(f'namespace "{namespace}" is not allowed {where}')
