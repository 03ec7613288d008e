"""Fill the bundled review's extraction fields (content/fields.yaml) from what each abstract states.

    .venv/bin/python scripts/fill_fields.py [--write] [--review DIR]

Each value has a rule: a pattern that must occur in the paper's abstract (a model family or a
training method named, a link to code or a sentence saying the code is available). A paper gets
a value only when its abstract matches the value's rule, never from its title, tags or a guess;
absence is left empty, not "no". Without --write it prints each paper's values with the words that
support them, for a person to check; with --write it writes them into the records under `fields:`
(read with records/yamlio.py for the lines of its keys; only the `fields:` lines are written, so
comments, key order and the wrapping of the rest stay), replacing the values of these three fields
and leaving any other field alone. tests/fields/test_bundled_values.py checks that
every value in the records is supported by its abstract.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import yaml  # noqa: E402

from generator.files import atomic_write_text  # noqa: E402
from generator.records.store import PAPER_KEYS  # noqa: E402
from generator.records.yamlio import load_with_lines  # noqa: E402

_NOT_LETTER_BEFORE = r"(?<![A-Za-z])"
_NOT_LETTER_AFTER = r"(?![A-Za-z])"

# Model families: the family's names as abstracts write them (case matters: "Phi-3", not "phi").
MODELS: dict[str, str] = {
    "GPT": rf"{_NOT_LETTER_BEFORE}(?:Chat|Instruct)?GPT(?:-\d[\w.]*)?{_NOT_LETTER_AFTER}",
    "Llama": rf"{_NOT_LETTER_BEFORE}(?:LLaMA|Llama|LLAMA)(?![a-z])",
    "Qwen": rf"{_NOT_LETTER_BEFORE}Qwen",
    "Mistral": rf"{_NOT_LETTER_BEFORE}(?:Mistral|Mixtral)(?![a-z])",
    "Gemma": rf"{_NOT_LETTER_BEFORE}Gemma(?![a-z])",
    "DeepSeek": rf"{_NOT_LETTER_BEFORE}DeepSeek",
    "Claude": rf"{_NOT_LETTER_BEFORE}Claude(?![a-z])",
    "Phi": rf"{_NOT_LETTER_BEFORE}Phi-\d",
    "OLMo": rf"{_NOT_LETTER_BEFORE}OLMo",
    "BERT": rf"{_NOT_LETTER_BEFORE}(?:BERT|RoBERTa|DeBERTa|ALBERT|DistilBERT|BioBERT|SciBERT)"
    rf"{_NOT_LETTER_AFTER}",
    "T5": r"(?<![A-Za-z0-9])(?:Flan-)?T5(?![0-9A-Za-z])",
}
# Training methods: the method's name or its acronym (acronyms case-sensitive).
METHODS: dict[str, str] = {
    "RLHF": r"\bRLHF\b|(?i:reinforcement learning (?:from|with) human feedback)",
    "DPO": r"\bDPO\b|(?i:direct preference optimi[sz]ation)",
    "PPO": r"\bPPO\b|(?i:proximal policy optimi[sz]ation)",
    "GRPO": r"\bGRPO\b|(?i:group relative policy optimi[sz]ation)",
    "SFT": r"\bSFT\b|(?i:supervised fine-?tuning)",
    "instruction tuning": r"(?i:instruction[- ]tun(?:ing|ed))",
    "LoRA": r"\bLoRA\b|(?i:low-rank adaptation)",
    "distillation": r"(?i:\bdistill(?:ation|ing|ed)?\b)",
}
# Code: a link to a code host, or a sentence saying the code (or an implementation) is available.
CODE = (
    r"(?i:https?://(?:www\.)?(?:github\.com|gitlab\.com|huggingface\.co)/"
    r"|\b(?:code|codes|implementation|source code)\b[^.]{0,60}?\b(?:is|are|will be|has been|have been)"
    r" (?:made )?(?:publicly |openly |freely )?(?:available|released|open[- ]sourced)\b)"
)

FIELD_IDS = ("models", "methods", "code_released")


def named(rules: dict[str, str], abstract: str) -> list[str]:
    """The values whose rule the abstract matches, in the rules' order."""
    return [value for value, pattern in rules.items() if re.search(pattern, abstract)]


