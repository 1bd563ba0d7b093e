"""The benchmark's Python peer: a straightforward pipeline that reads the
same KB workbook with openpyxl and writes the same item triples with rdflib
(TriG, one named graph). Run by benches/import_export.rs:

    python3 importers/benches/python_peer.py pillole.xlsx out.trig
"""
import re
import sys
import time
import unicodedata
from datetime import datetime

import openpyxl
from rdflib import Dataset, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, XSD

BASE = "http://localhost:8080/"
CC = Namespace("https://w3id.org/centralino/ontology#")


def slug(text):
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def main(src, dst):
    t0 = time.perf_counter()
    wb = openpyxl.load_workbook(src, read_only=True, data_only=True)
    ws = wb["Pillole"]
    rows = ws.iter_rows(values_only=True)
    header = None
    for row in rows:
        if row and row[0] == "Cod. Pillola":
            header = row
            break
    col = {name: i for i, name in enumerate(header)}
    ds = Dataset()
    g = ds.graph(URIRef(BASE + "graph/kb/published"))
    n = 0
    for row in rows:
        if not row or row[0] is None:
            continue
        code = row[col["Cod. Pillola"]].strip()
        item = URIRef(BASE + "id/kb/" + code)
        g.add((item, RDF.type, CC.KnowledgeItem))
        g.add((item, DCTERMS.identifier, Literal(code)))
        g.add((item, CC.state, CC.Published))
        g.add((item, DCTERMS.title, Literal(row[col["Titolo"]].strip(), lang="it")))
        g.add((item, CC.question, Literal(row[col["Domanda frequente"]].strip(), lang="it")))
        g.add((item, CC.answer, Literal(row[col["Risposta (testo per l'operatore)"]].strip(), lang="it")))
        for k in re.split(r"[;,\n\r]", row[col["Parole chiave"]] or ""):
            if k.strip():
                g.add((item, SKOS.altLabel, Literal(k.strip(), lang="it")))
        concept = slug(row[col["Area tematica"]]) + "-" + slug(row[col["Sotto-area"]])
        g.add((item, DCTERMS.subject, URIRef(BASE + "id/concept/" + concept)))
        g.add((item, CC.legalReference, Literal(row[col["Normativa di riferimento"]])))
        g.add((item, CC.webLink, URIRef(row[col["Link"]])))
        g.add((item, CC.form, Literal(row[col["Modulistica"]])))
        updated = row[col["Data ultimo aggiornamento"]]
        if isinstance(updated, str):
            updated = datetime.strptime(updated, "%d/%m/%Y")
        g.add((item, DCTERMS.modified, Literal(updated.strftime("%Y-%m-%dT00:00:00Z"), datatype=XSD.dateTime)))
        until = row[col["Valida fino al"]]
        if until is not None:
            g.add((item, CC.validUntil, Literal(until.date().isoformat(), datatype=XSD.date)))
        level = CC.LevelAdvanced if row[col["Livello"]] == "Avanzata" else CC.LevelBase
        g.add((item, CC.level, level))
        n += 1
    t1 = time.perf_counter()
    ds.serialize(destination=dst, format="trig")
    t2 = time.perf_counter()
    print(f"{n} rows read in {t1 - t0:.1f} s ({n / (t1 - t0):.0f} rows/s), {len(g)} triples written as TriG in {t2 - t1:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
