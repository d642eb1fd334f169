"""Phrase lists, one TOML file per language (``en.toml``, ``es.toml``…), read by
:mod:`bot.scam.cues`.

Each file has a ``language`` tag, a ``name``, optional Arabic-style ``proclitics`` (prefixes that
attach to any word: و، ال، بال…) and a ``[cues]`` table mapping a cue name to its patterns. A
pattern is words separated by spaces, matched on the normalized text (so write them naturally,
with accents and capitals; look-alike letters and digit swaps are undone on both sides):

- ``coins`` a whole word; ``coin*`` any word starting with ``coin``;
- ``send|give|share`` one of several words; ``top-up`` or ``one-time|two-factor`` words joined
  by ``-`` (or any punctuation) match with any punctuation or spaces between them, so an
  alternative of several words is written with ``-``: ``you-won|you've-won|you-win``;
- ``..`` up to three other words in between; ``your?`` an optional word;
- ``{brand}`` the platform's name from the brand file.

The first word may not be optional or ``..``: it is the anchor the matcher looks words up by.
"""
