"""Following files (issue 27, "Following files"): real files in ``tmp_path``, renamed,
copied and truncated, compressed, deleted and written mid-line, and the lines a
:class:`~mlmon.watch.follow.Follower` returns checked against the lines written, exactly."""

from __future__ import annotations

import gzip
import json
import os
import random
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from mlmon.errors import InputError
from mlmon.watch.follow import Follower, Poll
from mlmon.watch.positions import FileId, Positions, digest

_NUMBERS = re.compile(rb'"gen": (\d+), "seq": (\d+)')


class Writer:
    """A service writing numbered JSON lines to ``path`` through a descriptor it holds
    (``O_APPEND``, as loggers open their files), reopened when told, as after a rotation."""

    def __init__(self, path: Path, rng: random.Random | None = None) -> None:
        self.path = path
        self.rng = rng or random.Random(0)
        self.fd = -1
        self.gen = 0
        self.seq = 0
        self.written: list[bytes] = []
        self.pending = b""
        self.reopen()

    def reopen(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.gen += 1

    def lines(self, count: int, partial: bool = False) -> None:
        """``count`` lines (and the rest of a line left half written); with ``partial``,
        the last one only half written: its newline comes with the next write."""
        new = []
        for _ in range(count):
            self.seq += 1
            new.append(f'{{"gen": {self.gen}, "seq": {self.seq}, "pad": "{"x" * self.rng.randrange(40)}"}}\n'.encode())
        self.written.extend(new)
        data = self.pending + b"".join(new)
        cut = len(data) - (len(new[-1]) // 2 if partial and new else 0)
        os.write(self.fd, data[:cut])
        self.pending = data[cut:]

    def finish(self) -> None:
        """Write the rest of a line left half written."""
        os.write(self.fd, self.pending)
        self.pending = b""


def lines(*polls: Poll) -> list[bytes]:
    return [line for poll in polls for batch in poll.batches for line in batch.data.splitlines(keepends=True)]


def kinds(*polls: Poll) -> list[str]:
    return [event.kind for poll in polls for event in poll.events]


def assert_lines_as_written(got: list[bytes], written: list[bytes]) -> None:
    """Every line written returned once, and the lines of each file in the order written."""
    assert Counter(got) == Counter(written)
    assert len(got) == len(set(got))

    def by_file(found: list[bytes]) -> dict[bytes, list[bytes]]:
        files: dict[bytes, list[bytes]] = {}
        for line in found:
            files.setdefault(_NUMBERS.search(line).group(1), []).append(line)
        return files

    assert by_file(got) == by_file(written)


def test_from_the_end_follows_files_there_from_their_last_complete_line_and_new_files_from_their_start(tmp_path):
    app = tmp_path / "app.log"
    app.write_bytes(b"one\ntwo\nthr")
    with Follower([str(tmp_path)]) as follower:
        first = follower.poll(now=0)
        assert first.batches == () and kinds(first) == ["new"]
        with app.open("ab") as out:
            out.write(b"ee\nfour\n")
        (tmp_path / "later.log").write_bytes(b"a\nb\n")
        batches = follower.poll(now=10).batches
    assert [(b.path, b.data, b.first_line, b.start, b.end) for b in batches] == [
        (str(app), b"three\nfour\n", 3, 8, 19),
        (str(tmp_path / "later.log"), b"a\nb\n", 1, 0, 4),
    ]
    assert batches[0].file == FileId.of(app.stat().st_dev, app.stat().st_ino, app.read_bytes())


def test_from_the_beginning_reads_everything_and_positions_given_win_over_start(tmp_path):
    app = tmp_path / "app.log"
    app.write_bytes(b"one\ntwo\n")
    with Follower([str(app)], start="beginning") as follower:
        assert lines(follower.poll()) == [b"one\n", b"two\n"]
        saved = follower.positions()
    app.write_bytes(b"one\ntwo\nthree\n")  # same inode, grown
    with Follower([str(app)], start="beginning", positions=saved) as again:
        poll = again.poll()
    assert lines(poll) == [b"three\n"] and poll.batches[0].first_line == 3 and poll.events == ()


def test_a_line_without_its_newline_waits_for_it_and_the_offset_stays_before_it(tmp_path):
    app = tmp_path / "app.log"
    app.write_bytes(b"")
    with Follower([str(app)]) as follower:
        follower.poll()
        with app.open("ab") as out:
            out.write(b'{"a": 1}\n{"a": ')
            out.flush()
            assert lines(follower.poll()) == [b'{"a": 1}\n']
            assert [(p.offset, p.lines) for p in follower.positions().files] == [(9, 1)]
            out.write(b"2")
            out.flush()
            assert follower.poll().batches == ()
            out.write(b"}\n")
        poll = follower.poll()
    assert lines(poll) == [b'{"a": 2}\n'] and (poll.batches[0].first_line, poll.batches[0].start) == (2, 9)


def test_reads_are_bounded_per_poll_and_a_longer_line_comes_whole(tmp_path):
    app = tmp_path / "app.log"
    content = b"aaaa\nbbbb\ncccc\n" + b"d" * 30 + b"\neeee\n"
    app.write_bytes(content)
    with Follower([str(app)], start="beginning", max_bytes=12) as follower:
        polls = [follower.poll() for _ in range(5)]
    expected = [[b"aaaa\n", b"bbbb\n"], [b"cccc\n"], [b"d" * 30 + b"\n"], [b"eeee\n"], []]
    assert [lines(poll) for poll in polls] == expected
    assert [poll.behind for poll in polls] == [True, True, True, False, False]  # more to read: poll again at once
    for batch in (batch for poll in polls for batch in poll.batches):  # the file itself says where each one is
        assert batch.data == content[batch.start : batch.end]
        assert batch.first_line == content[: batch.start].count(b"\n") + 1


def test_rename_rotation_reads_the_old_file_to_its_end_then_the_new_one(tmp_path):
    app = tmp_path / "app.log"
    writer = Writer(app)
    writer.lines(3)
    with Follower([str(app)], start="beginning", rescan_seconds=5) as follower:
        polls = [follower.poll(now=0)]
        writer.lines(2)
        app.rename(tmp_path / "app.log.1")
        writer.lines(1)  # a late line, through the descriptor the writer still holds
        writer.reopen()
        writer.lines(2)
        polls.append(follower.poll(now=1))
        assert [b.path for b in polls[-1].batches] == [str(app), str(app)]
        assert [(e.kind, e.path) for e in polls[-1].events] == [("rotated", str(app)), ("new", str(app))]
        assert len(follower.positions().files) == 2
        polls += [follower.poll(now=t) for t in (6, 12, 13)]  # the old file stops growing: let go
        assert [p.path for p in follower.positions().files] == [str(app)]
        assert [p.offset for p in follower.positions().retired] == [(tmp_path / "app.log.1").stat().st_size]
    assert_lines_as_written(lines(*polls), writer.written)


def test_a_renamed_file_found_in_a_folder_is_followed_under_its_new_name(tmp_path):
    app = tmp_path / "app.log"
    writer = Writer(app)
    writer.lines(2)
    with Follower([str(tmp_path)], start="beginning") as follower:
        polls = [follower.poll()]
        app.rename(tmp_path / "app.log.1")
        writer.lines(1)
        polls.append(follower.poll())
        assert [b.path for b in polls[-1].batches] == [str(tmp_path / "app.log.1")]
        assert kinds(polls[-1]) == ["rotated"]
    assert_lines_as_written(lines(*polls), writer.written)


def test_copytruncate_counts_a_truncation_and_reads_the_copy_on_from_where_the_original_stood(tmp_path):
    app = tmp_path / "app.log"
    writer = Writer(app)
    writer.lines(4)
    with Follower([str(tmp_path)], start="beginning") as follower:
        polls = [follower.poll()]
        writer.lines(2)  # not read before the copy: found in it
        shutil.copyfile(app, tmp_path / "app.log.1")
        os.truncate(app, 0)
        writer.gen += 1
        writer.lines(1)
        polls.append(follower.poll())
        assert [(e.kind, e.path) for e in polls[-1].events] == [("truncated", str(app)), ("new", str(app) + ".1")]
        assert [(b.path, b.first_line) for b in polls[-1].batches] == [(str(app), 1), (str(app) + ".1", 5)]
    assert_lines_as_written(lines(*polls), writer.written)


def test_a_truncated_file_rewritten_past_the_offset_is_known_by_its_first_bytes(tmp_path):
    app = tmp_path / "app.log"
    app.write_bytes(b"old 1\nold 2\n")
    with Follower([str(app)], start="beginning") as follower:
        follower.poll()
        app.write_bytes(b"a new first line, longer than what was read\n")  # same inode, truncated then written
        poll = follower.poll()
    assert kinds(poll) == ["truncated"] and "start changed" in poll.events[0].detail
    assert lines(poll) == [b"a new first line, longer than what was read\n"] and poll.batches[0].first_line == 1


def test_deletion_reads_the_last_lines_then_lets_the_file_go(tmp_path):
    app = tmp_path / "app.log"
    writer = Writer(app)
    writer.lines(2)
    with Follower([str(app)], start="beginning") as follower:
        polls = [follower.poll()]
        writer.lines(2)
        app.unlink()
        polls.append(follower.poll())
        assert kinds(polls[-1]) == ["deleted"] and follower.positions().files == ()
    assert_lines_as_written(lines(*polls), writer.written)


def gzip_away(path: Path) -> Path:
    """Compress ``path`` to ``path.gz`` and remove it, as logrotate's ``compress`` does."""
    target = path.with_name(path.name + ".gz")
    target.write_bytes(gzip.compress(path.read_bytes()))
    path.unlink()
    return target


def test_a_rotated_file_compressed_is_not_read_twice(tmp_path):
    app = tmp_path / "app.log"
    writer = Writer(app)
    writer.lines(3)
    with Follower([str(tmp_path)], start="beginning") as follower:
        polls = [follower.poll()]
        app.rename(tmp_path / "app.log.1")
        writer.reopen()
        writer.lines(1)
        polls.append(follower.poll())
        gzip_away(tmp_path / "app.log.1")
        polls.append(follower.poll())
        assert sorted(kinds(polls[-1])) == ["compressed", "deleted"]
        polls.append(follower.poll(rescan=True))
    assert_lines_as_written(lines(*polls), writer.written)


def test_an_archive_of_lines_never_read_is_read_once_whole_unless_there_when_following_from_the_end(tmp_path):
    (tmp_path / "old.log.1.gz").write_bytes(gzip.compress(b"old 1\nold 2\n"))
    with Follower([str(tmp_path)]) as follower:
        assert follower.poll().batches == ()
        (tmp_path / "other.log.gz").write_bytes(gzip.compress(b"other 1\nother 2\n"))
        appeared = follower.poll(rescan=True)
        assert lines(appeared) == [b"other 1\n", b"other 2\n"] and kinds(appeared) == ["new"]
        assert lines(follower.poll(rescan=True)) == []
        saved = json.loads(json.dumps(follower.positions().to_json()))
    with Follower([str(tmp_path)], positions=Positions.from_json(saved)) as again:
        assert again.poll().batches == ()  # both archives known: neither read again
    with Follower([str(tmp_path)], start="beginning") as fresh:
        assert sorted(lines(fresh.poll())) == [b"old 1\n", b"old 2\n", b"other 1\n", b"other 2\n"]


def test_a_restart_resumes_in_the_archive_a_file_was_compressed_into_while_not_followed(tmp_path):
    app = tmp_path / "app.log"
    writer = Writer(app)
    writer.lines(3)
    with Follower([str(app)], start="beginning") as follower:
        polls = [follower.poll()]
        saved = follower.positions().to_json()
    writer.lines(2)
    app.rename(tmp_path / "app.log.1")
    gzip_away(tmp_path / "app.log.1")
    writer.reopen()
    writer.lines(1)
    with Follower([str(app)], positions=Positions.from_json(saved)) as again:
        polls.append(again.poll())
    assert [(e.kind, e.path) for e in polls[-1].events] == [("compressed", str(app) + ".1.gz"), ("new", str(app))]
    assert [b.first_line for b in polls[-1].batches] == [4, 1]
    assert_lines_as_written(lines(*polls), writer.written)


def test_a_reused_inode_with_other_first_bytes_is_a_new_file_not_a_continuation(tmp_path):
    app = tmp_path / "app.log"
    app.write_bytes(b"new 1\nnew 2\n")
    info = app.stat()
    saved = {
        "version": 1,
        "files": [
            {
                "path": str(app),
                "device": info.st_dev,
                "inode": info.st_ino,
                "fingerprint": digest(b"old 1\n"),
                "hashed": 6,
                "offset": 6,
                "lines": 1,
                "compressed": False,
                "finished": False,
            }
        ],
        "retired": [],
    }
    with Follower([str(app)], positions=Positions.from_json(saved)) as follower:
        poll = follower.poll()
        assert [p.path for p in follower.positions().retired] == [str(app)]
    assert lines(poll) == [b"new 1\n", b"new 2\n"] and kinds(poll) == ["new"]


def test_inputs_are_expanded_by_discovery_s_rules_and_may_name_nothing_yet(tmp_path):
    (tmp_path / "notes.txt").write_text("not a log\n")
    (tmp_path / "ref.json").write_text('{"mlmon_reference_version": 1}\n')
    glob_input = str(tmp_path / "later" / "*.jsonl")
    with Follower([str(tmp_path), glob_input, str(tmp_path / "missing.log")], start="beginning") as follower:
        assert follower.poll().batches == ()
        (tmp_path / "later").mkdir()
        (tmp_path / "later" / "a.jsonl").write_bytes(b"{}\n")
        (tmp_path / "missing.log").write_bytes(b"{}\n")
        poll = follower.poll(rescan=True)
    assert sorted(b.path for b in poll.batches) == [str(tmp_path / "later" / "a.jsonl"), str(tmp_path / "missing.log")]


def test_what_cannot_be_followed_is_a_one_line_error(tmp_path):
    (tmp_path / "ref.json").write_text('{"mlmon_reference_version": 1}\n')
    with pytest.raises(InputError, match="reference profile"):
        Follower([str(tmp_path / "ref.json")]).poll()
    with pytest.raises(InputError, match="standard input"):
        Follower(["-"])
    with pytest.raises(InputError, match="no input"):
        Follower([])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "not a JSON object"),
        ({"version": 9, "files": []}, "version 9 is not supported"),
        ({"version": 1, "files": {}, "retired": []}, "files is not a list"),
        ({"version": 1, "files": [], "retired": [3]}, r"retired\[0\] is not an object"),
        ({"version": 1, "files": [{"path": "a"}], "retired": []}, r"files\[0\].device is missing"),
    ],
)
def test_malformed_positions_are_a_one_line_input_error(data, message):
    with pytest.raises(InputError, match=message) as error:
        Positions.from_json(data)
    assert "\n" not in str(error.value)


