"""Phrases that say what kind of event it was and how it ended, as features of their own.

A few hundred training reports cannot teach a bag of words every way of saying "fell" or "died";
each cue below stands for many such phrasings, and the models learn how much each one counts. A cue
is only evidence: the weights decide, and the explanation names the cue when it mattered.
"""

from __future__ import annotations

from pso_classify.patterns import Pattern

_CUES: dict[str, str] = {
    # how the event is described
    "fall": r"\b(?:fell|falls?|fallen|found (?:on|lying on) the (?:floor|ground)|on the floor|slid (?:out|off|down|to)|"
    r"lowered to the (?:floor|ground)|rolled (?:out|off)|lost (?:her|his|their) (?:balance|footing)|tripped|"
    r"slipped|assisted to the floor|dropped|near[- ]fall)",
    "medication": r"\b(?:mg|mcg|units?|dose[sd]?|dosing|tablets?|capsules?|infusion|drip|pharmac|prescri|dispens|"
    r"administered|mar\b|barcode|insulin|heparin|opioid|naloxone|narcan|anticoag|warfarin|vancomycin|pump rate|"
    r"look-?alike|sound-?alike)",
    "pressure_injury": r"\b(?:stage (?:1|2|3|4|i|ii|iii|iv)|unstageable|deep tissue|dti|sacr|coccy|heel|"
    r"skin breakdown|wound|braden|repositioning|turning schedule|offload|blanchable|eschar|slough|ulcer)",
    "venous_thromboembolism": r"\b(?:dvt|deep vein|pulmonary embol|\bpe\b|thrombo|clot|scds?|sequential compression|"
    r"enoxaparin|lovenox|prophylaxis|d-dimer|ctpa|ct angiogram)",
    "blood_product": r"\b(?:transfus|prbcs?|packed (?:red )?cells|ffp|plasma|platelets?|cryo|blood bank|"
    r"type and (?:screen|cross)|crossmatch|abo|unit of blood|blood product|hemolytic|trali|taco)",
    "surgery": r"\b(?:or\b|operating room|incision|time[- ]?out|surgeon|laparo|arthroscop|resection|"
    r"post[- ]?op|intra[- ]?op|sponge|count|retained|wrong[- ](?:site|side)|implant|procedure)",
    "anesthesia": r"\b(?:anesthe|anaesthe|intubat|extubat|airway|propofol|sedation|nerve block|epidural|spinal|"
    r"laryngo|malignant hyperthermia|emergence|aspirat)",
    "perinatal": r"\b(?:labou?r|deliver(?:y|ed)|newborn|neonat|infant|fetal|cesarean|c-?section|postpartum|"
    r"shoulder dystocia|apgar|gestation|obstetric|l&d|vaginal birth|pitocin|oxytocin|placenta)",
    "healthcare_associated_infection": r"\b(?:infect|sepsis|septic|clabsi|cauti|ssi\b|c\.? ?diff|mrsa|vre|cultures?|"
    r"bacter|fever|purulent|abscess|isolation|hand hygiene|outbreak|colonized)",
    "device": r"\b(?:pump|monitor|alarm|ventilator|device|malfunction|battery|defibrillator|catheter|equipment|"
    r"biomed|recall|lift|bed (?:alarm|exit)|glucometer|ehr|software|interface|screen froze|manufacturer)",
    # how it ended
    "died": r"\b(?:died|dies|death|deceased|expired|pronounced|passed away|time of death|demise|fatal|"
    r"could not be resuscitated|resuscitation (?:was )?(?:unsuccessful|stopped|ceased))",
    "serious": r"\b(?:icu|intensive care|intubat|code blue|cpr|arrest|orif|surgery|surgical repair|craniotomy|"
    r"hemorrhage|transfus|permanent|anoxic|brain injury|paralys|amputat|ventilat|life[- ]threatening|"
    r"emergency (?:surgery|c-?section)|hip fracture|subdural|hematoma)",
    "fracture": r"\b(?:fracture|fx\b|broken)",
    "minor": r"\b(?:bruis|abrasion|skin tear|small laceration|steri|bandage|ice pack|redness|swelling|"
    r"minor|superficial)",
    "no_harm": r"\b(?:no (?:injury|injuries|harm|adverse|apparent injury|change)|unharmed|without (?:injury|harm)|"
    r"not injured|no ill effects|denies pain|at baseline|did not reach)",
    "unknown": r"\b(?:pending|not yet known|unknown|to be determined|awaiting|outcome (?:is )?not|results? not yet)",
}
# Written in lower case and run on the lowered text: much faster than re.IGNORECASE.
CUES: dict[str, Pattern] = {name: Pattern(pattern) for name, pattern in _CUES.items()}


def cues(text: str) -> set[str]:
    """``cue=<name>`` for every cue the text contains."""
    lowered = text.lower()
    return {f"cue={name}" for name, pattern in CUES.items() if pattern.search(lowered)}
