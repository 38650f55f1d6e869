"""The documented check recipes (docs/commands/check.md, docs/output-formats.md,
docs/summaries-and-dask.md), run for real with the config they name: the hourly cron
script (stub pager and chat commands), the Prometheus textfile cron line and the summaries
cron recipe, each with ``examples/mlmon.toml`` (copied, its ``reference`` made absolute),
through logs flowing, a spike that cleared hours ago, logs that stopped (with and without a
malformed line) and a config error; and the release gate's command line.

The logs are Tuesday of the sample week (like the training data; its few errors and
timeouts left out, so a flowing hour is healthy), spread evenly over seven hours that end
where the scenario says, with every request of one whole hour at 1 s for a spike.

Each recipe runs as a real process (its shell script, ``mlmon`` on PATH) in its first
scenario and on the config error; its other scenarios run the recipe's own ``mlmon`` command
lines in process (:func:`in_process`): what they check is what mlmon answers, not the
process around it, and a process costs a second or two in CI."""

from __future__ import annotations

import contextlib
import functools
import gzip
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from tests import docs_text
from tests.conftest import REPO, SAMPLE_LOGS

EXAMPLE = REPO / "examples" / "mlmon.toml"
HOUR = timedelta(hours=1)
TRUNCATED = (
    '{"timestamp": "2026-11-14T14:21:35.863506Z", "event": "inference", "request_id": "2d38665242dd95b1", "latency_'
)
"""A line cut in the middle of its JSON object, as the sample week's own malformed line."""


def _block(marker: str, language: str) -> str:
    """The fenced block of ``language`` ("": none given) that contains ``marker``, in
    README.md or docs/ (exactly one)."""
    return docs_text.block(marker, language)


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


