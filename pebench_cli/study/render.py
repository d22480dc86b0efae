"""Report blocks to Markdown and to a self-contained HTML page (figures as base64 PNG)."""
from __future__ import annotations

import base64
import html
from pathlib import Path

from . import findings as FD

def render_md(blocks: list, depth: int = 0) -> str:
    out = []
    for b in blocks:
        if b[0] == "h":
            out.append("#" * b[1] + " " + b[2])
        elif b[0] == "p":
            out.append(b[1])
        elif b[0] == "pre":
            out.append("```\n" + b[1] + "\n```")
        elif b[0] == "ul":
            out.append("\n".join(f"- {x}" for x in b[1]))
        elif b[0] == "table":
            lines = ["| " + " | ".join(map(_md_cell, b[2])) + " |", "|" + "---|" * len(b[2])]
            out.append("\n".join(lines + ["| " + " | ".join(map(_md_cell, r)) + " |" for r in b[3]]))
        elif b[0] == "img":
            out.append(f"![{b[2]}]({b[1]})\n\n*{b[2]}*")
        elif b[0] == "details":                              # markdown: a section of its own
            out.append(f"## {b[1]}\n\n" + render_md(b[2], depth + 1))
    return "\n\n".join(out) + "\n"


def _md_cell(s) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:1400px;color:#222}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.85em}th,td{border:1px solid #bbb;padding:.25em .5em;
text-align:left;vertical-align:top;white-space:nowrap}td:last-child{white-space:normal}th{background:#eef}
img{max-width:100%;border:1px solid #ddd}
figure{margin:1em 0}pre{background:#f6f6f6;padding:.8em;white-space:pre-wrap}summary{cursor:pointer;font-weight:bold}
.held{background:#d9f2d9}.not-held{background:#f8d7d7}.inconclusive{background:#eee}"""


def render_html(blocks: list, title: str, root: Path) -> str:
    """A self-contained page: CSS inline, figures as data: URIs read from ``root``."""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}</style></head><body>\n" + _html(blocks, root) + "\n</body></html>\n")


def _html(blocks: list, root: Path) -> str:
    e = html.escape
    out = []
    for b in blocks:
        if b[0] == "h":
            out.append(f"<h{b[1]}>{e(b[2])}</h{b[1]}>")
        elif b[0] == "p":
            out.append(f"<p>{e(b[1])}</p>")
        elif b[0] == "pre":
            out.append(f"<pre>{e(b[1])}</pre>")
        elif b[0] == "ul":
            out.append("<ul>" + "".join(f"<li>{e(x)}</li>" for x in b[1]) + "</ul>")
        elif b[0] == "table":
            head = "".join(f"<th>{e(str(h))}</th>" for h in b[2])
            body = "".join("<tr>" + "".join(_td(c) for c in r) + "</tr>" for r in b[3])
            out.append(f'<table id="{e(b[1])}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
        elif b[0] == "img":
            data = base64.b64encode((root / b[1]).read_bytes()).decode("ascii")
            out.append(f'<figure><img alt="{e(b[2])}" src="data:image/png;base64,{data}">'
                       f"<figcaption>{e(b[2])}</figcaption></figure>")
        elif b[0] == "details":
            out.append(f"<details><summary>{e(b[1])}</summary>{_html(b[2], root)}</details>")
    return "\n".join(out)


def _td(c) -> str:
    cls = {FD.HELD: "held", FD.NOT_HELD: "not-held"}.get(c, "inconclusive" if str(c).startswith(FD.INCONCLUSIVE) else "")
    return f'<td class="{cls}">{html.escape(str(c))}</td>' if cls else f"<td>{html.escape(str(c))}</td>"
