import sys

from gateway.admin import main

sys.exit(main())
