//! Layer 2: identifiers recognisable by their form, or by the context words around a number.
//!
//! Each pattern marks the identifier itself; context words ("MRN", "DEA #", "zip") stay in the text
//! so a reader still sees what kind of value was there. Patterns are listed strongest first. Python's
//! lookaround is replaced as `scan` describes; each replacement is noted where it is made, and the
//! checks by hand are in `lookaround`.

use crate::hay::Hay;
use crate::lookaround::{Check, resolve};
use crate::scan::{Hit, Pattern};
use crate::spans::Span;

const MONTH: &str = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?";
const DAY: &str = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?";
const YEAR: &str = r"(?:19|20)\d{2}";
/// An identifier after its context word: "MRN: A-77812", "member # 55120-3", "DEA no. AB1234563".
/// The separators include "=" and an opening bracket of record systems: "MRN=FMC4401982", "MRN (55120)".
const VALUE: &str = r"[:#.\s=(\[]*(?:no\.?|number|num|#|id)?[:#.\s=]*(?P<id>[A-Za-z]{0,3}[-\s]?\d[\dA-Za-z-]{2,}\d|\d{4,})";

/// The words before a number that name its type; the first list that fits names the type (an MRN
/// before an account number before a licence before a device identifier). Each list is the
/// alternatives of a regular expression, in order, separated by spaces.
const CONTEXT_WORDS: [(&str, &str); 4] = [
    (
        "MRN",
        r"mrn m\.r\.n\.? mr\s?# med(?:ical)?\.?\s?rec(?:ord)?s? record chart patient\s?id pt\.?\s?id emr ehr
          hospital\s?(?:number|no) unit\s?(?:number|no) patient pt hosp(?:ital)?",
    ),
    (
        "ACCOUNT",
        r"acc(?:ou)?n?t account member(?:ship)? subscriber policy pol claim group plan insurance ins medicare
          medicaid mbi hicn beneficiary invoice billing encounter visit fin csn case rx prescription order
          incident report",
    ),
    (
        "LICENSE",
        // The credentials at the end: a credential followed by a number is a licence: "RN #34145",
        // "LPN 882104".
        r"licen[cs]e lic certificate cert credential registration dea npi badge employee emp staff\s?id
          provider\s?id upin tin ein tax\s?id plate vin driver'?s?\s?license
          rn lpn lvn cna emt aemt paramedic np aprn crna rph pharmd",
    ),
    (
        "ID",
        r"serial s/n sn lot batch udi device\s?id asset tag barcode imei mac id",
    ),
];

/// Python wrote `(?!\w)` after the context words; it is `\b` after a word ending in a letter and
/// `\B` after one ending in a full stop or `#`.
fn not_followed_by_word(word: &str) -> String {
    if let Some(stem) = word.strip_suffix(r"\.?") {
        format!(r"{stem}(?:\.\B|\b)")
    } else if word.ends_with('#') {
        format!(r"{word}\B")
    } else {
        format!(r"{word}\b")
    }
}

fn context_pattern() -> String {
    let groups: Vec<String> = CONTEXT_WORDS
        .iter()
        .map(|(kind, words)| {
            let words: Vec<String> = words.split_whitespace().map(not_followed_by_word).collect();
            format!("(?P<{kind}>{})", words.join("|"))
        })
        .collect();
    format!(r"\b(?:{}){VALUE}", groups.join("|"))
}

