"""From results to documents: Jinja2 → Quarto markdown → Word and PDF.

Templates in ``templates/`` are rendered in a sandbox, and every value that
comes from the inputs is escaped for Markdown on its way out, so a project
name can never become markup, a raw OpenXML/Typst block or template code.
The Markdown is then rendered by ``quarto render`` where Quarto is on the
PATH, and otherwise by the built-in renderer (pandoc to .docx with the
reference document; pandoc to Typst compiled by the ``typst`` package to
PDF/A-2b). Both read their options from ``_quarto.yml``.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import sys
import unicodedata
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .. import paths
from ..errors import RenderError
from ..settings import SETTINGS

RENDERER_BUILTIN = "inbyggd (pandoc + typst)"
RENDERER_QUARTO = "quarto"

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~^$@:&;=\"'%/,?])")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
_LEFTOVER = re.compile(r"(?<!\\)\{(?<!\\)[{%#]|(?<!\\)[%}](?<!\\)\}")


class Raw(str):
    """Markdown we wrote ourselves; passes the escaping untouched."""


def escape_md(value: Any) -> str:
    """Escape text for pandoc Markdown so that it renders literally.

    Pandoc lets any ASCII punctuation be backslash-escaped, so escaping all of
    it is always safe; line breaks inside a value fold to spaces.
    """
    if isinstance(value, Raw):
        return str(value)
    text = _CONTROL.sub("", unicodedata.normalize("NFC", str(value)))
    text = _SPACES.sub(" ", text).strip()  # ASCII white space only: non-breaking spaces must survive
    return _MD_SPECIAL.sub(r"\\\1", text)


def escape_paragraphs(value: Any) -> Raw:
    """Escape a multi-paragraph text, keeping blank-line paragraph breaks."""
    parts = re.split(r"\n\s*\n", _CONTROL.sub("", str(value)))
    return Raw("\n\n".join(escape_md(p) for p in parts if p.strip()))


def _finalize(value: Any) -> str:
    if value is None:
        return ""
    return escape_md(value)


def environment(template_dir: Path | None = None, filters: Mapping[str, Callable[..., Any]] | None = None
                ) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(str(template_dir or paths.TEMPLATES)),
        undefined=StrictUndefined,
        autoescape=False,
        finalize=_finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = escape_md
    env.filters["stycken"] = escape_paragraphs
    env.filters["raw"] = Raw
    if filters:
        env.filters.update(filters)
    return env


def check_leftovers(markdown: str, name: str) -> None:
    """Fail when our own template syntax survived into the output."""
    m = _LEFTOVER.search(markdown)
    if m:
        line = markdown.count("\n", 0, m.start()) + 1
        raise RenderError(f"Mallen {name} lämnade kvar mallsyntax ('{m.group(0)}') på rad {line} i den genererade texten.")


def quarto_options(config: Path | None = None) -> dict[str, Any]:
    """Read the format options from ``_quarto.yml``."""
    path = config or paths.QUARTO_CONFIG
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return data


@dataclass(frozen=True)
class Rendered:
    """One document in its two formats, plus the Markdown it came from."""

    name: str
    source: Path
    docx: Path
    pdf: Path
    renderer: str


def renderer_in_use() -> str:
    """Quarto where it is installed (unless SIF_EVAL_RENDERER=inbyggd), else the built-in one."""
    if SETTINGS.renderer == "inbyggd":
        return RENDERER_BUILTIN
    return RENDERER_QUARTO if shutil.which("quarto") else RENDERER_BUILTIN


def write_source(template: str, context: Mapping[str, Any], meta: Mapping[str, Any], out: Path,
                 filters: Mapping[str, Callable[..., Any]] | None = None, template_dir: Path | None = None) -> Path:
    """Render a Jinja2 template to a Quarto markdown file with YAML front matter."""
    env = environment(template_dir, filters)
    body = env.get_template(template).render(**context)
    check_leftovers(body, template)
    front = yaml.safe_dump(dict(meta), allow_unicode=True, sort_keys=False, width=10_000)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"---\n{front}---\n\n{body}", encoding="utf-8")
    return out


def _epoch(report_date: dt.date) -> int:
    return int(dt.datetime(report_date.year, report_date.month, report_date.day, 12, tzinfo=dt.UTC).timestamp())


def render(source: Path, out_dir: Path, report_date: dt.date, *, title: str, author: str,
           alt_texts: Mapping[str, str] | None = None, config: Path | None = None,
           root: Path | None = None) -> Rendered:
    """Render one Quarto markdown file to ``<stem>.docx`` and ``<stem>.pdf`` in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = source.stem
    docx, pdf = out_dir / f"{stem}.docx", out_dir / f"{stem}.pdf"
    opts = quarto_options(config)
    which = renderer_in_use()
    if which == RENDERER_QUARTO:
        _render_quarto(source, docx, pdf, config or paths.QUARTO_CONFIG)
    else:
        _render_builtin(source, docx, pdf, opts, report_date, root or source.parent.parent, config)
    finish_docx(docx, report_date, title=title, author=author, lang=str(opts.get("lang", "sv-SE")),
                alt_texts=alt_texts or {})
    return Rendered(name=stem, source=source, docx=docx, pdf=pdf, renderer=which)