def values_of(abstract: str) -> dict[str, Any]:
    """What an abstract states, by field (a field it states nothing of is absent)."""
    found: dict[str, Any] = {}
    if models := named(MODELS, abstract):
        found["models"] = models
    if methods := named(METHODS, abstract):
        found["methods"] = methods
    if re.search(CODE, abstract):
        found["code_released"] = True
    return found


def evidence(abstract: str) -> list[str]:
    """The words of the abstract that support its values, for a person to check them."""
    out = []
    for field, rules in (("models", MODELS), ("methods", METHODS), ("code_released", {"yes": CODE})):
        for value, pattern in rules.items():
            found = re.search(pattern, abstract)
            if found:
                start = max(0, found.start() - 30)
                out.append(f"{field}={value}: ...{abstract[start : found.end() + 30]}...")
    return out


def _flow(value: Any) -> str:
    """A value as YAML on one line: a list as `[a, b]`, a scalar quoted only if it must be."""
    text = yaml.safe_dump(value if isinstance(value, list) else [value], default_flow_style=True, width=1000)
    return text.strip() if isinstance(value, list) else text.strip()[1:-1]


def fields_block(found: dict[str, Any]) -> str:
    """The `fields:` lines of a record: one line per field (`  models: [GPT, Llama]`)."""
    if not found:
        return ""
    return "fields:\n" + "".join(f"  {key}: {_flow(value)}\n" for key, value in found.items())


def with_fields(text: str, found: dict[str, Any]) -> str:
    """The record's text with its `fields:` block replaced by FIELD_IDS' values in `found` (other
    fields kept), inserted after the keys that come before it in PAPER_KEYS' order. Only those
    lines change: the rest of the record keeps its bytes, comments and wrapping (a round trip
    through ruamel.yaml would wrap the abstract anew)."""
    data, lines, _ = load_with_lines(text)
    keep = {k: v for k, v in (data.get("fields") or {}).items() if k not in FIELD_IDS}
    found = {**keep, **found}
    rows = text.splitlines(keepends=True)
    tops = sorted((line, key[0]) for key, line in lines.items() if len(key) == 1)
    if "fields" in data:
        at = lines[("fields",)] - 1
        after = [line for line, _ in tops if line - 1 > at]
        del rows[at : (after[0] - 1 if after else len(rows))]
    else:
        later = PAPER_KEYS[PAPER_KEYS.index("fields") + 1 :]
        after = [line for line, key in tops if key in later]
        at = after[0] - 1 if after else len(rows)
    rows.insert(at, fields_block(found))
    return "".join(rows)


def write(path: Path, found: dict[str, Any]) -> bool:
    """Make the record's `fields` hold `found` for FIELD_IDS; True if the record changed."""
    text = path.read_text(encoding="utf-8")
    updated = with_fields(text, found)
    if updated == text:
        return False
    atomic_write_text(path, updated)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="write the values into the records")
    parser.add_argument("--review", type=Path, default=REPO, help="the review's folder")
    args = parser.parse_args()
    filled = 0
    for path in sorted((args.review / "content" / "papers").glob("*.yaml")):
        data, _, _ = load_with_lines(path.read_text(encoding="utf-8"))
        abstract = data.get("abstract") or ""
        found = values_of(abstract)
        filled += bool(found)
        if found:
            print(f"{path.stem}: {found}")
            for line in evidence(abstract):
                print(f"    {line}")
        if args.write:
            write(path, found)
    print(f"{filled} papers have values")


if __name__ == "__main__":
    main()
