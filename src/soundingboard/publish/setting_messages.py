"""What to tell someone whose `consultation.yml` (or `mkdocs.yml`) setting is wrong: what is
wrong in plain words of our own, never pydantic's, and always how to fix it.

`loader` finds the file and line; `message_and_fix` turns one pydantic error into the words.
"""

from __future__ import annotations

from typing import Any

SEE_DOCS = "the settings are listed in docs/writing-a-consultation.md"
DATE_FIX = "write a date as YYYY-MM-DD, such as 2027-03-31, or a date and time: 2027-03-31 17:00"
QUOTES_FIX = (
    'write the colour in quotes as # and six hexadecimal digits, such as "#1d70b8" '
    "(without quotes, YAML reads # as the start of a comment)"
)

# How to write a setting whose value does not have the form it needs.
PATTERN_FIXES = {
    "slug": "use up to 64 lower-case letters, digits and hyphens, starting and ending with a "
    "letter or digit, such as library-plan",
    "accent_colour": QUOTES_FIX,
    "allowed_origins": "write each origin as scheme and host only, with no path and no slash "
    "at the end, such as https://example.org",
    "site_url": "write the full address of the site's home page, such as "
    "https://example.github.io/paper/",
}
# Settings that hold several settings of their own, and an example of one.
GROUP_EXAMPLES = {
    "feedback": "feedback:\n    roles:\n      - Library user",
    "questionnaire": "questionnaire:\n    ideas:\n      - name: First idea",
    "ideas": "- name: An idea\n      activities:\n        - An activity",
    "role_groups": "role_groups:\n      Staff:\n        - Library staff",
}
# Our own checks (settings_schema's validators) say what is wrong; this says how to fix it.
VALUE_FIXES = (
    ("contrast of", "choose a darker colour, such as #1d70b8 (blue) or #1d6b48 (green)"),
    ("is an address soundingboard uses itself", "choose another slug, such as library-plan"),
    ("is not a time zone name", "use a name from the IANA list, such as Europe/London"),
    ("is listed twice", "remove the second one"),
    ("names two ideas", "give each idea a name of its own, or remove the repeated alias"),
    ("which is not one of the roles", "add it to `roles`, or correct its spelling"),
    ("closes must be after opens", "move `closes` to after `opens`, or remove one of them"),
)


def message_and_fix(item: dict[str, Any], shown: str, key: str) -> tuple[str, str]:
    """What is wrong with the setting `shown` (as written, such as feedback.roles.2) and how
    to fix it, for one pydantic error."""
    kind = str(item["type"])
    value = item.get("input")
    context = item.get("ctx") or {}
    last = shown.rsplit(".", 1)[-1]
    if value is None and kind.endswith("_type"):
        if key == "accent_colour":
            return f"“{shown}” is empty", QUOTES_FIX
        return f"“{shown}” is empty", "write its value after the colon, or remove the line"
    if kind == "string_type":
        return (
            f"“{shown}” must be text, not {_kind_of(value)}",
            "write it as text on the same line; put it in double quotes if it contains a colon "
            "followed by a space or starts with a special character such as # or [",
        )
    if kind == "list_type":
        return (
            f"“{shown}” must be a list, not {_kind_of(value)}",
            f"write each item on a line of its own under `{last}:`, starting with `- `",
        )
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        example = GROUP_EXAMPLES.get(last) or GROUP_EXAMPLES.get(key, "")
        fix = "indent its own settings under it, each on a line of its own"
        if example:
            fix += f", such as:\n    {example}"
        return f"“{shown}” must hold settings of its own, not {_kind_of(value)}", fix
    if kind.startswith(("date", "datetime")):
        return f"“{shown}”: “{value}” is not a date", DATE_FIX
    if kind == "string_too_short":
        return f"“{shown}” is empty", "write something there, or remove the line"
    if kind == "string_too_long":
        limit = context.get("max_length", 200)
        return f"“{shown}” is longer than {limit} characters", f"shorten it to {limit} or fewer"
    if kind == "too_short":
        return (
            f"“{shown}” lists nothing",
            "list at least one item, or remove the setting to use the default",
        )
    if kind == "string_pattern_mismatch":
        fix = PATTERN_FIXES.get(key, SEE_DOCS)
        return f"“{shown}”: “{value}” is not written as this setting needs", fix
    if kind == "value_error":
        reason = str(item["msg"]).removeprefix("Value error, ")
        if key == "contact_email":
            return (
                f"“{shown}”: “{value}” is not an email address",
                "write a full email address, such as consultation@example.org",
            )
        fix = next((fix for words, fix in VALUE_FIXES if words in reason), SEE_DOCS)
        # "closes must be after opens" names its setting already.
        said = not shown or reason.startswith(f"{shown} ")
        return reason if said else f"“{shown}”: {reason}", fix
    return (
        f"“{shown}”: “{value}” is not a value this setting takes",
        f"correct it ({SEE_DOCS})",
    )


def _kind_of(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "yes or no"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a group of settings"
    return f"“{value}”"
