"""SQLite FTS5 peer for the search benchmark: the same texts and queries,
accent folding (unicode61 remove_diacritics), no stemming, OR of the words,
last word as a prefix for as-you-type queries. Prints latency p50/p99."""
import sqlite3
import sys
import time

docs, queries = sys.argv[1], sys.argv[2]
db = sqlite3.connect(":memory:")
db.execute("CREATE VIRTUAL TABLE d USING fts5(id UNINDEXED, title, body, tokenize='unicode61 remove_diacritics 2')")
t = time.perf_counter()
with open(docs, encoding="utf-8") as f:
    db.executemany("INSERT INTO d VALUES (?,?,?)", (line.rstrip("\n").split("\t") for line in f))
db.commit()
build = time.perf_counter() - t
lat = []
with open(queries, encoding="utf-8") as f:
    for line in f:
        text, prefix = line.rstrip("\n").split("\t")
        words = ["".join(ch for ch in w if ch.isalnum()) for w in text.split()]
        words = [w for w in words if w]
        if not words:
            continue
        terms = ['"%s"' % w for w in words]
        if prefix == "1":
            terms[-1] = terms[-1] + "*"
        q = " OR ".join(terms)
        t = time.perf_counter()
        db.execute("SELECT id, title FROM d WHERE d MATCH ? ORDER BY bm25(d, 3.0, 1.0) LIMIT 10", (q,)).fetchall()
        lat.append((time.perf_counter() - t) * 1000)
lat.sort()
p = lambda x: lat[round((len(lat) - 1) * x)]
print(f"build {build:.1f} s, p50 {p(0.5):.2f} ms, p99 {p(0.99):.2f} ms")
