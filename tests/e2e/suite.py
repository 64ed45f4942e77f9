"""The whole suite as `make run` starts it (deploy/local/run.sh), for end-to-end tests: on free
ports, in a private directory, with rfsctl pointed at it. Started once, it loads the samples
(plans, reviews, measurements, a contact); started again on the same directory, it keeps what
Redis holds.
"""
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

PORT_NAMES = ("REGISTRY_PORT", "REGISTRY_METRICS_PORT", "REQUIREMENTS_PORT",
              "REQUIREMENTS_METRICS_PORT", "KPI_PORT", "KPI_METRICS_PORT", "NOTIFICATION_PORT",
              "NOTIFICATION_METRICS_PORT")


_given = set()


def free_port():
    """A free loopback port, never one this process was given already (the kernel may hand
    the same free port out twice in a row)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _given:
            _given.add(port)
            return port


class Suite:
    def __init__(self, src, build, work):
        self.src, self.build, self.work = Path(src), Path(build), Path(work)
        self.run_dir = self.work / "run"
        self.ports = {name: free_port() for name in PORT_NAMES}
        self.env = dict(os.environ, RFS_RUN_DIR=str(self.run_dir), BUILD_DIR=str(self.build),
                        **{f"RFS_{k}": str(v) for k, v in self.ports.items()})
        for var in ("RFS_TOKEN", "RFS_ADDR", "RFS_KPI_ADDR", "RFS_REQUIREMENTS_ADDR",
                    "RFS_NOTIFICATION_ADDR", "RFS_SMTP_URL"):
            self.env.pop(var, None)
        # rfsctl's addresses.
        self.ctl_env = dict(self.env,
                            RFS_ADDR=f"localhost:{self.ports['REGISTRY_PORT']}",
                            RFS_REQUIREMENTS_ADDR=f"localhost:{self.ports['REQUIREMENTS_PORT']}",
                            RFS_KPI_ADDR=f"localhost:{self.ports['KPI_PORT']}",
                            RFS_NOTIFICATION_ADDR=f"localhost:{self.ports['NOTIFICATION_PORT']}")
        self.process = None
        self.starts = 0

    def start(self, timeout=240):
        """Starts deploy/local/run.sh and returns once it says the suite is running."""
        self.starts += 1
        out = self.work / f"run-{self.starts}.out"
        self.process = subprocess.Popen([str(self.src / "deploy/local/run.sh")], cwd=self.src,
                                        env=self.env, stdout=open(out, "w"),
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + timeout
        while "rfs is running" not in out.read_text():
            if self.process.poll() is not None or time.time() > deadline:
                raise SystemExit(f"FAIL: the suite did not start:\n{out.read_text()}")
            time.sleep(0.5)

    def stop(self):
        """SIGTERM to run.sh, which stops the services and Redis (its data stays)."""
        if self.process is None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def rfsctl(self, *args, token=None, check=True):
        env = dict(self.ctl_env)
        if token:
            env["RFS_TOKEN"] = token
        return subprocess.run([str(self.build / "tools/rfsctl/rfsctl"), *args],
                              capture_output=True, text=True, env=env, check=check).stdout

    def token(self, role, sub, *extra):
        return self.rfsctl("token", "--key_file", str(self.run_dir / "auth.key"), "--role", role,
                           "--sub", sub, *extra).strip()

    def snapshot(self, admin, toyama):
        """What the suite holds, as rfsctl shows it, keyed by what it is: every plan (GetPlan),
        its versions, reviews and stored measurements (name, value, state, revision, who and
        when: not what is computed against today's date), the webhook subscriptions, Toyama's
        contacts, and every event of the log (its cursor). `admin`: a secretariat token;
        `toyama`: a token of Toyama prefecture (160008), who keeps the sample contact."""
        state = {}
        plans = json.loads(self.rfsctl("list", "--all", "--json", token=admin))
        for plan in plans.get("plans", []):
            name = plan["name"]
            state[f"plan {name}"] = self.rfsctl("get", name, "--json", token=admin)
            state[f"versions {name}"] = self.rfsctl("versions", name, "--json", token=admin)
            state[f"reviews {name}"] = self.rfsctl("reviews", name, "--json", token=admin)
            kpi = self.rfsctl("kpi", "list", name, "--json", token=admin, check=False)
            if kpi:
                keep = ("name", "value", "state", "revision", "reported_by", "report_time")
                state[f"measurements {name}"] = json.dumps(
                    [{k: m.get(k) for k in keep} for m in json.loads(kpi).get("measurements", [])])
        subs = json.loads(self.rfsctl("subscriptions", "list", "--all", "--json", token=admin) or "{}")
        for s in subs.get("subscriptions", []):
            state[f"subscription {s['name']}"] = s.get("url", "")
        contacts = json.loads(self.rfsctl("contacts", "list", "--json", token=toyama) or "{}")
        for c in contacts.get("contacts", []):
            state[f"contact {c['name']}"] = c.get("address", "")
        # One JSON object (a LoggedEvent) a line.
        for line in self.rfsctl("events", "list", "--limit", "0", "--json", token=admin).splitlines():
            if line.strip():
                e = json.loads(line)
                state[f"event {e['event']['id']}"] = e["cursor"]
        return state
