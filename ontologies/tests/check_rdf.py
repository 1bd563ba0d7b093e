#!/usr/bin/env python3
"""Independent checks of the ontologies crate's RDF files with rdflib and pyshacl.

Checks that centralino.ttl, taxonomy.ttl, shapes.ttl and every queries/*.rq
parse; that the SHACL fixtures under tests/shacl/ behave (valid-item.ttl
conforms, each invalid-*.ttl violates the shape on its expected path and on
no other); and that every extra RDF file given on the command line conforms
to shapes.ttl (the kb crate's tests export a real item and pass it here).

Validation uses centralino.ttl as the ontology graph with RDFS inference,
as the platform does.

Usage:
    pip install -r ontologies/tests/requirements.txt
    python3 ontologies/tests/check_rdf.py [EXTRA.ttl ...]

Prints one line per check and, last, "N passed, M failed"; exits 1 if any
check failed.
"""

from __future__ import annotations

import re
import sys
import traceback
from pathlib import Path
from typing import Callable

import pyshacl
from rdflib import RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDFS, SH, SKOS
from rdflib.plugins.sparql import prepareQuery
from rdflib.util import guess_format

ROOT = Path(__file__).resolve().parents[1]
SHACL_DIR = ROOT / "tests" / "shacl"
BASE = "http://localhost:8080/"
CC = Namespace("https://w3id.org/centralino/ontology#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
ONTOLOGY_IRI = URIRef("https://w3id.org/centralino/ontology")

# The one property path each invalid fixture must be reported on.
EXPECTED_VIOLATION = {
    "invalid-no-answer": CC.answer,
    "invalid-no-subject": DCTERMS.subject,
    "invalid-no-title": DCTERMS.title,
}

results: list[tuple[bool, str]] = []


def check(name: str, fn: Callable[[], str | None]) -> None:
    """Run one check; fn raises AssertionError (or anything) to fail."""
    try:
        detail = fn()
    except AssertionError as e:
        results.append((False, name))
        print(f"FAIL {name}: {e}")
        return
    except Exception as e:  # noqa: BLE001 - any error is a failed check
        results.append((False, name))
        print(f"FAIL {name}: {type(e).__name__}: {e}")
        traceback.print_exc(limit=2, file=sys.stdout)
        return
    results.append((True, name))
    print(f"PASS {name}" + (f" ({detail})" if detail else ""))


def failing(message: str) -> Callable[[], None]:
    """A check that always fails with message (a prerequisite is missing)."""

    def run() -> None:
        raise AssertionError(message)

    return run


def parse(path: Path, public_id: str | None = None) -> Graph:
    fmt = guess_format(str(path)) or "turtle"
    return Graph().parse(path, format=fmt, publicID=public_id)


def langs(g: Graph, s, p) -> set[str]:
    return {o.language for o in g.objects(s, p) if isinstance(o, Literal) and o.language}


# --- parsing ---------------------------------------------------------------

graphs: dict[str, Graph] = {}


def load(key: str, path: Path, public_id: str | None = None) -> Callable[[], str]:
    def run() -> str:
        graphs[key] = parse(path, public_id)
        return f"{len(graphs[key])} triples"

    return run


check("parse centralino.ttl", load("ontology", ROOT / "centralino.ttl"))
check("parse taxonomy.ttl (base " + BASE + ")", load("taxonomy", ROOT / "taxonomy.ttl", BASE))
check("parse shapes.ttl", load("shapes", ROOT / "shapes.ttl"))

queries = sorted((ROOT / "queries").glob("*.rq"))


def query_files_exist() -> str:
    assert queries, "no queries/*.rq found"
    return f"{len(queries)} files"


check("saved queries present", query_files_exist)
prepared = {}
for q in queries:

    def prep(q: Path = q) -> None:
        prepared[q.name] = prepareQuery(q.read_text(encoding="utf-8"))

    check(f"parse queries/{q.name}", prep)

# --- ontology content --------------------------------------------------------


def ontology_header() -> None:
    g = graphs["ontology"]
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in g, "no owl:Ontology"
    assert (ONTOLOGY_IRI, OWL.versionInfo, Literal("1")) in g, 'owl:versionInfo is not "1"'
    for p in (DCTERMS.title, DCTERMS.description):
        assert {"it", "en"} <= langs(g, ONTOLOGY_IRI, p), f"{p} lacks @it or @en"


def cc_terms_documented() -> str:
    g = graphs["ontology"]
    terms = {s for s in g.subjects() if isinstance(s, URIRef) and s.startswith(str(CC))}
    assert terms, "no cc: terms"
    problems = []
    for t in sorted(terms):
        for p in (RDFS.label, RDFS.comment):
            missing = {"it", "en"} - langs(g, t, p)
            if missing:
                problems.append(f"{t.fragment} {p.fragment} lacks {sorted(missing)}")
        types = set(g.objects(t, RDF.type))
        if types & {OWL.ObjectProperty, OWL.DatatypeProperty}:
            for p in (RDFS.domain, RDFS.range):
                if g.value(t, p) is None:
                    problems.append(f"{t.fragment} lacks {p.fragment}")
        elif not types:
            problems.append(f"{t.fragment} has no rdf:type")
    assert not problems, "; ".join(problems)
    return f"{len(terms)} terms"


def cc_terms_used_are_declared() -> str:
    declared = {s for s in graphs["ontology"].subjects(RDF.type, None) if str(s).startswith(str(CC))}
    used: dict[URIRef, set[str]] = {}
    sources = {"shapes.ttl": graphs["shapes"], "taxonomy.ttl": graphs["taxonomy"]}
    for f in sorted(SHACL_DIR.glob("*.ttl")):
        sources[f"tests/shacl/{f.name}"] = parse(f)
    for name, g in sources.items():
        for triple in g:
            for node in triple:
                if isinstance(node, URIRef) and str(node).startswith(str(CC)):
                    used.setdefault(node, set()).add(name)
    # The query algebra is awkward to walk; scan the text for cc: names.
    text = "\n".join(q.read_text(encoding="utf-8") for q in queries)
    for local in re.findall(r"\bcc:([A-Za-z_][A-Za-z0-9_]*)", text):
        used.setdefault(CC[local], set()).add("queries")
    unknown = {t: s for t, s in used.items() if t not in declared}
    assert not unknown, "; ".join(f"{t} in {sorted(s)}" for t, s in unknown.items())
    return f"{len(used)} terms used"


def taxonomy_well_formed() -> str:
    g = graphs["taxonomy"]
    concepts = set(g.subjects(RDF.type, SKOS.Concept))
    schemes = set(g.subjects(RDF.type, SKOS.ConceptScheme))
    assert schemes == {URIRef(BASE + "id/scheme/aree"), URIRef(BASE + "id/scheme/destinatari"), URIRef(BASE + "id/scheme/lessico")}, schemes
    problems = []
    for c in sorted(concepts):
        if not str(c).startswith(BASE + "id/concept/"):
            problems.append(f"{c} not under the base")
        missing = {"it", "en"} - langs(g, c, SKOS.prefLabel)
        if missing:
            problems.append(f"{c} prefLabel lacks {sorted(missing)}")
        for lang in ("it", "en"):
            n = sum(1 for o in g.objects(c, SKOS.prefLabel) if getattr(o, "language", None) == lang)
            if n > 1:
                problems.append(f"{c} has {n} prefLabel@{lang}")
        if g.value(c, SKOS.inScheme) not in schemes:
            problems.append(f"{c} not inScheme a declared scheme")
        if g.value(c, SKOS.notation) is None:
            problems.append(f"{c} has no notation")
        if g.value(c, SKOS.topConceptOf) is None and g.value(c, SKOS.broader) is None:
            problems.append(f"{c} is neither top concept nor narrower")
        for b in g.objects(c, SKOS.broader):
            if b not in concepts:
                problems.append(f"{c} broader {b} is not a concept")
        pref = {(str(o), o.language) for o in g.objects(c, SKOS.prefLabel)}
        alt = {(str(o), o.language) for o in g.objects(c, SKOS.altLabel)}
        if pref & alt:
            problems.append(f"{c} altLabel repeats prefLabel {pref & alt}")
    notations = [str(o) for o in g.objects(None, SKOS.notation)]
    dup = {n for n in notations if notations.count(n) > 1}
    if dup:
        problems.append(f"duplicate notations {sorted(dup)}")
    assert not problems, "; ".join(problems)
    return f"{len(concepts)} concepts"


for name, fn in [
    ("ontology header", ontology_header),
    ("cc terms have labels, comments, domains, ranges", cc_terms_documented),
    ("cc terms used in shapes, taxonomy, fixtures, queries are declared", cc_terms_used_are_declared),
    ("taxonomy concepts well formed", taxonomy_well_formed),
]:
    if {"ontology", "taxonomy", "shapes"} <= graphs.keys():
        check(name, fn)
    else:
        check(name, failing("a file did not parse"))

# --- saved queries run ------------------------------------------------------


def run_queries() -> str:
    data = Graph()
    data += graphs["taxonomy"]
    data += parse(SHACL_DIR / "valid-item.ttl")
    counts = []
    for name, q in sorted(prepared.items()):
        counts.append(f"{Path(name).stem}={len(list(data.query(q)))}")
    return ", ".join(counts)


if prepared and "taxonomy" in graphs:
    check("saved queries run on taxonomy + valid item", run_queries)

# --- SHACL -----------------------------------------------------------------


def validate(data: Graph) -> tuple[bool, Graph, str]:
    conforms, report, text = pyshacl.validate(
        data,
        shacl_graph=graphs["shapes"],
        ont_graph=graphs["ontology"],
        inference="rdfs",
        abort_on_first=False,
        allow_warnings=False,
        meta_shacl=False,
    )
    return bool(conforms), report, str(text)


def violated_paths(report: Graph) -> set:
    return {report.value(r, SH.resultPath) for r in report.subjects(RDF.type, SH.ValidationResult)}


def must_conform(path: Path) -> Callable[[], str]:
    def run() -> str:
        data = parse(path)
        assert any(data.subjects(RDF.type, CC.KnowledgeItem)), "no cc:KnowledgeItem in the file"
        conforms, _report, text = validate(data)
        assert conforms, "does not conform:\n" + text
        return f"{sum(1 for _ in data.subjects(RDF.type, CC.KnowledgeItem))} item(s)"

    return run


def must_violate(path: Path) -> Callable[[], str]:
    def run() -> str:
        expected = EXPECTED_VIOLATION.get(path.stem)
        assert expected is not None, f"no expected path for {path.name} in EXPECTED_VIOLATION"
        conforms, report, text = validate(parse(path))
        assert not conforms, "conforms, but must not"
        paths = violated_paths(report)
        assert expected in paths, f"report does not name {expected}:\n{text}"
        assert paths == {expected}, f"unexpected violations on {sorted(paths - {expected})}:\n{text}"
        return f"violates {expected}"

    return run


if {"ontology", "shapes"} <= graphs.keys():
    check("shacl: valid-item.ttl conforms", must_conform(SHACL_DIR / "valid-item.ttl"))
    invalid = sorted(SHACL_DIR.glob("invalid-*.ttl"))
    for path in invalid:
        check(f"shacl: {path.name} does not conform", must_violate(path))
    for stem in sorted(set(EXPECTED_VIOLATION) - {p.stem for p in invalid}):
        check(f"shacl: {stem}.ttl present", failing("missing"))
    for arg in sys.argv[1:]:
        check(f"shacl: {arg} conforms", must_conform(Path(arg)))

passed = sum(1 for ok, _ in results if ok)
failed = len(results) - passed
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
