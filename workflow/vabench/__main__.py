from vabench.cli import main

raise SystemExit(main())
