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
// Erlang B / Erlang C
// ---------------------------------------------------------------------------

/// Offered traffic in Erlang: `calls × aht_s / interval_s`.
///
/// Returns NaN when `calls` is negative or either time is not a positive,
/// finite number.
#[must_use]
pub fn traffic_erlangs(calls: f64, interval_s: f64, aht_s: f64) -> f64 {
    if !valid_non_negative(calls) || !valid_positive(interval_s) || !valid_positive(aht_s) {
        return f64::NAN;
    }
    calls * aht_s / interval_s
}

/// Erlang B blocking probability for `agents` servers and `traffic` Erlang,
/// by the recursion `B(0) = 1`, `B(n) = A·B(n−1) / (n + A·B(n−1))`.
///
/// Stable for any traffic (no factorials or powers). Returns NaN when
/// `traffic` is negative or not finite.
#[must_use]
pub fn erlang_b(agents: u32, traffic: f64) -> f64 {
    if !valid_traffic(traffic) {
        return f64::NAN;
    }
    let mut b = 1.0_f64;
    for n in 1..=agents {
        let ab = traffic * b;
        b = ab / (f64::from(n) + ab);
        if b == 0.0 {
            break;
        }
    }
    b
}

/// Erlang C from a precomputed Erlang B value; requires `n > a > 0`.
fn erlang_c_from_b(n: f64, a: f64, b: f64) -> f64 {
    (n * b / (n - a * (1.0 - b))).clamp(0.0, 1.0)
}

/// Erlang C: probability that a call has to wait (finds all agents busy).
///
/// Zero traffic gives 0; `agents ≤ traffic` (unstable queue) gives 1.
/// Returns NaN when `traffic` is negative or not finite.
#[must_use]
pub fn erlang_c(agents: u32, traffic: f64) -> f64 {
    if !valid_traffic(traffic) {
        return f64::NAN;
    }
    if traffic == 0.0 {
        return 0.0;
    }
    let n = f64::from(agents);
    if n <= traffic {
        return 1.0;
    }
    erlang_c_from_b(n, traffic, erlang_b(agents, traffic))
}

/// Erlang C service level: share of calls answered within `target_s`
/// seconds, `1 − C·e^{−(N−A)·target_s/aht_s}`.
///
/// Zero traffic gives 1; `agents ≤ traffic` gives 0. Returns NaN when
/// `traffic` or `target_s` is negative or not finite, or `aht_s` is not a
/// positive finite number.
#[must_use]
pub fn service_level(agents: u32, traffic: f64, aht_s: f64, target_s: f64) -> f64 {
    if !valid_traffic(traffic) || !valid_positive(aht_s) || !valid_non_negative(target_s) {
        return f64::NAN;
    }
    if traffic == 0.0 {
        return 1.0;
    }
    let n = f64::from(agents);
    if n <= traffic {
        return 0.0;
    }
    let c = erlang_c(agents, traffic);
    (1.0 - c * (-(n - traffic) * target_s / aht_s).exp()).clamp(0.0, 1.0)
}

/// Erlang C average speed of answer in seconds, `C·AHT / (N − A)`.
///
/// Zero traffic gives 0; `agents ≤ traffic` gives `f64::INFINITY`.
/// Returns NaN for negative or non-finite traffic or a non-positive AHT.
#[must_use]
pub fn asa(agents: u32, traffic: f64, aht_s: f64) -> f64 {
    if !valid_traffic(traffic) || !valid_positive(aht_s) {
        return f64::NAN;
    }
    if traffic == 0.0 {
        return 0.0;
    }
    let n = f64::from(agents);
    if n <= traffic {
        return f64::INFINITY;
    }
    erlang_c(agents, traffic) * aht_s / (n - traffic)
}

/// Erlang C agent occupancy `A / N`, capped at 1 (agents ≤ traffic).
///
/// Zero traffic gives 0. Returns NaN for negative or non-finite traffic.
#[must_use]
pub fn occupancy(agents: u32, traffic: f64) -> f64 {
    if !valid_traffic(traffic) {
        return f64::NAN;
    }
    if traffic == 0.0 {
        return 0.0;
    }
    if agents == 0 {
        return 1.0;
    }
    (traffic / f64::from(agents)).min(1.0)
}

// ---------------------------------------------------------------------------
// Erlang A
// ---------------------------------------------------------------------------

/// Performance figures of an Erlang A (M/M/N+M) queue.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ErlangA {
    /// Probability that an arriving call finds all agents busy and waits.
    pub wait_probability: f64,
    /// Share of offered calls that abandon (hang up before being answered).
    pub abandon_probability: f64,
    /// Share of offered calls answered within the target time (abandoned
    /// calls count as missed).
    pub service_level: f64,
    /// Average speed of answer: mean wait in seconds of the answered calls
    /// (those answered at once count with 0). Infinite when no call is
    /// answered.
    pub asa_s: f64,
    /// Agent occupancy: answered traffic divided by agents.
    pub occupancy: f64,
}