@functools.cache
def _tuesday() -> tuple[dict, ...]:
    """Tuesday's records of both sample replicas in time order, as structlog records without
    their time; the inference records of errors and timeouts left out."""
    timed = []
    for replica in ("a", "b"):
        with gzip.open(SAMPLE_LOGS / f"replica-{replica}" / "app.log.5.gz", "rt", encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                stamp = record.pop("timestamp", None) or record.pop("asctime").replace(",", ".") + "+00:00"
                if "message" in record:
                    record["event"], record["level"] = record.pop("message"), record.pop("levelname").lower()
                if record["event"] == "inference" and record["status"] != "ok":
                    continue
                timed.append((datetime.fromisoformat(stamp.replace("Z", "+00:00")), record))
    timed.sort(key=lambda pair: pair[0])
    return tuple(record for _, record in timed)


def service_logs(
    directory: Path, end: datetime, *, spike: datetime | None = None, malformed: bool = False, split: bool = False
) -> None:
    """Write the service's logs into ``directory``: Tuesday's records over the seven hours
    before ``end``; every request of the hour from ``spike`` takes 1 s; ``malformed``: a
    truncated line two thirds in. ``split``: the older half rotated to ``app.log.1``."""
    records = _tuesday()
    step = 7 * HOUR / len(records)
    lines = []
    for index, record in enumerate(records):
        moment = end - step * (len(records) - 1 - index)
        if spike is not None and spike <= moment < spike + HOUR and "latency_ms" in record:
            record = {**record, "latency_ms": 1000.0}
        lines.append(json.dumps({"timestamp": moment.isoformat().replace("+00:00", "Z"), **record}))
    if malformed:
        lines.insert(2 * len(lines) // 3, TRUNCATED)
    half = len(lines) // 2 if split else 0
    (directory / "app.log.1").write_text("".join(f"{line}\n" for line in lines[:half]))
    (directory / "app.log").write_text("".join(f"{line}\n" for line in lines[half:]))


def example_config(path: Path, **changes: str) -> Path:
    """``examples/mlmon.toml`` as the recipes' ``/etc/mlmon/mlmon.toml``: the same file, its
    reference made absolute, and ``changes`` (key = TOML value) to top-level keys."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace(
        'reference = "../references/train.json"', f"reference = {json.dumps(str(REPO / 'references' / 'train.json'))}"
    )
    assert str(REPO) in text
    for key, value in changes.items():
        text, count = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, flags=re.M)
        assert count == 1, key
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def machine(tmp_path):
    """A model server in ``tmp_path``: logs, /etc with the example config, ``mlmon`` and stub
    commands on PATH (``page-oncall`` and ``notify-team`` record their calls), no MLMON_*."""
    bin_dir = tmp_path / "bin"
    for d in ("bin", "logs", "etc", "out"):
        (tmp_path / d).mkdir()
    for name in ("page-oncall", "notify-team"):
        stub = bin_dir / name
        stub.write_text(
            f'#!/bin/sh\necho "{name} $*" >> {tmp_path}/calls\ncat >> {tmp_path}/calls 2>/dev/null || true\n'
        )
        stub.chmod(stub.stat().st_mode | stat.S_IEXEC)
    mlmon = Path(sys.executable).with_name("mlmon")
    (bin_dir / "mlmon").symlink_to(mlmon if mlmon.exists() else shutil.which("mlmon"))
    example_config(tmp_path / "etc" / "mlmon.toml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLMON_")}
    env.update(PATH=f"{bin_dir}:{env['PATH']}", COLUMNS="400")  # wide text: each row of the table on one line
    return tmp_path, env


def in_process(command: str, cwd: Path, variables: dict[str, str] | None = None) -> int:
    """Run ``command``, one ``mlmon ...`` line of a recipe (``\\``-continued lines joined), with
    mlmon in this process as the machine's environment has it (no MLMON_*, COLUMNS=400) from
    ``cwd``; ``variables`` are the shell variables its words name (``"$out"``). Its exit code."""
    from mlmon.cli import app

    words = [(variables or {}).get(word, word) for word in shlex.split(command.replace("\\\n", " "))]
    assert words[0] == "mlmon" and not any("$" in word for word in words), words
    unset: dict[str, str | None] = {name: None for name in os.environ if name.startswith("MLMON_")}
    with contextlib.chdir(cwd):
        result = CliRunner().invoke(app, words[1:], env={**unset, "COLUMNS": "400"})
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code


def _mlmon_line(script: str) -> str:
    """The ``mlmon`` command of a recipe's script, continued lines joined, up to a ``&&``."""
    joined = script.replace("\\\n", " ")
    line = next(line for line in joined.splitlines() if line.startswith("mlmon "))
    return line.split(" && ", 1)[0]


def _calls(root: Path) -> str:
    calls = (root / "calls").read_text() if (root / "calls").exists() else ""
    (root / "calls").unlink(missing_ok=True)
    return calls


# --- the hourly cron script -----------------------------------------------------------------


@pytest.fixture
def hourly(machine):
    """The documented hourly script with its paths moved under the machine; ``run(end, ...)``
    writes the logs (:func:`service_logs`), runs it, and returns (exit code, calls)."""
    root, env = machine
    script = _block("mlmon-hourly", "sh")
    assert "--config /etc/mlmon/mlmon.toml" in script
    script = script.replace("/var/log/model/", f"{root}/logs/").replace(
        "/etc/mlmon/mlmon.toml", str(root / "etc" / "mlmon.toml")
    )
    script = script.replace("/var/log/mlmon/last-check.txt", str(root / "out" / "last-check.txt"))
    (root / "hourly.sh").write_text(script)

    def run(end: datetime | None, **logs) -> tuple[int, str]:
        if end is not None:
            service_logs(root / "logs", end, **logs)
        done = subprocess.run(
            ["sh", str(root / "hourly.sh")], env=env, cwd=root, capture_output=True, text=True, timeout=120
        )
        return done.returncode, _calls(root)

    return run, root / "etc" / "mlmon.toml"


def test_the_hourly_script_is_quiet_while_the_logs_flow(hourly):
    run, _ = hourly
    assert run(datetime.now(UTC) - timedelta(minutes=1)) == (0, "")


def test_the_hourly_script_does_not_page_for_a_spike_that_cleared_hours_ago(hourly):
    """A one-hour spike five hours ago (a breach in its window) has cleared: no page with the
    example config (exit_on = "last"). The same run with exit_on = "any", which the example
    config had, pages for it."""
    run, config = hourly
    now = datetime.now(UTC)
    spike = _hour(now) - 5 * HOUR
    assert run(now - timedelta(minutes=1), spike=spike) == (0, "")
    text = (config.parent.parent / "out" / "last-check.txt").read_text()
    assert re.search(r"latency_p99 .* fired in 1 of \d+ windows, first at .*; not firing now \(cleared\)", text), text
    example_config(config, exit_on='"any"')
    code, calls = run(None)
    assert calls.startswith("page-oncall") and "latency_p99" in calls


@pytest.mark.parametrize("malformed", [False, True], ids=["clean", "one malformed line"])
def test_the_hourly_script_pages_when_the_logs_stopped(hourly, malformed):
    """Every record 8 hours old, older than --since 6h: no_data pages, and says how long
    ago the last record was; a malformed line among them changes nothing (it was exit 2,
    notify-team, before)."""
    run, _ = hourly
    now = datetime.now(UTC)
    code, calls = run(now - 8 * HOUR, malformed=malformed)
    assert code == 0 and calls.startswith("page-oncall"), calls
    assert "notify-team" not in calls
    row = next(line for line in calls.splitlines() if "no_data" in line)
    assert "FAIL" in row and re.search(r"last record 8(\.0\d)?h ago", calls), calls


def test_the_hourly_script_pages_when_the_logs_stopped_three_hours_ago(hourly):
    run, _ = hourly
    code, calls = run(datetime.now(UTC) - 3 * HOUR)
    assert calls.startswith("page-oncall") and "no_data" in calls and "firing now" in calls, calls


def test_the_hourly_script_tells_a_broken_pipeline_from_a_breach(hourly):
    run, config = hourly
    config.write_text(config.read_text().replace('critical = "250ms"', 'critical = "fast"'))
    code, calls = run(datetime.now(UTC) - timedelta(minutes=1))
    assert calls.startswith("notify-team mlmon check could not run (exit 2)"), calls


# --- the Prometheus textfile cron line ------------------------------------------------------


def _alerts(prom: str, now: datetime) -> set[str]:
    """Which of the documented alerts on mlmon's own series hold on ``prom`` at ``now``:
    ``MlmonCheckCritical`` (``mlmon_rule_status{severity="critical"} == 1``) and
    ``MlmonLogsSilent`` (``time() - mlmon_last_record_timestamp_seconds > 3600``)."""
    samples = [s for family in text_string_to_metric_families(prom) for s in family.samples]
    firing = set()
    if any(s.name == "mlmon_rule_status" and s.labels["severity"] == "critical" and s.value == 1 for s in samples):
        firing.add("MlmonCheckCritical")
    last = [s.value for s in samples if s.name == "mlmon_last_record_timestamp_seconds"]
    if last and now.timestamp() - last[0] > 3600:
        firing.add("MlmonLogsSilent")
    return firing


def _critical(prom: str) -> set[str]:
    return {
        s.labels["rule"]
        for family in text_string_to_metric_families(prom)
        for s in family.samples
        if s.name == "mlmon_rule_status" and s.labels["severity"] == "critical" and s.value == 1
    }


def test_the_prometheus_cron_line_alerts_exactly_when_the_readme_says(machine):
    root, env = machine
    block = _block("/etc/cron.d/mlmon, run as the user mlmon: every rule", "")
    line = next(line for line in block.splitlines() if " mlmon check " in line and not line.startswith("#"))
    command = line.split(None, 6)[6]  # five time fields, then the user
    assert command.startswith("mlmon check") and "--config /etc/mlmon/mlmon.toml" in command
    prom = root / "out" / "mlmon.prom"
    command = command.replace("/var/log/model/", f"{root}/logs/").replace(
        "/etc/mlmon/mlmon.toml", str(root / "etc" / "mlmon.toml")
    )
    command = command.replace("/var/lib/node_exporter/textfile_collector/mlmon.prom", str(prom))

    def run(end: datetime, real: bool = False, **logs) -> tuple[int, set[str], set[str]]:
        service_logs(root / "logs", end, **logs)
        prom.unlink(missing_ok=True)  # each run writes its own
        if real:
            done = subprocess.run(["sh", "-c", command], env=env, cwd=root, capture_output=True, text=True, timeout=120)
            code = done.returncode
        else:
            code = in_process(command, root)
        text = prom.read_text()
        return code, _alerts(text, datetime.now(UTC)), _critical(text)

    now = datetime.now(UTC)
    assert run(now - timedelta(minutes=1), real=True) == (0, set(), set())
    assert run(now - timedelta(minutes=1), spike=_hour(now) - 5 * HOUR) == (0, set(), set())  # cleared
    for malformed in (False, True):
        code, alerts, critical = run(now - 8 * HOUR, malformed=malformed)
        assert (code, alerts, critical) == (1, {"MlmonCheckCritical", "MlmonLogsSilent"}, {"no_data"}), malformed
    before = prom.read_text()
    (root / "etc" / "mlmon.toml").write_text('[rules.latency_p99]\ncritical = "fast"\n')
    done = subprocess.run(["sh", "-c", command], env=env, cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and prom.read_text() == before  # the old file stays: MlmonNotRunning, on its age


# --- the summaries cron recipe --------------------------------------------------------------


@pytest.fixture
def summaries(machine):
    """The documented host and central scripts with their paths moved under the machine,
    ``date`` answering at a given time (``MLMON_TEST_NOW``, epoch seconds) and ``rsync`` a
    copy. ``run(end, hours, ...)`` writes the logs, runs the host script at 2 past each of
    the ``hours`` (aware datetimes), then the central one now; it returns (central exit
    code, alerts, critical rules); ``real=False`` runs the scripts' mlmon lines in process."""
    root, env = machine
    central, node = root / "central", root / "node"
    for d in (central, node, root / "host"):
        d.mkdir()
    (root / "bin" / "date").write_text(
        '#!/bin/sh\n# date -u [-d "1 hour ago"] +FORMAT, at $MLMON_TEST_NOW\nnow=$MLMON_TEST_NOW\n'
        'if [ "$2" = "-d" ]; then now=$((now - 3600)); shift 2; fi\nexec /bin/date -u -d "@$now" "$2"\n'
    )
    (root / "bin" / "rsync").write_text('#!/bin/sh\n# rsync -t FILE DIR\ncp "$2" "$3"\n')
    for stub in ("date", "rsync"):
        (root / "bin" / stub).chmod(0o755)
    host = (
        _block("mlmon-summary", "sh")
        .replace("/var/log/model/", f"{root}/logs/")
        .replace("/var/lib/mlmon/", f"{root}/host/")
    )
    host = host.replace("central:/srv/mlmon/summaries/", f"{central}/")
    assert "--config /etc/mlmon/mlmon.toml" in host
    (root / "host.sh").write_text(host.replace("/etc/mlmon/mlmon.toml", str(root / "etc" / "mlmon.toml")))
    middle = (
        _block("mlmon-central", "sh")
        .replace("/srv/mlmon/summaries", str(central))
        .replace("/var/lib/node_exporter/", f"{node}/")
    )
    (root / "central.sh").write_text(middle.replace("/etc/mlmon/mlmon.toml", str(root / "etc" / "mlmon.toml")))

    def central_run() -> subprocess.CompletedProcess:
        return subprocess.run(
            ["sh", str(root / "central.sh")], env=env, cwd=root, capture_output=True, text=True, timeout=120
        )

    def host_in_process(hour: datetime) -> None:
        """host.sh's mlmon line and its copy, at 2 past ``hour``, with its variables."""
        start, end = (f"{moment:%Y-%m-%dT%H}:00:00Z" for moment in (hour - HOUR, hour))
        out = root / "host" / f"{os.uname().nodename}-{start}.summary.json"
        variables = {"$start": start, "$end": end, "$out": str(out)}
        assert in_process(_mlmon_line((root / "host.sh").read_text()), root, variables) == 0
        shutil.copy(out, central)

    def run(end: datetime, hours: list[datetime], real: bool = False, **logs) -> tuple[int, set[str], set[str]]:
        for old in central.iterdir():
            old.unlink()
        service_logs(root / "logs", end, split=True, **logs)
        (node / "mlmon.prom").unlink(missing_ok=True)  # each run writes its own
        for hour in hours:
            if not real:
                host_in_process(hour)
                continue
            at = {**env, "MLMON_TEST_NOW": str(int((hour + timedelta(minutes=2)).timestamp()))}
            done = subprocess.run(
                ["sh", str(root / "host.sh")], env=at, cwd=root, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, done.stdout + done.stderr
        code = central_run().returncode if real else in_process(_mlmon_line((root / "central.sh").read_text()), root)
        text = (node / "mlmon.prom").read_text()
        return code, _alerts(text, datetime.now(UTC)), _critical(text)

    return run, central_run, node / "mlmon.prom", root / "etc" / "mlmon.toml"


def test_the_summaries_recipe_alerts_exactly_when_the_readme_says(summaries):
    """Three hourly summaries per scenario, checked centrally: quiet while the logs flow and
    after a spike that cleared; no_data critical when the logs stopped, a malformed line
    among them or not (a quiet host's summary is written, not refused); the old file stays
    on a config error."""
    run, central, prom, config = summaries
    now = datetime.now(UTC)
    hours = [_hour(now) - 2 * HOUR, _hour(now) - HOUR, _hour(now)]
    assert run(now - timedelta(minutes=1), hours, real=True) == (0, set(), set())
    assert sorted(path.name for path in prom.parent.parent.joinpath("central").iterdir()) == [
        f"{os.uname().nodename}-{hour - HOUR:%Y-%m-%dT%H}:00:00Z.summary.json" for hour in hours
    ]  # what the in-process runs below write
    assert run(now - timedelta(minutes=1), hours, spike=_hour(now) - 3 * HOUR) == (0, set(), set())
    for malformed in (False, True):
        assert run(now - 8 * HOUR, hours, malformed=malformed) == (
            1,
            {"MlmonCheckCritical", "MlmonLogsSilent"},
            {"no_data"},
        ), malformed
    before = prom.read_text()
    config.write_text(config.read_text().replace('critical = "250ms"', 'critical = "fast"'))
    done = central()
    assert done.returncode == 2 and "rules.latency_p99.critical" in done.stderr and prom.read_text() == before


# --- the release gate -----------------------------------------------------------------------


def _gate_args() -> list[str]:
    line = next(line for line in _block("release-gate", "yaml").splitlines() if "run: mlmon check" in line)
    return line.split("run: ", 1)[1].split()


@pytest.mark.parametrize(("day_file", "expected"), [("app.log.5.gz", 0), ("app.log.3.gz", 1)])
def test_the_release_gate_passes_tuesday_and_blocks_thursday(tmp_path, day_file, expected):
    """The workflow's command on one day of sample predictions: Tuesday is like training,
    Thursday has the shift. It passes --exit-on any itself: a gate asks whether anything
    fired, whatever a config's exit_on says."""
    args = _gate_args()
    assert (
        args[:3] == ["mlmon", "check", "validation.jsonl"]
        and "--exit-on" in args
        and args[args.index("--exit-on") + 1] == "any"
    )
    shutil.copy(REPO / "references" / "train.json", tmp_path / "train.json")
    args = [a.replace("references/train.json", str(tmp_path / "train.json")) for a in args]
    args[2] = str(SAMPLE_LOGS / "replica-a" / day_file)
    mlmon = Path(sys.executable).with_name("mlmon")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLMON_", "GITHUB_"))}
    done = subprocess.run([str(mlmon), *args[1:]], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == expected, done.stdout + done.stderr
    assert done.stdout.startswith("## mlmon check: ")
