"""Jinja machinery (issue 18): a `{% from … import %}` costs a set lookup, not a walk over every global.

On each import Jinja compares the importing context's global names with the imported template's, through a
ChainMap's key view: a Python-level membership test per global, per import, dozens of imports a page
(every GOV.UK macro imports its neighbours). The imported template's names are noted once here. A name
added later is only missing from the note, and then Jinja's own, slower path runs: never a wrong page.
"""
from jinja2 import Template


class PortalTemplate(Template):
    def _get_default_module(self, ctx=None):
        if ctx is not None:
            known = self.__dict__.get("_portal_global_names")
            if known is None:
                known = self.__dict__["_portal_global_names"] = frozenset(self.globals.keys())
            if not ctx.globals_keys <= known:
                return super()._get_default_module(ctx)
        if self._module is None:
            self._module = self.make_module()
        return self._module


def register(app):
    app.jinja_env.template_class = PortalTemplate
