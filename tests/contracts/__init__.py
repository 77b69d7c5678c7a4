"""Golden JSON Schemas of the event contracts, and the rules that compare them."""
