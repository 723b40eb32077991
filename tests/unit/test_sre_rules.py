"""The 29 NQF Serious Reportable Events: each with an event that is one and a near miss that is not."""

from __future__ import annotations

import pytest

from pso_classify.sre import SreFinding, serious_reportable_event
from pso_shared.types import CareSetting, Category, HarmDegree, ReportType

C = Category
H = HarmDegree
INCIDENT = ReportType.INCIDENT

# (code, text, categories, harm) of an event that is the SRE
POSITIVE = [
    (
        "1A",
        "Right knee arthroscopy performed; consent and marking were for the left knee. Wrong-site.",
        {C.SURGERY},
        H.MODERATE,
    ),
    (
        "1B",
        "Colonoscopy was performed on the wrong patient; [NAME] was scheduled for an EGD only.",
        {C.SURGERY},
        H.MILD,
    ),
    (
        "1C",
        "Pt consented for a laparoscopic cholecystectomy; an appendectomy was done instead of the planned procedure.",
        {C.SURGERY},
        H.MODERATE,
    ),
    (
        "1D",
        "Post-op abdominal film shows a retained sponge; patient returned to the OR for removal.",
        {C.SURGERY},
        H.MODERATE,
    ),
    (
        "1E",
        "Healthy 24 y/o, ASA 1, elective knee scope; arrested in PACU and could not be resuscitated.",
        {C.SURGERY, C.ANESTHESIA},
        H.DEATH,
    ),
    (
        "2A",
        "Three patients developed fungal meningitis after injections from a contaminated steroid lot; one died.",
        {C.MEDICATION, C.DEVICE},
        H.DEATH,
    ),
    (
        "2B",
        "Ventilator failed without alarming overnight; patient found hypoxic with anoxic brain injury.",
        {C.DEVICE},
        H.SEVERE,
    ),
    (
        "2C",
        "During central line removal in the upright position the patient developed an air embolism and coded.",
        {C.DEVICE},
        H.SEVERE,
    ),
    (
        "3A",
        "Resident with advanced dementia released to a man claiming to be her son; he is not an authorized contact.",
        {C.OTHER},
        H.NONE,
    ),
    (
        "3B",
        "Patient eloped from the locked unit overnight and was found in the river the next morning.",
        {C.OTHER},
        H.DEATH,
    ),
    (
        "3C",
        "Pt on 1:1 found hanging from a ligature in the bathroom; intubated, transferred to ICU.",
        {C.OTHER},
        H.SEVERE,
    ),
    (
        "4A",
        "Insulin 100 units given instead of 10 units; glucose 18, seizure, ICU admission.",
        {C.MEDICATION},
        H.SEVERE,
    ),
    (
        "4B",
        "Type A patient transfused a type B unit; acute hemolytic reaction, renal failure, dialysis.",
        {C.BLOOD_PRODUCT},
        H.SEVERE,
    ),
    (
        "4C",
        "Uncomplicated term pregnancy; postpartum hemorrhage not recognised for 2 hours, mother died.",
        {C.PERINATAL},
        H.DEATH,
    ),
    (
        "4D",
        "Low-risk term labor; fetal heart tracing missed for 40 min, newborn with HIE needing cooling.",
        {C.PERINATAL},
        H.SEVERE,
    ),
    ("4E", "Found on floor beside the bed; left hip fracture, ORIF the next day.", {C.FALL}, H.SEVERE),
    (
        "4F",
        "Sacral wound now unstageable with black eschar; skin intact on admission 3 weeks ago.",
        {C.PRESSURE_INJURY},
        H.MODERATE,
    ),
    (
        "4G",
        "IUI performed with sperm from a different donor than the one the couple selected; mix-up at thaw.",
        {C.OTHER},
        H.NONE,
    ),
    (
        "4H",
        "Only biopsy specimen of the tumour was discarded in the OR; diagnosis impossible, repeat surgery needed.",
        {C.OTHER},
        H.SEVERE,
    ),
    ("4I", "CT showing a lung mass was never followed up; diagnosed 14 months later at stage IV.", {C.OTHER}, H.SEVERE),
    (
        "5A",
        "Staff member received an electric shock from a frayed cord on the bed and went into cardiac arrest.",
        {C.OTHER},
        H.SEVERE,
    ),
    (
        "5B",
        "The wall outlet labelled oxygen delivered nitrogen after the renovation; patient desaturated.",
        {C.DEVICE},
        H.MILD,
    ),
    ("5C", "Heating pad left on for hours; second-degree burns to the back needing skin grafts.", {C.OTHER}, H.SEVERE),
    ("5D", "Patient slid down in the vest restraint and was found asphyxiated.", {C.OTHER}, H.DEATH),
    (
        "6A",
        "An oxygen cylinder was brought into the MRI room and pulled into the magnet, striking the patient's head.",
        {C.DEVICE},
        H.SEVERE,
    ),
    (
        "7A",
        "A man posing as a nurse gave medications on 4 West for two shifts before security removed him.",
        {C.OTHER},
        H.NONE,
    ),
    ("7B", "Newborn taken from the nursery by a visitor; found 3 hours later unharmed.", {C.OTHER}, H.NONE),
    ("7C", "Resident reports she was sexually assaulted by a visitor in her room.", {C.OTHER}, H.MODERATE),
    (
        "7D",
        "Patient punched by another patient in the dayroom; orbital fracture requiring surgery.",
        {C.OTHER},
        H.SEVERE,
    ),
]

