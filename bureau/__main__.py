from bureau.cli import main

raise SystemExit(main())
