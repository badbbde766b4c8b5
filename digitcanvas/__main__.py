import sys

from digitcanvas.cli import main

if __name__ == "__main__":  # python -m digitcanvas; importing the module runs nothing
    sys.exit(main())
