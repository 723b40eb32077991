"""The messages on each topic, one module per topic, on a common envelope."""
