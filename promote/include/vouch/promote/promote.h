// Placeholder: `vouch promote` (policy gate, copy, VSA) lands here.
#pragma once
