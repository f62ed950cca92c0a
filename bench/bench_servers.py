"""uvicorn against granian (issue 12, point 5): the bare app and the portal's home page, 1 and 2 workers.

    .venv/bin/pip install granian uvicorn            # granian only to compare; the portal needs just one of them
    .venv/bin/python bench/bench_servers.py            # SQLite in a temporary folder, demo data
    BENCH_ROUNDS=2 .venv/bin/python bench/bench_servers.py   # each configuration twice, interleaved

Each server is started as the portal would start it (no access log, warnings only, the portal's factory), warmed up
for 2 s, then measured with `wrk -t2 -c50 -d10s --latency`; the runs are interleaved so that whatever else the
machine does falls on both servers alike. Prints a Markdown table of requests per second and p99.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DURATION = os.environ.get("BENCH_SECONDS", "10")
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1"))
APPS = {"bare": ("bench.bare_app:app", False), "portal /": ("portal.app:create_app", True)}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _command(server: str, target: str, factory: bool, port: int, workers: int) -> list[str]:
    if server == "uvicorn":
        return [str(BIN / "uvicorn"), target, *(["--factory"] if factory else []), "--host", "127.0.0.1",
                "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log",
                "--no-proxy-headers"]  # fmt: skip
    return [str(BIN / "granian"), "--interface", "asgi", target, *(["--factory"] if factory else []),
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning",
            "--no-access-log"]  # fmt: skip


def _wait(url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if server.poll() is not None:
            raise SystemExit(f"the server for {url} stopped")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


def _tree_cpu_seconds(root: int) -> float:
    """User and system CPU time of a process and all its descendants (the supervisor and its workers): unlike
    requests per second, CPU time per request does not depend on what else the machine is doing."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        pid = int(stat.parent.name)
        parents[pid] = int(fields[1])
        times[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    return sum(times.get(pid, 0.0) for pid in tree)


def _wrk(url: str, seconds: str) -> dict[str, float]:
    out = subprocess.run(  # noqa: S603 - wrk with our own arguments
        ["wrk", "-t2", "-c50", f"-d{seconds}s", "--latency", url],  # noqa: S607
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip

    def latency(pct: str) -> float:
        found = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out)
        assert found, out
        value, unit = found.groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    requests = re.search(r"(\d+) requests in", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert rps, out
    assert requests, out
    return {"rps": float(rps.group(1)), "p50": latency("50"), "p99": latency("99"), "requests": int(requests.group(1)),
            "non_2xx": int(non_2xx.group(1)) if non_2xx else 0}  # fmt: skip


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    servers = [name for name in ("uvicorn", "granian") if (BIN / name).exists()]
    with tempfile.TemporaryDirectory(prefix="bench-servers-") as tmp:
        env = {**os.environ, "PORTAL_INSTANCE_DIR": tmp, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/bench.db",
               "LOG_LEVEL": "WARNING"}  # fmt: skip
        for args in (["migrate"], ["load-data", "--demo"]):
            subprocess.run([BIN / "portal", *args], env=env, check=True, capture_output=True)  # noqa: S603
        results: dict[tuple[str, str, int], list[dict[str, float]]] = {}
        for _ in range(ROUNDS):
            for app, (target, factory) in APPS.items():
                for workers in (1, 2):
                    for server in servers:
                        port = _port()
                        process = subprocess.Popen(  # noqa: S603
                            _command(server, target, factory, port, workers), env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                        )  # fmt: skip
                        try:
                            url = f"http://127.0.0.1:{port}/"
                            _wait(url, process)
                            _wrk(url, "2")  # warm-up: templates compiled, connections pooled, every worker busy
                            cpu = _tree_cpu_seconds(process.pid)
                            run = _wrk(url, DURATION)
                            run["cpu_ms"] = (_tree_cpu_seconds(process.pid) - cpu) * 1000 / run["requests"]
                            results.setdefault((app, server, workers), []).append(run)
                        finally:
                            process.terminate()
                            process.wait(timeout=30)
        print(f"wrk -t2 -c50 -d{DURATION}s, {ROUNDS} round(s); req/s and p99 ms per run")
        print("| app | workers | server | req/s | p50 ms | p99 ms | server CPU ms per request | non-2xx |")
        print("|---|---|---|---|---|---|---|---|")
        for (app, server, workers), runs in results.items():
            rps = " / ".join(f"{run['rps']:.0f}" for run in runs)
            p50 = " / ".join(f"{run['p50']:.1f}" for run in runs)
            p99 = " / ".join(f"{run['p99']:.1f}" for run in runs)
            cpu = " / ".join(f"{run['cpu_ms']:.2f}" for run in runs)
            non_2xx = sum(int(run["non_2xx"]) for run in runs)
            print(f"| {app} | {workers} | {server} | {rps} | {p50} | {p99} | {cpu} | {non_2xx} |")


if __name__ == "__main__":
    main()
