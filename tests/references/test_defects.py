"""Each defect of issue #19, reproduced as a new user met it, and fixed: citation keys replaced by
slugs, @inproceedings turned into @article (booktitle into journal, pages dropped), protective
braces lost, "and others" taken for an author, an arXiv DOI not taken for an arXiv id. Also the
record's YAML shape, keys made and kept, and merges reported field by field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import cli
from generator.errors import ProblemLog
from generator.model import Bibliographic, Name, Paper, Reference
from generator.project import Project
from generator.records.reference import (
    arxiv_id_of,
    citation_keys,
    conventional_key,
    parse_name,
    parse_names,
)
from generator.records.store import load_papers, parse_paper
from generator.render.cite import bibtex_entry
from tests.conftest import synthetic_abstract
from tests.references.roundtrip import parse_bib

DPO = f"""@inproceedings{{rafailov2023direct,
  title = {{Direct Preference Optimization: Your Language Model is Secretly a Reward Model}},
  author = {{Rafailov, Rafael and Sharma, Archit and Mitchell, Eric and Ermon, Stefano
             and Manning, Christopher D. and Finn, Chelsea}},
  booktitle = {{Advances in Neural Information Processing Systems}},
  volume = {{36}},
  pages = {{53728--53741}},
  year = {{2023}},
  month = {{dec}},
  publisher = {{Curran Associates, Inc.}},
  editor = {{Oh, A. and Naumann, T.}},
  isbn = {{9781713899921}},
  doi = {{10.48550/arXiv.2305.18290}},
  abstract = {{{synthetic_abstract("dpo")}}}
}}
"""
LORA = f"""@article{{hu2021lora,
  title = {{{{LoRA}}: Low-Rank Adaptation of Large Language Models}},
  author = {{Hu, Edward J. and Shen, Yelong and Wallis, Phillip and others}},
  journal = {{arXiv preprint arXiv:2106.09685}},
  year = {{2021}},
  abstract = {{{synthetic_abstract("lora")}}}
}}
"""
CAI = f"""@misc{{bai2022constitutional,
  title = {{Constitutional {{AI}}: Harmlessness from {{AI}} Feedback}},
  author = {{Bai, Yuntao and Kadavath, Saurav and Kundu, Sandipan and Askell, Amanda and
             Kernion, Jackson and Jones, Andy and Chen, Anna and Goldie, Anna and
             Mirhoseini, Azalia and Ray, Alex and others}},
  year = {{2022}},
  eprint = {{2212.08073}},
  archivePrefix = {{arXiv}},
  abstract = {{{synthetic_abstract("cai")}}}
}}
"""


def imported(tmp_path: Path, bib: str, name: str = "refs.bib") -> Project:
    root = tmp_path / "review"
    if not root.exists():
        CliRunner().invoke(cli, ["init", str(root)])
    source = tmp_path / name
    source.write_text(bib)
    result = CliRunner().invoke(cli, ["import", "-C", str(root), str(source)])
    assert result.exit_code == 0, result.output
    return Project.at(root)


def record(project: Project, stem: str) -> dict:
    (path,) = project.papers_dir.glob(f"{stem}*.yaml")
    return yaml.safe_load(path.read_text())


def papers(project: Project) -> dict[str, Paper]:
    return {pf.paper.id: pf.paper for pf in load_papers(project.papers_dir, None, ProblemLog(project.root))}


def exported_entry(project: Project, stem: str) -> dict[str, str]:
    paper = next(p for i, p in papers(project).items() if i.startswith(stem))
    (entry,) = parse_bib(bibtex_entry(paper))
    return entry


def test_the_citation_key_is_kept_not_replaced_by_a_slug(tmp_path: Path) -> None:
    project = imported(tmp_path, DPO)
    assert record(project, "direct-preference")["reference"]["key"] == "rafailov2023direct"
    assert exported_entry(project, "direct-preference")["ID"] == "rafailov2023direct"


def test_inproceedings_stays_with_booktitle_pages_and_every_field(tmp_path: Path) -> None:
    project = imported(tmp_path, DPO)
    entry = exported_entry(project, "direct-preference")
    assert entry["ENTRYTYPE"] == "inproceedings"
    assert entry["booktitle"] == "Advances in Neural Information Processing Systems"
    assert "journal" not in entry
    assert entry["pages"] == "53728--53741"
    assert (entry["volume"], entry["publisher"], entry["isbn"]) == (
        "36",
        "Curran Associates, Inc.",
        "9781713899921",
    )
    assert entry["editor"] == "Oh, A. and Naumann, T."
    assert entry["month"] == "dec"


def test_protective_braces_are_kept(tmp_path: Path) -> None:
    project = imported(tmp_path, LORA + CAI)
    assert (
        record(project, "lora")["reference"]["fields"]["title"]
        == "{LoRA}: Low-Rank Adaptation of Large Language Models"
    )
    assert exported_entry(project, "lora")["title"] == "{LoRA}: Low-Rank Adaptation of Large Language Models"
    assert (
        exported_entry(project, "constitutional")["title"]
        == "Constitutional {AI}: Harmlessness from {AI} Feedback"
    )
    # The page's title is plain text.
    assert papers(project)["lora-low-rank-adaptation-of-large-language-models"].title.startswith("LoRA: ")


def test_and_others_is_not_an_author(tmp_path: Path) -> None:
    project = imported(tmp_path, CAI)
    data = record(project, "constitutional")
    assert "others" not in data["authors"] and data["authors"][-1] == "Alex Ray"
    assert "authors_count" not in data  # the list is truncated: nobody knows how many there are
    assert data["reference"]["names"]["author"][-1] == "others"
    assert data["reference"]["names"]["author"][0] == {"family": "Bai", "given": "Yuntao"}
    entry = exported_entry(project, "constitutional")
    assert entry["author"].endswith("Ray, Alex and others")


def test_an_arxiv_doi_is_an_arxiv_id(tmp_path: Path) -> None:
    project = imported(tmp_path, DPO)
    data = record(project, "direct-preference")
    assert data["arxiv_id"] == "2305.18290"
    assert data["doi"] == "10.48550/arxiv.2305.18290"


@pytest.mark.parametrize(
    ("fields", "arxiv"),
    [
        ({"eprint": "2212.08073", "archiveprefix": "arXiv"}, "2212.08073"),
        ({"eprint": "2212.08073v2", "eprinttype": "arxiv"}, "2212.08073"),
        ({"eprint": "2212.08073"}, "2212.08073"),  # an id only arXiv's look like
        ({"eprint": "PMC123", "eprinttype": "pubmed"}, None),
        ({"doi": "10.48550/arXiv.2305.18290"}, "2305.18290"),
        ({"doi": "https://doi.org/10.48550/ARXIV.2305.18290"}, "2305.18290"),
        ({"url": "https://arxiv.org/abs/2106.09685v2"}, "2106.09685"),
        ({"url": "http://arxiv.org/pdf/1706.03762.pdf"}, "1706.03762"),
        ({"journal": "arXiv preprint arXiv:2106.09685"}, "2106.09685"),
        ({"journaltitle": "{arXiv} preprint {arXiv}:2210.12090"}, "2210.12090"),
        ({"journal": "CoRR", "volume": "abs/2006.08242"}, None),
        ({"note": "arXiv:2306.06918 [cs]"}, "2306.06918"),
        ({"note": "arXiv: 1705.10762"}, "1705.10762"),
        ({"journal": "arXiv:1911.03393 [cs, stat]"}, "1911.03393"),
        ({"eprint": "hep-th/9901001", "archiveprefix": "arXiv"}, "hep-th/9901001"),
        ({"doi": "10.1038/s41746-018-0029-1", "note": "Number: 1"}, None),
    ],
)
def test_arxiv_ids_are_found_wherever_they_hide(fields: dict[str, str], arxiv: str | None) -> None:
    assert arxiv_id_of(fields) == arxiv


def test_a_bundled_style_record_with_an_arxiv_doi_gets_its_arxiv_link(tmp_path: Path) -> None:
    """A record written before (an arXiv DOI, no arxiv_id) now has its arXiv id when it loads."""
    path = tmp_path / "p.yaml"
    text = "id: p\ntitle: T\ntags: []\ndoi: 10.48550/arxiv.2106.09685\nabstract: A.\n"
    loaded = parse_paper(path, text, None, ProblemLog(tmp_path))
    assert loaded is not None and loaded.paper.meta.arxiv_id == "2106.09685"


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("Hao, Peng", Name(family="Hao", given="Peng")),
        ("van der Schaar, Mihaela", Name(family="Schaar", given="Mihaela", particle="van der")),
        ("Jean de la Fontaine", Name(family="Fontaine", given="Jean", particle="de la")),
        ("Ford, Jr., Henry", Name(family="Ford", given="Henry", suffix="Jr.")),
        ("{McKinney}, Eoin F.", Name(family="{McKinney}", given="Eoin F.")),
        ("{OpenAI Team}", Name(literal="OpenAI Team")),
        ('M{\\"u}ller, J{\\"o}rg', Name(family='M{\\"u}ller', given='J{\\"o}rg')),
        ("others", Name(others=True)),
    ],
)
def test_names_keep_their_parts(written: str, name: Name) -> None:
    assert parse_name(written) == name


def test_a_name_list_splits_on_and_outside_braces_only() -> None:
    names = parse_names("{Barnes and Noble} and Doe, Jane and others")
    assert names == (Name(literal="Barnes and Noble"), Name(family="Doe", given="Jane"), Name(others=True))


def paper(
    pid: str, title: str, key: str | None = None, authors: tuple[str, ...] = (), year: int | None = None
) -> Paper:
    reference = Reference(type="article", key=key) if key else None
    return Paper(
        id=pid,
        title=title,
        abstract="",
        tags=(),
        fingerprint="",
        meta=Bibliographic(authors=authors, year=year, reference=reference),
    )


def test_conventional_keys_are_family_year_first_word() -> None:
    dpo = paper("dpo", "Direct Preference Optimization", authors=("Rafael Rafailov",), year=2023)
    assert conventional_key(dpo) == "rafailov2023direct"
    assert (
        conventional_key(paper("a", "The Müller Effect", authors=("Jörg Müller",), year=2020))
        == "muller2020muller"
    )
    assert conventional_key(paper("b", "A Study of Things", year=2021)) == "studythings2021"
    assert conventional_key(paper("c", "On Ann", authors=("Ann van der Berg",))) == "bergann"


def test_keys_are_unique_and_clashes_resolved_by_paper_id() -> None:
    papers_ = [
        paper("zeta", "Direct Preference Optimization", authors=("Rafael Rafailov",), year=2023),
        paper("alpha", "Anything", key="rafailov2023direct"),
        paper("beta", "Direct preference again", authors=("R. Rafailov",), year=2023),
        paper("gamma", "Other", key="Smith2020"),
        paper("delta", "Other too", key="smith2020"),
    ]
    cited = citation_keys(papers_)
    # An original key goes before a made-up one; then paper ids decide.
    assert cited.keys["alpha"] == "rafailov2023direct"
    assert (cited.keys["beta"], cited.keys["zeta"]) == ("rafailov2023directa", "rafailov2023directb")
    assert (cited.keys["delta"], cited.keys["gamma"]) == ("smith2020", "Smith2020a")
    assert len({k.casefold() for k in cited.keys.values()}) == len(papers_)
    assert {c.key for c in cited.clashes} == {"rafailov2023direct", "smith2020"}
    assert citation_keys(reversed(papers_)).keys == cited.keys  # whatever the order


def test_only_a_sources_own_key_changed_by_a_clash_is_warned_about() -> None:
    """Made-up keys that clash get a letter quietly (a large review has many namesakes); a key
    the paper's source gave, once changed, is a warning on that record."""
    from types import SimpleNamespace

    from generator.errors import ProblemLog
    from generator.records.reference import report_key_clashes

    papers_ = [
        paper("a", "Direct Preference Optimization", authors=("Rafael Rafailov",), year=2023),
        paper("b", "Direct preference again", authors=("R. Rafailov",), year=2023),
        paper("c", "Other", key="Smith2020"),
        paper("d", "Other too", key="smith2020"),
    ]
    records = [SimpleNamespace(paper=p, path=f"content/papers/{p.id}.yaml", lines={}) for p in papers_]
    log = ProblemLog()
    cited = report_key_clashes(records, log)
    assert (cited.keys["b"], cited.keys["d"]) == ("rafailov2023directa", "smith2020a")
    assert cited.renamed == {"b", "d"}
    (warning,) = log.warnings
    assert str(warning.path).endswith("d.yaml") and "cited as 'smith2020a'" in warning.message


