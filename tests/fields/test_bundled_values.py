"""The bundled review's extracted values are kept honest: each one is stated by its paper's
abstract. This test holds its own list of the words that state each value (independent of the
rules of scripts/fill_fields.py, which wrote them), and fails on any value whose abstract has
none of them: a value typed by hand from a title, a tag or a guess."""

from __future__ import annotations

import re

from generator.errors import ProblemLog
from generator.project import Project
from generator.records.review import load_review
from tests.conftest import REPO

# The words that state a value: acronyms and names as written (case matters), phrases in any case.
STATED_BY: dict[str, dict[str, tuple[str, ...]]] = {
    "models": {
        "GPT": ("GPT",),
        "Llama": ("LLaMA", "Llama", "LLAMA"),
        "Qwen": ("Qwen",),
        "Mistral": ("Mistral", "Mixtral"),
        "Gemma": ("Gemma",),
        "DeepSeek": ("DeepSeek",),
        "Claude": ("Claude",),
        "Phi": ("Phi-",),
        "OLMo": ("OLMo",),
        "BERT": ("BERT",),
        "T5": ("T5",),
    },
    "methods": {
        "RLHF": (
            "RLHF",
            "reinforcement learning from human feedback",
            "reinforcement learning with human feedback",
        ),
        "DPO": ("DPO", "direct preference optimization", "direct preference optimisation"),
        "PPO": ("PPO", "proximal policy optimization", "proximal policy optimisation"),
        "GRPO": ("GRPO", "group relative policy optimization"),
        "SFT": ("SFT", "supervised fine-tuning", "supervised finetuning"),
        "instruction tuning": (
            "instruction tuning",
            "instruction-tuning",
            "instruction tuned",
            "instruction-tuned",
        ),
        "LoRA": ("LoRA", "low-rank adaptation"),
        "distillation": ("distillation", "distilling", "distilled", "distill "),
    },
}
CODE_STATED = re.compile(
    r"github\.com/|gitlab\.com/|huggingface\.co/|github\.io|\b(?:code|codes|implementation)\b.{0,80}"
    r"\b(?:available|released|open-sourced)\b",
    re.IGNORECASE,
)


def stated(abstract: str, words: tuple[str, ...]) -> bool:
    return any(w in abstract if w.isupper() or not w.islower() else w in abstract.lower() for w in words)


def bundled() -> object:
    log = ProblemLog(REPO)
    review = load_review(Project.at(REPO), log)
    assert [p for p in log.problems if p.severity == "error"] == []
    return review


def test_every_value_is_stated_by_its_abstract() -> None:
    review = bundled()
    unsupported = []
    filled = 0
    for paper in review.papers:
        filled += bool(paper.fields)
        for name, value in paper.fields:
            if name == "code_released":
                if value is not True or not CODE_STATED.search(paper.abstract):
                    unsupported.append((paper.id, name, value))
                continue
            for item in value if isinstance(value, tuple) else (value,):
                if not stated(paper.abstract, STATED_BY[name][item]):
                    unsupported.append((paper.id, name, item))
    assert unsupported == []
    assert filled >= 100  # the rules fill about half of the 212 papers


def test_the_bundled_review_declares_fields_a_table_and_matrices() -> None:
    taxonomy = bundled().taxonomy
    assert [f.id for f in taxonomy.fields] == ["models", "methods", "code_released"]
    assert taxonomy.table == ("models", "methods", "code_released")
    assert {m.id for m in taxonomy.matrices} == {"methods-by-models", "topics-by-methods"}


def test_a_value_the_abstract_does_not_state_fails_the_check(tmp_path: object) -> None:
    review = bundled()
    paper = next(p for p in review.papers if "GPT" not in p.abstract and "Llama" not in p.abstract)
    assert not stated(paper.abstract, STATED_BY["models"]["GPT"])
