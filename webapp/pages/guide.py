"""The user guide under /help: one Markdown page per role in Swedish and English (webapp/docs/<lang>/), rendered on
the server inside the site's layout, and its screenshots (webapp/docs/images/).

The pages are ours, yet the renderer takes no raw HTML from them: the Markdown's HTML block and inline HTML
processors are removed, so a tag in the text comes out as text, and links keep only http(s), mailto, anchors and the
guide's own pages."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import markdown
from flask import render_template, send_from_directory, url_for
from markdown.treeprocessors import Treeprocessor

from webapp.errors import not_found
from webapp.i18n import N_, current_language, gettext_in
from webapp.pages import bp

DOCS = Path(__file__).resolve().parent.parent / "docs"
IMAGES = DOCS / "images"
# The guide's pages, in the order of its menu: the name in the address → the menu's text. Nothing else is read.
PAGES = {"index": N_("Every role: getting started"), "planner": N_("Urban planners: the site check"),
         "committee": N_("District committees: situation pictures"),
         "city": N_("The city executive office: the city's picture"),
         "crisis": N_("Crisis management: the map, sharing and printing"),
         "admin": N_("Administrators: data, users and backups")}
IMAGE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}\.png")
PAGE_LINK = re.compile(r"(?:\./)?([a-z]+)\.md(#[a-z0-9-]+)?")


class _Links(Treeprocessor):
    """Points the guide's links and images at the app's routes and drops anything else that could run or load."""

    def __init__(self, md: markdown.Markdown, lang: str) -> None:
        super().__init__(md)
        self.lang = lang

    def run(self, root: Element) -> None:
        lang = self.lang if self.lang != "sv" else None
        for link in root.iter("a"):
            href = link.get("href", "")
            page = PAGE_LINK.fullmatch(href)
            if page and page.group(1) in PAGES:
                link.set("href", url_for("pages.help_page", page=page.group(1), lang=lang) + (page.group(2) or ""))
            elif not (href.startswith(("#", "/")) and not href.startswith("//")) and \
                    urlsplit(href).scheme not in ("http", "https", "mailto"):
                link.attrib.pop("href", None)
        for parent in list(root.iter()):
            for image in list(parent):
                if image.tag != "img":
                    continue
                name = Path(image.get("src", "")).name
                if IMAGE_NAME.fullmatch(name) and (IMAGES / name).is_file():
                    image.set("src", url_for("pages.help_image", name=name))
                    image.set("loading", "lazy")
                else:
                    parent.remove(image)


def render_markdown(text: str, lang: str) -> str:
    """HTML of one guide page; raw HTML in the text is escaped, never passed through."""
    md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.treeprocessors.register(_Links(md, lang), "riskkarta_links", 1)
    return md.convert(text)


def _page(page: str, lang: str) -> str:
    """A page's Markdown in `lang`, else in the other language (a page not written yet in one)."""
    for candidate in (lang, "en" if lang == "sv" else "sv"):
        path = DOCS / candidate / f"{page}.md"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise not_found("Page", "There is no such page in the user guide.")


@bp.get("/help")
@bp.get("/help/<page>")
def help_page(page: str = "index"):
    """One page of the user guide in the page's language; the index lists the others."""
    if page not in PAGES:
        raise not_found("Page", "There is no such page in the user guide.")
    lang = current_language()
    body = render_markdown(_page(page, lang), lang)
    heading = re.search(r"<h1>(.*?)</h1>", body, re.S)
    menu = [{"page": name, "title": gettext_in(lang, title), "current": name == page} for name, title in PAGES.items()]
    return render_template("guide.html", body=body, menu=menu, page=page,
                           title=heading.group(1) if heading else gettext_in(lang, PAGES[page]))


@bp.get("/help/images/<name>")
def help_image(name: str):
    """A screenshot of the guide: a PNG by a plain name, nothing else."""
    if not IMAGE_NAME.fullmatch(name) or not (IMAGES / name).is_file():
        raise not_found("Image", "There is no such image in the user guide.")
    return send_from_directory(IMAGES, name, mimetype="image/png", max_age=3600)
