//! Layer 1, the strongest evidence: the report's own structured identifiers, in the ways they recur.
//!
//! A patient named "Harold Jensen" also appears as "Jensen", "Mr. Jensen", "H. Jensen", "JENSEN" or
//! "Jensen's"; an organisation "St. Mary's Regional Medical Center" as "St. Mary's"; a phone number in
//! any of its usual spellings. No regular expression is compiled per report: names are matched word by
//! word, everything else by plain search.

use rustc_hash::FxHashSet;

use crate::pychars;
use crate::spans::Span;
use crate::words::Word;

/// Shorter structured values (initials, tiny codes) would match everywhere in clinical text.
const MIN_LITERAL_LENGTH: usize = 3;
const MIN_PHONE_DIGITS: usize = 7;
/// The shortest rewriting of a record number searched for: shorter runs of digits are doses,
/// counts and times more often than the record number.
const MIN_RECORD_DIGITS: usize = 5;
const GENERIC_ORG_WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "at",
    "for",
    "hospital",
    "hospitals",
    "medical",
    "center",
    "centre",
    "health",
    "healthcare",
    "system",
    "systems",
    "clinic",
    "clinics",
    "regional",
    "community",
    "memorial",
    "general",
    "university",
    "county",
    "city",
    "pharmacy",
    "pharmacies",
    "nursing",
    "home",
    "homes",
    "rehab",
    "rehabilitation",
    "care",
    "services",
    "service",
    "hospice",
    "ems",
    "ambulance",
    "fire",
    "department",
    "dept",
    "inc",
    "llc",
    "group",
    "associates",
    "senior",
    "living",
    "assisted",
    "skilled",
    "facility",
    "manor",
    "village",
];

/// Identifiers the report itself names in its structured fields.
pub(crate) struct KnownIdentifiers<'k> {
    /// People: the patient, the reporter, staff.
    pub names: &'k [String],
    pub organisations: &'k [String],
    /// (placeholder type, value) pairs: MRNs, phones, e-mails, addresses, licence numbers...
    pub numbers: &'k [(String, String)],
}

/// Every occurrence of the report's own identifiers. Names go word by word ("Mr. Jensen",
/// "JENSEN", "Jensen's" and "H. Jensen" all contain the word), other values by plain search in the
/// narrative's lower case `lowered`.
pub(crate) fn known_spans<'k>(
    text: &str,
    lowered: &str,
    words: &[Word<'_>],
    known: &KnownIdentifiers<'k>,
) -> Vec<Span<'k>> {
    let mut spans = Vec::new();
    let parts: FxHashSet<String> = known
        .names
        .iter()
        .flat_map(|name| name_parts(name))
        .collect();
    if !parts.is_empty() {
        for (index, word) in words.iter().enumerate() {
            if parts.contains(word.norm) {
                let mut start = word.start;
                if index > 0 {
                    let previous = &words[index - 1];
                    let gap = &text[previous.end..start];
                    if pychars::char_len(gap) == 2 && previous.chars == 1 && word.joined {
                        start = previous.start; // the initial of "H. Jensen"
                    }
                }
                spans.push(Span::new(start, word.end, "NAME"));
            }
        }
    }
    if known.numbers.is_empty() && known.organisations.is_empty() {
        return spans;
    }
    let positions = CodePoints { text, lowered };
    for (kind, value) in known.numbers {
        for literal in literals(kind, value) {
            positions.occurrences(&pychars::lower(&literal), kind, &mut spans);
        }
    }
    for organisation in known.organisations {
        for variant in organisation_variants(organisation) {
            positions.occurrences(&pychars::lower(&variant), "ORGANIZATION", &mut spans);
        }
    }
    spans
}

/// Python searched the lower case of the narrative and took the code point offsets it found there
/// as offsets into the narrative, even where lowering changed the length ("İ" becomes two code
/// points). The same offsets here, as byte offsets into the narrative; past its end, one more for
/// each code point (Python's slicing then cut them to the end).
struct CodePoints<'a> {
    text: &'a str,
    lowered: &'a str,
}

