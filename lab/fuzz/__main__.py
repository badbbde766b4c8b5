"""``python -m lab.fuzz``: the fuzzer and the collection soak (:mod:`lab.fuzz.run`)."""

from lab.fuzz.run import main

raise SystemExit(main())
