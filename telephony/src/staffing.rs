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

fn plan_interval(interval: &Interval, options: &PlanOptions) -> Result<IntervalPlan, StaffingError> {
    let label = &interval.label;
    let calls = interval.calls;
    if !valid_non_negative(calls) {
        return Err(invalid(format!("interval \"{label}\": calls {calls} must be a finite number >= 0")));
    }
    let traffic = calls * options.aht_s / options.interval_s;
    if !traffic.is_finite() || traffic > f64::from(MAX_AGENTS) / 2.0 {
        return Err(invalid(format!("interval \"{label}\": traffic {traffic} Erlang is too large to staff")));
    }
    if traffic == 0.0 {
        return Ok(IntervalPlan {
            label: label.clone(),
            calls,
            traffic_erlangs: 0.0,
            agents: 0,
            service_level: 1.0,
            wait_probability: 0.0,
            asa_s: 0.0,
            occupancy: 0.0,
            abandon_share: options.patience_s.map(|_| 0.0),
        });
    }
    let target = &options.target;
    let evaluate = |agents: u32| -> Result<Figures, StaffingError> {
        match options.patience_s {
            None => Ok(Figures {
                service_level: service_level(agents, traffic, options.aht_s, target.within_s),
                wait_probability: erlang_c(agents, traffic),
                asa_s: asa(agents, traffic, options.aht_s),
                occupancy: occupancy(agents, traffic),
                abandon_share: None,
            }),
            Some(patience) => {
                let a = erlang_a_checked(agents, traffic, options.aht_s, patience, target.within_s, true)
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
    };
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
    Ok(IntervalPlan {
        label: label.clone(),
        calls,
        traffic_erlangs: traffic,
        agents,
        service_level: figures.service_level,
        wait_probability: figures.wait_probability,
        asa_s: figures.asa_s,
        occupancy: figures.occupancy,
        abandon_share: figures.abandon_share,
    })
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

// ---------------------------------------------------------------------------
// Input parsing
// ---------------------------------------------------------------------------

/// Parse a plain decimal number; with `decimal_comma` a single comma may
/// stand for the decimal point ("12,5"). Rejects "inf", "NaN", thousands
/// separators and anything non-finite.
fn parse_number(text: &str, decimal_comma: bool) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E' | ',')) {
        return None;
    }
    let owned;
    let text = if text.contains(',') {
        if !decimal_comma || text.contains('.') || text.matches(',').count() > 1 {
            return None;
        }
        owned = text.replace(',', ".");
        owned.as_str()
    } else {
        text
    };
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Strip surrounding whitespace and one pair of double quotes.
fn clean_field(field: &str) -> &str {
    let field = field.trim();
    field.strip_prefix('"').and_then(|f| f.strip_suffix('"')).map_or(field, str::trim)
}

fn separator_name(sep: char) -> &'static str {
    match sep {
        ';' => "';'",
        '\t' => "a tab",
        _ => "','",
    }
}

/// Parse a call profile: one `label,calls` line per interval.
///
/// * The separator is `;`, tab or `,`, taken from the first data line
///   (`;` if it has one, else tab, else `,`) and used for the whole text.
/// * With `;` or tab a decimal comma is accepted ("12,5"); with `,` write
///   "12.5". No thousands separators.
/// * `#` starts a comment; blank lines are skipped; a first line whose
///   calls field has no digits (e.g. `interval;calls`) is a header.
/// * Surrounding double quotes and trailing empty fields are ignored.
///
/// # Errors
///
/// [`StaffingError::Parse`] with the 1-based line number for a line without
/// two fields, an empty label, extra fields, or calls that are not a
/// non-negative number (e.g. `line 3: calls "abc" is not a number`);
/// [`StaffingError::Invalid`] when the text holds no interval at all.
pub fn parse_profile(text: &str) -> Result<Vec<Interval>, StaffingError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut separator: Option<char> = None;
    let mut first_data_line = true;
    let mut intervals = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.split_once('#').map_or(raw, |(before, _)| before).trim();
        if content.is_empty() {
            continue;
        }
        let sep = *separator.get_or_insert_with(|| {
            if content.contains(';') {
                ';'
            } else if content.contains('\t') {
                '\t'
            } else {
                ','
            }
        });
        let mut fields: Vec<&str> = content.split(sep).map(clean_field).collect();
        while fields.len() > 2 && fields.last().is_some_and(|f| f.is_empty()) {
            fields.pop();
        }
        let (label, calls_text) = match fields.as_slice() {
            [label, calls] => (*label, *calls),
            [_, first, second, ..] => {
                let hint =
                    if sep == ',' && fields.len() == 3 && parse_number(second, false).is_some() && parse_number(first, false).is_some() {
                        "; for a decimal comma separate the fields with ';'"
                    } else {
                        ""
                    };
                return Err(parse_error(
                    line,
                    format!(
                        "expected 2 fields (label and calls) separated by {}, found {} in \"{content}\"{hint}",
                        separator_name(sep),
                        fields.len()
                    ),
                ));
            }
            _ => {
                return Err(parse_error(
                    line,
                    format!("expected label and calls separated by {}, found \"{content}\"", separator_name(sep)),
                ));
            }
        };
        let is_first = first_data_line;
        first_data_line = false;
        let Some(calls) = parse_number(calls_text, sep != ',') else {
            if is_first && !calls_text.chars().any(|c| c.is_ascii_digit()) {
                continue; // header line
            }
            return Err(parse_error(line, format!("calls \"{calls_text}\" is not a number")));
        };
        if label.is_empty() {
            return Err(parse_error(line, "label is empty"));
        }
        if calls < 0.0 {
            return Err(parse_error(line, format!("calls {calls_text} must not be negative")));
        }
        intervals.push(Interval::new(label, calls));
    }
    if intervals.is_empty() {
        return Err(invalid("profile has no intervals (only blank lines, comments or a header)"));
    }
    Ok(intervals)
}

