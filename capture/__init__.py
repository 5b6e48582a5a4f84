"""Document capture: pure functions from bytes to a CaptureResult (no project, Flask or DB imports)."""
