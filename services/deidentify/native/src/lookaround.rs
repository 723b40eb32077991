//! The lookaround of Python's patterns that the patterns here cannot express, checked by hand where
//! a candidate match starts (see `scan`).

use crate::hay;
use crate::scan::{Hit, Pattern};

/// The lookaround Python checked that the pattern itself cannot: see each variant.
pub(crate) enum Check {
    None,
    /// A range of two month/days ("3/9 to 3/10"): a date unless both ends read as scores out of ten
    /// ("pain 3/10 to 5/10") or both as fractions ("1/2 to 3/4 tab").
    DateRange {
        out_of_ten: Pattern,
        fraction: Pattern,
    },
    /// `(?<![\w-])`, `(?<![\w/-])` and `(?<![\w/])` before three of the phone alternatives: after a
    /// word character, a hyphen or a slash, only the alternatives still allowed there are tried.
    Phone {
        after_word: Pattern,
        after_hyphen: Pattern,
        after_slash: Pattern,
    },
    /// The last date alternative, a month and day alone: its lookbehinds and its leading lookaheads
    /// at the start, and `(?!\s*(?:tab|...))` at its end. That end is the end of the run of digits
    /// (the consumed `(?![\w/%]|\.\d)` rules out every shorter day), so the check there is final.
    /// A time after it makes it a date even where it reads as a score ("- 3/10 1800: family
    /// meeting").
    Date {
        out_of_ten: Pattern,
        fraction: Pattern,
        dose: Pattern,
        time: Pattern,
    },
    /// `(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])` at the start of a code.
    Code {
        digit: Pattern,
        capital: Pattern,
    },
    /// `(?<![\w.,/-])` before a run of digits: `\b` in the pattern, the rest here.
    DigitRun,
    /// `(?<![\w.])` and `(?!(?:A\.M|P\.M|...)\.)` before initials.
    Initials,
}

/// A month/day right after these is a score or a strength: "pain 7/10", "gcs 3/15".
const NOT_A_DATE_AFTER: &[&str] = &[
    "pain ",
    "score ",
    "scale ",
    "rated ",
    "strength ",
    "power ",
    "motor ",
    "bp ",
    "gcs ",
];
/// Capitals with full stops that are no initials.
const NOT_INITIALS: &[&str] = &["A.M.", "P.M.", "U.S.", "N.B.", "I.V.", "P.O.", "D.C."];

/// Python's match at the candidate's start, or `None` where Python's lookaround rules it out.
pub(crate) fn resolve(check: &Check, hay: &str, hit: Hit) -> Option<Hit> {
    let start = hit.start();
    let before = hay::char_before(hay, start);
    match check {
        Check::None => Some(hit),
        Check::Phone {
            after_word,
            after_hyphen,
            after_slash,
        } => match before {
            Some(c) if hay::is_word(c) => after_word.at(hay, start),
            Some('-') => after_hyphen.at(hay, start),
            Some('/') => after_slash.at(hay, start),
            _ => Some(hit),
        },
        Check::Date {
            out_of_ten,
            fraction,
            dose,
            time,
        } => {
            if hit.group("id3").is_none() {
                return Some(hit);
            }
            let fits = !before.is_some_and(|c| hay::is_word(c) || c == '/' || c == '.')
                && !NOT_A_DATE_AFTER
                    .iter()
                    .any(|word| hay[..start].ends_with(word))
                && (!out_of_ten.matches_at(hay, start) || time.matches_at(hay, hit.end()))
                && !fraction.matches_at(hay, start)
                && !dose.matches_at(hay, hit.end());
            fits.then_some(hit)
        }
        Check::DateRange {
            out_of_ten,
            fraction,
        } => {
            let both = |pattern: &Pattern| {
                ["id", "id2"].iter().all(|g| {
                    hit.group(g)
                        .is_some_and(|(s, _)| pattern.matches_at(hay, s))
                })
            };
            (!both(out_of_ten) && !both(fraction)).then_some(hit)
        }
        Check::Code { digit, capital } => {
            let fits = hit.group("udi").is_some()
                || (digit.matches_at(hay, start) && capital.matches_at(hay, start));
            fits.then_some(hit)
        }
        Check::DigitRun => (!matches!(before, Some('.' | ',' | '/' | '-'))).then_some(hit),
        Check::Initials => {
            let fits = before != Some('.')
                && !NOT_INITIALS.iter().any(|not| hay[start..].starts_with(not));
            fits.then_some(hit)
        }
    }
}
