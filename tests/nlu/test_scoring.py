"""The evaluation's arithmetic, on labels whose scores are worked out by hand."""

from tests.nlu.scoring import confusions, macro_f1, score


def test_scores_match_hand_computation() -> None:
    gold = ["a", "a", "a", "b", "b", "c"]
    predicted = ["a", "a", "b", "b", "nlu_fallback", "a"]
    scores = {s.intent: s for s in score(gold, predicted)}
    # a: tp 2, predicted 3, gold 3 -> p 2/3, r 2/3; b: tp 1, predicted 2, gold 2 -> 1/2, 1/2; c: 0
    assert round(scores["a"].f1, 4) == round(2 / 3, 4)
    assert scores["b"].f1 == 0.5
    assert scores["c"].f1 == 0.0 and scores["c"].support == 1
    assert "nlu_fallback" not in scores
    assert round(macro_f1(list(scores.values())), 4) == round((2 / 3 + 0.5) / 3, 4)
    assert confusions(gold, predicted)[0][2] == 1
    assert ("c", "a", 1) in confusions(gold, predicted)
