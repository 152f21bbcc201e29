"""How numbers read, in the window and on the command line: one convention (engine.formatting)."""
import pytest

from engine.formatting import byte_size, compact_count, count, counted, ordinal, percent, probability, short_count


def test_counts_use_si_prefixes_and_memory_binary_units():
    assert count(61706) == "61,706"
    assert short_count(61706) == "61.7 k" and short_count(11689512) == "11.7 M" and short_count(840) == "840"
    assert short_count(999_950) == "1 M"
    assert compact_count(9408) == "9.4k" and compact_count(36864) == "37k"
    assert byte_size(1536) == "1.5 KiB" and byte_size(12_000_000) == "11.4 MiB"
    assert percent(0.123) == "12.3 %" and counted(1, "layer") == "1 layer" and counted(2, "layer") == "2 layers"


@pytest.mark.parametrize("p,text", [
    (0.5, "50.0 %"), (1.0, "100.0 %"), (0.0, "0.0 %"),
    (0.9997, "> 99.9 %"),  # rounding would claim certainty the network does not have
    (0.0002, "< 0.1 %"),  # and rounding would claim it is impossible
    (0.999, "99.9 %"), (0.0006, "0.1 %"),
])
def test_a_probability_never_reads_more_certain_than_it_is(p, text):
    assert probability(p) == text
    assert probability(p, "") == text.replace(" ", "")


def test_ordinals_read_as_english():
    expected = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 10: "10th", 11: "11th", 12: "12th", 13: "13th",
                21: "21st", 22: "22nd", 23: "23rd", 101: "101st", 111: "111th", 112: "112th", 1002: "1,002nd"}
    assert {n: ordinal(n) for n in expected} == expected
