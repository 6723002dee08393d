"""Both languages carry the same texts with the same placeholders."""

import string

import pytest

from bot.texts import LANGUAGES, catalogue, normalise_language, t


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_languages_have_the_same_keys_and_placeholders() -> None:
    zh, en = catalogue("zh"), catalogue("en")
    assert zh.keys() == en.keys()
    mismatched = [k for k in zh if placeholders(zh[k]) != placeholders(en[k])]
    assert mismatched == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_texts_fill_in(language: str) -> None:
    text = t(language, "intake.submitted", number="TS-20261121-0001")
    assert text.count("TS-20261121-0001") == 2


@pytest.mark.parametrize(
    ("code", "expected"),
    [("zh-hans", "zh"), ("zh-TW", "zh"), ("en", "en"), ("en-GB", "en"), ("ru", "en"), (None, "zh")],
)
def test_telegram_language_codes(code, expected) -> None:
    assert normalise_language(code) == expected


def test_unknown_language_falls_back_to_chinese() -> None:
    assert t("fr", "common.button_skip") == catalogue("zh")["common.button_skip"]


def test_feature_text_files_merge_and_a_key_defined_twice_is_refused(tmp_path):
    from bot.texts import load_texts

    main = tmp_path / "zh.toml"
    main.write_text('[intake]\nask = "问"\n', encoding="utf-8")
    feature = tmp_path / "web.toml"
    feature.write_text('[web]\ntitle = "网页"\n', encoding="utf-8")
    assert load_texts([main, feature]) == {"intake.ask": "问", "web.title": "网页"}
    feature.write_text('[intake]\nask = "又问"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="intake.ask"):
        load_texts([main, feature])
