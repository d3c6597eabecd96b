"""What the app shows, off the widgets: where snapshots come from, history for sparklines, findings per poll."""
