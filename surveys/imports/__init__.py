"""Imports of evidence from files: reading (``reading``), cells (``cells``), the framework
(``framework``), one importer per kind (``kinds``) and the registry below."""

from __future__ import annotations

from surveys.imports.framework import Importer
from surveys.imports.kinds.accounts import AccountImporter
from surveys.imports.kinds.masterdata import HallImporter, OrganisationImporter, StaffImporter
from surveys.imports.kinds.pools import BonusPoolImporter
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
        BonusPoolImporter,
        OrganisationImporter,
        HallImporter,
        StaffImporter,
        AccountImporter,
    )
}


def importer_for(kind: str, *, params: dict | None = None) -> Importer:
    return IMPORTERS[kind](params=params)
