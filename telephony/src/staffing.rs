//! Staffing calculator for contact centres: Erlang C, Erlang A (M/M/N+M)
//! and an interval planner.
//!
//! Conventions used throughout the module:
//!
//! * traffic is offered load in Erlang, `A = calls × AHT / interval length`;
//! * every time is in seconds (AHT, target answer time, patience, ASA);
//! * every share or probability is a fraction in `0..=1` (0.9, not 90);
//!   only the text form of a [`Target`] ("90/30") is written in percent.
//!
//! **Erlang C** (M/M/N, callers never hang up) is computed from Erlang B,
//! which is obtained by the recursion `B(0) = 1`,
//! `B(n) = A·B(n−1) / (n + A·B(n−1))`; this never overflows, even for
//! thousands of Erlang. Then `C = N·B / (N − A·(1 − B))`,
//! service level `SL(t) = 1 − C·e^{−(N−A)·t/AHT}`, `ASA = C·AHT / (N − A)`
//! and occupancy `A / N`. With `N ≤ A` the queue is unstable: `C = 1`,
//! service level 0, ASA infinite, occupancy 1.
//!
//! **Erlang A** (M/M/N+M, Palm's model; Garnett, Mandelbaum & Reiman 2002)
//! adds exponentially distributed patience with mean θ⁻¹ seconds. With
//! `x = N·μ/θ`, `y = λ/θ` and `E = B(N, A)`, the queue states `N + k` have
//! stationary weight `π_N·t_k`, `t_k = ∏_{i=1..k} y/(x+i)`, and
//! `P(wait) = E·S / (1 − E + E·S)`, `S = Σ t_k` (the function `A(x, y)` of
//! the paper). A caller who arrives with `k` callers ahead is served with
//! probability `x/(x+k+1)`, and their offered wait is `−ln(U)/θ` with
//! `U ~ Beta(x, k+1)`; this gives closed per-state terms for abandonment,
//! answer-within-`t` (a negative-binomial tail) and the mean wait of answered
//! calls. All sums are taken over log-scaled positive terms (no cancellation,
//! no overflow); when the terms peak very far out (huge patience with fewer
//! agents than Erlang) the negligible head is skipped with a Stirling
//! log-gamma step, so the cost stays about `20·√y` terms.
//!
//! Erlang A service level is the share of **all offered calls that are
//! answered within the target time**: a call that abandons counts as missed,
//! even if it hung up before the target time. As patience grows to infinity
//! every Erlang A figure converges to its Erlang C counterpart.

use std::fmt;
use std::str::FromStr;

/// Default interval length in seconds (one hour); half-hour plans use 1800.
pub const DEFAULT_INTERVAL_S: f64 = 3600.0;

/// Largest number of agents the planner will consider for one interval.
const MAX_AGENTS: u32 = 10_000_000;

/// Largest number of series terms one Erlang A evaluation may take.
const MAX_SERIES_TERMS: u64 = 50_000_000;

/// Slack when comparing a computed share with a target, absorbing rounding.
const TARGET_SLACK: f64 = 1e-9;

/// An error of the staffing calculator; its message names the bad value.
#[derive(Debug, Clone, PartialEq)]
pub enum StaffingError {
    /// A parameter or value is missing, malformed or out of range.
    Invalid(String),
    /// A line of a profile file could not be read.
    Parse {
        /// 1-based line number in the profile text.
        line: usize,
        /// What is wrong with that line.
        message: String,
    },
}

impl fmt::Display for StaffingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StaffingError::Invalid(message) => f.write_str(message),
            StaffingError::Parse { line, message } => write!(f, "line {line}: {message}"),
        }
    }
}

impl std::error::Error for StaffingError {}

fn invalid(message: impl Into<String>) -> StaffingError {
    StaffingError::Invalid(message.into())
}

fn parse_error(line: usize, message: impl Into<String>) -> StaffingError {
    StaffingError::Parse { line, message: message.into() }
}

fn valid_traffic(traffic: f64) -> bool {
    traffic.is_finite() && traffic >= 0.0
}

fn valid_positive(value: f64) -> bool {
    value.is_finite() && value > 0.0
}

fn valid_non_negative(value: f64) -> bool {
    value.is_finite() && value >= 0.0
}

// ---------------------------------------------------------------------------
// Target
// ---------------------------------------------------------------------------

/// A service-level target: `share` of calls answered within `within_s`
/// seconds (e.g. 0.8 within 20 s, written "80/20").
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Target {
    /// Required share of calls, a fraction strictly between 0 and 1.
    pub share: f64,
    /// Answer time in seconds, finite and `>= 0`.
    pub within_s: f64,
}

