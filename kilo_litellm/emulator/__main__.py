from kilo_litellm.emulator.foreground import main

raise SystemExit(main())
