"""What the analyst workspace's views hand their templates, kept apart from the views:

- `workspace`: the context every workspace page shares (`workspace_context`), the tabs of a
  consultation's analysis, and small words the pages share;
- `filter_form`: the analysis filter as a form, read from and written back to the address;
- `figures`: statistics tables as text, and charts with the tables of their numbers;
- `response_list`: the responses list's address (filter, words, tags, order) and its form;
- `themes`: the themes pages' labels, addresses and breadcrumbs.
"""