# ------------------------------------------------------------------ built-in


def _pandoc() -> str:
    try:
        import pypandoc

        return pypandoc.get_pandoc_path()
    except Exception as exc:  # noqa: BLE001
        raise RenderError("pandoc saknas. Installera paketet: pip install pypandoc-binary") from exc


UTF8_LOCALE = "C.UTF-8" if sys.platform.startswith("linux") else "en_US.UTF-8"


def utf8_environment(base: Mapping[str, str] | None = None, **extra: str) -> dict[str, str]:
    """The caller's environment with a UTF-8 locale: pandoc (Haskell) cannot write å/ä/ö paths under LC_ALL=C."""
    env = dict(os.environ if base is None else base)
    env.update(LC_ALL=UTF8_LOCALE, LANG=UTF8_LOCALE, LC_CTYPE=UTF8_LOCALE, **extra)
    return env


def tool_message(stderr: str, limit: int = 1500) -> str:
    """A tool's error without a Haskell call stack or Rust backtrace: what it said, not where it was."""
    kept = []
    for line in stderr.strip().splitlines():
        if re.match(r"\s*(CallStack \(from HasCallStack\)|HasCallStack backtrace|stack backtrace|note: run with)",
                    line):
            break
        if line.strip():
            kept.append(line.strip())
    return " ".join(kept)[:limit] or "inget felmeddelande"


def _run_pandoc(args: list[str], env: dict[str, str], cwd: Path) -> None:
    proc = subprocess.run([_pandoc(), *args], capture_output=True, text=True, encoding="utf-8", errors="replace",
                          env=utf8_environment(env), cwd=str(cwd))
    if proc.returncode != 0:
        raise RenderError(f"pandoc misslyckades ({proc.returncode}): {tool_message(proc.stderr)}")


def _resolve(config: Path | None, value: str) -> str:
    base = (config or paths.QUARTO_CONFIG).parent
    p = Path(value)
    return str(p if p.is_absolute() else base / p)


def front_matter(source: Path) -> dict[str, Any]:
    """The YAML front matter of a Quarto markdown file."""
    text = source.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        return {}
    end = text.find("\n---\n", 4)
    return (yaml.safe_load(text[4:end]) or {}) if end > 0 else {}


def _render_builtin(source: Path, docx: Path, pdf: Path, opts: dict[str, Any], report_date: dt.date,
                    root: Path, config: Path | None) -> None:
    fmt = opts.get("format", {}) or {}
    meta = front_matter(source)
    # A document's own front matter wins over _quarto.yml, as in Quarto.
    dopts = {**(fmt.get("docx", {}) or {}), **{k: v for k, v in meta.items() if k in ("toc", "toc-depth")}}
    topts = {**(fmt.get("typst", {}) or {}), **{k: v for k, v in meta.items() if k in ("toc", "toc-depth")}}
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(_epoch(report_date)))
    filters = [arg for f in opts.get("filters", []) or [] for arg in ("--lua-filter", _resolve(config, f))]
    common = [*filters, "--from", "markdown-smart", "--resource-path", str(source.parent),
              "--metadata", f"lang={opts.get('lang', 'sv-SE')}",
              "--metadata", f"toc-title={opts.get('toc-title', 'Innehåll')}"]
    dargs = [str(source), "--to", "docx", "--output", str(docx), *common]
    if dopts.get("reference-doc"):
        dargs += ["--reference-doc", _resolve(config, dopts["reference-doc"])]
    if dopts.get("toc"):
        dargs += ["--toc", f"--toc-depth={dopts.get('toc-depth', 3)}"]
    _run_pandoc(dargs, env, source.parent)

    typ = source.with_suffix(".typ")
    targs = [str(source), "--to", "typst", "--output", str(typ), "--standalone", *common]
    if topts.get("template"):
        targs += ["--template", _resolve(config, topts["template"])]
    for key in ("papersize", "mainfont", "fontsize"):
        if topts.get(key):
            targs += ["--variable", f"{key}={topts[key]}"]
    for key, value in (topts.get("margin") or {}).items():
        targs += ["--variable", f"margin.{key}={value}"]
    if topts.get("toc"):
        targs += ["--toc", "--variable", f"toc-depth={topts.get('toc-depth', 3)}"]
    _run_pandoc(targs, env, source.parent)
    _fix_typst_image_paths(typ, root)
    compile_typst(typ, pdf, root, report_date, standard=str(topts.get("pdf-standard", "a-2b")))


