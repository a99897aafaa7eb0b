"""The longest text each field accepts, shared by the forms, the models and the docs."""

LIMITS = {
    "summary": 500,
    "details": 10_000,
    "organisation": 200,
    "email": 254,
    "option": 200,
    "page_path": 500,
    "section_id": 200,
    "title": 300,
    "tick": 500,
    "comments": 10_000,
}
SUMMARY_MIN_LENGTH = 5