def test_clashing_keys_are_reported_at_import_and_build(tmp_path: Path) -> None:
    same = (
        DPO.replace("Direct Preference Optimization: Your", "A Different Paper:")
        .replace("10.48550/arXiv.2305.18290", "10.1/other")
        .replace(synthetic_abstract("dpo"), synthetic_abstract("other"))
    )
    project = imported(tmp_path, DPO + same)
    report = yaml.safe_load((project.content_dir / "merge-report.yaml").read_text())
    (clash,) = report["citation_keys"]
    assert clash["key"] == "rafailov2023direct" and clash["keys"] == [
        "rafailov2023direct",
        "rafailov2023directa",
    ]
    result = CliRunner().invoke(cli, ["check", "-C", str(project.root)])
    assert "citation key 'rafailov2023direct' is also wanted by" in result.output
    assert "cited as 'rafailov2023directa'" in result.output


def test_the_record_shape_is_readable_and_hand_edits_load(tmp_path: Path) -> None:
    project = imported(tmp_path, DPO)
    (path,) = project.papers_dir.glob("direct-preference*.yaml")
    text = path.read_text()
    assert "reference:\n  type: inproceedings\n  key: rafailov2023direct\n  names:\n    author:\n" in text
    assert "    - family: Rafailov\n      given: Rafael\n" in text
    assert "  fields:\n    title: 'Direct Preference" in text
    # A person edits the key and a field, and writes a name as BibTeX would: it loads.
    edited = text.replace("key: rafailov2023direct", "key: dpo2023").replace("volume: '36'", "volume: 36")
    edited = edited.replace("    - family: Finn\n      given: Chelsea\n", "    - Finn, Chelsea\n")
    path.write_text(edited)
    (loaded,) = load_papers(project.papers_dir, None, ProblemLog(project.root))
    reference = loaded.paper.meta.reference
    assert reference is not None and reference.key == "dpo2023" and reference.field("volume") == "36"
    assert reference.people("author")[-1] == Name(family="Finn", given="Chelsea")
    assert bibtex_entry(loaded.paper, "dpo2023").startswith("@inproceedings{dpo2023,")


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("reference: [a]", "reference must be a mapping"),
        ("reference: {type: 'in proceedings'}", "reference.type must be an entry type"),
        ("reference: {key: 'a b'}", "reference.key must be a citation key"),
        ("reference: {names: {author: [{surname: X}]}}", "a name has only family, given"),
        ("reference: {fields: {author: 'X'}}", "author is a name list"),
        ("reference: {fields: {title: [a]}}", "reference.fields.title must be text"),
        ("reference: {colour: red}", "unknown key 'colour' under reference"),
    ],
)
def test_a_broken_reference_is_reported_with_its_line(tmp_path: Path, reference: str, message: str) -> None:
    log = ProblemLog(tmp_path)
    parse_paper(tmp_path / "p.yaml", f"id: p\ntitle: T\ntags: []\n{reference}\nabstract: A.\n", None, log)
    assert any(message in p.message and p.line == 4 for p in log.errors), log.problems


