"""The gettext catalogues, one command each: `python scripts/i18n.py extract update` after marking a new text.

  extract  every marked text (webapp/**.py, layers/**.py, webapp/templates, see babel.cfg) into
           webapp/translations/messages.pot
  update   merge messages.pot into the sv and en catalogues, keeping their translations; a new message gets an
           empty msgstr to fill in by hand in both .po files (nothing is guessed: no fuzzy matching), and a message
           no longer in the code is dropped
  compile  build the .mo files (the app does this itself at start when a .mo is missing or older than its .po)
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

from babel.messages.frontend import CommandLineInterface

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = "webapp/translations"
TEMPLATE = f"{CATALOGUES}/messages.pot"
# Besides Babel's defaults (_, gettext, ngettext, pgettext, N_ ...): webapp/i18n.py's markers and helpers.
# `gettext_in:2` — the msgid is gettext_in's 2nd argument (the 1st is the language); `1c` marks a context.
KEYWORDS = ("N_", "NP_:1c,2", "gettext_in:2", "both")
WIDTH = "120"

COMMANDS = {
    "extract": ["extract", "-F", "babel.cfg", *(f"--keyword={k}" for k in KEYWORDS), "--add-comments=TRANSLATORS:",
                "--project=Riskkarta", "--version=0.1.0", "--width", WIDTH, "-o", TEMPLATE, "."],
    "update": ["update", "-i", TEMPLATE, "-d", CATALOGUES, "-D", "messages", "--no-fuzzy-matching",
               "--ignore-obsolete", "--width", WIDTH],
    "compile": ["compile", "-d", CATALOGUES, "-D", "messages", "--statistics"],
}


def main(argv: list[str]) -> int:
    if not argv or any(name not in COMMANDS for name in argv):
        print(__doc__, file=sys.stderr)
        return 2
    os.chdir(ROOT)
    for name in argv:
        CommandLineInterface().run(["pybabel", *COMMANDS[name]])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
