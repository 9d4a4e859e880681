"""The Easy Read Word template's content: every agreed term in plain words (R-SIGN-2, issue 15), each chunk
of words in a row with its picture on the left (issue 17). templates/documents/_easy_read.html (PDF) and
the macro plan_easy_read in templates/components/plan.html (signing page) say the same.
"""
from portal.documents.template_content import said, strong

NOTHING = ("plan", "{{ w.er_nothing }}")


def _needs(t):
    with t.when("needs.text or distance"):
        with t.part("needs", "{{ w.er_needs }}") as part:
            with part.when("needs.text"):
                cell = part.row("needs")
                cell.para(said("{{ needs.text }}"))
                with cell.when("needs.assessed_on"):
                    cell.para("{{ w.assessed_on.format(date=needs.assessed_on) }}")
            with part.each("d in distance"):
                cell = part.row("steps")
                cell.para(strong("{{ w.er_progress }}: {{ d.label }}"))
                with cell.each("score in d.scores"):
                    cell.bullet("{{ score }}")


def _goals(t):
    with t.part("goal", "{{ w.what_you_want }}") as part:
        with part.when("goals.aspirations"):
            cell = part.row("goal")
            cell.para("{{ w.er_want }}")
            cell.para(said("{{ goals.aspirations }}"))
        with part.when("goals.job_goal"):
            cell = part.row("work")
            cell.para("{{ w.er_job }}")
            cell.para(said("{{ goals.job_goal }}"))
        with part.when("goals.target_hours"):
            cell = part.row("clock")
            cell.para("{{ w.er_hours.format(hours=goals.target_hours) }}")
            with cell.when("goals.target_hours_reason"):
                cell.para("{{ w.er_hours_why }} ", said("{{ goals.target_hours_reason }}"))
        with part.when("not (goals.aspirations or goals.job_goal)"):
            part.row("goal").para("{{ w.er_nothing }}")


def _barriers(t):
    with t.part("barrier", "{{ w.er_hard }}") as part:
        with part.each("b in barriers", empty=("barrier", "{{ w.er_nothing }}")):
            cell = part.row("barrier")
            cell.para(strong("{{ b.category }}. "), said("{{ b.description }}"))
            with cell.when("b.impact"):
                cell.para("{{ w.er_impact }} ", said("{{ b.impact }}"))
            with cell.when("b.response"):
                cell.para("{{ w.er_we_will }} ", said("{{ b.response }}"))


def _objectives(t):
    with t.part("steps", "{{ w.er_steps }}") as part:
        with part.each("o in objectives", empty=("steps", "{{ w.er_nothing }}")):
            cell = part.row("steps")
            cell.para(strong("{{ o.number }}. "), said("{{ o.what }}"))
            with cell.when("o.by"):
                cell.para("{{ w.er_by.format(date=o.by) }}")
            with part.when("o.how_often"):
                cell = part.row("calendar")
                cell.para("{{ w.er_how_often }} ", said("{{ o.how_often }}"))
            with part.when("o.measure"):
                cell = part.row("tick")
                cell.para("{{ w.er_measure }} ", said("{{ o.measure }}"))


def _support(t):
    with t.part("help", "{{ w.er_help }}") as part:
        with part.each("s in support", empty=("help", "{{ w.er_nothing }}")):
            cell = part.row("help")
            cell.para(said("{{ s.description }}", bold=True))
            cell.para("{{ w.er_help_from.format(who=s.given_by) }}")
            with cell.when("s.planned"):
                cell.para("{{ w.er_planned.format(hours=s.planned) }}")
            with cell.when("s.helps_with"):
                cell.para("{{ w.er_helps_with }} ", said("{{ s.helps_with }}"))


def _lists(t):
    for key, picture in (("milestones", "flag"), ("funding", "money")):
        with t.when(key):
            with t.part(picture, f"{{{{ w.er_{key} }}}}") as part:
                with part.each(f"item in {key}"):
                    part.row(picture).para("{{ item }}")


def _programme(t):
    with t.part("talk", "{{ w.er_talk }}") as part:
        with part.when("reviews"):
            part.row("calendar").para("{{ reviews }}")
        part.row("talk").para("{{ w.er_change }}")
    with t.when("length"):
        with t.part("calendar", "{{ w.er_length }}") as part:
            part.row("calendar").para(said("{{ length }}"))
    with t.when("permitted_work"):
        with t.part("work", "{{ w.er_permitted_work }}") as part:
            part.row("work").para("{{ permitted_work }}")
    with t.when("in_work"):
        with t.part("work", "{{ w.er_in_work }}") as part:
            with part.when("in_work.line"):
                part.row("work").para("{{ in_work.line }}")
            with part.each("step in in_work.taper"):
                part.row("clock").para("{{ w.er_taper.format(weeks=step.weeks, support=step.support, "
                                       "hours=step.hours or '–') }}")
            with part.each("check in in_work.checks"):
                part.row("tick").para("{{ check }}")
    # R-DATA-8: whom the customer agrees may be consulted; R-ISP-11: progress, in live copies only.
    with t.when("support_network"):
        with t.part("talk", "{{ w.support_network }}") as part:
            cell = part.row("talk")
            cell.para(said("{{ support_network.who }}"))
            with cell.when("support_network.agreed"):
                cell.para("{{ support_network.agreed }}")
            with cell.when("support_network.withdrawn"):
                cell.para("{{ support_network.withdrawn }}")
    with t.when("progress"):
        with t.part("tick", "{{ progress.heading }}") as part:
            with part.each("line in progress.lines", empty=("tick", "{{ w.none_yet }}")):
                part.row("tick").para("{{ line }}")


def _signed(t):
    with t.part("sign", "{{ w.doc_signed_heading }}") as part:
        with part.each("signature in signatures", empty=("sign", "{{ w.doc_not_signed }}")):
            cell = part.row("sign")
            cell.para(strong("{{ signature.name }}"), " – {{ signature.role }}.")
            cell.para("{{ w.doc_col_how }}: {{ signature.how }}.")
            cell.para("{{ w.doc_col_when }}: {{ signature.when }}.")


def _verification(t):
    with t.when("verification"):
        with t.part("qr", "{{ w.doc_verify_heading }}") as part:
            cell = part.first
            cell.para("{{ verification.text }}")
            cell.para("{{ verification.url }}")
            cell.para("{{ w.doc_seal }}")


def plan_easy_read(t):
    with t.part("plan") as part:
        part.first.para("{{ w.er_intro }}")
        part.first.para("{{ w.er_intro_2 }}")
    _needs(t)
    _goals(t)
    _barriers(t)
    _objectives(t)
    _support(t)
    _lists(t)
    _programme(t)
    _signed(t)
    _verification(t)
