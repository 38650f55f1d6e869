"""The documentation site holds together: ``mkdocs build --strict`` passes (a broken link or
anchor, or a page left out of the nav, is a warning and fails it), every relative link of
the README leads to a file that exists, every command has a page that its ``--help``
names, and the statistics notes stay in ``references/`` (``docs/statistics`` is a
relative symbolic link, which git stores and a fresh clone restores)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tomllib

import pytest

from mlmon.cli import app
from mlmon.cli.help import DOCS
from tests.conftest import REPO
from tests.docs_text import README

LINK = re.compile(r"\]\(([^)\s]+)\)")
LINKED = {
    "statistics": "../references/statistics",
    "profile-format.md": "../references/PROFILE_FORMAT.md",
    "benchmarks.md": "../benchmarks/README.md",
    "examples": "../examples",
}
"""The docs/ entries that are symbolic links, and their targets."""


def site_config() -> dict:
    """mkdocs.yml, read as plain YAML where it can be (no mkdocs needed): the keys used here."""
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    url = re.search(r"^site_url: (\S+)$", text, re.M)
    return {"site_url": url.group(1) if url else None, "pages": re.findall(r":\s+(\S+\.md)$", text, re.M)}


def test_the_site_builds_with_no_warning(tmp_path):
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None:
        pytest.skip('mkdocs-material is not installed (pip install -e ".[test]"): the site build is not checked')
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    build = [
        sys.executable,
        "-m",
        "mkdocs",
        "build",
        "--strict",
        "-f",
        str(REPO / "mkdocs.yml"),
        "-d",
        str(tmp_path / "site"),
    ]
    run = subprocess.run(build, capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-4000:]
    assert "WARNING" not in run.stderr, run.stderr[-4000:]
    for page in ("index.html", "commands/drift/index.html", "statistics/psi/index.html", "sample_report.png"):
        assert (tmp_path / "site" / page).is_file(), page


def test_every_relative_link_of_the_readme_exists():
    links = [link.split("#", 1)[0] for link in LINK.findall(README.read_text(encoding="utf-8"))]
    relative = [link for link in links if link and not re.match(r"[a-z]+:", link)]
    assert sum(link.startswith("docs/") for link in relative) >= 15, relative
    assert [link for link in relative if not (REPO / link).exists()] == []


def test_the_readme_is_short_and_opens_with_the_two_commands():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    blocks = re.findall(r"```bash\n(.*?)\n```", text, re.S)
    assert blocks[:2] == [
        "pip install . && mlmon report sample_logs/",
        'pip install -e ".[test]" && pytest -n auto --durations=15',
    ]
    for example in ("examples/mlmon.toml", "examples/service_logging.py", "examples/service_onnx.py"):
        assert f"]({example})" in text, example


@pytest.mark.parametrize("name", [c.name for c in app.registered_commands] + [g.name for g in app.registered_groups])
def test_every_command_has_a_page_that_its_help_names(runner, name):
    page = f"commands/{name}.md"
    assert (REPO / "docs" / page).is_file() and page in site_config()["pages"], page
    result = runner.invoke(app, [name, "--help"], env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip("\n").splitlines()[-1] == f" Docs: {DOCS}commands/{name}/"


def test_the_docs_address_is_the_same_everywhere(runner):
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert DOCS.endswith("/") and pyproject["project"]["urls"]["Documentation"] == DOCS == site_config()["site_url"]
    assert (
        runner.invoke(app, ["--help"], env={"COLUMNS": "100"}).stdout.rstrip("\n").splitlines()[-1] == f" Docs: {DOCS}"
    )


@pytest.mark.parametrize(("name", "target"), LINKED.items())
def test_shared_pages_stay_where_the_code_cites_them(name, target):
    link = REPO / "docs" / name
    assert link.is_symlink() and os.readlink(link) == target
    assert link.resolve() == (REPO / "docs" / target).resolve() and link.exists()