# (code it resembles, text, categories, harm, report type) of an event that is not an SRE
NEAR_MISS = [
    ("1A", "Wrong side marked; caught at the time-out before incision and corrected.", {C.SURGERY}, H.NONE, INCIDENT),
    ("1B", "Wrong patient brought to the OR; identified before the procedure started.", {C.SURGERY}, H.NONE, INCIDENT),
    (
        "1C",
        "Consent listed the wrong procedure; surgeon stopped before incision, new consent signed.",
        {C.SURGERY},
        H.NONE,
        INCIDENT,
    ),
    (
        "1D",
        "Sponge count off by one at closure; sponge found in the trash, count reconciled.",
        {C.SURGERY},
        H.NONE,
        INCIDENT,
    ),
    ("1E", "ASA 1 patient had laryngospasm at induction, treated, recovered fully.", {C.ANESTHESIA}, H.MILD, INCIDENT),
    (
        "2A",
        "Sterile tray found with torn wrapper before use; set aside, no patient exposure.",
        {C.DEVICE},
        H.NONE,
        ReportType.NEAR_MISS,
    ),
    ("2B", "Infusion pump failed mid-infusion; replaced, no harm.", {C.DEVICE}, H.NONE, INCIDENT),
    ("2C", "Small air bubbles noted in the IV tubing and removed; no symptoms.", {C.DEVICE}, H.NONE, INCIDENT),
    (
        "3A",
        "Daughter not on the contact list asked to take her mother home; staff refused.",
        {C.OTHER},
        H.NONE,
        ReportType.NEAR_MISS,
    ),
    ("3B", "Patient eloped from the ED lobby, returned an hour later unharmed.", {C.OTHER}, H.NONE, INCIDENT),
    ("3C", "Patient voiced suicidal thoughts; placed on 1:1, no self-harm.", {C.OTHER}, H.NONE, INCIDENT),
    ("4A", "Metoprolol dose given 2 hours late; BP stable.", {C.MEDICATION}, H.NONE, INCIDENT),
    (
        "4B",
        "Wrong unit brought to the bedside; caught at the two-person check before the transfusion.",
        {C.BLOOD_PRODUCT},
        H.NONE,
        INCIDENT,
    ),
    (
        "4C",
        "High-risk twin pregnancy with placenta previa; mother required hysterectomy.",
        {C.PERINATAL},
        H.SEVERE,
        INCIDENT,
    ),
    (
        "4D",
        "Newborn with transient tachypnea observed in the nursery, discharged day 2.",
        {C.PERINATAL},
        H.MILD,
        INCIDENT,
    ),
    ("4E", "Found on floor, small bruise to the forearm, no fracture.", {C.FALL}, H.MILD, INCIDENT),
    (
        "4F",
        "Stage 4 sacral wound present on admission from the nursing home.",
        {C.PRESSURE_INJURY},
        H.MODERATE,
        INCIDENT,
    ),
    (
        "4G",
        "Donor vial label did not match the order; embryologist stopped before insemination.",
        {C.OTHER},
        H.NONE,
        INCIDENT,
    ),
    ("4H", "Specimen label smudged; lab called, specimen relabelled at the bedside.", {C.OTHER}, H.NONE, INCIDENT),
    ("4I", "Critical potassium result called 40 minutes late; repleted, no harm.", {C.OTHER}, H.NONE, INCIDENT),
    ("5A", "Defibrillation delivered for VF; ROSC achieved.", {C.DEVICE}, H.SEVERE, INCIDENT),
    (
        "5B",
        "Spare oxygen cylinder on the crash cart was empty at the daily check; replaced.",
        {C.DEVICE},
        H.NONE,
        ReportType.UNSAFE_CONDITION,
    ),
    ("5C", "Patient complained of a burning sensation at the IV site; line resited.", {C.OTHER}, H.MILD, INCIDENT),
    ("5D", "Patient's arm caught in the bed rail; skin tear dressed.", {C.OTHER}, H.MILD, INCIDENT),
    (
        "6A",
        "Visitor walked toward the MRI room with a metal cane; tech stopped her at zone III.",
        {C.OTHER},
        H.NONE,
        ReportType.NEAR_MISS,
    ),
    (
        "7A",
        "Agency nurse's licence had lapsed two days earlier; renewed, no care issues.",
        {C.OTHER},
        H.NONE,
        ReportType.UNSAFE_CONDITION,
    ),
    (
        "7B",
        "Infant security tag alarmed at the exit; the baby was with its father, who had the matching band.",
        {C.OTHER},
        H.NONE,
        ReportType.NEAR_MISS,
    ),
    ("7C", "Patient felt the exam was too rough; reviewed with the patient advocate.", {C.OTHER}, H.NONE, INCIDENT),
    ("7D", "Patient pushed a nurse during an agitated episode; no injury.", {C.OTHER}, H.NONE, INCIDENT),
]


