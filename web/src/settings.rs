//! Settings: built-in defaults, then `centralino.toml` in the data
//! directory (or `--config FILE`), then `CENTRALINO_*` environment
//! variables, then command-line flags.

use anyhow::{Context, Result};
use kb::KbConfig;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Every setting of the platform.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address the web server listens on.
    pub host: String,
    /// Port the web server listens on.
    pub port: u16,
    /// Knowledge base settings (`[kb]` table).
    pub kb: KbConfig,
    /// CRM settings (`[crm]`, `[crm.calendar]`, `[crm.sla]` tables).
    pub crm: crm::CrmConfig,
    /// Telephony settings (`[telephony]`, `[[telephony.queues]]`, `[telephony.thresholds]`).
    pub telephony: telephony::TelephonyConfig,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            kb: KbConfig::default(),
            crm: crm::CrmConfig::default(),
            telephony: telephony::TelephonyConfig::default(),
        }
    }
}

impl Settings {
    /// Loads the settings for `data_dir`: the TOML file if present
    /// (`config` or `{data_dir}/centralino.toml`), then the environment.
    pub fn load(data_dir: &Path, config: Option<&Path>) -> Result<Self> {
        let path: PathBuf = config.map(Path::to_owned).unwrap_or_else(|| data_dir.join("centralino.toml"));
        let mut s = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str::<Settings>(&text).with_context(|| format!("invalid settings file {}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && config.is_none() => Settings::default(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        s.apply_env(|k| std::env::var(k).ok())?;
        Ok(s)
    }

    /// Applies `CENTRALINO_*` variables read through `get`.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<()> {
        if let Some(v) = get("CENTRALINO_HOST") {
            self.host = v;
        }
        if let Some(v) = get("CENTRALINO_PORT") {
            self.port = v.parse().context("CENTRALINO_PORT must be a port number")?;
        }
        if let Some(v) = get("CENTRALINO_BASE_IRI") {
            self.kb.base_iri = v;
        }
        if let Some(v) = get("CENTRALINO_FOUR_EYES") {
            self.kb.four_eyes = v.parse().context("CENTRALINO_FOUR_EYES must be true or false")?;
        }
        if let Some(v) = get("CENTRALINO_SPARQL_TIMEOUT_SECS") {
            self.kb.sparql_timeout_secs = v.parse().context("CENTRALINO_SPARQL_TIMEOUT_SECS must be a number")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment() -> Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("centralino.toml"), "port = 9000\n[kb]\nfour_eyes = false\n")?;
        let mut s = Settings::load(dir.path(), None)?;
        assert_eq!(s.port, 9000);
        assert!(!s.kb.four_eyes);
        s.apply_env(|k| (k == "CENTRALINO_PORT").then(|| "9100".to_owned()))?;
        assert_eq!(s.port, 9100);
        Ok(())
    }

    #[test]
    fn crm_calendar_and_clocks_are_configurable() -> Result<()> {
        let s: Settings = toml::from_str(
            "[crm.calendar]\nlocal_holidays = [\"04-23\"]\n[crm.calendar.hours]\nsaturday = [\"08:00-13:00\"]\n[crm.sla]\nresolve_in_working_hours = false\n",
        )?;
        assert_eq!(s.crm.calendar.local_holidays, vec!["04-23"]);
        assert!(s.crm.calendar.hours.contains_key("saturday"));
        assert!(!s.crm.sla.resolve_in_working_hours);
        assert_eq!(s.crm.sla.take_in_charge_hours, 4);
        Ok(())
    }

    #[test]
    fn unknown_field_is_named() {
        let err = toml::from_str::<Settings>("prot = 1").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("prot"), "{err}");
    }
}
