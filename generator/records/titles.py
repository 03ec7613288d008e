"""Readable titles for abstracts that came without one.

When the abstract introduces a named method ("we present VAPO, Value-based Augmented Proximal
Policy Optimization ...", "we introduce the Harmony Multi-Task Decision Transformer (HarmoDT)"),
the title is "NAME: Expansion"; otherwise it is the subject phrase of the first sentence.
"""

from __future__ import annotations

import re

MAX_TITLE_WORDS = 12

_LATEX_WRAPPED = re.compile(r"\$\s*\\(?:textbf|mathbf|textit|mathit|text|mathrm|emph)\{([^{}$]*)\}\s*\$")
_LATEX_INLINE = re.compile(r"\\(?:textbf|mathbf|textit|mathit|text|mathrm|emph)\{([^{}]*)\}")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
_INTRO = re.compile(
    r"\b(?:we|this (?:paper|work|study|article)|the paper)\s+(?:also\s+)?"
    r"(?:propose[sd]?|present[s]?|presented|introduce[sd]?|develop(?:s|ed)?|design(?:s|ed)?|"
    r"build[s]?|offer[s]?|contribute[s]?|create[sd]?|release[sd]?|construct(?:s|ed)?|curate[sd]?)\b"
    r"|\b(?:called|named|dubbed|termed|coined)(?=\s+[\"'“]?[A-Z])",
    re.IGNORECASE,
)
# A method name: one token with a capital after its first letter (VAPO, HarmoDT, ChestX-Reasoner,
# Rank-R1), not an ordinary capitalised word.
_NAME = r"[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*"
# Acronyms of the field, not names of a paper's method.
_COMMON_ACRONYMS = frozenset(
    "AI ML NLP CV RL LLM LLMs MLLM MLLMs VLM VLMs LM LMs GPU GPUs CPU CNN CNNs RNN GNN GNNs LSTM "
    "SOTA API APIs QA VQA NER RAG ViT ViTs GPT GAN GANs VAE MoE 2D 3D 4D IoT UAV UAVs EEG MRI CT".split()
)
_NAME_TOKEN = re.compile(r"(?<![\w-])(" + r"[A-Z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*" + r")(?![\w-])")
_PAREN_NAME = re.compile(r"\((" + _NAME + r")\)")
_NAME_AFTER_INTRO = re.compile(
    r"^\s*(?:the\s+|a\s+|an\s+)?("
    + _NAME
    + r")\b\s*(?P<sep>[,:(]|\s+as\b|\s+is\b|\s+which\b|\s+that\b|\s+to\b)?"
)
_CONNECTORS = {"and", "of", "for", "with", "from", "in", "on", "via", "to", "by", "-", "&"}
_APPOSITIVE_STOP = re.compile(
    r"(?<![\w-])(?:that|which|designed|to|for|tailored|built|trained|capable|where|using|based|with|"
    r"by|via|enabling|allowing)\b|[,;:.(]"
)
_FILLER = {"novel", "new", "simple", "effective", "efficient", "general", "unified"}
_ARTICLES = {"a", "an", "the", "our"}
_SUBJECT_STOP = re.compile(
    r"\s(?:is|are|was|were|has|have|had|can|could|may|might|will|would|should|remains?|"
    r"presents?|plays?|shows?|poses?|becomes?|has|empowers?|severely|often|typically|"
    r"significantly|offers?|provides?|requires?|enables?|brings?|suffers?|relies|rely|"
    r"involves?|introduces?|leads?|aims?|seeks?|we|known)\b"
    r"|\s\(|[,;:]"
)


def clean_latex(text: str) -> str:
    """Drop the LaTeX wrapping that arXiv abstracts use for emphasis: `$\\textbf{D}$ecoupled`."""
    text = _LATEX_WRAPPED.sub(r"\1", text)
    return _LATEX_INLINE.sub(r"\1", text)


