"""The analyst workspace: overview, themes and exports (the last stage of the data flow)."""
