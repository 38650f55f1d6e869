"""scripts/mutation_score.py without running any mutant: which mutants it makes and how it
prints them, how equivalence marks and --only lists match them, and a score that leaves
equivalent mutants and timeouts out (they are shown in their own columns)."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from tests.conftest import REPO

_spec = importlib.util.spec_from_file_location("mutation_score", REPO / "scripts" / "mutation_score.py")
ms = importlib.util.module_from_spec(_spec)
sys.modules["mutation_score"] = ms
_spec.loader.exec_module(ms)

SOURCE = '''"""Docstring 1 < 2 is not mutated."""
def f(x: int = 1) -> bool:
    return x < 1 and x != 0
'''


def test_mutants_are_one_per_site_with_line_and_column():
    _, found = ms.mutants("m.py", SOURCE)
    assert [ms.label(mu) for mu in found] == [
        "m.py:2:15: 1 -> 0",  # the default value; the annotation is not mutated
        "m.py:2:15: 1 -> 2",
        "m.py:3:4: return x < 1 and x != 0 -> return None",
        "m.py:3:11: x < 1 and x != 0 -> x < 1 or x != 0",
        "m.py:3:11: x < 1 -> x <= 1",
        "m.py:3:15: x < 1 -> x < 0",  # a constant is shown in the expression that reads it
        "m.py:3:15: x < 1 -> x < 2",
        "m.py:3:21: x != 0 -> x == 0",
        "m.py:3:26: x != 0 -> x != 1",
    ]


def test_marks_parse_with_or_without_a_column_and_refuse_a_line_without_reason(tmp_path):
    path = tmp_path / "eq.txt"
    path.write_text("# comment\n\nm.py:3:15: 1 -> 2  # x < 2 never differs here\nm.py:2: 1 -> 0  # unused default\n")
    marks = ms.read_marks(path)
    assert [(m["path"], m["line"], m["col"], m["desc"], m["reason"]) for m in marks] == [
        ("m.py", 3, 15, "1 -> 2", "x < 2 never differs here"),
        ("m.py", 2, None, "1 -> 0", "unused default"),
    ]
    path.write_text("m.py:3: 1 -> 2\n")
    with pytest.raises(ValueError, match="eq.txt:1: expected"):
        ms.read_marks(path)
    assert ms.read_marks(tmp_path / "absent.txt") == []


def _mark(line, col, desc):
    return {"path": "m.py", "line": line, "col": col, "desc": desc, "reason": "why", "used": False}


def test_a_mark_matches_its_site_else_the_only_mutant_with_its_description():
    _, found = ms.mutants("m.py", SOURCE)
    marks = [
        _mark(3, 15, "x < 1 -> x < 2"),  # exact
        _mark(9, None, "x != 0 -> x == 0"),  # another line, but the only such mutant
        _mark(3, 1, "x != 0 -> x != 1"),  # the right line, a wrong column: the only such mutant
        _mark(3, 15, "x < 1 -> x < 3"),  # no such mutant: stale
    ]
    ms.mark_equivalents(found, marks)
    assert sorted(ms.label(mu) for mu in found if "reason" in mu) == [
        "m.py:3:15: x < 1 -> x < 2",
        "m.py:3:21: x != 0 -> x == 0",
        "m.py:3:26: x != 0 -> x != 1",
    ]
    assert [m["used"] for m in marks] == [True, True, True, False]


def test_a_mark_whose_line_moved_is_found_by_its_column():
    _, found = ms.mutants("m.py", "a = 1\nb = [0, 1]\n")  # "1 -> 0" at 1:4 and at 2:8 (no expression)
    marks = [_mark(5, 8, "1 -> 0"), _mark(5, 6, "1 -> 0"), _mark(5, None, "1 -> 0")]
    ms.mark_equivalents(found, marks)
    assert [ms.label(mu) for mu in found if "reason" in mu] == ["m.py:2:8: 1 -> 0"]
    assert [m["used"] for m in marks] == [True, False, False]  # no column, two such mutants: none


def test_only_lists_take_survivor_lines_and_progress_lines(tmp_path):
    path = tmp_path / "only.txt"
    path.write_text("survived:\n  m.py:3:15: 1 -> 2\n[4/9] killed: m.py:3: x < 1 -> x <= 1\nnoise\n")
    assert ms.read_only(path) == {"m.py": {(3, 15, "1 -> 2"), (3, None, "x < 1 -> x <= 1")}}


def test_the_score_leaves_equivalents_and_timeouts_out(capsys):
    work = [{"path": "m.py", "line": i, "col": 0, "desc": f"d{i}"} for i in range(6)]
    work[4]["reason"] = "same value"
    outcomes = [ms.KILLED, ms.KILLED, ms.KILLED, ms.SURVIVED, ms.EQUIVALENT, ms.TIMEOUT]
    ms.report(["m.py"], work, outcomes, [_mark(7, None, "gone")])
    out = capsys.readouterr().out
    assert "survived:\n  m.py:3:0: d3\n" in out
    assert "timed out (not counted):\n  m.py:5:0: d5\n" in out
    assert "equivalent (marked, not counted):\n  m.py:4:0: d4  # same value\n" in out
    assert "stale marks (no such mutant):\n  m.py:7:*: gone\n" in out
    assert out.rstrip().splitlines()[-2:] == [
        "m.py         6       3         1           1        1   75.0%",
        "total        6       3         1           1        1   75.0%",
    ]


def test_a_killed_mutant_that_is_marked_is_reported_as_a_wrong_mark(capsys):
    work = [{"path": "m.py", "line": 1, "col": 0, "desc": "d", "reason": "claimed"}]
    ms.report(["m.py"], work, [ms.KILLED], [])
    assert "marked equivalent but killed: remove the mark:\n  m.py:1:0: d\n" in capsys.readouterr().out


def test_preload_refuses_the_projects_own_modules_and_other_commands(capsys):
    with pytest.raises(SystemExit) as exit_:
        ms.main(["mlmon/stats/multiple.py", "--root", str(REPO), "--preload", "numpy,mlmon.stats"])
    assert exit_.value.code == 2 and "mlmon.stats is the project's own code" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        ms.main(["mlmon/stats/multiple.py", "--root", str(REPO), "--preload", "numpy", "--tests", "make test"])
    assert "python -m pytest ARGS" in capsys.readouterr().err
    assert ms.pytest_args("python -m pytest -x -q tests/stats") == ["-x", "-q", "tests/stats"]
    assert ms.pytest_args("python3 -m pytest") == [] and ms.pytest_args("pytest -x") is None


def test_commands_that_run_the_same_tests_in_another_order_share_one_baseline():
    room = ms.same_tests("python -m pytest -x -q tests/verdicts")
    assert ms.same_tests("python -m pytest -x -q tests/verdicts/test_rules.py tests/verdicts") == room
    assert ms.same_tests("python -m pytest -q -x tests/verdicts/a.py tests/verdicts/b.py tests/verdicts") == room
    assert ms.same_tests("python -m pytest -q tests/verdicts") != room  # without -x
    assert ms.same_tests("python -m pytest -x -q tests/ingest/test_census.py tests/verdicts") != room


def test_a_named_file_that_does_not_exist_is_a_one_line_error(capsys, tmp_path):
    for option in ("--only", "--equivalents"):
        with pytest.raises(SystemExit) as exit_:
            ms.main(["mlmon/stats/multiple.py", "--root", str(REPO), option, str(tmp_path / "absent.txt"), "--list"])
        assert exit_.value.code == 2 and capsys.readouterr().err.endswith("absent.txt: no such file\n")