def _fix_case(word: str) -> str:
    # "sAmpling" (a letter bolded to spell an acronym) reads as "Sampling".
    if re.fullmatch(r"[a-z][A-Z][a-z]+", word):
        return word[0].upper() + word[1:].lower()
    return word


def _capitalised(word: str) -> bool:
    return bool(word) and (word[0].isupper() or word[0].isdigit())


def _expansion_before(text: str, end: int) -> str | None:
    """The run of capitalised words (with connectors) that ends at `end`, if any."""
    words = text[:end].split()
    run: list[str] = []
    for word in reversed(words):
        word = word.strip(",;:\"'")
        if _capitalised(_fix_case(word)) and word.lower() not in {"we", "this", "the", "a", "our"}:
            run.append(_fix_case(word))
        elif word.lower() in _CONNECTORS and run:
            run.append(word)
        else:
            break
    while run and run[-1].lower() in _CONNECTORS:
        run.pop()
    run.reverse()
    return " ".join(run) if len(run) >= 2 else None


def _expansion_after(text: str) -> str | None:
    """A capitalised run right after "NAME, " (as in "VAPO, Value-based Augmented ...")."""
    run: list[str] = []
    for word in text.split():
        bare = word.rstrip(",.;:")
        if _capitalised(bare):
            run.append(_fix_case(bare))
        elif bare.lower() in _CONNECTORS and run:
            run.append(bare)
        else:
            break
        if bare != word:
            break
    while run and run[-1].lower() in _CONNECTORS:
        run.pop()
    return " ".join(run) if len(run) >= 2 else None


def _initials_match(name: str, expansion: str) -> bool:
    return name[0].lower() == expansion[0].lower()


def _is_name(token: str) -> bool:
    """VAPO, HarmoDT, Rank-R1, Pairwise-RL: a capital, digit or hyphen past the first letter."""
    return len(token) > 1 and any(c.isupper() or c.isdigit() or c == "-" for c in token[1:])


def _descriptor(text: str) -> str:
    """'a novel radiology diagnosis MLLM designed to ...' -> 'Radiology diagnosis MLLM'."""
    words = [w for w in _short_phrase(text, _APPOSITIVE_STOP).split()]
    while words and words[0].lower() in _ARTICLES | _FILLER:
        words.pop(0)
    return _capitalise_first(" ".join(_fix_case(w) for w in words))


def _short_phrase(text: str, stop: re.Pattern[str]) -> str:
    match = stop.search(text)
    phrase = text[: match.start()] if match else text
    words = phrase.split()[:MAX_TITLE_WORDS]
    return " ".join(words).strip(" ,;:.")


def _capitalise_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _name_soon_after(rest: str, words: int = 8) -> tuple[str, str] | None:
    """The first method-like name within the first words after an intro verb, and what follows
    it: "we introduce a benchmark, FAIRE (...)", "we create a search system MMMORRF that"."""
    window = " ".join(rest.split()[:words])
    for match in _NAME_TOKEN.finditer(window):
        token = match.group(1)
        if _is_name(token) and token not in _COMMON_ACRONYMS and token.rstrip("s") not in _COMMON_ACRONYMS:
            return token, rest[rest.find(token) + len(token) :]
    return None


def _direct_name(sentence: str, intro: re.Match[str], rest: str) -> tuple[str | None, str | None]:
    """(title, name) when a name follows the intro verb right away: "we propose VAPO, Value-based
    ..."; the title is None when nothing near the name expands it, both are None with no name."""
    direct = _NAME_AFTER_INTRO.match(rest)
    if not direct or not _is_name(direct.group(1)):
        return None, None
    name = direct.group(1)
    after = rest[direct.end() :]
    inside = re.match(r"([^()]{3,120})\)", after) if direct.group("sep") == "(" else None
    if inside and _initials_match(name, inside.group(1)):
        return f"{name}: {_capitalise_first(inside.group(1).strip())}", name
    if direct.group("sep") == ",":
        expansion = _expansion_after(after)
        if expansion and _initials_match(name, expansion):
            return f"{name}: {expansion}", name
        descriptor = _descriptor(after)
        if len(descriptor.split()) >= 2:
            return f"{name}: {descriptor}", name
    if intro.group(0).lower() in {"called", "named", "dubbed", "termed", "coined"}:
        # "a manifold reshaping approach called FedMR"
        before = sentence[: intro.start()]
        article = list(re.finditer(r"\b(?:a|an|the)\s", before))
        descriptor = _descriptor(before[article[-1].start() :]) if article else ""
        if len(descriptor.split()) >= 2:
            return f"{name}: {descriptor}", name
    return None, name


