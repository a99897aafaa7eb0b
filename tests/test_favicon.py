"""The site's icon: answered at /favicon.ico directly and linked from every page."""

from __future__ import annotations

import pytest

from soundingboard.core.favicon import MAX_AGE
from tests.conftest import write_consultation

pytestmark = pytest.mark.django_db


def _folder(parent, slug: str):
    return write_consultation(
        parent / slug, f"title: Consultation {slug}\nslug: {slug}\n", {"index.md": "# Hello\n"}
    )


@pytest.mark.parametrize("how_many", [1, 2], ids=["one consultation", "several"])
def test_favicon_ico_is_an_image_without_a_redirect(client, tmp_path, use_consultations, how_many):
    use_consultations(*(_folder(tmp_path, f"consult-{n}") for n in range(how_many)))
    reply = client.get("/favicon.ico")
    assert reply.status_code == 200
    assert reply["Content-Type"] == "image/x-icon"
    assert reply.content.startswith(b"\x00\x00\x01\x00")  # an ICO file's header
    assert f"max-age={MAX_AGE}" in reply["Cache-Control"]
    assert client.head("/favicon.ico").status_code == 200


def test_pages_link_the_icon_by_its_static_address(client, tmp_path, use_consultations):
    use_consultations(_folder(tmp_path, "one"))
    html = client.get("/").content.decode()
    assert '<link rel="icon" href="/-/static/soundingboard/favicon.ico" sizes="32x32">' in html
    assert 'href="/-/static/soundingboard/favicon.svg" type="image/svg+xml"' in html
    sign_in = client.get("/-/sign-in/").content.decode()
    assert 'rel="icon" href="/-/static/soundingboard/favicon.svg"' in sign_in
