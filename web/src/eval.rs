//! `centralino eval`: search quality on handover data.
//!
//! Loads a KB workbook and an organisation chart into a temporary data
//! directory, runs every query of a TSV file (`query<TAB>ID:grade,...`,
//! IDs being item codes, `PER-<staff number>` and `STR-<office code>`) and
//! reports nDCG@5, MRR (first result of any positive grade), Recall@3 of a
//! grade-2 result, and the queries that miss. An expired item that is the
//! judged answer counts when found: results always carry its "scaduto il"
//! mark, so the operator learns that it closed. The same figures are
//! printed for a plain SQLite FTS5 BM25 peer over the same texts (Python's
//! sqlite3; skipped when python3 is missing).

use anyhow::{Context, Result, bail};
use kb::{Actor, HitKind, Kb, KbConfig, SearchQuery};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// One judged query.
#[derive(Debug, Clone)]
pub struct Judged {
    /// The text.
    pub query: String,
    /// ID → grade (1 useful, 2 the answer).
    pub grades: HashMap<String, u8>,
}

/// Parses the judgments file.
pub fn read_queries(path: &Path) -> Result<Vec<Judged>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if n == 0 && line.to_ascii_lowercase().starts_with("query") || line.trim().is_empty() {
            continue;
        }
        let Some((query, rel)) = line.split_once('\t') else {
            bail!("{}:{}: expected `query<TAB>relevant`", path.display(), n + 1);
        };
        let mut grades = HashMap::new();
        for part in rel.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (id, g) = part.rsplit_once(':').with_context(|| format!("{}:{}: `{part}` is not ID:grade", path.display(), n + 1))?;
            let g: u8 = g.parse().with_context(|| format!("{}:{}: bad grade in `{part}`", path.display(), n + 1))?;
            grades.insert(id.to_owned(), g);
        }
        out.push(Judged { query: query.to_owned(), grades });
    }
    Ok(out)
}

/// Quality figures of one system.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Figures {
    /// Mean nDCG at 5.
    pub ndcg5: f64,
    /// Mean reciprocal rank of the first relevant result.
    pub mrr: f64,
    /// Share of queries with a grade-2 result in the top 3.
    pub recall3: f64,
    /// Queries without a grade-2 result in the top 3: the query, what came
    /// first, and the rank of the answer in the top 10 if there.
    pub misses: Vec<(String, Vec<String>, Option<usize>)>,
}

/// Computes the figures from ranked ID lists.
pub fn figures(judged: &[Judged], ranked: &[Vec<String>]) -> Figures {
    let mut f = Figures::default();
    for (j, r) in judged.iter().zip(ranked) {
        let gain = |id: &String| f64::from(j.grades.get(id).copied().unwrap_or(0));
        let dcg: f64 = r.iter().take(5).enumerate().map(|(i, id)| (2f64.powf(gain(id)) - 1.0) / ((i + 2) as f64).log2()).sum();
        let mut ideal: Vec<f64> = j.grades.values().map(|g| f64::from(*g)).collect();
        ideal.sort_by(|a, b| b.total_cmp(a));
        let idcg: f64 = ideal.iter().take(5).enumerate().map(|(i, g)| (2f64.powf(*g) - 1.0) / ((i + 2) as f64).log2()).sum();
        f.ndcg5 += if idcg > 0.0 { dcg / idcg } else { 0.0 };
        if let Some(pos) = r.iter().position(|id| gain(id) > 0.0) {
            f.mrr += 1.0 / (pos + 1) as f64;
        }
        if r.iter().take(3).any(|id| gain(id) >= 2.0) {
            f.recall3 += 1.0;
        } else {
            let rank = r.iter().position(|id| gain(id) >= 2.0).map(|p| p + 1);
            f.misses.push((j.query.clone(), r.iter().take(3).cloned().collect(), rank));
        }
    }
    let n = judged.len().max(1) as f64;
    f.ndcg5 /= n;
    f.mrr /= n;
    f.recall3 /= n;
    f
}

/// The ID a hit is judged by.
fn judged_id(kind: HitKind, id: &str) -> String {
    match kind {
        HitKind::Item => id.to_owned(),
        HitKind::Person => format!("PER-{id}"),
        HitKind::Office => format!("STR-{id}"),
    }
}