/// Cheap tests on the lowered text that most narratives fail: each skips a whole scan.
enum Trigger {
    Always,
    Contains(&'static str),
    Url,
    Ip,
    FiveDigits,
    Age,
    Month,
}

struct Recogniser {
    kind: &'static str,
    pattern: Pattern,
    /// Runs on the lower case (see `hay`), as Python ran it on `text.lower()`.
    on_lowered: bool,
    trigger: Trigger,
    check: Check,
}

pub(crate) struct Patterns {
    recognisers: Vec<Recogniser>,
    dotted: Pattern,
    five_digits: Pattern,
    age_digits: Pattern,
    month_word: Pattern,
}

const PHONE_NUMBER: &str = r"(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?:\s?(?:x|ext\.?|extension)\s?\d{1,5})?\b";
const PHONE_AFTER_WORD: &str = r"\b(?:phone|ph|tel|telephone|cell|mobile|fax|pager|call(?:ed)?|contact|number)[:#.\s]*(?:at\s)?(?P<id>\d{10}|\d{3}[\s.-]?\d{4})\b";
const PHONE_EXTENSION: &str = r"\b(?:[xX]|ext\.?|extension)\s?\d{3,5}\b";
/// Ten digits in a row, or area code and number split by a slash: "9565552358", "610/555-0195".
const PHONE_DIGITS: &str = r"[2-9]\d{2}[2-9]\d{6}\b";
const PHONE_SLASHED: &str = r"\d{3}/\d{3}-\d{4}\b";

fn phone_recogniser() -> Recogniser {
    let any = |parts: &[&str]| Pattern::new(&parts.join("|"));
    Recogniser {
        kind: "PHONE",
        pattern: any(&[
            PHONE_NUMBER,
            PHONE_AFTER_WORD,
            PHONE_EXTENSION,
            PHONE_DIGITS,
            PHONE_SLASHED,
        ]),
        on_lowered: false,
        trigger: Trigger::Always,
        check: Check::Phone {
            after_word: any(&[PHONE_AFTER_WORD, PHONE_EXTENSION]),
            after_hyphen: any(&[PHONE_AFTER_WORD, PHONE_EXTENSION, PHONE_SLASHED]),
            after_slash: any(&[PHONE_NUMBER, PHONE_AFTER_WORD, PHONE_EXTENSION]),
        },
    }
}

fn date_recogniser() -> Recogniser {
    let source = [
        // ISO first (with an optional time), then numeric; month names are the next pattern's.
        format!(r"\b{YEAR}-[01]?\d-[0-3]?\d(?:[Tt ][0-2]\d:[0-5]\d(?::[0-5]\d)?)?\b"),
        r"\b[01]?\d[/.-][0-3]?\d[/.-](?:\d{4}|\d{2})\b|\b[0-3]?\d\.[01]?\d\.\d{4}\b".to_owned(),
        // Month/day without a year only after a word that says it is a date: "1/2 tab" is a dose.
        // `(?!/)` after it: consumed.
        r"\b(?:on|since|from|until|till|dated?|dob|dos|admit(?:ted)?|discharged?|born|seen|between)\s+(?P<id2>[01]?\d/[0-3]?\d)\b(?P<end>)(?:\z|[^/])".to_owned(),
        r"\b(?:on|the|since|until|by)\s+(?:the\s+)?(?P<id>(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th))\b".to_owned(),
        // compact forms of records and HL7: 19290409, 202610221014
        r"\b(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:[0-2]\d[0-5]\d(?:[0-5]\d)?)?\b".to_owned(),
        // month/day alone, unless it reads as a fraction, a dose, a score or a strength (1/2 tab, 7/10):
        // see `Check::Date`; `(?![\w/%]|\.\d)` after it: consumed.
        r"(?P<id3>(?:1[0-2]|0?[1-9])/(?:[12]\d|3[01]|0?[1-9]))(?P<end2>)(?:\z|[^\w/%.]|\.(?:\z|\D))".to_owned(),
    ];
    Recogniser {
        kind: "DATE",
        pattern: Pattern::new(&source.join("|")),
        on_lowered: true,
        trigger: Trigger::Always,
        check: Check::Date {
            // `(?!(?:\d|10)/10\b(?!\)))`, with the inner lookahead consumed
            out_of_ten: Pattern::new(r"(?:\d|10)/10\b(?:\z|[^)])"),
            fraction: Pattern::new(r"(?:1/[2348]|2/3|3/4)\b"),
            dose: Pattern::new(
                r"\s*(?:tab|tabs|tablets?|strength|mg|mcg|ml|units?|ns|doses?|of|inch|in\b|cm|mm|x\b)",
            ),
            time: Pattern::new(r"\s+(?:[01]\d|2[0-3]):?[0-5]\d\b"),
        },
    }
}

/// A range of two month/days: the second would pass for a score alone ("3/9 to 3/10").
fn date_range_recogniser() -> Recogniser {
    const MONTH_DAY: &str = r"(?:1[0-2]|0?[1-9])/(?:[12]\d|3[01]|0?[1-9])";
    Recogniser {
        kind: "DATE",
        pattern: Pattern::new(&format!(
            r"\b(?P<id>{MONTH_DAY})\s*(?:to|through|thru|until|till|[-–])\s*(?P<id2>{MONTH_DAY})\b(?P<end>)(?:\z|[^/])"
        )),
        on_lowered: true,
        trigger: Trigger::Always,
        check: Check::DateRange {
            out_of_ten: Pattern::new(r"(?:\d|10)/10\b"),
            fraction: Pattern::new(r"(?:1/[2348]|2/3|3/4)\b"),
        },
    }
}

fn month_date_recogniser() -> Recogniser {
    let source = [
        format!(r"\b{DAY}[\s-]+{MONTH}(?:[\s,-]+(?:{YEAR}|'?\d{{2}}))?\b"),
        // `(?!\s*(?:mg|units?))` after it, consumed: after all the whitespace, anything but the
        // start of "mg" or "unit".
        format!(
            r"\b{MONTH}\s+{DAY}(?:[\s,]+{YEAR})?\b(?P<end>)\s*(?:\z|[^\smu]|m(?:\z|[^g])|u(?:\z|[^n]|n(?:\z|[^i]|i(?:\z|[^t]))))"
        ),
        format!(r"\b{MONTH}[\s,]+{YEAR}\b"),
        format!(r"\b{DAY}{MONTH}(?:\d{{4}}|\d{{2}})\b"), // 22OCT26, 10FEB1959
    ];
    Recogniser {
        kind: "DATE",
        pattern: Pattern::new(&source.join("|")),
        on_lowered: true,
        trigger: Trigger::Month,
        check: Check::None,
    }
}

fn recogniser(kind: &'static str, source: &str, on_lowered: bool, trigger: Trigger) -> Recogniser {
    Recogniser {
        kind,
        pattern: Pattern::new(source),
        on_lowered,
        trigger,
        check: Check::None,
    }
}

impl Patterns {
    pub fn new() -> Self {
        let recognisers = vec![
            recogniser(
                "EMAIL",
                r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
                false,
                Trigger::Contains("@"),
            ),
            recogniser(
                "URL",
                r#"\b(?:https?://|www\.)[^\s<>"]+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|gov|edu|us|health)(?:/[^\s<>"]*)?\b"#,
                false,
                Trigger::Url,
            ),
            // `(?![\w:])` after an IPv6 address: consumed.
            recogniser(
                "IP",
                r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b|\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){3,7}(?P<end>)(?:\z|[^\w:])",
                true,
                Trigger::Ip,
            ),
            recogniser(
                "SSN",
                concat!(
                    r"\b(?:ssn|ss#|social security(?: number| no\.?| #)?|social)[:#\s]*(?P<id>\d{3}[-\s.]?\d{2}[-\s.]?\d{4})\b",
                    r"|\b\d{3}-\d{2}-\d{4}\b|\b\d{3} \d{2} \d{4}\b|\b\d{3}\.\d{2}\.\d{4}\b",
                    r"|\b(?:ssn|social)\D{0,30}?(?:last (?:4|four)|ending(?: in)?)\D{0,5}(?P<id2>\d{4})\b",
                ),
                true,
                Trigger::Always,
            ),
            phone_recogniser(),
            date_recogniser(),
            date_range_recogniser(),
            month_date_recogniser(),
            // One scan for every number known by the words before it.
            recogniser("CONTEXT", &context_pattern(), true, Trigger::Always),
            recogniser(
                "LICENSE",
                r"\b[a-z]{2}\d{7}\b|\b[a-z]{2}-\d{5,8}\b",
                true,
                Trigger::Always,
            ), // DEA numbers, "RN-448812"
            Recogniser {
                kind: "ID",
                // a GS1 UDI, or a code of capitals and at least four digits (see `Check::Code`)
                pattern: Pattern::new(
                    r"(?P<udi>\(01\)\d{14}(?:\(\d{2}\)[\w-]+)*)|\b[A-Z0-9]{2,}-?[A-Z0-9]*\d{4,}[A-Z0-9-]*\b",
                ),
                on_lowered: false,
                trigger: Trigger::Always,
                check: Check::Code {
                    digit: Pattern::new(r"[A-Z0-9-]*\d"),
                    capital: Pattern::new(r"[A-Z0-9-]*[A-Z]"),
                },
            },
            recogniser(
                "ADDRESS",
                concat!(
                    r"\b\d{1,6}\s+(?:[NSEWnsew]\.?\s+|(?:north|south|east|west)\s+)?(?:[A-Za-z][\w'-]*\s+){1,3}",
                    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|place|pl|parkway|pkwy|",
                    r"highway|hwy|terrace|ter|circle|cir|trail|trl|route|rte|square|sq)\b\.?",
                    r"(?:,?\s*(?:apt|apartment|unit|suite|ste|#|lot|trailer)\.?\s*#?\s*\w+)?",
                    r"|\b(?:p\.?\s?o\.?\s?box|post office box)\s+\d+\b",
                    r"|\b(?:apt|apartment|unit|suite)\.?\s*#?\s*\d+[A-Za-z]?\b",
                ),
                true,
                Trigger::Always,
            ),
            // A street named without a house number: "at Marion-Waldo Rd and Mount Vernon Ave". Not
            // "St" or "Dr", which are saints and doctors more often than streets.
            recogniser(
                "ADDRESS",
                concat!(
                    r"\b(?:[A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?\s+){1,3}(?:Road|Rd|Street|Avenue|Ave|Boulevard|Blvd|",
                    r"Lane|Ln|Highway|Hwy|Parkway|Pkwy|Drive|Pike|Turnpike)\b\.?",
                ),
                false,
                Trigger::Always,
            ),
            // A number after "#" with no context word: "Deputy Fulcher (#3318)". Shorter ones are
            // beds, rooms and sizes.
            recogniser(
                "ID",
                r"(?:\A|[^\w#])#\s?(?P<id>\d{4,})\b",
                false,
                Trigger::Contains("#"),
            ),
            // An aircraft's registration (FAA N-number): after its context word, or on its own in
            // capitals when it ends in letters and has two digits or more, so "N95" and "N2O" stay.
            recogniser(
                "ID",
                r"\b(?:aircraft|helicopter|tail\s?(?:number|no\.?|#)?)\s*#?\s*(?P<id>n[1-9]\d{0,4}[a-z]{0,2})\b",
                true,
                Trigger::Always,
            ),
            recogniser("ID", r"\bN[1-9]\d{1,4}[A-Z]{1,2}\b", false, Trigger::Always),
            // after a town ("Waco 76705", "Mobile, 36604") or in an HL7 address ("^ME^04336");
            // `(?![./:-]\d)` after the last: consumed.
            recogniser(
                "ZIP",
                concat!(
                    r"\b(?:[A-Z]{2}|zip(?:\s?code)?:?)\s+(?P<id>\d{5}(?:-\d{4})?)\b|\b\d{5}-\d{4}\b",
                    r"|(?:\b[A-Z][a-z]+,?\s|\^)(?P<id2>\d{5})\b(?P<end>)(?:\z|[^./:-]|[./:-](?:\z|\D))",
                ),
                false,
                Trigger::FiveDigits,
            ),
            recogniser(
                "LOCATION",
                r"\^\^(?P<id>[A-Z][A-Za-z .'-]+)\^[A-Z]{2}\^",
                false,
                Trigger::Contains("^^"),
            ),
            // The lookaheads after each age ("years", "y/o"): consumed.
            recogniser(
                "AGE>89",
                concat!(
                    r"\b(?P<id>(?:9\d|1[0-2]\d))(?P<end>)[\s-]*(?:years?|yrs?|y/?o|yo|y\.o\.|-year|year-old)\b",
                    r"|\b(?:age[ds]?|aged)[:\s]+(?P<id2>9\d|1[0-2]\d)(?P<end2>)\s*(?:y|yr|yrs|years?)?\b",
                    r"|\b(?:ninety|one hundred|a hundred|hundred)",
                    r"(?:[\s-]+(?:and[\s-]+)?(?:one|two|three|four|five|six|seven|eight|nine|ten|\w+teen))?",
                    r"(?P<end3>)[\s-]+(?:years?|yrs?|year-old)",
                ),
                true,
                Trigger::Age,
            ),
            // Last and weakest: a long run of digits with no context is still some record's number.
            // `(?![\w,/-]|\.\d)` after it: consumed.
            Recogniser {
                kind: "SSN",
                pattern: Pattern::new(r"\b\d{9}(?P<end>)(?:\z|[^\w,/.-]|\.(?:\z|\D))"),
                on_lowered: false,
                trigger: Trigger::Always,
                check: Check::DigitRun,
            },
            Recogniser {
                kind: "ID",
                pattern: Pattern::new(r"\b\d{7,}(?P<end>)(?:\z|[^\w,/.-]|\.(?:\z|\D))"),
                on_lowered: false,
                trigger: Trigger::Always,
                check: Check::DigitRun,
            },
            // initials standing for a person: "pts R.H. rm 512, J.W. rm 517" (not a.m., p.m., U.S.);
            // `(?![\w])(?!\s?[A-Z][a-z])` after them: consumed.
            Recogniser {
                kind: "NAME",
                pattern: Pattern::new(
                    r"\b[A-Z]\.\s?[A-Z]\.(?:\s?[A-Z]\.)?(?P<end>)(?:\z|[^\w\s]|\s(?:\z|[^A-Z]|[A-Z](?:\z|[^a-z])))",
                ),
                on_lowered: false,
                trigger: Trigger::Always,
                check: Check::Initials,
            },
        ];
        let month_words = MONTH.trim_end_matches(r"\.?");
        Self {
            recognisers,
            dotted: Pattern::new(r"\d\.\d{1,3}\.\d"),
            five_digits: Pattern::new(r"\d{5}"),
            // `(?<!\d)(?:9\d|1[0-2]\d)(?!\d)`, and the month words between non-letters: whether
            // they occur at all, so the neighbours may be consumed.
            age_digits: Pattern::new(r"(?:\A|\D)(?:9\d|1[0-2]\d)(?:\D|\z)"),
            month_word: Pattern::new(&format!(
                r"(?:\A|[^a-z]){month_words}(?:[^a-z]|\z)|\d(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
            )),
        }
    }

