"""The e2e suite starts the portal itself (migrated, with demo data) and drives Debian's Chromium."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from e2e.helpers import BROWSER_LOCALE, too_small_targets
from tests.catalogues import compile_stale_catalogues

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
PORTAL = Path(sys.executable).parent / "portal"


def pytest_configure(config: pytest.Config) -> None:
    # The server reads the catalogues as it starts: a fresh copy has none compiled yet.
    compile_stale_catalogues()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make browser` (apt-get install -y chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic",
        ],
    }  # fmt: skip


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": BROWSER_LOCALE}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _reset_postgres(url: str) -> None:
    from portal.db import empty_postgres_schema

    # Playwright's sync API keeps an event loop running in this thread: reset from another one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, empty_postgres_schema(url)).result()


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """A real server on a free port, with a fresh database, started the way `make run` starts it."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="portal-e2e-") as tmp:
        env = {
            **os.environ,
            "PORTAL_ENV": "development",
            "PORTAL_INSTANCE_DIR": tmp,
            "DATABASE_URL": os.environ.get("TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp}/e2e.db",
            "LOG_LEVEL": "WARNING",
            "BASE_URL": base,  # the receipt's status link is built from it
            "PASSWORD_HASH_PROFILE": "fast",  # a test server: argon2 at its least cost
        }
        if env["DATABASE_URL"].startswith("postgresql"):
            _reset_postgres(env["DATABASE_URL"])
        subprocess.run([PORTAL, "migrate"], env=env, check=True, capture_output=True)
        subprocess.run([PORTAL, "load-data", "--demo"], env=env, check=True, capture_output=True)
        log = Path(tmp) / "server.log"
        with log.open("w") as out:
            server = subprocess.Popen(
                [PORTAL, "serve", "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT
            )
            try:
                _wait_for(f"{base}/healthz", server, log)
                yield base
            finally:
                server.terminate()
                server.wait(timeout=10)


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the portal did not start:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"the portal did not answer {url} within 30 s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    return live_server


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


@pytest.fixture
def check_page(page: Page, axe: Axe):  # type: ignore[no-untyped-def]
    """Accessibility (no serious or critical axe violation, every target at least 24 x 24 px) and fit
    (no sideways scrolling)."""

    def check(name: str, on: Page | None = None) -> None:
        target = on or page
        results = axe.run(target)
        bad = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == [], f"axe on {name} ({target.url}): {bad}"
        overflow = target.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {target.viewport_size}"
        small = too_small_targets(target)
        assert small == [], f"targets under 24 x 24 px on {name} ({target.url}): {small}"

    return check