impl Target {
    /// A checked target from a share (fraction, `0 < share < 1`) and an
    /// answer time in seconds (`>= 0`).
    ///
    /// # Errors
    ///
    /// [`StaffingError::Invalid`] naming the value out of range.
    pub fn new(share: f64, within_s: f64) -> Result<Target, StaffingError> {
        let target = Target { share, within_s };
        target.check()?;
        Ok(target)
    }

    fn check(&self) -> Result<(), StaffingError> {
        if !(self.share.is_finite() && self.share > 0.0 && self.share < 1.0) {
            return Err(invalid(format!("target share {} must be a fraction above 0 and below 1 (e.g. 0.8 for 80%)", self.share)));
        }
        if !valid_non_negative(self.within_s) {
            return Err(invalid(format!("target time {} s must be a finite number of seconds >= 0", self.within_s)));
        }
        Ok(())
    }

    /// Parse "SHARE/SECONDS" with the share in percent, e.g. "90/30",
    /// "80%/20s", "80,5/20". The share must be at least 1 and below 100.
    ///
    /// # Errors
    ///
    /// [`StaffingError::Invalid`] quoting the text and the bad part.
    pub fn parse(text: &str) -> Result<Target, StaffingError> {
        let trimmed = text.trim();
        let Some((share_text, secs_text)) = trimmed.split_once('/') else {
            return Err(invalid(format!("target \"{trimmed}\" must be SHARE/SECONDS with the share in percent, e.g. 90/30")));
        };
        let share_text = share_text.trim();
        let share_num = share_text.strip_suffix('%').unwrap_or(share_text).trim();
        let secs_text = secs_text.trim();
        let secs_num = secs_text.strip_suffix('s').unwrap_or(secs_text).trim();
        let Some(percent) = parse_number(share_num, true) else {
            return Err(invalid(format!("target \"{trimmed}\": share \"{share_text}\" is not a number")));
        };
        let Some(within_s) = parse_number(secs_num, true) else {
            return Err(invalid(format!("target \"{trimmed}\": seconds \"{secs_text}\" is not a number")));
        };
        if percent > 0.0 && percent < 1.0 {
            return Err(invalid(format!(
                "target \"{trimmed}\": share {percent} looks like a fraction; \
                 write it in percent, e.g. {}/{secs_num}",
                percent * 100.0
            )));
        }
        if !(1.0..100.0).contains(&percent) {
            return Err(invalid(format!("target \"{trimmed}\": share {percent}% must be at least 1 and below 100")));
        }
        if within_s < 0.0 {
            return Err(invalid(format!("target \"{trimmed}\": seconds {within_s} must not be negative")));
        }
        Ok(Target { share: percent / 100.0, within_s })
    }
}

impl FromStr for Target {
    type Err = StaffingError;

    fn from_str(text: &str) -> Result<Target, StaffingError> {
        Target::parse(text)
    }
}

impl fmt::Display for Target {
    /// Formats as "SHARE/SECONDS" in percent, e.g. "90/30".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let percent = (self.share * 100.0 * 1e6).round() / 1e6;
        let secs = (self.within_s * 1e6).round() / 1e6;
        write!(f, "{percent}/{secs}")
    }
}

// ---------------------------------------------------------------------------
// Planner
// ---------------------------------------------------------------------------

/// One interval of a call profile.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    /// Label of the interval, e.g. "08:00".
    pub label: String,
    /// Calls offered in the interval (may be fractional, e.g. a forecast).
    pub calls: f64,
}

impl Interval {
    /// An interval with the given label and number of calls.
    #[must_use]
    pub fn new(label: impl Into<String>, calls: f64) -> Interval {
        Interval { label: label.into(), calls }
    }
}

/// Parameters of [`plan`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PlanOptions {
    /// Interval length in seconds (default [`DEFAULT_INTERVAL_S`] = 3600).
    #[serde(default = "default_interval_s")]
    pub interval_s: f64,
    /// Average handling time in seconds.
    pub aht_s: f64,
    /// Service-level target to meet in every interval.
    pub target: Target,
    /// Highest acceptable share of abandoned calls (fraction, e.g. 0.05);
    /// needs `patience_s`.
    #[serde(default)]
    pub max_abandon_share: Option<f64>,
    /// Mean caller patience in seconds; when given, Erlang A is used,
    /// otherwise Erlang C.
    #[serde(default)]
    pub patience_s: Option<f64>,
}

fn default_interval_s() -> f64 {
    DEFAULT_INTERVAL_S
}

impl PlanOptions {
    /// Options with hourly intervals, Erlang C and no abandonment cap.
    #[must_use]
    pub fn new(aht_s: f64, target: Target) -> PlanOptions {
        PlanOptions { interval_s: DEFAULT_INTERVAL_S, aht_s, target, max_abandon_share: None, patience_s: None }
    }

