"""Reading a questionnaire pasted into a page as HTML, whatever the shape of its form."""

from __future__ import annotations

from pathlib import Path

from soundingboard.publish.pasted_questionnaire import (
    read_pasted_options,
    read_pasted_questionnaire,
)

SOURCE = Path("docs/survey.md")


def radios(name: str, count: int = 5, **attributes: str) -> str:
    extra = "".join(f' {key}="{value}"' for key, value in attributes.items())
    return "".join(
        f'<input type="radio" name="{name}" value="{n}"{extra}>' for n in range(1, count + 1)
    )


def test_a_table_with_an_idea_in_each_row():
    page = (
        "# Rate\n\n<form>\n<table>\n<caption>How much do you support each idea?</caption>\n"
        "<tr><th>Idea</th><th>1</th><th>5</th></tr>\n"
        f"<tr><td>Parks for all</td><td>{radios('q1')}</td></tr>\n"
        f"<tr><td>Safer roads</td><td>{radios('q2')}</td></tr>\n"
        "</table>\n</form>\n"
    )
    found = read_pasted_questionnaire(page, SOURCE)
    assert [(i.name, i.line) for i in found.ideas] == [("Parks for all", 7), ("Safer roads", 8)]
    assert found.usefulness_question == "How much do you support each idea?"
    assert found.notes == []


def test_ideas_named_only_by_the_radios_names():
    page = (
        f"<form>\n{radios('rank_usefulness[Parks]')}\n{radios('rank_likelihood[Parks]')}\n</form>"
    )
    found = read_pasted_questionnaire(page, SOURCE)
    assert [(i.name, i.scales) for i in found.ideas] == [("Parks", 2)]


def test_nameless_radios_in_boxes_marked_with_the_name_the_script_sends():
    page = (
        '<form>\n<div data-idea="parks-v1"><h4>Parks for all</h4>\n<p>How useful?</p>'
        '<div><label><input type="radio" value="1">1</label><label><input type="radio" '
        'value="2">2</label><label><input type="radio" value="3">3</label></div>\n'
        '<label><input type="checkbox" value="parks-v1: More benches"> More benches</label>\n'
        "</div>\n</form>\n"
    )
    found = read_pasted_questionnaire(page, SOURCE)
    [idea] = found.ideas
    assert (idea.name, idea.aliases, idea.activities) == (
        "Parks for all",
        ["parks-v1"],
        ["More benches"],
    )
    assert found.usefulness_question == "How useful?"


def test_a_third_scale_and_a_second_form_are_said_with_their_lines():
    page = (
        "<form>\n<h3>Parks</h3>\n"
        f"{radios('a')}\n{radios('b')}\n{radios('c')}\n"
        "</form>\n<form>\n"
        '<p><input type="checkbox" name="consent" value="yes"> I agree</p>\n'
        f"<h3>Roads</h3>\n{radios('d')}\n</form>\n"
    )
    found = read_pasted_questionnaire(page, SOURCE)
    assert [i.name for i in found.ideas] == ["Parks"]
    assert found.notes == [
        "docs/survey.md:5: “Parks” has more than two scales; soundingboard asks two, so “c” "
        "was left out",
        "docs/survey.md:7: a second questionnaire form on the same page was left out; only "
        "the first is used",
    ]


def test_a_page_form_without_scales_is_no_questionnaire_but_gives_its_choices():
    page = (
        '<form>\n<label for="r">Your role</label>\n<select id="r" name="who">'
        '<option value="">Choose</option><option>Reader</option><option>Writer</option>'
        '</select>\n<select name="nature"><option>Agree</option><option>Disagree</option>'
        "</select>\n"
        '<input type="radio" name="yes" value="yes"><input type="radio" name="yes" value="no">'
        "\n</form>\n"
    )
    assert read_pasted_questionnaire(page, SOURCE) is None
    options = read_pasted_options(page)
    assert options.roles == ["Reader", "Writer"]
    assert options.natures == ["Agree", "Disagree"]


def test_a_form_shown_as_code_is_not_read():
    page = f"# Example\n\n```html\n<form>\n<h3>Parks</h3>\n{radios('a')}\n</form>\n```\n"
    assert read_pasted_questionnaire(page, SOURCE) is None