def test_every_one_of_the_29_events_is_covered_both_ways() -> None:
    codes = {code for code, *_ in POSITIVE}
    assert len(codes) == 29
    assert {code for code, *_ in NEAR_MISS} == codes


@pytest.mark.parametrize(("code", "text", "categories", "harm"), POSITIVE, ids=[p[0] for p in POSITIVE])
def test_an_sre_is_found_with_its_code(code: str, text: str, categories: set[Category], harm: HarmDegree) -> None:
    finding = serious_reportable_event(text, categories=frozenset(categories), harm=harm, report_type=INCIDENT)
    assert finding.code == code, finding.reason
    assert finding.reason.startswith(f"SRE {code}")


@pytest.mark.parametrize(
    ("code", "text", "categories", "harm", "report_type"), NEAR_MISS, ids=[n[0] for n in NEAR_MISS]
)
def test_a_near_miss_is_not_an_sre(
    code: str, text: str, categories: set[Category], harm: HarmDegree, report_type: ReportType
) -> None:
    finding = serious_reportable_event(text, categories=frozenset(categories), harm=harm, report_type=report_type)
    assert finding.code is None, f"{code}: {finding.reason}"


# Events an SRE by their primary category and harm alone, told in words no event pattern lists, and
# the same words when the category is only involved or the text reads as a reaction without error.
BY_PRIMARY_CATEGORY = [
    ("4A", "Night nurse gave the 2100 blister card of room 116 to room 118; found unresponsive.", C.MEDICATION, None),
    (None, "Night nurse gave the 2100 blister card of room 116 to room 118; found unresponsive.", C.OTHER, None),
    (None, "First dose of amoxicillin; anaphylaxis within minutes, epinephrine, intubated.", C.MEDICATION, None),
    ("4B", "Second unit run in over an hour in a heart-failure patient; pulmonary edema, ICU.", C.BLOOD_PRODUCT, None),
    ("2B", "BiPAP mask strap came loose overnight; found hypoxic and intubated.", C.DEVICE, None),
    (None, "BiPAP mask strap came loose overnight; found hypoxic and intubated.", C.OTHER, C.DEVICE),
]


