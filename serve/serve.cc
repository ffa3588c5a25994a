// Placeholder: `vouch serve` (Kubernetes admission webhook) lands here.
#include "vouch/serve/serve.h"
