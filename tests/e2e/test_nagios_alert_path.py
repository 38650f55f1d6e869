"""Issue 22, the Nagios path: what ``check_nrpe`` shows for mlmon's ``--format nagios``.

Every error in Nagios mode (usage, config, input, internal) prints the plugin's status line
on stdout, ``MLMON UNKNOWN - error: <reason>`` (the stderr line's words), and exits 3: NRPE passes on stdout
only, and an empty one reads "NRPE: Unable to read output". The status text holds no ``;``
(Nagios rewrites it) and names each rule; perfdata gives both of a rule's levels.

The first tests drive the CLI in-process and always run. The last ones start a real NRPE
daemon (``/usr/sbin/nrpe``, Debian's nagios-nrpe-server) on a free port and ask it through
the real ``check_nrpe`` (nagios-nrpe-plugin); they skip, saying why, where either is missing.
"""

from __future__ import annotations

import functools
import grp
import json
import os
import pwd
import re
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mlmon.cli import app
from mlmon.cli.boundary import run_guarded
from tests.conftest import SAMPLE_LOGS

STATUS = re.compile(r"^MLMON (OK|WARNING|CRITICAL|UNKNOWN) - ([^|\n]+?)(?: \| ([^\n]*))?$")
"""The first line of plugin output: state, status text, perfdata."""
CODES = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}

CONFIG = """\
[rules.latency_p99]
warning = "100ms"
critical = "250ms"

[rules.error_rate]
warning = "2%"
critical = "5%"
"""
BAD_TOML = '[rules.latency_p99\nwarning = "100ms"\n'


