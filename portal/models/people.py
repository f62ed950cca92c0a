"""People known to the portal, identified by their encrypted ID number and its keyed hash."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Timestamped


class Person(Timestamped, Base):
    __tablename__ = "people"
    # The ledger sorted by name, read by keyset on (name, then the record's id).
    __table_args__ = (sa.Index("ix_people_name", "name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # HMAC-SHA256 of the normalised ID number under the data key: equality look-up without the number.
    id_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # AES-GCM nonce + ciphertext of the ID number.
    id_cipher: Mapped[bytes] = mapped_column(sa.LargeBinary)
    name: Mapped[str] = mapped_column(sa.String(60))
    sex: Mapped[str] = mapped_column(sa.String(1))
    birth_date: Mapped[date]
