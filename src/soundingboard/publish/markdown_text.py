"""Markdown written in consultation.yml itself (such as the privacy notice), rendered safely."""

from __future__ import annotations

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe


def render_plain_markdown(text: str) -> SafeString:
    html = markdown.markdown(text, extensions=["attr_list", "def_list", "tables", "sane_lists"])
    return mark_safe(nh3.clean(html))  # nh3's default allowlist: no script, style or handlers