def write_logs(
    path: Path, *, latency_ms: float, end_ago: timedelta, hours: float = 7.0, malformed: bool = False
) -> Path:
    """One inference a minute for ``hours``, the last ``end_ago`` before now, all ``ok``."""
    now = datetime.now(UTC)
    count = int(hours * 60)
    lines = []
    for i in range(count):
        ts = now - end_ago - timedelta(minutes=count - 1 - i)
        stamp = ts.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        lines.append(
            json.dumps({"timestamp": stamp, "event": "inference", "latency_ms": latency_ms + i % 7, "status": "ok"})
        )
    if malformed:
        lines.insert(count // 2, '{"timestamp": "broken')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o644)
    return path


def make_inputs(root: Path) -> dict[str, Path]:
    """Logs flowing, logs of a slow service, logs that stopped 8 hours ago (with and without
    a malformed line), a config and a config that is not TOML."""
    paths = {
        "fresh": write_logs(root / "fresh" / "app.log", latency_ms=40, end_ago=timedelta(minutes=1)).parent,
        "slow": write_logs(root / "slow" / "app.log", latency_ms=400, end_ago=timedelta(minutes=1)).parent,
        "stale": write_logs(root / "stale" / "app.log", latency_ms=40, end_ago=timedelta(hours=8)).parent,
        "stale_malformed": write_logs(
            root / "stale_malformed" / "app.log", latency_ms=40, end_ago=timedelta(hours=8), malformed=True
        ).parent,
        "config": root / "mlmon.toml",
        "bad_config": root / "bad.toml",
    }
    paths["config"].write_text(CONFIG, encoding="utf-8")
    paths["bad_config"].write_text(BAD_TOML, encoding="utf-8")
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return paths


def commands(paths: dict[str, Path]) -> dict[str, list[str]]:
    """The argument lists of every case, after ``mlmon``."""
    check = ["--since", "6h", "--window", "1h", "--max-silence", "15m", "--format", "nagios"]
    return {
        "ok": ["check", str(paths["fresh"]), "--config", str(paths["config"]), *check],
        "breach": ["check", str(paths["slow"]), "--config", str(paths["config"]), *check],
        "toml_error": ["check", str(paths["fresh"]), "--config", str(paths["bad_config"]), *check],
        "missing_dir": ["check", str(paths["fresh"].parent / "no-such-dir"), "--config", str(paths["config"]), *check],
        "bad_option": ["check", str(paths["fresh"]), "--config", str(paths["config"]), *check, "--no-such-option"],
        "bad_value": [
            "check",
            str(paths["fresh"]),
            "--config",
            str(paths["config"]),
            *check[:-2],
            "--exit-on",
            "sometimes",
            "--format",
            "nagios",
        ],
        "stale": ["check", str(paths["stale"]), "--config", str(paths["config"]), *check],
        "stale_malformed": ["check", str(paths["stale_malformed"]), "--config", str(paths["config"]), *check],
    }


ERRORS = {
    "toml_error": "error: ",
    "missing_dir": "error: ",
    "bad_option": "error: No such option: --no-such-option",
    "bad_value": "error: --exit-on: ",
}
"""The error cases and how their status text starts after ``MLMON UNKNOWN - ``."""


def status(stdout: str) -> tuple[str, str, str]:
    """(state, text, perfdata) of the first line; fails unless it is plugin output."""
    first = stdout.splitlines()[0] if stdout else ""
    match = STATUS.match(first)
    assert match, f"not plugin output on stdout: {stdout!r}"
    return match.group(1), match.group(2), match.group(3) or ""


def perf_fields(perfdata: str) -> dict[str, list[str]]:
    return {label.strip("'"): rest.split(";") for label, rest in re.findall(r"('[^']*'|[^ =']+)=(\S+)", perfdata)}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    return make_inputs(tmp_path_factory.mktemp("nagios"))


def run(args: list[str]):
    return CliRunner().invoke(app, args, env={"MLMON_CONFIG": "", "NO_COLOR": "1"})


# --- in-process: every error is a status line on stdout, exit 3 --------------------------


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_every_error_prints_unknown_on_stdout_and_exits_3(inputs, case):
    result = run(commands(inputs)[case])
    state, text, perf = status(result.stdout)
    assert (state, result.exit_code) == ("UNKNOWN", 3), result.output
    assert text.startswith(ERRORS[case]) and len(text) > len(ERRORS[case]), text
    assert ";" not in text and perf == "" and result.stdout.count("\n") == 1
    assert result.stderr.startswith("mlmon: error: "), result.stderr  # the one-line error stays on stderr


def test_the_error_text_is_the_error_on_stderr(inputs):
    result = run(commands(inputs)["toml_error"])
    _, text, _ = status(result.stdout)
    assert "bad.toml" in text and "invalid TOML" in text
    stderr_reason = result.stderr.removeprefix("mlmon: error: ").strip().replace(";", ",")
    assert text == f"error: {stderr_reason}"[:300]


@pytest.mark.parametrize(
    "args",
    [
        ["report", "/nonexistent/logs", "--format", "nagios"],
        ["drift", str(SAMPLE_LOGS), "--reference", "/nonexistent/train.json", "--format", "nagios"],
        ["report", str(SAMPLE_LOGS), "--format=NAGIOS", "--window", "7x"],
        ["report", str(SAMPLE_LOGS), "-f", "Nagios", "--no-such-option"],
        ["check", "--format", "nagios"],
        ["bench", "/nonexistent/model.onnx", "--format", "nagios"],
    ],
)
def test_every_command_prints_unknown_for_its_errors(args):
    result = run(args)
    state, text, _ = status(result.stdout)
    assert (state, result.exit_code) == ("UNKNOWN", 3), result.output
    assert re.match(r"error: \S", text), text
    assert result.stderr == f"mlmon: {text}\n"  # the same words on both


def test_an_error_without_nagios_prints_nothing_on_stdout(inputs):
    args = [a if a != "nagios" else "json" for a in commands(inputs)["toml_error"]]
    result = run(args)
    assert result.exit_code == 2 and result.stdout == "" and result.stderr.startswith("mlmon: error: ")


def test_an_internal_error_is_unknown_with_its_reason(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["mlmon", "check", "logs/", "--format", "nagios"])
    monkeypatch.delenv("MLMON_DEBUG", raising=False)

    def broken() -> None:
        raise RuntimeError("boom; with a semicolon\nand a second line")

    with pytest.raises(SystemExit) as exit_info:
        run_guarded(broken)
    out, err = capsys.readouterr()
    assert exit_info.value.code == 3
    assert out == (
        "MLMON UNKNOWN - internal error: RuntimeError: boom, with a semicolon (set MLMON_DEBUG=1 for the traceback)\n"
    )
    assert err.startswith("mlmon: internal error: RuntimeError: boom; with a semicolon")


def test_ok_breach_and_stale_logs_are_status_lines_with_both_levels(inputs):
    cases = commands(inputs)
    ok, breach, stale = run(cases["ok"]), run(cases["breach"]), run(cases["stale"])
    assert (status(ok.stdout)[0], ok.exit_code) == ("OK", 0), ok.output
    assert (status(breach.stdout)[0], breach.exit_code) == ("CRITICAL", 2), breach.output
    assert (status(stale.stdout)[0], stale.exit_code) == ("CRITICAL", 2), stale.output
    assert status(breach.stdout)[1].startswith("latency_p99: ")
    assert "no_data: " in status(stale.stdout)[1]
    for result in (ok, breach, stale):
        _, text, perf = status(result.stdout)
        assert ";" not in text
    latency = perf_fields(status(ok.stdout)[2])["latency_p99"]
    assert latency[1:] == ["0.1", "0.25", "0"] and float(latency[0].removesuffix("s")) < 0.1
    age = perf_fields(status(ok.stdout)[2])["last_record_age"]
    assert age[1:] == ["", "900", "0"] and 50 < float(age[0].removesuffix("s")) < 600
    # every record older than --since: the age of the last one read still grows (issue 22 §4)
    age = perf_fields(status(stale.stdout)[2])["last_record_age"]
    assert age[1:] == ["", "900", "0"] and 8 * 3600 - 60 < float(age[0].removesuffix("s")) < 8 * 3600 + 600


def test_stale_logs_with_a_malformed_line_still_reach_nagios_as_a_status_line(inputs):
    """Issue 22 §1 makes this a no_data breach; until then it is an input error. Either
    way Nagios shows a reason and a state that matches the exit code."""
    result = run(commands(inputs)["stale_malformed"])
    state, text, _ = status(result.stdout)
    assert result.exit_code == CODES[state] and state in ("CRITICAL", "UNKNOWN") and text


def test_check_and_drift_give_each_perfdata_label_one_meaning():
    """Issue 22 §8: the same label means the same number in check and drift: the PSI and
    the fall of confidence of the worst window agree (check with ``--exit-on any``); the
    share of drifted inputs (check) and their count (drift) have labels of their own."""
    config = str(SAMPLE_LOGS.parent / "examples" / "mlmon.toml")
    common = [str(SAMPLE_LOGS), "--config", config, "--window", "1d", "--format", "nagios"]
    check, drift = run(["check", *common, "--exit-on", "any"]), run(["drift", *common])
    check_perf, drift_perf = perf_fields(status(check.stdout)[2]), perf_fields(status(drift.stdout)[2])
    shared = set(check_perf) & set(drift_perf)
    assert {"prediction_drift model_version:1.4.0", "confidence_collapse model_version:1.4.0"} <= shared
    for label in shared:
        assert check_perf[label] == drift_perf[label], label
    assert "feature_drift" not in check_perf and "feature_drift" not in drift_perf
    share, count = check_perf["feature_drift_share"], drift_perf["features_drifted"]
    assert share[0].endswith("%") and 0 <= float(share[0][:-1]) <= 100 and share[1:] == ["50", "50", "0", "100"]
    assert count[0].isdigit() and count[3] == "0" and int(count[0]) <= int(count[4])
    assert "features_drifted" not in check_perf and "feature_drift_share" not in drift_perf


def test_check_summary_names_every_rule_at_the_state(inputs):
    """Issue 22 §8: the summary names the rules (not only the scopes) of every finding at
    the state's severity; the JSON of the same run says which those are."""
    config = str(SAMPLE_LOGS.parent / "examples" / "mlmon.toml")
    args = ["check", str(SAMPLE_LOGS), "--config", config, "--window", "1d", "--exit-on", "any"]
    text = status(run([*args, "--format", "nagios"]).stdout)[1]
    rules = json.loads(run([*args, "--format", "json"]).stdout)["rules"]
    critical = [
        r["rule"] if r["scope"] == "all" else f"{r['rule']}[{r['scope']}]" for r in rules if r["severity"] == "critical"
    ]
    warning = sum(r["severity"] == "warning" for r in rules)  # the canary's 1.5.0 (sample_logs/README.md)
    head = f"{len(critical)} critical (and {warning} warning): " if warning else f"{len(critical)} critical: "
    assert len(critical) >= 3 and text.startswith(head)
    for name in critical:
        assert name in text, name


def test_an_ok_check_shows_the_value_of_the_window_it_judged(tmp_path):
    """A spike four hours ago that has cleared: with ``exit_on = "last"`` the service is OK
    and its perfdata is the last judged window's p99 (at most 46 ms, the slowest normal
    request), not the spike's; with ``--exit-on any`` it is CRITICAL with the spike's."""
    logs = write_logs(tmp_path / "logs" / "app.log", latency_ms=40, end_ago=timedelta(minutes=1), hours=6.5)
    lines = logs.read_text().splitlines()
    spike = [json.dumps({**json.loads(line), "latency_ms": 1000}) for line in lines[120:180]]
    logs.write_text("\n".join(lines[:120] + spike + lines[180:]) + "\n")
    (tmp_path / "mlmon.toml").write_text(CONFIG)
    args = [
        "check",
        str(logs),
        "--config",
        str(tmp_path / "mlmon.toml"),
        "--since",
        "6h",
        "--window",
        "1h",
        "--format",
        "nagios",
    ]
    last, any_ = run([*args, "--exit-on", "last"]), run([*args, "--exit-on", "any"])
    state, _, perf = status(last.stdout)
    assert (state, last.exit_code) == ("OK", 0), last.output
    assert perf_fields(perf)["latency_p99"][1:] == ["0.1", "0.25", "0"]
    assert 0.040 <= float(perf_fields(perf)["latency_p99"][0].removesuffix("s")) <= 0.046
    state, _, perf = status(any_.stdout)
    assert (state, any_.exit_code) == ("CRITICAL", 2)
    assert float(perf_fields(perf)["latency_p99"][0].removesuffix("s")) == pytest.approx(1.0)


# --- the real NRPE daemon and check_nrpe -------------------------------------------------

NRPE = shutil.which("nrpe") or "/usr/sbin/nrpe"
CHECK_NRPE = shutil.which("check_nrpe") or "/usr/lib/nagios/plugins/check_nrpe"
MLMON = Path(sys.executable).with_name("mlmon")
SYSTEM_PYTHON = "/usr/bin/python3"

RELAY_CLIENT = """\
import json, socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=120) as sock:
    sock.sendall(sys.argv[2].encode() + b"\\n")
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
answer = json.loads(data)
sys.stdout.write(answer["stdout"])
sys.stdout.flush()
sys.exit(answer["code"])
"""
"""The NRPE command when the NRPE user cannot run this venv's Python (a pyenv under /root):
it asks the test process to run the case's mlmon command and prints its stdout and exits
with its code, as the command itself would. Standard library only, run by the system
Python; it can run only the cases named here."""


def _nrpe_user() -> tuple[str, str] | None:
    """The user and group the daemon runs commands as: NRPE refuses root, so as root
    ``nagios`` (Debian's package creates it) or ``nobody``; else the current user."""
    if os.geteuid() != 0:
        user = pwd.getpwuid(os.geteuid())
        return user.pw_name, grp.getgrgid(user.pw_gid).gr_name
    for name in ("nagios", "nobody"):
        try:
            user = pwd.getpwnam(name)
        except KeyError:
            continue
        return name, grp.getgrgid(user.pw_gid).gr_name
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, daemon: subprocess.Popen, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            pytest.fail(f"nrpe exited at once ({daemon.returncode}): {daemon.stdout.read() if daemon.stdout else ''}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"nrpe did not listen on port {port} within {seconds:.0f} s")


def _relay(cases: dict[str, list[str]]) -> socketserver.TCPServer:
    """A server on a free port that runs ``mlmon <case's arguments>`` for a case name and
    answers its stdout and exit code (stderr is dropped, as NRPE drops it)."""

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            args = cases.get(self.rfile.readline().decode().strip())
            if args is None:
                answer = {"stdout": "relay: unknown case\n", "code": 3}
            else:
                env = {
                    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                    "LANG": "C.UTF-8",
                }  # NRPE passes next to nothing
                env.update({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {})
                done = subprocess.run(
                    [str(MLMON), *args],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    text=True,
                    env=env,
                    cwd="/",
                    timeout=110,
                )
                answer = {"stdout": done.stdout, "code": done.returncode}
            self.wfile.write(json.dumps(answer).encode())

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _nrpe_config(root: Path, port: int, owner: tuple[str, str], cases: dict[str, list[str]], relay_port: int) -> Path:
    """Each case twice: ``direct_<case>`` runs this venv's mlmon, ``relay_<case>`` the relay."""
    lines = [
        f"pid_file={root / 'nrpe.pid'}",
        f"server_port={port}",
        "server_address=127.0.0.1",
        f"nrpe_user={owner[0]}",
        f"nrpe_group={owner[1]}",
        "allowed_hosts=127.0.0.1",
        "dont_blame_nrpe=0",
        "allow_bash_command_substitution=0",
        "command_timeout=120",
        "connection_timeout=120",
        "disable_syslog=1",
        "debug=0",
        f"command[direct_version]={MLMON} --version",
    ]
    lines += [f"command[direct_{name}]={MLMON} {' '.join(args)}" for name, args in cases.items()]
    lines += [f"command[relay_{name}]={SYSTEM_PYTHON} {root / 'relay.py'} {relay_port} {name}" for name in cases]
    (root / "relay.py").write_text(RELAY_CLIENT, encoding="utf-8")
    config = root / "nrpe.cfg"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for path in (config, root / "relay.py"):
        path.chmod(0o644)
    return config


@pytest.fixture(scope="module")
def nrpe():
    """A real NRPE daemon with one command per case; yields a function that asks it through
    the real check_nrpe and returns (exit code, stdout), asking once per case (the tests of a
    case read one answer). The commands run this venv's mlmon
    as the NRPE user when it can, else through the relay (:data:`RELAY_CLIENT`)."""
    missing = [path for path in (NRPE, CHECK_NRPE) if not os.access(path, os.X_OK)]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (apt-get install nagios-nrpe-server nagios-nrpe-plugin)")
    if not MLMON.exists():
        pytest.skip(f"no mlmon entry point beside {sys.executable}")
    owner = _nrpe_user()
    if owner is None:
        pytest.skip("no unprivileged user for NRPE to run commands as (it refuses root)")
    root = Path(tempfile.mkdtemp(prefix="mlmon-nrpe-"))
    root.chmod(0o755)  # the NRPE user reads the logs, configs and the relay client
    relay = None
    try:
        cases = commands(make_inputs(root))
        relay = _relay(cases)
        port = _free_port()
        config = _nrpe_config(root, port, owner, cases, relay.server_address[1])
        daemon = subprocess.Popen(
            [NRPE, "-c", str(config), "-f"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            _wait_for(port, daemon)

            def ask(command: str) -> tuple[int, str]:
                done = subprocess.run(
                    [CHECK_NRPE, "-H", "127.0.0.1", "-p", str(port), "-t", "120", "-c", command],
                    capture_output=True,
                    text=True,
                    timeout=150,
                )
                return done.returncode, done.stdout

            code, out = ask("direct_version")
            way = "direct" if code == 0 and out.startswith("mlmon ") else "relay"
            if way == "relay" and not os.access(SYSTEM_PYTHON, os.X_OK):
                pytest.skip(
                    f"the NRPE user {owner[0]} cannot run {MLMON} ({out.strip()!r}) and there is no "
                    f"{SYSTEM_PYTHON} for the relay"
                )
            yield functools.cache(lambda case: ask(f"{way}_{case}"))  # each case asked once a module: 2-3 s
        finally:
            daemon.terminate()
            try:
                daemon.wait(timeout=10)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
    finally:
        if relay is not None:
            relay.shutdown()
            relay.server_close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize(
    ("case", "state", "says"),
    [
        ("ok", "OK", "latency_p99: "),
        ("breach", "CRITICAL", "latency_p99: "),
        ("stale", "CRITICAL", "no_data: "),
        ("toml_error", "UNKNOWN", "error: "),
        ("missing_dir", "UNKNOWN", "error: "),
        ("bad_option", "UNKNOWN", "error: No such option: --no-such-option"),
        ("bad_value", "UNKNOWN", "error: --exit-on: "),
    ],
)
def test_check_nrpe_shows_the_status_text_and_state(nrpe, case, state, says):
    code, out = nrpe(case)
    assert "Unable to read output" not in out
    got, text, _ = status(out)
    assert (got, code) == (state, CODES[state]), out
    assert says in text and ";" not in text, out


def test_check_nrpe_passes_perfdata_with_both_levels(nrpe):
    code, out = nrpe("ok")
    assert code == 0, out
    perf = perf_fields(status(out)[2])
    assert perf["latency_p99"][1:] == ["0.1", "0.25", "0"]
    assert perf["error_rate"][1:] == ["2", "5", "0", "100"]
    assert perf["last_record_age"][2] == "900"
    code, out = nrpe("stale")
    assert code == 2 and float(perf_fields(status(out)[2])["last_record_age"][0].removesuffix("s")) > 8 * 3600 - 60, out


def test_check_nrpe_on_stale_logs_with_a_malformed_line_shows_a_reason(nrpe):
    code, out = nrpe("stale_malformed")
    assert "Unable to read output" not in out
    state, text, _ = status(out)
    assert code == CODES[state] and state in ("CRITICAL", "UNKNOWN") and text
