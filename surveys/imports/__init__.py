"""Imports of evidence from files: reading (``reading``), cells (``cells``), the framework
(``framework``), one importer per kind (``kinds``) and the registry below.

An app above surveys adds its own kinds with :func:`importer_register` from its app config's ``ready()``
(incentives adds the bonus pools): the framework never imports the apps that use it."""

from __future__ import annotations

from surveys.imports.framework import Importer
from surveys.imports.kinds.accounts import AccountImporter
from surveys.imports.kinds.masterdata import HallImporter, OrganisationImporter, StaffImporter
from surveys.imports.kinds.simple import (
    ActivityImporter,
    AdjustmentImporter,
    ComplaintImporter,
    ServiceVolumeImporter,
    StaffPointsImporter,
)
from surveys.imports.kinds.surveys import SurveyResponseImporter
from surveys.imports.kinds.visits import VisitImporter

IMPORTERS: dict[str, type[Importer]] = {
    importer.kind: importer
    for importer in (
        VisitImporter,
        SurveyResponseImporter,
        ComplaintImporter,
        ActivityImporter,
        AdjustmentImporter,
        ServiceVolumeImporter,
        StaffPointsImporter,
        OrganisationImporter,
        HallImporter,
        StaffImporter,
        AccountImporter,
    )
}


def importer_register(importer: type[Importer]) -> None:
    """Add the importer of one more kind (a value of :class:`surveys.models.ImportKind`)."""
    IMPORTERS[importer.kind] = importer


def importer_for(kind: str, *, params: dict | None = None) -> Importer:
    return IMPORTERS[kind](params=params)