    /// Spans of every pattern's identifiers, strongest pattern first. `lowered` is `str.lower()` of
    /// the narrative; `plain` and `folded` its haystacks (see `hay`).
    pub fn spans(
        &self,
        lowered: &str,
        plain: &Hay<'_>,
        folded: &Hay<'_>,
        spans: &mut Vec<Span<'static>>,
    ) {
        for recogniser in &self.recognisers {
            if !self.triggered(&recogniser.trigger, lowered) {
                continue;
            }
            let hay = if recogniser.on_lowered { folded } else { plain };
            let hits = recogniser
                .pattern
                .find_iter(&hay.text, |hit| resolve(&recogniser.check, &hay.text, hit));
            for hit in hits {
                // The identifier groups where the pattern has context words around them (a range
                // has two), else the whole match.
                let groups: Vec<(usize, usize)> = ["id", "id2", "id3"]
                    .iter()
                    .filter_map(|group| hit.group(group))
                    .collect();
                let whole = [(hit.start(), hit.end())];
                for &(start, end) in if groups.is_empty() {
                    &whole[..]
                } else {
                    &groups
                } {
                    spans.push(Span::new(
                        hay.to_text(start),
                        hay.to_text(end),
                        kind_of(recogniser.kind, &hit),
                    ));
                }
            }
        }
    }