def test_positions_round_trip_through_json(tmp_path):
    app = tmp_path / "app.log"
    app.write_bytes(b"a\nb\n")
    with Follower([str(tmp_path)], start="beginning") as follower:
        follower.poll()
        saved = follower.positions()
    assert Positions.from_json(json.loads(json.dumps(saved.to_json()))) == saved
    assert [(p.offset, p.lines, p.file.hashed) for p in saved.files] == [(4, 2, 4)]
    assert saved.files[0].file.fingerprint == digest(b"a\nb\n")


def test_a_fingerprint_grows_with_a_short_file_and_stops_at_1024_bytes(tmp_path):
    app = tmp_path / "app.log"
    app.write_bytes(b"x\n")
    with Follower([str(app)], start="beginning") as follower:
        follower.poll()
        app.write_bytes(b"x\n" * 1000)
        follower.poll()
        file = follower.positions().files[0].file
    assert (file.hashed, file.fingerprint) == (1024, digest((b"x\n" * 1000)[:1024]))


def run_operations(tmp_path: Path, seed: int, inputs: list[str]) -> None:
    """A random run of appends, half-written lines, rename rotations (with late lines),
    copytruncates (after the follower read to the end: copytruncate's own race left out),
    compressions of rotated files and restarts from positions round-tripped through JSON.
    The follower polls once it starts, as the engine does, and a file is renamed only once a
    poll has seen it since it was created or truncated, and compressed once a poll has seen
    it renamed (as logrotate's ``delaycompress`` does): when the inputs name ``app.log``
    alone, a file no poll saw is no input under its new name, and its first bytes, which
    tell its archive, were not seen."""
    rng = random.Random(seed)
    app = tmp_path / "app.log"
    writer = Writer(app, rng)
    follower = Follower(inputs, start="beginning", rescan_seconds=3)
    got: list[bytes] = []
    rotated: list[Path] = []
    settled: list[Path] = []
    clock = 0.0
    seen = False

    def poll(**options: bool) -> None:
        nonlocal clock, seen
        clock += 1
        seen = True
        got.extend(lines(follower.poll(now=clock, **options)))
        settled.extend(rotated)
        rotated.clear()

    poll()

    for step in range(60):
        action = rng.choice(["append", "append", "half", "poll", "poll", "rename", "copytruncate", "gzip", "restart"])
        if action == "append":
            writer.lines(rng.randrange(1, 5))
        elif action == "half":
            writer.lines(rng.randrange(1, 3), partial=True)
        elif action == "poll":
            poll()
        elif action == "rename":
            writer.finish()
            if not seen:
                poll()
            seen = False
            rotated.append(app.rename(tmp_path / f"app.log.{step}"))
            writer.lines(rng.randrange(0, 3))  # late lines, through the old descriptor
            writer.reopen()
        elif action == "copytruncate":
            writer.finish()
            poll()
            shutil.copyfile(app, tmp_path / f"app.log.{step}")
            os.truncate(app, 0)
            writer.gen += 1
            seen = False
        elif action == "gzip" and settled:
            gzip_away(settled.pop(rng.randrange(len(settled))))
        elif action == "restart":
            saved = Positions.from_json(json.loads(json.dumps(follower.positions().to_json())))
            follower.close()
            follower = Follower(inputs, start=rng.choice(["end", "beginning"]), positions=saved, rescan_seconds=3)
            poll()
    writer.finish()
    for _ in range(3):
        poll(rescan=True)
    follower.close()
    assert_lines_as_written(got, writer.written)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("mode", ["folder", "file"])
