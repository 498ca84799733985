"""The check engine: plugin registry, the context checks read through, resources and the run loop."""
