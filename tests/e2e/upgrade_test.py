#!/usr/bin/env python3
"""Upgrade: data written by an earlier release's binaries is read by these.

tests/fixtures/upgrade/ keeps, per release, a Redis backup made by that release's `make run`
(the samples loaded: plans with their versions, reviews, measurements, a contact, and a webhook
subscription) and what rfsctl showed of it then (<name>.expected.json, the projection of
tests/e2e/suite.py Suite.snapshot). For each: restore the backup with deploy/ops/
redis-restore.sh, start this build's suite on it, and every item must read back as it did; then
one write of each service's kind goes through on it (a plan created, its check, its event logged).

  upgrade_test.py SOURCE_DIR BUILD_DIR                      check every fixture
  upgrade_test.py SOURCE_DIR BUILD_DIR --write NAME         write a fixture with this build
"""
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
from suite import Suite  # noqa: E402

SRC = Path(sys.argv[1]).resolve()
BUILD = Path(sys.argv[2]).resolve()
FIXTURES = SRC / "tests/fixtures/upgrade"
failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL: {message}", flush=True)


def tokens(suite):
    return (suite.token("secretariat", "upgrade-test"),
            suite.token("prefecture", "toyama-clerk", "--body_code", "160008"))


def write_fixture(name):
    work = Path(tempfile.mkdtemp(prefix="rfs-upgrade-"))
    suite = Suite(SRC, BUILD, work)
    try:
        suite.start()
        admin, toyama = tokens(suite)
        suite.rfsctl("subscriptions", "create", "--url", "https://receiver.example/rfs",
                     "--description", "upgrade fixture", token=admin)
        # Quiet: the relays have published every event.
        time.sleep(3)
        FIXTURES.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(SRC / "deploy/ops/redis-backup.sh"), str(FIXTURES / f"{name}.rdb"),
                        "-s", str(suite.run_dir / "redis.sock")], check=True)
        (FIXTURES / f"{name}.expected.json").write_text(
            json.dumps(suite.snapshot(admin, toyama), ensure_ascii=False, indent=1,
                       sort_keys=True) + "\n")
        print(f"wrote {FIXTURES / name}.rdb and .expected.json")
    finally:
        suite.stop()
        shutil.rmtree(work, ignore_errors=True)


def check_fixture(rdb):
    name = rdb.stem
    expected = json.loads((FIXTURES / f"{name}.expected.json").read_text())
    work = Path(tempfile.mkdtemp(prefix="rfs-upgrade-"))
    suite = Suite(SRC, BUILD, work)
    try:
        subprocess.run([str(SRC / "deploy/ops/redis-restore.sh"), str(rdb),
                        str(suite.run_dir / "redis")], check=True)
        suite.start()
        admin, toyama = tokens(suite)
        got = suite.snapshot(admin, toyama)
        for key, value in expected.items():
            if key not in got:
                fail(f"{name}: {key}: missing")
            elif got[key] != value:
                fail(f"{name}: {key}: reads differently")
        # The new binaries write on the old data: a plan, its check, its event.
        created = json.loads(suite.rfsctl(
            "create", "-f", str(SRC / "data/samples/ishikawa-c-illustrative.json"), "--json",
            token=admin))["name"]
        if f"plan {created}" in expected:
            fail(f"{name}: a new plan took the name of a stored one ({created})")
        suite.rfsctl("check", created, "--json", token=admin, check=False)
        deadline = time.time() + 30
        while f"event registry/{created}/v1" not in suite.snapshot(admin, toyama):
            if time.time() > deadline:
                fail(f"{name}: the event of the new plan {created} did not reach the log")
                break
            time.sleep(1)
        print(f"upgrade: {name}: {len(expected)} items read back as written; {created} created on it")
    finally:
        suite.stop()
        shutil.rmtree(work, ignore_errors=True)


def main():
    if "--write" in sys.argv:
        write_fixture(sys.argv[sys.argv.index("--write") + 1])
        return
    fixtures = sorted(FIXTURES.glob("*.rdb"))
    if not fixtures:
        fail(f"no fixture in {FIXTURES}")
    for rdb in fixtures:
        check_fixture(rdb)
    if failures:
        sys.exit(1)
    print("upgrade: ok")


main()
