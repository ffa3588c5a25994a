// Placeholder: lands with the Sigstore verification issue.
#include "vouch/verify/trusted_root.h"
