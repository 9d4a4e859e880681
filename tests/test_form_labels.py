"""Every form is labelled (issue 16): what axe cannot see.

Every page of the crawl, for each kind of user: every fieldset has a legend that asks its question,
every control a label (or an aria-label) with words in it, and no markup is shown as text.
"""
from html.parser import HTMLParser

import pytest

from portal.services import plans
from tests import route_world
from tests.factories import sign_in_as

CONTROLS = {"input", "select", "textarea"}
UNLABELLED_INPUTS = {"hidden", "submit", "button", "image", "reset"}


class FormAudit(HTMLParser):
    """Collects fieldsets without legend text and controls without a label."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.label_text = {}          # id → words of its <label for=…>
        self.controls = []            # (tag, id, name, has aria label, inside a label)
        self.fieldsets = []           # [legend words] per fieldset
        self._stack = []              # open fieldsets: index into self.fieldsets
        self._in_legend = None
        self._label_for = None
        self._label_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "fieldset":
            self.fieldsets.append("")
            self._stack.append(len(self.fieldsets) - 1)
        elif tag == "legend" and self._stack:
            self._in_legend = self._stack[-1]
        elif tag == "label":
            self._label_depth += 1
            self._label_for = attrs.get("for")
            if self._label_for:
                self.label_text.setdefault(self._label_for, "")
        elif tag in CONTROLS and not (tag == "input" and attrs.get("type", "text") in UNLABELLED_INPUTS):
            aria = bool((attrs.get("aria-label") or "").strip() or attrs.get("aria-labelledby"))
            self.controls.append((tag, attrs.get("id"), attrs.get("name"), aria, self._label_depth > 0))

    def handle_endtag(self, tag):
        if tag == "fieldset" and self._stack:
            self._stack.pop()
        elif tag == "legend":
            self._in_legend = None
        elif tag == "label":
            self._label_depth = max(0, self._label_depth - 1)
            self._label_for = None

    def handle_data(self, data):
        if self._in_legend is not None:
            self.fieldsets[self._in_legend] += data
        if self._label_for:
            self.label_text[self._label_for] += data

    def problems(self):
        found = [f"a fieldset with no legend text (#{n + 1})" for n, text in enumerate(self.fieldsets) if not text.strip()]
        for tag, control_id, name, aria, wrapped in self.controls:
            if not (aria or wrapped or (control_id and self.label_text.get(control_id, "").strip())):
                found.append(f"<{tag} name={name!r} id={control_id!r}> has no label")
        return found


def audit(html):
    parser = FormAudit()
    parser.feed(html)
    return parser.problems()


def test_the_audit_catches_an_empty_legend_and_an_unlabelled_control():
    assert audit('<fieldset><legend class="x"></legend><input name="a" id="a"></fieldset>') == [
        "a fieldset with no legend text (#1)", "<input name='a' id='a'> has no label"]
    assert audit('<fieldset><legend>When?</legend><label for="a">Day</label><input id="a" name="a">'
                 '<input type="hidden" name="h"></fieldset>') == []


def pages(app, rw):
    """Every GET page, each plan section and item form included."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "api.openapi") or rule.rule.startswith("/api/"):
            continue
        if rule.endpoint == "plans.section":
            values = rw.values()
            urls += [route_world.url_for_rule(rule, {**values, "section": s}) for s in plans.SCALAR_SECTIONS]
        elif rule.endpoint == "plans.item" and "<int:item_id>" not in rule.rule:
            urls += [route_world.url_for_rule(rule, {**rw.values(), "section": s}) for s in plans.LIST_MODELS]
        else:
            urls.append(route_world.request_for(rule, rw)[1])
    return urls


@pytest.mark.parametrize("user_key", ["ses_adviser", "ses_manager", "sub_adviser", "officer", "inspector", "admin"])
def test_every_fieldset_has_a_legend_and_every_control_a_label(app, client, world, user_key):
    rw = route_world.build(client, world)
    sign_in_as(client, world.users[user_key])
    failures = {}
    for url in pages(app, rw):
        response = client.get(url)
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        html = response.get_data(as_text=True)
        found = audit(html)
        if "&lt;a " in html or "&lt;span" in html:
            found.append("markup shown as text")
        if found:
            failures[url] = found
    assert failures == {}, "\n".join(f"{url}: {found}" for url, found in failures.items())
