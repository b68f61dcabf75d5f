"""The warehouse directory: DuckDB catalog, LanceDB tables, schema, variants, evaluations."""

from vtr.warehouse.catalog import Warehouse, init_warehouse, open_warehouse

__all__ = ["Warehouse", "init_warehouse", "open_warehouse"]