    fn triggered(&self, trigger: &Trigger, lowered: &str) -> bool {
        match trigger {
            Trigger::Always => true,
            Trigger::Contains(needle) => lowered.contains(needle),
            Trigger::Url => [
                "http", "www", ".com", ".org", ".net", ".gov", ".edu", ".us", ".health",
            ]
            .iter()
            .any(|d| lowered.contains(d)),
            Trigger::Ip => lowered.contains("::") || self.dotted.is_match(lowered),
            Trigger::FiveDigits => self.five_digits.is_match(lowered),
            Trigger::Age => {
                lowered.contains("ninet")
                    || lowered.contains("hundred")
                    || self.age_digits.is_match(lowered)
            }
            Trigger::Month => self.month_word.is_match(lowered),
        }
    }
}

fn kind_of(kind: &'static str, hit: &Hit) -> &'static str {
    match kind {
        "CONTEXT" => CONTEXT_WORDS
            .iter()
            .map(|(k, _)| *k)
            .find(|k| hit.group(k).is_some())
            .unwrap_or("ID"),
        _ => kind,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pychars;

    /// Where the lookaround stand-ins matter; the expected spans are the Python scrubber's.
    #[test]
    fn lookaround_as_python() {
        let patterns = Patterns::new();
        let cases: &[(&str, &[(&str, &str)])] = &[
            (
                "on 4/14/ and 4/14, pain 5/10, 1/2 tab, 12/25.5, 3/4",
                &[("4/14", "DATE")],
            ),
            ("fe80::1:2:3g fe80::1:2:3 x", &[("fe80::1:2:3", "IP")]),
            (
                "Waco 76705.5 and Waco, 76705 and ^ME^04336",
                &[("76705", "ZIP"), ("04336", "ZIP")],
            ),
            (
                "call 555-201-8890 or -555-201-8890 or /5552018890",
                &[("555-201-8890", "PHONE")],
            ),
            ("R. H. Jones; R.H. rm 512 at 3 A.M.", &[("R.H.", "NAME")]),
            (
                "march 14, 2026 mg; june 3 units; may 2",
                &[("march 14", "DATE"), ("may 2", "DATE")],
            ),
            (
                "MRN: m.r.n. 1234567 and mr# 123456",
                &[("1234567", "MRN"), ("123456", "MRN"), ("1234567", "ID")],
            ),
            (
                "She is 95-year-old; ninety-five years",
                &[("95", "AGE>89"), ("ninety-five", "AGE>89")],
            ),
            (
                "SSN 123-45-6789, 123456789.5, 1234567",
                &[("123-45-6789", "SSN"), ("1234567", "ID")],
            ),
        ];
        for (text, expected) in cases {
            let lowered = pychars::lower(text);
            let mut spans = Vec::new();
            patterns.spans(
                &lowered,
                &Hay::plain(text),
                &Hay::folded(text, &lowered),
                &mut spans,
            );
            let found: Vec<(&str, &str)> = spans
                .iter()
                .map(|s| (&text[s.start..s.end], s.kind))
                .collect();
            assert_eq!(&found, expected, "{text}");
        }
    }
}
