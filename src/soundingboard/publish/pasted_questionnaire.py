"""Read a main questionnaire pasted into a page as an HTML form, for `soundingboard adopt`.

Sites built before soundingboard often paste their questionnaire into a Markdown page: each
idea scored on one or more radio scales (1 to 5), with checkboxes for the activities under it,
sent by the site's own script. This module works out the questionnaire from that HTML,
whatever its shape: ideas marked by a `data-idea` attribute, a fieldset's legend, a heading,
a table row's first cell or the scale's `name`; each scale's question from its legend, its
label or the text beside it; each activity from its label. Where the names the script sends
(`data-idea`, `name="usefulness[Idea]"`, a checkbox's `value="Group: activity"`) differ from
the names readers see, they are kept as the idea's aliases, so that what the old form sent
still matches.

Whatever it cannot work out is said in `notes`, with the line of the page it is about.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from bs4 import BeautifulSoup, Tag

_TITLE_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6", "legend", "summary")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_BRACKETED = re.compile(r"^(?P<measure>[^\[\]]*)\[(?P<idea>[^\[\]]+)\]$")
_USEFULNESS_WORDS = ("useful", "usefulness", "value", "important", "importance", "benefit")
_LIKELIHOOD_WORDS = ("likely", "likelihood", "probab", "would use", "use it")
_ROLE_WORDS = ("role",)
_NATURE_WORDS = ("nature", "kind of feedback", "reflection", "type of feedback")


@dataclass
class PastedIdea:
    """One idea of a pasted questionnaire: its name as readers see it, the names the form's
    script sends for it where they differ, and its activities."""

    name: str
    line: int | None
    aliases: list[str] = field(default_factory=list)
    activities: list[str] = field(default_factory=list)
    scales: int = 0

    def add_alias(self, alias: str) -> None:
        alias = _clean(alias)
        known = {self.name.casefold(), *(a.casefold() for a in self.aliases)}
        if alias and alias.casefold() not in known:
            self.aliases.append(alias)


@dataclass
class PastedQuestionnaire:
    """What a pasted questionnaire form asks, as far as it could be worked out."""

    source: Path
    line: int | None  # of the <form>
    ideas: list[PastedIdea]
    usefulness_question: str = ""
    likelihood_question: str = ""
    scale_low: str = ""
    scale_high: str = ""
    activities_question: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class PastedOptions:
    """The roles and natures of any pasted form (per-page or questionnaire), where found."""

    roles: list[str] = field(default_factory=list)
    natures: list[str] = field(default_factory=list)


@dataclass
class _Scale:
    """One radio scale: the radios of one question about one idea."""

    radios: list[Tag]
    name: str
    question: str = ""
    question_element: Tag | None = None


def page_forms(source: str) -> BeautifulSoup:
    """The HTML of a Markdown page's source as a tree, with fenced code blocks blanked out (a
    form shown as an example is not a pasted form) and every line number kept."""
    lines = source.splitlines()
    fence: str | None = None
    for number, line in enumerate(lines):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)[0] * 3
            lines[number] = ""
        elif fence is not None:
            if line.strip().startswith(fence):
                fence = None
            lines[number] = ""
    return BeautifulSoup("\n".join(lines), "html.parser")


def read_pasted_questionnaire(source: str, path: Path) -> PastedQuestionnaire | None:
    """The questionnaire pasted into the page whose Markdown is `source`, or None when the
    page holds no form with radio scales (such as a per-page feedback form)."""
    soup = page_forms(source)
    found = [q for form in soup.find_all("form") if (q := _read_form(form, path))]
    if not found:
        return None
    first = found[0]
    for other in found[1:]:
        first.notes.append(
            f"{_where(path, other.line)}: a second questionnaire form on the same page was "
            "left out; only the first is used"
        )
    return first


def read_pasted_options(source: str) -> PastedOptions:
    """The role and nature choices of the forms pasted into a page, where it has any."""
    soup = page_forms(source)
    options = PastedOptions()
    for form in soup.find_all("form"):
        for control in form.find_all(["select"]):
            words = _control_words(control, form)
            choices = [
                _clean(o.get_text(" "))
                for o in control.find_all("option")
                if str(o.get("value", "x")).strip() and _clean(o.get_text(" "))
            ]
            if not options.roles and any(w in words for w in _ROLE_WORDS):
                options.roles = choices
            elif not options.natures and any(w in words for w in _NATURE_WORDS):
                options.natures = choices
    return options


def _control_words(control: Tag, form: Tag) -> str:
    """What a control is called, in lower case: its name, id and label."""
    parts = [str(control.get("name", "")), str(control.get("id", ""))]
    parts.append(_label_text(control, form))
    return " ".join(parts).casefold()


def _read_form(form: Tag, path: Path) -> PastedQuestionnaire | None:
    scales = _scales(form)
    if not scales:
        return None
    result = PastedQuestionnaire(source=path, line=form.sourceline, ideas=[])
    ideas: dict[int, PastedIdea] = {}  # by the id() of the element that names the idea
    anchors: dict[int, Tag] = {}
    questions: list[list[str]] = [[], []]
    for scale in scales:
        anchor, visible, sent = _idea_of(scale, form)
        if visible is None and sent is None:
            result.notes.append(
                f"{_where(path, scale.radios[0].sourceline)}: cannot tell which idea the "
                f"scale “{scale.question or scale.name}” is about; it was left out"
            )
            continue
        key = id(anchor) if anchor is not None else hash(sent)
        idea = ideas.get(key)
        if idea is None:
            idea = PastedIdea(
                name=_clean(visible or sent or ""), line=_line(anchor, scale.radios[0])
            )
            ideas[key] = idea
            if anchor is not None:
                anchors[key] = anchor
        if sent:
            idea.add_alias(sent)
        position = _measure_position(scale, idea.scales)
        idea.scales += 1
        if position is None:
            result.notes.append(
                f"{_where(path, scale.radios[0].sourceline)}: “{idea.name}” has more than two "
                f"scales; soundingboard asks two, so “{scale.question or scale.name}” was left out"
            )
            continue
        if scale.question:
            questions[position].append(scale.question)
        low, high = _scale_ends(scale, form)
        result.scale_low = result.scale_low or low
        result.scale_high = result.scale_high or high
    result.ideas = list(ideas.values())
    _check_names(result, path)
    for position, attribute in enumerate(("usefulness_question", "likelihood_question")):
        asked = list(dict.fromkeys(questions[position]))
        if asked:
            setattr(result, attribute, asked[0])
        if len(asked) > 1:
            result.notes.append(
                f"{_where(path, result.line)}: the ideas ask their "
                f"{'first' if position == 0 else 'second'} scale in different words "
                f"(“{asked[0]}”, “{asked[1]}”); soundingboard asks every idea the same "
                f"question, so “{asked[0]}” was used"
            )
    question_elements = {id(s.question_element) for s in scales if s.question_element}
    _read_activities(form, (ideas, anchors, question_elements), result, path)
    return result


def _scales(form: Tag) -> list[_Scale]:
    """The radio groups of a form whose choices are numbers: the scales."""
    groups: dict[str, list[Tag]] = {}
    for radio in form.find_all("input", attrs={"type": re.compile("^radio$", re.I)}):
        name = str(radio.get("name") or "")
        if not name:
            # Without a name, the radios of one question share the element around them.
            holder = radio.find_parent(lambda t: t.name != "label")
            name = f"\0{id(holder)}"
        groups.setdefault(name, []).append(radio)
    scales = []
    for name, radios in groups.items():
        values = [str(r.get("value") or _label_text(r, form)).strip() for r in radios]
        if len(radios) >= 3 and all(re.fullmatch(r"\d{1,2}", v) for v in values):
            scale = _Scale(radios=radios, name="" if name.startswith("\0") else name)
            scale.question, scale.question_element = _question_of(scale, form)
            scales.append(scale)
    return scales


def _common_ancestor(elements: list[Tag]) -> Tag:
    first_chain = [elements[0], *elements[0].parents]
    for candidate in first_chain:
        if all(candidate in (e, *e.parents) for e in elements[1:]):
            return candidate
    return first_chain[-1]


def _question_of(scale: _Scale, form: Tag) -> tuple[str, Tag | None]:
    """A scale's question: its fieldset's legend, its aria label, or the text beside it."""
    holder = _common_ancestor(scale.radios)
    while holder.name in ("label", "td", "th") and holder.parent is not None:
        holder = holder.parent
    if holder.name == "tr" and (table := holder.find_parent("table")) is not None:
        # A row per idea: the question is the table's caption, or the text before the table.
        caption = table.find("caption")
        if caption is not None:
            return _clean(caption.get_text(" ")), caption
        holder = table
    if holder.name == "fieldset" and (legend := holder.find("legend")) is not None:
        return _clean(legend.get_text(" ")), legend
    for attribute in ("aria-label", "title"):
        if holder.get(attribute):
            return _clean(str(holder[attribute])), holder
    labelled = holder.get("aria-labelledby")
    if labelled and (named := form.find(id=str(labelled).split()[0])) is not None:
        return _clean(named.get_text(" ")), named
    own = _own_text(holder, scale.radios) if holder.name != "table" else ""
    if own and holder is not form:
        return own, holder
    before = holder.find_previous_sibling()
    if before is not None and before.name in ("p", "label", "span", "div", *_TITLE_TAGS):
        text = _clean(before.get_text(" "))
        if text and not before.find("input") and len(text) < 300:
            return text, before
    return "", None


def _own_text(holder: Tag, radios: list[Tag]) -> str:
    """The text of `holder` that is not the label of one of its radios."""
    labels = {id(label) for r in radios if (label := r.find_parent("label")) is not None}
    pieces = []
    for piece in holder.find_all(string=True):
        if any(id(parent) in labels for parent in piece.parents):
            continue
        pieces.append(str(piece))
    text = _clean(" ".join(pieces))
    return text if not re.fullmatch(r"[\d\s]*", text) else ""


def _idea_of(scale: _Scale, form: Tag) -> tuple[Tag | None, str | None, str | None]:
    """The element that names a scale's idea, the name readers see, and the name the form's
    script sends (None where there is none)."""
    sent = None
    match = _BRACKETED.match(scale.name)
    if match and not match.group("idea").isdigit():
        sent = match.group("idea")
    first = scale.radios[0]
    for ancestor in first.parents:
        if ancestor is form:
            break
        if ancestor.get("data-idea"):
            title = ancestor.find(_TITLE_TAGS)
            visible = _clean(title.get_text(" ")) if title is not None else None
            return ancestor, visible or str(ancestor["data-idea"]), str(ancestor["data-idea"])
        if ancestor.name == "tr":
            cell = ancestor.find(["th", "td"])
            if cell is not None and not cell.find("input"):
                return ancestor, _clean(cell.get_text(" ")), sent
    # Else the nearest title above the scale, inside the form, that is not a question's.
    for title in first.find_all_previous(_TITLE_TAGS):
        if not _inside(title, form):
            break
        if title is scale.question_element or (
            title.name == "legend" and _is_question_fieldset(title, scale)
        ):
            continue
        return title, _clean(title.get_text(" ")), sent
    return None, None, sent


def _inside(element: Tag, container: Tag) -> bool:
    return any(parent is container for parent in element.parents)


def _is_question_fieldset(legend: Tag, scale: _Scale) -> bool:
    """Whether a legend's fieldset holds one scale only (a question, not an idea)."""
    fieldset = legend.parent
    if fieldset is None:
        return False
    radios = fieldset.find_all("input", attrs={"type": re.compile("^radio$", re.I)})
    names = {str(r.get("name") or "") for r in radios}
    has_checkboxes = fieldset.find("input", attrs={"type": re.compile("^checkbox$", re.I)})
    return len(names) <= 1 and not has_checkboxes and bool(radios)


