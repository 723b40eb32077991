//! Names that name a disease, device or scale rather than a person or place.

use std::sync::LazyLock;

use rustc_hash::FxHashSet;

use crate::spans::Span;
use crate::words::Word;

/// A name right before one of these (or one word before it) is an eponym: "Parkinson's disease",
/// "Bell's palsy", "Foley catheter", "Morse Fall Scale", "Cincinnati Stroke Scale".
static CLINICAL_HEADS: LazyLock<FxHashSet<&str>> = LazyLock::new(|| {
    "disease syndrome palsy catheter scale score sign signs maneuver manoeuvre position tube formula \
     criteria test reflex procedure operation method classification fracture stockings"
        .split_whitespace()
        .collect()
});
/// The span types an eponym guard may drop: those found from words.
const WORD_KINDS: &[&str] = &["NAME", "LOCATION", "ORGANIZATION"];

/// `spans` without those of one word that names a disease, device or scale. Never the report's own
/// people (`strong`): "Mr. Jensen's Foley catheter" loses "Jensen" all the same.
pub(crate) fn without_eponyms<'k>(
    spans: Vec<Span<'k>>,
    words: &[Word<'_>],
    strong: &FxHashSet<&str>,
) -> Vec<Span<'k>> {
    let mut eponyms: FxHashSet<(usize, usize)> = FxHashSet::default();
    for (i, pair) in words.windows(2).enumerate() {
        let (word, after) = (&pair[0], &pair[1]);
        if !after.joined || strong.contains(word.norm) {
            continue;
        }
        // "Bell's palsy"; or a clinical word before a term in title case: "Morse Fall Scale"
        let then = words
            .get(i + 2)
            .filter(|then| after.capitalised && then.joined);
        let titled =
            then.is_some_and(|then| CLINICAL_HEADS.contains(then.norm) && word.entry.is_clinical());
        if CLINICAL_HEADS.contains(after.norm) || titled {
            eponyms.insert((word.start, word.end));
        }
    }
    if eponyms.is_empty() {
        return spans;
    }
    spans
        .into_iter()
        .filter(|s| !WORD_KINDS.contains(&s.kind) || !eponyms.contains(&(s.start, s.end)))
        .collect()
}
