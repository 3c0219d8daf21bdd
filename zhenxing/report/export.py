"""Offline HTML export of an executed report notebook (nbconvert), and the run folder's shared assets.

The HTML is nbconvert's ``lab`` template without input cells or prompts, with
the blocks that load require.js, MathJax, mermaid and the widget manager from
CDNs removed; any remaining ``<script src>``/``<link href>`` pointing at the
network is stripped (:func:`make_offline`). plotly.js is either the shared
``plotly.min.js`` of the run folder (referenced once per page) or embedded once
per page (``standalone``); extra copies/references made by several figures are
removed. Likewise the template's 260 kB of CSS is linked from the shared
``report.css`` (:func:`report_css`) or, with ``standalone``, inlined: a
standalone report is one self-contained file, a shared-mode report needs its
folder (which is self-contained).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from ..io import bytes_writer, text_writer, write_files


PLOTLY_JS = "plotly.min.js"
REPORT_CSS = "report.css"
_TEMPLATE_NAME = "zhenxing_report.html.j2"

# nbconvert's lab template, minus everything it would fetch from a CDN.
_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block body_header -%}
{{ super() }}
<style type="text/css">
{{ resources.zhenxing_css }}
</style>
{%- endblock body_header -%}
"""

#: The reports' own stylesheet (screen and A4 print), inlined in every page (5 kB): a report opened away from
#: its folder, without the shared report.css, keeps its first screen, tables and print layout.
DOCUMENT_CSS = Path(__file__).with_name("static") / "document.css"

_EXPORTERS: dict[str, object] = {}

_EXTERNAL_TAG = re.compile(
    r"""<script\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//[^>]*>.*?</script\s*>"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//[^>]*>""",
    re.IGNORECASE | re.DOTALL,
)

_SCRIPT_SRC = re.compile(r"""<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["'][^>]*>\s*</script\s*>""", re.IGNORECASE)


def _exporter(lang: str):
    exp = _EXPORTERS.get(lang)
    if exp is None:
        from jinja2 import DictLoader
        from nbconvert import HTMLExporter
        from traitlets.config import Config

        c = Config()
        c.TagRemovePreprocessor.enabled = True
        c.TagRemovePreprocessor.remove_cell_tags = {"remove-cell", "remove_cell"}
        c.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output", "remove_output"}
        exp = HTMLExporter(
            config=c,
            template_name="lab",
            template_file=_TEMPLATE_NAME,
            extra_loaders=[DictLoader({_TEMPLATE_NAME: _TEMPLATE})],
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
        )
        exp.language_code = "zh-CN" if lang == "zh" else "en"
        _EXPORTERS[lang] = exp
    return exp


@functools.lru_cache(maxsize=1)
def _plotly_bundle() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def make_offline(text: str) -> tuple[str, int]:
    """Keep one copy of plotly.js per page and drop network resources.

    * of several ``<script src="...plotly.min.js">`` tags only the first is kept;
    * of several embedded copies of the plotly.js bundle only the first is kept;
    * any ``<script src>`` or ``<link href>`` pointing at ``http(s)://`` or
      ``//`` is removed.

    Returns the new text and the number of network tags removed.
    """
    seen = False

    def dedupe_src(m: re.Match) -> str:
        nonlocal seen
        if m.group(1).rsplit("/", 1)[-1] != PLOTLY_JS or re.match(r"(?:https?:)?//", m.group(1)):
            return m.group(0)
        if seen:
            return ""
        seen = True
        return m.group(0)

    text = _SCRIPT_SRC.sub(dedupe_src, text)
    bundle = _plotly_bundle()
    first = text.find(bundle)
    if first >= 0:
        head = text[: first + len(bundle)]
        text = head + text[len(head):].replace(bundle, "")
    text, removed = _EXTERNAL_TAG.subn("", text)
    return text, removed


_HEAD_STYLE = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)


def _head_css(text: str) -> tuple[str, list[re.Match]]:
    """The CSS of the ``<style>`` blocks in ``<head>`` (joined) and the blocks themselves."""
    end = text.find("</head>")
    blocks = list(_HEAD_STYLE.finditer(text, 0, max(end, 0)))
    return "\n".join(m.group(1).strip() for m in blocks) + "\n", blocks


def _share_head_css(text: str, shared_css: str) -> str:
    """Replace the template's ``<style>`` blocks in ``<head>`` by a link to ``report.css``
    when their CSS is exactly the shared CSS (otherwise leave the page as it is)."""
    css, blocks = _head_css(text)
    if not blocks or css != shared_css:
        return text
    link = f'<link rel="stylesheet" href="{REPORT_CSS}">'
    out, pos = [], 0
    for k, m in enumerate(blocks):
        out.append(text[pos:m.start()])
        if k == 0:
            out.append(link)
        pos = m.end()
    out.append(text[pos:])
    return "".join(out)


def _resources() -> dict:
    """Extra resources for the template: the reports' own CSS."""
    return {"zhenxing_css": DOCUMENT_CSS.read_text(encoding="utf-8")}


def report_css(lang: str = "zh") -> str:
    """The CSS nbconvert's template puts in every page's ``<head>`` (shared as ``report.css``)."""
    import nbformat

    body, _ = _exporter(lang).from_notebook_node(nbformat.v4.new_notebook(), resources=_resources())
    return _head_css(body)[0]


def render_html(nb, title: str, lang: str = "zh", shared_css: str | None = None) -> tuple[str, int]:
    """HTML of an executed notebook without code, titled ``title``, offline.

    Code cells' inputs and all prompts are left out; cells tagged
    ``remove-cell`` are dropped, and so are ``stderr`` streams (warnings stay in
    the executed notebook). With ``shared_css`` (the text of ``report.css``)
    the template's CSS is linked instead of inlined. Returns the HTML and the
    number of network tags removed.
    """
    import copy

    nb = copy.deepcopy(nb)
    nb.metadata["title"] = title
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    body, _ = _exporter(lang).from_notebook_node(nb, resources=_resources())
    if shared_css:
        body = _share_head_css(body, shared_css)
    return make_offline(body)


def export_html(notebook_path: str | Path, html_path: str | Path, title: str, lang: str = "zh") -> Path:
    """Convert an executed notebook to an offline HTML report without code (atomic write)."""
    import nbformat

    nb = nbformat.read(str(notebook_path), as_version=4)
    text, _ = render_html(nb, title, lang=lang)
    return write_files([(Path(html_path), text_writer(text))])[0]


def plotly_js_path() -> Path:
    """plotly.min.js of the installed plotly package (the version its figures are made for)."""
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / PLOTLY_JS


def ensure_shared_assets(run_dir: Path, lang: str) -> None:
    """Write plotly.min.js (from the plotly package) and report.css (nbconvert's
    template CSS) into the run folder, unless they are there already."""
    jobs = []
    for name, data in ((PLOTLY_JS, plotly_js_path().read_bytes()), (REPORT_CSS, report_css(lang).encode("utf-8"))):
        target = run_dir / name
        if not target.is_file() or target.read_bytes() != data:
            jobs.append((target, bytes_writer(data)))
    write_files(jobs)
