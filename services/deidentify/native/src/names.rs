//! Layer 3: people's names the report does not give in its structured fields.
//!
//! Evidence, strongest first: a title or role before the name ("Dr. Price", "daughter Hope", "pt
//! Jensen", "medic Alvarez"), a credential after it ("Will Young, RN"), a signature line, then the name
//! lists. A capitalised word on the name lists is a name unless it is clinical vocabulary (Foley,
//! Braden, Lasix) or an ordinary English word (Hope, Will, Rose, Price, Young); those count only next
//! to another name or after a title.

use std::sync::LazyLock;

use rustc_hash::FxHashSet;

use crate::hay::{self, Hay};
use crate::lexicon::Lexicon;
use crate::scan::{Hit, Pattern};
use crate::spans::Span;
use crate::words::{Word, words_within};

fn set(words: &'static str) -> FxHashSet<&'static str> {
    words.split_whitespace().collect()
}

/// After these even a word in capitals that is an ordinary word is a name ("DR KNIGHT").
static PERSONAL_TITLES: LazyLock<FxHashSet<&str>> =
    LazyLock::new(|| set("dr doctor mr mrs ms miss mx"));
/// Before a capitalised word these make it a name even when it is also clinical ("Dr. Foley").
pub(crate) static HONORIFICS: LazyLock<FxHashSet<&str>> = LazyLock::new(|| {
    set(
        "dr doctor mr mrs ms miss mx sr sister nurse rn lpn lvn cna np pa md do pharmd rph pharmacist medic \
         paramedic emt aemt officer deputy pt patient resident prof professor rev reverend pastor capt \
         captain lt",
    )
});
/// Before a capitalised word these make it a name unless it is clinical vocabulary ("called Lasix").
static ROLES: LazyLock<FxHashSet<&str>> = LazyLock::new(|| {
    set(
        "tech technician firefighter res client member daughter son wife husband mother father mom dad \
         brother grandson granddaughter grandmother grandfather grandma grandpa niece nephew aunt uncle \
         cousin spouse partner fiance fiancee friend neighbor neighbour caregiver aide assistant attendant \
         sitter chaplain surgeon physician anesthesiologist anesthetist crna attending hospitalist intern \
         fellow midwife doula therapist rt ot slp dietitian coordinator supervisor manager director \
         administrator driver chief lieutenant clerk secretary transporter housekeeper volunteer interpreter \
         pharmacist intern student resident sitter poa guardian proxy roommate boyfriend girlfriend stepson \
         stepdaughter named called signed contacted notified paged informed son-in-law daughter-in-law \
         mother-in-law father-in-law rep representative technologist agent dispatcher pilot crew",
    )
});
/// Family and friends: after these, patients and families write names in lower case too ("my husband
/// pearl fowler").
static RELATIONS: LazyLock<FxHashSet<&str>> = LazyLock::new(|| {
    set(
        "daughter son wife husband mother father mom dad brother sister grandson granddaughter grandmother \
         grandfather grandma grandpa niece nephew aunt uncle cousin spouse partner fiance fiancee friend \
         neighbor neighbour boyfriend girlfriend stepson stepdaughter roommate",
    )
});
/// Titles after which a lower-case name-list word is a name even when it is also clinical ("nurse
/// morse", "dr foley"); the eponym guard still keeps "Foley catheter".
static TITLES_OVER_CLINICAL: LazyLock<FxHashSet<&str>> =
    LazyLock::new(|| set("dr doctor mr mrs ms miss mx nurse sister"));
/// Words of grammar, which records in capitals put before a credential: "BY RN", "TO RN", "PER MD".
static FUNCTION_WORDS: LazyLock<FxHashSet<&str>> = LazyLock::new(|| {
    set("by to per the at of on in for with from and or via as if is was called paged notified")
});
static CREDENTIALS: LazyLock<FxHashSet<&str>> = LazyLock::new(|| {
    set(
        "RN LPN LVN CNA MD DO NP PA-C PA EMT EMT-P EMT-B Paramedic RPh PharmD CRNA RT RRT PT OT MSW LCSW BSN \
         APRN FNP CST CDCES CPhT CMA MA DPM DDS PsyD PhD CNM CNS CCRN RPH",
    )
});
static SIGNING_WORDS: LazyLock<FxHashSet<&str>> = LazyLock::new(|| {
    set(
        "signed signature reported submitted entered completed written regards sincerely thanks thank",
    )
});
const MAX_FOLLOWING: usize = 2;
/// Words in capitals this short are abbreviations (MRI, ICU) unless a list knows them as names.
const ABBREVIATION: usize = 3;

/// Python's `(?i:...)` around words in lower case. Under `re.IGNORECASE`, `i` also matches "İ" and
/// "ı", which Unicode's simple case folding (and so `regex`) does not relate to it; `k` and `s`
/// already match "K" (Kelvin) and "ſ" in both.
fn python_ignorecase(words: &str) -> String {
    format!("(?i:{})", words.replace('i', "[iİı]"))
}

const CREDENTIAL_AFTER_NAME: &str = r"\b(?P<id>(?:[A-Z]\.\s?)?(?:[A-Z][a-z'’-]+\s+){0,2}(?:[A-Z][a-z'’-]+|[A-Z]\.)(?:\s+[A-Z]\.)?),?\s+(?:RN|LPN|LVN|CNA|MD|DO|NP|PA-C|PA|EMT(?:-[PB])?|Paramedic|RPh|PharmD|CRNA|RT|RRT|PT|OT|MSW|LCSW|BSN|APRN|FNP|CST|CDCES|CPhT|CMA|MA|DPM|DDS|PsyD|PhD|CNM|CNS|CCRN)\b";
/// All-caps records: "BY MARSH, GENE RN". Python's `(?![a-z])` after the final `\b` can never fail
/// (a credential ends in a letter, so `\b` puts a non-word character after it).
const CREDENTIAL_AFTER_CAPITALS: &str = r"(?P<id2>\b[A-Z]{2,}(?:,\s*[A-Z]{2,})?(?:\s+[A-Z]\.?)?),?\s+(?:RN|LPN|MD|DO|NP|PA|CNA|RPH|EMT)\b";

pub(crate) struct Names {
    /// A name before a credential. Python's `(?<![\w.])` before the first alternative: `\b` here,
    /// and after a full stop only the second alternative is tried.
    credential_after: Pattern,
    credential_after_full_stop: Pattern,
    signature: Pattern,
    /// Records in capitals: "PT NAME: COMBS, CLARENCE A", "BY MARSH, GENE RN"; checked against the
    /// name lists.
    capitals_last_first: Pattern,
    /// Who entered a record, in record systems' own words: "BY RN DAY", "ENTEREDBY=MYAZZIE", "SIGNED
    /// BY: X". `(?![a-z])` after the name: consumed.
    entered_by: Pattern,
}

impl Names {
    pub fn new() -> Self {
        let signing = python_ignorecase(
            "signed|signature|reported by|submitted by|entered by|completed by|written by|regards|sincerely|thanks|thank you",
        );
        let signature = format!(
            r"(?m)(?:{signing}\s*[:,-]?\s*|^[ \t]*[-–—/~]+[ \t]*)(?P<id>(?:[A-Z]\.\s?)?[A-Z][a-z'’-]+(?:\s+[A-Z]\.?)?(?:\s+[A-Z][a-z'’-]+){{0,2}})|^[ \t]*(?P<id2>[A-Z][a-z'’-]+(?:\s+[A-Z]\.)?\s+[A-Z][a-z'’-]+)[ \t]*(?:,\s*[A-Z]{{2,5}})?[ \t]*$"
        );
        let entered = python_ignorecase(
            r"\b(?:entered|submitted|reported|signed|programmed|completed|verified|documented)\s*by",
        );
        let role = python_ignorecase("rn|lpn|lvn|cna|md|dr|do|np|pa|rph|pharmd|emt|medic|tech");
        let role_after_by =
            python_ignorecase("rn|lpn|lvn|cna|md|dr|np|pa|rph|pharmd|emt|medic|tech");
        let by = python_ignorecase(r"\bby");
        let entered_by = format!(
            r"(?:{entered}\s*[=:]?\s*(?:(?P<role>{role})\.?\s+)?|{by}\s+(?P<role2>{role_after_by})\.?\s+)(?P<id>[A-Z][A-Z'-]{{2,}})\b(?P<end>)(?:\z|[^a-z])"
        );
        Self {
            credential_after: Pattern::new(&format!(
                "{CREDENTIAL_AFTER_NAME}|{CREDENTIAL_AFTER_CAPITALS}"
            )),
            credential_after_full_stop: Pattern::new(CREDENTIAL_AFTER_CAPITALS),
            signature: Pattern::new(&signature),
            capitals_last_first: Pattern::new(
                r"\b(?P<last>[A-Z][A-Z'-]+), (?P<first>[A-Z][A-Z'-]+)(?: [A-Z]\b\.?)?",
            ),
            entered_by: Pattern::new(&entered_by),
        }
    }

    pub fn spans(
        &self,
        text: &str,
        plain: &Hay<'_>,
        words: &[Word<'_>],
        lexicon: &Lexicon,
        spans: &mut Vec<Span<'static>>,
    ) {
        let hay = &plain.text;
        let mut add = |start: usize, end: usize| {
            spans.push(Span::new(plain.to_text(start), plain.to_text(end), "NAME"));
        };
        // Each regular expression costs a scan of the whole text: run it only where its words occur.
        if words.iter().any(|w| CREDENTIALS.contains(w.text)) {
            let hits = self.credential_after.find_iter(hay, |hit| {
                let start = hit.start();
                let hit = if hay::char_before(hay, start) == Some('.') {
                    self.credential_after_full_stop.at(hay, start)?
                } else {
                    hit
                };
                // "SUBMITTED BY RN FOWLER": a word in capitals before a credential is a name, but
                // not a word of grammar (the name lists hold "By" and "To" as rare names)
                let grammar = hit.group("id2").is_some_and(|span| {
                    FUNCTION_WORDS.contains(plain.in_text(text, span).to_ascii_lowercase().as_str())
                });
                (!grammar).then_some(hit)
            });
            group_spans(&hits, &mut add);
        }
        let opening = text
            .trim_start_matches(crate::pychars::is_space)
            .chars()
            .next();
        if text.contains('\n')
            || words.iter().any(|w| SIGNING_WORDS.contains(w.norm))
            || opening.is_none_or(|c| matches!(c, '-' | '/' | '~' | '–' | '—'))
        {
            group_spans(&self.signature.all(hay), &mut add);
        }
        if words.iter().any(|w| w.all_caps) {
            for hit in self.entered_by.all(hay) {
                let id = hit.group("id").unwrap_or_default();
                let entry = lexicon.get(&plain.in_text(text, id).to_ascii_lowercase());
                // After a role ("BY RN FOWLER") a name-list word is a name even when it is also
                // clinical; without one, clinical words stay ("ENTERED BY HEPARIN PROTOCOL").
                let role = hit.group("role").or(hit.group("role2")).is_some();
                let name = if role {
                    entry.is_name() || !entry.is_common()
                } else {
                    !entry.is_clinical()
                };
                if name {
                    add(id.0, id.1);
                }
            }
        }
        for hit in self.capitals_last_first.all(hay) {
            let text_of = |group| {
                let span = hit.group(group).unwrap_or_default();
                plain.in_text(text, span).to_ascii_lowercase()
            };
            if lexicon.get(&text_of("last")).is_surname()
                && lexicon.get(&text_of("first")).is_given_name()
            {
                add(hit.start(), hit.end());
            }
        }
        for (i, word) in words.iter().enumerate() {
            if is_name(i, words) {
                spans.push(Span::new(word.start, word.end, "NAME"));
            }
        }
    }
}

fn group_spans(hits: &[Hit], add: &mut impl FnMut(usize, usize)) {
    for hit in hits {
        for group in ["id", "id2"] {
            if let Some((start, end)) = hit.group(group) {
                add(start, end);
            }
        }
    }
}

/// A word once seen as a name (or place) is one everywhere in the report ("nursing assistant Joy
/// Kowalski ... Joy stated"), even at the start of a sentence or when it is an ordinary word.
/// Clinical words that are not also names spread only from the report's own identifiers (`strong`).
pub(crate) fn propagated_spans<'k>(
    words: &[Word<'_>],
    found: &[Span<'_>],
    kind: &'k str,
    strong: &FxHashSet<&str>,
) -> Vec<Span<'k>> {
    let seen: FxHashSet<&str> = words_within(words, found)
        .into_iter()
        .filter(|w| {
            let norm = w.norm;
            !HONORIFICS.contains(norm)
                && norm.len() > 1
                && (strong.contains(norm) || w.entry.is_name() || !w.entry.is_clinical())
        })
        .map(|w| w.norm)
        .collect();
    if seen.is_empty() {
        return Vec::new();
    }
    words
        .iter()
        .filter(|w| seen.contains(w.norm) && (w.capitalised || strong.contains(w.norm)))
        .map(|w| Span::new(w.start, w.end, kind))
        .collect()
}

/// One rule a line, as the name evidence is listed above.
fn is_name(i: usize, words: &[Word<'_>]) -> bool {
    let word = &words[i];
    let entry = word.entry;
    if HONORIFICS.contains(word.norm) {
        return false;
    }
    if !word.capitalised {
        return lower_case_name(i, words);
    }
    let strong = entry.is_name() && !entry.is_common() && !entry.is_clinical();
    if after_title(i, words) {
        // "Pt Jensen", but not "PT FOUND ON FLOOR" nor "RN ICU": in capitals only a name counts.
        let personal = i > 0 && PERSONAL_TITLES.contains(words[i - 1].norm); // "DR OKONJO", "DR KNIGHT"
        let unknown = !entry.is_common() && word.chars > ABBREVIATION;
        if strong || (word.all_caps && personal && (entry.is_name() || unknown)) {
            return true;
        }
        return !word.all_caps && (entry.is_name() || !entry.is_common());
    }
    if word.all_caps {
        // capitals say nothing; ED, PRN are abbreviations
        return strong && word.chars > 3;
    }
    if !entry.is_name() {
        return false;
    }
    if strong {
        return true;
    }
    // An ordinary or clinical word that is also a name: only beside another name ("Will Price",
    // "Iris Sims"), never alone ("Hope", "Lasix"); and both must be frequent names, so "Morse Fall
    // Scale" and "Code Blue" stay.
    if !entry.is_frequent_name() {
        return false;
    }
    if initial_follows(i, words) {
        return true; // "Holly O. did data entry"
    }
    let neighbours = [i.checked_sub(1), Some(i + 1)];
    neighbours
        .into_iter()
        .flatten()
        .filter(|&j| j < words.len() && words[i.max(j)].joined)
        .any(|j| plain_name(&words[j], !word.sentence_start))
}

/// The next word is one capital letter with a full stop: the initial of a surname.
fn initial_follows(i: usize, words: &[Word<'_>]) -> bool {
    words.get(i + 1).is_some_and(|initial| {
        initial.chars == 1
            && initial.capitalised
            && initial.joined
            && !matches!(initial.text, "I" | "A")
    })
}

/// Patients and families write "nurse named holly", "dr oyelaran", "my husband pearl fowler": a
/// lower-case word right after a title, or after "named", is a name if the name lists know it or it
/// is no English word; after a relation, a given name that is no English word, or a given name and
/// a surname.
fn lower_case_name(i: usize, words: &[Word<'_>]) -> bool {
    if i == 0 || !words[i].joined {
        return false;
    }
    let (word, title) = (&words[i], words[i - 1].norm);
    let entry = word.entry;
    if RELATIONS.contains(title) {
        return given_after_relation(i, words) && (!entry.is_common() || surname_follows(i, words));
    }
    if i > 1 && RELATIONS.contains(words[i - 2].norm) && given_after_relation(i - 1, words) {
        return entry.is_surname(); // "fowler" of "husband pearl fowler"
    }
    if !HONORIFICS.contains(title) && title != "named" && title != "called" {
        return false;
    }
    let clinical_allowed = TITLES_OVER_CLINICAL.contains(title) && entry.is_name();
    (!entry.is_clinical() || clinical_allowed)
        && (entry.is_name() || !entry.is_common())
        && word.norm.len() > 2
}

/// A lower-case given name joined to the relation before it: "pearl" of "husband pearl".
fn given_after_relation(i: usize, words: &[Word<'_>]) -> bool {
    let word = &words[i];
    word.joined && !word.capitalised && word.entry.is_given_name() && word.norm.len() > 2
}

/// The next word is a lower-case surname joined to this one: "pearl fowler".
fn surname_follows(i: usize, words: &[Word<'_>]) -> bool {
    words
        .get(i + 1)
        .is_some_and(|next| next.joined && !next.capitalised && next.entry.is_surname())
}

/// Up to `MAX_FOLLOWING` capitalised words after a title or role ("Dr. Anne Marie Price").
fn after_title(i: usize, words: &[Word<'_>]) -> bool {
    for back in 1..=MAX_FOLLOWING {
        let Some(j) = i.checked_sub(back) else {
            return false;
        };
        if !(words[j + 1].joined || words[j + 1].after_comma) {
            return false;
        }
        let previous = &words[j];
        let norm = previous.norm;
        if HONORIFICS.contains(norm) && back == 1 {
            return true;
        }
        if HONORIFICS.contains(norm) || ROLES.contains(norm) {
            return words[i].entry.is_name() || !words[i].entry.is_clinical();
        }
        if !previous.capitalised || (previous.sentence_start && back == MAX_FOLLOWING) {
            return false;
        }
    }
    false
}

/// A capitalised name-list word, not clinical; at the start of a sentence only if `at_start`.
fn plain_name(word: &Word<'_>, at_start: bool) -> bool {
    let entry = word.entry;
    word.capitalised
        && (at_start || !word.sentence_start)
        && entry.is_name()
        && (entry.is_frequent_name() || (!entry.is_common() && !entry.is_clinical()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignorecase_as_python() {
        let signed = Pattern::new(&python_ignorecase("signed|kelvin"));
        for text in ["SİGNED", "sıgned", "ſigned", "\u{212a}elvin"] {
            assert!(signed.is_match(text), "{text}");
        }
        assert!(!signed.is_match("sgned"));
    }
}
