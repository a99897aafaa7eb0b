"""What every app uses: the GOV.UK form base and templates, error pages, the health check, the
client's address and text cleaning. Imports nothing from soundingboard's other apps."""