    fn check(&self) -> Result<(), StaffingError> {
        if !valid_positive(self.interval_s) {
            return Err(invalid(format!("interval length {} s must be a positive number of seconds", self.interval_s)));
        }
        if !valid_positive(self.aht_s) {
            return Err(invalid(format!("AHT {} s must be a positive number of seconds", self.aht_s)));
        }
        self.target.check()?;
        if let Some(patience) = self.patience_s
            && (patience.is_nan() || patience <= 0.0)
        {
            return Err(invalid(format!("patience {patience} s must be a positive number of seconds")));
        }
        if let Some(cap) = self.max_abandon_share {
            if !(cap.is_finite() && cap > 0.0 && cap < 1.0) {
                return Err(invalid(format!(
                    "maximum abandonment share {cap} must be a fraction above 0 and below 1 \
                     (e.g. 0.05 for 5%)"
                )));
            }
            if self.patience_s.is_none() {
                return Err(invalid(
                    "a maximum abandonment share needs a patience (Erlang A); \
                     Erlang C assumes callers never abandon",
                ));
            }
        }
        Ok(())
    }
}

/// Staffing result for one interval.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IntervalPlan {
    /// Label of the interval, as in the profile.
    pub label: String,
    /// Calls offered in the interval.
    pub calls: f64,
    /// Offered traffic in Erlang.
    pub traffic_erlangs: f64,
    /// Minimum agents meeting the target (and the abandonment cap).
    pub agents: u32,
    /// Expected service level with that many agents (fraction).
    pub service_level: f64,
    /// Probability that a call waits.
    pub wait_probability: f64,
    /// Average speed of answer in seconds (answered calls).
    pub asa_s: f64,
    /// Agent occupancy (fraction).
    pub occupancy: f64,
    /// Share of abandoned calls (Erlang A only; `None` with Erlang C).
    pub abandon_share: Option<f64>,
}

/// Figures for one staffing level.
struct Figures {
    service_level: f64,
    wait_probability: f64,
    asa_s: f64,
    occupancy: f64,
    abandon_share: Option<f64>,
}

/// For every interval, the minimum number of agents whose expected service
/// level reaches `options.target` (and, with Erlang A, whose abandonment
/// share stays within `options.max_abandon_share`), with the figures at that
/// staffing. Intervals without calls get 0 agents, service level 1.
///
/// Erlang C is used unless `options.patience_s` is given (then Erlang A).
///
/// # Errors
///
/// [`StaffingError::Invalid`] for options out of range, a cap without a
/// patience, or an interval with negative or non-finite calls (naming the
/// interval), or a traffic too large to staff.
pub fn plan(profile: &[Interval], options: &PlanOptions) -> Result<Vec<IntervalPlan>, StaffingError> {
    options.check()?;
    profile.iter().map(|interval| plan_interval(interval, options)).collect()
}

/// The offered traffic of an interval, checked.
fn interval_traffic(interval: &Interval, options: &PlanOptions) -> Result<f64, StaffingError> {
    let (label, calls) = (&interval.label, interval.calls);
    if !valid_non_negative(calls) {
        return Err(invalid(format!("interval \"{label}\": calls {calls} must be a finite number >= 0")));
    }
    let traffic = calls * options.aht_s / options.interval_s;
    if !traffic.is_finite() || traffic > f64::from(MAX_AGENTS) / 2.0 {
        return Err(invalid(format!("interval \"{label}\": traffic {traffic} Erlang is too large to staff")));
    }
    Ok(traffic)
}

/// The figures of `agents` for `traffic` Erlang (Erlang A with a
/// patience, Erlang C without); `traffic` is positive.
fn figures(agents: u32, traffic: f64, options: &PlanOptions, label: &str) -> Result<Figures, StaffingError> {
    let within = options.target.within_s;
    match options.patience_s {
        None => Ok(Figures {
            service_level: service_level(agents, traffic, options.aht_s, within),
            wait_probability: erlang_c(agents, traffic),
            asa_s: asa(agents, traffic, options.aht_s),
            occupancy: occupancy(agents, traffic),
            abandon_share: None,
        }),
        Some(patience) => {
            let a = erlang_a_checked(agents, traffic, options.aht_s, patience, within, true)
                .map_err(|e| invalid(format!("interval \"{label}\": {e}")))?;
            Ok(Figures {
                service_level: a.service_level,
                wait_probability: a.wait_probability,
                asa_s: a.asa_s,
                occupancy: a.occupancy,
                abandon_share: Some(a.abandon_probability),
            })
        }
    }
}

