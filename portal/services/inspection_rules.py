"""Rules an inspector checks that advisers' pages do not already compute (R-INSP-1), as plain functions."""
from datetime import timedelta

from portal.services.hours_rules import Period, missing_weeks, week_start, weeks_looked_at


def late_reviews(first_review_on, reviews, last_day):
    """R-ISP-5: the due dates up to `last_day` when no review was held on or before the date agreed.

    `reviews` are (held_on, next_review_on) pairs; each review held sets the next date due. A review
    held late still counts as held, and the schedule carries on from the date it set."""
    late = []
    due = first_review_on
    for held_on, next_review_on in sorted(reviews):
        if due is None or due > last_day:
            break
        if held_on > due:
            late.append(due)
        due = next_review_on
    if due is not None and due < last_day and not any(held >= due for held, _ in reviews):
        late.append(due)
    return late


def _on_programme_in_period(started_on, ended_on, period_from, period_to):
    """The part of the period under review the customer was on the programme, or None."""
    if started_on is None:
        return None
    starts, ends = max(started_on, period_from), min(ended_on or period_to, period_to)
    return Period(starts, ends) if starts <= ends else None


def hours_gaps(started_on, ended_on, period_from, period_to, recorded_days, today):
    """R-HRS-1: the Mondays of weeks on the programme within the period under review with no hours
    recorded, through the same rule the advisers' weekly record uses (hours_rules.missing_weeks)."""
    period = _on_programme_in_period(started_on, ended_on, period_from, period_to)
    if period is None:
        return []
    recorded = {week_start(day) for day in recorded_days}
    return [monday for monday in missing_weeks(period, recorded, today)
            if monday + timedelta(days=6) >= period_from]


def weeks_expected(started_on, ended_on, period_from, period_to, today):
    """R-HRS-1: how many weeks `hours_gaps` looks at; a referral with hours in fewer of them has a gap
    (the whole population's count, without reading every day: portal/services/inspection_review.py)."""
    period = _on_programme_in_period(started_on, ended_on, period_from, period_to)
    if period is None:
        return 0
    first, last = weeks_looked_at(period, today)
    return max(0, (last - first).days // 7 + 1)


def copy_in_format(signed_format, copy_formats):
    """R-SIGN-2: a copy was given in the format the customer read and signed the plan in."""
    return signed_format is not None and signed_format in set(copy_formats)


def original_verifies(content, stored_sha256, record, signature):
    """R-SIGN-3: the stored bytes still hash to what the portal's signed seal record vouches for."""
    import json

    from portal.documents import seal as sealing

    if content is None or not sealing.record_is_genuine(record, signature):
        return False
    digest = sealing.sha256(content)
    return digest == stored_sha256 == json.loads(record).get("sha256")


def draw_sample(population, sizes, seed):
    """R-INSP-2: a random sample, stratified by programme, that the same seed always draws again.

    `population` maps a programme code to its customer ids; `sizes` maps a code to how many to draw
    (all of them when fewer). Pools are sorted first, so the draw depends only on the seed and the population."""
    import random

    generator = random.Random(seed)
    chosen = {}
    for code in sorted(sizes):
        pool = sorted(population.get(code, ()))
        chosen[code] = sorted(generator.sample(pool, min(max(sizes[code], 0), len(pool))))
    return chosen