impl CodePoints<'_> {
    fn occurrences<'k>(&self, literal: &str, kind: &'k str, spans: &mut Vec<Span<'k>>) {
        let lowered = self.lowered;
        // each search resumes where the last occurrence ended, as `str.find` did in Python
        for start in memchr::memmem::find_iter(lowered.as_bytes(), literal.as_bytes()) {
            let end = start + literal.len();
            let free_before = lowered[..start]
                .chars()
                .next_back()
                .is_none_or(|c| !pychars::is_alnum(c));
            let free_after = lowered[end..]
                .chars()
                .next()
                .is_none_or(|c| !pychars::is_alnum(c));
            if free_before && free_after {
                spans.push(Span::new(self.to_text(start), self.to_text(end), kind));
            }
        }
    }

    fn to_text(&self, offset: usize) -> usize {
        if self.text.is_ascii() {
            return offset;
        }
        let index = self.lowered[..offset].chars().count();
        let mut chars = 0;
        for (at, _) in self.text.char_indices() {
            if chars == index {
                return at;
            }
            chars += 1;
        }
        self.text.len() + (index - chars)
    }
}

fn literals(kind: &str, value: &str) -> Vec<String> {
    let value = pychars::strip(value);
    if pychars::char_len(value) < MIN_LITERAL_LENGTH {
        return Vec::new();
    }
    let mut out = vec![value.to_owned()];
    let digits: String = value.chars().filter(|&c| pychars::is_decimal(c)).collect();
    let digit_count = digits.chars().count();
    if kind == "PHONE" && digit_count >= MIN_PHONE_DIGITS {
        // Phones are written many ways: the usual spellings of the same digits.
        let d: Vec<char> = digits
            .chars()
            .skip(digit_count.saturating_sub(10))
            .collect();
        if d.len() == 10 {
            let area: String = d[..3].iter().collect();
            let exchange: String = d[3..6].iter().collect();
            let line: String = d[6..].iter().collect();
            out.extend([
                d.iter().collect(),
                format!("{area}-{exchange}-{line}"),
                format!("({area}) {exchange}-{line}"),
                format!("({area}){exchange}-{line}"),
                format!("{area}.{exchange}.{line}"),
                format!("{area} {exchange} {line}"),
                format!("{area}/{exchange}-{line}"),
                format!("{exchange}-{line}"),
            ]);
        }
    } else if kind == "ADDRESS" && value.contains(',') {
        let street = pychars::strip(value.split(',').next().unwrap_or(""));
        if pychars::char_len(street) >= MIN_LITERAL_LENGTH {
            out.push(street.to_owned());
        }
    } else if matches!(kind, "MRN" | "ACCOUNT" | "LICENSE") {
        // Record numbers are rewritten by hand: "MRN A-0048291" also appears as "0048291",
        // "48291", "A0048291" or "A 0048291".
        let unpadded = digits.trim_start_matches('0');
        let joined: String = value.chars().filter(|&c| c.is_alphanumeric()).collect();
        let spaced = value.replace(['-', '.', '/'], " ");
        for variant in [digits.as_str(), unpadded, &joined, &spaced] {
            if variant != value
                && variant.chars().count() >= MIN_RECORD_DIGITS
                && !out.iter().any(|known| known == variant)
            {
                out.push(variant.to_owned());
            }
        }
    }
    out
}

/// The words of a person's name (and the halves of a hyphenated one), in lower case: each is
/// removed wherever it occurs as a word, which covers "Jensen", "Mr. Jensen", "JENSEN", "H. Jensen".
fn name_parts(name: &str) -> Vec<String> {
    let parts: Vec<&str> = pychars::strip(name)
        .split(|c: char| c == ',' || pychars::is_space(c))
        .map(|p| p.trim_matches(['.', '\'']))
        .collect();
    let halves = parts
        .iter()
        .filter(|p| p.contains('-'))
        .flat_map(|p| p.split('-'));
    parts
        .iter()
        .copied()
        .chain(halves)
        .filter(|p| pychars::char_len(p) >= MIN_LITERAL_LENGTH - 1)
        .map(|p| pychars::lower(p).into_owned())
        .collect()
}

/// An organisation's name and its distinctive leading words ("St. Mary's" of "St. Mary's Regional").
fn organisation_variants(name: &str) -> Vec<String> {
    let name = pychars::strip(name);
    if pychars::char_len(name) < MIN_LITERAL_LENGTH {
        return Vec::new();
    }
    let mut variants = vec![name.to_owned()];
    let words: Vec<&str> = pychars::split_whitespace(name).collect();
    let distinctive: Vec<&str> = words
        .iter()
        .copied()
        .take_while(|word| {
            !GENERIC_ORG_WORDS.contains(&pychars::lower(word).trim_matches(['.', ',', '\'']))
        })
        .collect();
    let joined = distinctive.join(" ");
    if !distinctive.is_empty()
        && pychars::char_len(&joined) > MIN_LITERAL_LENGTH
        && distinctive.len() < words.len()
    {
        variants.push(joined);
    }
    variants
}
