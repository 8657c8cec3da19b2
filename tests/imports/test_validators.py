"""Cell checks: Chinese patent application numbers, dates, years, DOIs, vocabularies, normalisation."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from eduinnov.achievements.models import Indexing, Level, PatentType
from eduinnov.imports import validators as v


# Numbers checked by hand with the published rule (weights 2..9,2..5; sum mod 11; 10 -> X):
#   201710601862.3 : 2·2+0·3+1·4+7·5+1·6+0·7+6·8+0·9+1·2+8·3+6·4+2·5 = 157, 157 mod 11 = 3
#   201310699744.2 : 4+0+4+15+6+0+48+81+18+21+16+20 = 233, 233 mod 11 = 2 (printed as ZL2013106997442)
#   97101765.4     : 9·2+7·3+1·4+0·5+1·6+7·7+6·8+5·9 = 191, 191 mod 11 = 4
#   95115608.X     : 9·2+5·3+1·4+1·5+5·6+6·7+0·8+8·9 = 186, 186 mod 11 = 10 -> X
@pytest.mark.parametrize("digits, check", [
    ("201710601862", "3"), ("201310699744", "2"), ("97101765", "4"), ("95115608", "X"),
])
def test_patent_check_digit_of_real_numbers(digits, check):
    assert v.patent_check_digit(digits) == check


@pytest.mark.parametrize("raw, canonical, ptype", [
    ("201710601862.3", "201710601862.3", PatentType.INVENTION),
    ("CN 2017 1 0601862.3", "201710601862.3", PatentType.INVENTION),
    ("ZL201310699744.2", "201310699744.2", PatentType.INVENTION),
    ("ZL2013106997442", "201310699744.2", PatentType.INVENTION),        # dot left out, as often printed
    ("２０１７１０６０１８６２．３", "201710601862.3", PatentType.INVENTION),  # full-width
    ("97101765.4", "97101765.4", PatentType.INVENTION),
    ("ZL95115608.X", "95115608.X", PatentType.INVENTION),
    ("zl 95115608.x", "95115608.X", PatentType.INVENTION),
])
def test_patent_numbers_accepted_in_their_usual_spellings(raw, canonical, ptype):
    assert v.parse_patent_application(raw) == (canonical, ptype)


def test_patent_type_digit_decides_the_type():
    # Same year and serial, utility model (2) and design (3); check digits computed by the rule.
    utility = "201720601862"
    design = "201730601862"
    assert v.parse_patent_application(f"{utility}.{v.patent_check_digit(utility)}")[1] == PatentType.UTILITY_MODEL
    assert v.parse_patent_application(f"{design}.{v.patent_check_digit(design)}")[1] == PatentType.DESIGN
    pct = "201780601862"
    assert v.parse_patent_application(f"{pct}.{v.patent_check_digit(pct)}")[1] == PatentType.INVENTION


def test_twelve_digit_number_with_x_check():
    # Find a serial whose check is 10 to prove the X branch of the 12-digit form.
    serial = next(f"2019100{n:05d}" for n in range(100000) if v.patent_check_digit(f"2019100{n:05d}") == "X")
    assert v.parse_patent_application(f"{serial}.x")[0] == f"{serial}.X"


@pytest.mark.parametrize("raw, fragment", [
    ("201710601862.4", "check digit should be 3"),
    ("97101765.5", "check digit should be 4"),
    ("201740601862.3", "type digit 4"),
    ("209910601862.3", "year 2099"),
    ("2017106018", "not a Chinese patent application number"),
    ("US 10,123,456 B2", "not a Chinese patent application number"),
    ("48101765.0", "1985–2003"),
])
def test_patent_numbers_refused_with_reason(raw, fragment):
    with pytest.raises(v.CellError) as exc:
        v.parse_patent_application(raw)
    assert fragment in str(exc.value)


@pytest.mark.parametrize("raw", ["2023-05-06", "2023/05/06", "2023/5/6", "2023.5.6", "2023年5月6日", "2023 年 5 月 6 日",
                                 "２０２３年５月６日", "20230506", "2023-05-06 00:00:00", datetime(2023, 5, 6, 8, 30),
                                 date(2023, 5, 6)])
def test_dates_in_chinese_and_iso_forms(raw):
    assert v.parse_date(raw) == date(2023, 5, 6)


@pytest.mark.parametrize("raw", ["2023-02-30", "5/6/2023", "明年", "2023-13-01", "1900-01-01"])
def test_bad_dates_are_refused(raw):
    with pytest.raises(v.CellError):
        v.parse_date(raw)


@pytest.mark.parametrize("raw, year", [("2023", 2023), (2023.0, 2023), ("2023级", 2023), ("２０２３", 2023),
                                       ("2023年", 2023), ("2023.0", 2023)])
def test_years(raw, year):
    assert v.parse_year(raw) == year


@pytest.mark.parametrize("raw", ["1949", "2101", "23", "二〇二三"])
def test_years_out_of_range_or_unreadable(raw):
    with pytest.raises(v.CellError):
        v.parse_year(raw)


@pytest.mark.parametrize("raw, doi", [
    ("10.1016/j.compag.2024.108712", "10.1016/j.compag.2024.108712"),
    ("https://doi.org/10.1109/FIE58773.2023.10343001", "10.1109/fie58773.2023.10343001"),
    ("DOI: 10.3778/j.issn.1002-8331.2209-0123", "10.3778/j.issn.1002-8331.2209-0123"),
    ("doi:10.1000/xyz", "10.1000/xyz"),
])
def test_dois_are_normalised_as_the_achievements_domain_does(raw, doi):
    assert v.parse_doi(raw) == doi


@pytest.mark.parametrize("raw", ["10.12/abc", "doi.org/xyz", "11.1234/abc", "10.1234/"])
def test_bad_dois(raw):
    with pytest.raises(v.CellError, match="not a DOI"):
        v.parse_doi(raw)


@pytest.mark.parametrize("word, member", [
    ("国家级", Level.NATIONAL), ("National", Level.NATIONAL), ("省级", Level.PROVINCIAL), ("校级", Level.UNIVERSITY),
    ("ｎａｔｉｏｎａｌ", Level.NATIONAL),
])
def test_levels_vocabulary(word, member):
    assert v.LEVELS.parse(word) == member


@pytest.mark.parametrize("word, member", [
    ("北大核心", Indexing.PKU_CORE), ("PKU core", Indexing.PKU_CORE), ("pku_core", Indexing.PKU_CORE),
    ("SCIE", Indexing.SCI), ("EI Compendex", Indexing.EI), ("CSSCI", Indexing.CSSCI), ("其他", Indexing.OTHER),
])
def test_indexing_vocabulary(word, member):
    assert v.INDEXING.parse(word) == member


def test_unknown_vocabulary_word_lists_the_accepted_ones():
    with pytest.raises(v.CellError) as exc:
        v.LEVELS.parse("市级重点")
    assert "国家级" in str(exc.value) and "national" in str(exc.value)


def test_indexing_found_inside_free_text():
    assert v.INDEXING.find_in("课堂行为; 北大核心; CSCD") == Indexing.PKU_CORE
    assert v.INDEXING.find_in("no indexing words here") is None


def test_normalise_text_handles_full_width_and_excel_numbers():
    assert v.normalise_text("　２０２２０５１００１　") == "2022051001"
    assert v.normalise_text(2022051001.0) == "2022051001"
    assert v.normalise_text(" 张  伟 ") == "张 伟"
    assert v.normalise_title("基于深度学习的 GPU 调度。") == v.normalise_title("基于深度学习的GPU调度")


def test_latin_indexing_names_must_be_whole_words():
    assert v.INDEXING.find_in("Beijing University of Technology; science") is None
    assert v.INDEXING.find_in("Indexed: EI Compendex, Scopus") == Indexing.EI
    assert v.INDEXING.find_in("PKU core journal") == Indexing.PKU_CORE
    assert v.INDEXING.find_in("北大核心;CSSCI") == Indexing.PKU_CORE
    assert v.INDEXING.find_in("CSSCI;北大核心") == Indexing.CSSCI


def _normalise_text_slowly(value) -> str:
    """The original three-pass form of :func:`v.normalise_text` for text (NFKC, controls out, spaces collapsed)."""
    import re
    import unicodedata

    text = unicodedata.normalize("NFKC", str(value))
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def test_normalise_text_of_text_is_the_three_pass_form_on_random_strings():
    import random

    rng = random.Random(13)
    pool = ([chr(i) for i in range(0x300)] + list("\u3000\u00a0\u2028\u2029\u200b\u1680\u202f\ufeff") +
            list("全角ＡＢＣ１２３、。，（）；张伟欧阳ｘ"))
    for _ in range(20000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 16)))
        assert v.normalise_text(text) == _normalise_text_slowly(text), repr(text)
    for code in range(0x3100):  # every single character of the planes a sheet uses
        assert v.normalise_text(chr(code)) == _normalise_text_slowly(chr(code)), hex(code)


def test_a_vocabulary_answers_the_same_for_a_spelling_seen_before():
    spellings = ["国家级", " 国家级 ", "ＮＡＴＩＯＮＡＬ", "national", "省级", "校级", "省 级"]
    fresh = [v.LEVELS.parse(s) for s in spellings]
    assert [v.LEVELS.parse(s) for s in spellings] == fresh == [Level.NATIONAL] * 4 + [Level.PROVINCIAL,
                                                                                      Level.UNIVERSITY, Level.PROVINCIAL]
    for _ in range(2):  # a refused spelling is refused every time, with its message
        with pytest.raises(v.CellError, match="“县级” is not one of"):
            v.LEVELS.parse("县级")
