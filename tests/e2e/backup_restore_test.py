#!/usr/bin/env python3
"""Backup and restore of rfs's Redis, as docs/operations.md "Backup and restore" says to do it.

The suite runs as `make run` starts it (samples loaded: plans with their versions, the
pre-consultation reviews, KPI measurements, a mail contact) with a webhook subscription added;
while a writer keeps creating plans, deploy/ops/redis-backup.sh takes a backup. Everything
acknowledged before the backup began is noted: every plan (as GetPlan shows it), its versions,
its reviews, its measurements, the subscriptions and contacts, and every event in the log. Then
the suite is stopped, Redis' data directory wiped, deploy/ops/redis-restore.sh prepares it from
the backup, the suite starts again on it, and every noted item must read back the same.

Usage: backup_restore_test.py SOURCE_DIR BUILD_DIR
"""
import json
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite import Suite  # noqa: E402

SRC = Path(sys.argv[1]).resolve()
BUILD = Path(sys.argv[2]).resolve()
failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL: {message}", flush=True)


def main():
    work = Path(tempfile.mkdtemp(prefix="rfs-backup-"))
    suite = Suite(SRC, BUILD, work)
    stop = threading.Event()
    try:
        suite.start()
        admin = suite.token("secretariat", "backup-test")
        toyama = suite.token("prefecture", "toyama-clerk", "--body_code", "160008")
        suite.rfsctl("subscriptions", "create", "--url", "https://receiver.example/rfs",
                     "--description", "backup test", token=admin)

        # A writer creating plans all along, before, during and after the backup.
        acked = []

        def writer():
            i = 0
            while not stop.is_set():
                out = subprocess.run(
                    [str(BUILD / "tools/rfsctl/rfsctl"), "create", "-f",
                     str(SRC / "data/samples/ishikawa-c-illustrative.json"), "--request_id",
                     f"backup-{i}", "--json"], capture_output=True, text=True,
                    env=dict(suite.ctl_env, RFS_TOKEN=admin))
                if out.returncode == 0:
                    acked.append(json.loads(out.stdout)["name"])
                i += 1

        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        while len(acked) < 10:
            threading.Event().wait(0.1)
        before = suite.snapshot(admin, toyama)  # all acknowledged before the backup began
        backup = work / "backup" / "rfs.rdb"
        backup.parent.mkdir()
        subprocess.run([str(SRC / "deploy/ops/redis-backup.sh"), str(backup), "-s",
                        str(suite.run_dir / "redis.sock")], check=True)
        written_at_backup = len(acked)
        while len(acked) < written_at_backup + 10:
            threading.Event().wait(0.1)
        stop.set()
        thread.join()

        # Lose everything, then restore.
        suite.stop()
        shutil.rmtree(suite.run_dir / "redis")
        subprocess.run([str(SRC / "deploy/ops/redis-restore.sh"), str(backup),
                        str(suite.run_dir / "redis")], check=True)
        suite.start()
        after = suite.snapshot(admin, toyama)

        kinds = {}
        for key, value in before.items():
            kinds[key.split()[0]] = kinds.get(key.split()[0], 0) + 1
            if key not in after:
                fail(f"{key}: missing after the restore")
            elif after[key] != value:
                fail(f"{key}: differs after the restore")
        for kind in ("plan", "versions", "reviews", "measurements", "subscription", "contact", "event"):
            if kinds.get(kind, 0) == 0:
                fail(f"nothing of kind {kind} was noted before the backup (the test checks nothing)")
        later = [n for n in acked[written_at_backup + 1:] if f"plan {n}" in after]
        print(f"backup/restore: {len(before)} items noted before the backup ({kinds}) all read back; "
              f"{len(acked)} plans created by the writer, {len(later)} of those acknowledged after "
              f"the backup are in it")
    finally:
        stop.set()
        suite.stop()
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        sys.exit(1)
    print("backup/restore: ok")


main()
