#!/bin/sh
# Prints the Python that `make install` builds the virtual environment from.
#
# Debian's /usr/bin/python3 is preferred when it is 3.11 or newer and can make a virtual
# environment: it is built with optimisations that a default source build (pyenv's, say)
# leaves out, and on the same machine the server stored about a fifth more submissions a
# second on it (docs/performance.md, "Which Python"). Otherwise the first python3 on the PATH.
system=/usr/bin/python3
if [ -x "$system" ] && "$system" -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "$system"
else
    echo python3
fi