@pytest.mark.parametrize(("code", "text", "primary", "also"), BY_PRIMARY_CATEGORY)
def test_a_seriously_harmful_event_mainly_about_a_drug_a_transfusion_or_a_device(
    code: str | None, text: str, primary: Category, also: Category | None
) -> None:
    categories = frozenset({primary, also or primary, C.MEDICATION if primary is C.OTHER else primary})
    finding = serious_reportable_event(
        text, categories=categories, harm=H.SEVERE, report_type=INCIDENT, primary=primary
    )
    assert finding.code == code, finding.reason


@pytest.mark.parametrize(("setting", "code"), [(CareSetting.NURSING_HOME, "4E"), (CareSetting.HOME_HEALTH, None)])
def test_a_fall_is_4e_only_while_in_a_healthcare_setting(setting: CareSetting, code: str | None) -> None:
    text = "Found at the foot of the stairs; hip fracture, ORIF."
    finding = serious_reportable_event(
        text, categories=frozenset({C.FALL}), harm=H.SEVERE, report_type=INCIDENT, primary=C.FALL, care_setting=setting
    )
    assert finding.code == code, finding.reason


def _surgery(text: str, harm: HarmDegree, pattern: dict[str, float]) -> SreFinding:
    return serious_reportable_event(
        text, categories=frozenset({C.SURGERY}), harm=harm, report_type=INCIDENT, primary=C.SURGERY, pattern=pattern
    )


def test_the_pattern_model_names_an_event_no_rule_words_hold_for_if_its_conditions_do() -> None:
    text = "Level counted from the sacrum on a transitional segment; discectomy done one level up."
    assert _surgery(text, H.MODERATE, {}).code is None
    named = _surgery(text, H.MODERATE, {"none": 0.4, "1A": 0.55})
    assert (named.code, named.learned) == ("1A", True)
    assert _surgery(text, H.MODERATE, {"none": 0.4, "1A": 0.25}).code is None  # not likely enough
    assert _surgery(text, H.MODERATE, {"4A": 0.9}).code is None  # 4A needs a medication and serious harm


def test_the_pattern_model_overrules_rule_words_it_is_sure_are_no_sre() -> None:
    text = "Retained sponge seen on the post-op x-ray; returned to the OR for removal."
    assert _surgery(text, H.MILD, {"none": 0.5}).code == "1D"
    overruled = _surgery(text, H.MILD, {"none": 0.95})
    assert overruled.code is None
    assert "like no SRE to the pattern model (0.95)" in overruled.reason


def test_no_pattern_model_overrules_an_event_that_is_one_by_its_definition() -> None:
    finding = serious_reportable_event(
        "Slid out of the chair during transfer; hip fracture.",
        categories=frozenset({C.FALL}),
        harm=H.SEVERE,
        report_type=INCIDENT,
        primary=C.FALL,
        care_setting=CareSetting.HOSPITAL_INPATIENT,
        pattern={"none": 0.97},
    )
    assert finding.code == "4E", finding.reason
