"""Named exceptions. The CLI turns each into a one-line message and an exit code."""


class VtrError(Exception):
    """Base class for every error vtr reports to the user."""

    exit_code = 1


class WarehouseNotFound(VtrError):
    """The directory is not a vtr warehouse (no catalog.duckdb)."""


class WarehouseExists(VtrError):
    """`init` was asked to create a warehouse where one already is."""


class SchemaTooNew(VtrError):
    """The catalog was written by a newer vtr than this one."""


class MetricsOutdated(VtrError):
    """The catalog's metric views predate this vtr's metric definition (sql/schema/021)."""


class UnknownDataset(VtrError):
    """A dataset name that the catalog does not hold."""


class UnknownVariant(VtrError):
    """A variant id that the catalog does not hold, or that does not parse."""


class UnknownEval(VtrError):
    """An evaluation id that the catalog does not hold."""


class AnnotationError(VtrError):
    """An annotation file that cannot be read or does not have the expected shape."""


class BackboneError(VtrError):
    """A backbone spec that does not parse, or whose weights are not on disk."""


class EvalInputError(VtrError):
    """Inputs to an evaluation that do not fit together (dims, empty splits, shapes)."""


class VideoDecodeError(VtrError):
    """A video file that cannot be opened or decoded."""


class IngestIncomplete(VtrError):
    """Some items failed during ingest; they are recorded in ingest_errors."""

    exit_code = 3


class ReportError(VtrError):
    """The report folder cannot be created or written."""


class CatalogBusy(VtrError):
    """Another process still holds the catalog after the wait (`vtr --wait`, VTR_WAIT)."""

    exit_code = 4


class CatalogCorrupt(VtrError):
    """The catalog file is damaged (a bad checksum, garbage in its header): restore a backup."""

    exit_code = 5


class EmbeddingError(VtrError):
    """Embeddings that must not be stored (NaN/Inf, wrong dimension)."""


class PredictionError(VtrError):
    """A moment/highlight predictions file or set that cannot be read or evaluated."""


class TrainInputError(VtrError):
    """Inputs to training that do not fit together (variants, splits, pair tables, options)."""


class TapError(VtrError):
    """A layer or pooling request that the backbone cannot serve."""


class IngestInterrupted(VtrError):
    """An ingest stopped by Ctrl-C (SIGINT); what it committed stays, a rerun resumes."""

    exit_code = 130  # 128 + SIGINT, as a shell reports an interrupted command


class UnknownQuery(VtrError):
    """A named SQL file (`sql/<group>/<name>.sql`) that vtr does not ship."""


class ImportInputError(VtrError):
    """Embedding files that cannot be imported (unreadable, pickled, wrong key, bad ids)."""


class IngestOptionError(VtrError):
    """Ingest options no run can work with (no backbone, --frames 0, a missing --videos)."""


class WarehouseDamaged(VtrError):
    """A Lance table or data file that cannot be read; `vtr check --repair` fixes it."""


class UnknownItem(VtrError):
    """A name that no registry holds: a backbone family, head, loss, format or re-ranker."""

    exit_code = 2  # a usage error, as for an unknown option
