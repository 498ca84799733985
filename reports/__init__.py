"""Renderers: findings JSON, HTML, SARIF, JUnit.

Each renderer is a pure function of a `Report` (SARIF also takes the check specs, for its rule
table) returning text, so the CLI decides where the bytes go and tests compare strings.
"""

from .findings_json import findings_schema, render_json
from .html import render_html
from .junit import render_junit
from .sarif import RuleInfo, render_sarif

__all__ = ["RuleInfo", "findings_schema", "render_html", "render_json", "render_junit", "render_sarif"]
