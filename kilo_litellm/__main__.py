from kilo_litellm.cli.commands import main

raise SystemExit(main())
