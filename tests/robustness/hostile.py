"""Hostile and random input, as Hypothesis strategies.

Text that has broken web applications: very long, control characters and NUL, lone
surrogates (which become invalid UTF-8 on the wire), HTML and script, SQL, template syntax,
spreadsheet formula prefixes (=, +, -, @, tab, carriage return), right-to-left overrides,
and plain random text; and form bodies that are not what they say they are.
"""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import strategies as st

SAMPLES = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x00" * 10,
    "\x1b[31mred\x1b[0m",
    "\x07\x08\x0b\x0c\x7f\x85",
    "\u202eevil\u202c",
    "\ufeffbom",
    "\r\n\r\n",
    "\r",
    "\ud800",
    "a\udfffb",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "'; DROP TABLE collect_response; --",
    "' OR '1'='1",
    "%' OR 1=1 --",
    '=HYPERLINK("https://example.com","click")',
    "+1+1",
    "-1+1",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "{{ 7*7 }}{% csrf_token %}",
    "${7*7}",
    "%s%s%n%x",
    "../../../etc/passwd",
    "%00%0d%0a",
    "😀",
    "é",
]
# Long text: just over the limits (summary 500, details and comments 10,000), and beyond.
long_text = st.builds(
    lambda piece, n: piece * n,
    st.sampled_from(["x", "😀", "word ", "\x00", "<b>"]),
    st.sampled_from([201, 255, 501, 2049, 10_001, 30_000]),
)

# Every kind of character, surrogates and controls included.
any_character = st.characters(codec=None)
controls = st.characters(categories=["Cc", "Cs", "Cf", "Zl", "Zp"])


@st.composite
def _hostile_text(draw: st.DrawFn) -> str:
    """(A function, so that Hypothesis's reports name it rather than list every sample.)"""
    return draw(
        st.one_of(
            st.sampled_from(SAMPLES),
            st.text(any_character, max_size=60),
            st.text(controls, max_size=20),
            st.builds(
                lambda a, b, c: a + b + c,
                st.sampled_from(SAMPLES),
                st.text(any_character, max_size=20),
                st.sampled_from(SAMPLES),
            ),
            long_text,
        )
    )


hostile_text = _hostile_text()


def field_values(*good: str) -> st.SearchStrategy[str]:
    """A field's value: one of the good values given, one of them with hostile text before
    or after it, or hostile text."""
    if not good:
        return hostile_text
    chosen = st.sampled_from(list(good))
    return st.one_of(
        chosen,
        st.builds(lambda g, h: g + h, chosen, hostile_text),
        st.builds(lambda h, g: h + g, hostile_text, chosen),
        hostile_text,
    )


def spoilt_form(
    data: st.DataObject, good: dict[str, tuple[str, ...]], most: int = 3
) -> list[tuple[str, str]]:
    """A form's fields: good values, except up to `most` fields spoilt (see `field_values`)
    and up to two left out, so that many submissions get through and are stored with the
    hostile text they carry, and the rest are refused for a reason that can be named."""
    names = sorted(good)
    spoilt = data.draw(st.sets(st.sampled_from(names), max_size=most), label="spoilt")
    left_out = data.draw(st.sets(st.sampled_from(names), max_size=2), label="left out")
    pairs = []
    for name in names:
        if name in left_out:
            continue
        options = good[name]
        value = (
            field_values(*options) if name in spoilt or not options else st.sampled_from(options)
        )
        pairs.append((name, data.draw(value, label=name)))
    return pairs


def urlencoded(pairs: list[tuple[str, str]]) -> bytes:
    """A form body as a browser would send it; a lone surrogate becomes the bytes it would
    be in UTF-8 if it could be, which is invalid UTF-8."""
    return "&".join(
        f"{quote(name, errors='surrogatepass')}={quote(value, errors='surrogatepass')}"
        for name, value in pairs
    ).encode("ascii")


FORM = "application/x-www-form-urlencoded"
content_types = st.sampled_from(
    [
        FORM,
        f"{FORM}; charset=utf-8",
        f"{FORM}; charset=latin-1",
        f"{FORM}; charset=no-such-charset",
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=xyz",
        "text/plain",
        "application/json",
        "application/octet-stream",
        "",
        "\x00",
        "text/html; charset=utf-16",
    ]
)