/// What a calls argument stands for; see [`parse_calls_arg`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum CallsArg {
    /// A plain number: calls per hour for a single interval (plan it with
    /// `interval_s = 3600`, e.g. `vec![Interval::new("1h", calls)]`).
    Calls(f64),
    /// Anything else: a profile file path for the caller to read and pass
    /// to [`parse_profile`].
    Path(String),
}

/// Tell whether a command-line calls argument is a number ("120", "12,5")
/// or a path to a profile file. The file is not read or checked here.
///
/// A text that starts like a number (digit, sign or dot) and parses as one
/// is a number; anything else is a path.
///
/// # Errors
///
/// [`StaffingError::Invalid`] for an empty argument, a negative number, or
/// an ambiguous thousands-like form such as "1,000" (write 1000 or 1000.0).
pub fn parse_calls_arg(arg: &str) -> Result<CallsArg, StaffingError> {
    let text = arg.trim();
    if text.is_empty() {
        return Err(invalid("calls argument is empty; give a number or a file path"));
    }
    let starts_numeric = text.chars().next().is_some_and(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.'));
    if !starts_numeric {
        return Ok(CallsArg::Path(arg.to_string()));
    }
    let Some(calls) = parse_number(text, true) else {
        return Ok(CallsArg::Path(arg.to_string()));
    };
    if let Some((int_part, frac_part)) = text.split_once(',')
        && frac_part.len() == 3
        && frac_part.chars().all(|c| c.is_ascii_digit())
        && int_part.trim_start_matches(['+', '-']).len() <= 3
    {
        return Err(invalid(format!(
            "calls \"{text}\" is ambiguous (thousands separator or decimal comma?); \
             write it without separators, e.g. {}",
            text.replace(',', "")
        )));
    }
    if calls < 0.0 {
        return Err(invalid(format!("calls {text} must not be negative")));
    }
    Ok(CallsArg::Calls(calls))
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    // Reference case: 100 calls per 30 min, AHT 180 s → 10 Erlang.
    const REF_CALLS: f64 = 100.0;
    const REF_INTERVAL: f64 = 1800.0;
    const REF_AHT: f64 = 180.0;

    #[test]
    fn reference_case_erlang_c() {
        let a = traffic_erlangs(REF_CALLS, REF_INTERVAL, REF_AHT);
        assert!(close(a, 10.0, 1e-12), "traffic {a}");
        let c = erlang_c(14, a);
        let sl = service_level(14, a, REF_AHT, 20.0);
        let w = asa(14, a, REF_AHT);
        let occ = occupancy(14, a);
        assert!(close(c, 0.174, 0.0005), "wait probability {c}");
        assert!(close(sl, 0.888, 0.0005), "service level {sl}");
        assert!(close(w, 7.8, 0.05), "ASA {w}");
        assert!(close(occ, 0.714, 0.0005), "occupancy {occ}");
        // tighter regression values
        assert!(close(c, 0.174_13, 0.000_01), "wait probability {c}");
        assert!(close(sl, 0.888_35, 0.000_01), "service level {sl}");
        assert!(close(w, 7.836, 0.001), "ASA {w}");
        // one agent fewer: 79.56 %, just short of 80/20
        assert!(close(service_level(13, a, REF_AHT, 20.0), 0.795_6, 0.000_1));
    }

    #[test]
    fn reference_case_planner() {
        let profile = vec![Interval::new("08:00", REF_CALLS)];
        let mut options = PlanOptions::new(REF_AHT, Target::parse("80/20").unwrap());
        options.interval_s = REF_INTERVAL;
        let plans = plan(&profile, &options).unwrap();
        assert_eq!(plans.len(), 1);
        let p = &plans[0];
        assert_eq!(p.label, "08:00");
        assert!(close(p.traffic_erlangs, 10.0, 1e-12));
        // 14 agents are needed: 13 give 79.56 %, 14 give 88.8 %.
        assert_eq!(p.agents, 14);
        assert!(service_level(13, 10.0, REF_AHT, 20.0) < 0.8);
        assert!(close(p.service_level, 0.888, 0.0005));
        assert!(close(p.wait_probability, 0.174, 0.0005));
        assert!(close(p.asa_s, 7.8, 0.05));
        assert!(close(p.occupancy, 0.714, 0.0005));
        assert_eq!(p.abandon_share, None);
        // 79/20 is met by 13 agents, 90/20 needs 15 (94.1 %).
        options.target = Target::parse("79/20").unwrap();
        assert_eq!(plan(&profile, &options).unwrap()[0].agents, 13);
        options.target = Target::parse("90/20").unwrap();
        assert_eq!(plan(&profile, &options).unwrap()[0].agents, 15);
    }

    #[test]
    fn unstable_queue_has_no_nan() {
        for agents in [0_u32, 5, 10] {
            assert_eq!(erlang_c(agents, 10.0), 1.0);
            assert_eq!(service_level(agents, 10.0, 180.0, 20.0), 0.0);
            assert_eq!(asa(agents, 10.0, 180.0), f64::INFINITY);
            assert_eq!(occupancy(agents, 10.0), 1.0);
        }
        assert_eq!(erlang_c(0, 0.0), 0.0);
        assert_eq!(service_level(0, 0.0, 180.0, 20.0), 1.0);
        assert_eq!(asa(0, 0.0, 180.0), 0.0);
        assert_eq!(occupancy(0, 0.0), 0.0);
        assert!(erlang_c(3, -1.0).is_nan());
        assert!(service_level(3, 1.0, 0.0, 20.0).is_nan());
    }

    #[test]
    fn erlang_b_small_values() {
        // B(1, 1) = 1/2, B(2, 1) = 1/5
        assert!(close(erlang_b(1, 1.0), 0.5, 1e-15));
        assert!(close(erlang_b(2, 1.0), 0.2, 1e-15));
        assert_eq!(erlang_b(0, 3.0), 1.0);
        assert_eq!(erlang_b(4, 0.0), 0.0);
    }

    #[test]
    fn large_traffic_is_finite() {
        let a = 300.0;
        for agents in [250_u32, 300, 301, 310, 320, 350, 1000, 100_000] {
            let c = erlang_c(agents, a);
            let sl = service_level(agents, a, 180.0, 20.0);
            let w = asa(agents, a, 180.0);
            assert!(c.is_finite() && (0.0..=1.0).contains(&c), "C({agents}) = {c}");
            assert!(sl.is_finite() && (0.0..=1.0).contains(&sl), "SL({agents}) = {sl}");
            assert!(!w.is_nan(), "ASA({agents}) = {w}");
        }
        assert!(erlang_c(320, a) > 0.0 && erlang_c(320, a) < 1.0);
        let ea = erlang_a(320, a, 180.0, 120.0, 20.0).unwrap();
        assert!(ea.wait_probability.is_finite() && ea.service_level.is_finite());
        let ea = erlang_a(280, a, 180.0, 120.0, 20.0).unwrap();
        assert!(ea.abandon_probability > 0.0 && ea.asa_s.is_finite());
        // Planner at 300 Erlang: 5400 calls/h × 200 s / 3600 s.
        let mut options = PlanOptions::new(200.0, Target::parse("80/20").unwrap());
        let plans = plan(&[Interval::new("peak", 5400.0)], &options).unwrap();
        let p = &plans[0];
        assert!(close(p.traffic_erlangs, 300.0, 1e-9));
        assert!(p.agents > 300 && p.agents < 340, "agents {}", p.agents);
        assert!(p.service_level >= 0.8);
        assert!(service_level(p.agents - 1, 300.0, 200.0, 20.0) < 0.8);
        options.patience_s = Some(120.0);
        options.max_abandon_share = Some(0.03);
        let p = &plan(&[Interval::new("peak", 5400.0)], &options).unwrap()[0];
        assert!(p.service_level >= 0.8 && p.abandon_share.unwrap() <= 0.03);
        assert!(p.asa_s.is_finite());
    }

    #[test]
    fn service_level_is_monotone_in_agents() {
        let mut prev_c = -1.0;
        let mut prev_a = -1.0;
        let mut prev_ab = 2.0;
        for agents in 0..40 {
            let sl = service_level(agents, 10.0, 180.0, 20.0);
            assert!(sl >= prev_c, "Erlang C SL drops at {agents}");
            prev_c = sl;
            let ea = erlang_a(agents, 10.0, 180.0, 90.0, 20.0).unwrap();
            assert!(ea.service_level >= prev_a, "Erlang A SL drops at {agents}");
            assert!(ea.abandon_probability <= prev_ab, "abandonment rises at {agents}");
            prev_a = ea.service_level;
            prev_ab = ea.abandon_probability;
        }
        assert!(prev_c > 0.999_999 && prev_a > 0.999_999);
    }

    #[test]
    fn erlang_a_converges_to_erlang_c() {
        for (agents, a, t) in [(14_u32, 10.0, 20.0), (11, 10.0, 30.0), (320, 300.0, 20.0), (3, 1.5, 0.0)] {
            let ea = erlang_a(agents, a, 180.0, 1e9, t).unwrap();
            let c = erlang_c(agents, a);
            let sl = service_level(agents, a, 180.0, t);
            let w = asa(agents, a, 180.0);
            assert!(close(ea.wait_probability, c, 1e-6), "{agents}: {} vs {c}", ea.wait_probability);
            assert!(close(ea.service_level, sl, 1e-6), "{agents}: {} vs {sl}", ea.service_level);
            assert!(close(ea.asa_s, w, 1e-4 * w.max(1.0)), "{agents}: {} vs {w}", ea.asa_s);
            assert!(ea.abandon_probability < 1e-6);
            assert!(close(ea.occupancy, occupancy(agents, a), 1e-6));
        }
        // Infinite patience is exactly Erlang C.
        let ea = erlang_a(14, 10.0, 180.0, f64::INFINITY, 20.0).unwrap();
        assert_eq!(ea.wait_probability, erlang_c(14, 10.0));
    }

    #[test]
    fn erlang_a_finite_patience_waits_less() {
        let c = erlang_c(14, 10.0);
        let ea = erlang_a(14, 10.0, 180.0, 120.0, 20.0).unwrap();
        assert!(ea.wait_probability < c, "{} vs {c}", ea.wait_probability);
        assert!(ea.abandon_probability > 0.0 && ea.abandon_probability < ea.wait_probability);
        assert!(ea.asa_s < asa(14, 10.0, 180.0));
        // Shorter patience, less waiting, more abandonment.
        let eb = erlang_a(14, 10.0, 180.0, 30.0, 20.0).unwrap();
        assert!(eb.wait_probability < ea.wait_probability);
        assert!(eb.abandon_probability > ea.abandon_probability);
    }

    /// Stationary distribution of the M/M/N+M birth-death chain, summed
    /// directly (independent of the closed per-state formulas).
    fn brute_force_erlang_a(n: u32, a: f64, aht: f64, patience: f64) -> (f64, f64) {
        let lambda = a / aht;
        let mu = 1.0 / aht;
        let theta = 1.0 / patience;
        let mut weights = vec![1.0_f64];
        let mut w = 1.0;
        for j in 1..(n as usize + 4000) {
            let out = if j <= n as usize { j as f64 * mu } else { f64::from(n) * mu + (j - n as usize) as f64 * theta };
            w *= lambda / out;
            weights.push(w);
        }
        let total: f64 = weights.iter().sum();
        let p_wait: f64 = weights[n as usize..].iter().sum::<f64>() / total;
        let mean_queue: f64 = weights[n as usize..].iter().enumerate().map(|(q, w)| q as f64 * w).sum::<f64>() / total;
        (p_wait, theta * mean_queue / lambda)
    }

    #[test]
    fn erlang_a_matches_birth_death_chain() {
        for (n, a, patience) in [(14_u32, 10.0, 120.0), (8, 10.0, 60.0), (3, 5.0, 300.0), (30, 28.0, 200.0)] {
            let ea = erlang_a(n, a, 180.0, patience, 20.0).unwrap();
            let (pw, pab) = brute_force_erlang_a(n, a, 180.0, patience);
            assert!(close(ea.wait_probability, pw, 1e-10), "{n}/{a}: {} vs {pw}", ea.wait_probability);
            assert!(close(ea.abandon_probability, pab, 1e-10), "{n}/{a}: {} vs {pab}", ea.abandon_probability);
            // Flow balance: answered traffic = busy agents.
            let answered = a * (1.0 - ea.abandon_probability);
            assert!(close(ea.occupancy * f64::from(n), answered, 1e-9));
        }
    }

    struct Rng(u64);

    impl Rng {
        fn uniform(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }

        fn exp(&mut self, rate: f64) -> f64 {
            -self.uniform().ln() / rate
        }
    }

    /// Simulated (P(wait), P(abandon), answered within t, ASA).
    fn simulate(n: u32, a: f64, aht: f64, patience: f64, t: f64, arrivals: u64) -> (f64, f64, f64, f64) {
        let lambda = a / aht;
        let mu = 1.0 / aht;
        let theta = 1.0 / patience;
        let warmup = arrivals / 10;
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut time = 0.0;
        let mut busy = 0_u32;
        let mut queue: VecDeque<(f64, bool)> = VecDeque::new();
        let mut arrived = 0_u64;
        let (mut counted, mut waited, mut abandoned, mut within, mut answered) = (0.0, 0.0, 0.0, 0.0, 0.0);
        let mut wait_sum = 0.0;
        while arrived < arrivals + warmup {
            let r_arr = lambda;
            let r_srv = f64::from(busy) * mu;
            let r_ab = queue.len() as f64 * theta;
            let total = r_arr + r_srv + r_ab;
            time += rng.exp(total);
            let pick = rng.uniform() * total;
            if pick < r_arr {
                arrived += 1;
                let count = arrived > warmup;
                if count {
                    counted += 1.0;
                }
                if busy < n {
                    busy += 1;
                    if count {
                        within += 1.0;
                        answered += 1.0;
                    }
                } else {
                    if count {
                        waited += 1.0;
                    }
                    queue.push_back((time, count));
                }
            } else if pick < r_arr + r_srv {
                if let Some((at, count)) = queue.pop_front() {
                    let w = time - at;
                    if count {
                        answered += 1.0;
                        wait_sum += w;
                        if w <= t {
                            within += 1.0;
                        }
                    }
                } else {
                    busy -= 1;
                }
            } else if !queue.is_empty() {
                let idx = ((rng.uniform() * queue.len() as f64) as usize).min(queue.len() - 1);
                if let Some((_, count)) = queue.remove(idx)
                    && count
                {
                    abandoned += 1.0;
                }
            }
        }
        (waited / counted, abandoned / counted, within / counted, wait_sum / answered)
    }

    #[test]
    fn erlang_a_matches_simulation() {
        for (n, a, patience) in [(14_u32, 10.0, 120.0), (9, 10.0, 60.0)] {
            let ea = erlang_a(n, a, 180.0, patience, 20.0).unwrap();
            let (pw, pab, sl, w) = simulate(n, a, 180.0, patience, 20.0, 400_000);
            assert!(close(ea.wait_probability, pw, 0.01), "{n}: P(wait) {} vs sim {pw}", ea.wait_probability);
            assert!(close(ea.abandon_probability, pab, 0.01), "{n}: P(ab) {} vs sim {pab}", ea.abandon_probability);
            assert!(close(ea.service_level, sl, 0.01), "{n}: SL {} vs sim {sl}", ea.service_level);
            assert!(close(ea.asa_s, w, 0.05 * w), "{n}: ASA {} vs sim {w}", ea.asa_s);
        }
    }

    #[test]
    fn erlang_a_head_skip_matches_full_sum() {
        // Fewer agents than Erlang and huge patience: the terms peak ~56 000
        // states out, so the head skip is used.
        let full = erlang_a_checked(9, 10.0, 180.0, 1e7, 20.0, false).unwrap();
        let skip = erlang_a_checked(9, 10.0, 180.0, 1e7, 20.0, true).unwrap();
        assert!(close(full.wait_probability, skip.wait_probability, 1e-9));
        assert!(close(full.abandon_probability, skip.abandon_probability, 1e-9));
        assert!(close(full.service_level, skip.service_level, 1e-9));
        assert!(close(full.asa_s, skip.asa_s, 1e-6 * full.asa_s));
        // Overloaded, no real abandonment: 90 % answered, nearly all wait.
        assert!(close(skip.abandon_probability, 0.1, 1e-3));
        assert!(skip.wait_probability > 0.999);
        // Patience 1e9 s with fewer agents than Erlang stays finite.
        let ea = erlang_a(9, 10.0, 180.0, 1e9, 20.0).unwrap();
        assert!(close(ea.abandon_probability, 0.1, 1e-4));
        assert!(ea.service_level < 1e-3 && ea.asa_s.is_finite() && ea.asa_s > 1e6);
    }

    #[test]
    fn erlang_a_edge_cases() {
        let zero = erlang_a(0, 0.0, 180.0, 60.0, 20.0).unwrap();
        assert_eq!(zero.service_level, 1.0);
        let none = erlang_a(0, 5.0, 180.0, 60.0, 20.0).unwrap();
        assert_eq!(none.abandon_probability, 1.0);
        assert_eq!(none.asa_s, f64::INFINITY);
        let many = erlang_a(10_000, 5.0, 180.0, 60.0, 20.0).unwrap();
        assert_eq!(many.wait_probability, 0.0);
        let t0 = erlang_a(14, 10.0, 180.0, 120.0, 0.0).unwrap();
        assert!(close(t0.service_level, 1.0 - t0.wait_probability, 1e-12));
        assert!(erlang_a(14, 10.0, 180.0, 0.0, 20.0).is_err());
        assert!(erlang_a(14, 10.0, 180.0, f64::NAN, 20.0).is_err());
        assert!(erlang_a(14, -1.0, 180.0, 60.0, 20.0).is_err());
        assert!(erlang_a(14, 10.0, 0.0, 60.0, 20.0).is_err());
    }

    #[test]
    fn planner_with_patience_and_cap() {
        let profile = vec![Interval::new("08:00", 0.0), Interval::new("08:30", REF_CALLS), Interval::new("09:00", 250.0)];
        let mut options = PlanOptions::new(REF_AHT, Target::parse("80/20").unwrap());
        options.interval_s = REF_INTERVAL;
        options.patience_s = Some(120.0);
        options.max_abandon_share = Some(0.02);
        let plans = plan(&profile, &options).unwrap();
        assert_eq!(plans[0].agents, 0);
        assert_eq!(plans[0].abandon_share, Some(0.0));
        assert_eq!(plans[0].service_level, 1.0);
        for p in &plans[1..] {
            let ab = p.abandon_share.unwrap();
            assert!(p.service_level >= 0.8 && ab <= 0.02, "{p:?}");
            let fewer = erlang_a(p.agents - 1, p.traffic_erlangs, REF_AHT, 120.0, 20.0).unwrap();
            assert!(fewer.service_level < 0.8 || fewer.abandon_probability > 0.02, "{p:?}");
        }
        // Without a cap, patience makes the same target cheaper or equal.
        options.max_abandon_share = None;
        let relaxed = plan(&profile, &options).unwrap();
        assert!(relaxed[1].agents <= plans[1].agents);
        // Patience 1e9 reproduces the Erlang C plan.
        options.patience_s = Some(1e9);
        let almost_c = plan(&profile, &options).unwrap();
        assert_eq!(almost_c[1].agents, 14);
    }

    #[test]
    fn planner_rejects_bad_options() {
        let profile = vec![Interval::new("08:00", 10.0)];
        let mut options = PlanOptions::new(180.0, Target { share: 0.8, within_s: 20.0 });
        options.max_abandon_share = Some(0.05);
        let err = plan(&profile, &options).unwrap_err().to_string();
        assert!(err.contains("needs a patience"), "{err}");
        options.max_abandon_share = None;
        options.aht_s = 0.0;
        assert!(plan(&profile, &options).unwrap_err().to_string().contains("AHT 0"));
        options.aht_s = 180.0;
        options.target.share = 1.0;
        assert!(plan(&profile, &options).is_err());
        options.target.share = 0.8;
        let err = plan(&[Interval::new("09:00", -3.0)], &options).unwrap_err().to_string();
        assert!(err.contains("\"09:00\"") && err.contains("-3"), "{err}");
        assert_eq!(plan(&[], &options).unwrap(), vec![]);
    }

    #[test]
    fn target_parsing() {
        assert_eq!(Target::parse("90/30").unwrap(), Target { share: 0.9, within_s: 30.0 });
        assert_eq!(Target::parse(" 80% / 20s ").unwrap(), Target { share: 0.8, within_s: 20.0 });
        assert_eq!("80,5/20".parse::<Target>().unwrap(), Target { share: 0.805, within_s: 20.0 });
        assert_eq!(Target::parse("90/30").unwrap().to_string(), "90/30");
        let err = |s: &str| Target::parse(s).unwrap_err().to_string();
        assert!(err("90").contains("SHARE/SECONDS"), "{}", err("90"));
        assert!(err("abc/30").contains("share \"abc\" is not a number"), "{}", err("abc/30"));
        assert!(err("90/x").contains("seconds \"x\" is not a number"), "{}", err("90/x"));
        assert!(err("0.9/30").contains("looks like a fraction"), "{}", err("0.9/30"));
        assert!(err("100/30").contains("below 100"), "{}", err("100/30"));
        assert!(err("90/-5").contains("negative"), "{}", err("90/-5"));
        assert!(Target::new(0.8, 20.0).is_ok());
        assert!(Target::new(80.0, 20.0).is_err());
    }

    #[test]
    fn profile_parsing() {
        let text = "\u{feff}# forecast\ninterval;calls\n\n08:00;12,5\n\"08:30\";20 # peak\n09:00;0;\n";
        let p = parse_profile(text).unwrap();
        assert_eq!(p, vec![Interval::new("08:00", 12.5), Interval::new("08:30", 20.0), Interval::new("09:00", 0.0)]);
        let p = parse_profile("08:00,10\r\n08:30,12.5\r\n").unwrap();
        assert_eq!(p[1], Interval::new("08:30", 12.5));
        let p = parse_profile("label\tcalls\n08:00\t7,5\n").unwrap();
        assert_eq!(p, vec![Interval::new("08:00", 7.5)]);
    }

    #[test]
    fn profile_errors() {
        let err = |s: &str| parse_profile(s).unwrap_err().to_string();
        assert_eq!(err("label,calls\n08:00,10\n08:30,abc\n"), "line 3: calls \"abc\" is not a number");
        assert!(err("08:00,12,5\n").starts_with("line 1: expected 2 fields"), "{}", err("08:00,12,5\n"));
        assert!(err("08:00,12,5\n").contains("separate the fields with ';'"));
        assert!(err("08:00;10\n08:30\n").starts_with("line 2: expected label and calls separated by ';'"));
        assert_eq!(err("08:00;-4\n"), "line 1: calls -4 must not be negative");
        assert_eq!(err("08:00,10\n,5\n"), "line 2: label is empty");
        assert!(err("08:00,1.5e3x\n").contains("is not a number"));
        assert_eq!(err("08:00;1\n08:30;NaN\n"), "line 2: calls \"NaN\" is not a number");
        assert!(err("# nothing\n\n").contains("no intervals"));
        assert!(matches!(parse_profile("a,b\nc,d"), Err(StaffingError::Parse { line: 2, .. })));
    }

    #[test]
    fn calls_argument() {
        assert_eq!(parse_calls_arg("120").unwrap(), CallsArg::Calls(120.0));
        assert_eq!(parse_calls_arg(" 12,5 ").unwrap(), CallsArg::Calls(12.5));
        assert_eq!(parse_calls_arg("0").unwrap(), CallsArg::Calls(0.0));
        assert_eq!(parse_calls_arg("calls.csv").unwrap(), CallsArg::Path("calls.csv".into()));
        assert_eq!(parse_calls_arg("./2024.csv").unwrap(), CallsArg::Path("./2024.csv".into()));
        assert_eq!(parse_calls_arg("2024-01.csv").unwrap(), CallsArg::Path("2024-01.csv".into()));
        assert_eq!(parse_calls_arg("inf").unwrap(), CallsArg::Path("inf".into()));
        assert!(parse_calls_arg("-5").unwrap_err().to_string().contains("negative"));
        assert!(parse_calls_arg("1,000").unwrap_err().to_string().contains("ambiguous"));
        assert!(parse_calls_arg("  ").is_err());
    }
}
