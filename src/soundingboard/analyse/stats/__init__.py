"""The numbers of the analyst overview and ideas pages, as plain dataclasses: `overview`
(the overview page), `ideas` (the ideas page), and `common` (the analysis indexes both are
written for, read from the models' Meta).

Nothing here loads responses one by one: each page is a few grouped queries over covering
indexes. Hiding small counts is `analyse.suppression`'s, drawing them `analyse.charts`'.
"""
