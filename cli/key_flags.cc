// Placeholder until key loading lands.
#include "key_flags.h"
