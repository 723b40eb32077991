//! Identifier spans found by the recognisers, and the one pass that turns them into placeholders.

/// A stretch of the narrative (byte offsets) and the placeholder type it becomes: `NAME` becomes
/// `[NAME]`. An offset past the end of the narrative stands for a code point past it (see
/// `known`), so that spans sort as Python's did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Span<'k> {
    pub start: usize,
    pub end: usize,
    pub kind: &'k str,
}

impl<'k> Span<'k> {
    pub fn new(start: usize, end: usize, kind: &'k str) -> Self {
        Self { start, end, kind }
    }
}

/// Replace each span with its placeholder. Spans are given strongest first: overlapping spans
/// merge into one placeholder of the strongest one's type, so no identifier is half-kept. `kept`:
/// the placeholder types a policy lets through. Returns the text and how many placeholders of each
/// type it received, types in the order they first occur (as Python's `Counter` kept them).
pub(crate) fn apply_spans<'k>(
    text: &str,
    spans: &[Span<'k>],
    kept: &dyn Fn(&str) -> bool,
) -> (String, Vec<(&'k str, usize)>) {
    let mut ranked: Vec<(usize, usize, usize, &'k str)> = spans
        .iter()
        .enumerate()
        .filter(|(_, s)| !kept(s.kind) && s.start < s.end)
        .map(|(rank, s)| (s.start, s.end, rank, s.kind))
        .collect();
    ranked.sort_unstable();
    let mut removed: Vec<(&'k str, usize)> = Vec::new();
    let mut out = String::with_capacity(text.len());
    let mut position = 0;
    let mut i = 0;
    while i < ranked.len() {
        let (start, mut end, mut best, mut kind) = ranked[i];
        i += 1;
        while i < ranked.len() && ranked[i].0 < end {
            // overlaps the cluster so far
            end = end.max(ranked[i].1);
            if ranked[i].2 < best {
                (best, kind) = (ranked[i].2, ranked[i].3);
            }
            i += 1;
        }
        out.push_str(slice(text, position, start));
        out.push('[');
        out.push_str(kind);
        out.push(']');
        match removed.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, count)) => *count += 1,
            None => removed.push((kind, 1)),
        }
        position = end;
    }
    out.push_str(slice(text, position, text.len()));
    (out, removed)
}

/// `text[start:end]` as Python slices: empty where `end <= start`, cut at the end of the text.
fn slice(text: &str, start: usize, end: usize) -> &str {
    let end = end.min(text.len());
    if start >= end { "" } else { &text[start..end] }
}
