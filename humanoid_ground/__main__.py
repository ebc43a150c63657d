import sys

from humanoid_ground.cli import main

sys.exit(main())
