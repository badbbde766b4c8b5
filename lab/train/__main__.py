"""``python -m lab.train``: train the bundled network (:mod:`lab.train.bundled`)."""

from lab.train.bundled import main

raise SystemExit(main())
