// Placeholder: `vouch serve` (Kubernetes admission webhook) lands here.
#pragma once
