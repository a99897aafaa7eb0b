"""The published pages as a browser receives them: content, navigation, search and files."""

from __future__ import annotations

import re

import pytest
from tests.conftest import write_consultation

from soundingboard.core.shared_cache import inline_source_hash

pytestmark = pytest.mark.django_db

PASTED_FORM_TEXT = [
    "Thanks — feedback received",
    "Sorry — something went wrong",
    "gs-form",
    "gs-summary",
]


@pytest.fixture
def site(seed_site, use_consultations):
    return use_consultations(seed_site).single


@pytest.mark.parametrize("address", ["/", "/mechanisms/", "/models/", "/large-scale-change/"])
def test_every_seed_page_has_the_platform_form_and_none_of_the_pasted_one(client, site, address):
    reply = client.get(address)
    html = reply.content.decode()
    assert reply.status_code == 200
    assert html.count("<form") == 2  # the header search and the platform's feedback form
    assert 'id="feedback"' in html
    for text in PASTED_FORM_TEXT:
        assert text not in html
    assert "style=" not in html


def test_navigation_marks_the_current_page_and_links_neighbours(client, site):
    html = client.get("/mechanisms/").content.decode()
    assert re.search(r'href="/mechanisms/" aria-current="page"', html)
    assert html.count('aria-current="page"') == 1
    assert 'class="sb-nav__section-title">Ideas<' in html
    assert 'href="/" rel="prev"' in html
    assert 'href="/models/" rel="next"' in html


def test_heading_ids_and_permalinks_survive(client, site):
    html = client.get("/").content.decode()
    for heading_id in ("a-case-for-change", "our-invitation", "clear-opportunities"):
        assert f'id="{heading_id}"' in html
        assert f'href="#{heading_id}"' in html


def test_search_works_without_javascript(client, site):
    html = client.get("/-/search/", {"q": "Systemantics"}).content.decode()
    assert "1 page found" in html
    assert 'href="/models/"' in html
    assert "<mark>Systemantics</mark>" in html
    none = client.get("/-/search/", {"q": "zzzznotaword"}).content.decode()
    assert "No pages found" in none


