"""NQF Serious Reportable Events (2011) by explicit rules over the event's labels and its text.

An SRE needs both the event pattern and its outcome, so it is never one more opaque label: each of
the 29 events is a rule with the words that describe it, the categories it belongs to, the words
that show it was stopped in time, and whether any harm counts or only death and serious injury
(harm ``severe`` or ``death``). Only an incident (an event that reached the patient) can be one.
The rules of the event's primary category are tried first, then the rest in the order of the NQF
list, then the broad ones (a device event with serious harm is 2B), and the first that holds names
the event. Some events are defined by their category and harm more than by their words: a fall with
serious injury in a healthcare setting is 4E whatever the words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from pso_classify.patterns import Pattern
from pso_shared.types import CareSetting, Category, HarmDegree, ReportType, SreCode

SERIOUS = frozenset({HarmDegree.SEVERE, HarmDegree.DEATH})
# The NQF events that count whatever the harm; every other one needs death or serious injury.
ANY_HARM = frozenset(SreCode(c) for c in ("1A", "1B", "1C", "1D", "3A", "4F", "4G", "5B", "7A", "7B", "7C"))
# Caught in time: an SRE did not happen, whatever the words before.
_STOPPED = Pattern(
    r"\b(?:caught|identified|discovered|noticed|recognized|recognised|stopped|prevented|halted|intercepted)\b"
    r".{0,80}\b(?:before|prior to)\b.{0,30}\b(?:incision|procedure|start(?:ed)?|surgery|it was given|"
    r"administration|transfusion|insemination|transfer|use)"
    r"|\btime[- ]?out\b.{0,40}\b(?:caught|identified|revealed|stopped|found)"
    r"|\bnear[- ]miss\b|\bdid not reach the (?:patient|resident)\b",
    re.DOTALL,
)


@dataclass(frozen=True)
class SreRule:
    code: SreCode
    cue: Pattern
    categories: frozenset[Category] = frozenset()
    """The event must carry one of these categories (none: any)."""
    unless: Pattern | None = None
    """Words that make it something else ("present on admission", "defibrillation")."""
    primary_only: bool = False
    """Only when the event is mainly about one of ``categories``, not when it merely involves one."""
    last_resort: bool = False
    """Tried after every other rule: a broad description that more specific events also fit."""
    in_care: bool = False
    """Only in a healthcare setting, not at home under home health care ("while being cared for in a
    healthcare setting", "after admission")."""


def _cue(pattern: str) -> Pattern:
    # Written in lower case and run on the lowered text: much faster than re.IGNORECASE.
    return Pattern(pattern, re.DOTALL)


_SURGICAL = frozenset({Category.SURGERY, Category.ANESTHESIA})
_ANY = _cue(r".")
"""For events defined by their category and harm alone (a fall with serious injury)."""
# Pregnancies that are not low-risk: their maternal and neonatal harms are not 4C or 4D.
_HIGH_RISK = _cue(
    r"\bhigh[- ]risk\b|\bprevia\b|\baccreta\b|\btwins?\b|\bmultiple gestation\b|\bpre-?eclampsia\b|\bpreterm\b"
    r"|\bpprom\b|\bchorioamnionitis\b|\bchronic hypertension\b|\bpulmonary (?:arterial )?hypertension\b"
    r"|\b(?:2\d|3[0-6])\s?(?:\+\s?\d\s?)?(?:wks?|weeks)\b|\bgrowth restriction\b|\biugr\b|\bfgr\b"
    r"|\bdiabet|\bgdm\b|\bhellp\b"
    # harm after the birth stay, not in labour or delivery
    r"|\b\d+[- ]day[- ]old\b|\bcircumcis|\bhome visit\b|\bafter (?:early )?discharge\b|\bof life\b"
)
# A medication or transfusion event is an SRE only if an error caused it, not a reaction to a
# correct dose or a correctly matched unit. An error named in words counts unless the text says there
# was none; errors are also told in too many ways to list (a blister card for the next room, a patch
# not looked for), so failing those words, the event counts unless it reads as a reaction.
_ERROR = _cue(
    r"\b(?:wrong|error|errors|erroneous|instead of|mistak|unaware|nobody checked|not checked|skipped|bypass|"
    r"back to back|without (?:checking|verif)|neither\b.{0,20}\bknew|incorrect|omitted|omission|missed|double dose|"
    r"duplicate|"
    r"overdose|\d+-?fold|too (?:much|high|fast)|should have|was not (?:checked|held|scanned|verified)|"
    r"look-?alike|sound-?alike|mix-?up|mislabel|misidentif|transcri|programm|decimal|extra dose|not (?:ordered|"
    r"prescribed)|without (?:an )?order|expired|incompatib|not (?:cross)?matched|unmatched|allergy (?:was )?(?:"
    r"documented|listed|known|recorded)|despite (?:a |the )?(?:documented|known|listed) allerg|rate of|free[- ]?flow)"
    r"|\babo\b|\btype (?:a|b|ab|o)\b.{0,60}\btype (?:a|b|ab|o)\b"
    r"|\boverrid|\bwithout (?:finding|removing|checking)\b|\bnot (?:removed|resumed|restarted|monitored|drawn"
    r"|accessed)\b"
    r"|\bno (?:\w+ )?(?:follow-?up|levels?|monitoring)\b.{0,20}\b(?:ordered|drawn|done)\b|\bread as\b|\bmisread"
    r"|\bspecifically excludes\b|\bcontraindicat|\bpolicy (?:requires|max)|\bextravasat|\bintended for\b"
    r"|\bhold order\b|\bnever (?:resumed|restarted)\b|\binto the (?:central|iv|venous) (?:line|catheter)\b"
)
_NO_ERROR = _cue(
    r"\bno (?:\w+ )?(?:error|errors)\b|\bnot (?:an? )?(?:\w+ )?error\b"
    r"|\bknown (?:side effect|adverse (?:effect|reaction))\b"
    r"|\bcorrectly (?:ordered|dosed|given|matched)\b|\bpreviously unknown allergy\b|\bappropriately (?:dosed|ordered)\b"
    r"|\b(?:dose|dosing) (?:was |is )?(?:appropriate|correct)\b|\bcorrect (?:for|dose)\b|\bno history of\b"
    r"|\bwithin (?:the )?(?:recommended|normal|therapeutic) range\b|\bdespite (?:appropriate|correct|therapeutic)\b"
    r"|\bstable (?:dose|inr)\b|\bno (?:interacting|other) (?:drugs|medications)\b|\bas prescribed\b"
    r"|\bper (?:protocol|guideline)\b"
)
_REACTION = _cue(
    _NO_ERROR.pattern + r"|\banaphyla|\breaction\b|\bfirst[- ]dose\b|\bno prior (?:exposure|history)\b|\bidiosyncratic"
    r"|\bside effect"
)
RULES: tuple[SreRule, ...] = (
    SreRule(
        SreCode("1A"),
        _cue(
            r"\bwrong[- ](?:site|side|level|limb|knee|hip|leg|arm|eye|finger|toe|kidney|digit|breast)\b"
            r"|\b(?:operated|operation|surgery|procedure|block|injection|incision)\b.{0,60}\b(?:wrong|opposite|"
            r"contralateral|incorrect)\s+(?:side|site|level|knee|hip|leg|arm|eye|limb)\b"
            r"|\b(?:left|right)\b.{0,40}\binstead of the (?:left|right)\b"
            # both sides named, and an error: "scheduled for RIGHT knee ... portals made on the left knee"
            r"|\A(?=.*\bleft\b)(?=.*\bright\b)(?=.*\b(?:site mark|marked|marking)).*\b(?:error|wrong)\b"
            # the side or level booked, then the other one done
            r"|\b(?:booked|scheduled|planned|listed|consented|ordered|came in)\b[^.]{0,40}\b(left|right)\b.{0,300}"
            r"\b(?:performed|done|placed|injected|prepped|operated|blocked|incised|made|treated)\b[^.]{0,40}"
            r"\b(?!\1\b)(?:left|right)\b"
            r"|\bmiscount|\bwrong (?:level|tooth|vertebra)|\blevel was (?:counted|localized)\b.{0,200}\binstead\b"
        ),
        categories=_SURGICAL,
    ),
    SreRule(
        SreCode("1B"),
        _cue(
            r"\bwrong patient\b|\b(?:intended|scheduled|meant) for (?:another|a different|the other) patient\b"
            r"|\barm ?band (?:did not|didn't) match\b|\btwo patients (?:named|with the same)"
            r"|\bno (?:lp|procedure|order) (?:was )?ordered\b|\bconsent (?:was |were )?for (?:another|the other"
            r"|a different)"
            r"|\b(?:order|consent)s? and (?:signed )?consent (?:were )?for\b|\bswapped\b"
            r"|\b(?:actually|really|in fact) (?:ordered|scheduled|booked|meant|intended) for\b"
        ),
        categories=_SURGICAL,
    ),
    SreRule(
        SreCode("1C"),
        _cue(
            r"\bwrong (?:procedure|surgery|operation|implant|prosthesis|lens|iol)\b"
            r"|\binstead of the (?:planned|intended|consented|scheduled)\b"
            r"|\b(?:planned|intended|ordered) (?:lens|implant|iol)\b.{0,100}\b(?:lens|implant|iol) (?:implanted|placed)"
            r"|\b(?:left|right)\b[^.]{0,30}\bcomponent\b[^.]{0,20}\bin (?:his|her|the) (?:left|right)\b"
            r"|\bconsented\b.{0,120}\bperformed:|\b(?:lens|iol|implant)\b.{0,120}\b(?:pulled|intended|ordered) for the "
            r"(?:patient after|next patient|other patient)"
        ),
        categories=_SURGICAL,
    ),
    SreRule(
        SreCode("1D"),
        _cue(
            r"\bretained\b.{0,40}\b(?:sponge|lap|pad|guide ?wire|needle|instrument|drill bit|clamp|foreign|object|"
            r"towel|fragment|tip|gauze)"
            r"|\b(?:sponge|guide ?wire|needle|clamp|drill bit|lap pad|towel|gauze|instrument|retractor)\b.{0,40}"
            r"\b(?:left (?:in|inside)|found (?:in|inside|on (?:x-?ray|imaging|ct|film))|seen on (?:x-?ray|imaging|ct))"
            r"|\bforeign (?:body|object)\b.{0,40}\b(?:left|retained|found)\b"
            r"|\b(?:tip|fragment|piece|segment)\b.{0,30}\b(?:was missing|broke off|sheared off|left in)"
            r"|\b(?:showed|revealed|confirmed|shows)\b.{0,20}\b(?:a |the )?(?:needle|guide ?wire|wire|sponge|fragment"
            r"|segment)\b.{0,30}\b(?:in|within|inside)\b"
            r"|\b(?:broken|sheared|missing)\b.{0,40}\b(?:tip|fragment|bit|piece)\b"
            r"|\b(?:guide ?wire|drill bit|retractor|retrieval bag|clamp)\b.{0,60}\b(?:in the (?:abdomen|pelvis|luq|ruq"
            r"|llq|"
            r"rlq|chest|ivc|vein)|running from|remained)"
        ),
        unless=_cue(
            r"\bcount (?:was )?(?:reconciled|corrected|resolved)\b|\bfound (?:in|on) the (?:trash|floor|drape)"
        ),
    ),
    SreRule(
        SreCode("1E"),
        _cue(
            r"\basa(?: class| physical status| ps)? (?:1|i)\b|\basa-?1\b|\bhealthy\b.{0,40}\b(?:elective|outpatient)\b"
        ),
        categories=_SURGICAL,
    ),
    SreRule(
        SreCode("2A"),
        _cue(
            r"\bcontaminat|\bnon-?sterile\b|\bnot sterile\b|\bimproperly (?:sterili[sz]ed|reprocessed|cleaned)\b"
            r"|\breprocess|\bfungal\b.{0,40}\b(?:vial|product|injection|compound)"
            r"|\bsame (?:scope|endoscope|duodenoscope|bronchoscope|lot|vial|batch)\b|\bgrew the same organism\b"
            r"|\bheater-?cooler\b|\b(?:genome|sequencing|strain)\b.{0,60}\bmatch"
        ),
        categories=frozenset(
            {Category.DEVICE, Category.MEDICATION, Category.BLOOD_PRODUCT, Category.HEALTHCARE_ASSOCIATED_INFECTION}
        ),
        unless=_cue(r"\b(?:oxygen|o2|gas)\b.{0,40}\bcontaminat"),
    ),
    SreRule(
        SreCode("2C"),
        _cue(
            r"\bair embol|\bvenous air\b|\bair (?:in|entered) the (?:line|tubing|circuit|vein|syringe)\b"
            r"|\bair (?:was )?injected\b|\bair bolus\b|\bair in the (?:right heart|heart|pulmonary|artery|arterial"
            r"|ventricle)"
        ),
    ),
    SreRule(
        SreCode("3A"),
        _cue(
            r"\b(?:discharged|released|sent home|left|picked up)\b.{0,100}\b(?:unauthori[sz]ed|not (?:an? )?"
            r"(?:authori[sz]ed|legal guardian|guardian|poa)|without (?:the )?(?:guardian|poa|consent)|"
            r"no legal (?:authority|custody)|someone claiming|stranger)"
            r"|\bauthori[sz]ed[- ]release list\b|\bonly person authori[sz]ed\b"
            r"|\bnot (?:an? )?(?:authori[sz]ed|approved|listed) (?:contact|person|visitor|caregiver|representative)"
            r"|\bintroduced (?:himself|herself) as\b.{0,200}\b(?:discharged|released|left with|signed out)"
            r"|\b(?:signed out|discharged|released)\b.{0,80}\b(?:by|to) a (?:man|woman|person) who said (?:he"
            r"|she) was\b"
        ),
    ),
    SreRule(
        SreCode("3B"),
        _cue(
            r"\belop(?:e|ed|ement|ing)\b|\bwander(?:ed|ing)? (?:away|off|out)\b|\bwent missing\b"
            r"|\bmissing from (?:the )?(?:unit|facility|room|floor|ward)\b|\bnot noticed missing\b"
            r"|\bcould not (?:locate|find) (?:him|her|the (?:patient|resident))\b|\bwander ?guard\b"
            r"|\bcould not be (?:found|located)\b|\bexit (?:door|alarm)\b.{0,100}\b(?:found|outside|missing)"
            r"|\bfound\b.{0,60}\b(?:outside the building|in the grass|near the (?:back )?fence|in the parking"
            r"|yards from the"
            r" building)"
            r"|\bwalked (?:out|off)\b.{0,60}\b(?:door|exit|unit|building|facility|bay)"
            r"|\bleft the (?:unit|facility|building|premises|hospital|ed)\b.{0,30}\b(?:without|unnoticed|undetected)"
        ),
    ),
    SreRule(
        SreCode("3C"),
        _cue(
            r"\bsuicid|\bself[- ]?harm|\bself[- ]inflicted\b|\bhanged\b|\bligature\b|\bstrangulat"
            r"|\bcut (?:his|her|their) (?:own )?(?:wrists?|arms?|throat)\b|\bjumped (?:from|out)\b"
            r"|\bjumped\b.{0,40}\b(?:ft|feet|floors?|window|roof|balcony|stairwell)\b"
            r"|\bintentional (?:overdose|ingestion)|\bhanging from\b|\bself[- ]injur|\brazor"
            r"|\baround (?:his|her|their) (?:own )?neck\b|\b(?:cuts?|lacerations?) (?:to|on) (?:both |his |her )?"
            r"(?:wrists?|forearms?)\b|\b(?:striking|banging|hitting|struck) (?:his|her|their) (?:own )?head\b"
            r"|\b(?:cut|stabbed|slashed)\b.{0,30}\b(?:his|her|their) (?:own )?(?:\w+ )?(?:forearm|wrist|arm|neck"
            r"|throat)\b"
        ),
    ),
    SreRule(SreCode("4A"), _ERROR, categories=frozenset({Category.MEDICATION}), unless=_NO_ERROR),
    SreRule(SreCode("4A"), _ANY, categories=frozenset({Category.MEDICATION}), unless=_REACTION, primary_only=True),
    SreRule(SreCode("4B"), _ERROR, categories=frozenset({Category.BLOOD_PRODUCT}), unless=_NO_ERROR),
    SreRule(SreCode("4B"), _ANY, categories=frozenset({Category.BLOOD_PRODUCT}), unless=_REACTION, primary_only=True),
    SreRule(
        SreCode("4C"),
        _cue(
            r"\b(?:maternal|postpartum|post-partum|uterine|uterus|eclampsia|amniotic|hysterectomy|ebl|pph)\b|\bhemorrhag"
        ),
        categories=frozenset({Category.PERINATAL}),
        unless=_HIGH_RISK,
    ),
    SreRule(
        SreCode("4D"),
        _cue(r"\b(?:neonat|newborn|infant|baby|apgar|nicu|hie|brachial plexus|cooling|hypoxic)"),
        categories=frozenset({Category.PERINATAL}),
        unless=_HIGH_RISK,
    ),
    SreRule(SreCode("4E"), _ANY, categories=frozenset({Category.FALL}), in_care=True),
    SreRule(
        SreCode("4F"),
        _cue(
            r"\b(?:stage (?:3|4|iii|iv|three|four)\b|unstageable\b|bone (?:exposed|visible)"
            r"|base (?:not|could not be) (?:visible|seen)\b|black (?:spot|sore|area|wound|scab)s?\b"
            r"|(?<!no )(?:full[- ]thickness\b|eschar\b|necro(?:sis|tic)\b|tunnel+ing\b|undermin))"
        ),
        categories=frozenset({Category.PRESSURE_INJURY}),
        in_care=True,
        unless=_cue(
            r"\bpresent on (?:admission|arrival)\b|\bpoa\b|\b(?:wound|ulcer|injury|it) (?:was )?(?:noted |documented )?"
            r"on (?:admission|arrival)\b|\badmitted with\b|\bprior to admission\b|\bcame in with\b|\bpre-?existing\b"
            r"|\bfrom home with\b|\bon transfer from\b"
            r"|\b(?:found|noted|documented|seen) (?:on|at) (?:admission|arrival)\b"
            # acquired at home, not after admission to a healthcare setting
            r"|\b(?:start|resumption)[- ]of[- ]care\b|\bsoc\b|\b(?:developed|acquired|started|began) at home\b"
        ),
    ),
    SreRule(
        SreCode("4G"),
        _cue(
            r"\b(?:insemination|ivf|iui|embryo transfer|in vitro)\b.{0,120}\b(?:wrong|another (?:patient|couple)|"
            r"different donor|mix[- ]?up|mislabel)"
            r"|\bwrong (?:donor|sperm|embryo|egg|oocyte)s?\b|\bdonor\b.{0,80}\bnot the (?:selected|intended|chosen)\b"
        ),
    ),
    SreRule(
        SreCode("4H"),
        _cue(
            r"\b(?:specimen|sample|biopsy|tissue)\b.{0,150}\b(?:lost|discarded|misplaced|never (?:arrived|received)|"
            r"thrown away|destroyed|could not be (?:found|located)|was never (?:found|located))"
            r"|\b(?:lost|discarded|misplaced)\b.{0,30}\b(?:specimen|sample|biopsy|tissue)\b"
            r"|\birretrievabl|\birreplaceabl|\bno record of (?:its )?receipt\b|\blost in transit\b"
        ),
    ),
    SreRule(
        SreCode("4I"),
        _cue(
            r"\b(?:result|report|finding|biopsy|pathology|imaging|scan|ct|x-?ray|mri|culture|lab|value)s?\b.{0,100}"
            r"\b(?:not (?:been )?(?:followed up|communicated|reviewed|acted (?:up)?on|reported|called)|never "
            r"(?:followed up|communicated|reviewed|called|relayed|seen)|went unread|unacknowledged|was missed)"
            r"|\b(?:inbox|callback log|result log)\b.{0,120}\bnot (?:been )?(?:reassigned|reviewed|covered|checked)"
            r"|\bletter\b.{0,60}\breturned undeliverable\b|\bfaxed to (?:an? |our |the )?(?:old|former|wrong)\b"
            r"|\bcritical (?:finding|result|value)\b.{0,150}\b(?:not|never) (?:called|communicated|phoned|relayed|made)"
            r"|\b(?:result|report|finding|biopsy|pathology|culture|nodule|mass)s?\b.{0,250}\b(?:no ?one|nobody|never)\b"
            r".{0,20}\b(?:called|told|notified|contacted|informed)\b"
            r"|\bnot (?:in|mentioned in) the (?:impression|discharge summary)\b|\bsitting in (?:my|her|his|the) chart\b"
            r"|\b(?:callback|follow-?up) (?:list|log|queue)\b.{0,40}\bnot (?:checked|reviewed|worked)"
        ),
    ),
    SreRule(
        SreCode("5A"),
        _cue(
            r"\belectric(?:al)? (?:shock|contact|current|burn)|\belectrocut|\bshocked by\b|\bexposed wir"
            r"|\blive wire\b|\bgfci\b|\bground fault\b|\bhigh[- ]voltage\b"
        ),
    ),
    SreRule(
        SreCode("5B"),
        _cue(
            r"\b(?:oxygen|o2|medical gas)\b.{0,150}\b(?:empty|no (?:flow|oxygen|gas)|wrong gas|nitrogen|nitrous|carbon "
            r"dioxide|co2|contaminat|mislabel+ed|crossed|switched|delivering (?:medical )?air|medical air)"
            r"|\b(?:nitrogen|nitrous oxide|co2|carbon dioxide|argon)\b.{0,60}\b(?:instead of|in place of)\b.{0,20}"
            r"\b(?:oxygen|o2)\b"
        ),
    ),
    SreRule(
        SreCode("5C"),
        _cue(
            r"\bburn(?:s|ed)?\b|\bscald|\bthermal injury\b|\b(?:second|third)[- ]degree\b"
            r"|\b(?:hot|scalding) (?:bath|tub|shower|pack|compress|coffee|tea|soup)\b|\bscalding water\b"
            r"|\brunning hot\b"
        ),
        unless=_cue(
            r"\bburning (?:sensation|pain|on urination)\b|\bsunburn|\bburn (?:icu|unit|center)\b"
            r"|\b(?:shots?|injections?)\b.{0,40}\bburn"
        ),
    ),
    SreRule(
        SreCode("5D"),
        _cue(r"\brestrain|\b(?:bed|side|half|quarter|split) ?rails?\b|\bposey\b|\bentrap|\bwedged (?:between|in)\b"),
        unless=_cue(r"\brestrained (?:driver|passenger|occupant)\b"),
    ),
    SreRule(
        SreCode("6A"),
        _cue(
            r"\b(?:mri|magnet|scanner|zone iv)\b.{0,300}\b(?:oxygen (?:tank|cylinder)|metal|ferromagnetic|projectile|"
            r"pulled (?:into|toward)|wheelchair|iv pole|stretcher|aneurysm clip|pacemaker|steel)"
            r"|\bpulled (?:toward|into|to) the (?:magnet|bore|scanner)\b"
        ),
    ),
    SreRule(
        SreCode("7A"),
        _cue(
            r"\bimpersonat|\bposing as\b|\bpretend(?:ed|ing) to be (?:a|an)\b|\bfake (?:nurse|doctor|badge|credential)"
            r"|\bnot (?:a )?licensed\b.{0,40}\b(?:nurse|physician|doctor|pharmacist|paramedic)"
            r"|\bnot an employee\b|\bclaimed to be (?:a|an|from)\b|\btold (?:patients|staff) (?:he|she) was\b"
            r"|\bdoes not hold (?:a|an|any)\b.{0,40}\blicen[cs]e|\blicen[cs]e number\b.{0,80}\bbelongs to\b"
            r"|\bnever sent anyone\b|\bbadge\b.{0,40}\b(?:stolen|photocopied|fake|forged)"
        ),
    ),
    SreRule(
        SreCode("7B"),
        _cue(
            r"\babduct(?:ed|ing|s)?\b|\b(?:infant|child|patient|baby|newborn) abduction\b|\babduction of\b"
            r"|\bkidnap|\btaken from the (?:nursery|unit|room)\b|\bamber alert\b|\bcode pink\b"
            r"|\bsecurity tag\b.{0,40}\bcut\b|\bcut\b.{0,40}\bsecurity tag\b"
            r"|\b(?:wrapped|took|carried) the (?:baby|infant|newborn|child)\b.{0,80}\b(?:walked out|left the"
            r"|out of the)"
        ),
    ),
    SreRule(
        SreCode("7C"),
        _cue(
            r"\bsexual(?:ly)? (?:assault|abus|contact|touch)|\braped?\b|\bgroped\b|\bfondl|\bmolest|\bgenital"
            r"|\bsane exam\b|\binappropriate(?:ly)? touch"
        ),
    ),
    SreRule(
        SreCode("7D"),
        _cue(
            r"\bassault|\battacked\b|\bpunch(?:ed|ing)\b|\broommate\b.{0,120}\bblood on (?:his|her) hands\b|\bkicked\b"
            r"|\bbeaten\b|\bchoked\b|\bstabbed\b|\bstrangled\b"
            r"|\bstruck by (?:a |an |another )?(?:patient|visitor|resident|family member|intruder)\b"
            r"|\bstruck (?:in|on) the (?:head|face)\b|\b(?:hit|struck|beat|punched|kicked)\b.{0,40}\bby (?:a |an |the "
            r"|another |his |her )?(?:patient|roommate|visitor|resident|intruder)\b"
        ),
    ),
    SreRule(
        SreCode("2B"),  # any device failing in the care of a seriously harmed patient
        _cue(
            r"\bmalfunction|\bfail(?:ed|ure)\b|\bdefect|\bdid not (?:work|alarm|deliver|fire|function)\b"
            r"|\bstopped working\b|\bfree[- ]?flow|\bdisconnect|\bmisprogram|\bbroke\b|\boverheat|\bused incorrectly\b"
            r"|\b(?:tore|torn|snapped|gave way|reverted)\b|\bbattery (?:died|dead|depleted)\b|\bassigned to no one\b"
        ),
        categories=frozenset({Category.DEVICE}),
        last_resort=True,
    ),
    # An event mainly about a device that ends in death or serious injury: a device used or working
    # other than as intended, unless a more specific event above names it.
    SreRule(SreCode("2B"), _ANY, categories=frozenset({Category.DEVICE}), primary_only=True, last_resort=True),
)


@dataclass(frozen=True)
class SreFinding:
    code: SreCode | None
    reason: str
    learned: bool = False
    """Named by the pattern model, not by a rule's words: its evidence explains it."""


NO_SRE = "none"
"""The pattern model's label for events that are no SRE."""
PATTERN_NAMES = 0.3
"""When no rule's words hold, one of the pattern model's two likeliest codes with this probability
names the event, if the code's categories, harm and setting hold."""
PATTERN_VETO = 0.9
"""A rule's words do not make an SRE of an event the pattern model is this sure is none, unless the
event is one by definition (``DEFINED_BY_LABELS``)."""
DEFINED_BY_LABELS = frozenset({SreCode("4E"), SreCode("4F")})
"""Events whose definition is their labels and a stage: a fall with serious injury in care, a stage 3
or worse pressure injury acquired in care. No pattern model overrules them."""


@dataclass(frozen=True, kw_only=True)
class SreContext:
    """What the rules need to know of an event besides its text."""

    categories: frozenset[Category]
    harm: HarmDegree
    primary: Category | None = None
    care_setting: CareSetting | None = None


def serious_reportable_event(
    text: str,
    *,
    categories: frozenset[Category],
    harm: HarmDegree,
    report_type: ReportType,
    primary: Category | None = None,
    care_setting: CareSetting | None = None,
    pattern: Mapping[str, float] | None = None,
) -> SreFinding:
    """The SRE this event is, if any, and why (or why not). The rules of the ``primary`` category go
    first: a fall after a double dose of a sedative is 4E (the fall), not 4A. ``pattern`` is the
    pattern model's probability of each code and of ``NO_SRE``: learned from the training SREs, it
    finds events told in words no rule lists, and overrules rule words it is sure are no SRE. Either
    way the explicit conditions (an incident, not stopped in time, the categories, the harm, the
    setting) must hold."""
    if report_type is not ReportType.INCIDENT:
        return SreFinding(None, f"not an SRE: a {report_type.value} did not reach the patient")
    text = text.lower()
    context = SreContext(categories=categories, harm=harm, primary=primary, care_setting=care_setting)
    pattern = pattern or {}
    sure_none = pattern.get(NO_SRE, 0.0) >= PATTERN_VETO
    found = _by_rules(text, context, DEFINED_BY_LABELS if sure_none else None)
    if found is None and not sure_none:
        found = _by_pattern(pattern, context)
    if found is None:
        why = "no serious reportable event pattern with the required harm"
        if sure_none:
            why = f"like no SRE to the pattern model ({pattern[NO_SRE]:.2f})"
        return SreFinding(None, f"not an SRE: {why}")
    if _STOPPED.search(text):  # last: rarely needed, and a scan of the whole text
        return SreFinding(None, "not an SRE: the text says the event was stopped in time")
    return found


def _by_pattern(pattern: Mapping[str, float], context: SreContext) -> SreFinding | None:
    for code, probability in sorted(pattern.items(), key=lambda item: -item[1])[:2]:
        if code != NO_SRE and probability >= PATTERN_NAMES and _conditions_hold(SreCode(code), context):
            harm_part = "" if SreCode(code) in ANY_HARM else f" with harm {context.harm.value}"
            return SreFinding(SreCode(code), f"SRE {code}: pattern model {probability:.2f}{harm_part}", learned=True)
    return None


def _applies(rule: SreRule, context: SreContext) -> bool:
    """The rule's conditions other than its words."""
    if rule.categories and not rule.categories & context.categories:
        return False
    if rule.primary_only and context.primary not in rule.categories:
        return False
    if rule.in_care and context.care_setting is CareSetting.HOME_HEALTH:
        return False
    return rule.code in ANY_HARM or context.harm in SERIOUS


def _by_rules(text: str, context: SreContext, codes: frozenset[SreCode] | None) -> SreFinding | None:
    """The first rule (of ``codes``, or of all) that holds."""
    for rule in sorted(RULES, key=lambda r: (r.last_resort, context.primary not in r.categories)):
        if codes is not None and rule.code not in codes:
            continue
        if not _applies(rule, context) or (rule.unless is not None and rule.unless.search(text)):
            continue
        match = rule.cue.search(text)
        if match is not None:
            what = "its category" if rule.cue is _ANY else f"'{match.group().strip()[:60]}'"
            harm_part = "" if rule.code in ANY_HARM else f" with harm {context.harm.value}"
            return SreFinding(rule.code, f"SRE {rule.code.value}: {what}{harm_part}")
    return None


def _conditions_hold(code: SreCode, context: SreContext) -> bool:
    """Some rule of ``code`` applies to the event, whatever its words."""
    return any(_applies(rule, context) for rule in RULES if rule.code == code and not rule.primary_only)
