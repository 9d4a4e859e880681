"""What the closing report of an inspection says (issue 13, R-INSP-1, R-INSP-2): its scope, the sample
and how it was drawn, the checklist results by rule, and the findings with the provider's answers.

Facts only, in no language: the document module (portal/documents/reports.py) words them in English
or Welsh. Customers appear by reference, never by name: the report goes to the provider and DWP.
"""
import json
from dataclasses import dataclass, field

from portal.services import inspection_checklist, inspection_review, inspections
from portal.services.findings import of_inspection

# The order checks appear in a customer's checklist, and so in the report.
RULE_ORDER = ("R-ISP-1", "R-ISP-2", "R-ISP-3", "R-ISP-4", "R-ISP-5", "R-ISP-7", "R-ISP-8", "R-SIGN-1",
              "R-SIGN-2", "R-SIGN-3", "R-HRS-1", "R-DATA-3", "R-DATA-8")


@dataclass
class RuleResult:
    rule: str
    question: str = ""
    passed: int = 0
    failed: int = 0
    not_applicable: int = 0

    @property
    def checked(self):
        return self.passed + self.failed + self.not_applicable


_TALLIES = {inspection_checklist.PASS: "passed", inspection_checklist.FAIL: "failed",
            inspection_checklist.NOT_APPLICABLE: "not_applicable"}


def results_by_rule(checklists):
    """How many customers passed, failed or were not concerned by each rule, in RULE_ORDER (R-INSP-1):
    for the checklists page and the closing report alike. `checklists`: each customer's checks."""
    results = {rule: RuleResult(rule) for rule in RULE_ORDER}
    for checks in checklists:
        for check in checks:
            result = results.setdefault(check.rule, RuleResult(check.rule))
            result.question = result.question or check.question
            setattr(result, _TALLIES[check.result], getattr(result, _TALLIES[check.result]) + 1)
    return list(results.values())


@dataclass
class SampleRow:
    reference: str
    programme: str
    how: str  # random | by_hand
    failed_rules: list


@dataclass
class FindingEntry:
    reference: str | None  # None: a finding on the provider
    rule: str
    severity: str
    state: str
    found: str
    action_required: str
    due_on: object
    events: list  # (state, at, by name, text, evidence url)


@dataclass
class ReportFacts:
    inspection_id: int
    provider: str
    programmes: list
    period_from: object
    period_to: object
    opened_on: object
    closed_on: object
    inspectors: list
    figures: dict            # overview figure key → count
    population: dict         # programme code → customers in the period
    seed: int | None
    sizes: dict              # programme code → size drawn at random
    sampled_at: object
    sample: list = field(default_factory=list)
    results: list = field(default_factory=list)
    findings: list = field(default_factory=list)


def report_facts(inspection, today):
    rows = inspections.sample_of(inspection)
    checked = inspection_checklist.checklists(inspection, [row.customer_id for row in rows], today)
    sample = []
    for row in rows:
        checks = checked[row.customer_id][0]
        sample.append(SampleRow(row.customer.reference, row.programme.name, row.how,
                                [c.rule for c in checks if c.result == inspection_checklist.FAIL]))
    sets, _by_programme = inspection_review.customer_sets(
        inspection, inspection_review.gather(inspection, with_originals=False, today=today), today)
    population = {code: len(ids) for code, ids in inspections.population_by_programme(inspection).items()}
    return ReportFacts(
        inspection_id=inspection.id, provider=inspection.organisation.name,
        programmes=[p.name for p in inspection.programmes], period_from=inspection.period_from,
        period_to=inspection.period_to, opened_on=inspection.opened_on, closed_on=inspection.closed_on,
        inspectors=[u.name for u in inspection.inspectors], figures={k: len(v) for k, v in sets.items()},
        population=population, seed=inspection.sample_seed,
        sizes=json.loads(inspection.sample_spec) if inspection.sample_spec else {},
        sampled_at=inspection.sampled_at, sample=sorted(sample, key=lambda r: r.reference),
        results=results_by_rule(checks for checks, _version, _referral in checked.values()),
        findings=[_finding_entry(f) for f in of_inspection(inspection)],
    )


def _finding_entry(finding):
    return FindingEntry(
        reference=finding.customer.reference if finding.customer_id else None, rule=finding.rule,
        severity=finding.severity.value, state=finding.state.value, found=finding.found,
        action_required=finding.action_required, due_on=finding.due_on,
        events=[(e.to_state.value, e.at, e.by.name, e.text, e.evidence_url) for e in finding.events])

