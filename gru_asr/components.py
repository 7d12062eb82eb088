"""Import every built-in component so that each registers itself."""

import gru_asr.augment  # noqa: F401
import gru_asr.decoders  # noqa: F401
import gru_asr.encoders  # noqa: F401
import gru_asr.frontends  # noqa: F401
import gru_asr.heads  # noqa: F401
import gru_asr.lm.base  # noqa: F401
import gru_asr.tokenizers  # noqa: F401
