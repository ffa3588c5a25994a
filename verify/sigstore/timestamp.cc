// Placeholder: lands with the Sigstore verification issue.
#include "sigstore/timestamp.h"
