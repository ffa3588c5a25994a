// Placeholder: checking SLSA Verification Summary Attestations lands here (issue 6).
#pragma once
