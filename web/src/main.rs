//! The `centralino` command: serve the platform, query the graph, manage users.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use kb::oxigraph::io::RdfFormat;
use kb::oxigraph::sparql::results::QueryResultsFormat;
use kb::{Actor, Kb, QueryOutcome, Role, RoleSet};
use std::io::Write;
use std::path::PathBuf;
use web::settings::Settings;

#[derive(Parser)]
#[command(
    name = "centralino",
    version,
    about = "Knowledge base and contact centre platform for public administrations"
)]
struct Cli {
    /// Data directory (graph store, index, blobs, centralino.toml).
    #[arg(
        long,
        global = true,
        env = "CENTRALINO_DATA_DIR",
        default_value = "./data"
    )]
    data_dir: PathBuf,
    /// Settings file (default: centralino.toml in the data directory).
    #[arg(long, global = true, env = "CENTRALINO_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
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
    },
    /// Run a SPARQL query against the data directory with administrator rights.
    Sparql {
        /// The query text.
        query: String,
        /// Output format for SELECT/ASK (CONSTRUCT/DESCRIBE print Turtle).
        #[arg(long, value_enum, default_value = "tsv")]
        format: OutputFormat,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
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

fn parse_roles(roles: &[String]) -> Result<Vec<Role>> {
    roles
        .iter()
        .map(|r| r.parse::<Role>().map_err(Into::into))
        .collect()
}

fn password_from_env_or_random() -> (String, bool) {
    match std::env::var("CENTRALINO_PASSWORD") {
        Ok(p) if !p.is_empty() => (p, false),
        _ => (kb::random_password(), true),
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // The server logs at info; one-shot commands only warn, so that their
    // output stays readable. RUST_LOG overrides both.
    let default_level = if matches!(cli.command, Command::Serve { .. }) {
        "info"
    } else {
        "warn"
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
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
        Command::Serve { host, port } => {
            let (kb, mut settings) = open(cli)?;
            if let Some(h) = host {
                settings.host = h.clone();
            }
            if let Some(p) = port {
                settings.port = *p;
            }
            if !kb.has_users()? {
                let password = kb::random_password();
                kb.create_user(&Actor::system(), "admin", &password, &[Role::Admin])?;
                println!(
                    "First start: created user `admin` with password {password} (shown once; change it)."
                );
            }
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(async move {
                let addr = format!("{}:{}", settings.host, settings.port);
                let listener = tokio::net::TcpListener::bind(&addr)
                    .await
                    .with_context(|| format!("cannot listen on {addr}"))?;
                tracing::info!(%addr, "centralino listening");
                println!("centralino listening on http://{}", listener.local_addr()?);
                axum::serve(listener, web::app(web::AppState { kb }))
                    .with_graceful_shutdown(async {
                        let _ = tokio::signal::ctrl_c().await;
                    })
                    .await?;
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
                        println!(
                            "{}\t{}{}",
                            u.username,
                            roles.join(","),
                            if u.disabled { "\t(disabled)" } else { "" }
                        );
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
