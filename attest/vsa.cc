// Placeholder: the SLSA VSA v1 predicate lands here.
#include "vouch/attest/vsa.h"
