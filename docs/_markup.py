"""The one way record text reaches the documentation site: it is always text, never markup.

HTML fragments come from the autoescaping Jinja2 environment below (every value is escaped unless code marks it
safe); text placed into Markdown goes through `md` (or `md_code`); links are built here from ids, never taken from
data. docs/gen_pages.py emits data through nothing else.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

# Every character that Markdown, its extensions in mkdocs.yml (tables, attr_list, admonition, superfences) or
# HTML inside Markdown could read as syntax, and line breaks and control characters, which could start a block
# or collide with Python-Markdown's own placeholders.
_MARKDOWN_SYNTAX = re.compile(r"[\\`*_\[\](){}<>&#+\-.!|~=:\"'\x00-\x1f\x7f]")


def md(text: object) -> str:
    """Text as Markdown that renders to exactly that text: each syntax character becomes a character reference."""
    return _MARKDOWN_SYNTAX.sub(lambda m: f"&#{ord(m.group())};", str(text))


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def md_code(text: str) -> str:
    """Text as a Markdown code span, whose content Markdown never interprets; `md` if it cannot be one."""
    if "`" in text or _CONTROL.search(text) or not text.strip():
        return md(text)
    return f"`{text}`"


def md_inline(text: str) -> str:
    """A line of generated Markdown text (such as the changelog's) whose `code spans` stay code, the rest text."""
    parts = re.split(r"`([^`]*)`", text)
    return "".join(md_code(part) if i % 2 else md(part) for i, part in enumerate(parts))


def md_title(title: str) -> str:
    """The start of a page whose title holds record text: front matter naming it, and its heading.

    The theme prints a title taken from the heading into <title> after unescaping it, but one from the front
    matter as it is: so the title is given there too, HTML-escaped.
    """
    return f"---\ntitle: {json.dumps(str(escape(title)))}\n---\n\n# {md(title)}\n"


def page(name: str, fragment: str | None = None, *, folder: str = "", suffix: str = ".md") -> str:
    """A link to the generated page named ``name`` (an id) in ``folder`` (code's, such as "browse/"), with an
    optional anchor: the id and anchor percent-encoded, so that no id can make a scheme, a path or a query."""
    target = folder + quote(name, safe="") + suffix
    return f"{target}#{quote(fragment, safe='')}" if fragment else target


def md_link(text: str, name: str, fragment: str | None = None, *, folder: str = "") -> str:
    """A Markdown link with escaped text to a generated page, for Markdown pages (mkdocs rewrites .md to .html)."""
    return f"[{md(text)}]({page(name, fragment, folder=folder)})"


def _lines(text: str) -> Markup:
    """Text with its line breaks kept as <br>, every line escaped."""
    return Markup("<br>\n").join(escape(line) for line in text.split("\n"))


def _html_page(name: str, fragment: str | None = None, folder: str = "") -> str:
    # Raw HTML is not rewritten by mkdocs: link straight to the built page (use_directory_urls is off).
    return page(name, fragment, folder=folder, suffix=".html")


_TEMPLATES = {
    "claim.html": """\
<div class="ketdata-claim" id="{{ id }}">
<p class="ketdata-claim__head"><strong>{{ id }}</strong>
<span class="ketdata-badge" title="{{ status_definition }}">how the article presents it: {{ status }}</span></p>
<p><strong>{{ statement }}</strong></p>
<ul>
<li>hedge: {% if hedge %}<em>{{ hedge }}</em>
{%- if hedge_governs %} (governing only “{{ hedge_governs }}”){% endif %}{% else %}none{% endif %}</li>
{% for q in qualifiers %}<li>{{ q.kind }}: <em>{{ q.text }}</em>
{%- if q.governs %} (governing “{{ q.governs }}”){% endif %}</li>
{% endfor %}<li>{{ subject }} — <em>{{ predicate }}</em> — {{ object }}</li>
<li>version {{ version }}, {{ lifecycle }}, {{ review }}</li>
</ul>
{% for q in quotes %}
<blockquote><p>{{ q.quote }}</p></blockquote>
<p>{{ q.role | capitalize }} span: characters {{ q.start }}&ndash;{{ q.end }} of
<a href="{{ 'article' | html_page('offset-' ~ q.start, folder) }}">the article</a>, section “{{ q.section }}”.</p>
{% endfor %}
{% if notes %}
<p>Editorial notes (from outside the article):</p>
<ul>
{% for n in notes %}
<li>{{ n.text }} <em>({{ n.reason }})</em></li>
{% endfor %}
</ul>
{% endif %}
{% if caveats %}
<p>Caveats:</p>
<ul>
{% for c in caveats %}
<li><em>{{ c.kind }}</em> ({{ c.id }}): {{ c.statement }}</li>
{% endfor %}
</ul>
{% endif %}
</div>
""",
    "article.html": """\
<div class="article">
{# No whitespace between pieces: a quoted span may start or end inside a word. #}
{% for piece in pieces -%}
<a id="offset-{{ piece.start }}"></a>
{%- if piece.ids %}<mark title="{{ piece.ids | join(', ') }}">{{ piece.text | lines }}</mark>
{%- else %}{{ piece.text | lines }}{% endif %}
{%- endfor %}

</div>
""",
}

_HTML = jinja2.Environment(
    loader=jinja2.DictLoader(_TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_HTML.filters["lines"] = _lines
_HTML.filters["html_page"] = _html_page


def html(template: str, **context: Any) -> str:
    """An HTML fragment from one of the templates above, every value in ``context`` escaped."""
    return _HTML.get_template(template).render(**context)


def md_table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    """A Markdown table from cells that are already Markdown (made with `md`, `md_code` or `md_link`)."""
    head = list(header)
    return [f"| {' | '.join(head)} |", "|" + "---|" * len(head), *(f"| {' | '.join(row)} |" for row in rows)]
