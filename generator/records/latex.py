"""LaTeX as BibTeX values hold it: decoded to Unicode text for pages, and text escaped back."""

from __future__ import annotations

import re
import unicodedata

_LATEX_ACCENTS = {
    "`": "\u0300",
    "'": "\u0301",
    "^": "\u0302",
    '"': "\u0308",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
}
_LATEX_SYMBOLS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "oe": "œ",
    "OE": "Œ",
    "&": "&",
    "%": "%",
    "_": "_",
    "$": "$",
    "#": "#",
}


def decode_latex(text: str) -> str:
    """`{\\"u}` -> ü, `\\'{e}` -> é, `{GAN}s` -> GANs, `\\%` -> %, `--` -> –; math ($...$) is kept
    exactly as written, and an escaped `\\$` is a dollar sign, not math."""
    text = text.replace(r"\$", "\x03")
    parts = re.split(r"(\$[^$]+\$)", text)
    decoded = "".join(part if part.startswith("$") else _decode_text(part) for part in parts)
    return decoded.replace("\x03", "$")


def _decode_text(text: str) -> str:
    def accent(match: re.Match[str]) -> str:
        mark, letter = match.group(1), match.group(2) or match.group(3)
        return unicodedata.normalize("NFC", letter + _LATEX_ACCENTS[mark])

    # Escaped braces and backslashes are text: park them while braces are stripped.
    text = text.replace(r"\textbackslash{}", "\x02").replace(r"\{", "\x00").replace(r"\}", "\x01")
    text = text.replace(r"\textasciitilde{}", "~").replace(r"\textasciicircum{}", "^")
    text = re.sub(r"\\([`'^\"~=.uvHck])\s*(?:\{\\?([A-Za-z])\}|\\?([A-Za-z]))", accent, text)
    text = re.sub(r"\\([&%_#])", lambda m: m.group(1), text)
    text = re.sub(
        r"\{?\\(ss|ae|AE|aa|AA|oe|OE|[oOlLi])\}?(?![A-Za-z])\s?", lambda m: _LATEX_SYMBOLS[m.group(1)], text
    )
    text = re.sub(r"\\(?:textbf|textit|emph|textrm|textsc|mathrm)\{([^{}]*)\}", r"\1", text)
    text = text.replace("---", "—").replace("--", "–").replace("``", "“").replace("''", "”")
    # Braces that only protect capitals ({GAN}s, {B}ayesian) go.
    text = text.replace("{", "").replace("}", "")
    return text.replace("\x00", "{").replace("\x01", "}").replace("\x02", "\\")


# Characters BibTeX treats as syntax inside a braced value.
_BIBTEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIBTEX_TABLE = str.maketrans(_BIBTEX_SPECIAL)


def bibtex_escape(text: str) -> str:
    """Plain text as a BibTeX value that decode_latex gives back."""
    escaped = " ".join(text.split()).translate(_BIBTEX_TABLE)
    # LaTeX ligatures ("--" is a dash, "``" a quote) are broken up to stay as typed.
    for pair in ("--", "``", "''"):
        while pair in escaped:
            escaped = escaped.replace(pair, pair[0] + "{}" + pair[1])
    return escaped
