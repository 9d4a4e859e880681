"""A complete document context without a database: for the checkers' own tests, the template builder and bench.

It follows the contract in portal/documents/context.py. Words come from `words` (portal.customer_words),
so it needs an app context for Flask-Babel.
"""
from portal.customer_words import words
from portal.documents.context import verification_block
from portal.documents.pictures import PICTURE_KEYS, picture_png


def sample_context(lang="en", document_format="standard", *, draft=False, objectives=3, text=None):
    """`text` replaces every piece of adviser-written text (injection tests)."""
    w = words(lang)
    adviser_text = (lambda default: text if text is not None else default)
    return {
        "lang": lang,
        "format": document_format,
        "title": f"{w['doc_title']} – Sam Jones – " + w["doc_version"].format(number=2),
        "draft": draft,
        "w": w,
        "customer": {"name": adviser_text("Sam Jones"), "reference": "CUS-000123"},
        "programme": "Specialist Employability Support",
        "provider": "Northgate Employment Services",
        "version": {"number": 2, "date_line": w["doc_agreed_on"].format(date="3 May 2026")},
        "needs": {"text": adviser_text("Sam wants to work with animals and needs help with travel."),
                  "assessed_on": "20 April 2026"},
        "distance": [{"label": "Start – 20 April 2026",
                      "scores": [w["distance_score"].format(domain="Confidence", score=3, top=10),
                                 w["distance_score"].format(domain="Travel", score=2, top=10)]}],
        "goals": {
            "aspirations": adviser_text("Work with animals, part time, near home."),
            "job_goal": adviser_text("Kennel assistant"),
            "target_hours": "16 hours",
            "target_hours_reason": adviser_text("Sam tires easily in the afternoon."),
        },
        "objectives": [
            {"number": n + 1, "what": adviser_text(f"Objective {n + 1}: go to the job club"),
             "how_often": adviser_text("Every Tuesday"), "measure": adviser_text("Attendance sheet"),
             "by": "30 June 2026"}
            for n in range(objectives)
        ],
        "support": [
            {"description": adviser_text("Travel training"), "qualification": False,
             "given_by": w["deliverers"]["provider"], "planned": "6 hours",
             "helps_with": adviser_text("Objective 1: go to the job club")},
        ],
        "barriers": [
            {"category": w["barrier_categories"]["transport"], "description": adviser_text("No bus on Sundays"),
             "impact": adviser_text("Cannot do weekend shifts"), "response": adviser_text("Look for weekday work")},
        ],
        "milestones": [adviser_text("First work trial (by 1 June 2026)")],
        "funding": [],
        "reviews": w["review_every"].format(weeks=4) + ".",
        "length": adviser_text("Six months, then review."),
        "permitted_work": "",
        "in_work": None,
        "support_network": {"who": adviser_text("Sam's mother, Jo Jones"),
                            "agreed": w["support_network_agreed"].format(date="3 May 2026"), "withdrawn": ""},
        "progress": None,
        "signatures": [
            {"name": adviser_text("Sam Jones"), "role": w["doc_roles"]["customer"],
             "how": w["doc_methods"]["in_person"], "when": w["doc_at"].format(date="3 May 2026", time="10:42")},
            {"name": "Alex Adviser", "role": w["doc_roles"]["adviser"],
             "how": w["doc_methods"]["adviser"], "when": w["doc_at"].format(date="3 May 2026", time="10:45")},
        ],
        "verification": None if draft else verification_block("K7QD-M2XP-9R", "http://localhost:5000", w, lang),
        "pictures": {key: {"png": picture_png(key), "alt": w["pictures"][key]} for key in PICTURE_KEYS},
    }
