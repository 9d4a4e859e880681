"""Jinja machinery (issue 18): a `{% from … import %}` costs a set lookup, not a walk over every global,
and `params.text` on a dict is one lookup, not a caught AttributeError.

On each import Jinja compares the importing context's global names with the imported template's, through a
ChainMap's key view: a Python-level membership test per global, per import, dozens of imports a page
(every GOV.UK macro imports its neighbours). The imported template's names are noted once here. A name
added later is only missing from the note, and then Jinja's own, slower path runs: never a wrong page.
"""
from jinja2 import Template

# Names a dict has as attributes (`params.items` is the method, as Jinja's own lookup gives it).
_DICT_ATTRIBUTES = frozenset(dir(dict))
_MISSING = object()


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


def _getattr(environment, obj, attribute):
    """Jinja's `a.b`, with a quick path for the dicts GOV.UK macros take (`params.text`): Jinja first tries
    the attribute, which raises for a key, and catching that costs more than the lookup. The result is
    the same: a dict's own methods still win, then the key, else undefined."""
    if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
        value = obj.get(attribute, _MISSING)
        return environment.undefined(obj=obj, name=attribute) if value is _MISSING else value
    return type(environment).getattr(environment, obj, attribute)


def _get_template(environment, name, parent=None, globals=None):
    """Jinja's, with a plain dict in front of its locked LRU cache when templates are not reloaded: a page
    asks for some forty templates (every `{% from %}` of every macro file)."""
    if globals is None and not environment.auto_reload and isinstance(name, str):
        loaded = environment.portal_templates.get((name, parent))
        if loaded is None:
            loaded = environment.portal_templates[(name, parent)] = type(environment).get_template(
                environment, name, parent)
        return loaded
    return type(environment).get_template(environment, name, parent, globals)


def register(app):
    environment = app.jinja_env
    environment.template_class = PortalTemplate
    environment.getattr = _getattr.__get__(environment)
    environment.portal_templates = {}
    environment.get_template = _get_template.__get__(environment)