def _later_name(rest: str) -> tuple[str | None, str | None]:
    """(title, name) for a name a few words after the intro verb: "we create a search system
    MMMORRF that"; the title is None when nothing near the name expands it."""
    later = _name_soon_after(rest)
    if not later:
        return None, None
    name, after = later
    inside = re.match(r"\s*\(([^()]{3,120})\)", after)
    if inside and _initials_match(name, inside.group(1)):
        return f"{name}: {_capitalise_first(inside.group(1).strip())}", name
    # "a manifold reshaping approach called FedMR": the words before the name.
    between = rest[: rest.find(name)]
    between = re.sub(r"\b(?:called|named|dubbed|termed|coined)\s*$", "", between.strip(" ,"))
    descriptor = _descriptor(between)
    if 2 <= len(descriptor.split()) <= 6 and "," not in between:
        return f"{name}: {descriptor}", name
    return None, name


def _parenthesised_name_title(rest: str) -> str | None:
    """'NAME: Expansion' for a name in brackets after the words it abbreviates."""
    paren = _PAREN_NAME.search(rest)
    if not paren or not _is_name(paren.group(1)):
        return None
    name = paren.group(1)
    expansion = _expansion_before(rest, paren.start())
    if not expansion or not _initials_match(name, expansion):
        # "a DiverSified File selection algorithm (DiSF)": the words in between.
        expansion = _descriptor(rest[: paren.start()])
    if expansion and _initials_match(name, expansion) and len(expansion.split()) <= 10:
        return f"{name}: {expansion}"
    return None


def _intro_title(sentence: str, intro: re.Match[str]) -> str | None:
    """The title of the method that `intro` (an intro verb in `sentence`) introduces, if any:
    its name and expansion, else its name alone."""
    rest = sentence[intro.end() :]
    title, named = _direct_name(sentence, intro, rest)
    if title:
        return title
    if named is None:
        title, named = _later_name(rest)
        if title:
            return title
    return _parenthesised_name_title(rest) or named or None


def named_method_title(abstract: str) -> str | None:
    """'NAME: Expansion' when the abstract introduces a named method, else None."""
    text = clean_latex(abstract)
    for sentence in _SENTENCE_END.split(text):
        for intro in _INTRO.finditer(sentence):
            title = _intro_title(sentence, intro)
            if title:
                return title
    return None


def subject_phrase_title(abstract: str) -> str:
    """A short phrase from the first sentence: its subject, cut before the verb."""
    text = clean_latex(abstract)
    text = re.sub(r"^(?:Background|Objective|Purpose|Introduction)[:.]?\s+", "", text)
    text = re.sub(r"^(?:In|For|With|Despite|Although|While)\b[^,]{0,120},\s*", "", text)
    first = _SENTENCE_END.split(text, maxsplit=1)[0]
    first = re.sub(r"\s*\([^()]*\)", "", first)
    phrase = _short_phrase(first, _SUBJECT_STOP)
    if len(phrase.split()) < 3:
        phrase = _short_phrase(first, re.compile(r"[,;:]"))
    words = phrase.split()[:10]
    while words and words[-1].lower() in _CONNECTORS | _ARTICLES:
        words.pop()
    phrase = " ".join(words)
    return _capitalise_first(phrase) or "Untitled abstract"


def derive_title(abstract: str) -> str:
    return named_method_title(abstract) or subject_phrase_title(abstract)