/// Loads the files, runs the queries on centralino and on the peer.
pub fn run(kb_file: &Path, org_file: &Path, queries: &Path, today: Option<chrono::NaiveDate>) -> Result<Report> {
    let judged = read_queries(queries)?;
    let dir = tempfile::tempdir()?;
    let kb = Kb::open(dir.path(), KbConfig::default())?;
    let admin = Actor::system();
    let org_opts = importers::OrgImportOptions::default();
    importers::import_org(&kb, &admin, org_file, &org_opts, &mut |_| {}).with_context(|| format!("importing {}", org_file.display()))?;
    let kb_opts = importers::KbImportOptions::default();
    importers::import_kb(&kb, &admin, kb_file, &kb_opts, &mut |_| {}).with_context(|| format!("importing {}", kb_file.display()))?;
    kb.wait_for_search(Duration::from_secs(60))?;
    // Judgments were made when the file was extracted: validity is judged
    // as of the latest "last update" in it, unless a day is given.
    let today = match today {
        Some(d) => Some(d),
        None => extraction_date(&kb)?,
    };
    let operator = Actor::new("eval", [kb::Role::OperatorL1]);
    let mut ranked = Vec::new();
    for j in &judged {
        let q = SearchQuery { today, limit: 10, ..SearchQuery::new(j.query.clone()) };
        let r = kb.search(&operator, &q)?;
        ranked.push(r.hits.iter().map(|h| judged_id(h.kind, &h.id)).collect::<Vec<_>>());
    }
    let ours = figures(&judged, &ranked);
    let peer = peer_ranked(&kb, &judged)?.map(|r| figures(&judged, &r));
    Ok(Report { queries: judged.len(), today, centralino: ours, sqlite_fts5: peer })
}

/// What `eval` reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// Number of judged queries.
    pub queries: usize,
    /// The day validity was judged against.
    pub today: Option<chrono::NaiveDate>,
    /// Our figures.
    pub centralino: Figures,
    /// The SQLite FTS5 peer's figures (when python3 is available).
    pub sqlite_fts5: Option<Figures>,
}

/// The latest last-update date of the published items.
fn extraction_date(kb: &Kb) -> Result<Option<chrono::NaiveDate>> {
    let q = "SELECT (MAX(?m) AS ?latest) WHERE { GRAPH ?g { ?i <http://purl.org/dc/terms/modified> ?m } }";
    let latest = match kb.query(&kb::RoleSet::new([kb::Role::Admin]), q)? {
        kb::QueryOutcome::Solutions { rows, .. } => rows.into_iter().next().and_then(|r| r.into_iter().next().flatten()),
        _ => None,
    };
    Ok(latest.and_then(|t| kb_value(&t).get(..10).and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())))
}

const PEER: &str = r#"
import sqlite3, sys, json
docs, queries = sys.argv[1], sys.argv[2]
db = sqlite3.connect(":memory:")
db.execute("CREATE VIRTUAL TABLE d USING fts5(id UNINDEXED, text, tokenize='unicode61 remove_diacritics 2')")
with open(docs, encoding="utf-8") as f:
    db.executemany("INSERT INTO d VALUES (?,?)", (l.rstrip("\n").split("\t", 1) for l in f))
out = []
with open(queries, encoding="utf-8") as f:
    for line in f:
        words = ["".join(c for c in w if c.isalnum()) for w in line.split()]
        q = " OR ".join('"%s"' % w for w in words if w)
        rows = db.execute("SELECT id FROM d WHERE d MATCH ? ORDER BY bm25(d) LIMIT 10", (q,)).fetchall() if q else []
        out.append([r[0] for r in rows])
print(json.dumps(out))
"#;

