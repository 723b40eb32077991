//! Layer 4: organisations and places: hospitals, nursing homes, pharmacies, agencies, cities, counties.
//!
//! Organisations are recognised by the words that end their names ("... Regional Medical Center",
//! "... Nursing and Rehab", "St. Mary's"); places by the place lists, a capitalised word that is also an
//! ordinary English word ("Mobile", "Independence") only with place context ("in Mobile", "Mobile, AL",
//! "Mobile County").

use std::sync::LazyLock;

use rustc_hash::FxHashSet;

use crate::hay::Hay;
use crate::lexicon::Lexicon;
use crate::pychars;
use crate::scan::Pattern;
use crate::spans::Span;
use crate::words::Word;

const NAME_WORD: &str = r"(?:[A-Z][\w'’&.-]*|of|the|and|&)";
const ORG_SUFFIX: &str = concat!(
    r"(?:Hospital|Medical Center|Medical Centre|Med Ctr|Health System|Healthcare|Health Care|Health|Clinic|",
    r"Pharmacy|Drug|Drugs|Nursing Home|Nursing Center|Nursing and Rehab\w*|Nursing & Rehab\w*|Rehab\w*|",
    r"Hospice|EMS|Ambulance|Fire Department|Fire Dept|Fire Rescue|Rescue|Care Center|Care Centre|Senior Living|",
    r"Assisted Living|Manor|Medical Group|Physicians|Urgent Care|Surgery Center|Surgical Center|Home Health|",
    r"Home Care|Laboratory|Laboratories|Labs|Institute|Infirmary|Sanitarium|Retirement Home|Living Center|",
    r"Children's|Memorial|Regional|University|College|Dialysis|Dialysis Center|Center|Centre|Pediatrics|",
    r"Cardiology|Oncology|Orthopedics|Family Practice|Family Medicine|Associates|Partners|Police Department|",
    r"Sheriff's Office|Apothecary|Supply|Supplies|HealthCare|Health Network|Fire|Home Medical|Medical Supply|",
    r"AirCare|Air Care|Life Flight|LifeFlight|Air Ambulance)",
);
/// The keywords of the organisation pattern, in lower case: a report with none of them names no
/// organisation (the words of at least two letters in the pattern, as Python collected them).
static ORGANISATION_WORDS: LazyLock<FxHashSet<&str>> = LazyLock::new(|| {
    "aid air aircare ambulance apothecary ascension assisted associates banner cardiology care caremark center \
     centre children childrens clinic college costco ctr cvs department dept dialysis drug drugs ems express family fire \
     evac flight group health healthcare home hospice hospital infirmary institute kaiser kroger laboratories \
     laboratory labs lady life lifeflight living manor med medevac medflight medical medicine memorial mount mt network nursing \
     office oncology optumrx orthopedics our partners pediatrics pharmacy physicians police practice publix \
     careflight regional rehab rescue retirement rite safeway saint sanitarium scripts senior sheriff st supplies supply \
     surgery surgical sutter system university urgent walgreens walmart airlife airevac methods"
        .split_whitespace()
        .collect()
});
const PLACE_PREPOSITIONS: &[&str] = &[
    "in", "at", "from", "near", "to", "outside", "of", "toward", "towards", "into", "via",
];
const MAX_PLACE_WORDS: usize = 3;
/// Words in capitals this short are abbreviations (ER, OR, ICU), whatever the place lists say.
const ABBREVIATION: usize = 3;
const PLACE_NAME: &str = r"[A-Z][a-z'’.-]+(?:\s+[A-Z][a-z'’.-]+){0,2}";

pub(crate) struct Places {
    organisation: Pattern,
    place_context: Pattern,
}

impl Places {
    pub fn new() -> Self {
        let organisation = [
            format!(
                r"\b(?:(?:St\.?|Saint|Mt\.?|Mount|Our Lady of)\s+{NAME_WORD}(?:\s+{NAME_WORD}){{0,3}}|[A-Z][\w'’&.-]*(?:\s+{NAME_WORD}){{0,4}}\s+{ORG_SUFFIX})\b"
            ),
            r"\b(?:Walgreens|CVS|Rite Aid|Walmart|Kroger|Costco|Publix|Safeway|Kaiser|Banner|Sutter|Ascension|Express Scripts|OptumRx|Caremark)\b".to_owned(),
            // in capitals: "SENT TO FIRELANDS REGIONAL"
            r"\b(?:[A-Z][A-Z'’&.-]+\s+){1,2}(?:HOSPITAL|MEDICAL CENTER|REGIONAL|MEMORIAL|CLINIC|NURSING HOME|HEALTH SYSTEM|HEALTHCARE|HOSPICE)\b".to_owned(),
            // written in lower case by patients and families: "st jude thaddeus regional medical center"
            r"\b(?:st\.?|saint|mt\.?|mount)\s+[a-z'’]+(?:\s+[a-z'’]+){0,3}\s+(?:hospital|medical center|regional|memorial|clinic|nursing home|health|children'?s)\b".to_owned(),
            // air ambulance services, often named alone with the unit's number: "via AirCare 3"
            r"\b(?:AirCare|Air Care|Life ?Flight|Med ?Flight|Care ?Flight|Air ?Evac|Air ?Life|Air Methods|MedEvac)(?:\s+\d{1,3}\b)?".to_owned(),
        ];
        let place_context = [
            format!(r"\b(?P<id>{PLACE_NAME})\s+(?:County|Parish|Township|Borough|City)\b"),
            format!(r"\b(?:City|Town|Village|County) of\s+(?P<id2>{PLACE_NAME})"),
            // "Hazard, KY 41744": a state and a ZIP after it make anything a place
            format!(r"\b(?P<id4>{PLACE_NAME}),?\s+[A-Z]{{2}}\s+\d{{5}}\b"),
            // "..., Waco 76705": the town of an address, before its ZIP
            format!(r",\s*(?P<id5>{PLACE_NAME}),?\s+\d{{5}}\b"),
            // the state only looked at, not consumed: "Elm St, Wheeling, WV 26035" must reach
            // "Wheeling" (Python's lookahead, consumed here up to the `end` mark; its `$` is the end
            // of the text, or before a final newline, which `\s` takes)
            format!(
                r"\b(?P<id3>{PLACE_NAME})(?P<end>),\s+(?P<state>[A-Z]{{2}}|[A-Z][a-z]+)\b(?:[\s.,;)]|\z)"
            ),
        ];
        Self {
            organisation: Pattern::new(&organisation.join("|")),
            place_context: Pattern::new(&place_context.join("|")),
        }
    }