def _fix_typst_image_paths(typ: Path, root: Path) -> None:
    """Typst resolves image paths from the file; make them root-absolute so the root may differ."""
    text = typ.read_text(encoding="utf-8")
    rel = typ.parent.relative_to(root)

    def repl(m: re.Match[str]) -> str:
        target = Path(m.group(1))
        if target.is_absolute():
            return m.group(0)
        return f'image("/{(rel / target).as_posix()}"'

    typ.write_text(re.sub(r'image\("([^"]+)"', repl, text), encoding="utf-8")


def compile_typst(typ: Path, pdf: Path, root: Path, report_date: dt.date, standard: str = "a-2b") -> None:
    """Compile with only the fonts the typst package embeds: same PDF on every machine."""
    import typst

    try:
        data = typst.compile(str(typ), root=str(root), font_paths=[], ignore_system_fonts=True,
                             pdf_standards=[standard], timestamp=_epoch(report_date))
    except Exception as exc:  # noqa: BLE001 - typst raises its own error types
        raise RenderError(f"Typst kunde inte skapa PDF från {typ.name}: {tool_message(str(exc))}") from exc
    tmp = pdf.with_name(f".{pdf.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, pdf)


def _render_quarto(source: Path, docx: Path, pdf: Path, config: Path) -> None:
    shutil.copyfile(config, source.parent / "_quarto.yml")
    for fmt, target in (("docx", docx), ("typst", pdf)):
        proc = subprocess.run(["quarto", "render", source.name, "--to", fmt], cwd=str(source.parent),
                              capture_output=True, text=True, encoding="utf-8", errors="replace",
                              env=utf8_environment())
        if proc.returncode != 0:
            raise RenderError(f"quarto render --to {fmt} misslyckades: {proc.stderr.strip()[-2000:]}")
        produced = source.with_suffix(".pdf" if fmt == "typst" else ".docx")
        shutil.move(str(produced), target)


# ------------------------------------------------------------------ docx finishing

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def finish_docx(path: Path, report_date: dt.date, *, title: str, author: str, lang: str,
                alt_texts: Mapping[str, str]) -> None:
    """Set properties and alternative texts, and fix every zip timestamp.

    Pandoc takes an image's description from its caption; Word users and
    screen readers need the real alternative text, so we set ``descr`` from
    ``alt_texts`` (keyed by the image's file name).  Zip entries get the
    report date, so the same inputs give the same bytes.
    """
    from docx import Document

    doc = Document(str(path))
    core = doc.core_properties
    moment = dt.datetime(report_date.year, report_date.month, report_date.day, 12, 0, 0)
    core.title, core.author, core.language = title, author, lang
    core.last_modified_by, core.created, core.modified = author, moment, moment
    core.revision = 1
    body = doc.element.body
    for doc_pr in body.iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"):
        pic = doc_pr.getparent()
        names = [el.get("descr") for el in pic.iter("{http://schemas.openxmlformats.org/drawingml/2006/picture}cNvPr")]
        for name in names:
            if name and Path(name).name in alt_texts:
                doc_pr.set("descr", alt_texts[Path(name).name])
    buf = io.BytesIO()
    doc.save(buf)
    normalise_zip(buf.getvalue(), path, moment)


def normalise_zip(data: bytes, target: Path, moment: dt.datetime) -> None:
    """Rewrite a zip (docx) with fixed timestamps and a fixed entry order."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    first = [n for n in names if n == "[Content_Types].xml"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name in first + [n for n in names if n not in first]:
            info = zipfile.ZipInfo(name, date_time=moment.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name))
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_bytes(out.getvalue())
    os.replace(tmp, target)