/// The same queries on SQLite FTS5 (accent folding, no stemming, OR of the words).
fn peer_ranked(kb: &Kb, judged: &[Judged]) -> Result<Option<Vec<Vec<String>>>> {
    let dir = tempfile::tempdir()?;
    let docs = dir.path().join("docs.tsv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&docs)?);
    let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
    let today = chrono::Utc::now().date_naive();
    for o in kb.offices()? {
        writeln!(f, "STR-{}\t{} {}", o.code, clean(&o.name), clean(o.competences.as_deref().unwrap_or_default()))?;
    }
    for p in kb.people()? {
        writeln!(
            f,
            "PER-{}\t{} {} {}",
            p.staff_number,
            clean(&p.full_name()),
            clean(p.functions.as_deref().unwrap_or_default()),
            clean(p.title.as_deref().unwrap_or_default())
        )?;
    }
    let ids: Vec<String> = kb
        .query(&kb::RoleSet::new([kb::Role::Admin]), "SELECT ?id WHERE { GRAPH ?g { ?i a <https://w3id.org/centralino/ontology#KnowledgeItem> ; <http://purl.org/dc/terms/identifier> ?id } }")
        .map(|o| match o {
            kb::QueryOutcome::Solutions { rows, .. } => rows.into_iter().filter_map(|r| r.into_iter().next().flatten().map(|t| kb_value(&t))).collect(),
            _ => Vec::new(),
        })?;
    let mut seen = std::collections::HashSet::new();
    for id in ids {
        if !seen.insert(id.clone()) {
            continue;
        }
        if let Some(v) = kb.item_view(&id, today)? {
            let c = &v.item.content;
            writeln!(
                f,
                "{id}\t{} {} {} {}",
                clean(&c.title),
                clean(c.question.as_deref().unwrap_or_default()),
                clean(&c.answer),
                clean(&c.keywords.join(" "))
            )?;
        }
    }
    f.flush()?;
    drop(f);
    let queries = dir.path().join("queries.txt");
    std::fs::write(&queries, judged.iter().map(|j| format!("{}\n", clean(&j.query))).collect::<String>())?;
    let script = dir.path().join("peer.py");
    std::fs::write(&script, PEER)?;
    let out = match std::process::Command::new("python3").arg(&script).arg(&docs).arg(&queries).output() {
        Ok(o) if o.status.success() => o,
        _ => return Ok(None),
    };
    Ok(serde_json::from_slice(&out.stdout).ok())
}

fn kb_value(t: &kb::oxigraph::model::Term) -> String {
    match t {
        kb::oxigraph::model::Term::Literal(l) => l.value().to_owned(),
        other => other.to_string(),
    }
}

/// Prints the report.
pub fn print(report: &Report) {
    let (ours, peer, n) = (&report.centralino, report.sqlite_fts5.as_ref(), report.queries);
    match report.today {
        Some(d) => println!("{n} queries; validity judged as of {d}"),
        None => println!("{n} queries"),
    }
    println!("{:<22} {:>8} {:>8} {:>10}", "system", "nDCG@5", "MRR", "Recall@3");
    println!("{:<22} {:>8.3} {:>8.3} {:>10.3}", "centralino", ours.ndcg5, ours.mrr, ours.recall3);
    match peer {
        Some(p) => println!("{:<22} {:>8.3} {:>8.3} {:>10.3}", "SQLite FTS5 (BM25)", p.ndcg5, p.mrr, p.recall3),
        None => println!("SQLite FTS5 peer not run (python3 with sqlite3 FTS5 not available)"),
    }
    if !ours.misses.is_empty() {
        println!("\nqueries without the answer in the top 3:");
        for (q, top, rank) in &ours.misses {
            let rank = rank.map_or_else(|| "not in the top 10".to_owned(), |r| format!("answer at rank {r}"));
            println!("  {q}  →  {}  ({rank})", top.join(", "));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_on_a_hand_computed_case() {
        let j = vec![
            Judged { query: "a".into(), grades: HashMap::from([("X".to_owned(), 2)]) },
            Judged { query: "b".into(), grades: HashMap::from([("Y".to_owned(), 2), ("Z".to_owned(), 1)]) },
        ];
        let ranked = vec![vec!["X".to_owned()], vec!["Q".into(), "Z".into(), "W".into(), "Y".into()]];
        let f = figures(&j, &ranked);
        assert!((f.mrr - (1.0 + 0.5) / 2.0).abs() < 1e-9);
        assert!((f.recall3 - 0.5).abs() < 1e-9);
        assert_eq!(f.misses.len(), 1);
        // Query b: DCG = 1/log2(3) + 3/log2(5); IDCG = 3/1 + 1/log2(3).
        let b = (1.0 / 3f64.log2() + 3.0 / 5f64.log2()) / (3.0 + 1.0 / 3f64.log2());
        assert!((f.ndcg5 - (1.0 + b) / 2.0).abs() < 1e-9);
    }
}
