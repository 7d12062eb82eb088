"""The built-in synthetic corpus: generated sentences spoken by espeak-ng voices."""
