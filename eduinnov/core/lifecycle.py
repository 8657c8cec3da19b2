"""The lifecycle of a versioned definition: a framework version or an evaluation model.

Both go draft → active → archived (an archived one is read-only), so they share one enum. Each column
keeps the name of its CHECK constraint from before the two enums were merged (``frameworkstatus``,
``modelstatus``), so the database did not change.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from eduinnov.core.models import LabelledEnum


class Lifecycle(LabelledEnum):
    DRAFT = "draft", _l("Draft")
    ACTIVE = "active", _l("Active")
    ARCHIVED = "archived", _l("Archived")
