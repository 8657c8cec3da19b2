"""Import every model module so the metadata (and Alembic) sees all tables."""

from eduinnov.achievements.models import *  # noqa: F403
from eduinnov.auth.models import *  # noqa: F403
from eduinnov.core.audit import AuditLog  # noqa: F401
from eduinnov.core.blobs import BlobChunk  # noqa: F401
from eduinnov.frameworks.models import *  # noqa: F403
from eduinnov.indicators.models import *  # noqa: F403
from eduinnov.jobs.models import *  # noqa: F403
from eduinnov.notifications.models import *  # noqa: F403
from eduinnov.obe import invalidation  # noqa: F401 - registers the listeners that keep stored OBE results current
from eduinnov.obe.models import *  # noqa: F403
from eduinnov.programs.models import *  # noqa: F403
from eduinnov.reports.models import *  # noqa: F403
from eduinnov.schools.models import *  # noqa: F403
