// Placeholder: the SLSA VSA v1 predicate lands here (issue 6).
#pragma once
