// Placeholder: VSA checks land here.
#include "vouch/verify/vsa.h"
