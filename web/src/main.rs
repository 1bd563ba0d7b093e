//! The `centralino` command: serve the platform, query the graph, manage users.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use kb::oxigraph::io::RdfFormat;
use kb::oxigraph::sparql::results::QueryResultsFormat;
use kb::{Actor, Kb, QueryOutcome, Role, RoleSet};
use std::io::Write;
use std::path::PathBuf;
use web::settings::Settings;

/// mimalloc instead of the system allocator: bulk loads and imports make
/// and drop millions of small buffers (encoded terms and keys), where
/// glibc's malloc spent a sixth of the time (see README, "Benchmarks").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench;
mod bench_crm;
mod bench_import;
mod bench_simulate;
mod bench_telephony;
mod bench_web;
mod dimension;
mod eval;
mod transfer;

#[derive(Parser)]
#[command(name = "centralino", version, about = "Knowledge base and contact centre platform for public administrations")]
struct Cli {
    /// Data directory (graph store, index, blobs, centralino.toml).
    #[arg(long, global = true, env = "CENTRALINO_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// Settings file (default: centralino.toml in the data directory).
    #[arg(long, global = true, env = "CENTRALINO_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
    /// Whether `--data-dir` was given on the command line.
    #[arg(skip)]
    data_dir_given: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve {
        /// Address to listen on.
        #[arg(long)]
        host: Option<String>,
        /// Port to listen on.
        #[arg(long)]
        port: Option<u16>,
        /// Load the built-in demonstration data (a few dozen items, an
        /// organisation chart, one user per role with passwords printed).
        #[arg(long)]
        demo: bool,
    },
    /// Run a SPARQL query against the data directory with administrator rights.
    Sparql {
        /// The query text.
        query: String,
        /// Output format for SELECT/ASK (CONSTRUCT/DESCRIBE print Turtle).
        #[arg(long, value_enum, default_value = "tsv")]
        format: OutputFormat,
    },
    /// Search the knowledge base as an operator would.
    Search {
        /// What to look for.
        query: String,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Number of results.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Search with this role's rights (publishers and approvers also see drafts).
        #[arg(long, default_value = "operator_l1")]
        role: String,
        /// Only these kinds of result (repeatable): item, office, person.
        #[arg(long = "kind", value_enum)]
        kinds: Vec<KindArg>,
    },
    /// Rebuild the search index from the graph.
    Reindex,
    /// Staffing plan: agents needed per interval for a service-level target
    /// (Erlang C; Erlang A when a patience is given), from calls per hour,
    /// or a whole plan (hours of the week, first and second level,
    /// offline) from a yearly volume (`--contacts-per-year`), checked by
    /// simulation on the engine.
    Staffing {
        /// Calls per interval: a number (one interval) or a file of `label,calls` lines.
        #[arg(long, required_unless_present = "contacts_per_year", conflicts_with = "contacts_per_year")]
        calls_per_hour: Option<String>,
        /// Average handling time, seconds (with --calls-per-hour).
        #[arg(long, required_unless_present = "contacts_per_year")]
        aht: Option<f64>,
        /// Target: percent answered / within seconds, e.g. 90/30 (SLA.C.2).
        #[arg(long, default_value = "90/30")]
        target: String,
        /// Largest share abandoned, percent (needs --patience), e.g. 5 (SLA.C.3).
        #[arg(long)]
        max_abandon: Option<f64>,
        /// Callers' mean patience, seconds (Erlang A).
        #[arg(long)]
        patience: Option<f64>,
        /// Interval length, seconds.
        #[arg(long, default_value_t = 3600.0)]
        interval: f64,
        /// Contacts a year, all channels (the tender: 200000): plan every
        /// hour of the week from the traffic model.
        #[arg(long)]
        contacts_per_year: Option<f64>,
        /// Traffic model (TOML; default: the tender's), with --contacts-per-year.
        #[arg(long)]
        traffic: Option<PathBuf>,
        /// First day of the planned year (holidays), with --contacts-per-year.
        #[arg(long, default_value = "2027-01-04")]
        start: chrono::NaiveDate,
        /// Write the plan here (TOML for `centralino simulate --staffing`).
        #[arg(long)]
        plan_out: Option<PathBuf>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Simulate traffic through the real telephony engine in virtual time
    /// and report service level, ASA, abandonment and occupancy per hour,
    /// day and month; with --data-dir the events are stored there as real
    /// traffic's are.
    Simulate {
        /// Days to simulate.
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// Contacts a year, all channels (default: the traffic model's, 200000).
        #[arg(long)]
        contacts_per_year: Option<f64>,
        /// Staffing plan (TOML, as `centralino staffing --plan-out` writes;
        /// default: the recommended plan for the traffic).
        #[arg(long)]
        staffing: Option<PathBuf>,
        /// Traffic model (TOML; default: the tender's).
        #[arg(long)]
        traffic: Option<PathBuf>,
        /// Seed of the random draws (same seed, same events).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// First simulated day.
        #[arg(long, default_value = "2027-01-04")]
        start: chrono::NaiveDate,
        /// Print the full report (every hour of every day) as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Scale benchmarks: `kb`, `search`, `import`, `web`, `crm`, `telephony` or `simulate` (sizes from env ITEMS, PEOPLE, ROWS, CONNECTIONS, DURATION, TICKETS, CONTACTS, DAYS).
    Bench {
        /// Which benchmark.
        #[arg(value_enum)]
        which: BenchKind,
    },
    /// Measure search quality on handover data (nDCG@5, MRR, Recall@3) beside an SQLite FTS5 peer.
    Eval {
        /// KB workbook ("pillole").
        #[arg(long)]
        kb: PathBuf,
        /// Organisation chart workbook.
        #[arg(long)]
        org: PathBuf,
        /// Judged queries (`query<TAB>ID:grade,...`).
        #[arg(long)]
        queries: PathBuf,
        /// Judge validity on this day (YYYY-MM-DD; default: the latest last update in the KB file, i.e. its extraction date).
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Import knowledge items, the organisation chart, RDF or a handover bundle.
    Import {
        #[command(subcommand)]
        what: transfer::ImportCommand,
    },
    /// Export the KB, the organisation chart, RDF graphs, vCards or the handover bundle.
    Export(transfer::ExportArgs),
}

/// A kind of search result.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum KindArg {
    /// Knowledge items.
    Item,
    /// Offices.
    Office,
    /// People.
    Person,
}

impl KindArg {
    fn kind(self) -> kb::HitKind {
        match self {
            KindArg::Item => kb::HitKind::Item,
            KindArg::Office => kb::HitKind::Office,
            KindArg::Person => kb::HitKind::Person,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum BenchKind {
    /// Knowledge base: bulk and per-item publication, item reads.
    Kb,
    /// Search: index build, query latency, freshness, SQLite FTS5 peer.
    Search,
    /// Import of a generated KB workbook, exports to xlsx and TriG, Python peer.
    Import,
    /// Web load: 50 operators with wrk against a server process, with and without an analyst's SPARQL loop.
    Web,
    /// CRM: three years of tickets loaded in bulk, ticket lists with filters and countdowns, contact lookup by phone.
    Crm,
    /// Telephony: routing decisions, CTI event ingestion through the API, wallboard fan-out to browsers.
    Telephony,
    /// Dimensioning: a simulated year of contacts through the engine, in memory and written to a store.
    Simulate,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Csv,
    Tsv,
    Json,
    Xml,
}

#[derive(Subcommand)]
enum UserAction {
    /// Create a user. The password is read from CENTRALINO_PASSWORD or generated and printed.
    Add {
        /// Login name.
        name: String,
        /// Roles (repeat or separate with commas).
        #[arg(long = "role", value_delimiter = ',', required = true)]
        roles: Vec<String>,
    },
    /// List users and their roles.
    List,
    /// Set a user's password (from CENTRALINO_PASSWORD, or generated and printed).
    Passwd {
        /// Login name.
        name: String,
    },
    /// Replace a user's roles.
    Roles {
        /// Login name.
        name: String,
        /// Roles (repeat or separate with commas).
        #[arg(long = "role", value_delimiter = ',', required = true)]
        roles: Vec<String>,
    },
}

fn open(cli: &Cli) -> Result<(Kb, Settings)> {
    let settings = Settings::load(&cli.data_dir, cli.config.as_deref())?;
    let kb = Kb::open(&cli.data_dir, settings.kb.clone())
        .with_context(|| format!("cannot open the data directory {}", cli.data_dir.display()))?;
    Ok((kb, settings))
}

/// Prints search results as an operator reads them.
fn print_results(r: &kb::SearchResults) {
    println!("{} result(s)", r.total);
    for (i, h) in r.hits.iter().enumerate() {
        let kind = match h.kind {
            kb::HitKind::Item => "pillola",
            kb::HitKind::Office => "ufficio",
            kb::HitKind::Person => "persona",
        };
        let draft = if h.draft { " [bozza]" } else { "" };
        println!("{:>2}. [{kind}] {} {}{draft}  ({:.2})", i + 1, h.id, h.title, h.score);
        if let Some(d) = h.expired_on {
            println!("    SCADUTO il {}", d.format("%d/%m/%Y"));
        }
        if let Some(p) = &h.display.area_path {
            println!("    {p}");
        }
        for c in [&h.display.office, &h.display.person].into_iter().flatten() {
            println!("    {} — int. {}", c.name, c.extension.as_deref().unwrap_or("-"));
        }
    }
}

fn parse_roles(roles: &[String]) -> Result<Vec<Role>> {
    roles.iter().map(|r| r.parse::<Role>().map_err(Into::into)).collect()
}

fn password_from_env_or_random() -> (String, bool) {
    match std::env::var("CENTRALINO_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (kb::random_password(), true),
    }
}

fn main() -> std::process::ExitCode {
    let mut cli = Cli::parse();
    // Only on the command line: a CENTRALINO_DATA_DIR left in a server's
    // environment must not make `simulate` write into that data directory.
    cli.data_dir_given = std::env::args_os().any(|a| a == "--data-dir" || a.to_string_lossy().starts_with("--data-dir="));
    // The server logs at info; one-shot commands only warn, so that their
    // output stays readable. RUST_LOG overrides both.
    let default_level = if matches!(cli.command, Command::Serve { .. }) { "info" } else { "warn" };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(&cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // Print the chain of causes, skipping those whose text the
            // previous message already contains.
            let mut message = e.to_string();
            let mut last = message.clone();
            for cause in e.chain().skip(1) {
                let text = cause.to_string();
                if !last.contains(&text) {
                    message.push_str(&format!(": {text}"));
                }
                last = text;
            }
            eprintln!("error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> Result<()> {
    match &cli.command {
        Command::Serve { host, port, demo } => {
            let (kb, mut settings) = open(cli)?;
            if let Some(h) = host {
                settings.host = h.clone();
            }
            if let Some(p) = port {
                settings.port = *p;
            }
            if *demo {
                let users = web::demo::load(&kb)?;
                println!("Demo data loaded. Accounts (passwords are new at every start with --demo):");
                for u in &users {
                    println!("  {:<12} {:<14} {}", u.username, u.role.as_str(), u.password);
                }
            }
            if !kb.has_users()? {
                let password = kb::random_password();
                kb.create_user(&Actor::system(), "admin", &password, &[Role::Admin])?;
                println!("First start: created user `admin` with password {password} (shown once; change it).");
            }
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async move {
                let addr = format!("{}:{}", settings.host, settings.port);
                let listener = tokio::net::TcpListener::bind(&addr).await.with_context(|| format!("cannot listen on {addr}"))?;
                tracing::info!(%addr, "centralino listening");
                println!("centralino listening on http://{}", listener.local_addr()?);
                let state = web::AppState::with_config(
                    kb,
                    web::WebConfig { crm: settings.crm.clone(), telephony: settings.telephony.clone(), ..web::WebConfig::default() },
                )?;
                state.crm.start_mailer();
                if *demo {
                    web::demo::load_crm(&state.crm)?;
                }
                let crm = state.crm.clone();
                let phones = state.telephony.clone();
                let app = web::app(state);
                axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
                    .with_graceful_shutdown(async move {
                        let _ = tokio::signal::ctrl_c().await;
                        // Ends the live streams (consoles, wallboards) so connections close.
                        phones.stop();
                    })
                    .await?;
                // A clean stop: the next start restores the ticket board instead of rebuilding it.
                if let Err(e) = crm.save_board() {
                    tracing::warn!(error = %e, "ticket board not saved; the next start rebuilds it");
                }
                Ok::<_, anyhow::Error>(())
            })?;
        }
        Command::Sparql { query, format } => {
            let (kb, _) = open(cli)?;
            let outcome = kb.query(&RoleSet::new([Role::Admin]), query)?;
            let bytes = match &outcome {
                QueryOutcome::Graph(_) => outcome.write_graph(RdfFormat::Turtle)?,
                _ => outcome.write_results(match format {
                    OutputFormat::Csv => QueryResultsFormat::Csv,
                    OutputFormat::Tsv => QueryResultsFormat::Tsv,
                    OutputFormat::Json => QueryResultsFormat::Json,
                    OutputFormat::Xml => QueryResultsFormat::Xml,
                })?,
            };
            std::io::stdout().write_all(&bytes)?;
        }
        Command::Import { what } => {
            let (kb, _) = open(cli)?;
            transfer::import(&kb, what)?;
        }
        Command::Export(args) => {
            let (kb, _) = open(cli)?;
            transfer::export(&kb, args)?;
        }
        Command::Search { query, json, limit, role, kinds } => {
            let (kb, _) = open(cli)?;
            let role: Role = role.parse()?;
            let actor = Actor::new("cli", [role]);
            let include_drafts = matches!(role, Role::Publisher | Role::Approver | Role::Admin);
            let kinds = kinds.iter().map(|k| k.kind()).collect();
            let q = kb::SearchQuery { limit: *limit, include_drafts, kinds, ..kb::SearchQuery::new(query.clone()) };
            let results = kb.search(&actor, &q)?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&results)?);
            } else {
                print_results(&results);
            }
        }
        Command::Eval { kb: kb_file, org, queries, today, json } => {
            let report = eval::run(kb_file, org, queries, *today)?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                eval::print(&report);
            }
        }
        Command::Staffing {
            calls_per_hour,
            aht,
            target,
            max_abandon,
            patience,
            interval,
            contacts_per_year,
            traffic,
            start,
            plan_out,
            json,
        } => {
            use telephony::staffing;
            if contacts_per_year.is_some() {
                let settings = Settings::load(&cli.data_dir, cli.config.as_deref())?;
                let model = dimension::traffic(traffic.as_deref(), *contacts_per_year)?;
                return dimension::recommend(&model, &settings.telephony, *start, plan_out.as_deref(), *json);
            }
            let (Some(calls_per_hour), Some(aht)) = (calls_per_hour, aht) else {
                bail!("give --calls-per-hour and --aht, or --contacts-per-year");
            };
            let profile = match staffing::parse_calls_arg(calls_per_hour)? {
                staffing::CallsArg::Calls(n) => vec![staffing::Interval::new("1", n)],
                staffing::CallsArg::Path(p) => {
                    let text = std::fs::read_to_string(&p).with_context(|| format!("cannot read the profile {p}"))?;
                    staffing::parse_profile(&text).with_context(|| format!("profile {p}"))?
                }
            };
            let mut options = staffing::PlanOptions::new(*aht, staffing::Target::parse(target)?);
            options.interval_s = *interval;
            options.max_abandon_share = max_abandon.map(|p| p / 100.0);
            options.patience_s = *patience;
            let plan = staffing::plan(&profile, &options)?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&plan)?);
            } else {
                println!("interval\tcalls\terlang\tagents\tservice level\tP(wait)\tASA s\toccupancy\tabandoned");
                for p in &plan {
                    println!(
                        "{}\t{}\t{:.2}\t{}\t{:.1} %\t{:.3}\t{:.1}\t{:.1} %\t{}",
                        p.label,
                        p.calls,
                        p.traffic_erlangs,
                        p.agents,
                        p.service_level * 100.0,
                        p.wait_probability,
                        p.asa_s,
                        p.occupancy * 100.0,
                        p.abandon_share.map_or("-".to_owned(), |a| format!("{:.1} %", a * 100.0))
                    );
                }
                let total: u32 = plan.iter().map(|p| p.agents).sum();
                println!("agent-intervals: {total}");
            }
        }
        Command::Simulate { days, contacts_per_year, staffing, traffic, seed, start, json } => {
            let settings = Settings::load(&cli.data_dir, cli.config.as_deref())?;
            let args = dimension::SimulateArgs {
                days: *days,
                contacts_per_year: *contacts_per_year,
                staffing: staffing.as_deref(),
                traffic: traffic.as_deref(),
                seed: *seed,
                start: *start,
                json: *json,
            };
            if cli.data_dir_given {
                let (kb, settings) = open(cli)?;
                let crm = crm::Crm::open(kb.clone(), &settings.crm)?;
                dimension::simulate(&args, &settings.telephony, Some((&cli.data_dir, &kb, &crm)))?;
            } else {
                dimension::simulate(&args, &settings.telephony, None)?;
            }
        }
        Command::Bench { which } => {
            let result = match which {
                BenchKind::Kb => bench::kb_scale(),
                BenchKind::Search => bench::search_scale(),
                BenchKind::Import => bench_import::import_scale(),
                BenchKind::Web => bench_web::web_load(),
                BenchKind::Crm => bench_crm::crm_scale(),
                BenchKind::Telephony => bench_telephony::telephony_bench(),
                BenchKind::Simulate => bench_simulate::simulate_bench(),
            };
            result.map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        Command::Reindex => {
            let (kb, _) = open(cli)?;
            let started = std::time::Instant::now();
            let n = kb.reindex()?;
            println!("indexed {n} documents in {:.1} s", started.elapsed().as_secs_f64());
        }
        Command::User { action } => {
            let (kb, _) = open(cli)?;
            let admin = Actor::system();
            match action {
                UserAction::Add { name, roles } => {
                    let (password, generated) = password_from_env_or_random();
                    kb.create_user(&admin, name, &password, &parse_roles(roles)?)?;
                    println!("created user `{name}`");
                    if generated {
                        println!("password: {password}");
                    }
                }
                UserAction::List => {
                    for u in kb.users()? {
                        let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
                        println!("{}\t{}{}", u.username, roles.join(","), if u.disabled { "\t(disabled)" } else { "" });
                    }
                }
                UserAction::Passwd { name } => {
                    let (password, generated) = password_from_env_or_random();
                    kb.set_password(&admin, name, &password)?;
                    println!("password of `{name}` changed");
                    if generated {
                        println!("password: {password}");
                    }
                }
                UserAction::Roles { name, roles } => {
                    let roles = parse_roles(roles)?;
                    if roles.is_empty() {
                        bail!("give at least one --role");
                    }
                    kb.set_roles(&admin, name, &roles)?;
                    println!("roles of `{name}` changed");
                }
            }
        }
    }
    Ok(())
}