/// Erlang A (M/M/N+M, exponential patience with mean `patience_s` seconds):
/// probability of waiting, of abandonment, service level within `target_s`
/// and ASA of answered calls.
///
/// `patience_s = f64::INFINITY` gives the Erlang C figures (no abandonment).
/// Zero traffic gives no waiting and service level 1; zero agents with
/// traffic gives every call abandoning and an infinite ASA.
///
/// # Errors
///
/// [`StaffingError::Invalid`] when `traffic` or `target_s` is negative or not
/// finite, `aht_s` is not positive and finite, `patience_s` is not positive,
/// or the patience is so large (with fewer agents than Erlang) that the
/// series would need more than 50 million terms.
pub fn erlang_a(agents: u32, traffic: f64, aht_s: f64, patience_s: f64, target_s: f64) -> Result<ErlangA, StaffingError> {
    check_erlang_a_inputs(traffic, aht_s, patience_s, target_s)?;
    erlang_a_checked(agents, traffic, aht_s, patience_s, target_s, true)
}

fn check_erlang_a_inputs(traffic: f64, aht_s: f64, patience_s: f64, target_s: f64) -> Result<(), StaffingError> {
    if !valid_traffic(traffic) {
        return Err(invalid(format!("traffic {traffic} Erlang must be a finite number >= 0")));
    }
    if !valid_positive(aht_s) {
        return Err(invalid(format!("AHT {aht_s} s must be a positive number of seconds")));
    }
    if patience_s.is_nan() || patience_s <= 0.0 {
        return Err(invalid(format!("patience {patience_s} s must be a positive number of seconds")));
    }
    if !valid_non_negative(target_s) {
        return Err(invalid(format!("target time {target_s} s must be a finite number of seconds >= 0")));
    }
    Ok(())
}

