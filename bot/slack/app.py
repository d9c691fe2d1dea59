"""The Bolt AsyncApp: `/crashloop` and the buttons on diagnosis messages.

Handlers acknowledge at once (Slack's limit is 3 s; the cluster may be slower), then
do the work and post. Every failure a user can act on becomes an ephemeral message
from `messages`; anything else is logged with its stack and answered with a generic
note, so no stack trace reaches Slack.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from bot.diagnosis.engine import Diagnosis
from bot.diagnosis.workload import WorkloadDiagnosis, namespace_listing
from bot.errors import BotError, NamespaceNotAllowed, PodNotFound, TargetError
from bot.render import common
from bot.render.blocks import SlackMessage, code_sections, section
from bot.runtime import Runtime
from bot.slack import actions, messages
from bot.slack.commands import (
    DiagnosePod,
    DiagnoseWorkload,
    Help,
    Invalid,
    ListNamespace,
    parse_command,
)
from bot.slack.poster import PostError
from bot.slack.publish import (
    as_private_replies,
    publish_diagnosis,
    publish_workload,
    workload_private_replies,
)
from bot.target import Target

log = logging.getLogger(__name__)
Respond = Callable[..., Awaitable[Any]]
MAX_LISTED_PODS = 20
MORE_LOG_LINES = 100


def build_bolt_app(runtime: Runtime, *, client: AsyncWebClient | None = None) -> AsyncApp:
    """The Bolt app. Request signatures are verified by Bolt in HTTP mode."""
    s = runtime.settings
    web_client = client or runtime.client
    app = AsyncApp(
        client=web_client,
        authorize=cached_authorize(web_client),
        signing_secret=s.slack_signing_secret.get_secret_value() if s.slack_signing_secret else "",
        request_verification_enabled=s.slack_signing_secret is not None,
        raise_error_for_unhandled_request=False,
    )
    handlers = Handlers(runtime)
    app.command(messages.COMMAND)(handlers.command)
    app.action(actions.RERUN)(handlers.rerun)
    app.action(actions.DIAGNOSE)(handlers.rerun)
    app.action(actions.MORE_LOGS)(handlers.more_logs)
    app.action(actions.SILENCE)(handlers.silence)
    return app


def cached_authorize(client: AsyncWebClient) -> Callable[..., Awaitable[AuthorizeResult]]:
    """One `auth.test` for the life of the process, however many requests arrive at once.

    Bolt's single-workspace authorization caches `auth.test` only once a call has
    returned, so a burst of commands right after start-up makes one call each and every
    acknowledgement waits for Slack. A lock makes the first request call and the rest
    reuse its answer. (Bolt passes arguments by name, hence a plain function.)
    """
    lock = asyncio.Lock()
    cache: list[AuthorizeResult] = []

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult:
        async with lock:
            if not cache:
                resp = await client.auth_test()
                cache.append(
                    AuthorizeResult.from_auth_test_response(
                        auth_test_response=resp, bot_token=client.token
                    )
                )
            return cache[0]

    return authorize


class Handlers:
    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    # -- /crashloop -------------------------------------------------------------------

    async def command(
        self, ack: Callable[..., Awaitable[None]], command: dict[str, Any], respond: Respond
    ) -> None:
        self.rt.inflight.add_current()
        request = parse_command(str(command.get("text") or ""))
        channel = str(command.get("channel_id") or "")
        user = str(command.get("user_id") or "")
        if isinstance(request, Help):
            await ack(response_type="ephemeral", text=messages.help_text(self.rt.pool.names()))
            return
        if isinstance(request, Invalid):
            await ack(response_type="ephemeral", text=messages.invalid(request.message))
            return
        ns = request.target.namespace if isinstance(request, DiagnosePod) else request.namespace
        cluster = request.target.cluster if isinstance(request, DiagnosePod) else request.cluster
        denied = self._denied(channel, ns, cluster)
        if denied:
            log.warning("denied: user %s in channel %s asked for %s", user, channel, ns)
            await ack(response_type="ephemeral", text=denied)
            return
        what = (
            str(request.target)
            if isinstance(request, DiagnosePod)
            else (
                f"{ns}/{request.kind.lower()}/{request.name}"
                if isinstance(request, DiagnoseWorkload)
                else ns
            )
        )
        await ack(response_type="ephemeral", text=messages.diagnosing(what))
        if isinstance(request, DiagnosePod):
            await self._guard(respond, self._pod(request.target, channel, respond, "slash"))
        elif isinstance(request, DiagnoseWorkload):
            await self._guard(respond, self._workload(request, channel, respond))
        else:
            await self._guard(respond, self._listing(request, respond))

    async def _pod(self, target: Target, channel: str, respond: Respond, trigger: str) -> None:
        try:
            diagnosis = await self._diagnose(target, trigger)
        except PodNotFound as e:
            # `ns/name` may name a workload rather than a pod.
            for kind in ("Deployment", "StatefulSet", "DaemonSet"):
                request = DiagnoseWorkload(
                    target.namespace, kind, target.pod, target.cluster, target.container
                )
                try:
                    workload = await self._run_workload(request)
                except BotError:
                    continue
                await self._post_workload(channel, workload, respond)
                return
            raise e
        await self._post(channel, diagnosis, respond)

    async def _workload(self, request: DiagnoseWorkload, channel: str, respond: Respond) -> None:
        workload = await self._run_workload(request)
        if not workload.failing:
            await respond(
                response_type="ephemeral",
                replace_original=False,
                text=messages.workload_none_crashing(
                    request.kind, request.name, len(workload.pods)
                ),
            )
            return
        await self._post_workload(channel, workload, respond)

    async def _run_workload(self, request: DiagnoseWorkload) -> WorkloadDiagnosis:
        return await self.rt.diagnoser.run_workload(
            request.namespace,
            request.kind,
            request.name,
            cluster=request.cluster,
            container=request.container,
        )

    async def _post_workload(
        self, channel: str, workload: WorkloadDiagnosis, respond: Respond
    ) -> None:
        try:
            await publish_workload(self.rt.poster, channel, workload)
        except PostError as e:
            if not e.cannot_post_here:
                raise
            await _reply_privately(
                respond, workload_private_replies(workload, messages.invite_hint(channel))
            )

    async def _listing(self, request: ListNamespace, respond: Respond) -> None:
        """The failing pods of a namespace, a line per workload with its statuses."""
        source = await self.rt.pool.get(request.cluster)
        pods = await source.list_pods(request.namespace)
        listing = namespace_listing(pods)
        blocks: list[dict[str, Any]] = [
            section(messages.namespace_listing(request.namespace, pods))
        ]
        for w in listing[:MAX_LISTED_PODS]:
            rep = w.representative
            target = Target(rep.namespace, rep.name, None, request.cluster)
            blocks.append(
                {
                    **section(messages.workload_listing_line(w)),
                    "accessory": actions.button(
                        "Diagnose", actions.DIAGNOSE, actions.encode_target(target)
                    ),
                }
            )
        if len(listing) > MAX_LISTED_PODS:
            blocks.append(section(messages.more_workloads(len(listing) - MAX_LISTED_PODS)))
        text = messages.namespace_listing(request.namespace, pods)
        await respond(response_type="ephemeral", replace_original=False, text=text, blocks=blocks)

    # -- buttons ----------------------------------------------------------------------

    async def rerun(
        self, ack: Callable[..., Awaitable[None]], body: dict[str, Any], respond: Respond
    ) -> None:
        target, channel = await self._clicked(ack, body, respond)
        if target is None:
            return
        await self._guard(respond, self._pod(target, channel, respond, "button"))

    async def more_logs(
        self, ack: Callable[..., Awaitable[None]], body: dict[str, Any], respond: Respond
    ) -> None:
        target, channel = await self._clicked(ack, body, respond)
        if target is None:
            return
        thread_ts = _thread_ts(body)

        async def work() -> None:
            diagnosis = await self._diagnose(target, "button")
            c = diagnosis.container
            name = c.name if c else "?"
            tail = common.log_tail(diagnosis, MORE_LOG_LINES)
            if not tail:
                msg = SlackMessage(
                    text=messages.no_logs(name), blocks=[section(messages.no_logs(name))]
                )
            else:
                header = messages.more_logs_header(len(tail), name)
                msg = SlackMessage(text=header, blocks=[section(header), *code_sections(tail)])
            try:
                await self.rt.poster.post(channel, msg, thread_ts=thread_ts)
            except PostError as e:
                if not e.cannot_post_here:
                    raise
                await respond(
                    response_type="ephemeral",
                    replace_original=False,
                    text=msg.text,
                    blocks=msg.blocks,
                )

        await self._guard(respond, work())

    async def silence(
        self, ack: Callable[..., Awaitable[None]], body: dict[str, Any], respond: Respond
    ) -> None:
        self.rt.inflight.add_current()
        await ack()
        from bot.alerts.silences import create_silence

        try:
            value = str(body["actions"][0]["selected_option"]["value"])
            hours, target = actions.decode_silence(value)
        except (KeyError, IndexError, TypeError, TargetError):
            await respond(
                response_type="ephemeral",
                replace_original=False,
                text=messages.invalid("that silence choice is not valid"),
            )
            return
        channel = _id(body.get("channel"))
        denied = self._denied(channel, target.namespace, target.cluster)
        url = self.rt.settings.file.alertmanager_url
        if denied or url is None:
            await respond(
                response_type="ephemeral",
                replace_original=False,
                text=denied or messages.silence_failed("no alertmanager_url configured"),
            )
            return
        user = _id(body.get("user")) or "someone"
        try:
            silence_id = await create_silence(
                url,
                target,
                hours=hours,
                user=user,
                cluster_label=self.rt.settings.file.alerts.cluster_label,
            )
        except BotError as e:
            await respond(
                response_type="ephemeral",
                replace_original=False,
                text=messages.silence_failed(str(e)),
            )
            return
        text = messages.silenced(hours, user, silence_id)
        try:
            await self.rt.poster.post(
                channel, SlackMessage(text=text, blocks=[section(text)]), thread_ts=_thread_ts(body)
            )
        except PostError:
            await respond(response_type="ephemeral", replace_original=False, text=text)

    # -- shared -----------------------------------------------------------------------

    async def _diagnose(self, target: Target, trigger: str) -> Diagnosis:
        try:
            diagnosis = await self.rt.diagnoser.run(target)
        except BotError:
            self.rt.metrics.diagnoses.labels(trigger, "error").inc()
            raise
        self.rt.metrics.diagnoses.labels(trigger, "ok").inc()
        if diagnosis.top is not None:
            self.rt.metrics.rule_hits.labels(diagnosis.top.rule_id).inc()
        return diagnosis

    async def _post(
        self, channel: str, diagnosis: Diagnosis, respond: Respond, *, status: str | None = None
    ) -> None:
        f = diagnosis.facts
        target = Target(
            f.namespace,
            f.name,
            diagnosis.container.name if diagnosis.container else None,
            f.cluster,
        )
        buttons = actions.diagnosis_actions(target)
        try:
            await publish_diagnosis(
                self.rt.poster, channel, diagnosis, actions=buttons, status=status
            )
        except PostError as e:
            if not e.cannot_post_here:
                raise
            await _reply_privately(
                respond, as_private_replies(diagnosis, messages.invite_hint(channel))
            )

    def _denied(self, channel: str, namespace: str, cluster: str | None) -> str | None:
        scope = self.rt.settings.file.access.scope_for(channel)
        if not scope.allows(namespace, None):
            return messages.not_allowed(namespace)
        if cluster is not None and not scope.allows(namespace, cluster):
            return messages.cluster_not_allowed(cluster)
        return None

    async def _clicked(
        self, ack: Callable[..., Awaitable[None]], body: dict[str, Any], respond: Respond
    ) -> tuple[Target | None, str]:
        """Acknowledge a button; its target, or None after telling the user why it cannot
        be used."""
        self.rt.inflight.add_current()
        await ack()
        channel = _id(body.get("channel"))
        try:
            target = actions.decode_target(str(body["actions"][0]["value"]))
        except (KeyError, IndexError, TypeError, TargetError):
            await self._respond_safely(
                respond, messages.invalid("that button's value is not valid")
            )
            return None, channel
        denied = self._denied(channel, target.namespace, target.cluster)
        if denied:
            log.warning("denied button for %s in channel %s", target, channel)
            await self._respond_safely(respond, denied)
            return None, channel
        return target, channel

    async def _guard(self, respond: Respond, work: Awaitable[None]) -> None:
        """Run the work; turn failures into a message for the user, never a trace."""
        try:
            await work
        except (BotError, NamespaceNotAllowed) as e:
            await self._respond_safely(respond, messages.error(e))
        except Exception:
            log.exception("unexpected failure handling a Slack request")
            await self._respond_safely(respond, messages.unexpected())

    async def _respond_safely(self, respond: Respond, text: str) -> None:
        try:
            await respond(response_type="ephemeral", replace_original=False, text=text)
        except Exception:
            log.exception("could not answer through response_url")


def _id(v: Any) -> str:
    """A channel's or user's id from a payload: Slack sends an object, or just the id."""
    if isinstance(v, dict):
        v = v.get("id")
    return v if isinstance(v, str) else ""


def _thread_ts(body: dict[str, Any]) -> str | None:
    container = body.get("container")
    message = body.get("message")
    container = container if isinstance(container, dict) else {}
    message = message if isinstance(message, dict) else {}
    ts = container.get("thread_ts") or message.get("thread_ts") or container.get("message_ts")
    return str(ts) if ts else None


async def _reply_privately(respond: Respond, replies: list[SlackMessage]) -> None:
    """For a channel closed to the bot: the answer to the one who asked, in response_url
    messages (see publish.as_private_replies for the five-message limit)."""
    for m in replies:
        await respond(
            response_type="ephemeral", replace_original=False, text=m.text, blocks=m.blocks
        )
