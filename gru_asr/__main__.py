import sys

from gru_asr.cli.main import main

sys.exit(main())
