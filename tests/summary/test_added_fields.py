"""A summary written before a field was added to one of its types still reads: the field
takes its default (``IngestStats.envelopes``, issue 26). A field the type does not have, or
one without a default missing, still refuses the file."""

from __future__ import annotations

import pytest

from mlmon.ingest.problems import EnvelopeRead, IngestStats
from mlmon.summary.codec import CodecError, decode, encode


def stats(**extra) -> IngestStats:
    return IngestStats(("a.log",), (), 10, 9, 0, {"malformed JSON": 1}, (), **extra)


def test_a_field_added_since_takes_its_default():
    encoded = encode(stats())
    del encoded["envelopes"]
    assert decode(encoded) == stats()
    read = stats(envelopes={"a.log": EnvelopeRead("gcp", 10, 12)})
    assert decode(encode(read)) == read


def test_an_unknown_field_or_a_missing_one_without_default_is_refused():
    encoded = encode(stats())
    with pytest.raises(CodecError, match="do not match"):
        decode({**encoded, "from_the_future": 1})
    del encoded["records"]
    with pytest.raises(CodecError, match="do not match"):
        decode(encoded)


def test_merged_accounts_keep_every_envelope_read():
    from mlmon.summary.files import merge_stats

    left = stats(envelopes={"a.log": EnvelopeRead("gcp", 10, 12)})
    right = stats(envelopes={"b.log": EnvelopeRead("cri", 10, 8), "a.log": EnvelopeRead("gcp", 1, 1)})
    merged = merge_stats(left, right)
    assert merged.envelopes == {"a.log": EnvelopeRead("gcp", 11, 13), "b.log": EnvelopeRead("cri", 10, 8)}
    assert merged.entries == left.entries + right.entries
