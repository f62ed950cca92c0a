"""The site has an icon: linked from every page, and /favicon.ico answers instead of a 404."""

from __future__ import annotations


async def test_favicon_ico_leads_to_the_svg_icon(client) -> None:
    response = await client.get("/favicon.ico", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == "/static/favicon.svg"
    icon = await client.get(response.headers["location"])
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.startswith("<svg")


async def test_every_page_links_the_icon(client) -> None:
    for path in ("/", "/account/login", "/staff/login"):
        page = await client.get(path)
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page.text, path