def _measure_position(scale: _Scale, already: int) -> int | None:
    """0 for the usefulness scale, 1 for the likelihood scale, None for a third one."""
    words = " ".join(
        [scale.name, scale.question, *(str(r.get("data-measure", "")) for r in scale.radios[:1])]
    ).casefold()
    if already >= 2:
        return None
    if any(w in words for w in _LIKELIHOOD_WORDS):
        return 1
    if any(w in words for w in _USEFULNESS_WORDS):
        return 0
    return already


def _scale_ends(scale: _Scale, form: Tag) -> tuple[str, str]:
    """The words beside a scale's lowest and highest choices, such as "Not at all"."""
    ends = []
    for radio in (scale.radios[0], scale.radios[-1]):
        text = _label_text(radio, form)
        words = _clean(re.sub(r"^\s*\d{1,2}\s*[-–:.]?\s*", "", text).strip("() "))
        ends.append(words if words and not words.isdigit() else "")
    return ends[0], ends[1]


def _check_names(result: PastedQuestionnaire, path: Path) -> None:
    seen: dict[str, PastedIdea] = {}
    kept = []
    for idea in result.ideas:
        if idea.name.casefold() in seen:
            result.notes.append(
                f"{_where(path, idea.line)}: two ideas are both called “{idea.name}”; the "
                "second was left out"
            )
            continue
        seen[idea.name.casefold()] = idea
        kept.append(idea)
    result.ideas = kept


