"""Numbers, averages and lists as a Russian reader expects them."""

import pytest

from klassruk.text.formatting import bullet_list, format_average, format_number


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, "—"),
        (2, "2"),
        (1.5, "1,5"),
        (0.25, "0,25"),
        (4.333, "4,33"),
        (1234567, "1\u202f234\u202f567"),
        (1234.5, "1\u202f234,5"),
        (0, "0"),
    ],
)
def test_format_number_uses_the_decimal_comma_and_groups_thousands(value, shown):
    assert format_number(value) == shown


def test_format_average_has_two_decimals_with_a_comma():
    assert format_average(4.25) == "4,25"
    assert format_average(None) == "—"


def test_bullet_list_says_how_many_were_left_out():
    assert bullet_list(["а", "б", "в"], 2) == "• а\n• б\n• …и ещё: 1"
    assert bullet_list(["а"], 2) == "• а"
