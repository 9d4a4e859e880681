"""The hours forms' fields (the activity form of the week and change pages, the summary's download dates)
as plain HTML, the same markup the GOV.UK macros write for them (select, text input, character count,
date input, button).

The week page drew its ten fields through the GOV.UK macros, a quarter of its CPU (issue 18); these
functions write the same HTML directly. Only what these fields use is supported: a label, a hint, the
first error, classes and extra attributes. tests/test_hours_form_html.py holds each one equal to the
GOV.UK widget's HTML in every state the form has.
"""
from markupsafe import Markup, escape


def _block(text, indent):
    """Text as the macros write it inside an element: escaped, its later lines indented like Jinja's `indent`."""
    lines = str(escape(text)).split("\n")
    return ("\n").join([lines[0]] + [(" " * indent + line) if line else line for line in lines[1:]])


def _attributes(attributes):
    return "".join(f' {escape(name)}="{escape(value)}"' for name, value in attributes.items())


def _required(field, attributes):
    attributes = dict(attributes or {})
    if "required" not in attributes and field.flags.required:
        attributes["required"] = "required"
    return attributes


def _label_hint_error(field, error, described_by):
    html = (f'\n  <label class="govuk-label" for="{escape(field.id)}">\n    {_block(field.label.text, 4)}\n  </label>\n')
    if field.description:
        hint_id = f"{field.id}-hint"
        described_by = f"{described_by} {hint_id}" if described_by else hint_id
        html += f'  <div id="{escape(hint_id)}" class="govuk-hint">\n    {_block(field.description, 4)}\n  </div>\n'
    if error:
        error_id = f"{field.id}-error"
        described_by = f"{described_by} {error_id}" if described_by else error_id
        html += (f'  <p id="{escape(error_id)}" class="govuk-error-message">\n'
                 f'    <span class="govuk-visually-hidden">Error:</span> {_block(error, 4)}\n  </p>\n')
    return html, described_by


def _group(field, extra=""):
    error = field.errors[0] if field.errors else None
    return error, f'<div class="govuk-form-group{" govuk-form-group--error" if error else ""}{extra}'


def select(field, classes="", attributes=None):
    error, html = _group(field)
    label, described_by = _label_hint_error(field, error, "")
    options = "".join(
        f'        <option value="{escape(value)}"{" selected" if selected else ""}>{escape(text)}</option>\n'
        for value, text, selected, _render_kw in field.iter_choices())
    return Markup(
        f'{html}">{label}'
        f'  <select class="govuk-select{" " + classes if classes else ""}{" govuk-select--error" if error else ""}"'
        f' id="{escape(field.id)}" name="{escape(field.name)}"'
        f'{f" aria-describedby={chr(34)}{escape(described_by)}{chr(34)}" if described_by else ""}'
        f'{_attributes(_required(field, attributes))}>\n{options}  </select>\n</div>\n')


def text_input(field, classes="", inputmode=None, spellcheck=None, attributes=None):
    error, html = _group(field)
    label, described_by = _label_hint_error(field, error, "")
    value = field._value()
    return Markup(
        f'{html}">{label}'
        f'  <input class="govuk-input{" " + classes if classes else ""}{" govuk-input--error" if error else ""}"'
        f' id="{escape(field.id)}" name="{escape(field.name)}" type="text"'
        f'{f" spellcheck={chr(34)}{str(spellcheck).lower()}{chr(34)}" if spellcheck is not None else ""}'
        f'{f" value={chr(34)}{escape(value)}{chr(34)}" if value not in (None, False) else ""}'
        f'{f" aria-describedby={chr(34)}{escape(described_by)}{chr(34)}" if described_by else ""}'
        f'{f" inputmode={chr(34)}{escape(inputmode)}{chr(34)}" if inputmode else ""}'
        f'{_attributes(_required(field, attributes))}>\n</div>\n')


def character_count(field, maxlength, rows):
    error, html = _group(field, " govuk-character-count")
    info_id = f"{field.id}-info"
    label, described_by = _label_hint_error(field, error, info_id)
    return Markup(
        f'{html}" data-module="govuk-character-count" data-maxlength="{escape(maxlength)}">{label}'
        f'  <textarea class="govuk-textarea{" govuk-textarea--error" if error else ""} govuk-js-character-count"'
        f' id="{escape(field.id)}" name="{escape(field.name)}" rows="{escape(rows)}"'
        f' aria-describedby="{escape(described_by)}"{_attributes(_required(field, None))}>'
        f'{escape(field._value())}</textarea>\n'
        f'  <div id="{escape(info_id)}" class="govuk-hint govuk-character-count__message">\n'
        f'    You can enter up to {escape(maxlength)} characters\n  </div>\n</div>\n')


def button(field, text=None, classes=""):
    return Markup(
        f'<button type="submit" value="{escape(field._value())}" name="{escape(field.name)}"'
        f' class="govuk-button{" " + classes if classes else ""}"'
        f' data-module="govuk-button" id="{escape(field.id)}">\n  {_block(text or field.label.text, 2)}\n</button>')


def _date_parts(field):
    if field.raw_data is not None:
        return field.raw_data
    if field.data:
        return field.data.strftime("%d %m %Y").split(" ")
    return [None] * 3


def date_input(field, legend_classes=""):
    """A day, month and year, as the GOV.UK date input draws a GovDateField with its label as the legend."""
    error = field.errors[0] if field.errors else None
    field_id = escape(field.id)
    inner = ""
    if error:
        inner += (f'<p id="{field_id}-error" class="govuk-error-message">\n'
                  f'      <span class="govuk-visually-hidden">Error:</span> {_block(error, 6)}\n    </p>\n    ')
    required = ' required="required"' if field.flags.required else ""
    inner += f'<div class="govuk-date-input"{required} id="{field_id}">\n'
    for (label, width), value in zip((("Day", 2), ("Month", 2), ("Year", 4)), _date_parts(field)):
        part_id = f"{field_id}-{label.lower()}"
        inner += (
            f'      <div class="govuk-date-input__item">\n        <div class="govuk-form-group">\n'
            f'          <label class="govuk-label govuk-date-input__label" for="{part_id}">\n'
            f'            {label}\n          </label>\n'
            f'          <input class="govuk-input govuk-date-input__input govuk-input--width-{width}'
            f'{" govuk-input--error" if error else ""}" id="{part_id}" name="{escape(field.name)}" type="text"'
            f'{f" value={chr(34)}{escape(value)}{chr(34)}" if value is not None else ""} inputmode="numeric">\n'
            f'        </div>\n      </div>\n')
    inner += "    </div>"
    return Markup(
        f'<div class="govuk-form-group{" govuk-form-group--error" if error else ""}">\n'
        f'<fieldset class="govuk-fieldset" role="group"'
        f'{f" aria-describedby={chr(34)}{field_id}-error{chr(34)}" if error else ""}>\n'
        f'    <legend class="govuk-fieldset__legend{" " + legend_classes if legend_classes else ""}">\n'
        f'      {_block(field.label.text, 6)}\n    </legend>\n    {inner}\n  </fieldset>\n</div>\n')


def hidden(field):
    """A hidden input as WTForms writes it (its attributes in name order)."""
    return Markup(f'<input id="{escape(field.id)}" name="{escape(field.name)}" type="hidden"'
                  f' value="{escape(field._value())}">')
