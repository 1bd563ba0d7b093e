//! `centralino import ...` and `centralino export ...`: the command line of
//! the `importers` crate. The commands act as the built-in administrator.

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use importers::{EntryState, ImportReport, KbImportOptions, Mapping, OrgImportOptions, Progress, RdfImportOptions, RdfSyntax};
use indicatif::{ProgressBar, ProgressStyle};
use kb::{Actor, Graph, Kb};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// What to import.
#[derive(Subcommand)]
pub enum ImportCommand {
    /// Knowledge items from an Excel workbook ("pillole di conoscenza").
    Kb {
        /// The workbook (.xlsx, .xls, .xlsb, .ods).
        file: PathBuf,
        /// Show the report and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// A TOML mapping file for layouts the header synonyms do not cover.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// How items enter: published at once, or drafts for review.
        #[arg(long = "as", value_enum, default_value = "published")]
        entry: Entry,
        #[command(flatten)]
        common: CommonImport,
    },
    /// The organisation chart (sheets of structures and staff).
    Org {
        /// The workbook.
        file: PathBuf,
        /// Show the report and change nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        common: CommonImport,
    },
    /// Knowledge items from RDF (Turtle, RDF/XML, JSON-LD, N-Triples), as drafts.
    Rdf {
        /// The RDF file.
        file: PathBuf,
        /// The syntax (default: from the extension): turtle, ntriples, nquads, trig, rdfxml, jsonld.
        #[arg(long)]
        format: Option<String>,
        /// Show the report and change nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        common: CommonImport,
    },
    /// A handover bundle (from `export --handover`) into an empty data directory.
    Handover {
        /// The bundle (.zip).
        file: PathBuf,
        /// Refuse bundles larger than this many bytes (default 2 GiB).
        #[arg(long, default_value_t = 2 * 1024 * 1024 * 1024)]
        max_bytes: u64,
    },
}

/// Options shared by the row imports.
#[derive(Args)]
pub struct CommonImport {
    /// Also write the report to this file (.csv or .xlsx).
    #[arg(long)]
    report: Option<PathBuf>,
    /// Refuse files larger than this many bytes, before parsing them.
    #[arg(long, default_value_t = importers::DEFAULT_MAX_BYTES)]
    max_bytes: u64,
    /// Import nothing if any row is rejected.
    #[arg(long)]
    strict: bool,
    /// Print only warnings and errors (by default every note is printed:
    /// a defect corrected on import is still a defect of the file).
    #[arg(long, short)]
    quiet: bool,
}

/// How imported items enter.
#[derive(Clone, Copy, ValueEnum)]
pub enum Entry {
    /// Published at once (initial load).
    Published,
    /// Drafts for review.
    Draft,
}

/// What to export.
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ExportArgs {
    /// Write the whole handover bundle (graphs, workbooks, vCard, ontology, manifest) to this zip.
    #[arg(long, value_name = "FILE.zip")]
    handover: Option<PathBuf>,
    #[command(subcommand)]
    what: Option<ExportCommand>,
}

/// One export.
#[derive(Subcommand)]
pub enum ExportCommand {
    /// The published knowledge items to a workbook in the import layout.
    Kb {
        /// The workbook to write (.xlsx).
        file: PathBuf,
    },
    /// The organisation chart to a workbook (sheets Strutture and Personale).
    Org {
        /// The workbook to write (.xlsx).
        file: PathBuf,
    },
    /// Named graphs to RDF.
    Rdf {
        /// The file to write.
        file: PathBuf,
        /// Graphs (comma-separated): ontology, taxonomy, kb/published,
        /// kb/workspace, org, crm, telephony, audit, inferred.
        #[arg(long, value_delimiter = ',', default_value = "taxonomy,kb/published,org")]
        graphs: Vec<String>,
        /// Syntax (default: from the extension): turtle, ntriples, nquads, trig, rdfxml, jsonld.
        #[arg(long)]
        format: Option<String>,
    },
    /// People and offices as vCard 4.0.
    Vcard {
        /// The file to write (.vcf).
        file: PathBuf,
    },
}

/// A progress bar on a terminal, plain lines otherwise.
fn progress_reporter() -> impl FnMut(Progress) {
    let tty = std::io::stderr().is_terminal();
    let mut bar: Option<(ProgressBar, &'static str)> = None;
    let mut last_line = (String::new(), 0usize);
    move |p: Progress| {
        if tty {
            let fresh = bar.as_ref().is_none_or(|(_, phase)| *phase != p.phase);
            if fresh {
                if let Some((b, _)) = bar.take() {
                    b.finish_and_clear();
                }
                let b = ProgressBar::new(p.total as u64);
                if let Ok(style) = ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} ({per_sec}, {eta})") {
                    b.set_style(style.progress_chars("=> "));
                }
                b.set_message(p.phase);
                bar = Some((b, p.phase));
            }
            if let Some((b, _)) = &bar {
                b.set_position(p.done as u64);
                if p.phase == "committing" {
                    b.finish_and_clear();
                    eprintln!("committing {} rows...", p.total);
                }
            }
        } else {
            let step = (p.total / 10).max(1000);
            if last_line.0 != p.phase || p.done >= last_line.1 + step {
                eprintln!("{}: {}/{}", p.phase, p.done, p.total);
                last_line = (p.phase.to_owned(), p.done);
            }
        }
    }
}

