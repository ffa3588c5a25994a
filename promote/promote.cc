// Placeholder: `vouch promote` (policy gate, copy, VSA) lands here.
#include "vouch/promote/promote.h"