    pub fn spans(
        &self,
        text: &str,
        plain: &Hay<'_>,
        words: &[Word<'_>],
        lexicon: &Lexicon,
    ) -> Vec<Span<'static>> {
        let hay = &plain.text;
        let mut spans = Vec::new();
        let mut add = |(start, end): (usize, usize), kind| {
            spans.push(Span::new(plain.to_text(start), plain.to_text(end), kind));
        };
        if words.iter().any(|w| ORGANISATION_WORDS.contains(w.norm)) {
            // the scan is costly; most reports name none
            for hit in self.organisation.all(hay) {
                add((hit.start(), hit.end()), "ORGANIZATION");
            }
        }
        for hit in self.place_context.all(hay) {
            for group in ["id", "id2", "id3", "id4", "id5"] {
                let Some((start, end)) = hit.group(group) else {
                    continue;
                };
                // "Tulsa, OK" is a place; "Patient, OK" and "Norco, Lasix" are not: after a comma,
                // only a listed place before a state counts.
                let listed = || {
                    let state = plain.in_text(text, hit.group("state").unwrap_or_default());
                    let place = plain.in_text(text, (start, end));
                    lexicon.get(&state.to_ascii_lowercase()).is_state()
                        && lexicon.get(&pychars::lower(place)).is_place()
                };
                if group != "id3" || listed() {
                    add((start, end), "LOCATION");
                }
            }
        }
        listed_places(words, lexicon, &mut spans);
        spans.extend(
            words
                .iter()
                .filter(|w| is_medical_center_acronym(w))
                .map(|w| Span::new(w.start, w.end, "ORGANIZATION")),
        );
        spans
    }
}

/// A hospital by its initials: "HRMC", "UPMC", "VUMC" (Medical Center, Regional Medical Center).
/// Four letters or more, so "CMC" (the carpometacarpal joint) stays; clinical words never.
fn is_medical_center_acronym(word: &Word<'_>) -> bool {
    word.all_caps
        && (4..=6).contains(&word.chars)
        && word.text.ends_with("MC")
        && !word.entry.is_clinical()
}

fn listed_places(words: &[Word<'_>], lexicon: &Lexicon, spans: &mut Vec<Span<'static>>) {
    let mut i = 0;
    while i < words.len() {
        if !words[i].capitalised {
            i += 1;
            continue;
        }
        // longest first: "Broken Arrow" before "Arrow"
        let found = (1..=MAX_PLACE_WORDS).rev().find(|&length| {
            let Some(chunk) = words.get(i..i + length) else {
                return false;
            };
            chunk.iter().all(|w| w.capitalised) && listed(chunk, words, i, lexicon)
        });
        match found {
            Some(length) => {
                spans.push(Span::new(
                    words[i].start,
                    words[i + length - 1].end,
                    "LOCATION",
                ));
                i += length;
            }
            None => i += 1,
        }
    }
}

fn listed(chunk: &[Word<'_>], words: &[Word<'_>], i: usize, lexicon: &Lexicon) -> bool {
    let first = &chunk[0];
    let entry = if chunk.len() == 1 {
        first.entry
    } else {
        lexicon.get(&chunk.iter().map(|w| w.norm).collect::<Vec<_>>().join(" "))
    };
    if !entry.is_place() || (chunk.len() == 1 && first.all_caps && first.chars <= ABBREVIATION) {
        return false;
    }
    if chunk.len() > 1 || (!entry.is_common() && !entry.is_clinical() && !entry.is_name()) {
        return true;
    }
    // An ordinary word, a clinical term or a person's name that is also a place: only after "in", "at"...
    i > 0 && PLACE_PREPOSITIONS.contains(&words[i - 1].norm) && !first.sentence_start
}
