"""Every GOV.UK Design System component the templates use is in the stylesheet: a class
such as `govuk-select` with no styles behind it shows the browser's own, small control."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "src" / "soundingboard"
ASSETS = REPO / "src" / "soundingboard" / "assets"
# The public pages' components, and those only the analyst workspace uses.
FRONTEND = [ASSETS / "_frontend.scss", ASSETS / "_frontend-workspace.scss"]
COMPONENTS = REPO / "node_modules" / "govuk-frontend" / "dist" / "govuk" / "components"
# Styled by rules of soundingboard's own instead (no GOV.UK crown or crest).
OWN_RULES = {"header", "footer"}


def _components() -> list[str]:
    if COMPONENTS.is_dir():
        return sorted(p.name for p in COMPONENTS.iterdir() if p.is_dir())
    # Without node_modules: the components as govuk-frontend 5 and 6 name them.
    return [
        "accordion", "back-link", "breadcrumbs", "button", "character-count", "checkboxes",
        "cookie-banner", "date-input", "details", "error-message", "error-summary",
        "exit-this-page", "fieldset", "file-upload", "footer", "header", "hint", "input",
        "inset-text", "label", "notification-banner", "pagination", "panel",
        "password-input", "phase-banner", "radios", "select", "service-navigation",
        "skip-link", "summary-list", "table", "tabs", "tag", "task-list", "textarea",
        "warning-text",
    ]  # fmt: skip


def test_every_component_used_in_a_template_is_compiled_into_the_stylesheet():
    used: dict[str, str] = {}
    for template in TEMPLATES.rglob("*.html"):
        for name in re.findall(r"\bgovuk-([a-z-]+?)(?:__|--|[\s\"'])", template.read_text("utf-8")):
            used.setdefault(name, str(template.relative_to(REPO)))
    compiled = {
        name
        for stylesheet in FRONTEND
        for name in re.findall(
            r'@use "pkg:govuk-frontend/components/([a-z-]+)"', stylesheet.read_text("utf-8")
        )
    }
    missing = {
        name: where
        for name, where in used.items()
        if name in _components() and name not in compiled | OWN_RULES
    }
    assert missing == {}, f"components used but in no stylesheet: {missing}"
    assert "select" in compiled
