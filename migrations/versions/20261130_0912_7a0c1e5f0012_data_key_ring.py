"""the data key ring: no schema change (each encrypted value names its key inside itself)

Revision ID: 7a0c1e5f0012
Revises: 7a0c1e5f0011
Created: 2026-11-30 09:12:00

Compatibility: nothing changes in the schema, so the code before and after it runs on either side. This
revision is kept, empty, as the place in the chain where key rotation arrived: a value encrypted from now on
starts with a format byte and its data key's id (portal.crypto), in the same LargeBinary columns; values
written before keep their old form and are read as before. The code before this change cannot read values
written after it, so it is not to be brought back once the new code has written any.
"""

from collections.abc import Sequence

revision: str = '7a0c1e5f0012'
down_revision: str | None = '7a0c1e5f0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to do: the key's id travels inside each value, not in a column."""


def downgrade() -> None:
    """Nothing to undo."""
