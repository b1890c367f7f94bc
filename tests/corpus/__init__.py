"""The corpus of hostile and messy inputs the tests try, in one place so it can be counted.

- ``HOSTILE_TEXTS``: project names, descriptions and indicator names that try
  to become markup, template code, raw Word/Typst/LaTeX, or to hide or flood;
  each either renders literally (``"render"``) or is refused by the loader
  (``"refuse"``).
- ``HOSTILE_YAML``: tricks YAML plays (tags, aliases, Norway, merge keys).
- ``HOSTILE_IDS``: indicator ids (they become file names) that try to escape.
- ``MESSY_FILES``: valid outcome files as Excel, case systems and tired people
  write them; each must load to the same numbers.
- ``MALFORMED``: broken inputs; each must be refused with exit code 2 and a
  Swedish message naming file, row and column.
- ``PERSONAL``: cells that hold a personnummer or samordningsnummer, and
  ordinary values that must not be taken for one.

The README states ``CORPUS_SIZE``; ``tests/test_hostile.py`` checks it.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.conftest import PROJEKT_YAML

MEGABYTE = "Lång text utan slut. " * 50_000  # ~1 MB

# (id, text, expectation)
HOSTILE_TEXTS: list[tuple[str, str, str]] = [
    ("jinja-expression", "Projekt {{ 7*7 }} klart", "render"),
    ("jinja-statement", "{% for x in range(3) %}upprepa{% endfor %}", "render"),
    ("jinja-comment", "Synlig {# dold kommentar #} text", "render"),
    ("jinja-sandbox-escape", "{{ ''.__class__.__mro__[1].__subclasses__() }}", "render"),
    ("jinja-raw", "{% raw %}{{ x }}{% endraw %}", "render"),
    ("openxml-paragraph", '<w:p><w:r><w:t xml:space="preserve">inskjuten</w:t></w:r></w:p>', "render"),
    ("openxml-field", '<w:fldSimple w:instr="INCLUDETEXT C:\\\\hemligt.docx"/>', "render"),
    ("pandoc-raw-openxml-block", "```{=openxml}\n<w:p><w:r><w:t>rå</w:t></w:r></w:p>\n```", "render"),
    ("pandoc-raw-inline", "`<w:br/>`{=openxml} och `#pagebreak()`{=typst}", "render"),
    ("pandoc-raw-typst-block", "```{=typst}\n#read(\"/etc/passwd\")\n```", "render"),
    ("pandoc-raw-latex", "```{=latex}\n\\input{/etc/passwd}\n```", "render"),
    ("typst-set", "#set page(fill: red) #set text(size: 40pt)", "render"),
    ("typst-import", '#import "/etc/passwd": *', "render"),
    ("typst-read", '#read("/etc/passwd")', "render"),
    ("typst-include", '#include "../../../etc/hostname"', "render"),
    ("typst-image", '#image("/etc/passwd")', "render"),
    ("typst-code-block", "#{ let x = 1; x + 1 }", "render"),
    ("typst-math", "$ x^2 + y_1 $", "render"),
    ("latex", "\\documentclass{article} \\input{/etc/passwd} \\write18{rm -rf /}", "render"),
    ("html-script", "<script>alert('xss')</script>", "render"),
    ("html-img", '<img src="x" onerror="alert(1)">', "render"),
    ("html-comment", "före <!-- dold --> efter", "render"),
    ("markdown-heading", "# Rubrik som inte ska bli rubrik", "render"),
    ("markdown-image", "![bild](/etc/passwd)", "render"),
    ("markdown-link", "[klicka här](javascript:alert(1))", "render"),
    ("markdown-table", "| a | b |\n|---|---|\n| 1 | 2 |", "render"),
    ("markdown-footnote-citation", "Text^[fotnot] enligt @doe2020 och [@ref]", "render"),
    ("pandoc-div-attributes", "::: {.hidden custom-style=\"Title\"}\ndolt\n:::", "render"),
    ("pandoc-span-attributes", "[text]{custom-style=\"Heading 1\"} {#id .klass}", "render"),
    ("quarto-shortcode", "{{< pagebreak >}} {{< include /etc/passwd >}}", "render"),
    ("yaml-front-matter", "---\ntitle: kapad\n---", "render"),
    ("yaml-python-tag", "!!python/object/apply:os.system ['echo pwned']", "render"),
    ("yaml-alias-text", "*alias &ankare << : sammanslagning", "render"),
    ("yaml-norway", "no", "render"),
    ("yaml-date-like", "2021-03-01", "render"),
    ("yaml-null-like", "~", "render"),
    ("backslashes", "C:\\Windows\\System32\\ och \\\\server\\delad", "render"),
    ("path-traversal", "../../etc/passwd", "render"),
    ("path-traversal-windows", "..\\..\\Windows\\win.ini", "render"),
    ("punctuation-storm", "*_`~^[]()<>{}#+-.!|$@:&;=\"'%/,?\\", "render"),
    ("swedish-and-unicode", "Åsa Öberg-Ärlig, café, naïve, Łódź, Ελλάδα, עברית", "render"),
    ("long-word", "Lång" + "a" * 300, "render"),
    ("bell-and-escape", "ljud\x07 och \x1b[31mfärg\x1b[0m", "refuse"),
    ("nul-byte", "noll\x00byte", "refuse"),
    ("right-to-left-override", "faktura\u202egpj.exe", "refuse"),
    ("bidi-isolate", "text \u2066dold\u2069 text", "refuse"),
    ("c1-control", "kontroll\x9btecken", "refuse"),
    ("megabyte", MEGABYTE, "refuse"),
]

# (id, YAML written in place of the line 'projekt: Testprojekt', expectation): tricks YAML itself plays
HOSTILE_YAML: list[tuple[str, str, str]] = [
    ("python-tag", "projekt: !!python/object/apply:os.system ['echo pwned']", "refuse"),
    ("python-name-tag", "projekt: !<tag:yaml.org,2002:python/name:os.system> x", "render"),
    ("binary-tag", "projekt: !!binary aGVq", "render"),
    ("norway", "projekt: no", "render"),
    ("date", "projekt: 2021-03-01", "render"),
    ("null", "projekt: ~", "render"),
    ("list", "projekt: [a, b]", "refuse"),
    ("mapping", "projekt: {namn: x}", "refuse"),
    ("anchor-alias", "projekt: &namn Testprojekt\nmålgrupp: *namn", "refuse"),
    ("merge-key", "<<: {projekt: x}", "refuse"),
    ("complex-key", "? [projekt]\n: x", "refuse"),
    ("directive", "%YAML 1.1\n---\nprojekt: Testprojekt", "render"),
    ("second-document", "projekt: Testprojekt\n---\nprojekt: Annat", "refuse"),
    ("literal-block", "projekt: |\n  rad ett\n  rad två", "render"),
    ("escaped-control", 'projekt: "klocka\\a"', "refuse"),
    ("escaped-rtl", 'projekt: "faktura\\u202Egpj.exe"', "refuse"),
]

# (id, indicator id, accepted?)
HOSTILE_IDS: list[tuple[str, str, bool]] = [
    ("traversal", "../../etc/x", False),
    ("slash", "a/b", False),
    ("absolute", "/tmp/x", False),
    ("dotfile", ".dold", False),
    ("space", "två ord", False),
    ("backslash", "..\\x", False),
    ("too-long", "x" * 65, False),
    ("swedish-letters", "hög_frånvaro", True),
    ("dash-digits", "ind-2021", True),
]


@dataclass(frozen=True)
class Messy:
    """A valid outcome file in an awkward form; it must load to ``VALUES``."""

    id: str
    data: bytes
    name: str = "utfall.csv"


VALUES = [0.3, 1234.5, 0.25, 1234567.0]
GROUPS = ["insats", "jämförelse", "insats", "jämförelse"]
PERIODS = ["2019", "2019", "2020", "2020"]


def _csv(header: str, rows: list[str], *, sep: str = ";", eol: str = "\n", encoding: str = "utf-8") -> bytes:
    return (eol.join([header.replace(";", sep)] + rows) + eol).encode(encoding)


def _xlsx(sheets: list[str], trailing: int) -> bytes:
    """A workbook whose data sit on the sheet whose name folds to 'utfall', numbers and text mixed."""
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = sheets[0]
    for name in sheets[1:]:
        wb.create_sheet(name)
    for name in sheets:
        ws = wb[name]
        if name.lower() != "utfall":
            ws.append(["Fyll i bladet utfall.", "Kontakt: kommunens utvärderare"])
            continue
        ws.append(["Indikator", "Grupp", "Period", "Värde"] + [None] * trailing)
        ws.append(["ind1", "insats", 2019, 0.3] + [None] * trailing)
        ws.append(["ind1", "Jämförelse", "2019", "1 234,5"] + [None] * trailing)
        ws.append([None] * 4)
        ws.append(["ind1", "insats", "2020", "0,25"] + [""] * trailing)
        ws.append(["ind1", "jämförelse", 2020, 1234567] + [None] * trailing)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_SEMI = ["ind1;insats;2019;0,3", "ind1;jämförelse;2019;1 234,5", "ind1;insats;2020;0,25",
         "ind1;jämförelse;2020;1 234 567"]
_HEAD = "indikator;grupp;period;värde"

MESSY_FILES: list[Messy] = [
    Messy("utf8-semicolon-decimal-comma", _csv(_HEAD, _SEMI)),
    Messy("utf8-bom", b"\xef\xbb\xbf" + _csv(_HEAD, _SEMI)),
    Messy("windows-1252", _csv(_HEAD, _SEMI, encoding="cp1252")),
    Messy("windows-1252-crlf", _csv(_HEAD, _SEMI, eol="\r\n", encoding="cp1252")),
    Messy("utf16-tab-excel-unicode-text", _csv(_HEAD, [r.replace(";", "\t") for r in _SEMI], sep="\t",
                                                 eol="\r\n", encoding="utf-16")),
    Messy("comma-separated-decimal-point", _csv(_HEAD, ["ind1,insats,2019,0.3", "ind1,jämförelse,2019,1234.5",
                                                        "ind1,insats,2020,0.25", "ind1,jämförelse,2020,1234567"],
                                                sep=",")),
    Messy("comma-separated-quoted-decimal-comma", _csv(_HEAD, ['ind1,insats,2019,"0,3"',
                                                               'ind1,jämförelse,2019,"1 234,5"',
                                                               'ind1,insats,2020,"0,25"',
                                                               'ind1,jämförelse,2020,"1 234 567"'], sep=",")),
    Messy("tab-separated", _csv(_HEAD, [r.replace(";", "\t") for r in _SEMI], sep="\t")),
    Messy("thousands-nbsp-and-narrow-nbsp", _csv(_HEAD, ["ind1;insats;2019;0,3", "ind1;jämförelse;2019;1\u00a0234,5",
                                                         "ind1;insats;2020;0,25",
                                                         "ind1;jämförelse;2020;1\u202f234\u202f567"])),
    Messy("thousands-dot-decimal-comma", _csv(_HEAD, ["ind1;insats;2019;0,3", "ind1;jämförelse;2019;1.234,5",
                                                      "ind1;insats;2020;0,25", "ind1;jämförelse;2020;1.234.567,0"])),
    Messy("blank-lines-and-separator-only-lines", _csv(_HEAD, ["", _SEMI[0], ";;;", "", _SEMI[1], _SEMI[2], "  ",
                                                               _SEMI[3], "", ""])),
    Messy("stray-spaces", _csv(" Indikator ; GRUPP ;period ; Värde ", [" ind1 ; insats ; 2019 ; 0,3 ",
                                                                       "ind1;  Jämförelse;2019 ;  1 234,5",
                                                                       "ind1 ;insats;2020; 0,25", _SEMI[3]])),
    Messy("ascii-folded-headers-and-groups", _csv("INDIKATOR;Grupp;PERIOD;Varde",
                                                  ["ind1;INSATS;2019;0,3", "ind1;jamforelse;2019;1 234,5",
                                                   "ind1;Insats;2020;0,25", "ind1;Jamforelse;2020;1 234 567"])),
    Messy("all-fields-quoted", _csv('"indikator";"grupp";"period";"värde"',
                                    ['"ind1";"insats";"2019";"0,3"', '"ind1";"jämförelse";"2019";"1 234,5"',
                                     '"ind1";"insats";"2020";"0,25"', '"ind1";"jämförelse";"2020";"1 234 567"'])),
    Messy("excel-trailing-empty-columns", _csv(_HEAD + ";;;", [r + ";;;" for r in _SEMI], eol="\r\n",
                                               encoding="cp1252")),
    Messy("extra-columns-kept-aside", _csv(_HEAD + ";kommentar", [r + ";ok" for r in _SEMI])),
    Messy("unicode-minus-and-plus", _csv(_HEAD, ["ind1;insats;2019;+0,3", "ind1;jämförelse;2019;1 234,5",
                                                 "ind1;insats;2020;0,25", "ind1;jämförelse;2020;1 234 567"])),
    Messy("old-mac-cr-line-endings", _csv(_HEAD, _SEMI, eol="\r")),
    Messy("xlsx-sheet-utfall-after-instructions", _xlsx(["Instruktioner", "utfall"], trailing=0), "utfall.xlsx"),
    Messy("xlsx-sheet-named-Utfall-with-empty-columns", _xlsx(["Utfall", "Rådata"], trailing=3), "utfall.xlsx"),
]

# (id, file name, content (None: the file is absent), what a problem must name: (file, row, column); None: any)
MALFORMED: list[tuple[str, str, bytes | None, tuple[str, int | None, str | None]]] = [
    ("missing-outcome", "utfall.csv", None, ("utfall.csv", None, None)),
    ("empty-outcome", "utfall.csv", b"", ("utfall.csv", None, None)),
    ("header-only", "utfall.csv", b"indikator;grupp;period;v\xc3\xa4rde\n", ("utfall.csv", 2, None)),
    ("missing-column", "utfall.csv", b"indikator;grupp;period\nind1;insats;2019\n", ("utfall.csv", 1, "värde")),
    ("duplicate-column", "utfall.csv", "indikator;grupp;period;värde;Varde\nind1;insats;2019;1;2\n".encode(),
     ("utfall.csv", 1, "Varde")),
    ("unknown-indicator", "utfall.csv", "indikator;grupp;period;värde\nind1;insats;2019;0,3\nokänd;insats;2020;0,2\n"
     .encode(), ("utfall.csv", 3, "indikator")),
    ("unknown-group", "utfall.csv", "indikator;grupp;period;värde\nind1;insats;2019;0,3\nind1;kontroll;2020;0,2\n"
     .encode(), ("utfall.csv", 3, "grupp")),
    ("impossible-month", "utfall.csv", "indikator;grupp;period;värde\nind1;insats;2019;0,3\nind1;insats;2021-13;0,2\n"
     .encode(), ("utfall.csv", 3, "period")),
    ("impossible-day", "utfall.csv", "indikator;grupp;period;värde\nind1;insats;2019;0,3\nind1;insats;2021-02-30;0,2\n"
     .encode(), ("utfall.csv", 3, "period")),
    ("non-numeric", "utfall.csv", "indikator;grupp;period;värde\nind1;insats;2019;0,3\nind1;insats;2020;hög\n".encode(),
     ("utfall.csv", 3, "värde")),
    ("percent-sign", "utfall.csv", "indikator;grupp;period;värde\nind1;insats;2019;0,3\nind1;insats;2020;12 %\n".encode(),
     ("utfall.csv", 3, "värde")),
    ("decimal-comma-in-comma-file", "utfall.csv", b"indikator,grupp,period,v\xc3\xa4rde\nind1,insats,2019,0,3\n"
     b"ind1,insats,2020,0.2\n", ("utfall.csv", 2, "nr 5")),
    ("duplicated-unit-row", "utfall.csv", "indikator;grupp;period;värde;enhet\nind1;insats;2019;1;A\n"
     "ind1;insats;2019;0;A\nind1;insats;2020;0;A\n".encode(), ("utfall.csv", 3, "enhet")),
    ("start-after-all-data", "projekt.yaml", PROJEKT_YAML.replace("2020-01-01", "2030-01-01").encode(),
     ("utfall.csv", None, "period")),
    ("megabyte-cell", "utfall.csv", ("indikator;grupp;period;värde;enhet\nind1;insats;2019;0,3;" + "x" * 1_048_576
                                     + "\nind1;insats;2020;0,2;B\n").encode(), ("utfall.csv", 2, "enhet")),
    ("control-character-cell", "utfall.csv", "indikator;grupp;period;värde;enhet\nind1;insats;2019;0,3;A\x07\n"
     "ind1;insats;2020;0,2;B\n".encode(), ("utfall.csv", 2, "enhet")),
    ("binary-garbage", "utfall.csv", bytes(range(256)) * 64, ("utfall.csv", None, None)),
    ("nul-bytes", "utfall.csv", b"indikator;grupp\x00;period;v\x00rde\n" * 3, ("utfall.csv", None, None)),
    ("workbook-named-csv", "utfall.csv", b"PK\x03\x04" + b"\x00" * 100, ("utfall.csv", None, None)),
    ("text-named-xlsx", "utfall.xlsx", "indikator;grupp;period;värde\nind1;insats;2019;0,3\n".encode(),
     ("utfall.xlsx", None, None)),
    ("missing-projekt-yaml", "projekt.yaml", None, ("projekt.yaml", None, None)),
    ("empty-projekt-yaml", "projekt.yaml", b"", ("projekt.yaml", None, None)),
    ("broken-yaml", "projekt.yaml", b"projekt: [oavslutad\nindikatorer:\n", ("projekt.yaml", None, None)),
    ("yaml-tab-indent", "projekt.yaml", b"projekt: x\n\tindikatorer: []\n", ("projekt.yaml", 2, None)),
    ("yaml-control-character", "projekt.yaml", b"projekt: x\x07y\n", ("projekt.yaml", 1, None)),
    ("yaml-alias-bomb", "projekt.yaml", b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a]\n"
     b"c: [*b, *b, *b, *b, *b, *b, *b]\n", ("projekt.yaml", 2, None)),
    ("yaml-duplicate-key", "projekt.yaml", (PROJEKT_YAML + "Projekt: Ett annat namn\n").encode(),
     ("projekt.yaml", PROJEKT_YAML.count("\n") + 1, "Projekt")),
    ("yaml-deep-nesting", "projekt.yaml", b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n", ("projekt.yaml", None, None)),
    ("yaml-binary", "projekt.yaml", bytes(range(256)) * 16, ("projekt.yaml", None, None)),
    ("yaml-not-a-mapping", "projekt.yaml", b"- bara\n- en lista\n", ("projekt.yaml", None, None)),
    ("bad-start-date", "projekt.yaml", PROJEKT_YAML.replace("2020-01-01", "2020-02-30").encode(),
     ("projekt.yaml", None, "insatsstart")),
    ("bad-indicator-type", "projekt.yaml", PROJEKT_YAML.replace("typ: andel", "typ: procent").encode(),
     ("projekt.yaml", None, "indikatorer[1].typ")),
]

# (id, cell text, is it a personnummer/samordningsnummer?)
PERSONAL: list[tuple[str, str, bool]] = [
    ("12-digits-dash", "19121212-1212", True),
    ("12-digits-plain", "191212121212", True),
    ("10-digits-dash", "121212-1212", True),
    ("10-digits-plain", "1212121212", True),
    ("10-digits-plus-centenarian", "121212+1212", True),
    ("samordningsnummer", "19900572-0009", True),
    ("samordningsnummer-10", "900572-0009", True),
    ("inside-text", "Elev 20050612-2381 har slutat", True),
    ("spaces-around", "  200506122381 ", True),
    ("count-without-check-digit", "1234567890", False),
    ("wrong-check-digit", "19121212-1213", False),
    ("impossible-date-valid-check-digit", "19121312-1211", False),
    ("impossible-samordning-day", "19900592-0005", False),
    ("future-year", "29121212-1212", False),
    ("amount-decimal-comma", "1212121212,5", False),
    ("amount-decimals", "121212,1212", False),
    ("amount-with-spaces", "1 212 121 212", False),
    ("iso-date", "2021-03-15", False),
    ("compact-date", "20210315", False),
    ("diarienummer", "KSN-2018-0421", False),
    ("organisationsnummer", "556016-0680", False),
    ("phone-number", "070-123 45 67", False),
    ("longer-number", "12121212121212", False),
    ("pseudonym", "P-1a2b3c4d5e6f", False),
]

CORPUS_SIZE = len(HOSTILE_TEXTS) + len(HOSTILE_YAML) + len(HOSTILE_IDS) + len(MESSY_FILES) + len(MALFORMED) + len(PERSONAL)
