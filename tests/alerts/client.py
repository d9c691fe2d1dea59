"""Posting to the in-process bot's webhook as Alertmanager does."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from tests.alerts.procs import TOKEN


async def post(
    url: str,
    payload: Any,
    *,
    token: str | None = TOKEN,
    headers: dict[str, str] | None = None,
    chunked: bool = False,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    h = {"Content-Type": "application/json"}
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    h.update(headers or {})
    data: Any = body
    if chunked:

        async def gen() -> Any:
            for i in range(0, len(body), 4096):
                yield body[i : i + 4096]

        data = gen()
    async with (
        aiohttp.ClientSession() as s,
        s.post(f"{url}/alertmanager", data=data, headers=h) as resp,
    ):
        text = await resp.text()
        try:
            doc = json.loads(text)
        except ValueError:
            doc = {"raw": text}
        return resp.status, doc, dict(resp.headers)