def test_several_sources_merge_field_by_field_and_say_so(tmp_path: Path) -> None:
    ris = (
        "TY  - JOUR\nTI  - Direct Preference Optimization: Your Language Model is Secretly a Reward Model\n"
        "AU  - Rafailov, Rafael\nPY  - 2023\nT2  - NeurIPS\nVL  - 37\nSN  - 1049-5258\n"
        "DO  - 10.48550/arXiv.2305.18290\nER  - \n"
    )
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "refs.bib").write_text(DPO)
    (exports / "more.ris").write_text(ris)
    root = tmp_path / "review"
    CliRunner().invoke(cli, ["init", str(root)])
    result = CliRunner().invoke(cli, ["import", "-C", str(root), str(exports)])
    assert result.exit_code == 0, result.output
    project = Project.at(root)
    data = record(project, "direct-preference")
    fields = data["reference"]["fields"]
    # The BibTeX entry's values win; the RIS record adds what the entry lacked (ISSN).
    assert fields["volume"] == "36" and fields["issn"] == "1049-5258"
    assert data["reference"]["type"] == "inproceedings"
    report = yaml.safe_load((project.content_dir / "merge-report.yaml").read_text())
    differs = {
        (r["field"], r["kept"].split(":")[0], r["differs"].split(":")[0]) for r in report["reference_fields"]
    }
    assert ("volume", "sources/refs.bib", "sources/more.ris") in differs
    assert ("type", "sources/refs.bib", "sources/more.ris") in differs


def test_a_later_source_adds_the_fields_a_reference_lacks_and_keeps_the_rest(tmp_path: Path) -> None:
    ris = (
        "TY  - JOUR\nTI  - Direct Preference Optimization: Your Language Model is Secretly a Reward Model\n"
        "AU  - Rafailov, Rafael\nPY  - 2023\nT2  - NeurIPS\nVL  - 37\nSN  - 1049-5258\n"
        "DO  - 10.48550/arXiv.2305.18290\nER  - \n"
    )
    project = imported(tmp_path, DPO)
    (path,) = project.papers_dir.glob("direct-preference*.yaml")
    path.write_text(path.read_text().replace("    volume: '36'\n", "    volume: '36'  # checked by hand\n"))
    project = imported(tmp_path, ris, "more.ris")
    text = path.read_text()
    assert "volume: '36'  # checked by hand" in text  # the record's value and comment stay
    data = yaml.safe_load(text)
    assert data["reference"]["fields"]["issn"] == "1049-5258"  # the RIS record's ISSN is added
    assert data["reference"]["key"] == "rafailov2023direct"
