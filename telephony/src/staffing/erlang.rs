//! The Erlang formulas: Erlang B and C (M/M/N) and Erlang A (M/M/N+M,
//! with patience), as described in the parent module.

use super::*;

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

/// The two cases every Erlang C figure answers without the formula: no
/// traffic (`Err(idle)`) and a queue that never empties, `agents ≤
/// traffic` (`Err(overloaded)`); otherwise `Ok(N)` for the formula.
fn stable_queue(agents: u32, traffic: f64, idle: f64, overloaded: f64) -> Result<f64, f64> {
    let n = f64::from(agents);
    if traffic == 0.0 {
        Err(idle)
    } else if n <= traffic {
        Err(overloaded)
    } else {
        Ok(n)
    }
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
    let n = match stable_queue(agents, traffic, 0.0, 1.0) {
        Ok(n) => n,
        Err(v) => return v,
    };
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
    let n = match stable_queue(agents, traffic, 1.0, 0.0) {
        Ok(n) => n,
        Err(v) => return v,
    };
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
    let n = match stable_queue(agents, traffic, 0.0, f64::INFINITY) {
        Ok(n) => n,
        Err(v) => return v,
    };
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
pub(super) fn erlang_a_checked(
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
