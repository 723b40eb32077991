//! The narrative scrubber: every identifier in free text becomes a typed placeholder.
//!
//! Recognisers are layered from the strongest evidence to the weakest, and their spans are applied in
//! one pass (an overlap takes the stronger layer's type):
//!
//! 1. the report's own structured identifiers and their variants (`known`);
//! 2. identifiers recognisable by form or by context words: dates, phones, e-mails, SSNs, MRNs and
//!    account, member, licence, DEA and NPI numbers, URLs, IPs, ZIPs, addresses, ages over 89
//!    (`patterns`);
//! 3. people's names by context and by name lists (`names`);
//! 4. organisations and places (`places`).
//!
//! Clinical vocabulary (drug names, eponyms and scales, devices, procedures) is protected from the list
//! based layers by an allow-list (`lexicon`), and eponyms by `eponyms`.

use rustc_hash::FxHashSet;

use crate::eponyms::without_eponyms;
use crate::hay::Hay;
use crate::known::{KnownIdentifiers, known_spans};
use crate::lexicon::Lexicon;
use crate::names::{Names, propagated_spans};
use crate::patterns::Patterns;
use crate::places::Places;
use crate::pychars;
use crate::spans::{Span, apply_spans};
use crate::words::{words_of, words_within};

pub(crate) struct Scrubber {
    lexicon: Lexicon,
    patterns: Patterns,
    names: Names,
    places: Places,
}

impl Scrubber {
    pub fn new(lexicon: Lexicon) -> Self {
        pychars::warm_up();
        Self {
            lexicon,
            patterns: Patterns::new(),
            names: Names::new(),
            places: Places::new(),
        }
    }

    /// Replace identifiers in `text` with typed placeholders such as `[NAME]`; `kept`: the placeholder
    /// types a policy lets through (the limited data set keeps dates, for example). Returns the text
    /// and how many placeholders of each type it received.
    pub fn scrub<'k>(
        &self,
        text: &str,
        known: &KnownIdentifiers<'k>,
        kept: &dyn Fn(&str) -> bool,
    ) -> (String, Vec<(&'k str, usize)>) {
        let mut norms = String::new();
        let words = words_of(text, &mut norms, &self.lexicon);
        let lowered = pychars::lower(text);
        let mut spans: Vec<Span<'k>> = known_spans(text, &lowered, &words, known);
        let names: Vec<Span<'_>> = spans.iter().copied().filter(|s| s.kind == "NAME").collect();
        let strong: FxHashSet<&str> = words_within(&words, &names)
            .into_iter()
            .map(|w| w.norm)
            .collect();

        let plain = Hay::plain(text);
        let folded = Hay::folded(text, &lowered);
        let mut found: Vec<Span<'static>> = Vec::new();
        self.patterns.spans(&lowered, &plain, &folded, &mut found);
        self.names
            .spans(text, &plain, &words, &self.lexicon, &mut found);
        spans.extend(found);

        let names: Vec<Span<'_>> = spans.iter().copied().filter(|s| s.kind == "NAME").collect();
        spans.extend(propagated_spans(&words, &names, "NAME", &strong));
        let places = self.places.spans(text, &plain, &words, &self.lexicon);
        spans.extend(places.iter().copied());
        spans.extend(propagated_spans(
            &words,
            &places,
            "LOCATION",
            &FxHashSet::default(),
        ));
        apply_spans(text, &without_eponyms(spans, &words, &strong), kept)
    }
}
