"""The OCR vote: grammars choose between readings, an unsure digit is never a wrong one."""

from __future__ import annotations

from groupbot.evidence.ocr import _vote


def test_grammar_fitting_reading_beats_a_more_frequent_dropped_digit():
    readings = ["JT8194359697209"] * 3 + ["JT81943596972"] * 4
    token, votes, matched, confidence = _vote(readings, ["JT8194359697209"])
    assert (token, votes, matched) == ("JT8194359697209", 3, "JT8194359697209")
    assert len(confidence) == 15 and min(confidence) == 1.0


def test_a_digit_the_readings_disagree_on_is_not_read():
    # Position 6: '3' twice, '8', '5' and '6' once each - a strict winner with 2 of 5 votes.
    readings = ["SF7751371905686"] * 2 + ["SF7751871905686", "SF7751571905686",
                                          "SF7751671905686"]
    assert _vote(readings, ["SF7751671905686"]) is None
    assert _vote(readings, []) is None


def test_confusable_characters_agree():
    token, _, matched, confidence = _vote(["SF775I67I9O5686", "SF7751671905686",
                                           "SF7751671905686"], ["SF7751671905686"])
    assert matched == "SF7751671905686" and min(confidence) == 1.0