def test_search_query_is_escaped(client, site):
    html = client.get("/-/search/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "<script>alert(1)" not in html


def test_unknown_page_is_a_friendly_404(client, site):
    reply = client.get("/no-such-page/")
    assert reply.status_code == 404
    assert "Page not found" in reply.content.decode()


def test_files_beside_pages_are_served_with_spaces_in_names(client, tmp_path, use_consultations):
    folder = write_consultation(
        tmp_path / "files",
        "title: Files\n",
        {"index.md": "# Files\n\n![A chart](images/my chart.svg)\n"},
    )
    (folder / "images").mkdir()
    (folder / "images" / "my chart.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>'
    )
    (folder / "secret.yml").write_text("password: hunter2\n")
    use_consultations(folder)
    html = client.get("/").content.decode()
    assert 'src="/-/files/images/my%20chart.svg"' in html
    reply = client.get("/-/files/images/my%20chart.svg")
    assert reply.status_code == 200
    assert reply["Content-Type"] == "image/svg+xml"
    assert "sandbox" in reply["Content-Security-Policy"]
    assert client.get("/-/files/consultation.yml").status_code == 404
    assert client.get("/-/files/secret.yml").status_code == 404
    assert client.get("/-/files/index.md").status_code == 404
    assert client.get("/-/files/../../etc/passwd").status_code == 404


def test_accent_colour_and_organisation_come_from_the_settings(client, tmp_path, use_consultations):
    use_consultations(
        write_consultation(
            tmp_path / "brand",
            "title: Branded\norganisation: Example Trust\naccent_colour: '#0b0c0c'\n",
            {"index.md": "# Home\n"},
        )
    )
    reply = client.get("/")
    html = reply.content.decode()
    assert "--sb-accent: #0b0c0c" in html
    assert "Example Trust" in html
    # The page is the same for every visitor, so its style is allowed by its hash, not a nonce.
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    style_sources = reply["Content-Security-Policy"].split("style-src")[1].split(";")[0]
    assert inline_source_hash(style) in style_sources


def test_privacy_notice_comes_from_the_settings(client, tmp_path, use_consultations):
    use_consultations(
        write_consultation(
            tmp_path / "privacy",
            "title: Private\nprivacy_notice: |\n  We keep **answers** for two years.\n",
            {"index.md": "# Home\n"},
        )
    )
    html = client.get("/-/privacy/").content.decode()
    assert "We keep <strong>answers</strong> for two years." in html


def test_several_consultations_are_listed_at_the_root(client, tmp_path, use_consultations):
    write_consultation(tmp_path / "all" / "one", "title: First one\n", {"index.md": "# One\n"})
    write_consultation(tmp_path / "all" / "two", "title: Second one\n", {"index.md": "# Two\n"})
    use_consultations(tmp_path / "all")
    root = client.get("/").content.decode()
    assert 'href="/one/"' in root and "Second one" in root
    page = client.get("/two/").content.decode()
    assert 'action="/two/-/feedback/"' in page
    assert client.get("/two/-/search/", {"q": "two"}).status_code == 200


def test_security_headers_are_set(client, site):
    reply = client.get("/")
    assert reply["X-Content-Type-Options"] == "nosniff"
    assert reply["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in reply["Content-Security-Policy"]
    assert "'unsafe-inline'" not in reply["Content-Security-Policy"]


def test_health_check_answers(client, site):
    assert client.get("/-/healthz").content == b"ok\n"


@pytest.mark.parametrize(
    "address",
    [
        "/-/files/%00",
        "/-/files/images/chart.svg%00",
        "/-/files/images/chart.svg%00.png",
        "/-/files/%00/../consultation.yml",
        "/%00/",
        "/-/feedback/%00/",
    ],
)
def test_a_nul_in_an_address_is_not_found(client, tmp_path, use_consultations, address):
    """An encoded NUL (%00) once made the file view fail with a server error (500)."""
    folder = write_consultation(tmp_path / "nul", "title: Nul\n", {"index.md": "# Nul\n"})
    (folder / "images").mkdir()
    (folder / "images" / "chart.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    use_consultations(folder)
    client.raise_request_exception = False
    assert client.get(address).status_code == 404


def mkdocs_without_index(folder):
    """An MkDocs project whose navigation starts with a page other than index.md."""
    folder.mkdir(parents=True)
    (folder / "mkdocs.yml").write_text(
        "site_name: No index\nnav:\n  - About: about.md\n  - Proposals: proposals.md\n",
        encoding="utf-8",
    )
    (folder / "docs").mkdir()
    (folder / "docs" / "proposals.md").write_text("# Proposals\n", encoding="utf-8")
    (folder / "docs" / "about.md").write_text("# About\n", encoding="utf-8")
    return folder


def test_a_site_without_an_index_page_leads_from_its_root_to_the_first_page(
    client, tmp_path, use_consultations
):
    use_consultations(mkdocs_without_index(tmp_path / "no-index"))
    reply = client.get("/")
    assert (reply.status_code, reply["Location"]) == (302, "/about/")
    assert "About" in client.get("/", follow=True).content.decode()


def test_each_consultation_without_an_index_page_leads_to_its_first_page(
    client, tmp_path, use_consultations, seed_site
):
    registry = use_consultations(mkdocs_without_index(tmp_path / "no-index"), seed_site)
    slugs = {c.root.name: c.slug for c in registry.consultations.values()}
    reply = client.get(f"/{slugs['no-index']}/")
    assert (reply.status_code, reply["Location"]) == (302, f"/{slugs['no-index']}/about/")
    assert client.get(f"/{slugs[seed_site.name]}/").status_code == 200
    assert client.get(f"/{slugs['no-index']}/retired/").status_code == 404


def test_addresses_of_the_built_mkdocs_site_lead_to_their_pages(
    client, tmp_path, use_consultations
):
    """A site built with `use_directory_urls: false` has `sub/page.html` addresses (and any
    MkDocs site `index.html` ones): they led to a 404 once the site was served here."""
    folder = tmp_path / "flat"
    (folder / "docs" / "sub").mkdir(parents=True)
    (folder / "mkdocs.yml").write_text(
        "site_name: Flat\nuse_directory_urls: false\nnav:\n  - index.md\n  - sub/page.md\n"
        "  - sub/index.md\n",
        encoding="utf-8",
    )
    for name, title in [("index.md", "Home"), ("sub/page.md", "Page"), ("sub/index.md", "Sub")]:
        (folder / "docs" / name).write_text(f"# {title}\n", encoding="utf-8")
    use_consultations(folder)
    for old, new in [
        ("/sub/page.html", "/sub/page/"),
        ("/index.html", "/"),
        ("/sub/index.html", "/sub/"),
        ("/sub/page/index.html", "/sub/page/"),
    ]:
        reply = client.get(old)
        assert (reply.status_code, reply["Location"]) == (301, new), old
    assert client.get("/sub/gone.html").status_code == 404
    assert client.get("/sub/page/").status_code == 200
