"""``python -m syriatl.docs OUT_DIR``: write the generated pages."""

from syriatl.docs import main

raise SystemExit(main())
