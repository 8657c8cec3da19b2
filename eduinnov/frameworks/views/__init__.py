"""Pages of the frameworks domain: versions and their OBE content, IUR partnerships.

The blueprint lives in ``_blueprint``; importing the page modules here registers their routes on it.
"""

from eduinnov.frameworks.views import content, lineage, partners, versions  # noqa: F401
from eduinnov.frameworks.views._blueprint import bp

__all__ = ["bp"]
