"""schemathesis hooks for the ledger's description: valid credit codes for `format: credit-code`.

The description states the credit code's pattern and, in words, its check character, which no
JSON Schema keyword can express; without this a generator sends codes that match the pattern
and fail the check, which the server rightly refuses. Use from the command line with
`SCHEMATHESIS_HOOKS=tests.api.schemathesis_hooks st run ...` (from the repository root).
"""

from __future__ import annotations

import schemathesis
from hypothesis import strategies as st

from ledger.domain.credit_code import ALPHABET, check_character


def with_check_character(first17: str) -> str:
    return first17 + check_character(first17)


credit_codes = st.text(ALPHABET, min_size=17, max_size=17).map(with_check_character)
schemathesis.openapi.format("credit-code", credit_codes)
