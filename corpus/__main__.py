import sys

from .cli import main

if __name__ == "__main__":  # guarded: --workers spawns processes that import the main module
    sys.exit(main())
