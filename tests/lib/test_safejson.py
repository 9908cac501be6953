"""safejson accepts only real JSON: no NaN or Infinity (Python's json reads them; databases refuse them)."""

from __future__ import annotations

import pytest

from evc.lib import safejson


@pytest.mark.parametrize("text, shown", [
    ('{"x": NaN}', "NaN"),
    ('{"x": Infinity}', "Infinity"),
    ('{"x": -Infinity}', "-Infinity"),
    ('{"x": 1e999999}', "1e999999"),
    ('{"x": -1e999999}', "-1e999999"),
])
def test_it_refuses_numbers_json_does_not_have(text, shown):
    with pytest.raises(safejson.JsonShapeError, match="not valid JSON") as info:
        safejson.loads(text)
    assert shown in str(info.value)
    assert info.value.params == {"value": shown}  # the template stays translatable


def test_it_refuses_an_integer_too_long_to_convert_with_a_sentence():
    with pytest.raises(safejson.JsonShapeError, match="a number in it is too long"):
        safejson.loads("[" + "7" * 5000 + "]")


def test_it_keeps_ordinary_numbers():
    assert safejson.loads(b'{"a": 1.5, "b": -2, "c": 1e300, "d": 0.1e-5}') == {"a": 1.5, "b": -2, "c": 1e300, "d": 0.1e-5}


def test_a_syntax_error_names_the_place_without_the_parsers_english():
    with pytest.raises(safejson.JsonShapeError) as info:
        safejson.loads('{\n  "a": oops\n}')
    assert str(info.value) == "The file is not valid JSON (line 2, column 8)."
    assert info.value.template == "The file is not valid JSON (line {line}, column {column})."
