"""re-mask stored national ID numbers so that nothing of them can be rebuilt

The former masked form kept the 6-digit region and the last 4 characters
(``140702********1234``); with the stored ``birth_date`` (and a county named by
its region code) that rebuilt the whole number. This migration stars every such
value entirely. Keyed hashes (``idh:...``, written when the portal sets
``ALLOCATOR_MASKING_KEY``) are left as they are. The original digits are not
in the store, so the downgrade cannot restore the former form and changes nothing.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 06:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: Longer than any masked value the former form could hold (it kept the input's length).
_STARS = "*" * 200


def upgrade() -> None:
    op.execute(sa.text(
        "UPDATE applicants SET national_id_masked = substr(:stars, 1, length(national_id_masked))"
        " WHERE national_id_masked <> '' AND national_id_masked NOT LIKE 'idh:%'"
    ).bindparams(stars=_STARS))


def downgrade() -> None:
    pass
