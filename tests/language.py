"""A language check for rendered documents: the errors a careful Swedish reader would mark.

Used by tests over every example's Word and PDF text.  Each rule returns the
offending snippets, so a failing test shows exactly what to fix.
"""

from __future__ import annotations

import re

# A value word where a number or a type belongs ("Standardfelen är inga.").
VALUE_WORD = re.compile(r"\b(?:är|blev|var) (?:inga|ingen|inget|None|nan|NaN)\.")
# An ASCII hyphen-minus used as a minus sign before a number (not a range like 2019-2021 or a word-dash).
HYPHEN_MINUS = re.compile(r"(?:(?<=[\s(=:;])|^)-\s?\d")
# A capital letter mid-sentence right after "för" ("Resultatet för Antal orosanmälningar").
CAPITAL_AFTER_FOR = re.compile(r"(?<=[a-zåäö,]) för (?:Antal|Andel|Medelvärde|Genomsnitt)\b")
# A number under ten written as a digit before a counted noun in running text ("följer 1 indikator").
_NOUNS = ("indikator", "indikatorer", "effektmål", "projekt", "insats", "insatser", "grupp", "grupper", "design",
          "designer", "värde", "värden", "rad", "rader", "kluster", "nämnd", "nämnder", "figur", "figurer",
          "förhållande", "förhållanden", "individer")
DIGIT_COUNT = re.compile(r"(?<![\d,.\-−/])\b([0-9])[\s\u00a0](?:" + "|".join(_NOUNS) + r")\b")
# A decimal point in a Swedish number ("värdet 14.1").
DECIMAL_POINT = re.compile(r"(?<![\d.])\d+\.\d+(?!\d)(?!\.\d)")


def problems(text: str) -> dict[str, list[str]]:
    """Every rule's hits in ``text`` (empty lists when the text is clean)."""
    flat = " ".join(text.split())
    found = {
        "värdeord": VALUE_WORD.findall(flat),
        "bindestreck som minustecken": [flat[max(0, m.start() - 20):m.end() + 5] for m in HYPHEN_MINUS.finditer(flat)],
        "versal efter för": [flat[max(0, m.start() - 20):m.end() + 10] for m in CAPITAL_AFTER_FOR.finditer(flat)],
        "siffra under tio i löptext": [flat[max(0, m.start() - 20):m.end()] for m in DIGIT_COUNT.finditer(flat)],
        "decimalpunkt": [flat[max(0, m.start() - 20):m.end() + 5] for m in DECIMAL_POINT.finditer(flat)],
    }
    return {k: v for k, v in found.items() if v}
