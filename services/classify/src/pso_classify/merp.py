"""The NCC MERP category of a medication event, by rule from its type, its harm and its words.

The index is a ladder of outcomes: A the circumstances, B an error that did not reach the patient, C
reached without harm, D monitoring or intervention needed to preclude harm, E temporary harm with
intervention, F temporary harm with (longer) hospitalisation, G permanent harm, H intervention to
sustain life, I death. Type and harm fix the rung but for C/D, E/F and F/G/H, where the words decide.
"""

from __future__ import annotations

import re

from pso_shared.types import HarmDegree, NccMerpCategory, ReportType

_NONE = frozenset({HarmDegree.NONE})
# The harm each category implies (AHRQ Harm Scale v1.2); a label may also leave the harm unknown.
HARM_OF: dict[NccMerpCategory, frozenset[HarmDegree]] = {
    NccMerpCategory.A: _NONE,
    NccMerpCategory.B: _NONE,
    NccMerpCategory.C: _NONE,
    NccMerpCategory.D: _NONE,
    NccMerpCategory.E: frozenset({HarmDegree.MILD, HarmDegree.MODERATE}),
    NccMerpCategory.F: frozenset({HarmDegree.MODERATE, HarmDegree.SEVERE}),
    NccMerpCategory.G: frozenset({HarmDegree.SEVERE}),
    NccMerpCategory.H: frozenset({HarmDegree.SEVERE}),
    NccMerpCategory.I: frozenset({HarmDegree.DEATH}),
}
_MONITORED = re.compile(
    r"\b(?:monitor|observ|recheck|re-check|labs? (?:drawn|ordered|checked)|vital signs|vitals|held|"
    r"glucose (?:checks?|monitoring)|telemetry|naloxone|narcan|antidote|extra (?:checks?|doses?))"
)
_HOSPITALISED = re.compile(
    r"\b(?:admitted|admission|hospitali[sz]|transferred to (?:the )?(?:icu|hospital|ed)|length of stay|"
    r"extended stay|sent to (?:the )?(?:ed|er|hospital)|transport(?:ed)? to)"
)
_LIFE_SUSTAINING = re.compile(
    r"\b(?:intubat|code blue|cpr|resuscitat|naloxone|narcan|pressors?|vasopressor|icu|rapid response|"
    r"defibrillat|ventilat|dialysis)"
)
_PERMANENT = re.compile(r"\b(?:permanent|irreversible|lasting|disabilit|brain (?:injury|damage)|amputat)")


def ncc_merp(  # noqa: PLR0911 - one rung of the ladder a line
    text: str, *, report_type: ReportType, harm: HarmDegree
) -> tuple[NccMerpCategory, str]:
    """The category and the reason for it."""
    if report_type is ReportType.UNSAFE_CONDITION:
        return NccMerpCategory.A, "NCC MERP A: an unsafe condition, capable of causing error"
    if report_type is ReportType.NEAR_MISS:
        return NccMerpCategory.B, "NCC MERP B: the error did not reach the patient"
    text = text.lower()  # the patterns are written in lower case
    if harm is HarmDegree.DEATH:
        return NccMerpCategory.I, "NCC MERP I: the patient died"
    if harm is HarmDegree.SEVERE:
        if _LIFE_SUSTAINING.search(text):
            return NccMerpCategory.H, "NCC MERP H: severe harm and an intervention to sustain life"
        if _PERMANENT.search(text):
            return NccMerpCategory.G, "NCC MERP G: severe, permanent harm"
        return NccMerpCategory.F, "NCC MERP F: severe harm, neither permanent nor life-sustaining care stated"
    if harm is HarmDegree.MODERATE:
        if _HOSPITALISED.search(text):
            return NccMerpCategory.F, "NCC MERP F: temporary harm and (longer) hospitalisation"
        return NccMerpCategory.E, "NCC MERP E: temporary harm needing intervention"
    if harm is HarmDegree.MILD:
        return NccMerpCategory.E, "NCC MERP E: temporary harm needing intervention"
    if _MONITORED.search(text):
        return NccMerpCategory.D, "NCC MERP D: reached the patient, monitoring or intervention to preclude harm"
    return NccMerpCategory.C, "NCC MERP C: reached the patient without harm (or harm unknown)"