fn interval_plan(interval: &Interval, traffic: f64, agents: u32, f: Figures) -> IntervalPlan {
    IntervalPlan {
        label: interval.label.clone(),
        calls: interval.calls,
        traffic_erlangs: traffic,
        agents,
        service_level: f.service_level,
        wait_probability: f.wait_probability,
        asa_s: f.asa_s,
        occupancy: f.occupancy,
        abandon_share: f.abandon_share,
    }
}

/// The figures of a given staffing of an interval (no search): expected
/// service level, probability of waiting, ASA, occupancy and abandonment
/// with `agents` agents. An interval without calls gives service level 1.
///
/// # Errors
///
/// As [`plan`]: options out of range, or calls that are negative, not
/// finite or too many.
pub fn evaluate(interval: &Interval, agents: u32, options: &PlanOptions) -> Result<IntervalPlan, StaffingError> {
    options.check()?;
    let traffic = interval_traffic(interval, options)?;
    if traffic == 0.0 {
        return Ok(IntervalPlan { agents, ..interval_plan(interval, 0.0, 0, idle_figures(options)) });
    }
    Ok(interval_plan(interval, traffic, agents, figures(agents, traffic, options, &interval.label)?))
}

/// The figures of an interval without calls.
fn idle_figures(options: &PlanOptions) -> Figures {
    Figures { service_level: 1.0, wait_probability: 0.0, asa_s: 0.0, occupancy: 0.0, abandon_share: options.patience_s.map(|_| 0.0) }
}

fn plan_interval(interval: &Interval, options: &PlanOptions) -> Result<IntervalPlan, StaffingError> {
    let label = &interval.label;
    let traffic = interval_traffic(interval, options)?;
    if traffic == 0.0 {
        return Ok(interval_plan(interval, 0.0, 0, idle_figures(options)));
    }
    let target = &options.target;
    let evaluate = |agents: u32| figures(agents, traffic, options, label);
    let feasible = |f: &Figures| {
        f.service_level >= target.share - TARGET_SLACK
            && match (options.max_abandon_share, f.abandon_share) {
                (Some(cap), Some(ab)) => ab <= cap + TARGET_SLACK,
                _ => true,
            }
    };
    // Fewer agents cannot work: Erlang C needs N > A; with Erlang A the
    // answered share is below N/A, so N ≥ share·A and N ≥ (1 − cap)·A.
    let start = match options.patience_s {
        None => traffic.floor() + 1.0,
        Some(_) => {
            let cap_bound = options.max_abandon_share.map_or(0.0, |cap| (1.0 - cap) * traffic);
            (target.share * traffic).max(cap_bound).floor().max(1.0)
        }
    };
    // `start` is below MAX_AGENTS (traffic checked above), so the cast is exact.
    let (agents, figures) = min_feasible(start as u32, evaluate, feasible).map_err(|e| match e {
        SearchError::Eval(e) => e,
        SearchError::Exhausted => invalid(format!("interval \"{label}\": no staffing up to {MAX_AGENTS} agents meets target {target}")),
    })?;
    Ok(interval_plan(interval, traffic, agents, figures))
}

enum SearchError {
    Eval(StaffingError),
    Exhausted,
}

/// Smallest `n >= start` with `feasible(evaluate(n))`, assuming feasibility
/// is monotone in `n`: gallop upwards, then bisect.
fn min_feasible<E, F>(start: u32, evaluate: E, feasible: F) -> Result<(u32, Figures), SearchError>
where
    E: Fn(u32) -> Result<Figures, StaffingError>,
    F: Fn(&Figures) -> bool,
{
    let mut step: u32 = 1;
    let mut last_bad: Option<u32> = None;
    let mut n = start;
    let (mut hi, mut hi_figures) = loop {
        let figures = evaluate(n).map_err(SearchError::Eval)?;
        if feasible(&figures) {
            break (n, figures);
        }
        last_bad = Some(n);
        if n >= MAX_AGENTS {
            return Err(SearchError::Exhausted);
        }
        n = n.saturating_add(step).min(MAX_AGENTS);
        step = step.saturating_mul(2);
    };
    if let Some(mut lo) = last_bad {
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            let figures = evaluate(mid).map_err(SearchError::Eval)?;
            if feasible(&figures) {
                hi = mid;
                hi_figures = figures;
            } else {
                lo = mid;
            }
        }
    }
    Ok((hi, hi_figures))
}

mod erlang;
use erlang::erlang_a_checked;
pub use erlang::{ErlangA, asa, erlang_a, erlang_b, erlang_c, occupancy, service_level, traffic_erlangs};

mod profile;
use profile::parse_number;
pub use profile::{CallsArg, parse_calls_arg, parse_profile};

#[cfg(test)]
mod tests;
