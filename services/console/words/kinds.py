"""What a page's words are: each key with its Indonesian and its English text, side by side so
neither language is forgotten when a text changes."""

Words = dict[str, tuple[str, str]]  # key -> (Indonesian, English)