fn finish(report: &ImportReport, common: &CommonImport) -> Result<()> {
    print!("{}", report.render(!common.quiet));
    if let Some(path) = &common.report {
        report.write(path).with_context(|| format!("cannot write the report {}", path.display()))?;
        println!("report written to {}", path.display());
    }
    println!("{}: {}", report.file.display(), report.summary());
    Ok(())
}

fn syntax(format: Option<&str>, file: &Path) -> Result<RdfSyntax> {
    match format {
        Some(f) => RdfSyntax::from_name(f)
            .with_context(|| format!("unknown RDF format {f:?}; use turtle, ntriples, nquads, trig, rdfxml or jsonld")),
        None => RdfSyntax::from_path(file)
            .with_context(|| format!("cannot tell the RDF format of {} from its extension; give --format", file.display())),
    }
}

/// Runs an import command.
pub fn import(kb: &Kb, what: &ImportCommand) -> Result<()> {
    let admin = Actor::system();
    let mut progress = progress_reporter();
    match what {
        ImportCommand::Kb { file, dry_run, mapping, entry, common } => {
            let mapping = mapping.as_deref().map(|p| Mapping::load(p, &importers::KB_SCHEMA)).transpose()?;
            let opts = KbImportOptions {
                dry_run: *dry_run,
                entry: match entry {
                    Entry::Published => EntryState::Published,
                    Entry::Draft => EntryState::Draft,
                },
                mapping,
                max_bytes: common.max_bytes,
                strict: common.strict,
                ..Default::default()
            };
            let report = importers::import_kb(kb, &admin, file, &opts, &mut progress)?;
            finish(&report, common)
        }
        ImportCommand::Org { file, dry_run, common } => {
            let opts = OrgImportOptions { dry_run: *dry_run, max_bytes: common.max_bytes, strict: common.strict };
            let report = importers::import_org(kb, &admin, file, &opts, &mut progress)?;
            finish(&report, common)
        }
        ImportCommand::Rdf { file, format, dry_run, common } => {
            let opts = RdfImportOptions {
                dry_run: *dry_run,
                max_bytes: common.max_bytes,
                syntax: Some(syntax(format.as_deref(), file)?),
                strict: common.strict,
            };
            let report = importers::import_rdf(kb, &admin, file, &opts)?;
            finish(&report, common)
        }
        ImportCommand::Handover { file, max_bytes } => {
            let summary = importers::import_handover(kb, file, *max_bytes)?;
            for w in &summary.warnings {
                eprintln!("warning: {w}");
            }
            for (g, n) in &summary.manifest.graphs {
                println!("{g}: {n} quads");
            }
            println!("restored the bundle exported at {} by {}", summary.manifest.exported_at, summary.manifest.software);
            Ok(())
        }
    }
}

fn parse_graph(name: &str) -> Result<Graph> {
    Graph::ALL
        .into_iter()
        .find(|g| g.path() == name.trim())
        .with_context(|| format!("unknown graph {name:?}; graphs are: {}", Graph::ALL.map(|g| g.path()).join(", ")))
}

/// Runs an export command.
pub fn export(kb: &Kb, args: &ExportArgs) -> Result<()> {
    match (&args.handover, &args.what) {
        (Some(path), None) => {
            let summary = importers::export_handover(kb, path)?;
            for w in &summary.warnings {
                eprintln!("warning: {w}");
            }
            for (g, n) in &summary.manifest.graphs {
                println!("{g}: {n} quads");
            }
            println!("handover bundle written to {} ({} files)", path.display(), summary.manifest.files.len() + 1);
        }
        (None, Some(ExportCommand::Kb { file })) => {
            let stats = importers::export_kb_xlsx(kb, file)?;
            for w in &stats.warnings {
                eprintln!("warning: {w}");
            }
            println!("{} items written to {}", stats.rows, file.display());
        }
        (None, Some(ExportCommand::Org { file })) => {
            let stats = importers::export_org_xlsx(kb, file)?;
            for w in &stats.warnings {
                eprintln!("warning: {w}");
            }
            println!("{} offices and people written to {}", stats.rows, file.display());
        }
        (None, Some(ExportCommand::Rdf { file, graphs, format })) => {
            let graphs = graphs.iter().map(|g| parse_graph(g)).collect::<Result<Vec<_>>>()?;
            let syntax = syntax(format.as_deref(), file)?;
            let n = importers::export_rdf(kb, &Actor::system().roles, &graphs, syntax, file)?;
            println!("{n} quads written to {}", file.display());
        }
        (None, Some(ExportCommand::Vcard { file })) => {
            let n = importers::export_vcard(kb, file)?;
            println!("{n} vCards written to {}", file.display());
        }
        _ => bail!("say what to export: kb FILE, org FILE, rdf FILE, vcard FILE, or --handover FILE.zip"),
    }
    Ok(())
}
