//! Input parsing: call profiles (`label,calls` lines) and the calls argument.

use super::*;

/// Parse a plain decimal number; with `decimal_comma` a single comma may
/// stand for the decimal point ("12,5"). Rejects "inf", "NaN", thousands
/// separators and anything non-finite.
pub(super) fn parse_number(text: &str, decimal_comma: bool) -> Option<f64> {
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
