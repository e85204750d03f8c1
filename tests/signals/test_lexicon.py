"""The abuse and threat lexicons: every language catches insults and threats, never politeness."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keepwise.domain.signals.abusive import _may_offend
from keepwise.domain.signals.language import (
    LANGUAGES,
    load_lexicons,
    pattern,
    patterns_by_script,
)

ABUSE = {
    "en": ["You are all useless idiots.", "What a bunch of morons", "this is bullshit"],
    "ja": ["お前らは本当に無能だな", "ふざけるな、バカ野郎", "役立たずの会社"],
    "zh": ["你們這群白痴", "真是一群廢物", "你们这些骗子"],
    "ru": ["Вы идиоты!", "Какие же вы бездари", "Мошенники, верните деньги"],
    "et": ["Te olete idioodid", "Täiesti ajuvaba teenindus, kurat", "Petturid!"],
}
THREAT = {
    "en": ["I will sue you.", "You'll regret this.", "I know where your office is."],
    "ja": ["訴えます。", "後悔させてやる", "事務所の場所は知っているぞ"],
    "zh": ["我要告你們", "你們會後悔的", "我知道你們的辦公室在哪裡"],
    "ru": ["Я подам на вас в суд", "Вы пожалеете", "Я знаю, где ваш офис"],
    "et": ["Kaebame teid kohtusse", "Te kahetsete seda", "Ma tean, kus teie kontor on"],
}
POLITE = {
    "en": [
        "I'm sorry to say I'm disappointed: the delivery was a week late. Please explain.",
        "Sorry if this is a stupid question, but how do I export invoices?",
        "Our class schedule changed; can we move the meeting?",
        "The assistant was helpful, thank you for the quick answer.",
        "I regret to say the quality has dropped. Could you check?",
    ],
    "ja": [
        "大変恐縮ですが、納品が一週間遅れました。ご説明いただけますと幸いです。",
        "カスタマーサポートの方、少なくとも最低でも連絡はほしいです。",
        "そればかりか、請求書も届いていません。",
    ],
    "zh": [
        "很抱歉要反映，這次交貨延遲了一週。我告訴你們的地址已經更新。",
        "垃圾郵件太多了，請把我從名單移除。",
        "我媽的生日禮物還沒到，請幫忙查詢。",
        "我們無能為力，只能請你們協助。",
    ],
    "ru": [
        "К сожалению, заказ задерживается. Прошу разобраться.",
        "Худший месяц по срокам доставки, прошу учесть в судьбе договора.",
        "Спасибо за быструю помощь на прошлой неделе.",
    ],
    "et": [
        "Kahjuks hilines tarne nädala võrra. Palun selgitage, mis juhtus.",
        "Kohtusime eelmisel nädalal, kas saate kokkuvõtte saata?",
        "Te raiskasite minu aega, palun parandage arve.",
    ],
}


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def _matches(con: duckdb.DuckDBPyConnection, text: str, kind: str) -> bool:
    row = con.execute("SELECT regexp_matches(lower(?), ?)", [text, pattern(kind)]).fetchone()
    assert row is not None
    return bool(row[0])


def test_every_language_ships_a_lexicon() -> None:
    lexicons = load_lexicons()
    assert [lex.language for lex in lexicons] == list(LANGUAGES)
    for lex in lexicons:
        assert lex.abuse and lex.threat
        for entry in (*lex.abuse, *lex.threat):
            assert "\\" not in entry, "backslashes mean different things in RE2 and Java"
            assert entry == entry.lower()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_abuse_is_found(con: duckdb.DuckDBPyConnection, lang: str) -> None:
    for text in ABUSE[lang]:
        assert _matches(con, text, "abuse"), text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_threats_are_found(con: duckdb.DuckDBPyConnection, lang: str) -> None:
    for text in THREAT[lang]:
        assert _matches(con, text, "threat"), text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_polite_complaints_never_match(con: duckdb.DuckDBPyConnection, lang: str) -> None:
    for text in POLITE[lang]:
        assert not _matches(con, text, "abuse"), text
        assert not _matches(con, text, "threat"), text


def test_unknown_kind_is_an_error() -> None:
    with pytest.raises(ValueError, match="kind must be one of"):
        pattern("rude")
    with pytest.raises(ValueError, match="kind must be one of"):
        load_lexicons()[0].pattern("rude")


SAMPLES = [t for texts in (ABUSE, THREAT, POLITE) for per in texts.values() for t in per]


def test_the_script_split_keeps_ascii_and_other_lexicons_apart() -> None:
    latin, other = patterns_by_script()
    assert "idiot" in latin and "idiot" not in other
    assert "идиот" in other and "идиот" not in latin, "ru, ja and zh have no ASCII letters"
    assert not any(c.isascii() and c.isalnum() for c in other.replace("(?:^|", ""))


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(SAMPLES),
            st.text(alphabet="abcxyz ,.!'’-идотвсуд訴えるバカ你們騙子öõ", max_size=12),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_the_split_test_flags_exactly_what_the_joint_pattern_does(
    con: duckdb.DuckDBPyConnection, pieces: list[str]
) -> None:
    """Skipping non-ASCII lexicons on ASCII-only texts never changes which texts match."""
    text = " ".join(pieces).lower()
    joint = f"(?:{pattern('threat')}|{pattern('abuse')})"
    split, expected = con.execute(
        f"SELECT {_may_offend()}, regexp_matches(low, ?) FROM (SELECT ? AS low)", [joint, text]
    ).fetchone()
    assert split == expected, text
