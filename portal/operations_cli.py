"""The operator's commands of `portal`: backup, restore, keys and check."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portal.config import Settings, SettingsError

if TYPE_CHECKING:
    from portal.services.key_rotation import ColumnReport

COMMANDS = {"backup", "restore", "keys", "check"}


def add_parsers(sub: Any) -> None:
    backup = sub.add_parser(
        "backup", help="copy the database while the portal runs, with FILE.manifest.json and the audit checkpoints "
        "beside it (never the keys)",
    )  # fmt: skip
    backup.add_argument("--out", required=True, type=Path, help="the backup file to write (a new name)")
    restore = sub.add_parser(
        "restore", help="replace the database with a backup and the audit checkpoint file with the backup's "
        "(stop the portal first)",
    )  # fmt: skip
    restore.add_argument("file", type=Path)
    restore.add_argument("--yes", action="store_true", help="replace a database that has tables")
    keys = sub.add_parser("keys", help="the data key ring").add_subparsers(dest="keys_command", required=True)
    keys.add_parser("new", help="print a new random key (64 hex characters)")
    keys.add_parser("lookup-key", help="print the look-up key (PORTAL_LOOKUP_KEY), to keep before a rotation")
    rotate = keys.add_parser(
        "rotate", help="move every encrypted value under PORTAL_DATA_KEY, from the keys in PORTAL_OLD_DATA_KEYS; "
        "resumable, while the portal runs",
    )  # fmt: skip
    rotate.add_argument("--batch", type=int, default=500, help="values per transaction")
    check = sub.add_parser("check", help="report every configuration problem; exit 1 if there is one")
    check.add_argument("--workers", type=int, help="the worker processes `serve` will start (default: WEB_CONCURRENCY)")


def run(args: argparse.Namespace, environ: Mapping[str, str] | None) -> int:
    env = os.environ if environ is None else environ
    if args.command == "check":
        return _check(env, args.workers)
    if args.command == "keys" and args.keys_command == "new":
        print(secrets.token_bytes(32).hex())
        print("Next: PORTAL_OLD_DATA_KEYS = the current PORTAL_DATA_KEY (and PORTAL_LOOKUP_KEY = what `portal keys "
              "lookup-key` prints, if it is not set yet), PORTAL_DATA_KEY = this key; restart the portal; then "
              "`portal keys rotate`.", file=sys.stderr)  # fmt: skip
        return 0
    try:
        settings = Settings.from_env(env)
    except SettingsError as exc:
        print(f"portal: bad setting: {exc}", file=sys.stderr)
        return 2
    if args.command == "keys" and args.keys_command == "lookup-key":
        from portal.crypto import lookup_key_of

        print((settings.lookup_key or lookup_key_of(settings.data_key)).hex())
        return 0
    if args.command == "restore":
        return _restore(settings, args.file, args.yes)
    from portal.cli import _database_problem

    if problem := _database_problem(settings):
        print(problem, file=sys.stderr)
        return 2
    if args.command == "backup":
        return _backup(settings, args.out)
    return _rotate(settings, max(1, args.batch))


def _check(env: Mapping[str, str], workers: int | None) -> int:
    from portal import preflight

    found = preflight.problems(env, workers=preflight.workers_from(env, workers))
    for problem in found:
        print(problem)
    if not found:
        print("ok")
    return 1 if found else 0


def _backup(settings: Settings, out: Path) -> int:
    from portal import backup

    try:
        manifest = backup.backup(settings, out)
    except backup.BackupError as exc:
        print(f"portal: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"file": str(out), "manifest": str(backup.manifest_path(out)),
                      "checkpoints": str(backup.checkpoints_path(out)) if manifest["checkpoints"] else None,
                      "revision": manifest["revision"], "sha256": manifest["sha256"]}))  # fmt: skip
    keys = manifest["keys"]
    print(f"The keys are not in the backup. Reading it needs the data key {' or '.join(keys['data'])} and the look-up "
          f"key {keys['lookup']}; verifying it needs the audit key {keys['audit']}.", file=sys.stderr)  # fmt: skip
    return 0


def _restore(settings: Settings, file: Path, replace: bool) -> int:
    from portal import backup, preflight
    from portal.cli import _database_problem, _verify_audit

    try:
        restored = backup.restore(settings, file, replace=replace)
    except backup.BackupError as exc:
        print(f"portal: {exc}", file=sys.stderr)
        return 1
    report: dict[str, object] = {
        "restored": str(file), "revision": restored.revision,
        "checkpoints": str(restored.checkpoints) if restored.checkpoints else None,
        "set_aside": str(restored.set_aside) if restored.set_aside else None,
    }  # fmt: skip
    ok = True
    if problem := _database_problem(settings):
        report["next"] = problem  # an older schema: the portal's own migrations bring it up
    else:
        audit = asyncio.run(_verify_audit(settings))
        report["audit"] = audit
        report["keys"] = asyncio.run(preflight.key_problems(settings)) or "ok"
        ok = bool(audit["ok"]) and report["keys"] == "ok"
    print(json.dumps(report))
    return 0 if ok else 1


def _rotate(settings: Settings, batch: int) -> int:
    current = settings.cipher().key_id.hex()
    reports = asyncio.run(_rotate_all(settings, batch))
    for report in reports:
        print(f"{report.column}: {report.moved} moved, {report.changed_meanwhile} changed by the portal meanwhile "
              f"(its value kept), {len(report.unreadable)} unreadable, {report.left} left")  # fmt: skip
    unreadable = [
        f"{report.column} {', '.join(map(str, report.unreadable))}" for report in reports if report.unreadable
    ]
    if unreadable:
        print(f"Read by no key of the ring (row ids): {'; '.join(unreadable)}. Such a value cannot be moved: find "
              "the key it was written under, or the row in a backup.")  # fmt: skip
    if left := sum(report.left for report in reports):
        print(f"{left} values are not under data key {current} yet: run `portal keys rotate` again once every "
              "portal process has the new PORTAL_DATA_KEY.")  # fmt: skip
        return 1
    print(f"Every encrypted value is under data key {current}. PORTAL_OLD_DATA_KEYS may now be removed (restart the "
          "portal after); keep PORTAL_LOOKUP_KEY, and keep each old key offline for as long as the backups made "
          "under it are kept.")  # fmt: skip
    return 0


PROGRESS_EVERY = 10_000


async def _rotate_all(settings: Settings, batch: int) -> list[ColumnReport]:
    from portal.db import make_engine, make_sessionmaker
    from portal.services.key_rotation import rotate

    shown: dict[str, int] = {}

    async def progress(report: ColumnReport) -> None:
        done = report.moved + report.changed_meanwhile + len(report.unreadable)
        if done // PROGRESS_EVERY > shown.get(report.column, 0):
            shown[report.column] = done // PROGRESS_EVERY
            print(f"{report.column}: {done} so far", file=sys.stderr)

    engine = make_engine(settings.database_url)
    try:
        return await rotate(make_sessionmaker(engine, settings.audit_key), settings.cipher(), batch=batch,
                            after_batch=progress)  # fmt: skip
    finally:
        await engine.dispose()
