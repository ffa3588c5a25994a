// Placeholder: lands with the Sigstore verification issue.
#include "vouch/verify/sigstore.h"
