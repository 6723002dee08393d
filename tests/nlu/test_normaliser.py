"""The normaliser that runs before the tokeniser (nlu/components/), in the Rasa environment.

nlu/components/ needs OpenCC and Rasa, which live in .venv-nlu (Python 3.10), not in the
bot's environment; each test runs its code there as a subprocess and reads back JSON.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from typing import Any

import pytest
import yaml

from bot.nlu_model import PROJECT_DIR, NluPaths, rasa_env


def in_rasa_env(code: str, payload: Any) -> Any:
    """Runs `code` with `payload` bound to the JSON input; it must print(json.dumps(result))."""
    program = "import json, sys\npayload = json.load(sys.stdin)\n" + textwrap.dedent(code)
    done = subprocess.run(
        [str(NluPaths().venv / "bin" / "python"), "-c", program],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
        env=rasa_env(),
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


CASES = [
    ("淘寶買的東西壞了，怎麼辦", "淘宝买的东西坏了,怎么办"),  # traditional, full-width comma
    ("ＸＬ號的衣服，訂單１２３４５６７８９０１２", "XL号的衣服,订单123456789012"),
    ("太差了！！！？？", "太差了!?"),
    ("质量太差了😡😡😡😡😡", "质量太差了 😡"),
    ("👍", "👍"),
    ("🙏🏽🙏🏽", "🙏"),
    ("收到了😊谢谢", "收到了 😊 谢谢"),
    ("sooooo slow......", "sooo slow."),
    ("啊啊啊啊啊啊气死了", "啊啊啊气死了"),
    ("订单1000000000000", "订单1000000000000"),
    ("RED上买的  ", "RED上买的"),
    ("TS-20261121-0042 怎么样了", "TS-20261121-0042 怎么样了"),
    ("温度38°C", "温度38°C"),
]


def test_the_pure_function_normalises_what_buyers_write() -> None:
    code = """
    from nlu.components.normalise import normalise
    print(json.dumps([normalise(text) for text in payload]))
    """
    assert in_rasa_env(code, [text for text, _ in CASES]) == [expected for _, expected in CASES]


def test_case_is_folded_only_when_asked() -> None:
    code = """
    from nlu.components.normalise import normalise
    print(json.dumps([normalise(payload), normalise(payload, fold_case=True)]))
    """
    assert in_rasa_env(code, "Bought on RED, ＪＤ too") == [
        "Bought on RED, JD too",
        "bought on red, jd too",
    ]


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("在淘寶買的杯子碎了！！", [(1, 3)]),
        ("订单 ４０１２３４５６７８９０１ 的 东西壞了😡😡", [(3, 16)]),
        ("my order 4012345678901 from Taobao !!!", [(9, 22), (28, 34)]),
    ],
)
def test_entity_spans_still_cover_their_words(text: str, spans: list[tuple[int, int]]) -> None:
    code = """
    from nlu.components.normalise import normalise, normalise_spans
    text, spans = payload
    out, moved = normalise_spans(text, [tuple(s) for s in spans])
    print(json.dumps([out, [out[a:b] for a, b in moved], [normalise(text[a:b]) for a, b in spans]]))
    """
    out, covered, expected = in_rasa_env(code, [text, spans])
    assert covered == expected
    assert "壞" not in out and "！" not in out


def test_the_rasa_component_rewrites_training_examples_and_parsed_messages() -> None:
    code = """
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from nlu.components.normaliser import TextNormaliser

    registered = DefaultV1Recipe._from_registry("nlu.components.normaliser.TextNormaliser")
    component = TextNormaliser.create(TextNormaliser.get_default_config(), None, None, None)
    example = Message(data={
        "text": payload, "intent": "product_quality",
        "entities": [
            {"start": 1, "end": 3, "value": "淘寶", "entity": "platform"},
            {"start": 1, "end": 3, "value": "taobao", "entity": "platform_synonym"},
        ],
    })
    component.process_training_data(TrainingData([example]))
    entity, synonym = example.get("entities")
    parsed = component.process([Message(data={"text": payload})])[0]
    print(json.dumps({
        "registered": registered.clazz.__name__,
        "types": sorted(t.name for t in registered.types),
        "trainable": registered.is_trainable,
        "training_text": example.get("text"),
        "entity_text": example.get("text")[entity["start"]:entity["end"]],
        "values": [entity["value"], synonym["value"]],
        "parsed_text": parsed.get("text"),
    }))
    """
    result = in_rasa_env(code, "在淘寶買的杯子碎了！！")
    assert result == {
        "registered": "TextNormaliser",
        "types": ["MESSAGE_FEATURIZER"],
        "trainable": False,
        "training_text": "在淘宝买的杯子碎了!",
        "entity_text": "淘宝",
        "values": ["淘宝", "taobao"],  # the words follow the text, a synonym value stays
        "parsed_text": "在淘宝买的杯子碎了!",
    }


def test_the_production_pipeline_normalises_before_it_tokenises() -> None:
    config = yaml.safe_load((PROJECT_DIR / "nlu" / "config.yml").read_text(encoding="utf-8"))
    names = [component["name"] for component in config["pipeline"]]
    assert names[0] == "nlu.components.normaliser.TextNormaliser"
    assert names[1].endswith("Tokenizer")
