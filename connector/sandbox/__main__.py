"""``python -m connector.sandbox --port N ...``"""

from connector.sandbox.server import main

raise SystemExit(main())
