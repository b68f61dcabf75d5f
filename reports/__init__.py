"""Reports: markdown tables and matplotlib PNGs rendered from named SQL queries.

`vtr.reports.retrieval.write_retrieval_report` writes the report of one evaluation;
`vtr.reports.markdown` and `vtr.reports.plots` are its building blocks.
"""
