//! The de-identifier's narrative scrubber, for Python: `pso_deidentify.scrubber` is its only caller
//! and says what it does. This module is the glue: it takes the word lists once, and for each
//! narrative the report's own identifiers, and scrubs without holding the GIL.

mod eponyms;
mod hay;
mod known;
mod lexicon;
mod lookaround;
mod names;
mod patterns;
mod places;
mod pychars;
mod scan;
mod scrubber;
mod spans;
mod words;

use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::PyDict;
use rustc_hash::FxHashSet;

use crate::known::KnownIdentifiers;
use crate::lexicon::{Entry, Lexicon};

/// The narrative scrubber, built once from the word lists (each an iterable of lower-case strings).
#[pyclass(frozen, module = "pso_deidentify_native")]
struct Scrubber {
    inner: scrubber::Scrubber,
}

#[pymethods]
impl Scrubber {
    #[new]
    #[pyo3(signature = (*, given_names, surnames, places, common_words, clinical, frequent_names, state_names, state_codes))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        given_names: &Bound<'_, PyAny>,
        surnames: &Bound<'_, PyAny>,
        places: &Bound<'_, PyAny>,
        common_words: &Bound<'_, PyAny>,
        clinical: &Bound<'_, PyAny>,
        frequent_names: &Bound<'_, PyAny>,
        state_names: &Bound<'_, PyAny>,
        state_codes: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let mut lexicon = Lexicon::default();
        for (flag, words) in [
            (Entry::GIVEN_NAME, given_names),
            (Entry::SURNAME, surnames),
            (Entry::PLACE, places),
            (Entry::COMMON_WORD, common_words),
            (Entry::CLINICAL, clinical),
            (Entry::FREQUENT_NAME, frequent_names),
            (Entry::STATE_NAME, state_names),
            (Entry::STATE_CODE, state_codes),
        ] {
            for word in words.try_iter()? {
                let word: PyBackedStr = word?.extract()?;
                lexicon.add(flag, [&*word]);
            }
        }
        Ok(Self {
            inner: py.detach(|| scrubber::Scrubber::new(lexicon)),
        })
    }

    /// Scrub one narrative: the text with placeholders, and how many of each type it received (in
    /// the order the types first occur).
    #[pyo3(signature = (text, *, names, organisations, numbers, kept))]
    fn scrub<'py>(
        &self,
        py: Python<'py>,
        text: &str,
        names: Vec<String>,
        organisations: Vec<String>,
        numbers: Vec<(String, String)>,
        kept: FxHashSet<String>,
    ) -> PyResult<(String, Bound<'py, PyDict>)> {
        let known = KnownIdentifiers {
            names: &names,
            organisations: &organisations,
            numbers: &numbers,
        };
        let (scrubbed, removed) =
            py.detach(|| self.inner.scrub(text, &known, &|kind| kept.contains(kind)));
        let counts = PyDict::new(py);
        for (kind, count) in removed {
            counts.set_item(kind, count)?;
        }
        Ok((scrubbed, counts))
    }
}

#[pymodule]
fn pso_deidentify_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Scrubber>()?;
    Ok(())
}
