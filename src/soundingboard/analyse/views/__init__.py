"""The analyst workspace's pages, a module per page or group of pages (addresses in urls.py):

- `overview`, `ideas`: the statistics of one consultation;
- `responses` (the list, and tagging in bulk), `response` (one response), `codebook`;
- `themes` (the sets, one set, one theme) and `themes_responses` (one answer's themes);
- `exports` (the export page and its downloads), `erasure`, `statement`.

The accounts pages are in `analyse.accounts`. What the templates are handed besides each
page's own content is built in `analyse.presentation`.
"""
