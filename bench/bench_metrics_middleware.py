"""What the outermost middleware (portal.metrics.observe: request id, count and time by route, access line) costs a
request: N calls of a bare ASGI app with and without it, in one process, no server, no network.

    .venv/bin/python bench/bench_metrics_middleware.py [N]

Prints the best of 7 rounds per variant, in microseconds of this process's CPU time per request."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bare_app import app as bare_litestar  # this folder is the script's own on sys.path

from portal import json_logs, metrics
from portal.app import create_app
from portal.config import Settings

ROUNDS = 7
# What a browser sends, roughly: the middleware reads every header looking for X-Request-ID.
HEADERS = [
    (b"host", b"jy.zhanjiang.gov.cn"),
    (b"user-agent", b"Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"),
    (b"accept", b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    (b"accept-language", b"zh-CN,zh;q=0.9,en;q=0.8"),
    (b"accept-encoding", b"gzip, deflate, br"),
    (b"cookie", b"lang=zh_CN; staff_session=abcdef0123456789"),
    (b"referer", b"https://jy.zhanjiang.gov.cn/staff/queue"),
    (b"sec-fetch-site", b"same-origin"),
    (b"sec-fetch-mode", b"navigate"),
    (b"sec-fetch-dest", b"document"),
    (b"upgrade-insecure-requests", b"1"),
    (b"connection", b"keep-alive"),
]
START = {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/html; charset=utf-8")]}
BODY = {"type": "http.response.body", "body": b"ok", "more_body": False}


async def bare(scope: Any, receive: Any, send: Any) -> None:
    scope["path_template"] = "/staff/cases/{number}"  # as Litestar's router does for a matched route
    await send(START)
    await send(BODY)


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def send(message: Any) -> None:
    return None


def scope(path: str) -> dict[str, Any]:
    return {
        "type": "http", "http_version": "1.1", "method": "GET", "scheme": "https", "path": path,
        "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": HEADERS,
        "client": ("10.1.2.3", 50000), "server": ("127.0.0.1", 8000),
    }  # fmt: skip


async def one_round(app: Callable[..., Awaitable[None]], path: str, n: int) -> float:
    scopes = [scope(path) for _ in range(n)]  # a server builds a fresh scope per request: not counted
    # CPU time, not wall time: on a shared machine the wall clock also counts the other processes' turns.
    start = time.process_time()
    for each in scopes:
        await app(each, receive, send)
    return (time.process_time() - start) / n * 1e6


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-metrics-") as tmp:
        env = {
            "PORTAL_ENV": "test", "PORTAL_INSTANCE_DIR": tmp, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/unused.db",
            "PORTAL_DATA_KEY": "11" * 32, "PORTAL_SECRET_KEY": "22" * 32, "AUDIT_KEY": "33" * 32,
        }  # fmt: skip
        services = create_app(Settings.from_env(env)).state.services  # the database is never reached here
        # JSON mode's access line: formatted and written (to /dev/null) on this thread, for the variants that say so.
        access = logging.getLogger(json_logs.ACCESS_LOGGER)
        access.propagate = False
        devnull = open(os.devnull, "w")  # noqa: ASYNC230, SIM115 - opened once, before timing
        handler = logging.StreamHandler(devnull)
        handler.setFormatter(json_logs.JsonFormatter())
        access.addHandler(handler)
        case = "/staff/cases/ZJ2026000123"
        variants = {
            "bare ASGI app": (bare, case, False),
            "  with observe (id, count, time)": (metrics.observe(bare, services), case, False),
            "  with observe and the JSON access line": (metrics.observe(bare, services), case, True),
            "bench/bare_app.py's Litestar route": (bare_litestar, "/", False),
            "  with observe": (metrics.observe(bare_litestar, services), "/", False),
            "  with observe and the JSON access line ": (metrics.observe(bare_litestar, services), "/", True),
        }
        best = dict.fromkeys(variants, float("inf"))
        for _ in range(ROUNDS):  # interleaved, so that a busy moment of the machine falls on every variant alike
            for name, (app, path, access_line) in variants.items():
                access.setLevel(logging.INFO if access_line else logging.WARNING)
                best[name] = min(best[name], await one_round(app, path, n))
        devnull.close()
        await services.engine.dispose()
    print(f"{n} calls per round, best of {ROUNDS} rounds, µs per request")
    base = 0.0
    for name, us in best.items():
        base = us if not name.startswith(" ") else base
        print(f"{name:42s} {us:8.2f}" + (f"   +{us - base:.2f}" if name.startswith(" ") else ""))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
