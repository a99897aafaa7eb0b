"""Checks run on a page open in the browser: axe-core, reflow at 320 CSS pixels, the focus
style, and screenshots for a person to look at.

axe-core (npm, pinned in package.json) is injected with `page.evaluate` of its source. That
runs it through the DevTools protocol, which the pages' Content Security Policy does not
govern, so the pages are audited with their real, strict policy in force (no bypass_csp).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from tests.browser.conftest import DESKTOP, missing
from tests.conftest import REPO

if TYPE_CHECKING:
    from playwright.sync_api import ElementHandle, Page

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA (2.2 added no level A rule to axe).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
REFLOW_WIDTH = 320
PHONE = {"width": 375, "height": 812}
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"


@cache
def axe_source() -> str:
    if not AXE.is_file():
        missing(f"axe-core is not at {AXE} (npm ci)")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[str]:
    """Every WCAG A and AA violation axe-core finds on the page, one line per element."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    results = page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
        })""",
        WCAG_TAGS,
    )
    return [
        f"{rule['id']} ({rule['impact']}): {rule['help']} at {node['target']}: "
        f"{node['failureSummary']}"
        for rule in results["violations"]
        for node in rule["nodes"]
    ]


def audit(page: Page, what: str, *, narrow_axe: bool = True) -> list[str]:
    """axe-core's violations at desktop width and (with `narrow_axe`) at 320 pixels, and any
    sideways scrolling at 320 pixels; each problem starts with `what`, to say where."""
    problems = [f"{what}: {v}" for v in axe_violations(page)]
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": 640})
    try:
        if narrow_axe:
            problems += [f"{what} at {REFLOW_WIDTH}px: {v}" for v in axe_violations(page)]
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > REFLOW_WIDTH:
            culprits = page.evaluate(_STICKING_OUT, REFLOW_WIDTH)
            problems.append(
                f"{what}: scrolls sideways at {REFLOW_WIDTH}px ({width}px wide): {culprits}"
            )
    finally:
        page.set_viewport_size(DESKTOP)
    return problems


# The outermost elements wider than the window that no scrolling box of their own contains.
_STICKING_OUT = """width => {
    const found = [];
    for (const el of document.body.querySelectorAll("*")) {
        if (el.getBoundingClientRect().right <= width + 0.5) continue;
        let parent = el.parentElement, inside = false;
        for (; parent && parent !== document.body; parent = parent.parentElement) {
            const overflow = getComputedStyle(parent).overflowX;
            if (overflow !== "visible" && overflow !== "clip") { inside = true; break; }
            if (parent.getBoundingClientRect().right > width + 0.5) { inside = true; break; }
        }
        if (!inside) {
            const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                + (el.classList.length ? "." + [...el.classList].join(".") : "");
            found.push(`${name} (${Math.round(el.getBoundingClientRect().right)}px)`);
        }
    }
    return found.slice(0, 5).join(", ");
}"""


def screenshot(page: Page, name: str) -> None:
    """The whole page at desktop and phone widths, as NAME-desktop.png and NAME-phone.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    try:
        page.screenshot(path=SCREENSHOTS / f"{name}-phone.png", full_page=True)
    finally:
        page.set_viewport_size(DESKTOP)


# The computed styles that show focus. A radio button's or checkbox's focus ring is drawn
# by its label's ::before; a link's by its background and box shadow; a field's by outline.
_FOCUS_STYLE = """el => {
    const props = ["outline-style", "outline-width", "outline-color", "box-shadow",
                   "background-color", "color", "text-decoration-line", "border-color"];
    const styles = [getComputedStyle(el)];
    if (el.labels && el.labels.length && ["radio", "checkbox"].includes(el.type)) {
        styles.push(getComputedStyle(el.labels[0], "::before"));
    }
    return styles.map(s => props.map(p => s.getPropertyValue(p)).join(";")).join("|");
}"""


def focus_style(element: ElementHandle) -> str:
    return element.evaluate(_FOCUS_STYLE)


def describe(element: ElementHandle) -> str:
    """A short name for a focused element, for assertion messages."""
    return element.evaluate(
        """el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
            + (el.name ? `[name=${el.name}]` : "")
            + (el.value && el.type === "radio" ? `[value=${el.value}]` : "")
            + (el.textContent.trim() ? ` “${el.textContent.trim().slice(0, 40)}”` : "")"""
    )


def follows(earlier: ElementHandle, later: ElementHandle) -> bool:
    """Whether `later` comes after `earlier` in the document."""
    return earlier.evaluate(
        "(a, b) => Boolean(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING)",
        later,
    )


def active(page: Page) -> ElementHandle:
    handle = page.evaluate_handle("() => document.activeElement")
    element = handle.as_element()
    assert element is not None
    return element


def attribute(element: ElementHandle, name: str) -> Any:
    return element.evaluate(f"el => el.{name}")