def _read_activities(
    form: Tag,
    found: tuple[dict[int, PastedIdea], dict[int, Tag], set[int]],
    result: PastedQuestionnaire,
    path: Path,
) -> None:
    """The checkboxes of a form, each under its idea: the idea's element it is inside, the
    idea its value names ("Group: activity"), or the idea heading above it."""
    ideas, anchors, asked = found
    by_name: dict[str, PastedIdea] = {}
    for idea in result.ideas:
        for name in (idea.name, *idea.aliases):
            by_name[name.casefold()] = idea
    containers = [
        (ideas[key], anchor)
        for key, anchor in anchors.items()
        if anchor.name not in _TITLE_TAGS and ideas[key] in result.ideas
    ]
    titles = [
        (ideas[key], anchor)
        for key, anchor in anchors.items()
        if anchor.name in _TITLE_TAGS and ideas[key] in result.ideas
    ]
    questions: list[str] = []
    for box in form.find_all("input", attrs={"type": re.compile("^checkbox$", re.I)}):
        text = _label_text(box, form)
        value = _clean(str(box.get("value") or ""))
        group, _, after = value.partition(": ")
        if not after:
            group = ""
        text = text or after or value
        if not text:
            continue
        found_idea = _idea_of_checkbox(box, (containers, titles, asked), by_name, group)
        if found_idea is None:
            result.notes.append(
                f"{_where(path, box.sourceline)}: the checkbox “{text}” is under no idea"
                + (f" (it sends “{group}”, which is no idea's name)" if group else "")
                + "; it was left out: if it is an activity, add it to its idea's activities "
                "in consultation.yml, with the name it sends among the idea's aliases"
            )
            continue
        idea = found_idea
        if group:
            idea.add_alias(group)
        if text not in idea.activities:
            idea.activities.append(text)
        question = _checkbox_question(box, form)
        if question:
            questions.append(question)
    if questions:
        result.activities_question = questions[0]