/// Erlang A on validated inputs; `allow_skip` enables the head skip
/// (always on outside tests).
fn erlang_a_checked(
    agents: u32,
    traffic: f64,
    aht_s: f64,
    patience_s: f64,
    target_s: f64,
    allow_skip: bool,
) -> Result<ErlangA, StaffingError> {
    if traffic == 0.0 {
        return Ok(ErlangA { wait_probability: 0.0, abandon_probability: 0.0, service_level: 1.0, asa_s: 0.0, occupancy: 0.0 });
    }
    if patience_s == f64::INFINITY {
        return Ok(ErlangA {
            wait_probability: erlang_c(agents, traffic),
            abandon_probability: 0.0,
            service_level: service_level(agents, traffic, aht_s, target_s),
            asa_s: asa(agents, traffic, aht_s),
            occupancy: occupancy(agents, traffic),
        });
    }
    if agents == 0 {
        return Ok(ErlangA { wait_probability: 1.0, abandon_probability: 1.0, service_level: 0.0, asa_s: f64::INFINITY, occupancy: 0.0 });
    }
    let b = erlang_b(agents, traffic);
    let n = f64::from(agents);
    if b <= 0.0 {
        // So many agents that nobody waits to double precision.
        return Ok(ErlangA {
            wait_probability: 0.0,
            abandon_probability: 0.0,
            service_level: 1.0,
            asa_s: 0.0,
            occupancy: (traffic / n).min(1.0),
        });
    }

    let x = n * patience_s / aht_s; // N·μ/θ
    let y = traffic * patience_s / aht_s; // λ/θ
    if !x.is_finite() || !y.is_finite() {
        return Err(invalid(format!("patience {patience_s} s is too large for Erlang A; omit it to use Erlang C")));
    }
    let n_mu = n / aht_s;
    let theta = 1.0 / patience_s;

    // Terms t_k rise while y ≥ x + k and peak at k* = floor(y − x).
    let k_peak = if y - x >= 1.0 { (y - x).floor() } else { 0.0 };
    // Terms more than this far below the peak are < e^-60 of it.
    let skip_margin = (120.0 * y).sqrt().ceil() + 2.0;

    // Negative binomial NB(x+1, z), z = e^{−θt}: P(NB > k) is the chance
    // that a caller with k ahead, if eventually answered, waits more than t.
    let (mut nb_done, ln_one_minus_z, mut ln_pmf) = if target_s > 0.0 {
        let theta_t = theta * target_s;
        (false, (-(-theta_t).exp_m1()).ln(), -(n_mu + theta) * target_s)
    } else {
        (true, 0.0, 0.0)
    };
    let mut nb_cdf = 0.0_f64;

    // Sums over queue states, each term scaled by e^{-log_ref}.
    let mut log_ref = 0.0_f64; // log of the scale
    let mut lr = 0.0_f64; // ln t_k − log_ref
    let mut sum_t = 0.0_f64; // Σ t_k
    let mut sum_ab = 0.0_f64; // Σ t_k·P(abandon | k ahead)
    let mut sum_srv = 0.0_f64; // Σ t_k·P(answered | k ahead)
    let mut sum_srv_t = 0.0_f64; // Σ t_k·P(answered within t | k ahead)
    let mut sum_wait = 0.0_f64; // Σ t_k·E[wait; answered | k ahead]
    let mut harmonic = 0.0_f64; // Σ_{j≤k} 1/(Nμ + (j+1)θ), seconds
    let mut k = 0.0_f64;
    let mut terms: u64 = 0;

    loop {
        if lr > 0.0 {
            let f = (-lr).exp();
            sum_t *= f;
            sum_ab *= f;
            sum_srv *= f;
            sum_srv_t *= f;
            sum_wait *= f;
            log_ref += lr;
            lr = 0.0;
        }
        let u = lr.exp();
        let xk1 = x + k + 1.0;
        harmonic += 1.0 / (n_mu + (k + 1.0) * theta);
        let tail = if nb_done {
            0.0
        } else {
            nb_cdf += ln_pmf.exp();
            let tail = (1.0 - nb_cdf).max(0.0);
            let ln_ratio = (xk1 / (k + 1.0)).ln() + ln_one_minus_z;
            ln_pmf += ln_ratio;
            if ln_ratio < 0.0 && nb_cdf > 0.5 {
                let ratio = ln_ratio.exp();
                if ln_pmf.exp() / (1.0 - ratio) < 1e-20 {
                    nb_done = true;
                }
            }
            tail
        };
        let p_served = x / xk1;
        sum_t += u;
        sum_ab += u * (k + 1.0) / xk1;
        sum_srv += u * p_served;
        sum_srv_t += u * p_served * tail;
        sum_wait += u * p_served * harmonic;

        let r = y / xk1; // t_{k+1} / t_k, decreasing in k
        if r < 1.0 && u * r / (1.0 - r) <= 1e-17 * sum_t {
            break;
        }
        lr += r.ln();
        k += 1.0;
        terms += 1;
        if terms > MAX_SERIES_TERMS {
            return Err(invalid(format!(
                "patience {patience_s} s is too large for Erlang A with {agents} agents \
                 and {traffic} Erlang; omit it to use Erlang C"
            )));
        }

        // Skip the negligible rising head when the peak is far away.
        if allow_skip && nb_done && k >= 1000.0 {
            let k_to = k_peak - skip_margin;
            if k_to > k + 1000.0 {
                let d = k_to - k;
                let z1 = x + k + 1.0;
                // ln t_{k_to} − ln t_k = d·ln y − (lnΓ(x+k_to+1) − lnΓ(x+k+1))
                lr += d * y.ln() - ln_gamma_step(z1, d);
                // Σ_{j=k}^{k_to−1} 1/(Nμ+(j+1)θ) by the midpoint rule.
                harmonic += patience_s * (d / (x + k + 0.5)).ln_1p();
                k = k_to;
            }
        }
    }

    let e = b;
    let below = (1.0 - e) * (-log_ref).exp(); // states < N, same scale
    let denom = below + e * sum_t;
    let wait_probability = (e * sum_t / denom).clamp(0.0, 1.0);
    let no_wait = below / denom;
    let abandon_probability = (e * sum_ab / denom).clamp(0.0, 1.0);
    let served = (no_wait + e * sum_srv / denom).clamp(0.0, 1.0);
    let service_level = (no_wait + e * sum_srv_t / denom).clamp(0.0, 1.0);
    let asa_s = if served > 0.0 { (e * sum_wait / denom) / served } else { f64::INFINITY };
    let occupancy = (traffic * served / n).clamp(0.0, 1.0);
    Ok(ErlangA { wait_probability, abandon_probability, service_level, asa_s, occupancy })
}

/// `lnΓ(z1 + d) − lnΓ(z1)` by Stirling's series, for `z1 ≥ 1000`, written
/// to avoid cancelling large terms.
fn ln_gamma_step(z1: f64, d: f64) -> f64 {
    let z2 = z1 + d;
    let corr = |z: f64| {
        let z2inv = 1.0 / (z * z);
        (1.0 / 12.0 - z2inv * (1.0 / 360.0 - z2inv / 1260.0)) / z
    };
    (z1 - 0.5) * (d / z1).ln_1p() + d * z2.ln() - d + corr(z2) - corr(z1)
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

mod profile;
use profile::parse_number;
pub use profile::{CallsArg, parse_calls_arg, parse_profile};

#[cfg(test)]
mod tests;
