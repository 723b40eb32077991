"""The narrative scrubber: layered recognisers find identifier spans, one pass replaces them."""