def _idea_of_checkbox(
    box: Tag,
    places: tuple[list[tuple[PastedIdea, Tag]], list[tuple[PastedIdea, Tag]], set[int]],
    by_name: dict[str, PastedIdea],
    group: str,
) -> PastedIdea | None:
    containers, titles, asked = places
    for idea, container in containers:
        if _inside(box, container):
            return idea
    if group and (named := by_name.get(group.casefold())):
        return named
    title = next(
        (
            t
            for t in box.find_all_previous(_TITLE_TAGS)
            if not _is_own_legend(t, box) and id(t) not in asked
        ),
        None,
    )
    for idea, anchor in titles:
        if anchor is title:
            return idea
    if title is not None:
        close = difflib.get_close_matches(
            _clean(title.get_text(" ")).casefold(), list(by_name), n=1, cutoff=0.75
        )
        if close:
            return by_name[close[0]]
    return None


def _is_own_legend(title: Tag, box: Tag) -> bool:
    """Whether `title` is the legend of the fieldset of checkboxes `box` is in (the question
    above them, not the idea's name)."""
    fieldset = title.parent
    return (
        title.name == "legend"
        and fieldset is not None
        and _inside(box, fieldset)
        and fieldset.find("input", attrs={"type": re.compile("^radio$", re.I)}) is None
    )


def _checkbox_question(box: Tag, form: Tag) -> str:
    fieldset = box.find_parent("fieldset")
    if fieldset is None or fieldset is form:
        return ""
    if fieldset.get("data-idea") or fieldset.find("input", attrs={"type": "radio"}):
        return ""
    legend = fieldset.find("legend")
    return _clean(legend.get_text(" ")) if legend is not None else ""


def _label_text(control: Tag, form: Tag) -> str:
    """What a control's label says: the label around it, a label for its id, its aria-label,
    or the text right after it."""
    label = control.find_parent("label")
    if label is None and control.get("id"):
        label = form.find("label", attrs={"for": str(control["id"])})
    if label is not None:
        return _clean(label.get_text(" "))
    if control.get("aria-label"):
        return _clean(str(control["aria-label"]))
    following = control.next_sibling
    if following is not None and isinstance(following, str):
        return _clean(following)
    return ""


def _line(anchor: Tag | None, fallback: Tag) -> int | None:
    return (anchor.sourceline if anchor is not None else None) or fallback.sourceline


def _clean(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split()).strip().rstrip(":").strip()


def _where(path: Path, line: int | None) -> str:
    return f"{path}:{line}" if line else str(path)