def test_a_random_run_with_restarts_returns_every_line_written_once(tmp_path, seed, mode):
    inputs = [str(tmp_path)] if mode == "folder" else [str(tmp_path / "app.log")]
    run_operations(tmp_path, seed, inputs)


LOGROTATE = shutil.which("logrotate")


@pytest.mark.skipif(LOGROTATE is None, reason="logrotate is not installed (apt-get install logrotate): not run")
@pytest.mark.parametrize("method", ["create", "copytruncate"])
def test_logrotate_rotating_while_lines_are_appended(tmp_path, method):
    logs = tmp_path / "logs"
    logs.mkdir()
    app = logs / "app.log"
    conf = tmp_path / "logrotate.conf"
    conf.write_text(f"{app} {{\n    {method}\n    rotate 3\n    compress\n    delaycompress\n    missingok\n}}\n")
    writer = Writer(app, random.Random(7))
    got: list[bytes] = []
    with Follower([str(logs)], start="beginning") as follower:
        for round in range(4):
            writer.lines(5 + round)
            got += lines(follower.poll())
            writer.lines(3)
            if method == "copytruncate":
                got += lines(follower.poll())  # read to the end first: copytruncate's own race is not tested
            rotate = [LOGROTATE, "-f", "-s", str(tmp_path / "state"), str(conf)]
            subprocess.run(rotate, check=True, capture_output=True, timeout=30)
            if method == "create":
                writer.lines(2)  # late lines, before the service reopens its log
                writer.reopen()
            else:
                writer.gen += 1
            writer.lines(2)
            got += lines(follower.poll())
        got += lines(follower.poll(rescan=True))
    assert sorted(p.name for p in logs.iterdir()) == ["app.log", "app.log.1", "app.log.2.gz", "app.log.3.gz"]
    assert_lines_as_written(got, writer.written)
